// SPDX-License-Identifier: BSL-1.0
// A frame's declared length `L`: the u32 at its start (docs/PROTOCOL.md 2).
#pragma once

#include <cstddef>
#include <cstdint>

namespace chat::detail {

/// `L` of the frame starting at `p`, which must hold at least frame_header_size bytes.
inline std::size_t declared_frame_length(const std::uint8_t* p) noexcept {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) |
         std::size_t{p[3]};
}

}  // namespace chat::detail
