// SPDX-License-Identifier: BSL-1.0
// What a chat::server is configured with. A plain value.
#pragma once

#include <chat/limits.hpp>
#include <chat/log_level.hpp>
#include <chat/log_record.hpp>
#include <chat/server_tls_options.hpp>
#include <chat/server_websocket_options.hpp>
#include <chat/version.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

/// server::reload() changes most members live; those it cannot (the listeners, threads, the
/// sizes of history, queues and frames) it keeps and reports (docs/OPERATIONS.md, "Reloading").
struct server_options {
  boost::asio::ip::address address = boost::asio::ip::make_address_v4("127.0.0.1");
  std::uint16_t port = 7777;           ///< 0 binds an ephemeral port; see local_endpoint().
  unsigned threads = 0;                ///< Size of the thread pool; 0 means one per core.
  std::size_t history = 100;           ///< Messages kept per room and replayed on join.
  /// Bytes of history kept per room (as heap memory, docs/PROTOCOL.md 12): beyond it, the room's
  /// oldest messages are forgotten. The default holds `history` (100) of the largest messages,
  /// so it bites only on a raised `history`; it is what one room may take of the budget below.
  std::size_t room_history_bytes = 2 * 1024 * 1024;
  /// Bytes of history kept in all, over every room, live or emptied: beyond it, the oldest
  /// messages of the largest rooms are forgotten first (a catch-up after them says *missed*).
  /// No client behaviour makes the server keep more history than this. See history_bytes().
  std::size_t history_budget_bytes = 256 * 1024 * 1024;
  std::size_t max_frame = default_max_frame;    ///< Limit on a client frame's declared length.
  std::size_t max_queue_bytes = 1024 * 1024;    ///< Per-connection send queue bound.
  /// How long a closing connection may take to flush; also bounds the graceful stop.
  std::chrono::milliseconds close_timeout{2000};
  /// How long a new connection may take to complete HELLO (over TLS: the handshake, then
  /// HELLO) before it is closed; zero: forever.
  std::chrono::milliseconds handshake_timeout{30000};
  /// After this long without a frame from a client the server PINGs it; zero: never.
  std::chrono::milliseconds idle_timeout{90000};
  /// How long a PINGed client has to send something before it is dropped ("ping timeout").
  std::chrono::milliseconds ping_timeout{60000};
  std::size_t max_rooms_per_user = 64;  ///< JOINs beyond this are refused with too_many_rooms.
  /// Connections open at once from one client address (an IPv4 address, an IPv6 /64); one
  /// more is sent ERROR too_many_connections and closed as soon as it is accepted. 0: no limit.
  std::size_t max_connections_per_ip = 16;
  /// Connections open at once in all; beyond it, the same. Kept below the process's descriptor
  /// limit, it lets the server always accept, answer and close rather than fail to accept
  /// (chatd sets it from RLIMIT_NOFILE). 0: no limit.
  std::size_t max_connections = 0;
  /// New connections accepted from one client address within connect_window; one more is
  /// refused like the above, until the window that began with the address's first connection
  /// has passed. 0: no limit.
  std::size_t max_connects_per_ip = 16;
  std::chrono::milliseconds connect_window{10000};
  /// Connections that have not completed HELLO, in all and per client address; beyond either
  /// a new connection is refused like the above. 0: no limit.
  std::size_t max_unregistered = 1024;
  std::size_t max_unregistered_per_ip = 8;
  /// Flood control (docs/PROTOCOL.md 7.20): a client may send flood_burst paced requests
  /// (SAY, PRIVATE, setting TOPIC, NICK, PART; a JOIN counts a quarter) at once, then
  /// flood_rate a second; what it sends faster waits, unread, and is handled in turn. Paced
  /// without a break for flood_disconnect_after, it is sent ERROR flooding and closed.
  /// flood_burst 0: no flood control; flood_disconnect_after 0: never disconnected for it.
  std::size_t flood_burst = 20;
  double flood_rate = 5.0;
  std::chrono::milliseconds flood_disconnect_after{30000};
  /// Empty rooms whose history is kept for members coming back, and the most history they may
  /// hold together; beyond either, the longest-empty rooms are forgotten first.
  std::size_t retained_empty_rooms = 1024;
  std::size_t retained_history_bytes = 64 * 1024 * 1024;
  /// A room with more members than this is *quiet* (docs/PROTOCOL.md 7.16): arrivals and
  /// departures are not announced to the other members (JOINED, LEFT) until it has fewer
  /// members than this again, so filling a room costs frames linear in its size, not
  /// quadratic. Newcomers still get their own JOINED, a PART its LEFT; WHO and LIST tell the
  /// members and the count. 0: no room is ever quiet.
  std::size_t quiet_joins_above = 200;
  /// The server password (docs/PROTOCOL.md 7.18): empty for none; otherwise 1-256 bytes of
  /// UTF-8, and every HELLO or RESUME must follow a PASS carrying it.
  std::string password;
  /// How long a session granted "resume" is kept after its connection is lost, for a RESUME
  /// to take it over (docs/PROTOCOL.md 7.19); zero: "resume" is not offered.
  std::chrono::milliseconds resume_grace{60000};
  /// Detached sessions kept at once, in all and per client address; a lost session beyond
  /// either ends at once.
  std::size_t max_detached_sessions = 1024;
  std::size_t max_detached_per_ip = 4;
  std::string server_info = std::string("libchat ") + version_string;  ///< Sent in WELCOME (at most max_info_bytes).
  /// Events above this level are not logged (nor formatted).
  chat::log_level log_level = chat::log_level::info;
  /// Receives one record per event (chat/log_record.hpp lists them: connected, closed,
  /// refused, ...), without a timestamp; the record's views last only for the call. Called from
  /// the pool's threads, possibly concurrently: the function must be thread-safe, and should not
  /// block (it runs on an I/O thread). server::reload() never replaces it.
  std::function<void(const chat::log_record&)> log;
  /// TLS: off unless a certificate is given; then a TLS listener next to the plain one, or
  /// instead of it (tls.only).
  server_tls_options tls;
  /// Browsers: WebSocket and the web client's files on a port of their own; off unless a port
  /// is given (wss:// when tls is enabled).
  server_websocket_options websocket;
  /// The admin endpoint (docs/OPERATIONS.md, "Metrics and health"): HTTP/1.1 on this address,
  /// GET /metrics (Prometheus text) and GET /healthz. Off unless set; port 0 binds an
  /// ephemeral port (see server::admin_endpoint()). It has no authentication: bind it to
  /// loopback or a private network.
  std::optional<boost::asio::ip::tcp::endpoint> admin;
  /// Reported by /metrics as chat_log_lines_dropped_total: how many log lines the program's
  /// log queue dropped (e.g. chat::log_queue's count). Called from any thread; may be empty.
  std::function<std::uint64_t()> log_lines_dropped;
};

}  // namespace chat
