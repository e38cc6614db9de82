#include <chat/room.hpp>

#include <algorithm>
#include <chrono>

namespace chat {
namespace {

std::uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

room::room(std::string name, std::size_t history_limit, message_sequence& ids)
    : name_(std::move(name)), ids_(ids), history_(history_limit) {}

std::uint32_t room::join(std::shared_ptr<participant> member, std::string_view server_info) {
  std::lock_guard lock(mutex_);
  members_.push_back(member);
  const auto count = static_cast<std::uint32_t>(members_.size());

  frame_bytes greeting;  // encode_to grows it geometrically
  encode_to(greeting, msg::welcome{std::string(server_info), member->name(), name_, count});
  for (msg::message replay : history_) {
    replay.flags |= msg::flag_history;
    encode_to(greeting, replay);
  }
  member->deliver(std::make_shared<const frame_bytes>(std::move(greeting)),
                  participant::delivery::greeting);
  deliver_to_all(encode_shared(msg::joined{member->name(), name_, count}), member.get());
  return count;
}

bool room::leave(const participant& member) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(members_.begin(), members_.end(),
                               [&](const auto& m) { return m.get() == &member; });
  if (it == members_.end()) return false;
  members_.erase(it);
  const auto count = static_cast<std::uint32_t>(members_.size());
  deliver_to_all(encode_shared(msg::left{member.name(), name_, count}));
  return true;
}

std::uint64_t room::post(std::string_view sender, std::string_view text) {
  std::lock_guard lock(mutex_);
  // Id and time are taken under the lock so every member sees ids in increasing order.
  msg::message m{ids_.next(), now_ms(), 0, std::string(sender), name_, std::string(text)};
  const std::uint64_t id = m.id;
  deliver_to_all(encode_shared(m));
  if (history_.capacity() > 0) history_.push_back(std::move(m));
  return id;
}

std::size_t room::member_count() const {
  std::lock_guard lock(mutex_);
  return members_.size();
}

std::vector<msg::message> room::recent_messages() const {
  std::lock_guard lock(mutex_);
  return {history_.begin(), history_.end()};
}

void room::deliver_to_all(const shared_frame& frame, const participant* except) {
  for (const auto& m : members_)
    if (m.get() != except) m->deliver(frame, participant::delivery::event);
}

}  // namespace chat
