// SPDX-License-Identifier: BSL-1.0
#include "users/resume_registry.hpp"

#include "rooms/room_registry.hpp"

#include <chat/text.hpp>

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace chat::detail {

std::string make_session_token() {
  std::array<unsigned char, 16> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const auto got = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    filled += static_cast<std::size_t>(got);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string token;
  token.reserve(2 * bytes.size());
  for (const unsigned char b : bytes) {
    token += hex[b >> 4];
    token += hex[b & 0x0F];
  }
  return token;
}

resume_registry::resume_registry(user_directory& users, std::chrono::milliseconds grace,
                                 std::size_t max_detached, std::size_t max_detached_per_address)
    : users_(users),
      grace_ms_(grace.count()),
      max_detached_(max_detached),
      max_detached_per_address_(max_detached_per_address) {}

void resume_registry::set_limits(std::chrono::milliseconds grace, std::size_t max_detached,
                                 std::size_t max_detached_per_address) {
  std::lock_guard lock(mutex_);
  grace_ms_.store(grace.count(), std::memory_order_relaxed);
  max_detached_ = max_detached;
  max_detached_per_address_ = max_detached_per_address;
}

std::string resume_registry::open(std::string name, std::shared_ptr<member> owner,
                                  std::function<void()> kick) {
  auto token = make_session_token();
  std::lock_guard lock(mutex_);
  sessions_.insert_or_assign(token, record{std::move(name), std::move(owner), {}, std::move(kick), {}, {}, {}});
  return token;
}

void resume_registry::renamed(const std::string& token, std::string name) {
  std::lock_guard lock(mutex_);
  if (const auto it = sessions_.find(token); it != sessions_.end()) it->second.name = std::move(name);
}

void resume_registry::set_rooms(const std::string& token, const session_rooms& rooms) {
  std::lock_guard lock(mutex_);
  if (const auto it = sessions_.find(token); it != sessions_.end()) it->second.rooms = rooms;
}

bool resume_registry::detach(const std::string& token, std::string address, std::string reason,
                             clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end() || it->second.detached_until) return false;
  const auto grace = this->grace();
  auto& per_address = detached_per_address_[address];
  if (grace.count() <= 0 || detached_ >= max_detached_ || per_address >= max_detached_per_address_) {
    if (per_address == 0) detached_per_address_.erase(address);
    sessions_.erase(it);  // ends at once: the caller leaves its rooms
    return false;
  }
  ++per_address;
  ++detached_;
  auto& r = it->second;
  r.kick = nullptr;
  r.detached_until = now + grace;
  r.address = std::move(address);
  r.reason = std::move(reason);
  return true;
}

void resume_registry::forget_detached_locked(record& r) {
  if (!r.detached_until) return;
  --detached_;
  const auto it = detached_per_address_.find(r.address);
  if (it != detached_per_address_.end() && --it->second == 0) detached_per_address_.erase(it);
  r.detached_until.reset();
}

void resume_registry::close(const std::string& token) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) return;
  forget_detached_locked(it->second);
  sessions_.erase(it);
}

std::optional<resume_registry::taken_over> resume_registry::take_over(
    const std::string& token, std::string_view name, std::shared_ptr<member> owner,
    std::function<void()> kick) {
  auto fresh = make_session_token();  // before the lock: it may block briefly for entropy
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end() || fold_case(it->second.name) != fold_case(name)) return std::nullopt;
  record old = std::move(it->second);
  sessions_.erase(it);
  forget_detached_locked(old);
  // Under the lock, so that the old connection's own loss (detach) or requests meet either
  // the old owner everywhere or the new one everywhere.
  users_.transfer(old.name, *old.owner, owner);
  taken_over result{old.name, {}, fresh, std::move(old.kick)};
  for (auto& [folded, r] : old.rooms)
    if (r->replace_member(*old.owner, owner)) result.rooms.emplace(folded, r);
  sessions_.insert_or_assign(fresh, record{old.name, std::move(owner), result.rooms, std::move(kick), {}, {}, {}});
  return result;
}

std::size_t resume_registry::expire(clock::time_point now, room_registry& rooms) {
  std::vector<record> ended;
  {
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.detached_until && *it->second.detached_until <= now) {
        forget_detached_locked(it->second);
        ended.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: leaving publishes LEFT to the rooms.
  for (auto& r : ended) {
    for (const auto& [folded, joined] : r.rooms) rooms.leave(joined, *r.owner, r.reason);
    users_.release(r.name, *r.owner);
  }
  return ended.size();
}

resume_registry::clock::time_point resume_registry::next_expiry() const {
  std::lock_guard lock(mutex_);
  auto next = clock::time_point::max();
  if (detached_ == 0) return next;
  for (const auto& [token, r] : sessions_)
    if (r.detached_until && *r.detached_until < next) next = *r.detached_until;
  return next;
}

std::size_t resume_registry::detached_count() const {
  std::lock_guard lock(mutex_);
  return detached_;
}

void resume_registry::clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
  detached_per_address_.clear();
  detached_ = 0;
}

}  // namespace chat::detail
