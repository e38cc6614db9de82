// SPDX-License-Identifier: BSL-1.0
// The clock of message and topic time stamps.
#pragma once

#include <chrono>
#include <cstdint>

namespace chat {

/// Milliseconds since the Unix epoch (UTC), as MESSAGE and TOPIC carry them.
inline std::uint64_t unix_time_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace chat
