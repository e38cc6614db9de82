// SPDX-License-Identifier: BSL-1.0
// One client's protocol state machine on the server (docs/PROTOCOL.md section 7), sans-io.
//
// No socket and no Asio: inputs are decoded client messages, framing failures, deadlines and
// the transport's notices; outputs are frames put into the client's member (its outbox), a
// deadline to be woken at, and a close request. A driver (server/session_driver.hpp) carries
// these out over any transport; tests drive the machine directly.
//
//   awaiting_hello --HELLO or RESUME ok--> registered --BYE / fatal error / timeout / shutdown /
//                                                       taken over--> closing
//   awaiting_hello --BYE / fatal error / handshake timeout / shutdown--> closing
//   closing --transport closed--> closed
//
// Thread-safety: none; one driver calls it, on one strand.
#pragma once

#include "session/flood_gate.hpp"
#include "session/log_budget.hpp"
#include "session/session_services.hpp"

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace chat::detail {

class server_session {
public:
  using clock = std::chrono::steady_clock;
  enum class state { awaiting_hello, registered, closing, closed };

  /// What the driver must do to end the connection.
  struct close_request {
    boost::system::error_code reason;  ///< Empty: the client said BYE.
    /// Sent before closing (an ERROR); empty for none.
    std::optional<msg::server::error> farewell;
  };

  /// `self` is how this client is reached (rooms and private messages hold it); `peer` is its
  /// "ADDR:PORT" and `transport` how it is connected ("TCP", "TLS"...), for the log.
  server_session(session_services& services, std::shared_ptr<member> self, std::string peer,
                 std::string_view transport = {});
  server_session(const server_session&) = delete;
  server_session& operator=(const server_session&) = delete;
  ~server_session();

  // Inputs.

  /// The connection is up at `now`: the handshake and keep-alive deadlines start.
  void start(clock::time_point now);
  /// A decoded message arrived.
  void on_message(const client_message& m, clock::time_point now);
  /// A frame arrived that did not decode (unknown or wrong-direction type, malformed, bad
  /// UTF-8): answered with ERROR, the session carries on.
  void on_undecodable(boost::system::error_code ec, clock::time_point now);
  /// The byte stream lost its frame boundaries (frame_too_large, malformed length): fatal.
  void on_stream_error(boost::system::error_code ec);
  /// The deadline (see deadline()) may have passed.
  void on_deadline(clock::time_point now);
  /// The server is stopping.
  void on_shutdown();
  /// The client's queue overflowed (it does not read fast enough).
  void on_too_slow();
  /// The transport has begun closing for `reason` (its queue takes nothing more): leave every
  /// room, free the name. Idempotent.
  void on_closing(boost::system::error_code reason);
  /// The transport has closed.
  void on_closed(boost::system::error_code reason);
  /// Another connection has taken this session over by RESUME (docs/PROTOCOL.md 7.19): its
  /// rooms and name are no longer this session's. Sends ERROR session_resumed and closes.
  void on_taken_over();

  /// How another thread reaches this session for on_taken_over(): the driver's function runs
  /// it on the connection's strand, and must not keep the session alive. Set before start().
  void set_takeover_notifier(std::function<void()> notify) { notify_takeover_ = std::move(notify); }

  // Outputs.

  state current_state() const noexcept { return state_; }
  /// When on_deadline() is next due; clock::time_point::max() for never.
  clock::time_point deadline() const noexcept;
  /// Flood control (flood_gate.hpp): while true, the driver must hand the session no frames;
  /// they wait, in order, until a deadline clears it.
  bool input_held() const noexcept { return hold_until_ != clock::time_point{}; }
  /// The limit on the declared length of the client's next frame: smaller before HELLO
  /// (max_frame_before_hello), so that a connection that never registers cannot make the
  /// server hold a large partial frame.
  std::size_t frame_limit() const noexcept {
    return welcomed_ ? options().max_frame : std::min(options().max_frame, max_frame_before_hello);
  }
  /// The close the driver must carry out, once; empty if none is due.
  std::optional<close_request> take_close() {
    if (!close_due_) return std::nullopt;
    close_due_ = false;
    return close_request{close_reason_, farewell_for(close_reason_)};
  }
  /// The registered name; empty before HELLO and after closing.
  const std::string& name() const noexcept { return name_; }
  /// The ERROR to send before closing for `reason` (a fatal error code), if any.
  std::optional<msg::server::error> farewell_for(boost::system::error_code reason) const;

private:
  /// The server's options in effect now (a reload takes effect at the session's next use).
  const server_options& options() const { return options_.get(services_.options); }

  void handle(const msg::client::hello& m);
  void handle(const msg::client::say& m);
  void handle(const msg::client::ping& m);
  void handle(const msg::client::bye& m);
  void handle(const msg::client::join& m);
  void handle(const msg::client::part& m);
  void handle(const msg::client::list& m);
  void handle(const msg::client::who& m);
  void handle(const msg::client::topic& m);
  void handle(const msg::client::private_message& m);
  void handle(const msg::client::nick& m);
  void handle(const msg::client::history& m);
  void handle(const msg::client::pong& m);
  void handle(const msg::client::cap& m);
  void handle(const msg::client::pass& m);
  void handle(const msg::client::resume& m);
  /// Charges flood control for `m` at `now`; false if the client is flooding (and closing).
  bool pace(const client_message& m, clock::time_point now);

  /// CAPS: the capabilities granted so far.
  void reply_caps();
  /// True (and the ERROR sent, the close requested) if the server needs a password this
  /// connection has not given.
  bool refused_for_password();
  /// The checks HELLO and RESUME share, in the order of PROTOCOL.md 7.3 and 7.19 up to the
  /// name's form: true (and the ERROR sent) if one fails.
  bool refused_registration(std::uint16_t version, const std::string& name);
  /// The session's rooms changed: a resumable session tells the resume registry.
  void rooms_changed();
  void join(const std::string& room_name, std::uint64_t after_id);
  /// The room `room_name` (as sent) if this session is in it; otherwise replies an ERROR.
  std::shared_ptr<room> joined_room(const std::string& room_name);
  /// The room `room_name` if it exists (has members); otherwise replies an ERROR.
  std::shared_ptr<room> existing_room(const std::string& room_name);
  void reply_error(boost::system::error_code ec, std::string text = {});
  /// Input arrived: the client is alive.
  void heard_from(clock::time_point now) noexcept;
  void request_close(boost::system::error_code reason);
  /// Leaves every room (the others get LEFT with `why`) and frees the name. Idempotent.
  void leave_and_release(std::string_view why);

  session_services& services_;
  options_view options_;
  const std::shared_ptr<member> self_;
  const std::string peer_;  // "address:port", for the log
  state state_ = state::awaiting_hello;
  bool close_due_ = false;  // close_reason_ (below) is to be carried out
  bool welcomed_ = false;   // a HELLO was accepted (stays true while closing)
  std::string name_;
  std::string bye_reason_;
  std::map<std::string, std::shared_ptr<room>> rooms_;  // by folded name
  bool resume_granted_ = false;  // CAP asked for "resume" and the server offers it
  bool password_given_ = false;  // a PASS with the server's password arrived
  std::string token_;            // the resume token while this session is resumable
  std::function<void()> notify_takeover_;
  clock::time_point handshake_deadline_ = clock::time_point::max();
  clock::time_point last_input_{};
  std::optional<clock::time_point> ping_deadline_;  // set while a PING awaits an answer
  // The close the driver must carry out (kept small: every connection has one).
  boost::system::error_code close_reason_;
  log_budget mistakes_logged_;  // the client's protocol mistakes, logged at a bounded rate
  flood_gate flood_;
  clock::time_point hold_until_{};  // input held until then; {}: not held
};

}  // namespace chat::detail
