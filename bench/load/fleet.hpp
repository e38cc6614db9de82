// SPDX-License-Identifier: BSL-1.0
// What every chat_load mode shares: its settings, the workers with their connections, waiting
// on the workers' counters, and the summary a run prints.
#pragma once

#include "load/worker.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace load {

struct settings {
  std::string mode;
  std::string host = "127.0.0.1";
  unsigned port = 7777;
  unsigned threads = 1;
  unsigned concurrency = 500;  // connections being set up (connect to END) at once
  std::string name_prefix = "load";
  std::string room = "load";
  double timeout = 60;  // seconds
  int pid = 0;          // chatd's, to read its CPU time and memory; 0: none
  // room
  unsigned members = 100;
  unsigned senders = 1;
  unsigned messages = 100;
  std::size_t size = 100;
  double rate = 0;  // messages/s per sender; 0: flat out
  unsigned flooders = 0;  // members after the senders that say unstamped messages flat out
  // idle
  unsigned connections = 1000;
  unsigned rooms = 1;
  double settle = 2;  // seconds (idle, join-storm)
  double hold = 0;    // seconds (idle)
};

/// The workers of a run and the connections spread over them (connection i on worker i % T).
class fleet {
public:
  fleet(const settings& s, const boost::asio::ip::tcp::endpoint& server, problem_log& problems);

  std::size_t size() const noexcept { return size_; }
  std::vector<std::unique_ptr<worker>>& workers() noexcept { return workers_; }

  /// Adds connection number size(), named <prefix><index>, that will JOIN `room`.
  connection& add(const std::string& room);
  /// Starts the workers and connects everything, at most `concurrency` connections being set
  /// up (connect to END) at a time in all.
  void connect(unsigned concurrency);
  /// Waits until every connection is ready or has failed, or `timeout`; true if the former.
  bool wait_settled(std::chrono::duration<double> timeout);
  /// BYE everywhere, then waits for the workers to end.
  void finish();

  /// A counter summed over the workers.
  std::uint64_t total(counter worker::counters::*which) const;
  /// The latest of a time counter over the workers.
  std::uint64_t latest(counter worker::counters::*which) const;

private:
  std::vector<std::unique_ptr<worker>> workers_;
  std::string prefix_;
  std::size_t size_ = 0;
};

/// Sleeps in small steps until `done()` or `timeout`; true if done.
bool wait_until(const std::function<bool()>& done, std::chrono::duration<double> timeout);

/// A run's results: printed for people line by line, and collected as one final
/// "key=value key=value ..." line for scripts and docs.
class summary {
public:
  /// A human-readable line, printed now.
  void line(const std::string& text);
  void add(const std::string& key, const std::string& value);
  void add(const std::string& key, std::uint64_t value);
  void add(const std::string& key, double value, int decimals);
  /// Prints the key=value line.
  void finish();

private:
  std::ostringstream values_;
};

/// The part of the summary every mode has: connection failures, the first problems seen, and
/// chat_load's own peak memory.
void summarise_connections(const fleet& f, const problem_log& problems, summary& out);

/// "12.3 k", "4.56 M": a count for people.
std::string human(double value);
/// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);

}  // namespace load
