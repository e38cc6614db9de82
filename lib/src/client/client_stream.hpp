// SPDX-License-Identifier: BSL-1.0
// The client's stream: plain TCP or TLS, as client_options says when the client is made. One
// type for both keeps client_connection a single class; stream_ops forwards to the one in use.
#pragma once

#include "transport/stream_ops.hpp"
#include "transport/tls_stream.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <utility>
#include <variant>

namespace chat::detail {

class client_stream {
public:
  using tcp = boost::asio::ip::tcp;
  using tls_type = tls_stream<tcp::socket>;
  using executor_type = tcp::socket::executor_type;

  explicit client_stream(tcp::socket socket) : stream_(std::move(socket)) {}
  client_stream(tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : stream_(std::in_place_type<tls_type>, std::move(socket), std::move(context), tls_side::client) {}

  executor_type get_executor() noexcept { return socket().get_executor(); }
  /// The TCP socket beneath (TLS's next layer).
  tcp::socket& socket() noexcept {
    if (auto* t = tls()) return t->next_layer();
    return std::get<tcp::socket>(stream_);
  }
  /// The TLS stream, or null for plain TCP.
  tls_type* tls() noexcept { return std::get_if<tls_type>(&stream_); }

  template <class Visitor>
  decltype(auto) visit(Visitor&& v) {
    return std::visit(std::forward<Visitor>(v), stream_);
  }
  template <class Visitor>
  decltype(auto) visit(Visitor&& v) const {
    return std::visit(std::forward<Visitor>(v), stream_);
  }

private:
  std::variant<tcp::socket, tls_type> stream_;
};

template <>
struct stream_ops<client_stream> {
  template <class S>
  using ops = stream_ops<std::decay_t<S>>;

  static void prepare(client_stream& s) noexcept {
    s.visit([](auto& x) { ops<decltype(x)>::prepare(x); });
  }
  template <class Handler>
  static void async_start(client_stream& s, Handler&& handler) {
    s.visit([&](auto& x) { ops<decltype(x)>::async_start(x, std::forward<Handler>(handler)); });
  }
  static std::size_t read_now(client_stream& s, boost::asio::mutable_buffer buffer,
                              boost::system::error_code& ec) {
    return s.visit([&](auto& x) { return ops<decltype(x)>::read_now(x, buffer, ec); });
  }
  template <class Buffers>
  static std::size_t write_now(client_stream& s, const Buffers& buffers, boost::system::error_code& ec) {
    return s.visit([&](auto& x) { return ops<decltype(x)>::write_now(x, buffers, ec); });
  }
  template <class Buffers, class Handler>
  static void async_write(client_stream& s, const Buffers& buffers, Handler&& handler) {
    s.visit([&](auto& x) { ops<decltype(x)>::async_write(x, buffers, std::forward<Handler>(handler)); });
  }
  template <class Handler>
  static void async_wait_readable(client_stream& s, Handler&& handler) {
    s.visit([&](auto& x) { ops<decltype(x)>::async_wait_readable(x, std::forward<Handler>(handler)); });
  }
  template <class KeepAlive>
  static void shut_down_send(client_stream& s, KeepAlive keep_alive) {
    s.visit([&](auto& x) { ops<decltype(x)>::shut_down_send(x, std::move(keep_alive)); });
  }
  static void close(client_stream& s) noexcept {
    s.visit([](auto& x) { ops<decltype(x)>::close(x); });
  }
  static std::string describe_peer(const client_stream& s) {
    return s.visit([](const auto& x) { return ops<decltype(x)>::describe_peer(x); });
  }
};

}  // namespace chat::detail
