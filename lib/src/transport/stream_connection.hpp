// SPDX-License-Identifier: BSL-1.0
// A framed connection over a byte stream: the transport beneath a server session or a client.
//
// - All stream work runs on the stream's executor, which must be a strand; every member below
//   but the thread-safe outbox is touched only there.
// - Reads: wait until the stream is readable, read what is there into the thread's buffer
//   (transport/read_buffer.hpp), and hand each complete frame to on_frame() straight from it;
//   the decoder keeps only the bytes of a frame cut by the end of a read. An idle connection
//   holds no read buffer and no queue storage.
// - Flow control (when the limits set high-water marks): while the connection's own outgoing
//   queue is above a mark, its peer's frames are not handled and the stream is not read, so TCP
//   pushes back on a peer that sends faster than it reads; reading resumes below half the mark.
//   A peer that does not read at all still overflows the queue's bound and is cut off.
//   The derived class may also hold the peer's input (hold_input(), e.g. for flood control,
//   released by its own timer): frames wait, in order, the same way.
// - Writes: frames are queued in the outbox from any thread. At most one write is in flight;
//   when it completes, everything queued meanwhile goes out as one gathered write. Each write
//   is first tried at once (non-blocking); only the part the socket does not take waits.
// - Starting: the stream may need to set itself up first (the TLS handshake, stream_ops'
//   async_start); until it has, nothing is read or written, and closing closes at once.
// - Closing is graceful: flush what is queued (plus an optional last frame), shut down the send
//   side (stream_ops), read and discard until the peer closes or a deadline passes, then close.
//   Reading on avoids a reset that could destroy the last frame before the peer reads it.
//
// Stream is any Asio stream with stream_ops specialised for it: tcp::socket, and TLS
// (transport/tls_stream.hpp). The message transport, WebSocket, is websocket_connection
// (transport/websocket_connection.hpp): the same interface and hooks, whole frames from messages.
#pragma once

#include "transport/connection_limits.hpp"
#include "transport/outbox.hpp"
#include "transport/read_buffer.hpp"
#include "transport/stream_ops.hpp"

#include <chat/error.hpp>
#include <chat/frame_decoder.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <span>
#include <vector>

