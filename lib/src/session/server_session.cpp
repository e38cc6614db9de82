// SPDX-License-Identifier: BSL-1.0
#include "session/server_session.hpp"

#include <chat/text.hpp>

#include <cstdio>
#include <unordered_set>
#include <utility>

namespace chat::detail {

using boost::system::error_code;

namespace {

// Bounds on answers, so one request cannot queue unbounded output.
constexpr std::size_t max_listed_rooms = 1000;
constexpr std::size_t max_listed_names = 4096;

// What the rooms are told when a member is dropped rather than leaving by BYE.
std::string leave_reason(error_code reason) {
  if (reason == errc::ping_timeout) return "ping timeout";
  if (reason == errc::too_slow) return "too slow";
  if (reason == errc::server_shutting_down) return "server shutting down";
  return "connection closed";
}

msg::server::error error_message(error_code ec, std::string text) {
  if (text.empty()) text = ec.message();
  return {static_cast<std::uint16_t>(ec.value()), std::move(text)};
}

std::string rooms_count(std::size_t n) { return std::to_string(n) + (n == 1 ? " room" : " rooms"); }

const char* const invalid_room_text =
    "invalid room name: use 1-64 letters, digits, '_', '-', '.' or '#'";
const char* const invalid_name_text = "invalid name: use 2-32 letters, digits, '_', '-' or '.'";

// `holder` is the registered name `name` clashes with: itself in some letter case, or a lookalike.
std::string taken_text(const std::string& name, const std::string& holder) {
  if (fold_case(name) == fold_case(holder)) return "name " + name + " is taken";
  return "name " + name + " is taken: it looks too like " + holder;
}

template <class Request>
constexpr bool allowed_before_hello =
    std::is_same_v<Request, msg::client::hello> || std::is_same_v<Request, msg::client::ping> ||
    std::is_same_v<Request, msg::client::pong> || std::is_same_v<Request, msg::client::bye> ||
    std::is_same_v<Request, msg::client::cap> || std::is_same_v<Request, msg::client::pass> ||
    std::is_same_v<Request, msg::client::resume>;

// Whether a lost connection keeps its session for RESUME: not when the client said BYE, the
// server stops, the session moved, or the client broke the protocol's framing.
bool keeps_session(error_code reason) {
  return reason && reason != errc::server_shutting_down && reason != errc::session_resumed &&
         reason != errc::frame_too_large && reason != errc::malformed_frame &&
         reason != errc::bad_password && reason != errc::handshake_timeout &&
         reason != errc::internal_error;
}

// "192.0.2.7:4242" -> "192.0.2.7", "[2001:db8::1]:4242" -> "[2001:db8::1]": what the limit on
// detached sessions counts.
std::string address_of(const std::string& peer) {
  const auto colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

// Compares without a branch or an early exit that depends on the secret's content: the time
// taken tells a guesser nothing about how much of the password was right. Both are padded to
// the longest password a PASS may carry; longer guesses are refused by their (public) length.
bool password_matches(std::string_view given, std::string_view expected) {
  if (given.size() > max_password_bytes || expected.size() > max_password_bytes) return false;
  unsigned char given_padded[max_password_bytes] = {};
  unsigned char expected_padded[max_password_bytes] = {};
  std::copy(given.begin(), given.end(), given_padded);
  std::copy(expected.begin(), expected.end(), expected_padded);
  volatile unsigned char difference = static_cast<unsigned char>((given.size() ^ expected.size()) != 0);
  for (std::size_t i = 0; i < max_password_bytes; ++i)
    difference = difference | static_cast<unsigned char>(given_padded[i] ^ expected_padded[i]);
  return difference == 0;
}

}  // namespace

server_session::server_session(session_services& services, std::shared_ptr<member> self,
                               std::string peer, std::string_view transport)
    : services_(services),
      options_(services.options),
      self_(std::move(self)),
      peer_(std::move(peer)) {
  services_.log(log_level::info, "connected", peer_, transport);
}

server_session::~server_session() { leave_and_release("connection closed"); }

void server_session::start(clock::time_point now) {
  last_input_ = now;
  const auto timeout = options().handshake_timeout;
  if (timeout.count() > 0) handshake_deadline_ = now + timeout;
}

server_session::clock::time_point server_session::deadline() const noexcept {
  if (state_ != state::awaiting_hello && state_ != state::registered) return clock::time_point::max();
  auto next = state_ == state::awaiting_hello ? handshake_deadline_ : clock::time_point::max();
  if (input_held()) next = std::min(next, hold_until_);
  // Read each time: a reload's new idle time counts from the client's last input.
  const auto idle_timeout = options().idle_timeout;
  if (idle_timeout.count() > 0)
    next = std::min(next, ping_deadline_ ? *ping_deadline_ : last_input_ + idle_timeout);
  return next;
}

void server_session::on_deadline(clock::time_point now) {
  if (input_held() && now >= hold_until_) hold_until_ = {};
  if (state_ == state::awaiting_hello && now >= handshake_deadline_)
    return request_close(errc::handshake_timeout);
  if (state_ != state::awaiting_hello && state_ != state::registered) return;
  const auto& o = options();
  if (o.idle_timeout.count() <= 0) return;
  if (ping_deadline_) {
    if (now >= *ping_deadline_) request_close(errc::ping_timeout);
  } else if (now >= last_input_ + o.idle_timeout) {
    ping_deadline_ = now + o.ping_timeout;
    self_->reply(msg::server::ping{static_cast<std::uint64_t>(now.time_since_epoch().count())});
  }
}

void server_session::heard_from(clock::time_point now) noexcept {
  last_input_ = now;
  ping_deadline_.reset();
}

void server_session::on_undecodable(error_code ec, clock::time_point now) {
  // Any frame shows the peer is alive, whether or not it decodes.
  heard_from(now);
  if (state_ != state::awaiting_hello && state_ != state::registered) return;
  try {
    reply_error(ec);
  } catch (...) {
    request_close(errc::internal_error);  // not even an ERROR could be queued
  }
}

void server_session::on_message(const client_message& m, clock::time_point now) {
  heard_from(now);
  if (state_ != state::awaiting_hello && state_ != state::registered) return;
  if (state_ == state::registered && !pace(m, now)) return;
  try {
    std::visit(
        [this](const auto& request) {
          using request_type = std::decay_t<decltype(request)>;
          if (!allowed_before_hello<request_type> && state_ != state::registered)
            return reply_error(errc::not_registered, "send HELLO first");
          handle(request);
        },
        m);
  } catch (const std::exception& e) {
    // The request failed (e.g. out of memory); the session and the server carry on.
    services_.log(log_level::error, "request_failed", peer_, name_, name_.empty() ? "" : ": ", e.what());
    try {
      reply_error(errc::internal_error);
    } catch (...) {
      request_close(errc::internal_error);  // not even an ERROR could be queued
    }
  }
}

namespace {

// What a request costs flood control (flood_gate.hpp): requests that reach other people or
// change shared state; 0 for the rest (queries, keep-alive, BYE).
unsigned flood_cost(const client_message& m) {
  return std::visit(
      [](const auto& request) -> unsigned {
        using request_type = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<request_type, msg::client::join>)
          return flood_policy::join_cost;
        else if constexpr (std::is_same_v<request_type, msg::client::topic>)
          return request.set ? flood_policy::message_cost : 0;
        else if constexpr (std::is_same_v<request_type, msg::client::say> ||
                           std::is_same_v<request_type, msg::client::private_message> ||
                           std::is_same_v<request_type, msg::client::nick> ||
                           std::is_same_v<request_type, msg::client::part>)
          return flood_policy::message_cost;
        else
          return 0;
      },
      m);
}

// "5", "2.5": the rate as the options spell it.
std::string format_rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", rate);
  return text;
}

}  // namespace

