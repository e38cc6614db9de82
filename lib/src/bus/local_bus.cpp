// SPDX-License-Identifier: BSL-1.0
#include "bus/local_bus.hpp"

#include "rooms/room.hpp"
#include "rooms/room_event.hpp"

#include <random>
#include <variant>

namespace chat::detail {
namespace {

std::uint64_t random_server_id() {
  std::random_device entropy;
  std::uint64_t id = 0;
  // Never 0, so a client can use 0 for "no server yet".
  while (id == 0) id = (std::uint64_t(entropy()) << 32) | entropy();
  return id;
}

}  // namespace

local_bus::local_bus(metrics_counters* counters) : server_id_(random_server_id()), counters_(counters) {}

void local_bus::publish(room& origin, const shared_event& event) {
  const std::size_t members = origin.fan_out(event);
  if (counters_ && std::holds_alternative<msg::server::message>(event->payload()))
    metrics_counters::traffic::add(counters_->local().deliveries, members);
}

}  // namespace chat::detail
