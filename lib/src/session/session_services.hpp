// SPDX-License-Identifier: BSL-1.0
// What the sessions of one server share: options (live: replaced by a reload), the room bus, the
// user directory, the rooms, the resumable sessions and the log. Each is thread-safe; the
// services outlive every session.
#pragma once

#include "bus/room_bus.hpp"
#include "common/log.hpp"
#include "rooms/room_registry.hpp"
#include "session/live_options.hpp"
#include "users/resume_registry.hpp"
#include "users/user_directory.hpp"

namespace chat::detail {

struct session_services {
  const live_options& options;
  room_bus& bus;
  user_directory& users;
  room_registry& rooms;
  const logger& log;
  resume_registry& resume;
};

}  // namespace chat::detail
