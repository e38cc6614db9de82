// SPDX-License-Identifier: BSL-1.0
// The frame decoder fed a byte stream cut into random pieces, both ways it can be used:
// buffered (feed + next()) and zero-copy (next(input)). Properties: both find the same frames
// and the same error; no frame exceeds the limit; a frame's declared length matches its bytes;
// the decoder holds no more than it was given and, zero-copy, nothing between frames.
#include "fuzz_check.hpp"

#include <chat/frame_decoder.hpp>
#include <chat/limits.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace {

struct outcome {
  std::vector<std::vector<std::uint8_t>> frames;  // type byte + body
  boost::system::error_code error;
};

void record(outcome& out, const chat::frame_view& f, std::size_t max_frame) {
  FUZZ_CHECK(f.body.size() + 1 <= max_frame);
  std::vector<std::uint8_t> bytes{f.type};
  bytes.insert(bytes.end(), f.body.begin(), f.body.end());
  out.frames.push_back(std::move(bytes));
}

/// Piece sizes from a small generator seeded by the input, so libFuzzer explores cuttings.
class cutter {
public:
  explicit cutter(std::uint8_t seed) : state_(seed | 1u) {}
  std::size_t next(std::size_t left) {
    state_ = state_ * 1103515245u + 12345u;
    const std::size_t n = 1 + (state_ >> 16) % 23;
    return std::min(n, left);
  }

private:
  std::uint32_t state_;
};

outcome buffered(std::span<const std::uint8_t> stream, std::size_t max_frame, std::uint8_t seed) {
  outcome out;
  chat::frame_decoder decoder(max_frame);
  cutter cut(seed);
  std::size_t given = 0;
  while (!stream.empty()) {
    const auto piece = stream.first(cut.next(stream.size()));
    stream = stream.subspan(piece.size());
    decoder.feed(piece);
    given += piece.size();
    for (;;) {
      auto frame = decoder.next();
      if (!frame) return out.error = frame.error(), out;
      if (!*frame) break;
      record(out, **frame, max_frame);
    }
    FUZZ_CHECK(decoder.buffered() <= given);
  }
  return out;
}

outcome zero_copy(std::span<const std::uint8_t> stream, std::size_t max_frame, std::uint8_t seed) {
  outcome out;
  chat::frame_decoder decoder(max_frame);
  cutter cut(seed);
  while (!stream.empty()) {
    auto piece = stream.first(cut.next(stream.size()));
    stream = stream.subspan(piece.size());
    const std::size_t piece_size = piece.size();
    for (;;) {
      auto frame = decoder.next(piece);
      if (!frame) return out.error = frame.error(), out;
      if (!*frame) break;
      record(out, **frame, max_frame);
    }
    FUZZ_CHECK(piece.empty());
    // What it keeps is at most one cut frame, and never more than a frame may be.
    FUZZ_CHECK(decoder.buffered() <= std::max(piece_size, max_frame + chat::frame_header_size));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // A small limit makes frame_too_large reachable; 0 selects the default.
  const std::size_t max_frame = data[0] == 0 ? chat::default_max_frame : std::size_t{data[0]} * 4;
  const std::uint8_t seed = data[1];
  const std::span<const std::uint8_t> stream(data + 2, size - 2);

  const outcome a = buffered(stream, max_frame, seed);
  const outcome b = zero_copy(stream, max_frame, static_cast<std::uint8_t>(seed ^ 0x5A));
  FUZZ_CHECK(a.frames == b.frames);
  FUZZ_CHECK(a.error == b.error);

  // The frames found are exactly the stream's prefix, re-framed.
  std::size_t offset = 0;
  for (const auto& f : a.frames) {
    FUZZ_CHECK(offset + chat::frame_header_size + f.size() <= stream.size());
    const std::uint8_t* p = stream.data() + offset;
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                               (std::size_t{p[2]} << 8) | std::size_t{p[3]};
    FUZZ_CHECK(length == f.size());
    FUZZ_CHECK(std::equal(f.begin(), f.end(), p + chat::frame_header_size));
    offset += chat::frame_header_size + f.size();
  }
  return 0;
}
