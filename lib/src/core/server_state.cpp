#include "core/server_state.hpp"

#include "core/session.hpp"

#include <random>

namespace chat::detail {

std::uint64_t server_state::random_server_id() {
  std::random_device entropy;
  std::uint64_t id = 0;
  // Never 0, so a client can use 0 for "no server yet".
  while (id == 0) id = (std::uint64_t(entropy()) << 32) | entropy();
  return id;
}

bool server_state::add_session(const std::shared_ptr<session>& s) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  sessions_.emplace(s.get(), s);
  return true;
}

void server_state::remove_session(const session* s) {
  std::lock_guard lock(mutex_);
  sessions_.erase(s);
  if (sessions_.empty()) all_closed_.notify_all();
}

std::vector<std::shared_ptr<session>> server_state::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<session>> open;
  open.reserve(sessions_.size());
  for (const auto& entry : sessions_) open.push_back(entry.second);
  return open;
}

bool server_state::wait_for_no_sessions(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return all_closed_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

std::vector<std::shared_ptr<session>> server_state::take_sessions() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<session>> left;
  for (auto& entry : sessions_) left.push_back(std::move(entry.second));
  sessions_.clear();
  return left;
}

std::size_t server_state::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace chat::detail
