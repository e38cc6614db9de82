#include "core/session.hpp"

#include <chat/text.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <sstream>
#include <unordered_set>
#include <utility>

namespace chat::detail {

using boost::system::error_code;
using std::chrono::steady_clock;

namespace {

// Bounds on answers, so one request cannot queue unbounded output.
constexpr std::size_t max_listed_rooms = 1000;
constexpr std::size_t max_listed_names = 4096;

std::string describe_peer(const boost::asio::ip::tcp::socket& socket) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  std::ostringstream out;
  out << endpoint;
  return out.str();
}

connection_limits limits_of(const server_options& o) {
  // A greeting holds at most one full history (plus JOINED, TOPIC and END); a LIST or WHO
  // answer is bounded by max_listed_rooms / max_listed_names.
  const std::size_t one_history = o.history * (frame_header_size + largest_valid_frame) + 4096;
  return {o.max_frame, o.max_queue_bytes, std::max<std::size_t>(one_history, 2 * 1024 * 1024),
          o.close_timeout};
}

shared_frame error_frame(error_code ec, std::string text) {
  if (text.empty()) text = ec.message();
  return encode_shared(msg::server::error{static_cast<std::uint16_t>(ec.value()), std::move(text)});
}

// What the rooms are told when a member is dropped rather than leaving by BYE.
std::string leave_reason(error_code reason) {
  if (reason == errc::ping_timeout) return "ping timeout";
  if (reason == errc::too_slow) return "too slow";
  if (reason == errc::server_shutting_down) return "server shutting down";
  return "connection closed";
}

const char* const invalid_room_text =
    "invalid room name: use 1-64 letters, digits, '_', '-', '.' or '#'";
const char* const invalid_name_text = "invalid name: use 2-32 letters, digits, '_', '-' or '.'";

}  // namespace

session::session(tcp::socket socket, server_state& server)
    : connection(std::move(socket), limits_of(server.options)),
      server_(server),
      handshake_timer_(executor()),
      idle_timer_(executor()),
      peer_(describe_peer(this->socket())) {
  server_.log("connect ", peer_);
}

void session::begin() {
  start();
  boost::asio::post(executor(), [self = self()] {
    self->last_input_ = steady_clock::now();
    self->wait_for_handshake();
    if (self->server_.options.idle_timeout.count() > 0)
      self->watch_idle(self->last_input_ + self->server_.options.idle_timeout);
  });
}

void session::wait_for_handshake() {
  const auto timeout = server_.options.handshake_timeout;
  if (timeout.count() <= 0) return;
  handshake_timer_.expires_after(timeout);
  handshake_timer_.async_wait([self = self()](error_code ec) {
    // Cancelled by a successful HELLO or by closing; otherwise the peer never introduced itself.
    if (ec || self->registered()) return;
    const auto reason = make_error_code(errc::handshake_timeout);
    self->close_gracefully(reason, self->farewell_for(reason));
  });
}

void session::watch_idle(steady_clock::time_point when) {
  idle_timer_.expires_at(when);
  idle_timer_.async_wait([self = self()](error_code ec) {
    if (ec) return;  // cancelled by closing
    const auto& options = self->server_.options;
    const auto now = steady_clock::now();
    if (now - self->last_input_ < options.idle_timeout) {
      self->watch_idle(self->last_input_ + options.idle_timeout);
    } else if (!self->ping_sent_) {
      self->ping_sent_ = true;
      self->send(encode_shared(msg::server::ping{static_cast<std::uint64_t>(
          now.time_since_epoch().count())}));
      self->watch_idle(now + options.ping_timeout);
    } else {
      const auto reason = make_error_code(errc::ping_timeout);
      self->close_gracefully(reason, self->farewell_for(reason));
    }
  });
}

void session::shut_down() {
  const auto reason = make_error_code(errc::server_shutting_down);
  close_gracefully(reason, farewell_for(reason));
}

void session::on_frame(frame_view frame) {
  // Any frame shows the peer is alive, whether or not it decodes.
  last_input_ = steady_clock::now();
  ping_sent_ = false;
  auto decoded = decode_client_message(frame);
  if (!decoded) {
    reply_error(decoded.error());
    return;
  }
  try {
    std::visit(
        [this](const auto& m) {
          using request = std::decay_t<decltype(m)>;
          constexpr bool allowed_unregistered =
              std::is_same_v<request, msg::client::hello> || std::is_same_v<request, msg::client::ping> ||
              std::is_same_v<request, msg::client::pong> || std::is_same_v<request, msg::client::bye>;
          if (!allowed_unregistered && !registered())
            return reply_error(errc::not_registered, "send HELLO first");
          handle(m);
        },
        *decoded);
  } catch (const std::exception& e) {
    // The request failed (e.g. out of memory); the session and the server carry on.
    server_.log("error ", peer_, ": ", e.what());
    reply_error(errc::internal_error);
  }
}

