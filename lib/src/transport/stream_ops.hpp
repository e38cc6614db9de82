// SPDX-License-Identifier: BSL-1.0
// What a connection needs to know about its stream: how to set it up (and start it: a TLS
// handshake), how to read it without holding a buffer while idle, how to write it, and how to
// end it. Each stream type a connection runs over specialises stream_ops; plain TCP is here,
// TLS in transport/tls_stream.hpp.
//
// Reading is readiness-based: wait until the stream is readable (no buffer is tied up while
// waiting), then read what is there into the calling thread's buffer without blocking. TLS does
// the same with SSL_read, waiting only when OpenSSL needs the socket. Writes are tried at once
// (write_now) and what is left goes through async_write. Close semantics belong to the
// transport too: TCP half-closes with FIN and then drains; TLS sends close_notify; a WebSocket
// stream its close frame.
#pragma once

#include "common/peer_text.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace chat::detail {

template <class Stream>
struct stream_ops;

/// TCP, whatever the socket's executor type (the server's sockets name their strand's type,
/// which is smaller and cheaper to dispatch through than any_io_executor).
template <class Executor>
struct stream_ops<boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>> {
  using socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

  /// Once, when the connection starts, on its strand. Frames are small and the writer already
  /// gathers everything queued into one write, so Nagle's algorithm would only add latency
  /// (up to a delayed ACK, ~40 ms) to a quiet room's first message.
  static void prepare(socket& s) noexcept {
    boost::system::error_code ignored;
    s.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    s.non_blocking(true, ignored);  // read_now() and write_now() must never block the thread
  }
  /// Calls `handler(error_code)` once the stream can carry frames: for TCP, at once.
  template <class Handler>
  static void async_start(socket&, Handler&& handler) {
    std::forward<Handler>(handler)(boost::system::error_code{});
  }
  /// Reads what is available into `buffer` without blocking: would_block when nothing is;
  /// eof when the peer has closed.
  static std::size_t read_now(socket& s, boost::asio::mutable_buffer buffer,
                              boost::system::error_code& ec) {
    return s.read_some(buffer, ec);
  }
  /// Writes what the socket takes now from `buffers` without blocking (would_block when it
  /// takes nothing); returns the bytes written.
  template <class Buffers>
  static std::size_t write_now(socket& s, const Buffers& buffers, boost::system::error_code& ec) {
    return s.write_some(buffers, ec);
  }
  /// Writes all of `buffers`; calls `handler(error_code, bytes_written)`.
  template <class Buffers, class Handler>
  static void async_write(socket& s, const Buffers& buffers, Handler&& handler) {
    boost::asio::async_write(s, buffers, std::forward<Handler>(handler));
  }
  /// Calls `handler(error_code)` once the socket may be readable (or has failed).
  template <class Handler>
  static void async_wait_readable(socket& s, Handler&& handler) {
    s.async_wait(socket::wait_read, std::forward<Handler>(handler));
  }

  /// Everything queued has been written: tell the peer no more follows. `keep_alive` holds
  /// the connection for as long as the stream needs it (TCP: not at all).
  template <class KeepAlive>
  static void shut_down_send(socket& s, KeepAlive) noexcept {
    boost::system::error_code ignored;
    s.shutdown(socket::shutdown_send, ignored);
  }
  static void close(socket& s) noexcept {
    boost::system::error_code ignored;
    s.shutdown(socket::shutdown_both, ignored);
    s.close(ignored);
  }
  /// "ADDR:PORT" of the peer, for the log; empty if the socket no longer knows it.
  static std::string describe_peer(const socket& s) {
    boost::system::error_code ec;
    const auto endpoint = s.remote_endpoint(ec);
    return ec ? std::string() : peer_text(endpoint);
  }
  /// How the log names the transport.
  static constexpr std::string_view transport_name = "TCP";
};

}  // namespace chat::detail
