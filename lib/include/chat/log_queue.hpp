// SPDX-License-Identifier: BSL-1.0
// A bounded, asynchronous log sink: the server's I/O threads hand it lines and never wait for
// the log's destination (a slow terminal, a full pipe). A thread of its own writes them. When
// the queue is full, lines are dropped and counted, and the count is written as a line of its
// own (event "log_lines_dropped", level warn) once there is room again.
//
// Thread-safety: push() from any thread; construct and destroy on one. The destructor writes
// what is queued, then joins the writer thread.
#pragma once

#include <chat/export.hpp>
#include <chat/log_level.hpp>
#include <chat/log_record.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace chat {

class CHAT_EXPORT log_queue {
public:
  /// A log_record, copied, with the time it was pushed.
  struct line {
    std::chrono::system_clock::time_point time;  ///< When it was pushed.
    log_level level = log_level::info;
    std::string event;    ///< See log_record.
    std::string peer;     ///< Empty if none.
    std::string message;  ///< May be empty.
  };
  /// Called on the writer thread, one line at a time, in the order pushed.
  using writer_type = std::function<void(const line&)>;

  explicit log_queue(writer_type writer, std::size_t max_lines = 4096);
  log_queue(const log_queue&) = delete;
  log_queue& operator=(const log_queue&) = delete;
  ~log_queue();

  /// Queues a copy of `record`, or counts it as dropped if max_lines are waiting. Never waits
  /// for the writer (only for the queue's mutex, held briefly).
  void push(const log_record& record) noexcept;
  /// Lines dropped so far because the queue was full.
  std::uint64_t dropped() const noexcept;

private:
  void run();

  const writer_type writer_;
  const std::size_t max_lines_;
  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  std::deque<line> queue_;
  std::uint64_t dropped_ = 0;
  std::uint64_t dropped_reported_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace chat
