// SPDX-License-Identifier: BSL-1.0
// A chat_load worker: one thread running one io_context, and the connections that live on it.
//
// Connections never cross threads, so nothing on the hot path is locked or shared. The main
// thread steers the run by posting to the workers (connect_all, finish, a mode's own posts) and
// watches it through counters that only the worker writes and anyone may read.
#pragma once

#include "load/connection.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace load {

/// Steady-clock time in nanoseconds: what stamps carry and latencies are measured in.
std::uint64_t now_ns() noexcept;

/// A counter written by one thread and read by any: a relaxed load and store, not a locked
/// read-modify-write, because it may be bumped for every frame.
class counter {
public:
  void add(std::uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> v_{0};
};

/// The failures of a run, from every worker: counted by kind, the first few kept to be shown.
class problem_log {
public:
  void note(std::string_view kind, std::string detail);
  std::map<std::string, std::uint64_t> counts() const;
  std::vector<std::string> first() const;

private:
  static constexpr std::size_t kept = 5;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> counts_;
  std::vector<std::string> first_;
};

class worker {
public:
  /// Bytes asked for per read system call; shared by the worker's connections.
  static constexpr std::size_t read_buffer_size = 256 * 1024;

  worker(boost::asio::ip::tcp::endpoint server, problem_log& problems);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  boost::asio::io_context& io() noexcept { return io_; }
  void set_events(connection_events& events) noexcept { events_ = &events; }
  connection_events& events() noexcept { return *events_; }
  problem_log& problems() noexcept { return problems_; }

  /// Adds a connection; only before run().
  connection& add(std::uint32_t index, std::string name, std::string room);
  const std::vector<std::unique_ptr<connection>>& connections() const noexcept { return connections_; }

  /// Starts the thread. The io_context is kept running until finish().
  void run();
  /// Connects every connection, at most `max_in_flight` of them being set up (from connect to
  /// the JOIN's END) at a time. Counting until END, not until the TCP connect, is what bounds
  /// the server's accept queue: the kernel completes a connect long before a busy server
  /// accepts it, and an overflowing accept queue resets connections. Thread-safe.
  void connect_all(unsigned max_in_flight);
  /// Ends the run: BYE on every ready connection, the others closed; whatever has not closed
  /// after `drain` is closed then. The thread ends when all have. Thread-safe.
  void finish(std::chrono::milliseconds drain);
  /// Waits for the thread to end (after finish()).
  void join();

  /// The worker's read buffer; valid only during a connection's read handler.
  std::span<std::uint8_t> read_buffer() noexcept { return read_buffer_; }

  // Reported by the worker's connections.
  void became_ready(std::uint64_t now);
  void closed(connection::state was, bool failure);

  /// Counters, written by this worker's thread, readable anywhere.
  struct counters {
    counter ready;         // connections whose JOIN greeting ended
    counter failed;        // connections that closed before they were ready
    counter dropped;       // ready connections closed by the server (or an I/O error), not by BYE
    counter cut_off;       // ready connections that received an ERROR
    counter error_frames;  // ERROR frames received by ready connections
    counter too_slow;      // of them, too_slow (13)
    counter joined_frames;
    counter left_frames;
    counter pings;  // server PINGs answered
    counter last_ready_ns;
  } stats;

private:
  void launch_connects();
  void set_up_done();  // a connection is ready or has failed: the next may start
  void close_all_open();

  boost::asio::io_context io_{1};  // one thread: Asio may skip its locking
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer drain_timer_{io_};
  const boost::asio::ip::tcp::endpoint server_;
  problem_log& problems_;
  connection_events default_events_;
  connection_events* events_ = &default_events_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<std::uint8_t> read_buffer_ = std::vector<std::uint8_t>(read_buffer_size);
  std::thread thread_;
  // Worker-thread state.
  std::size_t next_to_connect_ = 0;
  unsigned in_flight_ = 0;
  unsigned max_in_flight_ = 1;
  std::size_t open_ = 0;
  bool finishing_ = false;
};

}  // namespace load