namespace chat::detail {

template <class Stream>
class stream_connection : public outbox_listener,
                          public std::enable_shared_from_this<stream_connection<Stream>> {
public:
  using stream_type = Stream;

  stream_connection(Stream stream, const connection_limits& limits, wire_codec codec)
      : stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        decoder_(limits.max_frame),
        close_timeout_(limits.close_timeout),
        out_(std::make_shared<outbox>(codec, limits.queue, std::weak_ptr<outbox_listener>{},
                                      limits.counters)) {}
  stream_connection(const stream_connection&) = delete;
  stream_connection& operator=(const stream_connection&) = delete;

  /// Where frames for the peer go; rooms hold it as the member. Any thread.
  const std::shared_ptr<outbox>& out() const noexcept { return out_; }

  /// Starts reading. Call once, when the stream is connected. Any thread.
  void start() {
    out_->listen(this->weak_from_this());
    boost::asio::post(executor(), [self = this->shared_from_this()] {
      stream_ops<Stream>::prepare(self->stream_);
      stream_ops<Stream>::async_start(self->stream_, [self](boost::system::error_code ec) {
        if (self->state_ == state::closed) return;
        if (ec) return self->fail(ec);
        self->started_ = true;
        if (self->state_ == state::open) self->read();
        // The writer woken meanwhile, which waited (there is only ever one writer).
        if (std::exchange(self->write_deferred_, false)) self->write();
      });
    });
  }

  /// Whether frames that arrive after close_gracefully() still reach on_frame().
  enum class after_close { discard, receive };
  /// Flushes the queue, then `last` (may be null), then closes. Any thread; runs at once when
  /// called on the strand.
  void close_gracefully(boost::system::error_code reason, shared_frame last = nullptr,
                        after_close incoming = after_close::discard) {
    boost::asio::dispatch(executor(), [self = this->shared_from_this(), reason,
                                       last = std::move(last), incoming]() mutable {
      self->begin_close(reason, std::move(last), incoming);
    });
  }
  /// Closes at once, dropping whatever is queued. Any thread.
  void close_now(boost::system::error_code reason) {
    boost::asio::post(executor(), [self = this->shared_from_this(), reason] { self->fail(reason); });
  }

protected:
  Stream& stream() noexcept { return stream_; }
  /// "ADDR:PORT" of the peer, for the log.
  std::string describe_peer() const { return stream_ops<Stream>::describe_peer(stream_); }
  /// "TCP", "TLS": for the log.
  static constexpr std::string_view transport_name() noexcept { return stream_ops<Stream>::transport_name; }
  auto executor() noexcept { return stream_.get_executor(); }
  /// The connection's one timer (each costs memory and, armed, a pending wait): the derived
  /// class's for its own deadlines while the connection is open. Closing takes it over for the
  /// close deadline, cancelling the derived class's wait, which must then not re-arm it.
  using timer_type = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                       boost::asio::wait_traits<std::chrono::steady_clock>,
                                                       typename Stream::executor_type>;
  timer_type& timer() noexcept { return timer_; }

  /// Stops handing frames to on_frame() (and reading the stream) until release_input(); the
  /// frames already received wait, in order. On the strand; may be called from on_frame().
  void hold_input() noexcept { held_ = true; }
  bool input_held() const noexcept { return held_; }
  /// Undoes hold_input(): reading resumes unless the outgoing queue holds it too. On the
  /// strand, not from on_frame().
  void release_input() {
    if (!std::exchange(held_, false)) return;
    if (paused_ && state_ != state::closed && !out_->above_high_water()) resume_reading();
  }
  /// The limit on the declared length of frames not yet begun. A read takes at most one frame
  /// of this size, so a held or paused connection keeps at most that much of its peer's input.
  void set_max_frame(std::size_t max_frame) noexcept { decoder_.set_max_frame(max_frame); }
  std::size_t max_frame() const noexcept { return decoder_.max_frame(); }

  // Hooks, each called on the strand.

  /// A complete frame; not called once closing has begun (unless after_close::receive).
  virtual void on_frame(frame_view frame) = 0;
  /// The stream lost its frame boundaries (frame_too_large, malformed_frame); no more frames
  /// are decoded. The connection should close (begin_close).
  virtual void on_stream_error(boost::system::error_code ec) = 0;
  /// The outbox overflowed: the peer does not read fast enough. The connection should close
  /// (begin_close) with errc::too_slow.
  virtual void on_overflow() = 0;
  /// Closing has begun for `reason`; at most once, before on_closed().
  virtual void on_closing(boost::system::error_code /*reason*/) {}
  /// Once, when the stream has been closed.
  virtual void on_closed(boost::system::error_code reason) = 0;

  /// Begins closing, on the strand.
  void begin_close(boost::system::error_code reason, shared_frame last,
                   after_close incoming = after_close::discard) {
    if (state_ != state::open) return;
    state_ = state::closing;
    if (!started_) {
      // Nothing can be sent before the stream is set up (a TLS handshake): close at once.
      close_reason_ = reason;
      out_->close(nullptr);
      on_closing(reason);
      return finish_close();
    }
    close_reason_ = reason;
    receive_while_closing_ = incoming == after_close::receive;
    held_ = false;
    if (std::exchange(paused_, false)) {
      // Read on: to discard until the peer's FIN, or to receive what follows.
      boost::asio::post(executor(), [self = this->shared_from_this()] { self->read(); });
    }
    out_->close(std::move(last));  // wakes the writer, which sends FIN once the queue is empty
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

  // Reads until the stream has nothing more, then waits for readability. Never called while
  // a wait is pending or reading is paused.
  void read() {
    for (int turn = 0; turn < max_reads_per_turn; ++turn) {
      if (state_ == state::closed || paused_) return;
      const auto buffer = thread_read_buffer();
      const std::size_t wanted = std::min(buffer.size(), frame_header_size + decoder_.max_frame());
      boost::system::error_code ec;
      const std::size_t n = stream_ops<Stream>::read_now(
          stream_, boost::asio::buffer(buffer.data(), wanted), ec);
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again)
        return wait_readable();
      if (ec) return on_read_error(ec);
      if (auto* counters = out_->counters()) metrics_counters::traffic::add(counters->local().bytes_in, n);
      std::span<const std::uint8_t> input(buffer.data(), n);
      if (receiving()) handle(input);  // otherwise closing: discarded
    }
    // A peer that keeps the stream full must not keep this thread to itself. (Not when the
    // last turn paused reading: resuming starts the next read, and there must be only one.)
    if (state_ != state::closed && !paused_)
      boost::asio::post(executor(), [self = this->shared_from_this()] { self->read(); });
  }

  void wait_readable() {
    stream_ops<Stream>::async_wait_readable(
        stream_, [self = this->shared_from_this()](boost::system::error_code ec) {
          if (ec) return self->on_read_error(ec);
          self->read();
        });
  }

  void on_read_error(boost::system::error_code ec) {
    // End of stream or a reset is the peer going away, expected once we are closing.
    const bool peer_closed =
        ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
    fail(peer_closed ? make_error_code(errc::connection_closed) : ec);
  }

  // Hands the frames in `input` (and any buffered before it) to on_frame(), one at a time,
  // until flow control pauses reading.
  void handle(std::span<const std::uint8_t> input) {
    while (receiving()) {
      if (held_ || out_->above_high_water()) {
        // Keep the rest: it is handled when the peer has read enough of what it was sent.
        decoder_.feed(input);
        paused_ = true;
        return;
      }
      auto next = decoder_.next(input);
      if (!next) {
        // The stream has no boundaries left: stop feeding the decoder, even after a BYE.
        receive_while_closing_ = false;
        on_stream_error(next.error());
        begin_close(next.error(), nullptr);  // in case the hook did not
        return;
      }
      if (!*next) return;
      on_frame(**next);
    }
  }

  void resume_reading() {
    paused_ = false;
    handle({});  // the frames kept when reading paused
    read();
  }

  // Writes what is queued until the queue is empty. A peer that keeps up takes each write at
  // once, so it is tried without an asynchronous operation first; only what the socket does
  // not take waits for it.
  void write() {
    if (!started_) {
      write_deferred_ = true;  // start() writes once the stream is set up
      return;
    }
    for (int turn = 0; turn < max_writes_per_turn; ++turn) {
      if (state_ == state::closed) return;
      if (!out_->take(in_flight_)) {
        // Drained: an idle connection keeps no write storage either.
        std::vector<outbox::queued_frame>().swap(in_flight_);
        std::vector<boost::asio::const_buffer>().swap(buffers_);
        if (state_ == state::closing && !send_side_shut_) {
          send_side_shut_ = true;  // everything is flushed: FIN, then read until the peer's FIN
          stream_ops<Stream>::shut_down_send(stream_, this->shared_from_this());
        }
        return;
      }
      buffers_.clear();
      for (const auto& queued : in_flight_)
        buffers_.emplace_back(queued.frame.data, queued.frame.size);
      boost::system::error_code ec;
      const std::size_t n = stream_ops<Stream>::write_now(stream_, buffers_, ec);
      if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
        out_->written(in_flight_);
        return fail(ec);
      }
      if (!consume(n)) return write_rest();
      on_written();
    }
    // A peer that keeps the queue full must not keep this thread to itself.
    boost::asio::post(executor(), [self = this->shared_from_this()] { self->write(); });
  }

