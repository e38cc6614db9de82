// SPDX-License-Identifier: BSL-1.0
// tls_stream (OpenSSL straight over the socket) as an Asio AsyncStream, for layers that need
// one: Beast's WebSocket stream runs over it for wss://.
//
// Why not Asio's ssl::stream beneath Beast: it keeps about 70 KiB of buffers per connection,
// idle or not (docs/BENCHMARKS.md); tls_stream keeps none between records. The operations are
// readiness-based, as stream_ops<tls_stream> is: try OpenSSL at once, and only when it needs the
// socket wait for the socket to be readable or writable, then try again. Handlers are never
// called from inside the initiating function.
#pragma once

#include "transport/tls_stream.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <cstddef>
#include <utility>

namespace chat::detail {

template <class Socket>
class tls_async_stream {
public:
  using executor_type = typename Socket::executor_type;
  using next_layer_type = Socket;
  using ops = stream_ops<tls_stream<Socket>>;

  explicit tls_async_stream(tls_stream<Socket> stream) : stream_(std::move(stream)) {}
  tls_async_stream(tls_async_stream&&) noexcept = default;

  executor_type get_executor() noexcept { return stream_.get_executor(); }
  Socket& next_layer() noexcept { return stream_.next_layer(); }
  const Socket& next_layer() const noexcept { return stream_.next_layer(); }
  tls_stream<Socket>& tls() noexcept { return stream_; }

  /// Runs the handshake (server or client, as the tls_stream was made); `handler(error_code)`.
  template <class Handler>
  void async_handshake(Handler&& handler) {
    ops::prepare(stream_);
    ops::async_start(stream_, [this, h = std::forward<Handler>(handler)](boost::system::error_code ec) mutable {
      boost::asio::post(get_executor(), [h = std::move(h), ec]() mutable { h(ec); });
    });
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) { read_some(b, std::move(handler), false); }, token,
        buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) { write_some(b, std::move(handler), false); }, token,
        buffers);
  }

  /// Sends close_notify and the FIN (as stream_ops<tls_stream> does when a connection ends).
  void shut_down_send() noexcept { ops::shut_down_send(stream_, 0); }

private:
  // Tries to read at once; waits for the socket only when OpenSSL needs it. `waited`: whether
  // this attempt follows a wait (the handler may then be called directly).
  template <class MutableBuffers, class Handler>
  void read_some(const MutableBuffers& buffers, Handler handler, bool waited) {
    boost::system::error_code ec;
    std::size_t n = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::mutable_buffer b(*it);
      if (b.size() == 0) continue;
      n = ops::read_now(stream_, b, ec);  // the first non-empty buffer, as read_some does
      break;
    }
    if (ec == boost::asio::error::would_block) {
      ops::async_wait_readable(stream_, [this, buffers, h = std::move(handler)](boost::system::error_code wait_ec) mutable {
        if (wait_ec) return h(wait_ec, std::size_t{0});
        read_some(buffers, std::move(h), true);
      });
      return;
    }
    complete(std::move(handler), ec, n, waited);
  }

  template <class ConstBuffers, class Handler>
  void write_some(const ConstBuffers& buffers, Handler handler, bool waited) {
    boost::system::error_code ec;
    const std::size_t n = ops::write_now(stream_, buffers, ec);
    if (n == 0 && ec == boost::asio::error::would_block) {
      stream_.next_layer().async_wait(
          Socket::wait_write, [this, buffers, h = std::move(handler)](boost::system::error_code wait_ec) mutable {
            if (wait_ec) return h(wait_ec, std::size_t{0});
            write_some(buffers, std::move(h), true);
          });
      return;
    }
    if (n > 0) ec = {};
    complete(std::move(handler), ec, n, waited);
  }

  template <class Handler>
  void complete(Handler handler, boost::system::error_code ec, std::size_t n, bool waited) {
    auto executor = boost::asio::get_associated_executor(handler, get_executor());
    auto call = [h = std::move(handler), ec, n]() mutable { h(ec, n); };
    if (waited)
      boost::asio::dispatch(executor, std::move(call));
    else
      boost::asio::post(executor, std::move(call));
  }

  tls_stream<Socket> stream_;
};

// Beast's WebSocket closing: the close handshake is done; end the TLS stream and the socket.
template <class Socket>
void teardown(boost::beast::role_type, tls_async_stream<Socket>& stream, boost::system::error_code& ec) {
  stream.shut_down_send();
  stream.next_layer().close(ec);
}

template <class Socket, class Handler>
void async_teardown(boost::beast::role_type, tls_async_stream<Socket>& stream, Handler&& handler) {
  stream.shut_down_send();
  boost::system::error_code ec;
  stream.next_layer().close(ec);
  boost::asio::post(stream.get_executor(), [h = std::forward<Handler>(handler), ec]() mutable { h(ec); });
}

}  // namespace chat::detail
