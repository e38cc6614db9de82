// SPDX-License-Identifier: BSL-1.0
// One chat_load client connection: a raw TCP socket speaking just enough of protocol v2.
//
// It connects, sends HELLO (no room), answers WELCOME with one JOIN and is *ready* at that
// JOIN's END. Afterwards it answers the server's PING and hands live MESSAGEs to its worker's
// mode (connection_events). chat::client would do all this too, but decodes every frame into
// strings and tracks requests; at millions of deliveries a second on the chatd's own machine the
// load generator has to cost much less than the server it measures.
//
// Reading waits for readability and then reads into the worker's one large buffer (many KiB per
// system call), so a connection keeps only the bytes of a frame split across reads: 15 000 idle
// connections cost little more than their sockets.
//
// Thread-safety: none; a connection lives on its worker's thread, as do all its handlers.
#pragma once

#include "load/wire.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace load {

class worker;
class connection;

/// What a mode does with its connections; one per worker, called on the worker's thread.
class connection_events {
public:
  virtual ~connection_events() = default;
  /// The JOIN's greeting has ended: the connection is a member of its room.
  virtual void on_ready(connection&) {}
  /// A live (not history) MESSAGE; `now_ns` is when the read that brought it returned.
  virtual void on_message(connection&, const message_fields&, std::uint64_t /*now_ns*/) {}
  /// Everything queued in output() has been written.
  virtual void on_writable(connection&) {}
  /// The connection has closed (for whatever reason).
  virtual void on_closed(connection&) {}
  /// The run is ending (worker::finish): stop timers, send nothing more.
  virtual void on_finish() {}
};

class connection {
public:
  // ending: BYE sent, or a fatal ERROR received; the server closes the connection next.
  enum class state { idle, connecting, hello_sent, joining, ready, ending, closed };

  connection(worker& owner, std::uint32_t index, std::uint32_t slot, std::string name,
             std::string room);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Connects to `server`, then HELLO, JOIN, END (see the top of the file).
  void start(const boost::asio::ip::tcp::endpoint& server);

  /// Frames to write: append to it, then flush().
  std::vector<std::uint8_t>& output() noexcept { return out_; }
  /// Starts writing output() unless a write is in progress (its completion writes what was added).
  void flush();
  bool writing() const noexcept { return writing_; }

  /// Sends BYE; the connection closes when the server closes it (so TIME_WAIT stays on the
  /// server's side and repeated runs do not use up this host's ephemeral ports).
  void bye();
  /// Closes at once (end of a run, or a connection that is still connecting).
  void close_now() { close("", {}); }

  state current() const noexcept { return state_; }
  bool is_open() const noexcept { return state_ != state::idle && state_ != state::closed; }
  /// Index among all the run's connections (names are "<prefix><index>").
  std::uint32_t index() const noexcept { return index_; }
  /// Index among the worker's connections.
  std::uint32_t slot() const noexcept { return slot_; }
  const std::string& room() const noexcept { return room_; }

private:
  void on_connected(const boost::system::error_code& ec);
  void wait_readable();
  void on_readable();
  /// Handles every complete frame in `data`, keeping the bytes of an incomplete one; false once
  /// the connection has closed.
  bool consume(bytes_view data, std::uint64_t now_ns);
  bool length_ok(std::size_t length);
  /// One frame; false once the connection has closed.
  bool handle_frame(std::uint8_t type, bytes_view body, std::uint64_t now_ns);
  void handle_error_frame(bytes_view body);
  void start_write();
  /// Closes the socket; `problem` non-empty: a failure to count and log (kind: message).
  void close(std::string_view problem, const std::string& detail);

  worker& worker_;
  boost::asio::ip::tcp::socket socket_;
  const std::uint32_t index_;
  const std::uint32_t slot_;
  const std::string name_;
  const std::string room_;
  state state_ = state::idle;
  bool writing_ = false;
  std::vector<std::uint8_t> carry_;    // the start of a frame the last read split
  std::vector<std::uint8_t> out_;      // queued while a write is in progress
  std::vector<std::uint8_t> writing_buffer_;
};

}  // namespace load
