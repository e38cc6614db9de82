#include "history/memory_history.hpp"

#include <algorithm>

namespace chat::detail {
namespace {

std::size_t footprint(const msg::server::message& m) {
  return sizeof m + m.sender.size() + m.target.size() + m.text.size();
}

}  // namespace

void memory_history::open(const std::string& room, std::uint64_t forgotten_through) {
  std::lock_guard lock(mutex_);
  auto [it, created] = rooms_.try_emplace(room);
  if (!created) return;
  it->second.messages.set_capacity(per_room_);
  it->second.forgotten_through = forgotten_through;
}

void memory_history::append(const std::string& room, const msg::server::message& m) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& ring = it->second;
  if (ring.messages.capacity() == 0) {
    ring.forgotten_through = m.id;
    return;
  }
  if (ring.messages.full()) {
    ring.forgotten_through = ring.messages.front().id;
    ring.bytes -= footprint(ring.messages.front());
  }
  ring.bytes += footprint(m);
  ring.messages.push_back(m);
}

history_replay memory_history::replay(const std::string& room, std::uint64_t after_id,
                                      std::uint64_t through_id, std::size_t limit) const {
  history_replay out;
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) {
    out.last_id = after_id;
    return out;
  }
  const auto& ring = it->second;
  // Ids increase along the ring, so the messages after `after_id` are a contiguous run.
  const auto by_id = [](std::uint64_t id, const msg::server::message& m) { return id < m.id; };
  const auto first = std::upper_bound(ring.messages.begin(), ring.messages.end(), after_id, by_id);
  const auto last = std::upper_bound(first, ring.messages.end(), through_id, by_id);
  const auto available = static_cast<std::size_t>(last - first);
  const std::size_t count = std::min(available, limit);
  out.messages.assign(first, first + static_cast<std::ptrdiff_t>(count));
  out.last_id = std::max(after_id, ring.forgotten_through);
  if (count > 0) out.last_id = std::max(out.last_id, out.messages.back().id);
  if (count == available && last != ring.messages.begin())
    out.last_id = std::max(out.last_id, std::prev(last)->id);
  // Never past through_id: messages after it reach the asker live, and so must stay after the
  // point this replay vouches for (the ring may have moved on since through_id was read).
  out.last_id = std::max(after_id, std::min(out.last_id, through_id));
  out.missed = after_id != 0 && after_id < ring.forgotten_through;
  out.truncated = count < available;
  return out;
}

void memory_history::forget(const std::string& room) {
  std::lock_guard lock(mutex_);
  rooms_.erase(room);
}

std::size_t memory_history::bytes(const std::string& room) const {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room);
  return it == rooms_.end() ? 0 : it->second.bytes;
}

}  // namespace chat::detail
