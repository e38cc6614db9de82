// The users connected to a server, by name compared case-insensitively. Thread-safe.
#pragma once

#include <chat/room.hpp>
#include <chat/text.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chat::detail {

class name_registry {
public:
  /// Reserves `name` for `user`; false if it (in any letter case) is already taken.
  bool claim(std::string_view name, std::weak_ptr<participant> user) {
    std::lock_guard lock(mutex_);
    return users_.try_emplace(fold_case(name), user_entry{std::string(name), std::move(user)})
        .second;
  }
  /// Moves `user` from `old_name` to `new_name`; false if `new_name` belongs to someone else.
  /// A change of letter case only is allowed.
  bool rename(std::string_view old_name, std::string_view new_name) {
    std::lock_guard lock(mutex_);
    const auto old_it = users_.find(fold_case(old_name));
    if (old_it == users_.end()) return false;
    auto entry = old_it->second;
    entry.spelling = new_name;
    const auto new_key = fold_case(new_name);
    if (new_key == old_it->first) {
      old_it->second = std::move(entry);
      return true;
    }
    if (!users_.try_emplace(new_key, std::move(entry)).second) return false;
    users_.erase(fold_case(old_name));
    return true;
  }
  void release(std::string_view name) {
    std::lock_guard lock(mutex_);
    users_.erase(fold_case(name));
  }
  /// The user called `name` and its registered spelling; a null user if there is none.
  std::pair<std::shared_ptr<participant>, std::string> find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto it = users_.find(fold_case(name));
    if (it == users_.end()) return {};
    return {it->second.user.lock(), it->second.spelling};
  }

private:
  struct user_entry {
    std::string spelling;
    std::weak_ptr<participant> user;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, user_entry> users_;
};

}  // namespace chat::detail
