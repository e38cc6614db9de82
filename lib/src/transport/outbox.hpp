// SPDX-License-Identifier: BSL-1.0
// A connection's outgoing queue: the one thread-safe part of a connection.
//
// Rooms, other users' private messages and the connection's own session all put frames here,
// from any thread; the connection's write loop takes them on its strand and writes them in one
// gathered write. The queue is bounded in bytes (frames in flight included), answers separately
// from the rest; overflowing either bound drops what is queued and reports the overflow, and the
// connection then closes with errc::too_slow.
//
// Encoding happens here, once per frame, in the codec the connection speaks; a room event is
// encoded by the first member that needs it in that codec and shared with all the others.
#pragma once

#include "common/metrics_counters.hpp"
#include "rooms/member.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace chat::detail {

struct outbox_limits {
  std::size_t max_queue_bytes = 1024 * 1024;
  /// Separate bound for answers (greetings, HISTORY, LIST, WHO): a long history must not push a
  /// member over max_queue_bytes, but a peer that never reads must not grow memory by asking
  /// again and again either.
  std::size_t max_answer_bytes = 2 * 1024 * 1024;
  /// Flow control (0: none): above either high-water mark the connection stops reading its
  /// peer's requests until both charges are back below half their mark. The marks leave room
  /// under the bounds for the answer of the one request in hand, so that a peer that reads
  /// what it is sent is never cut off for the answers and echoes of its own requests.
  std::size_t queue_high_water = 0;
  std::size_t answer_high_water = 0;
};

/// Told, from any thread, when an outbox needs its writer. Must not block.
class outbox_listener {
public:
  virtual ~outbox_listener() = default;
  /// Frames are ready and no write was scheduled.
  virtual void on_outbox_ready() = 0;
  /// A bound overflowed: the queue has been dropped and the outbox accepts nothing more.
  virtual void on_outbox_overflow() = 0;
};

class outbox final : public member, public std::enable_shared_from_this<outbox> {
public:
  /// `counters` (may be null) counts the frames the outbox drops; it must outlive the outbox.
  outbox(wire_codec codec, outbox_limits limits, std::weak_ptr<outbox_listener> listener,
         metrics_counters* counters = nullptr);

  wire_codec codec() const noexcept { return codec_; }
  /// The server's counters the connection adds to; null when none (a client's, a test's).
  metrics_counters* counters() const noexcept { return counters_; }
  /// Sets the listener; once, before the outbox is shared with another thread.
  void listen(std::weak_ptr<outbox_listener> listener) noexcept { listener_ = std::move(listener); }

  // member: any thread.
  void deliver(const shared_event& event) override;
  void reply(const server_message& m) override;
  void answer(const std::vector<server_message>& batch) override;
  ticket reserve_answer() override;

  /// Queues an encoded frame against the queue bound. False if the outbox is closed or the
  /// frame overflowed the bound. Any thread.
  bool push(shared_frame frame);

  // The writer's side: on the connection's strand.

  enum class charge : std::uint8_t { queue, answer, none };
  /// One or more consecutive frames in one buffer: a run of a room's frames is queued as one
  /// entry (see rooms/frame_log.hpp).
  struct queued_frame {
    frame_slice frame;  ///< Empty while reserved.
    std::size_t cost = 0;
    charge how = charge::queue;
    std::uint32_t frames = 1;  ///< How many frames `frame` holds (for the counters).
    std::uint64_t reservation = 0;  ///< Non-zero while reserved.
  };
  /// Moves the frames ready to write (up to the first reserved place) into `out`, which must be
  /// empty (usually by swapping vectors, so their storage is reused); they stay charged until
  /// written(). Returns false, and marks the writer idle, if there are none.
  bool take(std::vector<queued_frame>& out);
  /// The frames taken into `in_flight` have been written: releases their charge, clears it.
  void written(std::vector<queued_frame>& in_flight) noexcept;
  /// Flow control: whether queued and in-flight frames are above a high-water mark (the
  /// connection should stop reading), or back below half of both (it may read again).
  bool above_high_water() noexcept;
  bool below_low_water() noexcept;
  /// Refuses further frames; what is queued still goes out, then `last` (may be null), which
  /// is not bounded. Also after an overflow, so the peer learns why. Only the first non-null
  /// `last` is queued. Wakes the writer, so that it can finish the stream.
  void close(shared_frame last);
  /// Drops everything queued; nothing more is accepted.
  void discard() noexcept;

private:
  using entry = queued_frame;
  struct charges {
    std::size_t queue = 0;
    std::size_t answer = 0;
    std::size_t& of(charge how) noexcept { return how == charge::answer ? answer : queue; }
  };
  void fill_reserved(std::uint64_t id, const std::vector<server_message>* batch) override;
  /// Queues `frame` against the bound of `how`; false if refused.
  bool push_as(const frame_slice& frame, charge how, std::uint32_t frames = 1);
  /// Queues `frame` (of `frames` frames), continuing the last entry if `frame` follows it in
  /// the same buffer; the lock is held. False if closed or on overflow (then `overflowed` is
  /// set); the frames lost are counted.
  bool push_locked(const frame_slice& frame, charge how, std::uint32_t frames, bool& wake,
                   bool& overflowed);
  /// Queued and in-flight charges together; the lock is held.
  charges pending_locked() const noexcept;
  /// Whether `cost` more of `how` would overflow its bound; the lock is held.
  bool would_overflow(charge how, std::size_t cost) noexcept;
  /// Drops everything queued and refuses more; the lock is held. Returns how many frames.
  std::uint64_t drop_locked() noexcept;
  /// Adds to the server's count of frames not delivered; cold. Any thread, any lock.
  [[gnu::cold, gnu::noinline]] void count_drops(std::uint64_t frames) noexcept;
  /// Whether the writer must be woken now (it is idle and has work); marks it busy if so.
  bool wake_writer_locked() noexcept;
  void notify(bool wake, bool overflowed);

  const wire_codec codec_;
  const outbox_limits limits_;
  metrics_counters* const counters_;
  std::weak_ptr<outbox_listener> listener_;
  std::mutex mutex_;  // guards everything below
  std::vector<entry> queued_;  // a vector: an empty one allocates nothing
  // Kept as sums, so that taking and releasing a whole write costs the same for any size.
  charges queued_charges_;     ///< Of the frames in queued_.
  charges in_flight_charges_;  ///< Of the frames taken and not yet written.
  std::size_t reservations_ = 0;  ///< Reserved places in queued_.
  std::uint64_t next_reservation_ = 1;
  bool writer_busy_ = false;  ///< A write is in flight or the writer has been woken.
  bool closed_ = false;
  bool farewell_queued_ = false;
};

}  // namespace chat::detail
