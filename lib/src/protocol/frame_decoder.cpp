// SPDX-License-Identifier: BSL-1.0
#include <chat/frame_decoder.hpp>

#include "protocol/frame_length.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace chat {

frame_decoder::frame_decoder(std::size_t max_frame) : max_frame_(max_frame) {}

std::span<std::uint8_t> frame_decoder::prepare(std::size_t n) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (buffer_.size() - end_ < n && begin_ > 0) {
    // Move the partial frame to the front rather than growing.
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < n) buffer_.resize(end_ + n);
  return {buffer_.data() + end_, n};
}

void frame_decoder::commit(std::size_t n) {
  assert(n <= buffer_.size() - end_);
  end_ += n;
}

void frame_decoder::feed(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  auto space = prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

using detail::declared_frame_length;

boost::system::error_code frame_decoder::check_length(std::size_t length) {
  if (length == 0) return failed_ = make_error_code(errc::malformed_frame);
  if (length > max_frame_) return failed_ = make_error_code(errc::frame_too_large);
  return {};
}

std::size_t frame_decoder::buffered_frame_length() const noexcept {
  return buffered() < frame_header_size ? 0 : declared_frame_length(buffer_.data() + begin_);
}

boost::system::result<std::optional<frame_view>> frame_decoder::next() {
  if (failed_) return failed_;
  const std::size_t available = end_ - begin_;
  if (available < frame_header_size) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + begin_;
  const std::size_t length = declared_frame_length(p);
  if (auto ec = check_length(length)) return ec;
  if (available - frame_header_size < length) return std::nullopt;
  begin_ += frame_header_size + length;
  return frame_view{p[4], {p + frame_header_size + 1, length - 1}};
}

boost::system::result<std::optional<frame_view>> frame_decoder::next(
    std::span<const std::uint8_t>& input) {
  if (failed_) return failed_;
  if (begin_ != end_) {
    // A frame (or more) is buffered: finish the first from `input`, copying only its missing
    // bytes, so that the frames after it can still be taken from `input` without a copy.
    for (;;) {
      auto buffered_frame = next();
      if (!buffered_frame || *buffered_frame) return buffered_frame;
      const std::size_t length = buffered_frame_length();
      const std::size_t wanted = length == 0 ? frame_header_size - buffered()
                                             : frame_header_size + length - buffered();
      if (input.empty()) return std::nullopt;
      if (length != 0) buffer_.reserve(end_ + wanted);  // one allocation for the whole frame
      const std::size_t n = std::min(wanted, input.size());
      feed(input.first(n));
      input = input.subspan(n);
    }
  }
  // Nothing buffered: the previous frame has been consumed, so its storage can go.
  if (buffer_.capacity() != 0) {
    std::vector<std::uint8_t>().swap(buffer_);
    begin_ = end_ = 0;
  }
  if (input.size() >= frame_header_size) {
    const std::size_t length = declared_frame_length(input.data());
    if (auto ec = check_length(length)) return ec;
    if (input.size() - frame_header_size >= length) {
      const std::uint8_t* p = input.data();
      input = input.subspan(frame_header_size + length);
      return frame_view{p[4], {p + frame_header_size + 1, length - 1}};
    }
    buffer_.reserve(frame_header_size + length);
  }
  feed(input);  // a cut frame: keep its bytes until the rest arrives
  input = {};
  return std::nullopt;
}

}  // namespace chat
