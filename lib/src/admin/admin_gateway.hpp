// SPDX-License-Identifier: BSL-1.0
// The admin endpoint (server_options::admin): HTTP/1.1 for monitoring. GET /metrics answers
// the Prometheus text of the server's metrics, GET /healthz "ok" (503 once the server is
// stopping); other paths 404, other methods 405. Bounded: a few connections at once (more are
// closed as accepted), small requests without a body, each read within a timeout.
//
// Thread-safety: open() before start(); start(), close() and endpoint() from any thread after.
// Lifetimes: the gateway's handlers and connections hold it by shared_ptr; `handlers` are
// called on the connections' strands, concurrently, and must be thread-safe.
#pragma once

#include "server/session_set.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace chat::detail {

struct admin_handlers {
  std::function<std::string()> metrics;  ///< The /metrics body.
  std::function<bool()> healthy;         ///< False once stopping: /healthz answers 503.
};

struct admin_limits {
  std::size_t max_connections = 8;
  std::size_t max_request_bytes = 4096;  ///< Request line and headers.
  std::chrono::milliseconds read_timeout{5000};  ///< For each request (and the idle gap before it).
  unsigned max_requests_per_connection = 1000;
};

class admin_gateway : public std::enable_shared_from_this<admin_gateway> {
public:
  admin_gateway(boost::asio::io_context& context, admin_handlers handlers, admin_limits limits = {});

  /// Binds and listens.
  boost::system::error_code open(const boost::asio::ip::tcp::endpoint& endpoint);
  /// The bound address (the actual port); default-constructed before open().
  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  /// Begins accepting.
  void start();
  /// Stops accepting and closes the open connections.
  void close();
  /// close() at once, when none of the gateway's handlers can run (its io_context stopped).
  void close_now();

private:
  friend class admin_connection;
  void accept();

  boost::asio::io_context& context_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on strand_
  boost::asio::steady_timer retry_;          // likewise: accepting again after an error
  boost::asio::ip::tcp::endpoint endpoint_;
  const admin_handlers handlers_;
  const admin_limits limits_;
  session_set connections_;
};

}  // namespace chat::detail
