// SPDX-License-Identifier: BSL-1.0
// Where a room's broadcast frames are encoded: appended back to back into shared segments.
//
// A busy member's queue then holds runs of consecutive frames of the same segment, and the
// outbox merges each run into one entry: one buffer, one reference count and one queue slot for
// many frames, and a gathered write is no longer capped at one frame per iovec. (The simple
// version, one shared buffer per frame, is measured against this in docs/BENCHMARKS.md.)
//
// Segments never move or change the bytes they hold: a writer may read a frame on another
// thread while later frames are appended behind it. Each segment lives as long as a queue
// holds a frame of it, and no longer: the log refers to its current segment weakly, so a room
// whose frames have all been written holds no segment at all (a log holding its last segment
// would keep up to 64 KiB alive per idle room, outside every queue's bound). Sized by
// traffic: a segment that filled quickly is followed by one twice as large (up to 64 KiB), a
// slow one, or one whose frames had all been written before the next came, by one half as
// large (down to 1 KiB), so a busy room uses few large ones and the others small ones.
//
// Memory: a queue is charged only the frames it holds, but keeps their whole segment alive.
// Only frames every member gets are appended, so beyond its charge a queue pins, per room it
// holds frames of, the head segment's frames it has written and the tail's unused capacity:
// under 2 × 64 KiB (docs/ARCHITECTURE.md, "Memory bounds").
//
// Thread-safety: append() may be called from any thread (a mutex per log, taken once per
// broadcast, not per member).
#pragma once

#include <chat/codec.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace chat::detail {

/// A run of encoded frames inside a buffer that `owner` keeps alive.
struct frame_slice {
  std::shared_ptr<const void> owner;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;

  static frame_slice of(shared_frame frame) {
    const auto* data = frame->data();
    const auto size = frame->size();
    return {std::move(frame), data, size};
  }
  /// Whether `next` continues this run in the same buffer.
  bool continued_by(const frame_slice& next) const noexcept {
    return owner == next.owner && data + size == next.data;
  }
};

class frame_log {
public:
  static constexpr std::size_t min_segment = 1024;
  static constexpr std::size_t max_segment = 64 * 1024;

  /// Appends `m`'s frame; the slice stays valid for as long as it is held.
  template <wire_message Message>
  frame_slice append(const Message& m) {
    // Encoded first where its size becomes known; one scratch buffer per thread.
    frame_bytes& scratch = thread_scratch();
    scratch.clear();
    encode_to(scratch, m);
    return append_bytes(scratch);
  }

  /// Forgets the current segment (e.g. the room has ended): the next frame starts a new one.
  void release() noexcept {
    std::lock_guard lock(mutex_);
    current_.reset();
  }

private:
  using clock = std::chrono::steady_clock;
  static frame_bytes& thread_scratch() noexcept;
  frame_slice append_bytes(const frame_bytes& frame);

  std::mutex mutex_;  // guards everything below
  std::weak_ptr<frame_bytes> current_;  // reserved once, never reallocated
  clock::time_point current_started_{};
  std::size_t next_capacity_ = min_segment;
};

}  // namespace chat::detail
