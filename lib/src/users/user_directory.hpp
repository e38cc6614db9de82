// SPDX-License-Identifier: BSL-1.0
// The seam for user names: who is connected, under which name, and how to reach them for a
// private message. Names are unique by their skeleton (chat::name_skeleton: case and ASCII
// lookalikes, docs/PROTOCOL.md 6.1); a private message finds its recipient only by the name
// itself, in any letter case. The local directory serves one process; a
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

  /// Reserves `name` for `user`. Empty on success; otherwise the spelling of the name in use
  /// that has the same skeleton.
  virtual std::string claim(std::string_view name, std::weak_ptr<member> user) = 0;
  /// Moves `owner` from `old_name` to `new_name`. Empty on success; otherwise the spelling of
  /// someone else's name with the skeleton of `new_name` (or `old_name` itself if `owner` does
  /// not hold it). A lookalike of the user's own name
  /// (e.g. a change of letter case only) is allowed.
  virtual std::string rename(std::string_view old_name, std::string_view new_name,
                             const member& owner) = 0;
  /// Frees `name` if `owner` holds it (a session taken over no longer does).
  virtual void release(std::string_view name, const member& owner) = 0;
  /// Gives `name` from `from` to `to` (a session resumed on a new connection); false if `from`
  /// does not hold it.
  virtual bool transfer(std::string_view name, const member& from, std::weak_ptr<member> to) = 0;

  struct found {
    std::shared_ptr<member> user;  ///< Null if no one has the name.
    std::string spelling;          ///< The name as its owner registered it.
  };
  /// The user registered as `name`, in any letter case (not one with a lookalike name).
  virtual found find(std::string_view name) const = 0;
};

}  // namespace chat::detail
