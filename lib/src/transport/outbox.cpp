// SPDX-License-Identifier: BSL-1.0
#include "transport/outbox.hpp"

#include <algorithm>
#include <iterator>

namespace chat::detail {
namespace {
// What a queued frame costs beyond its bytes (control block, queue slot), so a flood of tiny
// frames is bounded by real memory, not by payload alone.
constexpr std::size_t per_frame_overhead = 128;
}  // namespace

outbox::outbox(wire_codec codec, outbox_limits limits, std::weak_ptr<outbox_listener> listener,
               metrics_counters* counters)
    : codec_(codec), limits_(limits), counters_(counters), listener_(std::move(listener)) {}

void outbox::count_drops(std::uint64_t frames) noexcept {
  if (counters_ && frames > 0) metrics_counters::traffic::add(counters_->local().queue_drops, frames);
}

void outbox::deliver(const shared_event& event) { push_as(event->encoded(codec_), charge::queue); }

void outbox::reply(const server_message& m) {
  push(std::visit([&](const auto& alternative) { return encode_for(codec_, alternative); }, m));
}

void outbox::answer(const std::vector<server_message>& batch) {
  push_as(frame_slice::of(encode_batch_for(codec_, batch)), charge::answer,
          static_cast<std::uint32_t>(batch.size()));
}

bool outbox::push(shared_frame frame) { return push_as(frame_slice::of(std::move(frame)), charge::queue); }

bool outbox::push_as(const frame_slice& frame, charge how, std::uint32_t frames) {
  bool wake = false, overflowed = false, pushed = false;
  {
    std::lock_guard lock(mutex_);
    pushed = push_locked(frame, how, frames, wake, overflowed);
  }
  if (wake || overflowed) notify(wake, overflowed);
  return pushed;
}

bool outbox::would_overflow(charge how, std::size_t cost) noexcept {
  const std::size_t bound = how == charge::answer ? limits_.max_answer_bytes : limits_.max_queue_bytes;
  return queued_charges_.of(how) + in_flight_charges_.of(how) + cost > bound;
}

bool outbox::push_locked(const frame_slice& frame, charge how, std::uint32_t frames, bool& wake,
                         bool& overflowed) {
  if (closed_) [[unlikely]] {
    count_drops(frames);
    return false;
  }
  const std::size_t cost = frame.size + per_frame_overhead;
  if (would_overflow(how, cost)) {
    // The peer cannot take what it is sent: drop the queue rather than grow it.
    count_drops(drop_locked() + frames);
    overflowed = true;
    return false;
  }
  queued_charges_.of(how) += cost;
  if (!queued_.empty() && queued_.back().how == how && queued_.back().reservation == 0 &&
      queued_.back().frame.continued_by(frame)) {
    // The next frame of a room's run: no new entry, no reference count, one buffer.
    queued_.back().frame.size += frame.size;
    queued_.back().cost += cost;
    queued_.back().frames += frames;
  } else {
    queued_.push_back({frame, cost, how, frames, 0});
  }
  wake = wake_writer_locked();
  return true;
}

std::uint64_t outbox::drop_locked() noexcept {
  std::uint64_t frames = 0;
  for (const auto& e : queued_) frames += e.frames;
  closed_ = true;
  queued_.clear();
  queued_charges_ = {};
  reservations_ = 0;
  return frames;
}

member::ticket outbox::reserve_answer() {
  std::lock_guard lock(mutex_);
  if (closed_) return {};
  const auto id = next_reservation_++;
  queued_.push_back({frame_slice{}, 0, charge::none, 0, id});
  ++reservations_;
  return ticket(shared_from_this(), id);
}

void outbox::fill_reserved(std::uint64_t id, const std::vector<server_message>* batch) {
  // Encoded before the lock is taken: a greeting can be large.
  shared_frame frame;
  if (batch) {
    try {
      frame = encode_batch_for(codec_, *batch);
    } catch (...) {
      fill_reserved(id, nullptr);  // release the place so later frames can go
      throw;
    }
  }
  bool wake = false, overflowed = false;
  std::uint64_t dropped = 0;
  const auto frames = batch ? static_cast<std::uint32_t>(batch->size()) : 0u;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(queued_.begin(), queued_.end(),
                                 [&](const entry& e) { return e.reservation == id; });
    if (it == queued_.end()) {
      dropped = frames;  // dropped by an overflow or by closing
    } else if (const std::size_t cost = frame ? frame->size() + per_frame_overhead : 0;
               frame && would_overflow(charge::answer, cost)) {
      count_drops(drop_locked() + frames);
      overflowed = true;
    } else {
      --reservations_;
      if (frame) {
        queued_charges_.answer += cost;
        *it = {frame_slice::of(std::move(frame)), cost, charge::answer, frames, 0};
      } else {
        queued_.erase(it);
      }
      wake = wake_writer_locked();
    }
  }
  count_drops(dropped);
  if (wake || overflowed) notify(wake, overflowed);
}

