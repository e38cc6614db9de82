// The rooms of a server, by case-folded name. A room is created by its first join and removed
// when its last member leaves, so a flood of made-up room names cannot grow memory.
// Thread-safe: joins and leaves are serialised here so a room is never removed while someone
// is joining it.
#pragma once

#include <chat/room.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chat::detail {

class room_registry {
public:
  room_registry(std::size_t history_limit, message_sequence& ids)
      : history_limit_(history_limit), ids_(ids) {}

  /// Joins `member` to the room `folded_name`, creating it if needed (see room::join).
  std::shared_ptr<room> join(const std::string& folded_name, std::shared_ptr<participant> member,
                             std::string_view server_info);
  /// Removes `member` from `r`, and `r` from the registry if it is now empty.
  void leave(const std::shared_ptr<room>& r, const participant& member);
  /// Drops every room (after the server's threads have stopped).
  void clear();

private:
  const std::size_t history_limit_;
  message_sequence& ids_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<room>> rooms_;
};

}  // namespace chat::detail
