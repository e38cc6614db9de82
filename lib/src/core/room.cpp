#include <chat/room.hpp>

#include <algorithm>
#include <chrono>

namespace chat {
namespace {

std::size_t footprint(const msg::server::message& m) {
  return sizeof m + m.sender.size() + m.target.size() + m.text.size();
}

}  // namespace

std::uint64_t unix_time_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

room::room(std::string name, std::size_t history_limit, message_sequence& ids)
    : name_(std::move(name)),
      ids_(ids),
      history_(history_limit),
      forgotten_through_(ids.last()),
      topic_{name_, {}, {}, 0} {}

std::uint32_t room::join(std::shared_ptr<participant> member, std::string member_name,
                         std::uint64_t after_id) {
  std::lock_guard lock(mutex_);
  members_.push_back({member, member_name});
  const auto count = static_cast<std::uint32_t>(members_.size());
  const auto joined = encode_shared(msg::server::joined{std::move(member_name), name_, count});
  for (const auto& m : members_)
    if (m.who != member) m.who->deliver(joined, participant::delivery::event);

  frame_bytes greeting = *joined;  // encode_to grows it geometrically from here
  encode_to(greeting, topic_);
  append_replay(greeting, after_id, history_.size(), client_message_type::join);
  member->deliver(std::make_shared<const frame_bytes>(std::move(greeting)),
                  participant::delivery::greeting);
  return count;
}

bool room::leave(const participant& member, std::string_view reason) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(members_.begin(), members_.end(),
                               [&](const auto& m) { return m.who.get() == &member; });
  if (it == members_.end()) return false;
  const auto leaver = std::move(*it);
  members_.erase(it);
  const auto left = encode_shared(msg::server::left{leaver.name, name_,
                                            static_cast<std::uint32_t>(members_.size()),
                                            std::string(reason)});
  deliver_to_all(left);
  leaver.who->deliver(left, participant::delivery::event);
  if (members_.empty()) topic_ = {name_, {}, {}, 0};  // the room ends; its history is kept
  return true;
}

std::uint64_t room::post(std::string_view sender, std::uint8_t flags, std::string_view text) {
  std::lock_guard lock(mutex_);
  // Id and time are taken under the lock so every member sees ids in increasing order.
  msg::server::message m{ids_.next(), unix_time_ms(), flags, std::string(sender), name_,
                 std::string(text)};
  const std::uint64_t id = m.id;
  deliver_to_all(encode_shared(m));
  if (history_.capacity() == 0) {
    forgotten_through_ = id;
  } else {
    if (history_.full()) {
      forgotten_through_ = history_.front().id;
      history_bytes_ -= footprint(history_.front());
    }
    history_bytes_ += footprint(m);
    history_.push_back(std::move(m));
  }
  return id;
}

void room::replay(participant& to, std::uint64_t after_id, std::size_t limit,
                  client_message_type request) const {
  frame_bytes out;
  {
    std::lock_guard lock(mutex_);
    append_replay(out, after_id, limit, request);
  }
  to.deliver(std::make_shared<const frame_bytes>(std::move(out)), participant::delivery::greeting);
}

void room::append_replay(frame_bytes& out, std::uint64_t after_id, std::size_t limit,
                         client_message_type request) const {
  // Ids increase along the ring, so the messages after `after_id` are a suffix of it.
  auto first = std::upper_bound(history_.begin(), history_.end(), after_id,
                                [](std::uint64_t id, const msg::server::message& m) { return id < m.id; });
  const auto available = static_cast<std::size_t>(history_.end() - first);
  const std::size_t count = std::min(available, limit);
  std::uint64_t last_id = std::max(after_id, forgotten_through_);
  for (auto it = first; it != first + static_cast<std::ptrdiff_t>(count); ++it) {
    msg::server::message replayed = *it;
    replayed.flags |= msg::flag_history;
    encode_to(out, replayed);
    last_id = it->id;
  }
  if (count == available && !history_.empty()) last_id = std::max(last_id, history_.back().id);
  std::uint8_t flags = 0;
  if (after_id != 0 && after_id < forgotten_through_) flags |= msg::end_missed;
  if (count < available) flags |= msg::end_truncated;
  encode_to(out, msg::server::end{static_cast<std::uint8_t>(request), name_, flags, last_id});
}

void room::set_topic(std::string text, std::string set_by) {
  std::lock_guard lock(mutex_);
  const bool clear = text.empty();
  topic_ = {name_, std::move(text), clear ? std::string() : std::move(set_by),
            clear ? 0 : unix_time_ms()};
  deliver_to_all(encode_shared(topic_));
}

msg::server::topic room::topic() const {
  std::lock_guard lock(mutex_);
  return topic_;
}

bool room::rename(const participant& member, std::string new_name, const shared_frame& notice,
                  std::unordered_set<const participant*>& notified) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(members_.begin(), members_.end(),
                               [&](const auto& m) { return m.who.get() == &member; });
  if (it == members_.end()) return false;
  it->name = std::move(new_name);
  for (const auto& m : members_)
    if (notified.insert(m.who.get()).second) m.who->deliver(notice, participant::delivery::event);
  return true;
}

std::size_t room::member_count() const {
  std::lock_guard lock(mutex_);
  return members_.size();
}

bool room::has_member(const participant& member) const {
  std::lock_guard lock(mutex_);
  return std::any_of(members_.begin(), members_.end(),
                     [&](const auto& m) { return m.who.get() == &member; });
}

std::vector<std::string> room::member_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  names.reserve(members_.size());
  for (const auto& m : members_) names.push_back(m.name);
  return names;
}

std::size_t room::history_bytes() const {
  std::lock_guard lock(mutex_);
  return history_bytes_;
}

std::vector<msg::server::message> room::recent_messages() const {
  std::lock_guard lock(mutex_);
  return {history_.begin(), history_.end()};
}

void room::deliver_to_all(const shared_frame& frame) {
  for (const auto& m : members_) m.who->deliver(frame, participant::delivery::event);
}

}  // namespace chat
