// SPDX-License-Identifier: BSL-1.0
// The per-address connection-rate limit: at most `max_per_window` new connections from one
// address key (address_key.hpp) within `window` of the first of them. A reconnecting client
// never comes near it; an address that opens connection after connection is refused until its
// window has passed, so a connect-and-close loop cannot keep the acceptor and the log busy.
//
// Memory is bounded: an address's entry expires with its window (expired entries are swept
// once a window), and at most `max_tracked` addresses are tracked at once; past that, new
// addresses are admitted untracked (the connection limits still hold them) rather than refused.
//
// Thread-safety: the acceptor's strand alone admits; set_limit() may be called from any thread
// (a reload). Sans-io: the caller supplies the time.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

namespace chat::detail {

class connect_throttle {
public:
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t max_tracked = 65536;

  /// `max_per_window` 0 (or a zero window): no limit.
  connect_throttle(std::size_t max_per_window, std::chrono::milliseconds window) noexcept
      : max_(max_per_window), window_ms_(window.count()) {}

  /// New limits for the connections admitted from now on; the addresses' counts so far stay.
  void set_limit(std::size_t max_per_window, std::chrono::milliseconds window) noexcept {
    max_.store(max_per_window, std::memory_order_relaxed);
    window_ms_.store(window.count(), std::memory_order_relaxed);
  }

  /// Counts a new connection from `peer` at `now`; the text of the ERROR that refuses it if
  /// the address is over its rate (the refused attempt is not counted).
  std::optional<std::string> admit(const boost::asio::ip::address& peer, clock::time_point now);

  /// Addresses tracked (for tests: bounded by those seen within a window).
  std::size_t tracked() const noexcept { return entries_.size(); }

private:
  struct entry {
    clock::time_point window_start;
    std::size_t count = 0;
  };
  void sweep(clock::time_point now, std::chrono::milliseconds window);

  std::atomic<std::size_t> max_;
  std::atomic<std::chrono::milliseconds::rep> window_ms_;
  std::unordered_map<boost::asio::ip::address, entry> entries_;
  clock::time_point next_sweep_{};
};

}  // namespace chat::detail
