// SPDX-License-Identifier: BSL-1.0
#include "support/ws_peer.hpp"

#include "protocol/frame_length.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <stdexcept>
#include <utility>

namespace chat::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;
using tcp = asio::ip::tcp;

struct ws_peer::streams {
  explicit streams(asio::io_context& io) : plain(io) {}
  streams(asio::io_context& io, asio::ssl::context& tls) : plain(io), secure(std::in_place, io, tls) {}
  websocket::stream<tcp::socket> plain;
  std::optional<websocket::stream<asio::ssl::stream<tcp::socket>>> secure;
  std::shared_ptr<asio::ssl::context> context;
  beast::flat_buffer buffer;

  tcp::socket& socket() { return secure ? beast::get_lowest_layer(*secure) : plain.next_layer(); }
  // Runs `start(done)` on whichever stream this is and waits for `done` until the deadline.
  template <class Start>
  error_code run(asio::io_context& io, std::chrono::milliseconds deadline, Start start) {
    std::optional<error_code> result;
    auto done = [&result](error_code ec, auto&&...) { result = ec; };
    if (secure) start(*secure, done); else start(plain, done);
    io.restart();
    io.run_for(deadline);
    if (!result) {
      error_code ignored;
      socket().close(ignored);  // abandons the operation
      io.restart();
      io.run_for(std::chrono::seconds(1));
      return make_error_code(boost::system::errc::timed_out);
    }
    return *result;
  }
};

ws_peer::ws_peer(std::uint16_t port, const ws_handshake& handshake, std::shared_ptr<asio::ssl::context> tls) {
  s_ = tls ? std::make_unique<streams>(io_, *tls) : std::make_unique<streams>(io_);
  s_->context = std::move(tls);
  const tcp::endpoint server{asio::ip::make_address_v4("127.0.0.1"), port};
  s_->socket().connect(server);
  const std::string host = handshake.host.empty() ? "127.0.0.1:" + std::to_string(port) : handshake.host;
  if (s_->secure) {
    const auto ec = s_->run(io_, std::chrono::seconds(10), [](auto& ws, auto done) {
      if constexpr (requires { ws.next_layer().handshake(asio::ssl::stream_base::client); })
        ws.next_layer().async_handshake(asio::ssl::stream_base::client, done);
    });
    if (ec) return;  // status 0
  }
  websocket::response_type response;
  const auto decorate = [&handshake](websocket::request_type& req) {
    if (!handshake.origin.empty()) req.set(beast::http::field::origin, handshake.origin);
    if (!handshake.subprotocol.empty()) req.set(beast::http::field::sec_websocket_protocol, handshake.subprotocol);
  };
  const auto ec = s_->run(io_, std::chrono::seconds(10), [&](auto& ws, auto done) {
    ws.set_option(websocket::stream_base::decorator(decorate));
    ws.binary(true);
    ws.async_handshake(response, host, handshake.path, done);
  });
  status_ = response.result_int();
  if (!ec) {
    status_ = 101;
    selected_ = std::string(response[beast::http::field::sec_websocket_protocol]);
  }
}

ws_peer::~ws_peer() {
  error_code ignored;
  s_->socket().close(ignored);
}

void ws_peer::send_bytes(std::span<const std::uint8_t> bytes, bool binary) {
  const auto ec = s_->run(io_, std::chrono::seconds(10), [&](auto& ws, auto done) {
    ws.binary(binary);
    ws.async_write(asio::buffer(bytes.data(), bytes.size()), done);
  });
  if (ec) throw std::runtime_error("WebSocket write failed: " + ec.message());
}

void ws_peer::register_as(const std::string& name, const std::string& room) {
  send(msg::client::hello{protocol_version, name, room});
  const auto reply = receive();
  if (!reply.has_value() || !std::holds_alternative<msg::server::welcome>(*reply))
    throw std::runtime_error("no WELCOME for " + name + " over WebSocket");
  if (room.empty()) return;
  for (;;) {
    const auto next = receive();
    if (!next.has_value()) throw std::runtime_error("greeting for " + name + " broken off");
    if (std::holds_alternative<msg::server::end>(*next)) return;
  }
}

boost::system::result<server_message> ws_peer::receive(std::chrono::milliseconds deadline) {
  s_->buffer.clear();
  bool got_binary = true;
  const auto ec = s_->run(io_, deadline, [&](auto& ws, auto done) {
    ws.async_read(s_->buffer, [&ws, &got_binary, done](error_code e, std::size_t n) mutable {
      got_binary = ws.got_binary();
      done(e, n);
    });
  });
  if (ec == websocket::error::closed || ec == asio::error::eof || ec == asio::error::connection_reset) {
    close_code_ = s_->secure ? s_->secure->reason().code : s_->plain.reason().code;
    return make_error_code(errc::connection_closed);
  }
  if (ec) return ec;
  const auto* p = static_cast<const std::uint8_t*>(s_->buffer.data().data());
  const std::size_t size = s_->buffer.size();
  if (!got_binary || size < frame_header_size + 1) return make_error_code(errc::malformed_frame);
  if (detail::declared_frame_length(p) != size - frame_header_size) return make_error_code(errc::malformed_frame);
  return decode_server_message(frame_view{p[4], std::span<const std::uint8_t>(p + 5, size - 5)});
}

boost::system::result<std::optional<server_message>> ws_peer::last_before_close(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::optional<server_message> last;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return make_error_code(boost::system::errc::timed_out);
    auto next = receive(left);
    if (!next) {
      if (next.error() == errc::connection_closed) return last;
      return next.error();
    }
    last = std::move(*next);
  }
}

void ws_peer::cut() {
  error_code ignored;
  s_->socket().set_option(asio::socket_base::linger(true, 0), ignored);  // a reset, as a crash
  s_->socket().close(ignored);
}

}  // namespace chat::test
