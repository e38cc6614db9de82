// SPDX-License-Identifier: BSL-1.0
// Test helpers: a server on 127.0.0.1 port 0, and a client that records what it receives and
// lets a test wait for it with a deadline (never a sleep).
#pragma once

#include <chat/client.hpp>
#include <chat/server.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <ostream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace chat {
/// Lets BOOST_TEST print chat::errc operands (found by argument-dependent lookup).
inline std::ostream& operator<<(std::ostream& out, errc e) { return out << make_error_code(e); }
}  // namespace chat

namespace chat::test {

using namespace std::chrono_literals;
inline constexpr std::chrono::seconds default_deadline{20};

/// A chat::server on 127.0.0.1, ephemeral port, 4 threads, started in the constructor.
class test_server {
public:
  explicit test_server(server_options options = {});
  std::uint16_t port() const { return instance.local_endpoint().port(); }
  /// What a test_server made with `o` runs with (the base for a reload that changes nothing else).
  static server_options for_test(server_options o);
  chat::server instance;
};

/// An io_context with `threads` threads for clients; stops and joins in the destructor.
class client_pool {
public:
  explicit client_pool(unsigned threads = 1);
  ~client_pool();
  boost::asio::io_context io;

private:
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

/// Waits until `condition` holds, looking again every millisecond; false at the deadline. For
/// state with no event to wait on (a server's session count).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = default_deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Matches an ERROR frame carrying `code`.
inline std::function<bool(const msg::server::error&)> error_with(errc code) {
  return [code](const msg::server::error& e) { return e.code == std::uint16_t(code); };
}

class recording_client {
public:
  explicit recording_client(client_pool& pool, client_options options = {});

  /// Connects to 127.0.0.1:port; fails the test if that does not finish by the deadline.
  boost::system::error_code connect(std::uint16_t port);
  /// HELLO; the WELCOME or the error. With a room, the join's greeting follows to received().
  boost::system::result<msg::server::welcome> hello(const std::string& name, const std::string& room = {});
  /// RESUME of the session `token` names (client::async_resume); the WELCOME or the error.
  boost::system::result<msg::server::welcome> resume(const std::string& name, const std::string& token);
  /// HELLO as a name whose previous owner has just left: the server frees a name right after it
  /// announces LEFT, on another thread, so name_taken is retried a bounded number of times.
  boost::system::result<msg::server::welcome> hello_once_free(const std::string& name,
                                                      const std::string& room = {});
  /// connect + HELLO joining `room` (none if empty), requiring success; when a room is joined,
  /// waits for the end of its greeting.
  msg::server::welcome connect_and_hello(std::uint16_t port, const std::string& name,
                                 const std::string& room = "lobby");
  /// JOIN, requiring the greeting's END by the deadline; returns it.
  msg::server::end join(const std::string& room, std::uint64_t after_id = 0);
  /// Waits for the END answering `request` about `room` (the n-th such, counting from 1).
  std::optional<msg::server::end> wait_for_end(client_message_type request, const std::string& room,
                                       std::size_t nth = 1);

  /// Waits until `done(received)` holds. False at the deadline.
  bool wait_until(const std::function<bool(const std::vector<server_message>&)>& done,
                  std::chrono::milliseconds deadline = default_deadline);
  /// Waits for a message of type T satisfying `match`; returns it, or nullopt at the deadline.
  template <class T>
  std::optional<T> wait_for(const std::function<bool(const T&)>& match = [](const T&) { return true; },
                            std::chrono::milliseconds deadline = default_deadline) {
    std::optional<T> found;
    wait_until(
        [&](const std::vector<server_message>& all) {
          for (const auto& m : all)
            if (auto* t = std::get_if<T>(&m); t && match(*t)) {
              found = *t;
              return true;
            }
          return false;
        },
        deadline);
    return found;
  }
  /// Sends PING `token` and requires its PONG: every request sent before has been answered.
  void sync(std::uint64_t token);
  /// Waits for the connection to end and returns why; fails the test at the deadline.
  boost::system::error_code wait_closed(
      std::chrono::milliseconds deadline = default_deadline);

  std::vector<server_message> received() const;
  /// The MESSAGEs received, in order; with a target, only those to that room or user.
  std::vector<msg::server::message> chat_messages(const std::string& target = {}) const;
  /// Messages of type T received so far, in order.
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& m : received())
      if (auto* t = std::get_if<T>(&m)) out.push_back(*t);
    return out;
  }
  chat::client& api() { return client_; }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<server_message> received_;
  std::optional<boost::system::error_code> closed_;
  chat::client client_;
};

}  // namespace chat::test