void session::handle(const msg::client::hello& m) {
  if (registered()) return reply_error(errc::already_registered, "already registered as " + name_);
  if (m.version != protocol_version)
    return reply_error(errc::unsupported_version,
                       "unsupported protocol version " + std::to_string(m.version) +
                           "; this server speaks version " + std::to_string(protocol_version));
  if (!is_valid_name(m.name)) return reply_error(errc::invalid_name, invalid_name_text);
  if (!m.room.empty() && !is_valid_room(m.room))
    return reply_error(errc::invalid_room, invalid_room_text);
  if (!server_.names.claim(m.name, self()))
    return reply_error(errc::name_taken, "name " + m.name + " is taken");

  name_ = m.name;
  handshake_timer_.cancel();
  send(encode_shared(msg::server::welcome{server_.options.server_info, server_.server_id, name_}));
  server_.log("hello ", name_, " from ", peer_);
  if (!m.room.empty()) join(m.room, 0);
}

void session::join(const std::string& room_name, std::uint64_t after_id) {
  if (!is_valid_room(room_name)) return reply_error(errc::invalid_room, invalid_room_text);
  auto folded = fold_case(room_name);
  if (rooms_.contains(folded)) return reply_error(errc::already_in_room, "already in " + folded);
  if (rooms_.size() >= server_.options.max_rooms_per_user)
    return reply_error(errc::too_many_rooms, "at most " +
                                                 std::to_string(server_.options.max_rooms_per_user) +
                                                 " rooms at a time");
  auto r = server_.rooms.join(folded, self(), name_, after_id);
  rooms_.emplace(std::move(folded), std::move(r));
  server_.log("join ", name_, " room ", room_name);
}

std::shared_ptr<room> session::joined_room(const std::string& room_name) {
  if (!is_valid_room(room_name)) {
    reply_error(errc::invalid_room, invalid_room_text);
    return nullptr;
  }
  const auto folded = fold_case(room_name);
  const auto it = rooms_.find(folded);
  if (it == rooms_.end()) {
    reply_error(errc::not_in_room, "you are not in " + folded);
    return nullptr;
  }
  return it->second;
}

void session::handle(const msg::client::join& m) { join(m.room, m.after_id); }

void session::handle(const msg::client::part& m) {
  if (auto ec = check_short_text(m.reason, max_reason_bytes)) return reply_error(ec);
  const auto r = joined_room(m.room);
  if (!r) return;
  rooms_.erase(r->name());
  server_.rooms.leave(r, *this, m.reason);
  server_.log("part ", name_, " room ", r->name());
}

void session::handle(const msg::client::say& m) {
  if (auto ec = check_text(m.text)) return reply_error(ec);
  if (const auto r = joined_room(m.room)) r->post(name_, m.flags & msg::flag_action, m.text);
}

void session::handle(const msg::client::private_message& m) {
  if (auto ec = check_text(m.text)) return reply_error(ec);
  // Checked before the name is looked up or echoed: it is the peer's text.
  if (!is_valid_name(m.to)) return reply_error(errc::no_such_user, "no such user (invalid name)");
  auto [recipient, spelling] = server_.names.find(m.to);
  if (!recipient) return reply_error(errc::no_such_user, "no user called " + m.to);
  const auto flags = static_cast<std::uint8_t>((m.flags & msg::flag_action) | msg::flag_private);
  const auto frame = encode_shared(msg::server::message{server_.ids.next(), unix_time_ms(), flags, name_,
                                                std::move(spelling), m.text});
  recipient->deliver(frame, delivery::event);
  if (recipient.get() != this) deliver(frame, delivery::event);  // the echo acknowledges it
}

void session::handle(const msg::client::list&) {
  bool truncated = false;
  frame_bytes out;
  for (const auto& info : server_.rooms.list(max_listed_rooms, truncated)) encode_to(out, info);
  encode_to(out, msg::server::end{static_cast<std::uint8_t>(client_message_type::list), {},
                          truncated ? msg::end_truncated : std::uint8_t{0}, 0});
  deliver(std::make_shared<const frame_bytes>(std::move(out)), delivery::greeting);
}

std::shared_ptr<room> session::existing_room(const std::string& room_name) {
  if (!is_valid_room(room_name)) {
    reply_error(errc::invalid_room, invalid_room_text);
    return nullptr;
  }
  auto r = server_.rooms.find(fold_case(room_name));
  if (!r) reply_error(errc::no_such_room, "no room called " + fold_case(room_name));
  return r;
}

