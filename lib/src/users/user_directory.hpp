// The seam for user names: who is connected, under which name (compared case-insensitively),
// and how to reach them for a private message. The local directory serves one process; a
// directory shared through Redis would implement the same interface.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include "rooms/member.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace chat::detail {

class user_directory {
public:
  virtual ~user_directory() = default;

  /// Reserves `name` for `user`; false if it (in any letter case) is already taken.
  virtual bool claim(std::string_view name, std::weak_ptr<member> user) = 0;
  /// Moves a user from `old_name` to `new_name`; false if `new_name` belongs to someone else.
  /// A change of letter case only is allowed.
  virtual bool rename(std::string_view old_name, std::string_view new_name) = 0;
  virtual void release(std::string_view name) = 0;

  struct found {
    std::shared_ptr<member> user;  ///< Null if no one has the name.
    std::string spelling;          ///< The name as its owner registered it.
  };
  virtual found find(std::string_view name) const = 0;
};

}  // namespace chat::detail
