#include "core/connection.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <utility>

namespace chat::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::size_t read_chunk = 16 * 1024;
// What a queued frame costs beyond its bytes (control block, vector, queue slot), so a flood
// of tiny frames is bounded by real memory, not by payload alone.
constexpr std::size_t per_frame_overhead = 128;
}

connection::connection(tcp::socket socket, const connection_limits& limits)
    : socket_(std::move(socket)),
      close_timer_(socket_.get_executor()),
      decoder_(limits.max_frame),
      limits_(limits) {}

void connection::start() {
  asio::post(executor(), [self = shared_from_this()] { self->read_some(); });
}

void connection::read_some() {
  bool discarding = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ == state::closed) return;
    discarding = state_ == state::closing && !receive_while_closing_;
  }
  asio::mutable_buffer buffer = asio::buffer(discard_);
  if (!discarding) {
    const auto space = decoder_.prepare(read_chunk);
    buffer = asio::buffer(space.data(), space.size());
  }
  socket_.async_read_some(buffer, [self = shared_from_this(), discarding](error_code ec, std::size_t n) {
    if (!discarding && !ec) self->decoder_.commit(n);
    self->on_read(ec, n);
  });
}

void connection::on_read(error_code ec, std::size_t) {
  if (ec) {
    // End of stream or a reset is the peer going away, expected once we are closing.
    const bool peer_closed = ec == asio::error::eof || ec == asio::error::connection_reset;
    fail(peer_closed ? make_error_code(errc::connection_closed) : ec);
    return;
  }
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (state_ == state::closed || (state_ == state::closing && !receive_while_closing_)) break;
    }
    auto next = decoder_.next();
    if (!next) {
      {
        // The stream has no boundaries left: stop feeding the decoder, even after a BYE.
        std::lock_guard lock(mutex_);
        receive_while_closing_ = false;
      }
      close_gracefully(next.error(), farewell_for(next.error()));
      break;
    }
    if (!*next) break;
    on_frame(**next);
  }
  read_some();
}

bool connection::send(shared_frame frame, charge how) {
  const std::size_t cost = frame->size() + per_frame_overhead;
  std::unique_lock lock(mutex_);
  if (state_ != state::open) return false;
  const bool greeting = how == charge::greeting;
  std::size_t& used = greeting ? greeting_bytes_ : queued_bytes_;
  if (used + cost > (greeting ? limits_.max_greeting_bytes : limits_.max_queue_bytes)) {
    lock.unlock();
    const auto reason = make_error_code(errc::too_slow);
    close_gracefully(reason, farewell_for(reason));
    return false;
  }
  used += cost;
  queued_.push_back({std::move(frame), cost, how});
  schedule_write(lock);
  return true;
}

void connection::uncharge(const queued_frame& queued) noexcept {
  (queued.how == charge::greeting ? greeting_bytes_ : queued_bytes_) -= queued.charged;
}

void connection::schedule_write(std::unique_lock<std::mutex>& lock) {
  const bool already = std::exchange(write_scheduled_, true);
  lock.unlock();
  if (!already) asio::post(executor(), [self = shared_from_this()] { self->write_queued(); });
}

void connection::write_queued() {
  std::unique_lock lock(mutex_);
  if (state_ == state::closed) return;
  if (queued_.empty()) {
    write_scheduled_ = false;
    if (state_ == state::closing && !send_side_shut_) {
      // Everything is flushed: send FIN, then read until the peer's FIN or the deadline.
      send_side_shut_ = true;
      lock.unlock();
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
    }
    return;
  }
  in_flight_.swap(queued_);
  lock.unlock();

  write_buffers_.clear();
  for (const auto& queued : in_flight_) write_buffers_.emplace_back(asio::buffer(*queued.frame));
  asio::async_write(socket_, write_buffers_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->on_written(ec);
  });
}

void connection::on_written(error_code ec) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& queued : in_flight_) uncharge(queued);
    in_flight_.clear();
  }
  if (ec) {
    fail(ec);
    return;
  }
  write_queued();
}

void connection::close_gracefully(error_code reason, shared_frame last, after_close incoming) {
  std::unique_lock lock(mutex_);
  if (state_ != state::open) return;
  state_ = state::closing;
  close_reason_ = reason;
  receive_while_closing_ = incoming == after_close::receive;
  if (reason == errc::too_slow) {
    // The queued frames are what the peer cannot take; only the farewell still goes out.
    for (const auto& queued : queued_) uncharge(queued);
    queued_.clear();
  }
  if (last) queued_.push_back({std::move(last), 0, charge::bounded});  // beyond the bound: it is the last one
  schedule_write(lock);  // the write loop sends FIN once the queue is empty
  asio::post(executor(), [self = shared_from_this()] {
    error_code why;
    {
      std::lock_guard guard(self->mutex_);
      if (self->state_ == state::closed) return;
      why = self->close_reason_;
    }
    self->on_closing(why);
    self->close_timer_.expires_after(self->limits_.close_timeout);
    self->close_timer_.async_wait([self](error_code ec) {
      if (!ec) self->finish_close();
    });
  });
}

void connection::close_now(error_code reason) {
  asio::post(executor(), [self = shared_from_this(), reason] { self->fail(reason); });
}

// On the strand: an I/O error or the peer's FIN ends the connection.
void connection::fail(error_code reason) {
  {
    std::lock_guard lock(mutex_);
    if (state_ == state::closed) return;
    if (state_ == state::open) close_reason_ = reason;
  }
  finish_close();
}

void connection::finish_close() {
  error_code reason;
  {
    std::lock_guard lock(mutex_);
    if (state_ == state::closed) return;
    state_ = state::closed;
    reason = close_reason_;
    queued_.clear();  // nothing is sent or counted any more
  }
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  close_timer_.cancel();
  on_closed(reason);
}

}  // namespace chat::detail
