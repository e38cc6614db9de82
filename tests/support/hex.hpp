// SPDX-License-Identifier: BSL-1.0
// Bytes as tests print them: "00 0a ff".
#pragma once

#include <chat/codec.hpp>

#include <cstdint>
#include <string>

namespace chat::test {

inline std::string to_hex(const frame_bytes& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

}  // namespace chat::test
