// The chat server: an acceptor, sessions and rooms on a pool of threads running one io_context.
//
// Thread-safety: start(), stop() and the destructor must not run concurrently with each other,
// and must not be called from a handler running on the server's own threads (stop() joins them).
// local_endpoint() and session_count() may be called from any thread.
#pragma once

#include <chat/protocol.hpp>
#include <chat/version.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace chat {

struct server_options {
  boost::asio::ip::address address = boost::asio::ip::make_address_v4("127.0.0.1");
  std::uint16_t port = 7777;           ///< 0 binds an ephemeral port; see local_endpoint().
  unsigned threads = 0;                ///< Size of the thread pool; 0 means one per core.
  std::size_t history = 100;           ///< Messages kept per room and replayed on join.
  std::size_t max_frame = default_max_frame;    ///< Limit on a client frame's declared length.
  std::size_t max_queue_bytes = 1024 * 1024;    ///< Per-connection send queue bound.
  /// How long a closing connection may take to flush; also bounds the graceful stop.
  std::chrono::milliseconds close_timeout{2000};
  /// How long a new connection may take to complete HELLO before it is closed; zero: forever.
  std::chrono::milliseconds handshake_timeout{30000};
  /// After this long without a frame from a client the server PINGs it; zero: never.
  std::chrono::milliseconds idle_timeout{90000};
  /// How long a PINGed client has to send something before it is dropped ("ping timeout").
  std::chrono::milliseconds ping_timeout{60000};
  std::size_t max_rooms_per_user = 64;  ///< JOINs beyond this are refused with too_many_rooms.
  /// Empty rooms whose history is kept for members coming back, and the most history they may
  /// hold together; beyond either, the longest-empty rooms are forgotten first.
  std::size_t retained_empty_rooms = 1024;
  std::size_t retained_history_bytes = 64 * 1024 * 1024;
  std::string server_info = std::string("libchat ") + version_string;  ///< Sent in WELCOME (at most max_info_bytes).
  /// Receives one line per event (connect, join, leave, error), without a timestamp. Called
  /// from the pool's threads, possibly concurrently: the function must be thread-safe.
  std::function<void(std::string_view)> log;
};

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
