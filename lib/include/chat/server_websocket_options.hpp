// SPDX-License-Identifier: BSL-1.0
// How a chat::server serves browsers (docs/PROTOCOL.md 15): WebSocket at /chat and the web
// client's files, on a port of their own. A plain value; part of server_options.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chat {

struct server_websocket_options {
  /// Where the WebSocket listener binds (on server_options::address); empty: none. 0 binds an
  /// ephemeral port, see server::websocket_endpoint(). With server_options::tls enabled it
  /// speaks wss:// (WebSocket over TLS, the same certificate).
  std::optional<std::uint16_t> port;
  /// Origins whose pages may open a WebSocket (exact, as browsers send them, e.g.
  /// "https://chat.example.org"); "*" allows any. Empty: only the server's own pages (an
  /// Origin whose host and port are the request's Host). A handshake without Origin (not from
  /// a browser) is always accepted.
  std::vector<std::string> allowed_origins;
  /// The web client's files, served at / on the same port; empty: none (404).
  std::string web_root;
  /// From the accept to the completed WebSocket handshake (over TLS: the TLS handshake too),
  /// and between the HTTP requests of a connection serving files; zero: forever.
  std::chrono::milliseconds handshake_timeout{10000};

  bool enabled() const noexcept { return port.has_value(); }
};

}  // namespace chat
