// SPDX-License-Identifier: BSL-1.0
// chat::log_queue: the threads that log never wait for the log's destination.
#include <chat/log_queue.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

using chat::log_level;
using chat::log_queue;

namespace {

// A destination that blocks until released, as a stalled terminal or a full pipe would.
struct stalled_destination {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mutex;
  std::vector<std::string> written;

  void operator()(const log_queue::line& l) {
    released.wait();
    std::lock_guard lock(mutex);
    written.push_back(std::string(chat::to_string(l.level)) + ' ' + l.event + ' ' + l.message);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(log_queue_sink)

BOOST_AUTO_TEST_CASE(lines_are_written_in_order_by_the_writer_thread) {
  std::vector<std::string> written;
  {
    log_queue log([&](const log_queue::line& l) { written.push_back(l.event + ' ' + l.peer + ' ' + l.message); });
    for (int i = 0; i < 100; ++i) {
      const std::string message = std::to_string(i);  // gone once pushed: the queue copies
      log.push({log_level::info, "connected", "192.0.2.1:4242", message});
    }
  }  // the destructor writes what is queued
  BOOST_REQUIRE_EQUAL(written.size(), 100u);
  for (int i = 0; i < 100; ++i) BOOST_TEST(written[i] == "connected 192.0.2.1:4242 " + std::to_string(i));
}

BOOST_AUTO_TEST_CASE(a_stalled_destination_never_blocks_a_push_and_drops_are_counted_then_logged) {
  stalled_destination destination;
  {
    log_queue log([&](const log_queue::line& l) { destination(l); }, 10);
    // The writer takes at most a batch and stalls on it; everything beyond the bound is dropped
    // at once instead of waiting. (Deadline-free: push has nothing to wait on.)
    for (int i = 0; i < 1000; ++i) log.push({log_level::info, "connected", {}, "line " + std::to_string(i)});
    BOOST_TEST(log.dropped() >= 1000u - 2 * 10u);
    destination.release.set_value();
  }  // once it can write again, it says how many were lost
  // Every line is accounted for: written, or counted in a "dropped" line (one per batch that
  // had drops before it), and the last line says how many were lost.
  std::lock_guard lock(destination.mutex);
  std::size_t lines = 0, reported = 0;
  for (const auto& w : destination.written) {
    if (w.rfind("warn log_lines_dropped ", 0) == 0 && w.find(" log lines dropped") != std::string::npos)
      reported += std::stoul(w.substr(std::string("warn log_lines_dropped ").size()));
    else
      ++lines;
  }
  BOOST_TEST(lines <= 2 * 10u);  // what the writer held, and what the queue held
  BOOST_TEST(lines + reported == 1000u);
  const auto& last = destination.written.back();
  BOOST_TEST(last.find("log lines dropped") != std::string::npos, last);
}

BOOST_AUTO_TEST_SUITE_END()
