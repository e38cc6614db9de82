// SPDX-License-Identifier: BSL-1.0
// Measures the event loop's lag: a timer that should fire every `interval` on the server's
// io_context, and how late it does. A handler that is ready waits that long for a thread, so
// the lag is what every connection's next step waits on top of its own work.
//
// Thread-safety: start() and stop() from any thread (the timer lives on a strand of its own);
// read() from any thread (atomics).
#pragma once

#include <chat/server_metrics.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace chat::detail {

class loop_probe : public std::enable_shared_from_this<loop_probe> {
public:
  using clock = std::chrono::steady_clock;

  loop_probe(boost::asio::io_context& context, std::chrono::milliseconds interval);

  /// Begins probing. Once.
  void start();
  /// Stops probing: the pending wait is cancelled, so it holds no io_context open.
  void stop();
  server_metrics::loop_lag read() const noexcept;

private:
  void arm();
  void on_fired(clock::time_point due);

  static constexpr std::chrono::seconds window{10};

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;  // on strand_
  const std::chrono::milliseconds interval_;
  bool stopped_ = false;                // on strand_
  clock::time_point window_ends_{};     // on strand_
  std::atomic<std::int64_t> last_us_{0};
  std::atomic<std::int64_t> window_max_us_{0};    // this window's
  std::atomic<std::int64_t> previous_max_us_{0};  // the window before
};

}  // namespace chat::detail
