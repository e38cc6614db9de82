// SPDX-License-Identifier: BSL-1.0
// The log under attack (issue 9): clients that send nothing but frames the server must refuse,
// as fast as they can while reading the ERRORs, cost the log a few lines, not one per frame,
// even when the log is slow to take them; and the server keeps serving everyone else.
// 127.0.0.1 floods, 127.0.0.2 is the legitimate client.
#include "session/log_budget.hpp"
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

namespace {


// A frame of a type no version defines: 5 bytes, each answered with ERROR unknown_type.
const std::vector<std::uint8_t> unknown_frame = {0, 0, 0, 1, 0x7E};

struct log_tally {
  std::mutex mutex;
  std::size_t bytes = 0;
  std::vector<std::string> flooder_lines;
};

// Sends `rounds` batches of `batch` bad frames, reading every ERROR before the next batch. Runs
// on a thread of its own, so it throws rather than using Boost.Test (not thread-safe).
void flood(std::uint16_t port, int rounds, int batch) {
  raw_peer peer(port, flooding_address);
  std::vector<std::uint8_t> burst;
  for (int i = 0; i < batch; ++i) burst.insert(burst.end(), unknown_frame.begin(), unknown_frame.end());
  for (int r = 0; r < rounds; ++r) {
    peer.send_bytes(burst);
    for (int i = 0; i < batch; ++i) {
      const auto reply = peer.receive();
      if (!reply) throw std::runtime_error("flooder lost its answers: " + reply.error().message());
      const auto* e = std::get_if<msg::server::error>(&*reply);
      if (!e || e->code != static_cast<std::uint16_t>(errc::unknown_type))
        throw std::runtime_error("a bad frame was not answered with ERROR unknown_type");
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_frames_as_fast_as_clients_can_send_cost_the_log_a_few_lines) {
  log_tally log;
  server_options options;
  options.log = [&](const chat::log_record& r) {
    std::this_thread::sleep_for(2ms);  // a slow reader of the log, as a congested pipe would be
    std::lock_guard lock(log.mutex);
    // As a line "event peer message" would take.
    log.bytes += r.event.size() + 1 + r.peer.size() + 1 + r.message.size() + 1;
    if (r.peer.rfind(flooding_address.to_string() + ":", 0) == 0)
      log.flooder_lines.emplace_back(std::string(r.event) + ' ' + std::string(r.message));
  };
  test_server server(options);
  raw_peer alice(server.port(), legitimate_address), bob(server.port(), legitimate_address);
  alice.hello("alice");
  bob.hello("bob");

  constexpr int flooders = 2, rounds = 40, batch = 1000;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  for (int i = 0; i < flooders; ++i)
    threads.emplace_back([&] {
      try {
        flood(server.port(), rounds, batch);
      } catch (const std::exception& e) {
        std::lock_guard lock(failures_mutex);
        failures.emplace_back(e.what());
      }
    });
  // Meanwhile the others chat as usual.
  for (int i = 0; i < 20; ++i) {
    const std::string text = "still here " + std::to_string(i);
    alice.send(msg::client::say{"lobby", 0, text});
    for (;;) {
      const auto next = bob.receive();
      BOOST_REQUIRE_MESSAGE(next.has_value(), "bob stopped receiving: " << next.error().message());
      if (const auto* m = std::get_if<msg::server::message>(&*next); m && m->text == text) break;
    }
  }
  for (auto& t : threads) t.join();
  for (const auto& failure : failures) BOOST_ERROR(failure);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // The flooders have gone: their sessions end, each saying how much it did not log.
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 2; }));

  std::lock_guard lock(log.mutex);
  const auto seconds = std::chrono::duration<double>(elapsed).count();
  BOOST_TEST_MESSAGE(flooders * rounds * batch << " bad frames in " << seconds << " s: "
                     << log.bytes << " bytes of log, " << log.flooder_lines.size()
                     << " lines about the flooders");
  // Per flooder: connect, the burst of errors, one more per interval, disconnect.
  const auto intervals = static_cast<std::size_t>(elapsed / detail::log_budget::interval);
  BOOST_TEST(log.flooder_lines.size() <= flooders * (2 + detail::log_budget::burst + intervals));
  BOOST_TEST(log.bytes < 1024 * std::max(1.0, seconds));  // < 1 KiB/s, the bound
  std::size_t summaries = 0;
  for (const auto& line : log.flooder_lines)
    summaries += line.find("more errors not logged") != std::string::npos;
  BOOST_TEST(summaries == std::size_t(flooders));  // the count is logged, not lost
}