bool server_session::pace(const client_message& m, clock::time_point now) {
  const unsigned cost = flood_cost(m);
  const auto& o = options();
  const flood_policy policy(o.flood_burst, o.flood_rate, o.flood_disconnect_after);
  if (cost == 0 || !policy.enabled()) return true;
  const auto verdict = flood_.charge(policy, cost, now);
  if (verdict.flooding) {
    services_.log(log_level::info, "flooding", peer_, name_, ": disconnected");
    request_close(errc::flooding);
    return false;
  }
  hold_until_ = verdict.hold_until;
  return true;
}

void server_session::on_stream_error(error_code ec) { request_close(ec); }
void server_session::on_shutdown() { request_close(errc::server_shutting_down); }
void server_session::on_too_slow() { request_close(errc::too_slow); }

// The rooms are left in on_closing(), once the driver has closed the client's queue: the
// client is not sent its own LEFT after the farewell.
void server_session::request_close(error_code reason) {
  if (state_ != state::awaiting_hello && state_ != state::registered) return;
  state_ = state::closing;
  close_reason_ = reason;
  close_due_ = true;
}

std::optional<msg::server::error> server_session::farewell_for(error_code reason) const {
  if (reason == errc::frame_too_large)
    return error_message(reason, "frame exceeds the limit of " + std::to_string(frame_limit()) +
                                     " bytes" +
                                     (frame_limit() < options().max_frame ? " before HELLO" : ""));
  if (reason == errc::flooding) {
    const auto seconds = std::chrono::duration<double>(options().flood_disconnect_after).count();
    return error_message(reason, "flooding: more than " + format_rate(options().flood_rate) +
                                     " messages/s sustained for " + format_rate(seconds) +
                                     " s; slow down");
  }
  if (reason == errc::malformed_frame || reason == errc::too_slow ||
      reason == errc::server_shutting_down || reason == errc::handshake_timeout ||
      reason == errc::ping_timeout)
    return error_message(reason, {});
  return std::nullopt;
}

