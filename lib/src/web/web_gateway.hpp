// SPDX-License-Identifier: BSL-1.0
// The WebSocket port (docs/PROTOCOL.md 15): each accepted connection speaks HTTP/1.1 until it
// asks for a WebSocket at /chat, which then runs a session (server/session_driver.hpp over
// transport/websocket_connection.hpp); other requests get the web client's files.
#pragma once

#include "common/log.hpp"
#include "server/connection_counter.hpp"
#include "server/connection_socket.hpp"
#include "server/session_set.hpp"
#include "session/session_services.hpp"
#include "transport/connection_limits.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace chat::detail {

/// What the port's connections share. Each connection holds it by a shared_ptr that keeps
/// its owner (the server's shared state) alive.
struct web_gateway_context {
  session_services& services;
  session_set& sessions;
  const connection_limits& limits;
  const live_options& options;  // its websocket member: read at each use, so a reload applies
  const logger& log;
};

/// Serves one admitted connection: over TLS when `tls` is set (its context is kept for the
/// connection's life), else plain. Any thread.
void serve_web_connection(connection_socket socket, connection_slot slot,
                          std::shared_ptr<const web_gateway_context> context,
                          std::shared_ptr<boost::asio::ssl::context> tls);

/// What a plain WebSocket port writes to a connection it refuses (over a limit) before closing
/// it: an HTTP 503 whose body is `text` (docs/PROTOCOL.md 15.1).
std::string web_refusal(std::string_view text);

}  // namespace chat::detail
