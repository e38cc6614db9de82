#include "core/room_registry.hpp"

#include <algorithm>

namespace chat::detail {

std::shared_ptr<room> room_registry::join(const std::string& folded_name,
                                          std::shared_ptr<participant> member,
                                          std::string member_name, std::uint64_t after_id) {
  std::lock_guard lock(mutex_);
  auto& slot = rooms_[folded_name];
  if (!slot.r) slot.r = std::make_shared<room>(folded_name, history_limit_, ids_);
  if (slot.emptied) {
    emptied_.erase(*std::exchange(slot.emptied, std::nullopt));
    retained_bytes_ -= std::exchange(slot.retained_bytes, 0);
  }
  slot.r->join(std::move(member), std::move(member_name), after_id);
  return slot.r;
}

void room_registry::leave(const std::shared_ptr<room>& r, const participant& member,
                          std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (!r->leave(member, reason) || r->member_count() != 0) return;
  const auto it = rooms_.find(r->name());
  if (it == rooms_.end()) return;
  it->second.emptied = emptied_count_;
  it->second.retained_bytes = r->history_bytes();
  retained_bytes_ += it->second.retained_bytes;
  emptied_.emplace(emptied_count_++, r->name());
  while (!emptied_.empty() &&
         (emptied_.size() > retained_empty_rooms_ || retained_bytes_ > retained_bytes_limit_))
    drop_oldest_empty();
}

void room_registry::drop_oldest_empty() {
  const auto it = rooms_.find(emptied_.begin()->second);
  retained_bytes_ -= it->second.retained_bytes;
  rooms_.erase(it);
  emptied_.erase(emptied_.begin());
}

std::shared_ptr<room> room_registry::find(const std::string& folded_name) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(folded_name);
  if (it == rooms_.end() || it->second.emptied) return nullptr;
  return it->second.r;
}

std::vector<msg::server::room_info> room_registry::list(std::size_t limit, bool& truncated) {
  std::vector<std::shared_ptr<room>> live;
  {
    std::lock_guard lock(mutex_);
    live.reserve(rooms_.size() - emptied_.size());
    for (const auto& [name, e] : rooms_)
      if (!e.emptied) live.push_back(e.r);
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

void room_registry::clear() {
  std::lock_guard lock(mutex_);
  rooms_.clear();
  emptied_.clear();
  retained_bytes_ = 0;
}

}  // namespace chat::detail
