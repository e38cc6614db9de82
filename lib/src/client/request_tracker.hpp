// SPDX-License-Identifier: BSL-1.0
// Which request each server frame answers, on the client side (docs/PROTOCOL.md 7.2), sans-io.
//
// The server answers a connection's requests in the order it sent them, one answer or one
// ERROR each. The tracker keeps the requests whose answers have not arrived, oldest first, and
// for each incoming frame says whether it completes the oldest one (or is part of its answer),
// so that awaited operations (join, history, list, who) can complete with their answer and an
// ERROR reaches the request it refuses.
//
// Thread-safety: none; the client guards it with the lock under which requests are queued.
#pragma once

#include <chat/client.hpp>
#include <chat/messages.hpp>

#include <boost/system/error_code.hpp>

#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace chat::detail {

// end_handler, history_handler, list_handler, who_handler, answer_handler: <chat/client.hpp>.

struct pending_request {
  client_message_type request;
  std::string room;             ///< Folded, for requests about a room (HELLO: the room joined).
  std::optional<std::string> topic;  ///< The topic a TOPIC sets; empty for one that asks.
  std::uint64_t token = 0;      ///< PING's.
  answer_handler handler;       ///< Set for awaited forms.
  // The parts of an answer, as they arrive; at most max_collected of each, so a server that
  // never ends an answer cannot grow the client's memory.
  std::vector<msg::server::message> messages;  ///< HISTORY's answer, as it arrives.
  std::vector<msg::server::room_info> rooms;   ///< LIST's.
  std::vector<std::string> names;              ///< WHO's.
};

/// The most parts of one answer a client keeps: above any server's LIST, WHO or HISTORY.
inline constexpr std::size_t max_collected = 65536;

/// A request whose answer is complete: `end` is set for answers ending in END, `error` for a
/// refused request.
struct finished_request {
  pending_request request;
  boost::system::error_code error;
  msg::server::end end;
};

class request_tracker {
public:
  /// A request has been queued for sending.
  void sent(pending_request r) { pending_.push_back(std::move(r)); }
  /// The name the server knows us by (WELCOME), for recognising our own echoes.
  void registered_as(std::string name) { own_name_ = std::move(name); }
  const std::string& own_name() const noexcept { return own_name_; }

  /// Looks at an incoming frame. Returns the oldest request if the frame completes it.
  std::optional<finished_request> on_message(const server_message& m);

  /// Every request still waiting, oldest first (the connection ended).
  std::deque<pending_request> take_all() { return std::exchange(pending_, {}); }
  /// Whether a request of this type awaits its answer.
  bool awaiting(client_message_type request) const noexcept {
    for (const auto& r : pending_)
      if (r.request == request) return true;
    return false;
  }

private:
  /// Whether `m` is (the last frame of) the answer to `r`; collects parts of it into `r`.
  bool answers(pending_request& r, const server_message& m);

  std::deque<pending_request> pending_;
  std::string own_name_;
};

}  // namespace chat::detail
