// SPDX-License-Identifier: BSL-1.0
// Runs a server_session (the sans-io protocol state machine) over a transport.
//
// The driver is the small switch between the two: it decodes each frame and hands it to the
// session, carries out the session's close request, and keeps one timer armed for the
// session's next deadline. Everything here runs on the connection's strand.
#pragma once

#include "common/metrics_counters.hpp"
#include "server/connection_counter.hpp"
#include "server/session_set.hpp"
#include "session/server_session.hpp"
#include "transport/connection_limits.hpp"

#include <chat/error.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>
#include <utility>

namespace chat::detail {

template <class Stream> class stream_connection;
template <class Socket> class tls_stream;
template <class NextLayer> class websocket_connection;

/// The transport a Connection is counted under in the metrics.
template <class Connection>
inline constexpr auto metrics_transport_of = server_metrics::transport::tcp;
template <class Socket>
inline constexpr auto metrics_transport_of<stream_connection<tls_stream<Socket>>> =
    server_metrics::transport::tls;
template <class NextLayer>
inline constexpr auto metrics_transport_of<websocket_connection<NextLayer>> =
    server_metrics::transport::websocket;

/// Connection: stream_connection<Stream> (TCP, TLS) or websocket_connection<NextLayer>.
template <class Connection>
class session_driver final : public Connection, public live_session {
  using base = Connection;
  using clock = server_session::clock;

public:
  /// `owner` keeps `services`, `sessions` and the counter of `slot` alive for as long as the
  /// driver lives. `stream_args` go to the connection after its stream and limits.
  template <class... StreamArgs>
  session_driver(typename Connection::stream_type stream, std::shared_ptr<const void> owner,
                 session_services& services, session_set& sessions,
                 const connection_limits& limits, connection_slot slot, StreamArgs&&... stream_args)
      : base(std::move(stream), limits, wire_codec::v2, std::forward<StreamArgs>(stream_args)...),
        owner_(std::move(owner)),
        sessions_(sessions),
        slot_(std::move(slot)),
        gauge_(limits.counters, metrics_transport_of<Connection>,
               server_metrics::connection_state::awaiting_hello),
        session_(services, this->out(), this->describe_peer(), Connection::transport_name()) {
    this->set_max_frame(session_.frame_limit());
  }

  /// Starts reading and the session's deadlines. Call once.
  void begin() {
    // A RESUME on another connection takes this session over from another strand.
    session_.set_takeover_notifier([weak = std::weak_ptr<session_driver>(self())] {
      if (auto s = weak.lock())
        boost::asio::post(s->executor(), [s] {
          s->session_.on_taken_over();
          s->act();
        });
    });
    this->start();
    boost::asio::post(this->executor(), [self = self()] {
      self->session_.start(clock::now());
      self->act();
    });
  }

  void shut_down() override {
    boost::asio::dispatch(this->executor(), [self = self()] {
      self->session_.on_shutdown();
      self->act();
    });
  }

private:
  std::shared_ptr<session_driver> self() {
    return std::static_pointer_cast<session_driver>(this->shared_from_this());
  }

  void on_frame(frame_view frame) override {
    // Frames that waited out a flood-control hold count as arriving when it ended, however
    // late the timer ran: the server's own delay must not look like a pause of the client.
    const auto now = released_at_ ? *released_at_ : clock::now();
    if (auto* counters = gauge_.counters()) metrics_counters::traffic::add(counters->local().messages_in, 1);
    auto decoded = decode_client_message(frame);
    if (decoded)
      session_.on_message(*decoded, now);
    else
      session_.on_undecodable(decoded.error(), now);
    act();
  }
  void on_stream_error(boost::system::error_code ec) override {
    session_.on_stream_error(ec);
    act();
  }
  void on_overflow() override {
    session_.on_too_slow();
    act();
  }
  // Closing takes the timer over for its close deadline; the session has no deadline after.
  void on_closing(boost::system::error_code reason) override {
    gauge_.move_to(server_metrics::connection_state::closing);
    session_.on_closing(reason);
  }
  void on_closed(boost::system::error_code reason) override {
    session_.on_closed(reason);
    gauge_.release();
    // The descriptor is closed: the client's address may open another connection now, not
    // only when the last handler holding the driver lets it go.
    slot_.release();
    sessions_.remove(this);
  }

  /// Carries out what the session asked for after an input; `fired` is the deadline whose
  /// timer brought it, if one did.
  void act(std::optional<clock::time_point> fired = std::nullopt) {
    if (auto close = session_.take_close()) {
      count_cut_off(close->reason);
      shared_frame farewell;
      if (close->farewell) farewell = encode_for(this->out()->codec(), *close->farewell);
      this->begin_close(close->reason, std::move(farewell));
      return;
    }
    if (!registered_ && session_.current_state() == server_session::state::registered) {
      registered_ = true;
      this->set_max_frame(session_.frame_limit());
      slot_.registered();  // no longer counted against the limits on connections awaiting HELLO
      gauge_.move_to(server_metrics::connection_state::registered);
    }
    // Flood control holds the client's frames until the session's deadline clears it.
    if (session_.input_held()) {
      this->hold_input();
    } else if (this->input_held()) {
      released_at_ = fired;  // the frames handed on now are those that waited
      this->release_input();
      released_at_.reset();
    }
    const auto due = session_.deadline();
    if (due < armed_) arm(due);
  }

  // The server ending the connection itself, for the metrics.
  void count_cut_off(boost::system::error_code reason) noexcept {
    auto* counters = gauge_.counters();
    if (!counters || !reason) return;
    using why = server_metrics::cut_off_reason;
    if (reason == errc::too_slow)
      counters->cut_off(why::too_slow);
    else if (reason == errc::flooding)
      counters->cut_off(why::flooding);
    else if (reason == errc::handshake_timeout)
      counters->cut_off(why::handshake_timeout);
    else if (reason == errc::ping_timeout)
      counters->cut_off(why::ping_timeout);
  }

  void arm(clock::time_point due) {
    armed_ = due;
    if (due == clock::time_point::max()) return;
    this->timer().expires_at(due);
    this->timer().async_wait([self = self()](boost::system::error_code ec) {
      if (ec) return;  // re-armed, or taken over by closing
      const auto fired = std::exchange(self->armed_, clock::time_point::max());
      self->session_.on_deadline(clock::now());
      self->act(fired);
    });
  }

  const std::shared_ptr<const void> owner_;  // declared first: destroyed after the session
  session_set& sessions_;
  connection_slot slot_;
  connection_gauge gauge_;  // its transport and state in the metrics
  server_session session_;
  clock::time_point armed_ = clock::time_point::max();  // when the timer fires; max: not armed
  bool registered_ = false;
  std::optional<clock::time_point> released_at_;  // set while frames held back are handed on
};

}  // namespace chat::detail
