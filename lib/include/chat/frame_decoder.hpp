// SPDX-License-Identifier: BSL-1.0
// Incremental frame decoder: bytes in, in chunks of any size, frames out.
//
// TCP delivers a byte stream, not messages; this class restores the frame boundaries. It never
// allocates more than the bytes it has actually been given (a declared length is checked against
// the limit as soon as its four bytes arrive), and it is sans-io: a socket reads straight into
// prepare(), tests feed() arbitrary slices.
//
// Two ways to use it. Buffered: prepare()/commit() or feed(), then next() until it is empty.
// Zero-copy: read into any buffer (e.g. one shared by all connections of a thread) and call
// next(input): complete frames are returned as views into `input`, and only the bytes of a
// frame cut by the end of `input` are copied in. Between frames the decoder then holds no
// memory at all, which is what lets an idle connection cost almost nothing.
//
// Thread-safety: none; one decoder belongs to one connection.
#pragma once

#include <chat/codec.hpp>
#include <chat/export.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace chat {

class CHAT_EXPORT frame_decoder {
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

  /// The next complete frame, taking bytes from `input` as needed and advancing it past them:
  /// a frame wholly in `input` is returned as a view into it (no copy); one cut by the end of
  /// `input` is copied in, and completed from the next input. Frames already buffered (fed
  /// before) come first. When nothing is buffered the decoder's storage is released. An empty
  /// optional means `input` is used up. The view is valid until the next call to any non-const
  /// member and while `input`'s bytes are unchanged. Errors as next().
  boost::system::result<std::optional<frame_view>> next(std::span<const std::uint8_t>& input);

  /// Bytes received but not yet returned as frames.
  std::size_t buffered() const noexcept { return end_ - begin_; }
  std::size_t max_frame() const noexcept { return max_frame_; }
  /// Changes the limit for frames whose header has not been decoded yet (e.g. a server raising
  /// it once a client has registered).
  void set_max_frame(std::size_t max_frame) noexcept { max_frame_ = max_frame; }

private:
  /// The declared length of the frame at the front, once its header is buffered; else 0.
  std::size_t buffered_frame_length() const noexcept;
  /// Checks a declared frame length; sets the sticky error if it is invalid.
  boost::system::error_code check_length(std::size_t length);

  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last committed byte
  std::size_t max_frame_;
  boost::system::error_code failed_;
};

}  // namespace chat
