// SPDX-License-Identifier: BSL-1.0
// A framed connection over WebSocket (docs/PROTOCOL.md 15): the message transport beneath a
// server session, with the same interface and rules as stream_connection, which runs byte
// streams.
//
// - Each binary message carries exactly one v2 frame; Beast (boost::beast::websocket) does the
//   RFC 6455 framing, masking, control frames and the closing handshake. A text message, or one
//   that is not exactly one whole frame, is a stream error (malformed_frame); a message longer
//   than 4 + the frame limit is refused by Beast before it is buffered (close code 1009).
// - All work runs on the stream's executor, a strand; only the outbox is touched elsewhere.
// - Reads: one message at a time into a buffer that is released again once it has grown past
//   a small frame (an idle connection then holds Beast's own small buffers and no frame).
// - Flow control and holding the input (flood control) are as in stream_connection: the
//   message in hand waits, and no further message is read, so TCP pushes back beneath the
//   WebSocket.
// - Writes: at most one in flight. Everything queued meanwhile is taken at once; Beast writes
//   each frame as one unfragmented binary message (a run of a room's frames in one buffer is cut
//   into its frames, without copying them).
// - Closing: flush the queue (plus an optional last frame), send Close 1000, read and discard
//   until the peer's Close (Beast's error::closed) or the close deadline, then close the socket.
#pragma once

#include "protocol/frame_length.hpp"
#include "transport/connection_limits.hpp"
#include "transport/outbox.hpp"
#include "transport/stream_ops.hpp"

#include <chat/codec.hpp>
#include <chat/error.hpp>
#include <chat/limits.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <chrono>
#include <span>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace chat::detail {

/// Largest read buffer kept between messages; beyond it, a message's buffer is released.
inline constexpr std::size_t websocket_kept_buffer = 4096;
/// The smallest write buffer Beast allows.
inline constexpr std::size_t minimum_write_buffer = 8;

template <class NextLayer>
class websocket_connection : public outbox_listener,
                             public std::enable_shared_from_this<websocket_connection<NextLayer>> {
public:
  using stream_type = boost::beast::websocket::stream<NextLayer>;

  /// `ws` has completed its opening handshake. `stream_owner` keeps alive what the stream
  /// needs beyond itself (the TLS context).
  websocket_connection(stream_type ws, const connection_limits& limits, wire_codec codec,
                       std::shared_ptr<const void> stream_owner = {})
      : stream_owner_(std::move(stream_owner)),
        ws_(std::move(ws)),
        timer_(ws_.get_executor()),
        max_frame_(limits.max_frame),
        close_timeout_(limits.close_timeout),
        out_(std::make_shared<outbox>(codec, limits.queue, std::weak_ptr<outbox_listener>{},
                                      limits.counters)) {}
  websocket_connection(const websocket_connection&) = delete;
  websocket_connection& operator=(const websocket_connection&) = delete;

  const std::shared_ptr<outbox>& out() const noexcept { return out_; }

  /// Starts reading. Call once. Any thread.
  void start() {
    out_->listen(this->weak_from_this());
    boost::asio::post(executor(), [self = this->shared_from_this()] {
      self->ws_.binary(true);
      self->ws_.auto_fragment(false);
      // Beast's write buffer serves masking, compression and fragmenting, none of which a
      // server's unfragmented messages use: the default 4 KiB per connection would go unused.
      self->ws_.write_buffer_bytes(minimum_write_buffer);
      self->ws_.read_message_max(frame_header_size + self->max_frame_);
      self->read();
    });
  }

  enum class after_close { discard, receive };
  void close_gracefully(boost::system::error_code reason, shared_frame last = nullptr,
                        after_close incoming = after_close::discard) {
    boost::asio::dispatch(executor(), [self = this->shared_from_this(), reason,
                                       last = std::move(last), incoming]() mutable {
      self->begin_close(reason, std::move(last), incoming);
    });
  }
  void close_now(boost::system::error_code reason) {
    boost::asio::post(executor(), [self = this->shared_from_this(), reason] { self->fail(reason); });
  }

protected:
  stream_type& stream() noexcept { return ws_; }
  auto executor() noexcept { return ws_.get_executor(); }
  using timer_type = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                       boost::asio::wait_traits<std::chrono::steady_clock>,
                                                       typename stream_type::executor_type>;
  timer_type& timer() noexcept { return timer_; }

  void hold_input() noexcept { held_ = true; }
  bool input_held() const noexcept { return held_; }
  void release_input() {
    if (!std::exchange(held_, false)) return;
    if (paused_ && state_ != state::closed && !out_->above_high_water()) resume_reading();
  }
  void set_max_frame(std::size_t max_frame) {
    max_frame_ = max_frame;
    ws_.read_message_max(frame_header_size + max_frame);
  }
  std::size_t max_frame() const noexcept { return max_frame_; }

  /// "ADDR:PORT" of the peer, for the log.
  std::string describe_peer() const {
    const auto& socket = boost::beast::get_lowest_layer(ws_);
    return stream_ops<std::decay_t<decltype(socket)>>::describe_peer(socket);
  }
  /// "WebSocket", "WebSocket over TLS": for the log.
  static constexpr std::string_view transport_name() noexcept {
    using socket_type = std::remove_cvref_t<boost::beast::lowest_layer_type<NextLayer>>;
    return std::is_same_v<NextLayer, socket_type> ? "WebSocket" : "WebSocket over TLS";
  }

  // Hooks, as stream_connection's, each called on the strand.
  virtual void on_frame(frame_view frame) = 0;
  virtual void on_stream_error(boost::system::error_code ec) = 0;
  virtual void on_overflow() = 0;
  virtual void on_closing(boost::system::error_code /*reason*/) {}
  virtual void on_closed(boost::system::error_code reason) = 0;

  void begin_close(boost::system::error_code reason, shared_frame last,
                   after_close incoming = after_close::discard) {
    if (state_ != state::open) return;
    state_ = state::closing;
    close_reason_ = reason;
    receive_while_closing_ = incoming == after_close::receive;
    held_ = false;
    if (std::exchange(paused_, false)) {
      // Read on: to discard until the peer's Close, or to receive what follows.
      boost::asio::post(executor(), [self = this->shared_from_this()] { self->resume_reading(); });
    }
    out_->close(std::move(last));  // wakes the writer, which sends Close once the queue is empty
    on_closing(reason);
    timer_.expires_after(close_timeout_);  // cancels a wait of the derived class
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->finish_close();
    });
  }

