// SPDX-License-Identifier: BSL-1.0
// TLS beneath a connection: OpenSSL driven straight over the connection's non-blocking TCP
// socket, with the stream_ops that let stream_connection run it exactly as it runs plain TCP.
//
// Why not Asio's ssl::stream: it feeds OpenSSL through a memory BIO pair and keeps two 17 KiB
// buffers of its own, about 70 KiB per connection even when idle, and its reads cannot be
// readiness-based. Here OpenSSL reads and writes the socket itself (transport/tls_engine: a
// socket BIO with MSG_NOSIGNAL), and releases its record buffers while idle
// (SSL_MODE_RELEASE_BUFFERS): an idle TLS connection costs its SSL object and little more.
//
// - Starting: the handshake runs first (async_start), driven by readiness waits; the connection
//   reads and writes only once it has completed. The server side is handshaken by its
//   connection, so the session's HELLO deadline covers it; a client connection arrives
//   handshaken (client.cpp).
// - Reading stays readiness-based: SSL_read into the caller's (thread) buffer until OpenSSL
//   needs the socket, then wait. OpenSSL may hold decrypted bytes the socket no longer shows,
//   so would_block comes only from OpenSSL, never from a socket check. An SSL_read that needs
//   to write (a TLS 1.3 KeyUpdate answer into a full send buffer) waits for writability instead.
// - Writing: the gathered frames are copied into a per-thread 16 KiB buffer, one full record at
//   a time, so many small frames make one record (and one send), not one each. A write that
//   would block is retried with the same bytes, as OpenSSL requires: the connection's queue
//   does not change under a write in flight, and the buffer may move (the strand may run on
//   another thread): SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER.
// - Closing sends close_notify, then the TCP FIN, then reads and discards as TCP does.
#pragma once

#include "transport/stream_ops.hpp"
#include "transport/tls_engine.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <memory>
#include <utility>

namespace chat::detail {

/// Largest record payload: what one SSL_write of coalesced frames carries.
inline constexpr std::size_t tls_record_payload = 16 * 1024;
/// What one write_now() hands OpenSSL at most before letting the strand do other work.
inline constexpr std::size_t max_tls_write_per_turn = 256 * 1024;

enum class tls_side { client, server };

/// A TCP socket with an OpenSSL session over it. Keeps its context alive: the server may
/// replace the context for new connections while this one runs.
template <class Socket>
class tls_stream {
public:
  using executor_type = typename Socket::executor_type;

  tls_stream(Socket socket, std::shared_ptr<boost::asio::ssl::context> context, tls_side side)
      : socket_(std::move(socket)), context_(std::move(context)), ssl_(::SSL_new(context_->native_handle())) {
    if (!ssl_) return;
    ::SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (side == tls_side::server)
      ::SSL_set_accept_state(ssl_);
    else
      ::SSL_set_connect_state(ssl_);
  }
  tls_stream(tls_stream&& other) noexcept
      : socket_(std::move(other.socket_)),
        context_(std::move(other.context_)),
        ssl_(std::exchange(other.ssl_, nullptr)),
        attached_(other.attached_) {
    handshaken = other.handshaken;
  }
  tls_stream& operator=(tls_stream&&) = delete;
  ~tls_stream() {
    if (ssl_) ::SSL_free(ssl_);
  }

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  Socket& next_layer() noexcept { return socket_; }
  const Socket& next_layer() const noexcept { return socket_; }
  /// Null if OpenSSL could not make the session (out of memory): the handshake then fails.
  SSL* native_handle() noexcept { return ssl_; }

  /// Points OpenSSL at the socket, once it is open and connected; makes it non-blocking.
  bool attach() noexcept {
    if (attached_) return true;
    if (!ssl_ || !socket_.is_open()) return false;
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    attached_ = attach_socket(ssl_, socket_.native_handle());
    return attached_;
  }

  bool handshaken = false;        ///< The handshake has completed.
  bool read_wants_write = false;  ///< The last SSL_read waits for the socket to be writable.

private:
  Socket socket_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  SSL* ssl_;
  bool attached_ = false;
};

template <class Socket>
struct stream_ops<tls_stream<Socket>> {
  using stream = tls_stream<Socket>;
  using tcp_ops = stream_ops<Socket>;

  static void prepare(stream& s) noexcept {
    boost::system::error_code ignored;
    s.next_layer().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    s.attach();
  }

  /// Calls `handler(error_code)` once the handshake has completed (at once if it has), or
  /// with why it failed: a TLS error (asio::error::get_ssl_category(), e.g. "certificate
  /// verify failed"), eof if the peer closed.
  template <class Handler>
  static void async_start(stream& s, Handler&& handler) {
    if (s.handshaken) return std::forward<Handler>(handler)(boost::system::error_code{});
    if (!s.attach()) return std::forward<Handler>(handler)(boost::asio::ssl::error::unspecified_system_error);
    handshake(s, std::forward<Handler>(handler));
  }

