#include "core/room_registry.hpp"

namespace chat::detail {

std::shared_ptr<room> room_registry::join(const std::string& folded_name,
                                          std::shared_ptr<participant> member,
                                          std::string_view server_info) {
  std::lock_guard lock(mutex_);
  auto& slot = rooms_[folded_name];
  if (!slot) slot = std::make_shared<room>(folded_name, history_limit_, ids_);
  slot->join(std::move(member), server_info);
  return slot;
}

void room_registry::leave(const std::shared_ptr<room>& r, const participant& member) {
  std::lock_guard lock(mutex_);
  if (r->leave(member) && r->member_count() == 0) rooms_.erase(r->name());
}

void room_registry::clear() {
  std::lock_guard lock(mutex_);
  rooms_.clear();
}

}  // namespace chat::detail