void session::handle(const msg::client::who& m) {
  const auto r = existing_room(m.room);
  if (!r) return;
  auto names = r->member_names();
  const bool truncated = names.size() > max_listed_names;
  if (truncated) names.resize(max_listed_names);
  frame_bytes out;
  for (std::size_t first = 0; first < names.size(); first += max_names_per_frame) {
    const auto last = std::min(names.size(), first + max_names_per_frame);
    encode_to(out, msg::server::members{r->name(), {names.begin() + static_cast<std::ptrdiff_t>(first),
                                            names.begin() + static_cast<std::ptrdiff_t>(last)}});
  }
  encode_to(out, msg::server::end{static_cast<std::uint8_t>(client_message_type::who), r->name(),
                          truncated ? msg::end_truncated : std::uint8_t{0}, 0});
  deliver(std::make_shared<const frame_bytes>(std::move(out)), delivery::greeting);
}

void session::handle(const msg::client::topic& m) {
  if (m.set == 0) {
    if (const auto r = existing_room(m.room)) send(encode_shared(r->topic()));
    return;
  }
  if (auto ec = check_short_text(m.text, max_topic_bytes))
    return reply_error(ec, "a topic is at most " + std::to_string(max_topic_bytes) +
                               " bytes of text without control characters");
  if (const auto r = joined_room(m.room)) r->set_topic(m.text, name_);
}

void session::handle(const msg::client::nick& m) {
  if (!is_valid_name(m.name)) return reply_error(errc::invalid_name, invalid_name_text);
  if (m.name == name_) return;
  if (!server_.names.rename(name_, m.name))
    return reply_error(errc::name_taken, "name " + m.name + " is taken");
  const auto notice = encode_shared(msg::server::renamed{name_, m.name});
  std::unordered_set<const participant*> notified;
  for (const auto& [folded, r] : rooms_) r->rename(*this, m.name, notice, notified);
  if (!notified.contains(this)) deliver(notice, delivery::event);
  server_.log("nick ", name_, " -> ", m.name);
  name_ = m.name;
}

void session::handle(const msg::client::history& m) {
  if (const auto r = joined_room(m.room)) r->replay(*this, m.after_id, m.limit, client_message_type::history);
}

void session::handle(const msg::client::ping& m) { send(encode_shared(msg::server::pong{m.token})); }

void session::handle(const msg::client::pong&) {}  // on_frame has noted the sign of life

void session::handle(const msg::client::bye& m) {
  // An unusable reason is dropped rather than refused: the client is leaving either way.
  if (!check_short_text(m.reason, max_reason_bytes)) bye_reason_ = m.reason;
  close_gracefully({});
}

void session::reply_error(error_code ec, std::string text) {
  server_.log("error ", peer_, name_.empty() ? "" : " ", name_, ": ", ec.message());
  send(error_frame(ec, std::move(text)));
}

shared_frame session::farewell_for(error_code reason) {
  if (reason == errc::frame_too_large)
    return error_frame(reason, "frame exceeds the limit of " +
                                   std::to_string(server_.options.max_frame) + " bytes");
  if (reason == errc::malformed_frame || reason == errc::too_slow ||
      reason == errc::server_shutting_down || reason == errc::handshake_timeout ||
      reason == errc::ping_timeout)
    return error_frame(reason, {});
  return nullptr;
}

void session::leave_and_release(std::string_view why) {
  for (const auto& [folded, r] : rooms_) server_.rooms.leave(r, *this, why);
  if (!rooms_.empty()) server_.log("leave ", name_, " (", rooms_.size(), " rooms): ", why);
  rooms_.clear();
  // Cleared so that a second call cannot free the name after someone else has claimed it.
  if (!name_.empty()) server_.names.release(std::exchange(name_, {}));
}

// Leaving at once, not when the socket finally closes: after a BYE the others should see LEFT,
// and the name should be free for a reconnect, without waiting for the peer's FIN.
void session::on_closing(error_code reason) {
  handshake_timer_.cancel();
  idle_timer_.cancel();
  leave_and_release(reason ? leave_reason(reason) : bye_reason_.empty() ? "quit" : bye_reason_);
}

void session::on_closed(error_code reason) {
  handshake_timer_.cancel();  // release the timers' references to this session
  idle_timer_.cancel();
  leave_and_release(reason ? leave_reason(reason) : "quit");
  server_.log("disconnect ", peer_, ": ", reason ? reason.message() : "quit");
  server_.remove_session(this);
}

}  // namespace chat::detail