  /// What OpenSSL has decrypted, into `buffer`, reading the socket as needed without blocking:
  /// would_block when there is nothing; eof once the peer has closed.
  static std::size_t read_now(stream& s, boost::asio::mutable_buffer buffer,
                              boost::system::error_code& ec) {
    auto* out = static_cast<std::uint8_t*>(buffer.data());
    std::size_t n = 0;
    while (n < buffer.size()) {
      std::size_t got = 0;
      clear_errors();
      const int result = ::SSL_read_ex(s.native_handle(), out + n, buffer.size() - n, &got);
      if (result == 1) {
        n += got;
        continue;
      }
      if (n > 0) break;  // deliver what was read; the condition shows again on the next call
      ec = tls_error(s.native_handle(), result, s.read_wants_write);
      break;
    }
    return n;
  }

  /// Encrypts and sends what the socket takes now from `buffers`, a record at a time; returns
  /// the plaintext bytes taken (would_block when none).
  template <class Buffers>
  static std::size_t write_now(stream& s, const Buffers& buffers, boost::system::error_code& ec) {
    thread_local std::array<std::uint8_t, tls_record_payload> record;
    std::size_t written = 0;
    for (;;) {
      const std::size_t size = gather(buffers, written, record);
      if (size == 0 || written >= max_tls_write_per_turn) return written;
      std::size_t sent = 0;
      clear_errors();
      const int result = ::SSL_write_ex(s.native_handle(), record.data(), size, &sent);
      if (result != 1) {
        bool wants_write = false;
        const auto error = tls_error(s.native_handle(), result, wants_write);
        if (written == 0 || error != boost::asio::error::would_block) ec = error;
        return written;
      }
      written += sent;
    }
  }

  /// Writes what it can of `buffers` once the socket is writable; calls
  /// `handler(error_code, bytes_written)` (0 bytes: it waits again when called again).
  template <class Buffers, class Handler>
  static void async_write(stream& s, const Buffers& buffers, Handler&& handler) {
    s.next_layer().async_wait(Socket::wait_write, [&s, &buffers, h = std::forward<Handler>(handler)](
                                                      boost::system::error_code ec) mutable {
      if (ec) return h(ec, std::size_t{0});
      const std::size_t n = write_now(s, buffers, ec);
      if (ec == boost::asio::error::would_block) ec = {};
      h(ec, n);
    });
  }

  /// Calls `handler(error_code)` once the socket is ready for what the last read waits for.
  template <class Handler>
  static void async_wait_readable(stream& s, Handler&& handler) {
    const auto direction = std::exchange(s.read_wants_write, false) ? Socket::wait_write : Socket::wait_read;
    s.next_layer().async_wait(direction, std::forward<Handler>(handler));
  }

  /// Sends close_notify (as far as the socket takes it now; the queue is flushed, so it
  /// normally takes it whole), then the FIN.
  template <class KeepAlive>
  static void shut_down_send(stream& s, KeepAlive) noexcept {
    if (s.handshaken) {
      clear_errors();
      ::SSL_shutdown(s.native_handle());
    }
    tcp_ops::shut_down_send(s.next_layer(), 0);
  }
  static void close(stream& s) noexcept { tcp_ops::close(s.next_layer()); }
  static std::string describe_peer(const stream& s) { return tcp_ops::describe_peer(s.next_layer()); }
  static constexpr std::string_view transport_name = "TLS";

private:
  static void clear_errors() noexcept {
    ::ERR_clear_error();
    errno = 0;
  }

  // Copies the bytes of `buffers` from `offset` into `record`, up to its size; returns how many.
  template <class Buffers, std::size_t N>
  static std::size_t gather(const Buffers& buffers, std::size_t offset, std::array<std::uint8_t, N>& record) {
    std::size_t size = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b(*it);
      if (offset >= b.size()) {
        offset -= b.size();
        continue;
      }
      const std::size_t take = std::min(b.size() - offset, N - size);
      std::copy_n(static_cast<const std::uint8_t*>(b.data()) + offset, take, record.data() + size);
      size += take;
      offset = 0;
      if (size == N) break;
    }
    return size;
  }

  template <class Handler>
  static void handshake(stream& s, Handler&& handler) {
    clear_errors();
    const int result = ::SSL_do_handshake(s.native_handle());
    if (result == 1) {
      s.handshaken = true;
      return std::forward<Handler>(handler)(boost::system::error_code{});
    }
    bool wants_write = false;
    const auto ec = tls_error(s.native_handle(), result, wants_write);
    if (ec != boost::asio::error::would_block) return std::forward<Handler>(handler)(ec);
    s.next_layer().async_wait(wants_write ? Socket::wait_write : Socket::wait_read,
                              [&s, h = std::forward<Handler>(handler)](boost::system::error_code wait_ec) mutable {
                                if (wait_ec) return h(wait_ec);
                                handshake(s, std::move(h));
                              });
  }
};

}  // namespace chat::detail
