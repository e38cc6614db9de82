// SPDX-License-Identifier: BSL-1.0
#include "server/connect_throttle.hpp"

#include "server/address_key.hpp"

#include <iterator>

namespace chat::detail {

namespace {

// "10 s", "1.5 s", "250 ms": the window as a person would say it.
std::string describe(std::chrono::milliseconds window) {
  const auto ms = window.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  if (ms > 1000) return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

std::optional<std::string> connect_throttle::admit(const boost::asio::ip::address& peer,
                                                   clock::time_point now) {
  const std::size_t max = max_.load(std::memory_order_relaxed);
  const std::chrono::milliseconds window(window_ms_.load(std::memory_order_relaxed));
  if (max == 0 || window.count() <= 0) return std::nullopt;
  if (now >= next_sweep_) sweep(now, window);
  const auto key = address_key(peer);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_tracked) return std::nullopt;  // untracked, see the header
    it = entries_.emplace(key, entry{now, 0}).first;
  } else if (now - it->second.window_start >= window) {
    it->second = entry{now, 0};  // its window has passed: a new one begins
  }
  if (it->second.count >= max)
    return "too many new connections from " + describe_address_key(key) + " (limit " +
           std::to_string(max) + " per " + describe(window) + "); try again later";
  ++it->second.count;
  return std::nullopt;
}

void connect_throttle::sweep(clock::time_point now, std::chrono::milliseconds window) {
  for (auto it = entries_.begin(); it != entries_.end();)
    it = now - it->second.window_start >= window ? entries_.erase(it) : std::next(it);
  next_sweep_ = now + window;
}

}  // namespace chat::detail
