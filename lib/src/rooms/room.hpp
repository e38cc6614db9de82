// SPDX-License-Identifier: BSL-1.0
// A chat room: its members and topic, and the order of its events.
//
// Thread-safety: every function may be called from any thread. Two locks, always taken in this
// order: the sequence lock orders the room's events (a message's id, its place in the history
// store and its publication happen together, so every member sees ids increasing); the members
// lock guards the member list and topic and is held only to change them or to hand an event to
// each member's queue. Neither is held while a history store replays (which may do I/O): a
// newcomer's place in its stream is reserved under the locks and its greeting filled after.
// Members are never called back into the room and never block (see member.hpp).
//
// The members are kept in a vector, so that handing an event to each (fan_out, the hot path) is
// a loop over contiguous memory, and in no particular order: a leaver's slot is taken by the
// last entry. An index from member to slot makes joining, leaving, renaming and has_member
// O(1) (amortised) whatever the room's size; each entry's join number gives WHO its order.
// The member list changes only under both locks, so it may be read under either.
//
// A large room is quiet (docs/PROTOCOL.md 7.16): from the join that takes it above its
// threshold until the departure that takes it below, arrivals and departures are not
// announced to the other members, so that filling a room of N members costs O(N) frames, not
// O(N²). The newcomer's greeting and a PART's own LEFT are unchanged.
#pragma once

#include "bus/room_bus.hpp"
#include "history/history_store.hpp"
#include "rooms/member.hpp"

#include <chat/messages.hpp>
#include <chat/time.hpp>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace chat::detail {

class room {
public:
  /// `bus` and `history` must outlive the room. Opens the room in `history`. The room is quiet
  /// while it has more than `quiet_above` members (and until it has fewer); 0: never quiet.
  room(std::string name, room_bus& bus, history_store& history, std::size_t quiet_above);

  const std::string& name() const noexcept { return name_; }
  /// A new quiet threshold (any thread, a reload): it counts from the next join or departure.
  void set_quiet_above(std::size_t quiet_above) noexcept {
    quiet_above_.store(quiet_above, std::memory_order_relaxed);
  }

  /// Adds `m`, known as `member_name`, and publishes JOINED to the other members unless the
  /// room is quiet or this join makes it so. The newcomer
  /// gets its greeting as one answer: its JOINED, the topic, the history after `after_id`
  /// (flagged, oldest first; 0: all of it) and END; later events follow it. Returns the member
  /// count. If the greeting cannot be built (the history store throws), `m` is removed again
  /// (the others get LEFT with reason "join failed" unless the room is quiet; `m` gets
  /// nothing) and the exception propagates.
  std::uint32_t join(std::shared_ptr<member> m, std::string member_name, std::uint64_t after_id);

  /// Removes `m` and publishes LEFT with `reason` unless the room is quiet (this departure may
  /// end that); the leaver gets it either way. False if `m` was not a member.
  bool leave(const member& m, std::string_view reason);

  /// Stamps `text` with the next id and the current time, appends it to the history and
  /// publishes it to every member, the sender included. Returns the id.
  std::uint64_t post(std::string_view sender, std::uint8_t flags, std::string_view text);

  /// Answers HISTORY: to `to`, the messages after `after_id`, at most `limit`, then END for
  /// `request`.
  void replay(member& to, std::uint64_t after_id, std::size_t limit,
              client_message_type request) const;

  /// Sets the topic (empty: clears it) and publishes TOPIC.
  void set_topic(std::string text, std::string set_by);
  msg::server::topic topic() const;

  /// Renames `m`, delivering `notice` (RENAMED) to the members not yet in `notified`, and adds
  /// them to it. False if `m` is not a member.
  bool rename(const member& m, std::string new_name, const shared_event& notice,
              std::unordered_set<const member*>& notified);

  /// Puts `now` in the place of the member `old` (a session resumed on a new connection): same
  /// name, same join number, nothing published. False if `old` is not a member.
  bool replace_member(const member& old, std::shared_ptr<member> now);

  std::size_t member_count() const;
  bool has_member(const member& m) const;
  /// The names of the first `limit` members in the order they joined.
  std::vector<std::string> member_names(
      std::size_t limit = std::numeric_limits<std::size_t>::max()) const;

  /// Answers WHO: to `to`, the names of the first `limit` members in join order as MEMBERS
  /// frames, then END, truncated if the room has more. The names and the answer's place in
  /// `to`'s stream are taken together under the sequence lock, so a member asking gets every
  /// arrival and departure it was told of before the answer in it, and none told after it.
  void answer_who(member& to, std::size_t limit) const;

  /// Hands a published event of this room to each local member (the bus calls it); returns
  /// how many members it was handed to.
  std::size_t fan_out(const shared_event& event);

private:
  struct member_entry {
    std::shared_ptr<member> who;
    std::string name;
    std::uint64_t joined;  ///< Join number: WHO lists members in this order.
  };
  using index_type = std::unordered_map<const member*, std::size_t>;  ///< Member -> slot.
  /// Removes `m` and publishes LEFT with `reason` unless quiet, and gives it to `m` if
  /// `tell_leaver`.
  bool remove(const member& m, std::string_view reason, bool tell_leaver);
  /// Publishes `payload` as an event of this room; the caller holds the sequence lock.
  template <class Payload>
  void publish_locked(Payload payload);
  /// The first `limit` names by join order; the caller holds either lock.
  std::vector<std::string> names_in_join_order(std::size_t limit) const;
  /// The history replay after `after_id` as messages and END, for a greeting or HISTORY.
  std::vector<server_message> replay_batch(std::uint64_t after_id, std::uint64_t through_id,
                                           std::size_t limit, client_message_type request) const;

  const std::string name_;
  room_bus& bus_;
  history_store& history_;
  std::atomic<std::size_t> quiet_above_;  ///< 0: never quiet.
  mutable std::mutex sequence_mutex_;
  std::atomic<std::uint64_t> last_id_;  ///< Of the last message posted here (or before creation).
  mutable std::mutex members_mutex_;
  std::vector<member_entry> members_;  ///< In no order (see above).
  index_type index_;                   ///< Where each member is in members_.
  std::uint64_t joins_ = 0;            ///< Join numbers handed out.
  bool quiet_ = false;                 ///< Arrivals and departures are not being announced.
  msg::server::topic topic_;
  /// Where this room's events are encoded, back to back (rooms/frame_log.hpp).
  const std::shared_ptr<frame_log> log_ = std::make_shared<frame_log>();
};

}  // namespace chat::detail
