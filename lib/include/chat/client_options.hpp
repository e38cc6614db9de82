// SPDX-License-Identifier: BSL-1.0
// What a chat::client is configured with. A plain value.
#pragma once

#include <chat/client_tls_options.hpp>
#include <chat/limits.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace chat {

struct client_options {
  std::size_t max_frame = default_max_frame;  ///< Limit on a server frame's declared length.
  std::size_t max_queue_bytes = 1024 * 1024;  ///< Send queue bound; overflowing it closes with too_slow.
  std::chrono::milliseconds close_timeout{2000};  ///< How long bye() may take to flush.
  /// The server password, sent (PASS) before every HELLO and RESUME; empty: none.
  std::string password;
  /// Ask for session resume (CAP "resume") before every HELLO: a server that grants it sends
  /// msg::server::session after WELCOME, whose token async_resume() takes on a later
  /// connection (docs/PROTOCOL.md 7.19).
  bool resume = false;
  client_tls_options tls;  ///< Off by default: plain TCP.
};

}  // namespace chat
