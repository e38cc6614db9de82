// SPDX-License-Identifier: BSL-1.0
// The user directory of a single process: a map from a name's skeleton to its member.
#pragma once

#include "users/user_directory.hpp"

#include <mutex>
#include <unordered_map>

namespace chat::detail {

class local_directory final : public user_directory {
public:
  std::string claim(std::string_view name, std::weak_ptr<member> user) override;
  std::string rename(std::string_view old_name, std::string_view new_name,
                     const member& owner) override;
  void release(std::string_view name, const member& owner) override;
  bool transfer(std::string_view name, const member& from, std::weak_ptr<member> to) override;
  found find(std::string_view name) const override;

private:
  struct entry {
    std::string spelling;
    std::weak_ptr<member> user;
    const member* owner;  ///< user's target, comparable after it has gone
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> users_;
};

}  // namespace chat::detail
