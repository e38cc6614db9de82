// SPDX-License-Identifier: BSL-1.0
// The live sessions of a server, so that stop() can reach them. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace chat::detail {

/// What the server needs of a session, whatever its transport.
class live_session {
public:
  virtual ~live_session() = default;
  /// Tells the client the server is stopping, then closes gracefully. Any thread.
  virtual void shut_down() = 0;
};

// Holds sessions weakly: a session is owned by its pending operations, so one whose io_context
// is destroyed goes with it.
class session_set {
public:
  /// Registers a new session; false once stopping has begun.
  bool add(const std::shared_ptr<live_session>& s);
  void remove(const live_session* s);
  /// Refuses new sessions from now on and returns those still open.
  std::vector<std::shared_ptr<live_session>> begin_stop();
  /// Waits until every session has closed, or the deadline. True if all closed.
  bool wait_until_empty(std::chrono::steady_clock::time_point deadline);
  /// Calls `f` once, when no session is left (at once if none is), from the thread that
  /// removes the last one. No lock is held while it runs.
  void when_empty(std::function<void()> f);
  /// Forgets every session.
  void clear();
  std::size_t size() const;

private:
  mutable std::mutex mutex_;
  std::condition_variable emptied_;
  bool stopping_ = false;
  std::unordered_map<const live_session*, std::weak_ptr<live_session>> sessions_;
  std::vector<std::function<void()>> when_empty_;
};

}  // namespace chat::detail
