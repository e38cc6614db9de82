// SPDX-License-Identifier: BSL-1.0
// The seam for room history: where messages are kept for replay on JOIN and HISTORY.
//
// A store holds, per room (by folded name), messages in increasing id order, and remembers the
// point through which history has been forgotten (evicted by a count or memory bound, or from
// before the store knew the room), so a replay can say honestly that a gap exists. The
// in-memory store is the default; a persistent one (SQLite) implements the same interface.
//
// Thread-safety: every function may be called from any thread. append() is called by a room
// while it sequences a message, so it must not block on I/O: a store that writes to disk keeps
// what it has not written yet in memory and writes behind. replay() may do I/O; rooms call it
// without holding their locks.
#pragma once

#include <chat/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::detail {

struct history_replay {
  std::vector<msg::server::message> messages;  ///< Oldest first.
  /// Every message of the room up to this id has been returned or declared missed.
  std::uint64_t last_id = 0;
  bool missed = false;     ///< Messages after the requested id were forgotten: a gap.
  bool truncated = false;  ///< The limit stopped the replay; more messages follow.
};

class history_store {
public:
  virtual ~history_store() = default;

  /// Starts keeping `room` if it is not kept yet: ids up to `forgotten_through` are deemed
  /// forgotten. Keeps what is already there otherwise.
  virtual void open(const std::string& room, std::uint64_t forgotten_through) = 0;
  /// Appends `m` (its id larger than any before) to `room`, which must be open.
  virtual void append(const std::string& room, const msg::server::message& m) = 0;
  /// Messages of `room` with after_id < id <= through_id, oldest first, at most `limit`.
  virtual history_replay replay(const std::string& room, std::uint64_t after_id,
                                std::uint64_t through_id, std::size_t limit) const = 0;
  /// Stops keeping `room` (its history is dropped).
  virtual void forget(const std::string& room) = 0;
  /// Roughly the memory `room`'s history holds, in bytes (0 for a room not kept).
  virtual std::size_t bytes(const std::string& room) const = 0;
  /// Roughly the memory the history of every room kept holds, in bytes.
  virtual std::size_t total_bytes() const = 0;
};

}  // namespace chat::detail
