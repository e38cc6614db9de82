#include "bus/local_bus.hpp"

#include "rooms/room.hpp"

#include <random>

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

local_bus::local_bus() : server_id_(random_server_id()) {}

void local_bus::publish(room& origin, const shared_event& event) { origin.fan_out(event); }

}  // namespace chat::detail
