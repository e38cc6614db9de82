// SPDX-License-Identifier: BSL-1.0
// The seam between "a member posted in a room" and "the room's members receive it".
//
// The bus owns what must be agreed across every server sharing rooms: the server identity that
// WELCOME announces and the message ids. The local bus serves one process; a Redis bus would
// take ids from Redis, publish each event there and deliver what every node publishes to the
// local members of the room, so that rooms span nodes without the rooms or sessions changing.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include "rooms/room_event.hpp"

#include <cstdint>
#include <string>

namespace chat::detail {

class room;

class room_bus {
public:
  virtual ~room_bus() = default;

  /// Identifies this run of the service: message ids are comparable only under one server_id.
  virtual std::uint64_t server_id() const noexcept = 0;
  /// A new message id, larger than every id handed out before.
  virtual std::uint64_t next_id() noexcept = 0;
  /// The largest id handed out so far (0 before the first).
  virtual std::uint64_t last_id() const noexcept = 0;
  /// Carries `event`, posted here in `origin`, to the members of that room everywhere. Called
  /// with `origin` sequencing the event (see room::post): events of one room are published in
  /// id order.
  virtual void publish(room& origin, const shared_event& event) = 0;
};

}  // namespace chat::detail
