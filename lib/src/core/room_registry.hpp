// The rooms of a server, by case-folded name.
//
// A room exists while it has members. When the last member leaves, its history is kept for a
// while so that members coming back after a dropped connection can catch up; at most
// `retained_empty_rooms` empty rooms holding at most `retained_bytes` of history are kept, the
// longest-empty dropped first, so a flood of made-up rooms cannot grow memory.
// Thread-safe: joins and leaves are serialised here so a room is never dropped while someone
// is joining it.
#pragma once

#include <chat/room.hpp>

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
  room_registry(std::size_t history_limit, std::size_t retained_empty_rooms,
                std::size_t retained_bytes, message_sequence& ids)
      : history_limit_(history_limit),
        retained_empty_rooms_(retained_empty_rooms),
        retained_bytes_limit_(retained_bytes),
        ids_(ids) {}

  /// Joins `member` to the room `folded_name`, creating it if needed (see room::join).
  std::shared_ptr<room> join(const std::string& folded_name, std::shared_ptr<participant> member,
                             std::string member_name, std::uint64_t after_id);
  /// Removes `member` from `r` (see room::leave); `r` ends if it is now empty.
  void leave(const std::shared_ptr<room>& r, const participant& member, std::string_view reason);
  /// The room `folded_name` if it exists (has members).
  std::shared_ptr<room> find(const std::string& folded_name);
  /// Every existing room, largest first, at most `limit` of them; `truncated` says if more exist.
  std::vector<msg::server::room_info> list(std::size_t limit, bool& truncated);
  /// Drops every room (after the server's threads have stopped).
  void clear();

private:
  struct entry {
    std::shared_ptr<room> r;
    std::optional<std::uint64_t> emptied;  ///< Key in emptied_ while the room has no members.
    std::size_t retained_bytes = 0;        ///< Its history's size when it emptied.
  };
  void drop_oldest_empty();

  const std::size_t history_limit_;
  const std::size_t retained_empty_rooms_;
  const std::size_t retained_bytes_limit_;
  std::size_t retained_bytes_ = 0;  // sum over the empty rooms
  message_sequence& ids_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> rooms_;
  std::map<std::uint64_t, std::string> emptied_;  ///< Empty rooms, oldest first.
  std::uint64_t emptied_count_ = 0;
};

}  // namespace chat::detail
