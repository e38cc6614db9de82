// What bounds one connection, whatever its transport: its frames, its queue, its close.
#pragma once

#include "transport/outbox.hpp"

#include <chat/limits.hpp>

#include <chrono>
#include <cstddef>

namespace chat::detail {

struct connection_limits {
  std::size_t max_frame = default_max_frame;
  outbox_limits queue;
  std::chrono::milliseconds close_timeout{2000};
};

}  // namespace chat::detail
