// SPDX-License-Identifier: BSL-1.0
// Sessions that can be resumed (docs/PROTOCOL.md 7.19): the live ones that were granted
// "resume", and the detached ones whose connection was lost less than the grace period ago.
//
// A record is keyed by the session's current secret token and holds what a RESUME takes over:
// the session's name, the member that its rooms and the user directory hold (the connection's
// outbox), and its rooms. A live record also holds how to tell its connection that it has been
// taken over. Detached records are bounded, in all and per client address, and end when their
// grace period does: the caller of expire() then leaves their rooms and frees their names.
//
// Taking a session over moves its name (user_directory::transfer) and its membership of every
// room (room::replace_member) to the new connection's member under this registry's lock, so a
// concurrent loss of the old connection, or its own requests, see either the old owner or the
// new one, never half of each. Lock order: this registry, then a room's locks or the directory's.
// Nothing here does I/O or calls back into a session under the lock.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include "rooms/room.hpp"
#include "users/user_directory.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chat::detail {

class room_registry;

/// The rooms of one session, by folded name.
using session_rooms = std::map<std::string, std::shared_ptr<room>>;

/// A new secret token: 128 bits from the operating system's CSPRNG, as 32 lower-case hex digits.
/// Throws std::system_error if no random bytes can be had.
std::string make_session_token();

class resume_registry {
public:
  using clock = std::chrono::steady_clock;

  /// `grace` zero disables resuming: enabled() is false and nothing is kept.
  resume_registry(user_directory& users, std::chrono::milliseconds grace, std::size_t max_detached,
                  std::size_t max_detached_per_address);

  bool enabled() const noexcept { return grace().count() > 0; }
  std::chrono::milliseconds grace() const noexcept {
    return std::chrono::milliseconds(grace_ms_.load(std::memory_order_relaxed));
  }
  /// New settings (a reload), for the sessions detached from now on: those detached already
  /// keep their end, and are not ended if over the new bounds. A `grace` of zero: sessions
  /// losing their connection from now on end at once.
  void set_limits(std::chrono::milliseconds grace, std::size_t max_detached,
                  std::size_t max_detached_per_address);

  /// A resumable session has registered as `name`, reached through `owner`; `kick` tells its
  /// connection that it has been taken over (called outside any lock, from any thread).
  /// Returns its token.
  std::string open(std::string name, std::shared_ptr<member> owner, std::function<void()> kick);
  /// The session of `token` renamed itself, or joined or left a room. Ignored for a token that
  /// is no longer current (the session has been taken over).
  void renamed(const std::string& token, std::string name);
  void set_rooms(const std::string& token, const session_rooms& rooms);

  /// The connection of `token`'s session was lost at `now` for `reason` (the LEFT reason when
  /// the grace period ends). True if the session is now kept detached: its rooms and name are
  /// the registry's, not the caller's. False if the token is not current or the limits are
  /// reached; the caller then ends the session itself.
  bool detach(const std::string& token, std::string address, std::string reason,
              clock::time_point now);
  /// The session of `token` ends for good (BYE, shutdown): it can no longer be resumed.
  void close(const std::string& token);

  struct taken_over {
    std::string name;            ///< As registered.
    session_rooms rooms;         ///< Those whose membership moved to the new owner.
    std::string token;           ///< The new owner's.
    std::function<void()> kick;  ///< The old connection's, if it was still open; call it.
  };
  /// RESUME: moves the session of `token`, if it is registered as `name` (any letter case), to
  /// `owner` (name, rooms, a fresh token; `kick` as for open()). Empty if there is no such
  /// session.
  std::optional<taken_over> take_over(const std::string& token, std::string_view name,
                                      std::shared_ptr<member> owner, std::function<void()> kick);

  /// Ends the detached sessions whose grace period is over at `now`: each leaves its rooms in
  /// `rooms` with the LEFT reason of its loss, and its name is freed. Returns how many ended.
  std::size_t expire(clock::time_point now, room_registry& rooms);
  /// When expire() is next due; clock::time_point::max() if nothing is detached.
  clock::time_point next_expiry() const;
  std::size_t detached_count() const;
  /// Forgets every session (the server stops; its rooms are dropped with it).
  void clear();

private:
  struct record {
    std::string name;
    std::shared_ptr<member> owner;
    session_rooms rooms;
    std::function<void()> kick;                  ///< Empty while detached.
    std::optional<clock::time_point> detached_until;
    std::string address;                         ///< While detached.
    std::string reason;                          ///< While detached.
  };
  void forget_detached_locked(record& r);

  user_directory& users_;
  std::atomic<std::chrono::milliseconds::rep> grace_ms_;  // read without the lock
  mutable std::mutex mutex_;  // guards everything below
  std::size_t max_detached_;
  std::size_t max_detached_per_address_;
  std::unordered_map<std::string, record> sessions_;  ///< By token.
  std::unordered_map<std::string, std::size_t> detached_per_address_;
  std::size_t detached_ = 0;
};

}  // namespace chat::detail
