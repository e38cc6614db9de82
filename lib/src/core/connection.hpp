// One framed TCP connection: the machinery a server session and a client share.
//
// - All socket work runs on the socket's executor, which must be a strand.
// - Reads go straight into the frame decoder; each complete frame goes to on_frame().
// - Writes: send() may be called from any thread. At most one write is in flight; when it
//   completes, everything queued meanwhile goes out as one gathered write. The queue (in flight
//   included) is bounded in bytes, greetings separately from the rest; overflowing either bound
//   closes the connection with errc::too_slow.
// - Closing is graceful: flush what is queued (plus an optional last frame), shut down the send
//   side, read and discard until the peer closes or a deadline passes, then close. Reading on
//   avoids a reset that could destroy the last frame before the peer reads it.
#pragma once

#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace chat::detail {

struct connection_limits {
  std::size_t max_frame = default_max_frame;
  std::size_t max_queue_bytes = 1024 * 1024;
  /// Separate bound for greetings (join replays, HISTORY answers): a long history must not
  /// push a member over max_queue_bytes, but a peer that never reads must not grow memory
  /// by joining again and again either.
  std::size_t max_greeting_bytes = 2 * 1024 * 1024;
  std::chrono::milliseconds close_timeout{2000};
};

class connection : public std::enable_shared_from_this<connection> {
public:
  using tcp = boost::asio::ip::tcp;

  connection(tcp::socket socket, const connection_limits& limits);
  virtual ~connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Starts the read loop. Call once, after the socket is connected. Any thread.
  void start();
  /// Which bound a frame counts against: max_queue_bytes or max_greeting_bytes.
  enum class charge { bounded, greeting };
  /// Queues a frame. False if the connection is closing, or if this frame overflowed its bound
  /// (the connection is then being closed with errc::too_slow). Any thread.
  bool send(shared_frame frame, charge how = charge::bounded);
  /// Whether frames that arrive after close_gracefully() still reach on_frame().
  enum class after_close { discard, receive };
  /// Flushes the queue, then `last` (may be null), then closes. Later sends are refused. Any thread.
  void close_gracefully(boost::system::error_code reason, shared_frame last = nullptr,
                        after_close incoming = after_close::discard);
  /// Closes at once, dropping whatever is queued. Any thread.
  void close_now(boost::system::error_code reason);

protected:
  tcp::socket& socket() noexcept { return socket_; }
  const boost::asio::any_io_executor& executor() noexcept { return socket_.get_executor(); }

  /// A complete frame. On the strand; not called once closing has begun.
  virtual void on_frame(frame_view frame) = 0;
  /// Closing has begun for `reason` (no more frames are accepted for sending). On the strand,
  /// at most once, before on_closed().
  virtual void on_closing(boost::system::error_code /*reason*/) {}
  /// The frame to send before closing because of `reason` (e.g. an ERROR); null for none.
  virtual shared_frame farewell_for(boost::system::error_code reason) = 0;
  /// Called once, on the strand, when the socket has been closed.
  virtual void on_closed(boost::system::error_code reason) = 0;

private:
  enum class state { open, closing, closed };

  void read_some();
  void on_read(boost::system::error_code ec, std::size_t n);
  void write_queued();
  void on_written(boost::system::error_code ec);
  /// Posts write_queued() unless a write is already in flight or posted. Releases `lock`.
  void schedule_write(std::unique_lock<std::mutex>& lock);
  void finish_close();
  void fail(boost::system::error_code reason);

  tcp::socket socket_;
  boost::asio::steady_timer close_timer_;
  frame_decoder decoder_;
  const connection_limits limits_;
  std::array<std::uint8_t, 4096> discard_{};  // reads land here once closing

  std::mutex mutex_;  // guards everything below
  state state_ = state::open;
  bool receive_while_closing_ = false;
  boost::system::error_code close_reason_;
  struct queued_frame {
    shared_frame frame;
    std::size_t charged;  // what it counts against its bound
    charge how;
  };
  void uncharge(const queued_frame& queued) noexcept;
  std::vector<queued_frame> queued_;
  std::vector<queued_frame> in_flight_;       // strand only
  std::vector<boost::asio::const_buffer> write_buffers_;  // strand only; reused across writes
  std::size_t queued_bytes_ = 0;    // bounded charges of queued_ and in_flight_
  std::size_t greeting_bytes_ = 0;  // greeting charges of queued_ and in_flight_
  bool write_scheduled_ = false;  // a write is in flight or posted
  bool send_side_shut_ = false;
};

}  // namespace chat::detail
