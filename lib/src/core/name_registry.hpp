// The names in use on a server, compared case-insensitively. Thread-safe.
#pragma once

#include <chat/text.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace chat::detail {

class name_registry {
public:
  /// Reserves `name`; false if it (in any letter case) is already taken.
  bool claim(std::string_view name) {
    std::lock_guard lock(mutex_);
    return names_.insert(fold_case(name)).second;
  }
  void release(std::string_view name) {
    std::lock_guard lock(mutex_);
    names_.erase(fold_case(name));
  }

private:
  std::mutex mutex_;
  std::unordered_set<std::string> names_;
};

}  // namespace chat::detail
