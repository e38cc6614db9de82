// SPDX-License-Identifier: BSL-1.0
#include "history/memory_history.hpp"

#include <algorithm>

namespace chat::detail {
namespace {

// What one heap allocation of `n` bytes costs with glibc's malloc: an 8-byte header, rounded up
// to 16 bytes, at least 32.
constexpr std::size_t allocation(std::size_t n) noexcept {
  return std::max<std::size_t>(32, (n + 8 + 15) / 16 * 16);
}

std::size_t heap_bytes(const std::string& s) noexcept {
  // A string short enough for the small-string buffer holds no allocation.
  static const std::size_t inline_capacity = std::string().capacity();
  return s.capacity() > inline_capacity ? allocation(s.capacity() + 1) : 0;
}

}  // namespace

std::size_t memory_history::footprint(const msg::server::message& m) noexcept {
  return sizeof m + heap_bytes(m.sender) + heap_bytes(m.target) + heap_bytes(m.text);
}

void memory_history::open(const std::string& room, std::uint64_t forgotten_through) {
  std::lock_guard lock(mutex_);
  auto [it, created] = rooms_.try_emplace(room);
  if (!created) return;
  it->second.messages.set_capacity(per_room_);
  it->second.forgotten_through = forgotten_through;
}

void memory_history::drop_oldest_locked(room_ring& ring) noexcept {
  const auto& oldest = ring.messages.front();
  const std::size_t freed = footprint(oldest);
  ring.forgotten_through = std::max(ring.forgotten_through, oldest.id);
  ring.bytes -= freed;
  total_ -= freed;
  ring.messages.pop_front();
}

void memory_history::resized_locked(room_ring& ring, std::size_t before) noexcept {
  if (before == ring.bytes) return;
  if (before != 0) {
    auto node = sizes_.extract({before, &ring});
    if (ring.bytes != 0) {
      // The node is reused: no allocation on the append path.
      node.value().first = ring.bytes;
      sizes_.insert(std::move(node));
    }
  } else {
    sizes_.emplace(ring.bytes, &ring);
  }
}

void memory_history::append(const std::string& room, const msg::server::message& m) {
  const std::size_t cost = footprint(m);
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& ring = it->second;
  const std::size_t before = ring.bytes;
  if (ring.messages.capacity() == 0 || cost > per_room_bytes_ || cost > budget_bytes_) {
    ring.forgotten_through = m.id;  // kept by no bound: forgotten as it is posted
  } else {
    if (ring.messages.full()) drop_oldest_locked(ring);
    while (ring.bytes + cost > per_room_bytes_) drop_oldest_locked(ring);
    ring.messages.push_back(m);
    ring.bytes += cost;
    total_ += cost;
  }
  resized_locked(ring, before);
  // Over the budget: the largest rooms give back their oldest messages (this one included).
  while (total_ > budget_bytes_) {
    room_ring& largest = *sizes_.begin()->second;
    const std::size_t largest_before = largest.bytes;
    drop_oldest_locked(largest);
    resized_locked(largest, largest_before);
  }
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
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  if (it->second.bytes != 0) sizes_.erase({it->second.bytes, &it->second});
  total_ -= it->second.bytes;
  rooms_.erase(it);
}

std::size_t memory_history::bytes(const std::string& room) const {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room);
  return it == rooms_.end() ? 0 : it->second.bytes;
}

std::size_t memory_history::total_bytes() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace chat::detail
