// SPDX-License-Identifier: BSL-1.0
#include "server/session_set.hpp"

namespace chat::detail {

bool session_set::add(const std::shared_ptr<live_session>& s) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  // Replaces an entry whose session was destroyed without closing (its io_context went first)
  // and whose address a new one now has.
  sessions_.insert_or_assign(s.get(), s);
  return true;
}

void session_set::remove(const live_session* s) {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (sessions_.erase(s) == 0 || !sessions_.empty()) return;
    emptied_.notify_all();
    callbacks.swap(when_empty_);
  }
  for (auto& f : callbacks) f();
}

std::vector<std::shared_ptr<live_session>> session_set::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<live_session>> open;
  open.reserve(sessions_.size());
  for (const auto& [key, weak] : sessions_)
    if (auto s = weak.lock()) open.push_back(std::move(s));
  return open;
}

bool session_set::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

void session_set::when_empty(std::function<void()> f) {
  {
    std::lock_guard lock(mutex_);
    if (!sessions_.empty()) {
      when_empty_.push_back(std::move(f));
      return;
    }
  }
  f();
}

void session_set::clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
  when_empty_.clear();
}

std::size_t session_set::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace chat::detail
