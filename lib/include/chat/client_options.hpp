// What a chat::client is configured with. A plain value.
#pragma once

#include <chat/limits.hpp>

#include <chrono>
#include <cstddef>

namespace chat {

struct client_options {
  std::size_t max_frame = default_max_frame;  ///< Limit on a server frame's declared length.
  std::size_t max_queue_bytes = 1024 * 1024;  ///< Send queue bound; overflowing it closes with too_slow.
  std::chrono::milliseconds close_timeout{2000};  ///< How long bye() may take to flush.
};

}  // namespace chat
