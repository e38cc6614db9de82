// A server-side connection: the protocol's state machine for one client.
//
// Runs on its connection's strand. Before HELLO succeeds it is not in any room; afterwards it
// is a participant of exactly one room until it closes.
#pragma once

#include "core/connection.hpp"
#include "core/server_state.hpp"

#include <chat/room.hpp>

#include <boost/asio/steady_timer.hpp>

#include <string>

namespace chat::detail {

class session final : public connection, public participant {
public:
  session(tcp::socket socket, server_state& server);

  const std::string& name() const noexcept override { return name_; }
  void deliver(const shared_frame& frames, delivery kind) override {
    send(frames, kind == delivery::greeting ? charge::exempt : charge::bounded);
  }

  /// Starts reading and the handshake timer. Call once, instead of connection::start().
  void begin();
  /// Tells the client the server is stopping, then closes gracefully. Any thread.
  void shut_down();
  /// Drops the room reference after the pool has stopped, breaking the room <-> member cycle.
  void detach() noexcept { room_.reset(); }

private:
  void on_frame(frame_view frame) override;
  shared_frame farewell_for(boost::system::error_code reason) override;
  void on_closing(boost::system::error_code reason) override;
  void on_closed(boost::system::error_code reason) override;

  /// Leaves the room (the others get LEFT) and frees the name. Idempotent; on the strand.
  void leave_and_release(std::string_view why);

  void handle(const msg::hello& m);
  void handle(const msg::say& m);
  void handle(const msg::ping& m);
  void handle(const msg::bye& m);
  void reply_error(boost::system::error_code ec, std::string text = {});
  std::shared_ptr<session> self() { return std::static_pointer_cast<session>(shared_from_this()); }

  server_state& server_;
  boost::asio::steady_timer handshake_timer_; // strand only
  const std::string peer_;     // "address:port", for the log
  std::string name_;           // set before joining; cleared when released
  std::shared_ptr<room> room_; // strand only
};

}  // namespace chat::detail
