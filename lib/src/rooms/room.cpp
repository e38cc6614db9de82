// SPDX-License-Identifier: BSL-1.0
#include "rooms/room.hpp"

#include <chat/limits.hpp>

#include <algorithm>
#include <iterator>
#include <limits>

namespace chat::detail {

namespace {

// A node for `index`, allocated now: inserting it later allocates nothing (given buckets).
template <class Index>
typename Index::node_type index_node(const member* m) {
  Index one;
  one.emplace(m, 0);
  return one.extract(one.begin());
}

}  // namespace

room::room(std::string name, room_bus& bus, history_store& history, std::size_t quiet_above)
    : name_(std::move(name)),
      bus_(bus),
      history_(history),
      quiet_above_(quiet_above),
      last_id_(bus.last_id()),
      topic_{name_, {}, {}, 0} {
  history_.open(name_, last_id_.load(std::memory_order_relaxed));
}

template <class Payload>
void room::publish_locked(Payload payload) {
  bus_.publish(*this, make_event(std::move(payload), log_));
}

std::size_t room::fan_out(const shared_event& event) {
  std::lock_guard lock(members_mutex_);
  for (const auto& m : members_) m.who->deliver(event);
  return members_.size();
}

std::uint32_t room::join(std::shared_ptr<member> m, std::string member_name,
                         std::uint64_t after_id) {
  const member& newcomer = *m;
  member::ticket greeting;
  std::uint32_t count = 0;
  std::uint64_t through = 0;
  msg::server::joined joined;
  msg::server::topic topic;
  // The newcomer's index entry, allocated before any lock is taken.
  auto slot = index_node<index_type>(&newcomer);
  {
    // Under the sequence lock no other event of this room can come between the others' JOINED
    // and the newcomer's entry: it gets everything after its greeting, and nothing before.
    std::lock_guard sequence(sequence_mutex_);
    bool quiet = false;  // once the newcomer is in; quiet_ changes only under the sequence lock
    {
      std::lock_guard lock(members_mutex_);
      // Space for one more in both containers, so that nothing can fail once JOINED is out.
      // Grown geometrically: reserving exactly one more each time would copy the whole list
      // on every join.
      if (members_.size() == members_.capacity())
        members_.reserve(std::max<std::size_t>(16, 2 * members_.size()));
      if (static_cast<double>(index_.size() + 1) >
          static_cast<double>(index_.max_load_factor()) * static_cast<double>(index_.bucket_count()))
        index_.reserve(2 * (index_.size() + 1));
      count = static_cast<std::uint32_t>(members_.size() + 1);
      const std::size_t quiet_above = quiet_above_.load(std::memory_order_relaxed);
      quiet = quiet_ || (quiet_above != 0 && count > quiet_above);
      topic = topic_;
    }
    joined = {member_name, name_, count};
    // The greeting's place in the newcomer's stream: nothing else it is sent can come inside.
    greeting = m->reserve_answer();
    if (!quiet) publish_locked(joined);
    through = last_id_.load(std::memory_order_relaxed);
    std::lock_guard lock(members_mutex_);
    slot.mapped() = members_.size();
    members_.push_back({std::move(m), std::move(member_name), joins_++});
    index_.insert(std::move(slot));  // neither allocates: the space was made above
    quiet_ = quiet;
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
  bool announce = false;
  {
    std::lock_guard lock(members_mutex_);
    const auto it = index_.find(&m);
    if (it == index_.end()) return false;
    const std::size_t at = it->second;
    index_.erase(it);
    leaver = std::move(members_[at]);
    if (at + 1 != members_.size()) {  // the last entry takes the leaver's slot
      members_[at] = std::move(members_.back());
      index_.find(members_[at].who.get())->second = at;
    }
    members_.pop_back();
    count = static_cast<std::uint32_t>(members_.size());
    // The departure that ends a quiet period is not announced either: the first JOINED or LEFT
    // after it then shows every member's list from before to be stale (PROTOCOL.md 7.16).
    announce = !quiet_;
    const std::size_t quiet_above = quiet_above_.load(std::memory_order_relaxed);
    if (quiet_ && (quiet_above == 0 || count < quiet_above)) quiet_ = false;  // 0: after a reload
    if (members_.empty()) topic_ = {name_, {}, {}, 0};  // the room ends; its history is kept
  }
  if (announce || tell_leaver) {
    // Only what every member gets goes into the log: a LEFT for the leaver alone would sit in
    // the others' segments, kept alive by their queues but charged to none of them.
    const auto left = make_event(msg::server::left{leaver.name, name_, count, std::string(reason)},
                                 announce ? log_ : nullptr);
    if (announce) bus_.publish(*this, left);
    if (tell_leaver) leaver.who->deliver(left);  // the answer to a PART; not in fan_out any more
  }
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
  const auto it = index_.find(&m);
  if (it == index_.end()) return false;
  members_[it->second].name = std::move(new_name);
  for (const auto& e : members_)
    if (notified.insert(e.who.get()).second) e.who->deliver(notice);
  return true;
}

bool room::replace_member(const member& old, std::shared_ptr<member> now) {
  auto slot = index_node<index_type>(now.get());  // allocated before the locks
  // The sequence lock too: no event of the room is being handed out while the entry changes,
  // so each goes wholly to the old member or wholly to the new one.
  std::lock_guard sequence(sequence_mutex_);
  std::lock_guard lock(members_mutex_);
  const auto it = index_.find(&old);
  if (it == index_.end()) return false;
  const std::size_t at = it->second;
  index_.erase(it);
  slot.mapped() = at;
  members_[at].who = std::move(now);
  index_.insert(std::move(slot));
  return true;
}

std::size_t room::member_count() const {
  std::lock_guard lock(members_mutex_);
  return members_.size();
}

bool room::has_member(const member& m) const {
  std::lock_guard lock(members_mutex_);
  return index_.contains(&m);
}

std::vector<std::string> room::member_names(std::size_t limit) const {
  std::lock_guard lock(members_mutex_);
  return names_in_join_order(limit);
}

std::vector<std::string> room::names_in_join_order(std::size_t limit) const {
  // WHO is rare and bounded: order only the first `limit` (O(n + limit log limit)).
  std::vector<const member_entry*> order;
  order.reserve(members_.size());
  for (const auto& e : members_) order.push_back(&e);
  const auto by_join = [](const member_entry* a, const member_entry* b) { return a->joined < b->joined; };
  const auto first = order.begin() + static_cast<std::ptrdiff_t>(std::min(limit, order.size()));
  if (first != order.end()) std::nth_element(order.begin(), first, order.end(), by_join);
  std::sort(order.begin(), first, by_join);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(first - order.begin()));
  for (auto it = order.begin(); it != first; ++it) names.push_back((*it)->name);
  return names;
}

void room::answer_who(member& to, std::size_t limit) const {
  std::vector<std::string> names;
  bool truncated = false;
  member::ticket place;
  {
    // Every JOINED and LEFT of this room is published under the sequence lock: the names and
    // the answer's place are taken between two of them.
    std::lock_guard sequence(sequence_mutex_);
    names = names_in_join_order(limit);
    truncated = members_.size() > names.size();
    place = to.reserve_answer();
  }
  std::vector<server_message> answer;
  answer.reserve(names.size() / max_names_per_frame + 2);
  for (std::size_t first = 0; first < names.size(); first += max_names_per_frame) {
    const auto last = std::min(names.size(), first + max_names_per_frame);
    answer.emplace_back(msg::server::members{
        name_, {std::make_move_iterator(names.begin() + static_cast<std::ptrdiff_t>(first)),
                std::make_move_iterator(names.begin() + static_cast<std::ptrdiff_t>(last))}});
  }
  answer.emplace_back(msg::server::end{static_cast<std::uint8_t>(client_message_type::who), name_,
                                       truncated ? msg::end_truncated : std::uint8_t{0}, 0});
  place.fill(answer);
}

}  // namespace chat::detail
