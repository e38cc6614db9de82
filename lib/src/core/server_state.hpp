// What the sessions of one server share: options, id sequence, names, rooms, the live-session set.
#pragma once

#include "core/name_registry.hpp"
#include "core/room_registry.hpp"

#include <chat/server.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace chat::detail {

class session;

class server_state {
public:
  explicit server_state(server_options opts)
      : options(std::move(opts)),
        server_id(random_server_id()),
        rooms(options.history, options.retained_empty_rooms, options.retained_history_bytes, ids) {}

  const server_options options;
  const std::uint64_t server_id;
  message_sequence ids;
  name_registry names;
  room_registry rooms;

  /// Writes one log line made of `parts` to the configured sink, if any. Thread-safe. A sink
  /// that throws loses its line; it must not break the session that was logging.
  template <class... Parts>
  void log(const Parts&... parts) const noexcept {
    if (!options.log) return;
    try {
      std::ostringstream line;
      (line << ... << parts);
      options.log(line.str());
    } catch (...) {
    }
  }

  /// Registers a new session; false once stopping has begun.
  bool add_session(const std::shared_ptr<session>& s);
  void remove_session(const session* s);
  /// Refuses new sessions from now on and returns those still open.
  std::vector<std::shared_ptr<session>> begin_stop();
  /// Waits until every session has closed, or the deadline. True if all closed.
  bool wait_for_no_sessions(std::chrono::steady_clock::time_point deadline);
  /// Removes and returns the sessions still registered (after the pool has stopped).
  std::vector<std::shared_ptr<session>> take_sessions();
  std::size_t session_count() const;

private:
  static std::uint64_t random_server_id();

  mutable std::mutex mutex_;
  std::condition_variable all_closed_;
  bool stopping_ = false;
  std::unordered_map<const session*, std::shared_ptr<session>> sessions_;
};

}  // namespace chat::detail
