// A chat room: its members, its topic, a ring of recent messages, and broadcast.
//
// Thread-safety: every member function may be called from any thread. A room operation holds
// the room's lock while it stamps a message and hands the encoded frame to each member's
// deliver(), so all members see the room's events in one order; deliver() only queues, it never
// does I/O and never calls back into the room.
#pragma once

#include <chat/protocol.hpp>

#include <boost/circular_buffer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace chat {

/// Anything that can be a member of a room: a server session, or a test double.
class participant {
public:
  virtual ~participant() = default;
  /// What a delivery is, for the member's send-queue bounds.
  enum class delivery {
    event,     ///< A message or notice: counts against the send-queue bound.
    greeting,  ///< A join's greeting or a HISTORY answer: counted against a separate allowance
               ///< that one full history fits, so a long history cannot make a room unjoinable.
  };
  /// Queues an encoded frame (or several, back to back) for this member. Called with the room's
  /// lock held: must not block, and must not call into the room.
  virtual void deliver(const shared_frame& frames, delivery kind) = 0;
};

/// Message ids for one server run: unique and increasing across all rooms. Thread-safe.
class message_sequence {
public:
  std::uint64_t next() noexcept { return next_.fetch_add(1, std::memory_order_relaxed); }
  /// The last id handed out (0 before the first).
  std::uint64_t last() const noexcept { return next_.load(std::memory_order_relaxed) - 1; }

private:
  std::atomic<std::uint64_t> next_{1};
};

/// Milliseconds since the Unix epoch, the time stamp of messages and topics.
std::uint64_t unix_time_ms();

class room {
public:
  /// `ids` must outlive the room.
  room(std::string name, std::size_t history_limit, message_sequence& ids);

  const std::string& name() const noexcept { return name_; }

  /// Adds `member`, known as `member_name`, and delivers JOINED to every member. The new
  /// member's JOINED starts its greeting: the topic, the history after `after_id` (flagged,
  /// oldest first; 0: all of it) and END. Returns the new member count.
  std::uint32_t join(std::shared_ptr<participant> member, std::string member_name,
                     std::uint64_t after_id);

  /// Removes `member` and delivers LEFT with `reason` to everyone, the leaver included. False
  /// if it was not a member.
  bool leave(const participant& member, std::string_view reason);

  /// Stamps `text` with the next id and the current time, keeps it in the history ring, and
  /// delivers one shared MESSAGE frame to every member, the sender included. Returns the id.
  std::uint64_t post(std::string_view sender, std::uint8_t flags, std::string_view text);

  /// Delivers to `to` the messages after `after_id`, at most `limit`, then END for `request`.
  void replay(participant& to, std::uint64_t after_id, std::size_t limit,
              client_message_type request) const;

  /// Sets the topic and delivers TOPIC to every member.
  void set_topic(std::string text, std::string set_by);
  msg::server::topic topic() const;

  /// Renames `member`, delivering `notice` (RENAMED) to the members not yet in `notified`, and
  /// adds them to it. False if `member` is not a member.
  bool rename(const participant& member, std::string new_name, const shared_frame& notice,
              std::unordered_set<const participant*>& notified);

  std::size_t member_count() const;
  bool has_member(const participant& member) const;
  /// Member names in the order they joined.
  std::vector<std::string> member_names() const;
  /// The history ring's contents, oldest first.
  std::vector<msg::server::message> recent_messages() const;
  /// Roughly the memory the history ring holds, in bytes.
  std::size_t history_bytes() const;

private:
  struct member_entry {
    std::shared_ptr<participant> who;
    std::string name;
  };
  void deliver_to_all(const shared_frame& frame);
  /// Appends the replay frames and END to `out`; the caller holds the lock.
  void append_replay(frame_bytes& out, std::uint64_t after_id, std::size_t limit,
                     client_message_type request) const;

  const std::string name_;
  message_sequence& ids_;
  mutable std::mutex mutex_;
  std::vector<member_entry> members_;
  // Space-optimized: memory grows with the messages actually kept, not the history limit, so
  // many small rooms do not each reserve a full ring.
  boost::circular_buffer_space_optimized<msg::server::message> history_;
  std::size_t history_bytes_ = 0;
  /// Messages with ids up to this one may have existed but are no longer held: the last id
  /// before the room was created, or the last evicted from the ring.
  std::uint64_t forgotten_through_;
  msg::server::topic topic_;
};

}  // namespace chat
