// SPDX-License-Identifier: BSL-1.0
// The server's counters and connection gauges, kept where each event happens and read by
// server::metrics(). Thread-safe: relaxed atomics, no lock.
//
// The counters bumped for every read, write and fan-out (traffic) are sharded by thread: each
// thread adds to a cache line of its own, so two I/O threads never contend for one. The rest
// change once per connection at most and are plain atomics.
#pragma once

#include <chat/server_metrics.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace chat::detail {

class metrics_counters {
public:
  using transport = server_metrics::transport;
  using connection_state = server_metrics::connection_state;

  struct alignas(64) traffic {
    std::atomic<std::uint64_t> messages_in{0};
    std::atomic<std::uint64_t> messages_out{0};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> bytes_out{0};
    std::atomic<std::uint64_t> deliveries{0};
    std::atomic<std::uint64_t> queue_drops{0};

    static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
      counter.fetch_add(n, std::memory_order_relaxed);
    }
  };

  /// The calling thread's shard.
  traffic& local() noexcept { return shards_[thread_shard() % shard_count]; }

  void opened(transport t, connection_state s) noexcept { add(gauge(t, s), 1); }
  void moved(transport t, connection_state from, connection_state to) noexcept {
    add(gauge(t, to), 1);
    gauge(t, from).fetch_sub(1, std::memory_order_relaxed);
  }
  void closed(transport t, connection_state s) noexcept {
    gauge(t, s).fetch_sub(1, std::memory_order_relaxed);
  }
  void accepted() noexcept { add(accepted_, 1); }
  void cut_off(server_metrics::cut_off_reason r) noexcept { add(cut_offs_[static_cast<std::size_t>(r)], 1); }
  void refused(server_metrics::refusal_reason r) noexcept { add(refused_[static_cast<std::size_t>(r)], 1); }

  /// Fills the counters and connection gauges of `out` (the rest is the server's).
  void read_into(server_metrics& out) const noexcept {
    for (std::size_t t = 0; t < server_metrics::transport_count; ++t)
      for (std::size_t s = 0; s < server_metrics::connection_state_count; ++s)
        out.connections[t][s] = gauges_[t][s].load(std::memory_order_relaxed);
    for (const auto& shard : shards_) {
      out.messages_in += shard.messages_in.load(std::memory_order_relaxed);
      out.messages_out += shard.messages_out.load(std::memory_order_relaxed);
      out.bytes_in += shard.bytes_in.load(std::memory_order_relaxed);
      out.bytes_out += shard.bytes_out.load(std::memory_order_relaxed);
      out.deliveries += shard.deliveries.load(std::memory_order_relaxed);
      out.queue_drops += shard.queue_drops.load(std::memory_order_relaxed);
    }
    out.connections_accepted = accepted_.load(std::memory_order_relaxed);
    for (std::size_t r = 0; r < server_metrics::cut_off_reason_count; ++r)
      out.cut_offs[r] = cut_offs_[r].load(std::memory_order_relaxed);
    for (std::size_t r = 0; r < server_metrics::refusal_reason_count; ++r)
      out.refused[r] = refused_[r].load(std::memory_order_relaxed);
  }

private:
  static constexpr std::size_t shard_count = 8;

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  // Threads take shards in turn as they first count something; with more threads than
  // shards some share one, which is still correct.
  static unsigned thread_shard() noexcept {
    static std::atomic<unsigned> next{0};
    thread_local const unsigned mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine;
  }
  std::atomic<std::uint64_t>& gauge(transport t, connection_state s) noexcept {
    return gauges_[static_cast<std::size_t>(t)][static_cast<std::size_t>(s)];
  }

  std::array<traffic, shard_count> shards_{};
  std::array<std::array<std::atomic<std::uint64_t>, server_metrics::connection_state_count>,
             server_metrics::transport_count>
      gauges_{};
  std::atomic<std::uint64_t> accepted_{0};
  std::array<std::atomic<std::uint64_t>, server_metrics::cut_off_reason_count> cut_offs_{};
  std::array<std::atomic<std::uint64_t>, server_metrics::refusal_reason_count> refused_{};
};

/// One connection's place in the gauges: its transport and state. Move-only; leaves the
/// gauges when destroyed or released. Not thread-safe: the connection's strand.
class connection_gauge {
public:
  using transport = server_metrics::transport;
  using connection_state = server_metrics::connection_state;

  connection_gauge() = default;
  connection_gauge(metrics_counters* counters, transport t, connection_state s) noexcept
      : counters_(counters), transport_(t), state_(s) {
    if (counters_) counters_->opened(t, s);
  }
  connection_gauge(connection_gauge&& other) noexcept
      : counters_(std::exchange(other.counters_, nullptr)), transport_(other.transport_), state_(other.state_) {}
  connection_gauge& operator=(connection_gauge&& other) noexcept {
    if (this != &other) {
      release();
      counters_ = std::exchange(other.counters_, nullptr);
      transport_ = other.transport_;
      state_ = other.state_;
    }
    return *this;
  }
  ~connection_gauge() { release(); }

  void move_to(connection_state s) noexcept {
    if (counters_ && s != state_) counters_->moved(transport_, state_, s);
    state_ = s;
  }
  void release() noexcept {
    if (counters_) counters_->closed(transport_, state_);
    counters_ = nullptr;
  }
  metrics_counters* counters() const noexcept { return counters_; }

private:
  metrics_counters* counters_ = nullptr;
  transport transport_ = transport::tcp;
  connection_state state_ = connection_state::awaiting_hello;
};

}  // namespace chat::detail
