#include "transport/outbox.hpp"

#include <algorithm>

namespace chat::detail {
namespace {
// What a queued frame costs beyond its bytes (control block, queue slot), so a flood of tiny
// frames is bounded by real memory, not by payload alone.
constexpr std::size_t per_frame_overhead = 128;
}  // namespace

outbox::outbox(wire_codec codec, outbox_limits limits, std::weak_ptr<outbox_listener> listener)
    : codec_(codec), limits_(limits), listener_(std::move(listener)) {}

void outbox::deliver(const shared_event& event) { push(event->encoded(codec_)); }

void outbox::reply(const server_message& m) {
  push(std::visit([&](const auto& alternative) { return encode_for(codec_, alternative); }, m));
}

void outbox::answer(const std::vector<server_message>& batch) {
  auto frame = encode_batch_for(codec_, batch);
  bool wake = false, overflowed = false;
  {
    std::lock_guard lock(mutex_);
    push_locked(std::move(frame), charge::answer, wake, overflowed);
  }
  notify(wake, overflowed);
}

bool outbox::push(shared_frame frame) {
  bool wake = false, overflowed = false, pushed = false;
  {
    std::lock_guard lock(mutex_);
    pushed = push_locked(std::move(frame), charge::queue, wake, overflowed);
  }
  notify(wake, overflowed);
  return pushed;
}

bool outbox::push_locked(shared_frame frame, charge how, bool& wake, bool& overflowed) {
  if (closed_) return false;
  const std::size_t cost = frame->size() + per_frame_overhead;
  std::size_t& used = how == charge::answer ? answer_bytes_ : queue_bytes_;
  const std::size_t bound =
      how == charge::answer ? limits_.max_answer_bytes : limits_.max_queue_bytes;
  if (used + cost > bound) {
    // The peer cannot take what it is sent: drop the queue rather than grow it.
    closed_ = true;
    for (const auto& e : queued_) uncharge(e);
    queued_.clear();
    overflowed = true;
    return false;
  }
  used += cost;
  queued_.push_back({std::move(frame), cost, how, 0});
  wake = wake_writer_locked();
  return true;
}

member::ticket outbox::reserve_answer() {
  std::lock_guard lock(mutex_);
  if (closed_) return {};
  const auto id = next_reservation_++;
  queued_.push_back({nullptr, 0, charge::none, id});
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
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(queued_.begin(), queued_.end(),
                                 [&](const entry& e) { return e.reservation == id; });
    if (it == queued_.end()) return;  // dropped by an overflow or by closing
    std::size_t cost = frame ? frame->size() + per_frame_overhead : 0;
    if (frame && answer_bytes_ + cost > limits_.max_answer_bytes) {
      closed_ = true;
      for (const auto& e : queued_) uncharge(e);
      queued_.clear();
      overflowed = true;
    } else if (!frame) {
      queued_.erase(it);
      wake = wake_writer_locked();
    } else {
      answer_bytes_ += cost;
      *it = {std::move(frame), cost, charge::answer, 0};
      wake = wake_writer_locked();
    }
  }
  notify(wake, overflowed);
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
  if (!wake && !overflowed) return;
  const auto listener = listener_.lock();
  if (!listener) {
    // No writer to wake (not started, or gone): don't leave it marked busy.
    std::lock_guard lock(mutex_);
    writer_busy_ = false;
    return;
  }
  if (overflowed)
    listener->on_outbox_overflow();
  else
    listener->on_outbox_ready();
}

bool outbox::take(std::vector<queued_frame>& out) {
  std::lock_guard lock(mutex_);
  // Everything up to the first reserved place goes; what waits behind it stays.
  const auto ready_end = std::find_if(queued_.begin(), queued_.end(),
                                      [](const entry& e) { return e.reservation != 0; });
  if (ready_end == queued_.end()) {
    out.swap(queued_);
  } else {
    out.assign(std::make_move_iterator(queued_.begin()), std::make_move_iterator(ready_end));
    queued_.erase(queued_.begin(), ready_end);
  }
  if (out.empty()) writer_busy_ = false;
  return !out.empty();
}

void outbox::written(std::vector<queued_frame>& in_flight) noexcept {
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : in_flight) uncharge(e);
  }
  in_flight.clear();  // the frames are released outside the lock
}

void outbox::uncharge(const entry& e) noexcept {
  if (e.how == charge::queue) queue_bytes_ -= e.cost;
  if (e.how == charge::answer) answer_bytes_ -= e.cost;
}

void outbox::close(shared_frame last) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    // A reserved place would never be filled now and would hold back the flush.
    std::erase_if(queued_, [](const entry& e) { return e.reservation != 0; });
    if (last && !farewell_queued_) {
      farewell_queued_ = true;
      queued_.push_back({std::move(last), 0, charge::none, 0});  // beyond the bound: the last one
    }
    wake = wake_writer_locked();
  }
  notify(wake, false);
}

void outbox::discard() noexcept {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (const auto& e : queued_) uncharge(e);
  queued_.clear();
}

}  // namespace chat::detail