  // What the stream did not take at once (buffers_) waits for it: all of it for TCP, a part
  // at a time for TLS.
  void write_rest() {
    stream_ops<Stream>::async_write(
        stream_, buffers_, [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec) {
            self->out_->written(self->in_flight_);
            return self->fail(ec);
          }
          if (!self->consume(n)) return self->write_rest();
          self->on_written();
          self->write();
        });
  }

  /// Drops the first `n` written bytes from buffers_; true if that was all of them.
  bool consume(std::size_t n) {
    std::size_t done = 0;
    while (done < buffers_.size() && n >= buffers_[done].size()) n -= buffers_[done++].size();
    if (done == buffers_.size()) return true;
    buffers_[done] += n;
    buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(done));
    return false;
  }

  void on_written() {
    if (auto* counters = out_->counters()) {
      std::uint64_t frames = 0, bytes = 0;
      for (const auto& queued : in_flight_) {
        frames += queued.frames;
        bytes += queued.frame.size;
      }
      auto& traffic = counters->local();
      metrics_counters::traffic::add(traffic.messages_out, frames);
      metrics_counters::traffic::add(traffic.bytes_out, bytes);
    }
    out_->written(in_flight_);
    if (paused_ && !held_ && out_->below_low_water()) resume_reading();
  }

  // An I/O error or the peer's FIN ends the connection.
  void fail(boost::system::error_code reason) {
    if (state_ == state::closed) return;
    if (state_ == state::open) close_reason_ = reason;
    finish_close();
  }

  void finish_close() {
    if (state_ == state::closed) return;
    state_ = state::closed;
    out_->discard();
    stream_ops<Stream>::close(stream_);
    timer_.cancel();
    on_closed(close_reason_);
  }

  static constexpr int max_reads_per_turn = 4;
  static constexpr int max_writes_per_turn = 16;

  Stream stream_;
  timer_type timer_;
  frame_decoder decoder_;
  const std::chrono::milliseconds close_timeout_;
  const std::shared_ptr<outbox> out_;
  std::vector<outbox::queued_frame> in_flight_;
  std::vector<boost::asio::const_buffer> buffers_;  // reused across writes
  state state_ = state::open;
  bool receive_while_closing_ = false;
  bool paused_ = false;  ///< Flow control: the peer's frames wait until its queue drains.
  bool held_ = false;    ///< The derived class holds the peer's frames (hold_input()).
  bool send_side_shut_ = false;
  bool started_ = false;  ///< stream_ops' async_start has completed: frames may flow.
  bool write_deferred_ = false;  ///< The writer was woken before started_.
  boost::system::error_code close_reason_;
};

}  // namespace chat::detail
