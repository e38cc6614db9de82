// SPDX-License-Identifier: BSL-1.0
#include "rooms/room_registry.hpp"

#include <algorithm>

namespace chat::detail {

std::shared_ptr<room> room_registry::join(const std::string& folded_name,
                                          std::shared_ptr<member> m, std::string member_name,
                                          std::uint64_t after_id) {
  std::shared_ptr<room> r;
  {
    std::lock_guard lock(mutex_);
    auto& slot = rooms_[folded_name];
    if (!slot.r) slot.r = std::make_shared<room>(folded_name, bus_, history_, quiet_joins_above_);
    if (slot.emptied) {
      emptied_.erase(*std::exchange(slot.emptied, std::nullopt));
      retained_bytes_ -= std::exchange(slot.retained_bytes, 0);
    }
    ++slot.joining;
    r = slot.r;
  }
  const auto done_joining = [&]() noexcept {
    std::lock_guard lock(mutex_);
    --rooms_.at(folded_name).joining;
  };
  try {
    r->join(std::move(m), std::move(member_name), after_id);
  } catch (...) {
    // room::join has taken the member out again; a room created for it must end with it.
    done_joining();
    end_if_empty(r);
    throw;
  }
  done_joining();
  return r;
}

void room_registry::leave(const std::shared_ptr<room>& r, const member& m,
                          std::string_view reason) {
  if (r->leave(m, reason)) end_if_empty(r);
}

void room_registry::end_if_empty(const std::shared_ptr<room>& r) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(r->name());
  if (it == rooms_.end() || it->second.r != r || it->second.joining != 0 || r->member_count() != 0)
    return;
  auto& slot = it->second;
  slot.r = nullptr;
  slot.emptied = emptied_count_;
  slot.retained_bytes = history_.bytes(r->name());
  retained_bytes_ += slot.retained_bytes;
  emptied_.emplace(emptied_count_++, r->name());
  while (!emptied_.empty() &&
         (emptied_.size() > retained_empty_rooms_ || retained_bytes_ > retained_bytes_limit_))
    drop_oldest_empty();
}

void room_registry::drop_oldest_empty() {
  const auto it = rooms_.find(emptied_.begin()->second);
  retained_bytes_ -= it->second.retained_bytes;
  history_.forget(it->first);
  rooms_.erase(it);
  emptied_.erase(emptied_.begin());
}

std::shared_ptr<room> room_registry::find(const std::string& folded_name) const {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(folded_name);
  return it == rooms_.end() ? nullptr : it->second.r;
}

std::vector<msg::server::room_info> room_registry::list(std::size_t limit, bool& truncated) const {
  std::vector<std::shared_ptr<room>> live;
  {
    std::lock_guard lock(mutex_);
    live.reserve(rooms_.size() - emptied_.size());
    for (const auto& [name, e] : rooms_)
      if (e.r) live.push_back(e.r);
  }
  // Counts and topics are read outside the registry lock; each is a snapshot anyway.
  std::vector<msg::server::room_info> out;
  out.reserve(live.size());
  for (const auto& r : live)
    out.push_back({r->name(), static_cast<std::uint32_t>(r->member_count()), r->topic().text});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.member_count != b.member_count ? a.member_count > b.member_count : a.room < b.room;
  });
  truncated = out.size() > limit;
  if (truncated) out.resize(limit);
  return out;
}

room_registry::census_result room_registry::census() const {
  std::vector<std::shared_ptr<room>> live;
  {
    std::lock_guard lock(mutex_);
    live.reserve(rooms_.size() - emptied_.size());
    for (const auto& [name, e] : rooms_)
      if (e.r) live.push_back(e.r);
  }
  census_result out;
  out.rooms = live.size();
  for (const auto& r : live) out.members += r->member_count();
  return out;
}

void room_registry::clear() {
  std::lock_guard lock(mutex_);
  for (const auto& [name, e] : rooms_) history_.forget(name);
  rooms_.clear();
  emptied_.clear();
  retained_bytes_ = 0;
}

void room_registry::set_quiet_joins_above(std::size_t quiet_joins_above) {
  std::lock_guard lock(mutex_);
  quiet_joins_above_ = quiet_joins_above;
  for (auto& [name, slot] : rooms_)
    if (slot.r) slot.r->set_quiet_above(quiet_joins_above);
}

}  // namespace chat::detail
