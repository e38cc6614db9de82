// SPDX-License-Identifier: BSL-1.0
// The server's logger: each call names its event (snake_case, listed in chat/log_record.hpp)
// and the client concerned, and the detail is made of parts, formatted only if the level is
// enabled. Thread-safe when the sink is; the threshold may be changed while others log.
#pragma once

#include "common/peer_text.hpp"

#include <chat/log_level.hpp>
#include <chat/log_record.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace chat::detail {

/// Who a log line is about: a peer's text ("ADDR:PORT") or its endpoint, formatted only when the
/// line is written; empty for none (no_peer).
class log_peer {
public:
  log_peer() = default;
  log_peer(std::string_view text) noexcept : text_(text) {}
  log_peer(const std::string& text) noexcept : text_(text) {}
  log_peer(const char* text) noexcept : text_(text) {}
  log_peer(const boost::asio::ip::tcp::endpoint& endpoint) noexcept : endpoint_(&endpoint) {}

  std::string text() const { return endpoint_ ? peer_text(*endpoint_) : std::string(text_); }

private:
  std::string_view text_;
  const boost::asio::ip::tcp::endpoint* endpoint_ = nullptr;
};

inline const log_peer no_peer{};

class logger {
public:
  using sink_type = std::function<void(const log_record&)>;
  explicit logger(sink_type sink = {}, log_level threshold = log_level::info)
      : sink_(std::move(sink)), threshold_(threshold) {}
  /// Replaces sink and threshold (for tests' set-up): not while another thread logs.
  logger& operator=(logger&& other) noexcept {
    sink_ = std::move(other.sink_);
    threshold_.store(other.threshold_.load());
    return *this;
  }

  /// Whether a line at `level` would be written (so a caller can skip building it).
  bool enabled(log_level level) const noexcept {
    return sink_ && level <= threshold_.load(std::memory_order_relaxed);
  }
  /// Lines above `threshold` are dropped from now on (any thread).
  void set_threshold(log_level threshold) noexcept {
    threshold_.store(threshold, std::memory_order_relaxed);
  }

  /// Logs `event` about `peer` at `level`, its message made of `parts`, unless the level is
  /// filtered out. A sink that throws loses its line; it must not break the session that was
  /// logging.
  template <class... Parts>
  void operator()(log_level level, std::string_view event, const log_peer& peer,
                  const Parts&... parts) const noexcept {
    if (!enabled(level)) return;
    try {
      std::string message;
      if constexpr (sizeof...(Parts) > 0) {
        std::ostringstream text;
        (text << ... << parts);
        message = std::move(text).str();
      }
      const std::string who = peer.text();
      sink_(log_record{level, event, who, message});
    } catch (...) {
    }
  }

private:
  sink_type sink_;
  std::atomic<log_level> threshold_;
};

}  // namespace chat::detail