// Leaving at once, not when the transport finally closes: after a BYE the others should see
// LEFT, and the name should be free for a reconnect, without waiting for the peer's FIN.
// A resumable session that lost its connection is kept instead (PROTOCOL.md 7.19).
void server_session::on_closing(error_code reason) {
  if (state_ == state::closed) return;
  state_ = state::closing;
  const std::string why = reason ? leave_reason(reason) : bye_reason_.empty() ? "quit" : bye_reason_;
  if (!token_.empty()) {
    const auto token = std::exchange(token_, {});
    if (keeps_session(reason) && services_.resume.detach(token, address_of(peer_), why, clock::now())) {
      services_.log(log_level::info, "detached", peer_, name_, " (", rooms_count(rooms_.size()), "): ", why);
      rooms_.clear();  // the registry's now, as is the name
      name_.clear();
      return;
    }
    services_.resume.close(token);
  }
  leave_and_release(why);
}

void server_session::on_taken_over() {
  if (state_ != state::registered) return;
  token_.clear();  // already the new connection's
  services_.log(log_level::info, "taken_over", peer_, name_, ": session taken over by RESUME");
  self_->reply(error_message(errc::session_resumed, "session resumed by another connection"));
  request_close(errc::session_resumed);
}

void server_session::on_closed(error_code reason) {
  if (state_ == state::closed) return;
  on_closing(reason);
  state_ = state::closed;
  const auto unlogged = mistakes_logged_.take_suppressed();
  services_.log(log_level::info, "closed", peer_, reason ? reason.message() : "quit",
                unlogged ? " (" + std::to_string(unlogged) + " more errors not logged)" : std::string());
}

void server_session::leave_and_release(std::string_view why) {
  for (const auto& [folded, r] : rooms_) services_.rooms.leave(r, *self_, why);
  if (!rooms_.empty()) services_.log(log_level::debug, "left_rooms", peer_, name_, " (", rooms_count(rooms_.size()), "): ", why);
  rooms_.clear();
  // Cleared so that a second call cannot free the name after someone else has claimed it.
  // Guarded by owner: after a RESUME took the session over, the name is the new connection's.
  if (!name_.empty()) services_.users.release(std::exchange(name_, {}), *self_);
}

void server_session::reply_error(error_code ec, std::string text) {
  // A client's mistake: worth knowing, but a hostile client must not flood the log with them.
  if (services_.log.enabled(log_level::info) && mistakes_logged_.allow(last_input_)) {
    const auto unlogged = mistakes_logged_.take_suppressed();
    services_.log(log_level::info, "protocol_error", peer_, name_, name_.empty() ? "" : ": ",
                  ec.message(),
                  unlogged ? " (" + std::to_string(unlogged) + " more errors not logged)" : std::string());
  }
  self_->reply(error_message(ec, std::move(text)));
}

bool server_session::refused_registration(std::uint16_t version, const std::string& name) {
  if (state_ == state::registered) {
    reply_error(errc::already_registered, "already registered as " + name_);
    return true;
  }
  if (refused_for_password()) return true;
  if (version != protocol_version) {
    reply_error(errc::unsupported_version,
                "unsupported protocol version " + std::to_string(version) +
                    "; this server speaks version " + std::to_string(protocol_version));
    return true;
  }
  if (!is_valid_name(name)) {
    reply_error(errc::invalid_name, invalid_name_text);
    return true;
  }
  return false;
}

