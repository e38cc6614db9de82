// SPDX-License-Identifier: BSL-1.0
// The default history store: the last messages of each room, in memory, within three bounds.
//
// - Per room, at most `per_room` messages and `per_room_bytes` bytes: the oldest go first.
// - In all, at most `budget_bytes` over every room it keeps, live or emptied: past it, the
//   oldest messages of the largest room go first, again and again, until the whole fits. So a
//   client cannot grow the server's memory by spreading its messages over many rooms, and a
//   quiet room keeps its few messages while the rooms that take the most space give it back.
//
// Every message forgotten, whichever bound forgot it, moves its room's forgotten-through
// point, so a replay after it says *missed* (docs/PROTOCOL.md 7.12).
//
// Bytes are counted as the heap a kept message really holds: the message, and each string's
// allocation (its capacity and the allocator's header) when it is not stored inline.
//
// Thread-safety: one mutex over everything; it is a leaf lock (nothing is called under it but
// the store's own code), so a room may call append() under its own locks, and the eviction of
// another room's messages never takes that room's locks.
#pragma once

#include "history/history_store.hpp"

#include <boost/circular_buffer.hpp>

#include <limits>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

namespace chat::detail {

class memory_history final : public history_store {
public:
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  explicit memory_history(std::size_t per_room, std::size_t per_room_bytes = unlimited,
                          std::size_t budget_bytes = unlimited)
      : per_room_(per_room), per_room_bytes_(per_room_bytes), budget_bytes_(budget_bytes) {}

  void open(const std::string& room, std::uint64_t forgotten_through) override;
  void append(const std::string& room, const msg::server::message& m) override;
  history_replay replay(const std::string& room, std::uint64_t after_id, std::uint64_t through_id,
                        std::size_t limit) const override;
  void forget(const std::string& room) override;
  std::size_t bytes(const std::string& room) const override;
  std::size_t total_bytes() const override;

  /// The bytes a kept copy of `m` holds.
  static std::size_t footprint(const msg::server::message& m) noexcept;

private:
  struct room_ring {
    // Space-optimized: memory grows with the messages actually kept, not with per_room, so
    // many small rooms do not each reserve a full ring.
    boost::circular_buffer_space_optimized<msg::server::message> messages;
    std::size_t bytes = 0;
    std::uint64_t forgotten_through = 0;
  };
  // The rooms by size, largest first, so the budget finds the room to shrink in O(log n).
  using by_size = std::set<std::pair<std::size_t, room_ring*>, std::greater<>>;

  /// Forgets `ring`'s oldest message; the lock is held and `ring` is not empty.
  void drop_oldest_locked(room_ring& ring) noexcept;
  /// Re-sorts `ring` after its bytes went from `before` to what they are; the lock is held.
  void resized_locked(room_ring& ring, std::size_t before) noexcept;

  const std::size_t per_room_;
  const std::size_t per_room_bytes_;
  const std::size_t budget_bytes_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<std::string, room_ring> rooms_;  // nodes: a ring never moves
  by_size sizes_;           ///< Every ring holding bytes, by its bytes.
  std::size_t total_ = 0;   ///< Sum of every ring's bytes.
};

}  // namespace chat::detail
