// SPDX-License-Identifier: BSL-1.0
// Decodes every frame in a buffer, failing the test on any decoding error.
#pragma once

#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include <boost/test/unit_test.hpp>

#include <span>
#include <type_traits>
#include <vector>

namespace chat::test {

/// `Message` is client_message or server_message: the direction the bytes travel.
template <class Message>
std::vector<Message> decode_all(std::span<const std::uint8_t> bytes) {
  frame_decoder decoder;
  decoder.feed(bytes);
  std::vector<Message> out;
  for (;;) {
    auto frame = decoder.next();
    BOOST_TEST_REQUIRE(frame.has_value());
    if (!*frame) break;
    boost::system::result<Message> m;
    if constexpr (std::is_same_v<Message, client_message>)
      m = decode_client_message(**frame);
    else
      m = decode_server_message(**frame);
    BOOST_TEST_REQUIRE(m.has_value());
    out.push_back(std::move(*m));
  }
  BOOST_TEST(decoder.buffered() == 0u);
  return out;
}

}  // namespace chat::test
