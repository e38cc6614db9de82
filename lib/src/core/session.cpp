#include "core/session.hpp"

#include <chat/text.hpp>

#include <boost/asio/post.hpp>

#include <sstream>
#include <utility>

namespace chat::detail {

using boost::system::error_code;

namespace {

std::string describe_peer(const boost::asio::ip::tcp::socket& socket) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  std::ostringstream out;
  out << endpoint;
  return out.str();
}

connection_limits limits_of(const server_options& o) {
  return {o.max_frame, o.max_queue_bytes, o.close_timeout};
}

shared_frame error_frame(error_code ec, std::string text) {
  if (text.empty()) text = ec.message();
  return encode_shared(msg::error{static_cast<std::uint16_t>(ec.value()), std::move(text)});
}

}  // namespace

session::session(tcp::socket socket, server_state& server)
    : connection(std::move(socket), limits_of(server.options)),
      server_(server),
      handshake_timer_(executor()),
      peer_(describe_peer(this->socket())) {
  server_.log("connect ", peer_);
}

void session::begin() {
  start();
  const auto timeout = server_.options.handshake_timeout;
  if (timeout.count() <= 0) return;
  boost::asio::post(executor(), [self = self(), timeout] {
    self->handshake_timer_.expires_after(timeout);
    self->handshake_timer_.async_wait([self](error_code ec) {
      // Cancelled by a successful HELLO or by closing; otherwise the peer never introduced itself.
      if (ec || self->room_) return;
      const auto reason = make_error_code(errc::handshake_timeout);
      self->close_gracefully(reason, self->farewell_for(reason));
    });
  });
}

void session::shut_down() {
  const auto reason = make_error_code(errc::server_shutting_down);
  close_gracefully(reason, farewell_for(reason));
}

void session::on_frame(frame_view frame) {
  auto decoded = decode_client_message(frame);
  if (!decoded) {
    reply_error(decoded.error());
    return;
  }
  try {
    std::visit([this](const auto& m) { handle(m); }, *decoded);
  } catch (const std::exception& e) {
    // The request failed (e.g. out of memory); the session and the server carry on.
    server_.log("error ", peer_, ": ", e.what());
    reply_error(errc::internal_error);
  }
}

void session::handle(const msg::hello& m) {
  if (room_) return reply_error(errc::already_joined, "already joined as " + name_);
  if (m.version != protocol_version)
    return reply_error(errc::unsupported_version, "unsupported protocol version " +
                                                      std::to_string(m.version) +
                                                      "; this server speaks version 1");
  if (!is_valid_name(m.name))
    return reply_error(errc::invalid_name,
                       "invalid name: use 2-32 letters, digits, '_', '-' or '.'");
  const std::string room_name = m.room.empty() ? std::string(default_room) : m.room;
  if (!is_valid_room(room_name))
    return reply_error(errc::invalid_room,
                       "invalid room name: use 1-64 letters, digits, '_', '-', '.' or '#'");
  if (!server_.names.claim(m.name))
    return reply_error(errc::name_taken, "name " + m.name + " is taken");

  name_ = m.name;
  room_ = server_.rooms.join(fold_case(room_name), self(), server_.options.server_info);
  handshake_timer_.cancel();
  server_.log("join ", name_, " room ", room_->name(), " from ", peer_);
}

void session::handle(const msg::say& m) {
  if (!room_) return reply_error(errc::not_joined, "send HELLO first");
  if (auto ec = check_text(m.text)) return reply_error(ec);
  room_->post(name_, m.text);
}

void session::handle(const msg::ping& m) { send(encode_shared(msg::pong{m.token})); }

void session::handle(const msg::bye&) { close_gracefully({}); }

void session::reply_error(error_code ec, std::string text) {
  server_.log("error ", peer_, name_.empty() ? "" : " ", name_, ": ", ec.message());
  send(error_frame(ec, std::move(text)));
}

shared_frame session::farewell_for(error_code reason) {
  if (reason == errc::frame_too_large)
    return error_frame(reason, "frame exceeds the limit of " +
                                   std::to_string(server_.options.max_frame) + " bytes");
  if (reason == errc::malformed_frame || reason == errc::too_slow ||
      reason == errc::server_shutting_down || reason == errc::handshake_timeout)
    return error_frame(reason, {});
  return nullptr;
}

void session::leave_and_release(std::string_view why) {
  if (room_) {
    server_.rooms.leave(room_, *this);
    server_.log("leave ", name_, " room ", room_->name(), ": ", why);
    room_.reset();
  }
  // Cleared so that a second call cannot free the name after someone else has claimed it.
  if (!name_.empty()) server_.names.release(std::exchange(name_, {}));
}

// Leaving at once, not when the socket finally closes: after a BYE the others should see LEFT,
// and the name should be free for a reconnect, without waiting for the peer's FIN.
void session::on_closing(error_code reason) {
  handshake_timer_.cancel();
  leave_and_release(reason ? reason.message() : "quit");
}

void session::on_closed(error_code reason) {
  handshake_timer_.cancel();  // releases the timer's reference to this session
  const std::string why = reason ? reason.message() : "quit";
  leave_and_release(why);
  server_.log("disconnect ", peer_, ": ", why);
  server_.remove_session(this);
}

}  // namespace chat::detail
