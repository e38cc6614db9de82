// SPDX-License-Identifier: BSL-1.0
// A WebSocket client for tests of the WebSocket port (docs/PROTOCOL.md 15): opens /chat as a
// browser would (Origin, subprotocol), over plain TCP or TLS, and sends and receives whole
// messages, including what a well-behaved client never sends (text, two frames in one message,
// oversized messages). Every operation is bounded by a deadline.
#pragma once

#include <chat/protocol.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace chat::test {

struct ws_handshake {
  std::string path = "/chat";
  std::string origin;                      ///< Empty: no Origin header.
  std::string subprotocol = "libchat.v2";  ///< Empty: none offered.
  std::string host;                        ///< Empty: "127.0.0.1:PORT".
};

class ws_peer {
public:
  /// Opens a WebSocket to 127.0.0.1:port; over TLS when `tls` is set (verifying the server's
  /// certificate with that context). handshake_status() says how it went.
  ws_peer(std::uint16_t port, const ws_handshake& handshake = {},
          std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~ws_peer();

  /// 101 when the WebSocket opened; otherwise the HTTP status the server answered, or 0 if it
  /// closed without one.
  unsigned handshake_status() const noexcept { return status_; }
  /// The subprotocol the server selected ("" for none).
  const std::string& selected_subprotocol() const noexcept { return selected_; }

  /// Sends one binary message with these bytes (a frame, or anything else).
  void send_bytes(std::span<const std::uint8_t> bytes, bool binary = true);
  template <class Message>
  void send(const Message& m) {
    const auto bytes = encode(m);
    send_bytes(bytes);
  }
  /// HELLO as `name`, WELCOME required, then the greeting of `room` read up to END. Throws
  /// std::runtime_error on failure (callable from any thread).
  void register_as(const std::string& name, const std::string& room = "lobby");

  /// The next message, decoded; errc::connection_closed when the server closed (close_code()
  /// says how), timed_out at the deadline, malformed_frame if a message is not one frame.
  boost::system::result<server_message> receive(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// Reads until the server closes: the last message before (empty if none), or the error.
  boost::system::result<std::optional<server_message>> last_before_close(
      std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// The close code of the server's Close (0 if none came).
  unsigned close_code() const noexcept { return close_code_; }
  /// Closes the TCP connection at once, without a Close (a cut-off browser).
  void cut();

private:
  struct streams;
  boost::asio::io_context io_;
  std::unique_ptr<streams> s_;
  unsigned status_ = 0;
  unsigned close_code_ = 0;
  std::string selected_;
};

}  // namespace chat::test
