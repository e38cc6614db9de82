// SPDX-License-Identifier: BSL-1.0
#include "server/loop_probe.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace chat::detail {

namespace asio = boost::asio;

loop_probe::loop_probe(asio::io_context& context, std::chrono::milliseconds interval)
    : strand_(asio::make_strand(context)), timer_(strand_), interval_(interval) {}

void loop_probe::start() {
  asio::post(strand_, [self = shared_from_this()] {
    self->window_ends_ = clock::now() + window;
    self->arm();
  });
}

void loop_probe::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void loop_probe::arm() {
  if (stopped_) return;
  const auto due = clock::now() + interval_;
  timer_.expires_at(due);
  timer_.async_wait([self = shared_from_this(), due](boost::system::error_code ec) {
    if (!ec) self->on_fired(due);
  });
}

void loop_probe::on_fired(clock::time_point due) {
  const auto now = clock::now();
  const auto late = std::chrono::duration_cast<std::chrono::microseconds>(now - due).count();
  const std::int64_t lag = std::max<std::int64_t>(late, 0);
  last_us_.store(lag, std::memory_order_relaxed);
  if (now >= window_ends_) {
    previous_max_us_.store(window_max_us_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    window_max_us_.store(lag, std::memory_order_relaxed);
    window_ends_ = now + window;
  } else if (lag > window_max_us_.load(std::memory_order_relaxed)) {
    window_max_us_.store(lag, std::memory_order_relaxed);
  }
  arm();
}

server_metrics::loop_lag loop_probe::read() const noexcept {
  server_metrics::loop_lag out;
  out.last = std::chrono::microseconds(last_us_.load(std::memory_order_relaxed));
  out.max = std::chrono::microseconds(std::max(window_max_us_.load(std::memory_order_relaxed),
                                               previous_max_us_.load(std::memory_order_relaxed)));
  return out;
}

}  // namespace chat::detail