void server_session::handle(const msg::client::hello& m) {
  if (refused_registration(m.version, m.name)) return;
  if (!m.room.empty() && !is_valid_room(m.room))
    return reply_error(errc::invalid_room, invalid_room_text);
  // WELCOME's place is taken before the name can be found: a private message sent to the new
  // name at once still arrives after WELCOME.
  auto welcome_place = self_->reserve_answer();
  // The token first: the registry may fail to get random bytes, and nothing is claimed yet.
  std::string token = resume_granted_ ? services_.resume.open(m.name, self_, notify_takeover_) : "";
  if (auto holder = services_.users.claim(m.name, self_); !holder.empty()) {
    if (!token.empty()) services_.resume.close(token);
    return reply_error(errc::name_taken, taken_text(m.name, holder));
  }

  name_ = m.name;
  state_ = state::registered;
  token_ = std::move(token);
  welcomed_ = true;
  std::vector<server_message> welcome{
      msg::server::welcome{options().server_info, services_.bus.server_id(), name_}};
  if (!token_.empty())
    welcome.emplace_back(msg::server::session{
        token_, static_cast<std::uint32_t>(services_.resume.grace().count())});
  welcome_place.fill(welcome);
  services_.log(log_level::info, "registered", peer_, name_);
  if (!m.room.empty()) join(m.room, 0);
}

void server_session::join(const std::string& room_name, std::uint64_t after_id) {
  if (!is_valid_room(room_name)) return reply_error(errc::invalid_room, invalid_room_text);
  auto folded = fold_case(room_name);
  if (rooms_.contains(folded)) return reply_error(errc::already_in_room, "already in " + folded);
  const auto max_rooms = options().max_rooms_per_user;
  if (rooms_.size() >= max_rooms)
    return reply_error(errc::too_many_rooms, "at most " + rooms_count(max_rooms) + " at a time");
  auto r = services_.rooms.join(folded, self_, name_, after_id);
  rooms_.emplace(std::move(folded), std::move(r));
  rooms_changed();
  services_.log(log_level::debug, "joined", peer_, name_, " joined ", room_name);
}

