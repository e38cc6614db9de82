// SPDX-License-Identifier: BSL-1.0
// The chat server: an acceptor, sessions and rooms, on an io_context of its own or of the
// program that embeds it.
//
// Two ways to run it:
// - server(options): the server owns an io_context and a pool of options.threads threads,
//   started by start() and joined by stop().
// - server(context, options): the server runs on the caller's io_context and starts no
//   threads; the caller runs the context (on one thread or several) next to its own work.
//   Stop it with async_stop(), which completes once every client has been told and closed.
//
// Thread-safety: start(), stop(), async_stop() and the destructor must not run concurrently
// with each other. With its own pool, stop() and the destructor must not be called from a
// handler running on the server's threads (stop() joins them). local_endpoint(),
// tls_endpoint(), websocket_endpoint(), admin_endpoint(), server_id(), session_count(),
// history_bytes(), metrics(), reload() and reload_tls() may be called from any thread (reload()
// and reload_tls() once start() has returned; two reloads run one after the other). A reload
// never blocks the server's threads beyond a few brief locks, and never drops a connection or
// a queued message.
//
// Lifetimes: with a shared io_context, the state the sessions share lives until the last of
// them has finished, even if the server object is destroyed first; destroying the server
// begins a stop, as stop() does. Destroy or stop the io_context only after async_stop() has
// completed if the clients are to be told the server is stopping.
#pragma once

#include <chat/export.hpp>
#include <chat/reload_result.hpp>
#include <chat/server_metrics.hpp>
#include <chat/server_options.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>

namespace chat {

class CHAT_EXPORT server {
public:
  /// A server on a pool of its own (options.threads threads; 0: one per core).
  explicit server(server_options options);
  /// A server on `context`, which must outlive the server's sessions (see Lifetimes above);
  /// options.threads is ignored.
  server(boost::asio::io_context& context, server_options options);
  /// Stops the server if it is running (with a shared io_context: begins the stop).
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and (with its own pool) starts the threads. Errors: those of bind/listen
  /// of any listener, options.admin's included (e.g. address in use); those of loading options.tls's certificate and key (also logged,
  /// naming the file); invalid_argument if max_frame is below largest_valid_frame,
  /// max_queue_bytes below twice (largest_valid_frame + 132), max_rooms_per_user is 0,
  /// server_info is not UTF-8 of at most max_info_bytes, a TLS certificate is given without a
  /// key, or tls.only without a certificate; operation_in_progress if already started or
  /// stopped.
  boost::system::error_code start();
  /// The bound address (with the actual port when options.port was 0): the plain listener's,
  /// or with options.tls.only the TLS listener's.
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// The TLS listener's address; default-constructed (port 0) when there is none.
  boost::asio::ip::tcp::endpoint tls_endpoint() const;
  /// The WebSocket listener's address (options.websocket); default-constructed when none.
  boost::asio::ip::tcp::endpoint websocket_endpoint() const;
  /// The admin endpoint's address (options.admin); default-constructed (port 0) when none.
  boost::asio::ip::tcp::endpoint admin_endpoint() const;

  /// Puts `next` in effect where it can be, live (docs/OPERATIONS.md, "Reloading"). `next` is
  /// checked whole first, as start() checks its options, and with TLS in `next` its
  /// certificate and key are loaded: on any error nothing changes, the error is returned in
  /// reload_result::error and logged (event reload_rejected). Otherwise every changed member
  /// that can change live is applied and named in `applied`; changed members that cannot
  /// (the listeners' address and ports, threads, tls.only, turning TLS or WebSocket on or off,
  /// the sizes of history, queues and frames, close_timeout) are named in `kept` and keep their
  /// values. The log sink (options.log) is never replaced. With TLS on, the certificate and
  /// key are always read again (the files may have new contents): connections accepted from
  /// now on use them, those open keep theirs. Open connections are never dropped: limits
  /// apply to connections accepted from now on (a lowered max_connections refuses new ones
  /// only), a new password to clients that have not yet given theirs, timeouts from each
  /// connection's next deadline, flood control from its next request, resume_grace to
  /// sessions detached from now on. Logged as event "reloaded".
  reload_result reload(server_options next);
  /// Reads the current options' tls certificate and key files again; connections accepted
  /// from now on use them, those open keep theirs. On an error (a file missing, unreadable, or
  /// a key that does not match) the certificate in use stays and the error is returned and
  /// logged; invalid_argument when the server has no TLS. reload() does this too.
  boost::system::error_code reload_tls();
  /// Identifies this run in WELCOME (random, fixed at construction): message ids from one
  /// run mean nothing in another.
  std::uint64_t server_id() const noexcept;

  /// Graceful stop: stops accepting, sends every client ERROR server_shutting_down, lets
  /// queues flush for up to close_timeout and closes everything. The admin endpoint answers
  /// /healthz with 503 meanwhile and closes with the last connection. With its own pool it then
  /// joins the threads and returns; with a shared io_context it only begins the stop (use
  /// async_stop() to learn when it is done). Idempotent.
  void stop();

  /// The graceful stop of stop(), completing when every connection has closed, or when
  /// close_timeout (and a short margin) has passed with some still open. With its own pool,
  /// the threads keep running until stop() or the destructor joins them.
  /// Completion signature: void(). The handler runs through its associated executor
  /// (by default the server's io_context); never inside this call. A second call, or a
  /// call before start(), completes at once.
  template <class CompletionToken>
  auto async_stop(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void()>(
        [this](auto handler) { start_stop(std::move(handler)); }, token);
  }

  /// Connections currently open.
  std::size_t session_count() const;
  /// Bytes of room history held now, over every room (at most history_budget_bytes).
  std::size_t history_bytes() const;
  /// A snapshot of the server's gauges and counters (what GET /metrics on the admin endpoint
  /// renders). Any thread; cheap enough to call every second: it takes the rooms' locks one
  /// by one to count their members, and no lock of any connection.
  server_metrics metrics() const;

private:
  struct impl;
  void start_stop(boost::asio::any_completion_handler<void()> handler);

  std::unique_ptr<boost::asio::io_context> own_pool_;  // null with a shared io_context
  std::shared_ptr<impl> impl_;  // shared with its pending handlers
};

}  // namespace chat
