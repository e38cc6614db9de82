// SPDX-License-Identifier: BSL-1.0
#include <chat/log_queue.hpp>

#include <utility>

namespace chat {

log_queue::log_queue(writer_type writer, std::size_t max_lines)
    : writer_(std::move(writer)), max_lines_(max_lines), thread_([this] { run(); }) {}

log_queue::~log_queue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void log_queue::push(const log_record& record) noexcept {
  try {
    // Built outside the lock.
    line l{std::chrono::system_clock::now(), record.level, std::string(record.event),
           std::string(record.peer), std::string(record.message)};
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= max_lines_) {
        ++dropped_;
        return;
      }
      queue_.push_back(std::move(l));
    }
    wake_.notify_one();
  } catch (...) {
    std::lock_guard lock(mutex_);
    ++dropped_;  // out of memory: the line is lost, but counted
  }
}

std::uint64_t log_queue::dropped() const noexcept {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void log_queue::run() {
  std::deque<line> batch;
  for (;;) {
    std::uint64_t newly_dropped = 0;
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || dropped_ != dropped_reported_; });
      batch.swap(queue_);  // written outside the lock, so pushes never wait for the writer
      newly_dropped = dropped_ - dropped_reported_;
      dropped_reported_ = dropped_;
      stop = stopping_;
    }
    for (const auto& l : batch) {
      try {
        writer_(l);
      } catch (...) {
      }
    }
    batch.clear();
    if (newly_dropped > 0) {
      try {
        writer_({std::chrono::system_clock::now(), log_level::warn, "log_lines_dropped", {},
                 std::to_string(newly_dropped) + " log lines dropped (the log could not keep up)"});
      } catch (...) {
      }
    }
    if (stop) {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return;  // pushed while the last batch was written: one more round
    }
  }
}

}  // namespace chat
