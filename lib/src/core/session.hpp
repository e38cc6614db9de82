// A server-side connection: the protocol's state machine for one client.
//
// Runs on its connection's strand. Before HELLO succeeds it has no name and is in no room;
// afterwards it has a name (which NICK may change) and is a member of any number of rooms,
// up to the server's limit, until it closes.
#pragma once

#include "core/connection.hpp"
#include "core/server_state.hpp"

#include <chat/room.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <string>

namespace chat::detail {

class session final : public connection, public participant {
public:
  session(tcp::socket socket, server_state& server);

  void deliver(const shared_frame& frames, delivery kind) override {
    send(frames, kind == delivery::greeting ? charge::greeting : charge::bounded);
  }

  /// Starts reading and the handshake and keep-alive timers. Call once, instead of start().
  void begin();
  /// Tells the client the server is stopping, then closes gracefully. Any thread.
  void shut_down();
  /// Drops the room references after the pool has stopped, breaking room <-> member cycles.
  void detach() noexcept { rooms_.clear(); }

private:
  void on_frame(frame_view frame) override;
  shared_frame farewell_for(boost::system::error_code reason) override;
  void on_closing(boost::system::error_code reason) override;
  void on_closed(boost::system::error_code reason) override;

  /// Leaves every room (the others get LEFT with `why`) and frees the name. Idempotent.
  void leave_and_release(std::string_view why);
  bool registered() const noexcept { return !name_.empty(); }
  /// The room `room_name` (as sent) if this session is in it; otherwise replies an ERROR.
  std::shared_ptr<room> joined_room(const std::string& room_name);
  /// The room `room_name` if it exists (has members); otherwise replies an ERROR.
  std::shared_ptr<room> existing_room(const std::string& room_name);
  void join(const std::string& room_name, std::uint64_t after_id);

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
  void reply_error(boost::system::error_code ec, std::string text = {});

  void wait_for_handshake();
  /// Arms the keep-alive timer for `when`: PING an idle client, drop one that stays silent.
  void watch_idle(std::chrono::steady_clock::time_point when);
  std::shared_ptr<session> self() { return std::static_pointer_cast<session>(shared_from_this()); }

  server_state& server_;
  boost::asio::steady_timer handshake_timer_;  // strand only
  boost::asio::steady_timer idle_timer_;       // strand only
  std::chrono::steady_clock::time_point last_input_;  // strand only
  bool ping_sent_ = false;                     // strand only: PINGed, waiting for input
  const std::string peer_;  // "address:port", for the log
  std::string name_;        // strand only; empty until HELLO succeeds, cleared when released
  std::string bye_reason_;  // strand only
  std::map<std::string, std::shared_ptr<room>> rooms_;  // strand only; by folded name
};

}  // namespace chat::detail
