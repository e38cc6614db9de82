#include "server/session_set.hpp"

namespace chat::detail {

bool session_set::add(std::shared_ptr<live_session> s) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  const auto* key = s.get();
  sessions_.emplace(key, std::move(s));
  return true;
}

void session_set::remove(const live_session* s) {
  std::shared_ptr<live_session> removed;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(s);
  if (it == sessions_.end()) return;
  removed = std::move(it->second);
  sessions_.erase(it);
  if (sessions_.empty()) emptied_.notify_all();
}

std::vector<std::shared_ptr<live_session>> session_set::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<live_session>> open;
  open.reserve(sessions_.size());
  for (const auto& entry : sessions_) open.push_back(entry.second);
  return open;
}

bool session_set::wait_until_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

std::vector<std::shared_ptr<live_session>> session_set::take_all() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<live_session>> left;
  left.reserve(sessions_.size());
  for (auto& entry : sessions_) left.push_back(std::move(entry.second));
  sessions_.clear();
  return left;
}

std::size_t session_set::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace chat::detail
