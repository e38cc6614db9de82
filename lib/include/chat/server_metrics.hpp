// SPDX-License-Identifier: BSL-1.0
// What a chat::server is doing, at one moment: a plain value returned by server::metrics().
//
// Counters only grow over the server's life (reset by nothing); gauges are the value at the
// time of the snapshot. The counters are read one by one without a common lock, so two of them
// may be a few events apart from each other: fine for monitoring, not for accounting.
// Thread-safety: a plain value; copy and read it freely.
#pragma once

#include <chat/export.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace chat {

struct server_metrics {
  /// The listener a connection came through.
  enum class transport : std::uint8_t { tcp, tls, websocket };
  static constexpr std::size_t transport_count = 3;

  /// Where a connection stands. `http`: a connection to the WebSocket port that has not asked
  /// for a WebSocket (yet): it is loading the web client's files or being upgraded.
  /// `awaiting_hello`: not registered yet (a TLS handshake, then HELLO, or PASS before it).
  /// `registered`: HELLO (or RESUME) accepted. `closing`: flushing, saying goodbye.
  enum class connection_state : std::uint8_t { http, awaiting_hello, registered, closing };
  static constexpr std::size_t connection_state_count = 4;

  /// Why the server ended a connection itself (a client saying BYE or going away is not one).
  enum class cut_off_reason : std::uint8_t { too_slow, flooding, handshake_timeout, ping_timeout };
  static constexpr std::size_t cut_off_reason_count = 4;

  /// Why a connection was refused as soon as it was accepted. `connection_limit`: too many open
  /// (in all, from its address, or not yet registered: max_connections, max_connections_per_ip,
  /// max_unregistered, max_unregistered_per_ip); `connect_rate`: its address connected too
  /// often (max_connects_per_ip per connect_window).
  enum class refusal_reason : std::uint8_t { connection_limit, connect_rate };
  static constexpr std::size_t refusal_reason_count = 2;

  /// One event-loop probe: a timer that should fire every `interval`; how late it fired tells
  /// how long a ready handler waits for a thread. One probe per pool thread (with a pool of its
  /// own), one with a shared io_context.
  struct loop_lag {
    std::chrono::microseconds last{0};  ///< How late the probe's latest firing was.
    std::chrono::microseconds max{0};   ///< The largest lateness over the last 10 to 20 seconds.
  };

  // Gauges.
  /// Connections open now, by transport and state: [transport][connection_state].
  std::array<std::array<std::uint64_t, connection_state_count>, transport_count> connections{};
  std::uint64_t rooms = 0;             ///< Rooms with at least one member.
  std::uint64_t room_members = 0;      ///< Memberships, summed over the rooms.
  std::uint64_t detached_sessions = 0; ///< Resumable sessions whose connection was lost.
  std::uint64_t history_bytes = 0;     ///< As server::history_bytes().
  std::vector<loop_lag> event_loop;    ///< One per probe (zeros until start()).

  // Counters.
  std::uint64_t connections_accepted = 0;  ///< Admitted connections, all transports.
  std::uint64_t messages_in = 0;   ///< Frames received from clients (requests, one per frame).
  std::uint64_t messages_out = 0;  ///< Frames written to clients.
  std::uint64_t bytes_in = 0;      ///< Bytes read from clients (after TLS; WebSocket payload).
  std::uint64_t bytes_out = 0;     ///< Bytes written to clients (likewise).
  std::uint64_t deliveries = 0;    ///< MESSAGE frames of rooms handed to members' queues.
  /// Frames not delivered because a member's queue was full (cut off as too_slow) or closed
  /// (the connection closing, or a detached session's).
  std::uint64_t queue_drops = 0;
  std::array<std::uint64_t, cut_off_reason_count> cut_offs{};   ///< By cut_off_reason.
  std::array<std::uint64_t, refusal_reason_count> refused{};    ///< By refusal_reason.
  /// Log lines dropped by the embedding program's log queue (server_options::log_lines_dropped);
  /// 0 when that is not set.
  std::uint64_t log_lines_dropped = 0;

  std::uint64_t& connections_of(transport t, connection_state s) noexcept {
    return connections[static_cast<std::size_t>(t)][static_cast<std::size_t>(s)];
  }
  std::uint64_t connections_of(transport t, connection_state s) const noexcept {
    return connections[static_cast<std::size_t>(t)][static_cast<std::size_t>(s)];
  }
  std::uint64_t& cut_offs_of(cut_off_reason r) noexcept { return cut_offs[static_cast<std::size_t>(r)]; }
  std::uint64_t cut_offs_of(cut_off_reason r) const noexcept { return cut_offs[static_cast<std::size_t>(r)]; }
  std::uint64_t& refused_of(refusal_reason r) noexcept { return refused[static_cast<std::size_t>(r)]; }
  std::uint64_t refused_of(refusal_reason r) const noexcept { return refused[static_cast<std::size_t>(r)]; }
};

/// Label values as the admin endpoint writes them ("tcp", "awaiting_hello", "too_slow", ...).
CHAT_EXPORT const char* to_string(server_metrics::transport t) noexcept;
CHAT_EXPORT const char* to_string(server_metrics::connection_state s) noexcept;
CHAT_EXPORT const char* to_string(server_metrics::cut_off_reason r) noexcept;
CHAT_EXPORT const char* to_string(server_metrics::refusal_reason r) noexcept;

}  // namespace chat