private:
  enum class state { open, closing, closed };

  void on_outbox_ready() override {
    boost::asio::post(executor(), [self = this->shared_from_this()] { self->write(); });
  }
  void on_outbox_overflow() override {
    boost::asio::post(executor(), [self = this->shared_from_this()] { self->on_overflow(); });
  }

  bool receiving() const noexcept {
    return state_ == state::open || (state_ == state::closing && receive_while_closing_);
  }

  // Reads the next message. At most one read is pending; none while a message waits.
  void read() {
    if (state_ == state::closed || reading_ || message_waiting_ || stream_failed_) return;
    reading_ = true;
    ws_.async_read(buffer_, [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->reading_ = false;
      self->on_read(ec);
    });
  }

  void on_read(boost::system::error_code ec) {
    if (state_ == state::closed) return;
    if (ec) return on_read_error(ec);
    if (!receiving()) {  // closing: discarded
      buffer_.clear();
      return read();
    }
    if (auto* counters = out_->counters())
      metrics_counters::traffic::add(counters->local().bytes_in, buffer_.size());
    if (!ws_.got_binary() || !holds_one_frame()) {
      buffer_.clear();
      return stream_failed(make_error_code(errc::malformed_frame));
    }
    message_waiting_ = true;
    deliver();
  }

  void on_read_error(boost::system::error_code ec) {
    namespace ws = boost::beast::websocket;
    if (ec == ws::error::message_too_big) {
      // Beast has sent Close 1009 and failed the stream: nothing more can be sent on it.
      stream_failed_ = true;
      receive_while_closing_ = false;
      on_stream_error(make_error_code(errc::frame_too_large));
      return fail(make_error_code(errc::frame_too_large));
    }
    // The peer's Close, its FIN or a reset is the peer going away, expected once we close.
    const bool peer_closed = ec == ws::error::closed || ec == boost::asio::error::eof ||
                             ec == boost::asio::error::connection_reset;
    fail(peer_closed ? make_error_code(errc::connection_closed) : ec);
  }

  // Whether the message in buffer_ is exactly one v2 frame within the frame limit.
  bool holds_one_frame() const noexcept {
    const auto size = buffer_.size();
    if (size < frame_header_size + 1) return false;
    const auto* p = static_cast<const std::uint8_t*>(buffer_.data().data());
    return declared_frame_length(p) == size - frame_header_size;
  }

  // A message that is not a frame: the stream's boundaries are lost, as for a byte stream.
  void stream_failed(boost::system::error_code ec) {
    receive_while_closing_ = false;
    on_stream_error(ec);
    begin_close(ec, nullptr);  // in case the hook did not
  }

  // Hands the waiting message to on_frame(), unless flow control or a hold keeps it.
  void deliver() {
    if (!message_waiting_) return read();
    if (!receiving()) {
      message_waiting_ = false;
      buffer_.clear();
      return read();
    }
    if (held_ || out_->above_high_water()) {
      paused_ = true;
      return;
    }
    message_waiting_ = false;
    const auto* p = static_cast<const std::uint8_t*>(buffer_.data().data());
    on_frame(frame_view{p[frame_header_size],
                        std::span<const std::uint8_t>(p + frame_header_size + 1,
                                                      buffer_.size() - frame_header_size - 1)});
    buffer_.clear();
    if (buffer_.capacity() > websocket_kept_buffer) buffer_.shrink_to_fit();
    read();
  }

  void resume_reading() {
    paused_ = false;
    deliver();
  }

  // Writes what is queued, one message per frame, until the queue is empty.
  void write() {
    if (writing_ || state_ == state::closed) return;
    if (next_ < frames_.size()) return write_next();
    if (!in_flight_.empty()) on_written();
    if (!out_->take(in_flight_)) {
      std::vector<outbox::queued_frame>().swap(in_flight_);
      std::vector<boost::asio::const_buffer>().swap(frames_);
      if (state_ == state::closing && !close_sent_) send_close();
      return;
    }
    frames_.clear();
    next_ = 0;
    for (const auto& queued : in_flight_) split_frames(queued.frame.data, queued.frame.size);
    write_next();
  }

  // A queued entry may hold a run of consecutive frames: one message each.
  void split_frames(const std::uint8_t* data, std::size_t size) {
    while (size >= frame_header_size) {
      const std::size_t whole = std::min(size, frame_header_size + declared_frame_length(data));
      frames_.emplace_back(data, whole);
      data += whole;
      size -= whole;
    }
  }

  void write_next() {
    if (next_ == frames_.size()) return write();
    writing_ = true;
    ws_.async_write(frames_[next_], [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) {
        self->out_->written(self->in_flight_);
        return self->fail(ec);
      }
      ++self->next_;
      self->write_next();
    });
  }

  void on_written() {
    if (auto* counters = out_->counters()) {
      std::uint64_t bytes = 0;
      for (const auto& frame : frames_) bytes += frame.size();
      auto& traffic = counters->local();
      metrics_counters::traffic::add(traffic.messages_out, frames_.size());
      metrics_counters::traffic::add(traffic.bytes_out, bytes);
    }
    out_->written(in_flight_);
    frames_.clear();
    next_ = 0;
    if (paused_ && !held_ && out_->below_low_water()) resume_reading();
  }

  void send_close() {
    close_sent_ = true;
    if (stream_failed_) return;
    writing_ = true;  // nothing is written after the Close
    ws_.async_close(boost::beast::websocket::close_code::normal,
                    [self = this->shared_from_this()](boost::system::error_code ec) {
                      // The read loop ends with the peer's Close (or the deadline).
                      if (ec) self->fail(ec);
                    });
    // Read on for the peer's Close, if no read is pending (a message kept waiting is dropped).
    message_waiting_ = false;
    buffer_.clear();
    read();
  }

  void fail(boost::system::error_code reason) {
    if (state_ == state::closed) return;
    if (state_ == state::open) close_reason_ = reason;
    finish_close();
  }

  void finish_close() {
    if (state_ == state::closed) return;
    state_ = state::closed;
    out_->discard();
    boost::system::error_code ignored;
    auto& socket = boost::beast::get_lowest_layer(ws_);
    socket.shutdown(socket.shutdown_both, ignored);
    socket.close(ignored);
    timer_.cancel();
    on_closed(close_reason_);
  }

  const std::shared_ptr<const void> stream_owner_;  // declared first: outlives the stream
  stream_type ws_;
  timer_type timer_;
  std::size_t max_frame_;
  const std::chrono::milliseconds close_timeout_;
  const std::shared_ptr<outbox> out_;
  boost::beast::flat_buffer buffer_;  // the message in hand
  std::vector<outbox::queued_frame> in_flight_;
  std::vector<boost::asio::const_buffer> frames_;  // in_flight_ cut into frames
  std::size_t next_ = 0;                           // the next of frames_ to write
  state state_ = state::open;
  bool receive_while_closing_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool message_waiting_ = false;  ///< buffer_ holds a frame not yet handed on.
  bool paused_ = false;           ///< Flow control or a hold keeps the waiting frame.
  bool held_ = false;
  bool close_sent_ = false;
  bool stream_failed_ = false;  ///< Beast failed the stream (message too big): it sends nothing more.
  boost::system::error_code close_reason_;
};

}  // namespace chat::detail
