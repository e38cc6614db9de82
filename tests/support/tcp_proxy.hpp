// SPDX-License-Identifier: BSL-1.0
// A TCP relay on 127.0.0.1 for tests that need a connection to drop while both ends stay up:
// clients connect to the proxy, which connects each to the target and copies bytes both ways.
// cut() closes every relayed connection at once, as a broken network would, and holds new
// ones until resume(). Runs its own thread; all members may be called from any thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace chat::test {

class tcp_proxy {
public:
  explicit tcp_proxy(std::uint16_t target_port);
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  std::uint16_t port() const { return port_; }
  /// Closes every relayed connection; connections accepted from now on wait for resume().
  void cut();
  /// Relays the waiting connections and every later one.
  void resume();

private:
  struct link;
  void accept();
  void relay(boost::asio::ip::tcp::socket client);

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  // io thread only:
  bool held_ = false;
  std::vector<boost::asio::ip::tcp::socket> waiting_;
  std::vector<std::weak_ptr<link>> links_;
  std::thread thread_;
};

}  // namespace chat::test
