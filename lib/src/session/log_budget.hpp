// SPDX-License-Identifier: BSL-1.0
// How many of one connection's lines of a kind are logged: a burst, then one per interval; the
// rest are counted, and the count goes out with the next line that is logged (or at the end).
// So a client that sends nothing but mistakes costs the log a few bytes a second, not a line
// per frame. Sans-io: the caller supplies the time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

namespace chat::detail {

class log_budget {
public:
  using clock = std::chrono::steady_clock;
  static constexpr std::uint32_t burst = 5;
  static constexpr std::chrono::seconds interval{10};

  /// Whether a line may be written at `now`; if not, it is counted as suppressed.
  bool allow(clock::time_point now) noexcept {
    if (tokens_ == burst) {
      last_refill_ = now;  // full: the next token is earned one interval after this line
    } else if (const auto earned = (now - last_refill_) / interval; earned > 0) {
      tokens_ = static_cast<std::uint32_t>(std::min<std::int64_t>(burst, tokens_ + earned));
      last_refill_ += earned * interval;
    }
    if (tokens_ == 0) {
      ++suppressed_;
      return false;
    }
    --tokens_;
    return true;
  }
  /// The lines suppressed since this was last asked.
  std::uint32_t take_suppressed() noexcept { return std::exchange(suppressed_, 0); }

private:
  clock::time_point last_refill_{};
  std::uint32_t tokens_ = burst;
  std::uint32_t suppressed_ = 0;
};

}  // namespace chat::detail
