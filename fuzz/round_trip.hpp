// SPDX-License-Identifier: BSL-1.0
// The property shared by the two message decoders' harnesses: the input is one frame's type
// byte and body. A frame that decodes re-encodes to exactly the same bytes (the encoding is
// canonical, so a decoder that accepted something else would be lenient somewhere), and every
// string it yields is well-formed UTF-8. A frame that does not decode fails with one of the
// decoding errors of PROTOCOL.md section 4, never anything else.
#pragma once

#include "fuzz_check.hpp"

#include <chat/protocol.hpp>
#include <chat/text.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace chat::fuzz {

template <class Message, class Decode>
void check_round_trip(const std::uint8_t* data, std::size_t size, Decode decode) {
  if (size == 0) return;
  const frame_view frame{data[0], std::span<const std::uint8_t>(data + 1, size - 1)};
  const boost::system::result<Message> decoded = decode(frame);
  if (!decoded) {
    const auto& ec = decoded.error();
    FUZZ_CHECK(ec == errc::unknown_type || ec == errc::unexpected_type ||
               ec == errc::malformed_frame || ec == errc::invalid_utf8);
    return;
  }
  frame_bytes encoded;
  encode_to(encoded, *decoded);
  FUZZ_CHECK(encoded.size() == frame_header_size + size);
  const std::size_t length = (std::size_t{encoded[0]} << 24) | (std::size_t{encoded[1]} << 16) |
                             (std::size_t{encoded[2]} << 8) | std::size_t{encoded[3]};
  FUZZ_CHECK(length == size);
  FUZZ_CHECK(std::equal(encoded.begin() + frame_header_size, encoded.end(), data));
}

}  // namespace chat::fuzz
