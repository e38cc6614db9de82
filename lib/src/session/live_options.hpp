// SPDX-License-Identifier: BSL-1.0
// The server's options in effect now, replaced whole by server::reload(). Each snapshot is
// immutable; a reader holds the one it took (options_view) and takes the new one when the
// options have been replaced, which it learns from one atomic load: no lock on the hot path.
//
// Thread-safety: every function may be called from any thread. An options_view belongs to
// one reader (a session, on its strand).
#pragma once

#include <chat/server_options.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

namespace chat::detail {

class live_options {
public:
  explicit live_options(server_options initial)
      : current_(std::make_shared<const server_options>(std::move(initial))), latest_(current_.get()) {}
  live_options(const live_options&) = delete;
  live_options& operator=(const live_options&) = delete;

  /// The options in effect now.
  std::shared_ptr<const server_options> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  /// Whether `snapshot` (held by the caller, so its address cannot be reused) is current.
  bool is_current(const server_options* snapshot) const noexcept {
    return latest_.load(std::memory_order_acquire) == snapshot;
  }
  /// From now on, `next` is in effect.
  void replace(server_options next) {
    auto fresh = std::make_shared<const server_options>(std::move(next));
    std::lock_guard lock(mutex_);
    current_.swap(fresh);  // the old snapshot goes with its last reader
    latest_.store(current_.get(), std::memory_order_release);
  }

private:
  mutable std::mutex mutex_;  // guards current_
  std::shared_ptr<const server_options> current_;
  std::atomic<const server_options*> latest_;  // current_.get()
};

/// One reader's snapshot of live_options: two words, refreshed when the options are replaced.
class options_view {
public:
  explicit options_view(const live_options& source) : snapshot_(source.current()) {}

  /// The options in effect now (the snapshot, taken again if `source` has been replaced).
  const server_options& get(const live_options& source) const {
    if (!source.is_current(snapshot_.get())) snapshot_ = source.current();
    return *snapshot_;
  }

private:
  mutable std::shared_ptr<const server_options> snapshot_;
};

}  // namespace chat::detail
