// SPDX-License-Identifier: BSL-1.0
// What bounds one connection, whatever its transport: its frames, its queue, its close.
#pragma once

#include "common/metrics_counters.hpp"
#include "transport/outbox.hpp"

#include <chat/limits.hpp>

#include <chrono>
#include <cstddef>

namespace chat::detail {

struct connection_limits {
  std::size_t max_frame = default_max_frame;
  outbox_limits queue;
  std::chrono::milliseconds close_timeout{2000};
  /// The server's counters, which the connection adds its traffic to; null: not counted.
  metrics_counters* counters = nullptr;
};

}  // namespace chat::detail
