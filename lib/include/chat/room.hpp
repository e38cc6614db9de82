// A chat room: its members, a ring of recent messages, and broadcast.
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
#include <vector>

namespace chat {

/// Anything that can be a member of a room: a server session, or a test double.
class participant {
public:
  virtual ~participant() = default;
  /// The member's name; must not change while it is a member.
  virtual const std::string& name() const noexcept = 0;
  /// What a delivery is, for the member's send-queue bound.
  enum class delivery {
    event,     ///< A message or notice: counts against the bound.
    greeting,  ///< WELCOME plus history on join: exempt (the history limit bounds it), so a
               ///< long history cannot make a room impossible to join.
  };
  /// Queues an encoded frame (or several, back to back) for this member. Called with the room's
  /// lock held: must not block, and must not call into the room.
  virtual void deliver(const shared_frame& frames, delivery kind) = 0;
};

/// Message ids for one server run: unique and increasing across all rooms. Thread-safe.
class message_sequence {
public:
  std::uint64_t next() noexcept { return next_.fetch_add(1, std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> next_{1};
};

class room {
public:
  /// `ids` must outlive the room.
  room(std::string name, std::size_t history_limit, message_sequence& ids);

  const std::string& name() const noexcept { return name_; }

  /// Adds `member`, then delivers to it one buffer holding WELCOME and the recent messages
  /// (flagged as history, oldest first), and JOINED to everyone else. Returns the new member count.
  std::uint32_t join(std::shared_ptr<participant> member, std::string_view server_info);

  /// Removes `member` and delivers LEFT to those who remain. False if it was not a member.
  bool leave(const participant& member);

  /// Stamps `text` with the next id and the current time, keeps it in the history ring, and
  /// delivers one shared MESSAGE frame to every member, the sender included. Returns the id.
  std::uint64_t post(std::string_view sender, std::string_view text);

  std::size_t member_count() const;
  /// The history ring's contents, oldest first.
  std::vector<msg::message> recent_messages() const;

private:
  void deliver_to_all(const shared_frame& frame, const participant* except = nullptr);

  const std::string name_;
  message_sequence& ids_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<participant>> members_;
  boost::circular_buffer<msg::message> history_;
};

}  // namespace chat