bool outbox::wake_writer_locked() noexcept {
  if (writer_busy_) return false;
  // Frames behind a reserved place cannot go yet; once closed, the writer must finish the
  // stream even with nothing to write.
  const bool ready = !queued_.empty() && queued_.front().reservation == 0;
  if (!ready && !closed_) return false;
  writer_busy_ = true;
  return true;
}

void outbox::notify(bool wake, bool overflowed) {
  const auto listener = listener_.lock();
  if (!listener) {
    // No writer to wake (not started, or gone): don't leave it marked busy.
    std::lock_guard lock(mutex_);
    writer_busy_ = false;
    return;
  }
  if (overflowed)
    listener->on_outbox_overflow();
  else if (wake)
    listener->on_outbox_ready();
}

bool outbox::take(std::vector<queued_frame>& out) {
  std::lock_guard lock(mutex_);
  if (reservations_ == 0) {
    // The usual case: the whole queue goes, and `out`'s storage becomes the new queue's.
    out.swap(queued_);
    in_flight_charges_ = std::exchange(queued_charges_, {});
  } else {
    // Everything up to the first reserved place goes; what waits behind it stays.
    const auto ready_end = std::find_if(queued_.begin(), queued_.end(),
                                        [](const entry& e) { return e.reservation != 0; });
    out.assign(std::make_move_iterator(queued_.begin()), std::make_move_iterator(ready_end));
    queued_.erase(queued_.begin(), ready_end);
    in_flight_charges_ = {};
    for (const auto& e : out) {
      if (e.how == charge::none) continue;
      in_flight_charges_.of(e.how) += e.cost;
      queued_charges_.of(e.how) -= e.cost;
    }
  }
  if (out.empty()) {
    writer_busy_ = false;
    // Drained: an idle connection keeps no queue storage (frames may wait behind a reserved
    // place, though).
    if (queued_.empty()) std::vector<entry>().swap(queued_);
  }
  return !out.empty();
}

void outbox::written(std::vector<queued_frame>& in_flight) noexcept {
  {
    std::lock_guard lock(mutex_);
    in_flight_charges_ = {};
  }
  in_flight.clear();  // the frames are released outside the lock
}

outbox::charges outbox::pending_locked() const noexcept {
  return {queued_charges_.queue + in_flight_charges_.queue,
          queued_charges_.answer + in_flight_charges_.answer};
}

bool outbox::above_high_water() noexcept {
  const auto queue_mark = limits_.queue_high_water, answer_mark = limits_.answer_high_water;
  if (queue_mark == 0 && answer_mark == 0) return false;
  std::lock_guard lock(mutex_);
  const auto pending = pending_locked();
  return (queue_mark != 0 && pending.queue > queue_mark) ||
         (answer_mark != 0 && pending.answer > answer_mark);
}

bool outbox::below_low_water() noexcept {
  const auto queue_mark = limits_.queue_high_water, answer_mark = limits_.answer_high_water;
  std::lock_guard lock(mutex_);
  const auto pending = pending_locked();
  return (queue_mark == 0 || pending.queue <= queue_mark / 2) &&
         (answer_mark == 0 || pending.answer <= answer_mark / 2);
}

void outbox::close(shared_frame last) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    // A reserved place would never be filled now and would hold back the flush.
    std::erase_if(queued_, [](const entry& e) { return e.reservation != 0; });
    reservations_ = 0;
    if (last && !farewell_queued_) {
      farewell_queued_ = true;
      queued_.push_back({frame_slice::of(std::move(last)), 0, charge::none, 1, 0});  // beyond the bound: the last one
    }
    wake = wake_writer_locked();
  }
  if (wake) notify(wake, false);
}

void outbox::discard() noexcept {
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    dropped = drop_locked();
  }
  count_drops(dropped);
}

}  // namespace chat::detail
