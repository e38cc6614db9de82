// SPDX-License-Identifier: BSL-1.0
// What stops chatd from starting, or a reload from being applied: a bad option or config value,
// a file that cannot be read. what() is the whole message, without the "chatd: " prefix.
#pragma once

#include <stdexcept>
#include <string>

namespace chatd {

struct startup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace chatd
