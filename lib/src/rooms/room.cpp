#include "rooms/room.hpp"

#include <algorithm>
#include <limits>

namespace chat::detail {

room::room(std::string name, room_bus& bus, history_store& history)
    : name_(std::move(name)),
      bus_(bus),
      history_(history),
      last_id_(bus.last_id()),
      topic_{name_, {}, {}, 0} {
  history_.open(name_, last_id_.load(std::memory_order_relaxed));
}

template <class Payload>
void room::publish_locked(Payload payload) {
  bus_.publish(*this, make_event(std::move(payload), log_));
}

void room::fan_out(const shared_event& event) {
  std::lock_guard lock(members_mutex_);
  for (const auto& m : members_) m.who->deliver(event);
}

std::uint32_t room::join(std::shared_ptr<member> m, std::string member_name,
                         std::uint64_t after_id) {
  const member& newcomer = *m;
  member::ticket greeting;
  std::uint32_t count = 0;
  std::uint64_t through = 0;
  msg::server::joined joined;
  msg::server::topic topic;
  {
    // Under the sequence lock no other event of this room can come between the others' JOINED
    // and the newcomer's entry: it gets everything after its greeting, and nothing before.
    std::lock_guard sequence(sequence_mutex_);
    {
      std::lock_guard lock(members_mutex_);
      members_.reserve(members_.size() + 1);  // so that nothing can fail once JOINED is out
      count = static_cast<std::uint32_t>(members_.size() + 1);
      topic = topic_;
    }
    joined = {member_name, name_, count};
    // The greeting's place in the newcomer's stream: nothing else it is sent can come inside.
    greeting = m->reserve_answer();
    publish_locked(joined);
    through = last_id_.load(std::memory_order_relaxed);
    std::lock_guard lock(members_mutex_);
    members_.push_back({std::move(m), std::move(member_name)});
  }
  try {
    auto batch = replay_batch(after_id, through, std::numeric_limits<std::size_t>::max(),
                              client_message_type::join);
    batch.insert(batch.begin(), {std::move(joined), std::move(topic)});
    greeting.fill(batch);
  } catch (...) {
    // The greeting could not be built (the history store failed, or memory ran out): the join
    // is not carried out, so the newcomer must not stay in the room without knowing it. The
    // others saw it arrive and see it go; the newcomer, which got no JOINED, gets no LEFT.
    greeting = member::ticket{};
    remove(newcomer, "join failed", false);
    throw;
  }
  return count;
}

bool room::leave(const member& m, std::string_view reason) { return remove(m, reason, true); }

bool room::remove(const member& m, std::string_view reason, bool tell_leaver) {
  std::lock_guard sequence(sequence_mutex_);
  member_entry leaver;
  std::uint32_t count = 0;
  {
    std::lock_guard lock(members_mutex_);
    const auto it = std::find_if(members_.begin(), members_.end(),
                                 [&](const auto& e) { return e.who.get() == &m; });
    if (it == members_.end()) return false;
    leaver = std::move(*it);
    members_.erase(it);
    count = static_cast<std::uint32_t>(members_.size());
    if (members_.empty()) topic_ = {name_, {}, {}, 0};  // the room ends; its history is kept
  }
  const auto left =
      make_event(msg::server::left{leaver.name, name_, count, std::string(reason)}, log_);
  bus_.publish(*this, left);
  if (tell_leaver) leaver.who->deliver(left);  // the answer to a PART; not in fan_out any more
  if (count == 0) log_->release();  // an ended room keeps no segment
  return true;
}

std::uint64_t room::post(std::string_view sender, std::uint8_t flags, std::string_view text) {
  std::lock_guard sequence(sequence_mutex_);
  msg::server::message m{bus_.next_id(), unix_time_ms(), flags, std::string(sender), name_,
                         std::string(text)};
  const std::uint64_t id = m.id;
  history_.append(name_, m);
  publish_locked(std::move(m));
  // After publishing: a HISTORY answer that includes this message is queued after it, as the
  // message itself reached every member before the answer could.
  last_id_.store(id, std::memory_order_release);
  return id;
}

void room::replay(member& to, std::uint64_t after_id, std::size_t limit,
                  client_message_type request) const {
  to.answer(replay_batch(after_id, last_id_.load(std::memory_order_acquire), limit, request));
}

std::vector<server_message> room::replay_batch(std::uint64_t after_id, std::uint64_t through_id,
                                               std::size_t limit,
                                               client_message_type request) const {
  auto replayed = history_.replay(name_, after_id, through_id, limit);
  std::vector<server_message> batch;
  batch.reserve(replayed.messages.size() + 2);
  for (auto& m : replayed.messages) {
    m.flags |= msg::flag_history;
    batch.emplace_back(std::move(m));
  }
  std::uint8_t flags = 0;
  if (replayed.missed) flags |= msg::end_missed;
  if (replayed.truncated) flags |= msg::end_truncated;
  batch.emplace_back(
      msg::server::end{static_cast<std::uint8_t>(request), name_, flags, replayed.last_id});
  return batch;
}

void room::set_topic(std::string text, std::string set_by) {
  std::lock_guard sequence(sequence_mutex_);
  msg::server::topic changed;
  {
    std::lock_guard lock(members_mutex_);
    const bool clear = text.empty();
    topic_ = {name_, std::move(text), clear ? std::string() : std::move(set_by),
              clear ? 0 : unix_time_ms()};
    changed = topic_;
  }
  publish_locked(std::move(changed));
}

msg::server::topic room::topic() const {
  std::lock_guard lock(members_mutex_);
  return topic_;
}

bool room::rename(const member& m, std::string new_name, const shared_event& notice,
                  std::unordered_set<const member*>& notified) {
  std::lock_guard sequence(sequence_mutex_);
  std::lock_guard lock(members_mutex_);
  const auto it = std::find_if(members_.begin(), members_.end(),
                               [&](const auto& e) { return e.who.get() == &m; });
  if (it == members_.end()) return false;
  it->name = std::move(new_name);
  for (const auto& e : members_)
    if (notified.insert(e.who.get()).second) e.who->deliver(notice);
  return true;
}

std::size_t room::member_count() const {
  std::lock_guard lock(members_mutex_);
  return members_.size();
}

bool room::has_member(const member& m) const {
  std::lock_guard lock(members_mutex_);
  return std::any_of(members_.begin(), members_.end(),
                     [&](const auto& e) { return e.who.get() == &m; });
}

std::vector<std::string> room::member_names() const {
  std::lock_guard lock(members_mutex_);
  std::vector<std::string> names;
  names.reserve(members_.size());
  for (const auto& e : members_) names.push_back(e.name);
  return names;
}

}  // namespace chat::detail
