// SPDX-License-Identifier: BSL-1.0
#include "admin/prometheus_text.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace chat {

const char* to_string(server_metrics::transport t) noexcept {
  switch (t) {
    case server_metrics::transport::tcp: return "tcp";
    case server_metrics::transport::tls: return "tls";
    case server_metrics::transport::websocket: return "websocket";
  }
  return "unknown";
}

const char* to_string(server_metrics::connection_state s) noexcept {
  switch (s) {
    case server_metrics::connection_state::http: return "http";
    case server_metrics::connection_state::awaiting_hello: return "awaiting_hello";
    case server_metrics::connection_state::registered: return "registered";
    case server_metrics::connection_state::closing: return "closing";
  }
  return "unknown";
}

const char* to_string(server_metrics::cut_off_reason r) noexcept {
  switch (r) {
    case server_metrics::cut_off_reason::too_slow: return "too_slow";
    case server_metrics::cut_off_reason::flooding: return "flooding";
    case server_metrics::cut_off_reason::handshake_timeout: return "handshake_timeout";
    case server_metrics::cut_off_reason::ping_timeout: return "ping_timeout";
  }
  return "unknown";
}

const char* to_string(server_metrics::refusal_reason r) noexcept {
  switch (r) {
    case server_metrics::refusal_reason::connection_limit: return "connection_limit";
    case server_metrics::refusal_reason::connect_rate: return "connect_rate";
  }
  return "unknown";
}

}  // namespace chat

namespace chat::detail {
namespace {

// Appends metric lines; every label value written here is one of the fixed names above or a
// number, so none needs escaping.
class exposition {
public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::uint64_t value) {
    out_ += name;
    out_ += ' ';
    number(value);
  }
  void sample(std::string_view name, std::string_view label, std::string_view value_of_label,
              std::uint64_t value) {
    labelled(name, label, value_of_label);
    number(value);
  }
  void sample(std::string_view name, std::string_view label1, std::string_view value1,
              std::string_view label2, std::string_view value2, std::uint64_t value) {
    out_ += name;
    out_ += '{';
    pair(label1, value1);
    out_ += ',';
    pair(label2, value2);
    out_ += "} ";
    number(value);
  }
  void seconds(std::string_view name, std::string_view label, std::string_view value_of_label,
               std::chrono::microseconds value) {
    labelled(name, label, value_of_label);
    // Microseconds as seconds, exactly: the integer part, then six decimals.
    const auto us = static_cast<std::uint64_t>(value.count() < 0 ? 0 : value.count());
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%06u", static_cast<unsigned>(us % 1000000));
    out_ += std::to_string(us / 1000000);
    out_ += fraction;
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

private:
  void labelled(std::string_view name, std::string_view label, std::string_view value) {
    out_ += name;
    out_ += '{';
    pair(label, value);
    out_ += "} ";
  }
  void pair(std::string_view label, std::string_view value) {
    out_ += label;
    out_ += "=\"";
    out_ += value;
    out_ += '"';
  }
  void number(std::uint64_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
    out_ += '\n';
  }
  std::string out_;
};

}  // namespace

std::string render_prometheus(const server_metrics& m) {
  using transport = server_metrics::transport;
  using state = server_metrics::connection_state;
  using cut_off = server_metrics::cut_off_reason;
  using refusal = server_metrics::refusal_reason;
  exposition e;

  e.family("chat_connections", "gauge", "Connections open, by transport and state.");
  for (std::size_t t = 0; t < server_metrics::transport_count; ++t)
    for (std::size_t s = 0; s < server_metrics::connection_state_count; ++s) {
      // Only the WebSocket port serves HTTP before a session: no always-zero series for others.
      if (static_cast<state>(s) == state::http && static_cast<transport>(t) != transport::websocket)
        continue;
      e.sample("chat_connections", "transport", to_string(static_cast<transport>(t)), "state",
               to_string(static_cast<state>(s)), m.connections[t][s]);
    }
  e.family("chat_rooms", "gauge", "Rooms with at least one member.");
  e.sample("chat_rooms", m.rooms);
  e.family("chat_room_members", "gauge", "Room memberships, summed over the rooms.");
  e.sample("chat_room_members", m.room_members);
  e.family("chat_detached_sessions", "gauge", "Resumable sessions whose connection was lost.");
  e.sample("chat_detached_sessions", m.detached_sessions);
  e.family("chat_history_bytes", "gauge", "Bytes of room history held, over every room.");
  e.sample("chat_history_bytes", m.history_bytes);
  e.family("chat_event_loop_lag_seconds", "gauge",
           "How late the event loop's probe timer last fired, per probe (one per pool thread).");
  for (std::size_t i = 0; i < m.event_loop.size(); ++i)
    e.seconds("chat_event_loop_lag_seconds", "thread", std::to_string(i), m.event_loop[i].last);
  e.family("chat_event_loop_lag_max_seconds", "gauge",
           "The largest lateness of the probe timer over the last 10 to 20 seconds, per probe.");
  for (std::size_t i = 0; i < m.event_loop.size(); ++i)
    e.seconds("chat_event_loop_lag_max_seconds", "thread", std::to_string(i), m.event_loop[i].max);

  e.family("chat_connections_accepted_total", "counter", "Connections accepted and admitted.");
  e.sample("chat_connections_accepted_total", m.connections_accepted);
  e.family("chat_refused_connections_total", "counter",
           "Connections refused as soon as they were accepted, by reason.");
  for (std::size_t r = 0; r < server_metrics::refusal_reason_count; ++r)
    e.sample("chat_refused_connections_total", "reason", to_string(static_cast<refusal>(r)), m.refused[r]);
  e.family("chat_cut_offs_total", "counter", "Connections the server ended itself, by reason.");
  for (std::size_t r = 0; r < server_metrics::cut_off_reason_count; ++r)
    e.sample("chat_cut_offs_total", "reason", to_string(static_cast<cut_off>(r)), m.cut_offs[r]);
  e.family("chat_messages_received_total", "counter", "Frames received from clients.");
  e.sample("chat_messages_received_total", m.messages_in);
  e.family("chat_messages_sent_total", "counter", "Frames written to clients.");
  e.sample("chat_messages_sent_total", m.messages_out);
  e.family("chat_received_bytes_total", "counter", "Bytes read from clients.");
  e.sample("chat_received_bytes_total", m.bytes_in);
  e.family("chat_sent_bytes_total", "counter", "Bytes written to clients.");
  e.sample("chat_sent_bytes_total", m.bytes_out);
  e.family("chat_deliveries_total", "counter", "Room MESSAGE frames handed to members' queues.");
  e.sample("chat_deliveries_total", m.deliveries);
  e.family("chat_queue_drops_total", "counter",
           "Frames not delivered because a member's queue was full or closed.");
  e.sample("chat_queue_drops_total", m.queue_drops);
  e.family("chat_log_lines_dropped_total", "counter", "Log lines dropped by a full log queue.");
  e.sample("chat_log_lines_dropped_total", m.log_lines_dropped);
  return e.take();
}

}  // namespace chat::detail
