// SPDX-License-Identifier: BSL-1.0
// A bare TCP peer for tests that must send what a well-behaved client never would (oversized
// lengths, broken UTF-8), or behave badly (stop reading). Blocking socket; reads wait with poll().
#pragma once

#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace chat::test {

/// The two client addresses of the limit and flood tests (any of 127.0.0.0/8 is loopback on
/// Linux): one floods, the other is the legitimate client that must keep being served.
inline const boost::asio::ip::address_v4 flooding_address = boost::asio::ip::make_address_v4("127.0.0.1");
inline const boost::asio::ip::address_v4 legitimate_address = boost::asio::ip::make_address_v4("127.0.0.2");

class raw_peer {
public:
  /// Connects to 127.0.0.1:port. A non-zero `receive_buffer` shrinks SO_RCVBUF first.
  explicit raw_peer(std::uint16_t port, int receive_buffer = 0);
  /// Connects to 127.0.0.1:port from `source` (any of 127.0.0.0/8 on Linux), so that a test
  /// can be a second client address.
  raw_peer(std::uint16_t port, const boost::asio::ip::address_v4& source);

  void send_bytes(std::span<const std::uint8_t> bytes);
  template <class Message>
  void send(const Message& m) {
    send_bytes(encode(m));
  }

  /// Sends HELLO as `name`, requires WELCOME in reply and, when joining `room`, reads its
  /// greeting up to END.
  void hello(const std::string& name, const std::string& room = "lobby");
  /// The same, throwing std::runtime_error instead of failing the test: for other threads than
  /// the test's own (Boost.Test's assertions are not thread-safe).
  void register_as(const std::string& name, const std::string& room = "lobby");

  /// The next message from the server; errc::connection_closed at EOF, timed_out at the deadline.
  boost::system::result<server_message> receive(
      std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// Reads everything until the server closes: the last message before the end (empty if
  /// none came), or the error if the stream did not end by the server closing it in time.
  boost::system::result<std::optional<server_message>> last_before_close(
      std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// Reads and drops everything until the server closes. True if it closed before the deadline.
  bool wait_closed_by_server(std::chrono::milliseconds deadline = std::chrono::seconds(10));

private:
  boost::system::error_code read_some(std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  frame_decoder decoder_;
};

}  // namespace chat::test
