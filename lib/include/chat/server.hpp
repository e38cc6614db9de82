// The chat server: an acceptor, sessions and rooms on a pool of threads running one io_context.
//
// Thread-safety: start(), stop() and the destructor must not run concurrently with each other,
// and must not be called from a handler running on the server's own threads (stop() joins them).
// local_endpoint() and session_count() may be called from any thread.
#pragma once

#include <chat/server_options.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

namespace chat {

class server {
public:
  explicit server(server_options options);
  /// Stops the server if it is running.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the pool. Errors: those of bind/listen (e.g. address in use);
  /// invalid_argument if max_frame or max_queue_bytes is below largest_valid_frame, or
  /// server_info is not UTF-8 of at most max_info_bytes.
  boost::system::error_code start();
  /// The bound address (with the actual port when options.port was 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// Identifies this run in WELCOME (random, fixed at construction): message ids from one
  /// run mean nothing in another.
  std::uint64_t server_id() const noexcept;
  /// Graceful stop: stops accepting, sends every member ERROR server_shutting_down, lets queues
  /// flush for up to close_timeout, closes everything and joins the threads. Idempotent.
  void stop();
  /// Connections currently open.
  std::size_t session_count() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace chat
