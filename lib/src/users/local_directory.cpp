// SPDX-License-Identifier: BSL-1.0
#include "users/local_directory.hpp"

#include <chat/text.hpp>

namespace chat::detail {

std::string local_directory::claim(std::string_view name, std::weak_ptr<member> user) {
  std::lock_guard lock(mutex_);
  const member* owner = user.lock().get();
  const auto [it, claimed] =
      users_.try_emplace(name_skeleton(name), entry{std::string(name), std::move(user), owner});
  return claimed ? std::string() : it->second.spelling;
}

std::string local_directory::rename(std::string_view old_name, std::string_view new_name,
                                    const member& owner) {
  std::lock_guard lock(mutex_);
  const auto old_key = name_skeleton(old_name);
  const auto old_it = users_.find(old_key);
  if (old_it == users_.end() || old_it->second.owner != &owner) return std::string(old_name);
  const auto new_key = name_skeleton(new_name);
  if (new_key == old_key) {  // a lookalike of its own name, e.g. a change of case
    old_it->second.spelling = new_name;
    return {};
  }
  auto moved = old_it->second;
  moved.spelling = new_name;
  const auto [new_it, claimed] = users_.try_emplace(new_key, std::move(moved));
  if (!claimed) return new_it->second.spelling;
  users_.erase(old_key);
  return {};
}

void local_directory::release(std::string_view name, const member& owner) {
  std::lock_guard lock(mutex_);
  const auto it = users_.find(name_skeleton(name));
  if (it != users_.end() && it->second.owner == &owner) users_.erase(it);
}

bool local_directory::transfer(std::string_view name, const member& from, std::weak_ptr<member> to) {
  std::lock_guard lock(mutex_);
  const auto it = users_.find(name_skeleton(name));
  if (it == users_.end() || it->second.owner != &from) return false;
  it->second.owner = to.lock().get();
  it->second.user = std::move(to);
  return true;
}

user_directory::found local_directory::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  const auto it = users_.find(name_skeleton(name));
  // Only the name itself (in any case) reaches its owner, not a lookalike of it.
  if (it == users_.end() || fold_case(it->second.spelling) != fold_case(name)) return {};
  return {it->second.user.lock(), it->second.spelling};
}

}  // namespace chat::detail
