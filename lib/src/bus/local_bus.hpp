// SPDX-License-Identifier: BSL-1.0
// The room bus of a single process: ids from an atomic counter, delivery straight to the room.
#pragma once

#include "bus/room_bus.hpp"
#include "common/metrics_counters.hpp"

#include <atomic>

namespace chat::detail {

class local_bus final : public room_bus {
public:
  /// `counters` (may be null) counts the MESSAGE frames handed to members; it must outlive
  /// the bus.
  explicit local_bus(metrics_counters* counters = nullptr);

  std::uint64_t server_id() const noexcept override { return server_id_; }
  std::uint64_t next_id() noexcept override {
    return next_.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t last_id() const noexcept override {
    return next_.load(std::memory_order_relaxed) - 1;
  }
  void publish(room& origin, const shared_event& event) override;

private:
  const std::uint64_t server_id_;
  metrics_counters* const counters_;
  std::atomic<std::uint64_t> next_{1};
};

}  // namespace chat::detail
