// SPDX-License-Identifier: BSL-1.0
// The rooms of a server, by case-folded name.
//
// A room exists while it has members. When the last member leaves, the room ends but its
// history stays in the history store for a while, so members coming back after a dropped
// connection can catch up: at most `retained_empty_rooms` empty rooms holding at most
// `retained_bytes` of history are kept, the longest-empty forgotten first, so a flood of made-up
// rooms cannot grow memory.
//
// Every room it creates is quiet above `quiet_joins_above` members (see room.hpp; 0: never);
// set_quiet_joins_above() changes it for every room.
//
// Thread-safety: every function may be called from any thread. The registry's lock covers only
// its map; joins, leaves and greetings run outside it (a room is kept from ending while someone
// is joining it by a count of pending joins).
#pragma once

#include "rooms/room.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::detail {

class room_registry {
public:
  room_registry(room_bus& bus, history_store& history, std::size_t retained_empty_rooms,
                std::size_t retained_bytes, std::size_t quiet_joins_above)
      : bus_(bus),
        history_(history),
        retained_empty_rooms_(retained_empty_rooms),
        retained_bytes_limit_(retained_bytes),
        quiet_joins_above_(quiet_joins_above) {}

  /// Joins `m` to the room `folded_name`, creating it if needed (see room::join). If the join
  /// throws, `m` is not left in the room, and a room created for it has ended.
  std::shared_ptr<room> join(const std::string& folded_name, std::shared_ptr<member> m,
                             std::string member_name, std::uint64_t after_id);
  /// Removes `m` from `r` (see room::leave); `r` ends if it is now empty.
  void leave(const std::shared_ptr<room>& r, const member& m, std::string_view reason);
  /// The room `folded_name` if it exists (has members).
  std::shared_ptr<room> find(const std::string& folded_name) const;
  /// Every existing room, largest first, at most `limit` of them; `truncated` says if more exist.
  std::vector<msg::server::room_info> list(std::size_t limit, bool& truncated) const;
  struct census_result {
    std::size_t rooms = 0;    ///< Rooms with members.
    std::size_t members = 0;  ///< Their members, summed.
  };
  /// Counts the rooms and their members (for the metrics): each room's count is read under
  /// its own lock after the registry's is released, so the sum is not one instant's.
  census_result census() const;
  /// Drops every room.
  void clear();
  /// A new quiet threshold for every room, existing or created from now on (a reload).
  void set_quiet_joins_above(std::size_t quiet_joins_above);

private:
  struct entry {
    std::shared_ptr<room> r;              ///< Null while the room has no members.
    std::size_t joining = 0;              ///< Joins under way; the room cannot end meanwhile.
    std::optional<std::uint64_t> emptied;  ///< Key in emptied_ while the room has no members.
    std::size_t retained_bytes = 0;        ///< Its history's size when it emptied.
  };
  /// Ends `r` if it has no members and no join is under way (its history is retained).
  void end_if_empty(const std::shared_ptr<room>& r);
  void drop_oldest_empty();

  room_bus& bus_;
  history_store& history_;
  const std::size_t retained_empty_rooms_;
  const std::size_t retained_bytes_limit_;
  mutable std::mutex mutex_;  // guards everything below
  std::size_t quiet_joins_above_;
  std::size_t retained_bytes_ = 0;  // sum over the empty rooms
  std::unordered_map<std::string, entry> rooms_;
  std::map<std::uint64_t, std::string> emptied_;  ///< Empty rooms, oldest first.
  std::uint64_t emptied_count_ = 0;
};

}  // namespace chat::detail