std::shared_ptr<room> server_session::joined_room(const std::string& room_name) {
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

std::shared_ptr<room> server_session::existing_room(const std::string& room_name) {
  if (!is_valid_room(room_name)) {
    reply_error(errc::invalid_room, invalid_room_text);
    return nullptr;
  }
  const auto folded = fold_case(room_name);
  auto r = services_.rooms.find(folded);
  if (!r) reply_error(errc::no_such_room, "no room called " + folded);
  return r;
}

void server_session::handle(const msg::client::join& m) { join(m.room, m.after_id); }

void server_session::handle(const msg::client::part& m) {
  if (auto ec = check_short_text(m.reason, max_reason_bytes)) return reply_error(ec);
  const auto r = joined_room(m.room);
  if (!r) return;
  rooms_.erase(r->name());
  rooms_changed();
  services_.rooms.leave(r, *self_, m.reason);
  services_.log(log_level::debug, "parted", peer_, name_, " left ", r->name());
}

void server_session::handle(const msg::client::say& m) {
  if (auto ec = check_text(m.text)) return reply_error(ec);
  if (const auto r = joined_room(m.room)) r->post(name_, m.flags & msg::flag_action, m.text);
}

void server_session::handle(const msg::client::private_message& m) {
  if (auto ec = check_text(m.text)) return reply_error(ec);
  // Checked before the name is looked up or echoed: it is the peer's text.
  if (!is_valid_name(m.to)) return reply_error(errc::no_such_user, "no such user (invalid name)");
  auto [recipient, spelling] = services_.users.find(m.to);
  if (!recipient) return reply_error(errc::no_such_user, "no user called " + m.to);
  const auto flags = static_cast<std::uint8_t>((m.flags & msg::flag_action) | msg::flag_private);
  const auto event = make_event(msg::server::message{services_.bus.next_id(), unix_time_ms(), flags,
                                                     name_, std::move(spelling), m.text});
  recipient->deliver(event);
  if (recipient != self_) self_->deliver(event);  // the echo acknowledges it
}

void server_session::handle(const msg::client::list&) {
  bool truncated = false;
  std::vector<server_message> answer;
  for (auto& info : services_.rooms.list(max_listed_rooms, truncated))
    answer.emplace_back(std::move(info));
  answer.emplace_back(msg::server::end{static_cast<std::uint8_t>(client_message_type::list), {},
                                       truncated ? msg::end_truncated : std::uint8_t{0}, 0});
  self_->answer(answer);
}

void server_session::handle(const msg::client::who& m) {
  if (const auto r = existing_room(m.room)) r->answer_who(*self_, max_listed_names);
}

void server_session::handle(const msg::client::topic& m) {
  if (m.set == 0) {
    if (const auto r = existing_room(m.room)) self_->reply(r->topic());
    return;
  }
  if (auto ec = check_short_text(m.text, max_topic_bytes))
    return reply_error(ec, "a topic is at most " + std::to_string(max_topic_bytes) +
                               " bytes of text without control characters");
  if (const auto r = joined_room(m.room)) r->set_topic(m.text, name_);
}

void server_session::handle(const msg::client::nick& m) {
  if (!is_valid_name(m.name)) return reply_error(errc::invalid_name, invalid_name_text);
  if (m.name == name_) return;
  // Built first: once the directory has the new name, nothing may fail before name_ follows.
  const auto notice = make_event(msg::server::renamed{name_, m.name});
  if (auto holder = services_.users.rename(name_, m.name, *self_); !holder.empty())
    return reply_error(errc::name_taken, taken_text(m.name, holder));
  std::unordered_set<const member*> notified;
  for (const auto& [folded, r] : rooms_) r->rename(*self_, m.name, notice, notified);
  if (!notified.contains(self_.get())) self_->deliver(notice);
  services_.log(log_level::debug, "renamed", peer_, name_, " -> ", m.name);
  name_ = m.name;
  if (!token_.empty()) services_.resume.renamed(token_, name_);
}

void server_session::handle(const msg::client::history& m) {
  if (const auto r = joined_room(m.room))
    r->replay(*self_, m.after_id, m.limit, client_message_type::history);
}

void server_session::handle(const msg::client::ping& m) { self_->reply(msg::server::pong{m.token}); }

void server_session::handle(const msg::client::pong&) {}  // heard_from has noted the sign of life

void server_session::handle(const msg::client::bye& m) {
  // An unusable reason is dropped rather than refused: the client is leaving either way.
  if (!check_short_text(m.reason, max_reason_bytes)) bye_reason_ = m.reason;
  request_close({});
}

void server_session::rooms_changed() {
  if (!token_.empty()) services_.resume.set_rooms(token_, rooms_);
}

void server_session::reply_caps() {
  msg::server::caps granted;
  if (resume_granted_) granted.names.emplace_back(capability_resume);
  self_->reply(granted);
}

bool server_session::refused_for_password() {
  if (options().password.empty() || password_given_) return false;
  reply_error(errc::bad_password, "this server needs a password (PASS before HELLO)");
  request_close(errc::bad_password);
  return true;
}

void server_session::handle(const msg::client::cap& m) {
  if (state_ == state::registered)
    return reply_error(errc::already_registered, "CAP is only allowed before HELLO");
  for (const auto& name : m.names)
    if (name == capability_resume && services_.resume.enabled()) resume_granted_ = true;
  reply_caps();
}

void server_session::handle(const msg::client::pass& m) {
  if (state_ == state::registered)
    return reply_error(errc::already_registered, "PASS is only allowed before HELLO");
  const auto& expected = options().password;
  if (!expected.empty()) {
    if (!password_matches(m.password, expected)) {
      services_.log(log_level::info, "bad_password", peer_, "wrong password");
      self_->reply(error_message(errc::bad_password, "wrong password"));
      return request_close(errc::bad_password);
    }
    password_given_ = true;
  }
  reply_caps();
}

void server_session::handle(const msg::client::resume& m) {
  if (refused_registration(m.version, m.name)) return;
  if (!resume_granted_)
    return reply_error(errc::resume_failed, "ask for the resume capability (CAP) before RESUME");
  // WELCOME's place first: once the session is ours, its rooms' events come to this
  // connection, and they must follow WELCOME and SESSION.
  auto welcome_place = self_->reserve_answer();
  auto taken = services_.resume.take_over(m.token, m.name, self_, notify_takeover_);
  if (!taken)
    return reply_error(errc::resume_failed,
                       "no session of " + m.name + " to resume: it has ended, or the token is wrong");
  name_ = std::move(taken->name);
  rooms_ = std::move(taken->rooms);
  token_ = std::move(taken->token);
  state_ = state::registered;
  welcomed_ = true;
  welcome_place.fill({msg::server::welcome{options().server_info, services_.bus.server_id(), name_},
                      msg::server::session{token_, static_cast<std::uint32_t>(services_.resume.grace().count())}});
  services_.log(log_level::info, "resumed", peer_, name_, " (", rooms_count(rooms_.size()), ")");
  if (taken->kick) taken->kick();  // the old connection, if still open, is told and closes
}

}  // namespace chat::detail
