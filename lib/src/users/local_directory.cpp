#include "users/local_directory.hpp"

#include <chat/text.hpp>

namespace chat::detail {

bool local_directory::claim(std::string_view name, std::weak_ptr<member> user) {
  std::lock_guard lock(mutex_);
  return users_.try_emplace(fold_case(name), entry{std::string(name), std::move(user)}).second;
}

bool local_directory::rename(std::string_view old_name, std::string_view new_name) {
  std::lock_guard lock(mutex_);
  const auto old_key = fold_case(old_name);
  const auto old_it = users_.find(old_key);
  if (old_it == users_.end()) return false;
  auto moved = old_it->second;
  moved.spelling = new_name;
  const auto new_key = fold_case(new_name);
  if (new_key == old_key) {
    old_it->second = std::move(moved);
    return true;
  }
  if (!users_.try_emplace(new_key, std::move(moved)).second) return false;
  users_.erase(old_key);
  return true;
}

void local_directory::release(std::string_view name) {
  std::lock_guard lock(mutex_);
  users_.erase(fold_case(name));
}

user_directory::found local_directory::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  const auto it = users_.find(fold_case(name));
  if (it == users_.end()) return {};
  return {it->second.user.lock(), it->second.spelling};
}

}  // namespace chat::detail
