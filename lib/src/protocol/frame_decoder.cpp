#include <chat/frame_decoder.hpp>

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

boost::system::result<std::optional<frame_view>> frame_decoder::next() {
  if (failed_) return failed_;
  const std::size_t available = end_ - begin_;
  if (available < frame_header_size) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + begin_;
  const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                             (std::size_t{p[2]} << 8) | std::size_t{p[3]};
  if (length == 0) return failed_ = make_error_code(errc::malformed_frame);
  if (length > max_frame_) return failed_ = make_error_code(errc::frame_too_large);
  if (available - frame_header_size < length) return std::nullopt;
  begin_ += frame_header_size + length;
  return frame_view{p[4], {p + frame_header_size + 1, length - 1}};
}

}  // namespace chat
