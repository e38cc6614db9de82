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
  if (!current_ || current_->capacity() - current_->size() < n) {
    if (current_) {
      const bool busy = clock::now() - current_started_ < busy_segment;
      next_capacity_ = busy ? std::min(next_capacity_ * 2, max_segment)
                            : std::max(next_capacity_ / 2, min_segment);
    }
    current_ = std::make_shared<frame_bytes>();
    current_->reserve(std::max(next_capacity_, n));
    current_started_ = clock::now();
  }
  // Within the reserved capacity: the bytes already handed out stay where they are.
  const std::uint8_t* at = current_->data() + current_->size();
  current_->insert(current_->end(), frame.begin(), frame.end());
  return {current_, at, n};
}

}  // namespace chat::detail
