// SPDX-License-Identifier: BSL-1.0
#include "client/request_tracker.hpp"

#include <chat/error.hpp>

#include <algorithm>

namespace chat::detail {
namespace {

bool is_end_of(const server_message& m, client_message_type request, const std::string& room,
               msg::server::end& out) {
  const auto* e = std::get_if<msg::server::end>(&m);
  if (!e || e->request != static_cast<std::uint8_t>(request) || e->room != room) return false;
  out = *e;
  return true;
}

}  // namespace

bool request_tracker::answers(pending_request& r, const server_message& m) {
  msg::server::end ignored;
  switch (r.request) {
    case client_message_type::hello:
      if (r.room.empty()) return std::holds_alternative<msg::server::welcome>(m);
      return is_end_of(m, client_message_type::join, r.room, ignored);
    case client_message_type::say: {
      const auto* said = std::get_if<msg::server::message>(&m);
      return said && said->sender == own_name_ && said->target == r.room &&
             (said->flags & (msg::flag_history | msg::flag_private)) == 0;
    }
    case client_message_type::private_message: {
      const auto* said = std::get_if<msg::server::message>(&m);
      return said && said->sender == own_name_ && (said->flags & msg::flag_private) != 0;
    }
    case client_message_type::ping: {
      const auto* pong = std::get_if<msg::server::pong>(&m);
      return pong && pong->token == r.token;
    }
    case client_message_type::part: {
      const auto* left = std::get_if<msg::server::left>(&m);
      return left && left->name == own_name_ && left->room == r.room;
    }
    case client_message_type::topic: {
      const auto* topic = std::get_if<msg::server::topic>(&m);
      if (!topic || topic->room != r.room) return false;
      if (!r.topic) return true;  // asking: any TOPIC of the room carries the current topic
      return topic->text == *r.topic && (r.topic->empty() || topic->set_by == own_name_);
    }
    case client_message_type::nick: {
      const auto* renamed = std::get_if<msg::server::renamed>(&m);
      return renamed && renamed->old_name == own_name_;
    }
    case client_message_type::list:
      if (const auto* info = std::get_if<msg::server::room_info>(&m); info && r.rooms.size() < max_collected)
        r.rooms.push_back(*info);
      return is_end_of(m, client_message_type::list, {}, ignored);
    case client_message_type::who:
      if (const auto* members = std::get_if<msg::server::members>(&m);
          members && members->room == r.room && r.names.size() < max_collected)
        r.names.insert(r.names.end(), members->names.begin(),
                       members->names.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                    members->names.size(), max_collected - r.names.size())));
      return is_end_of(m, client_message_type::who, r.room, ignored);
    case client_message_type::history:
      if (const auto* replayed = std::get_if<msg::server::message>(&m);
          replayed && replayed->target == r.room && (replayed->flags & msg::flag_history) &&
          r.messages.size() < max_collected)
        r.messages.push_back(*replayed);
      return is_end_of(m, client_message_type::history, r.room, ignored);
    case client_message_type::join:
      return is_end_of(m, client_message_type::join, r.room, ignored);
    case client_message_type::cap:
    case client_message_type::pass:
      return std::holds_alternative<msg::server::caps>(m);
    case client_message_type::resume:
      return std::holds_alternative<msg::server::welcome>(m);
    case client_message_type::bye:
    case client_message_type::pong:
      return true;  // never tracked: nothing answers them
  }
  return false;
}

std::optional<finished_request> request_tracker::on_message(const server_message& m) {
  if (const auto* renamed = std::get_if<msg::server::renamed>(&m);
      renamed && renamed->old_name == own_name_) {
    // Our own rename: later echoes carry the new name.
    if (!pending_.empty() && pending_.front().request == client_message_type::nick) {
      finished_request done{std::move(pending_.front()), {}, {}};
      pending_.pop_front();
      own_name_ = renamed->new_name;
      return done;
    }
    own_name_ = renamed->new_name;
    return std::nullopt;
  }
  if (pending_.empty()) return std::nullopt;
  auto& oldest = pending_.front();
  const auto* e = std::get_if<msg::server::error>(&m);
  // ERROR names no request: it refuses the oldest one not yet answered.
  if (!e && !answers(oldest, m)) return std::nullopt;
  std::optional<finished_request> done =
      finished_request{std::move(oldest), boost::system::error_code{}, msg::server::end{}};
  pending_.pop_front();
  if (e)
    done->error = boost::system::error_code(e->code, error_category());
  else if (const auto* end = std::get_if<msg::server::end>(&m))
    done->end = *end;
  return done;
}

}  // namespace chat::detail
