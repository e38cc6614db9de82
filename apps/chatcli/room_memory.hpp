// SPDX-License-Identifier: BSL-1.0
// What chatcli remembers across reconnects: the rooms it is in, the current one, and for each
// room the last message id it has shown, so a reconnect fetches exactly what was missed.
// Plain state, no I/O; not thread-safe (chatcli uses it from one thread).
#pragma once

#include <chat/protocol.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chatcli {

class room_memory {
public:
  /// A WELCOME from server run `server_id`. Returns false if that is a different run from the
  /// last one: message ids then mean nothing, and every room is caught up from scratch.
  bool welcomed_by(std::uint64_t server_id);

  /// We are in `room` (lower-cased, as the server names it); it becomes the current room.
  void joined(const std::string& room);
  /// We left `room`; the current room becomes the last joined of those left, if any.
  void parted(const std::string& room);
  bool in(const std::string& room) const;
  const std::vector<std::string>& rooms() const noexcept { return rooms_; }
  const std::optional<std::string>& current() const noexcept { return current_; }
  void set_current(const std::string& room) { current_ = room; }

  /// Whether a room MESSAGE is new (its id is past the last one shown there); records it if so.
  bool first_sighting(const chat::msg::server::message& m);
  /// Every message of `room` up to `last_id` has been shown or declared missed (END).
  void caught_up(const std::string& room, std::uint64_t last_id);
  /// The id to JOIN `room` after: the last shown there, 0 if none (replay all it holds).
  std::uint64_t resume_after(const std::string& room) const;

private:
  std::uint64_t server_id_ = 0;
  std::vector<std::string> rooms_;  // in the order joined
  std::optional<std::string> current_;
  std::vector<std::pair<std::string, std::uint64_t>> last_ids_;  // also for rooms since left

  std::uint64_t* last_id_of(const std::string& room);
};

}  // namespace chatcli
