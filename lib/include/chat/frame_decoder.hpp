// Incremental frame decoder: bytes in, in chunks of any size, frames out.
//
// TCP delivers a byte stream, not messages; this class restores the frame boundaries. It never
// allocates more than the bytes it has actually been given (a declared length is checked against
// the limit as soon as its four bytes arrive), and it is sans-io: a socket reads straight into
// prepare(), tests feed() arbitrary slices.
//
// Thread-safety: none; one decoder belongs to one connection.
#pragma once

#include <chat/codec.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace chat {

class frame_decoder {
public:
  explicit frame_decoder(std::size_t max_frame = default_max_frame);

  /// Space for at least `n` more bytes; write into it, then commit() what was written.
  std::span<std::uint8_t> prepare(std::size_t n);
  /// Makes `n` bytes written into the last prepare() area part of the stream.
  void commit(std::size_t n);
  /// Copies `bytes` into the stream (prepare + commit).
  void feed(std::span<const std::uint8_t> bytes);

  /// The next complete frame, or an empty optional when more bytes are needed. The view is valid
  /// until the next call to any non-const member. Errors (frame_too_large, malformed_frame for a
  /// zero length) are sticky: the stream has no recoverable boundary after them.
  boost::system::result<std::optional<frame_view>> next();

  /// Bytes received but not yet returned as frames.
  std::size_t buffered() const noexcept { return end_ - begin_; }
  std::size_t max_frame() const noexcept { return max_frame_; }

private:
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last committed byte
  std::size_t max_frame_;
  boost::system::error_code failed_;
};

}  // namespace chat
