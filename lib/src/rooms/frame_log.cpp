// SPDX-License-Identifier: BSL-1.0
#include "rooms/frame_log.hpp"

#include <algorithm>

namespace chat::detail {

namespace {
// A segment that filled faster than this was busy: the next one is larger.
constexpr std::chrono::milliseconds busy_segment{100};
}  // namespace

frame_bytes& frame_log::thread_scratch() noexcept {
  thread_local frame_bytes scratch;
  return scratch;
}

frame_slice frame_log::append_bytes(const frame_bytes& frame) {
  const std::size_t n = frame.size();
  std::lock_guard lock(mutex_);
  // Null once every queue holding a frame of it has written it: then the segment is gone.
  auto segment = current_.lock();
  if (!segment || segment->capacity() - segment->size() < n) {
    if (segment) {
      // Filled up while frames of it were still queued somewhere: busy if that was quick.
      const bool busy = clock::now() - current_started_ < busy_segment;
      next_capacity_ = busy ? std::min(next_capacity_ * 2, max_segment)
                            : std::max(next_capacity_ / 2, min_segment);
    } else {
      // Every frame of it was written before the next came: the members keep up, and a
      // larger segment would merge nothing; a smaller one wastes less.
      next_capacity_ = std::max(next_capacity_ / 2, min_segment);
    }
    segment = std::make_shared<frame_bytes>();
    segment->reserve(std::max(next_capacity_, n));
    current_ = segment;
    current_started_ = clock::now();
  }
  // Within the reserved capacity: the bytes already handed out stay where they are.
  const std::uint8_t* at = segment->data() + segment->size();
  segment->insert(segment->end(), frame.begin(), frame.end());
  return {std::move(segment), at, n};
}

}  // namespace chat::detail
