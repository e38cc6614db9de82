// Hostile input, generated: random bytes through the decoder never misbehave, and whatever
// decodes is canonical (re-encoding it gives back exactly the bytes that were read).
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include "support/random_frames.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

namespace {

using chat::frame_bytes;
using chat::test::random_frame;

// Decodes `frame` in the given direction; if it decodes, its encoding must be the same bytes.
template <class Message>
int check_canonical(chat::frame_view view, const frame_bytes& original) {
  boost::system::result<Message> m;
  if constexpr (std::is_same_v<Message, chat::client_message>)
    m = chat::decode_client_message(view);
  else
    m = chat::decode_server_message(view);
  if (!m) return 0;
  BOOST_TEST((chat::encode(*m) == original), "re-encoding changed the bytes");
  return 1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(random_input)

BOOST_AUTO_TEST_CASE(random_frames_decode_canonically_or_fail_cleanly) {
  std::mt19937 rng(20261121);  // fixed seed: a failure reproduces
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    const frame_bytes frame = random_frame(rng);
    chat::frame_decoder decoder;
    decoder.feed(frame);
    auto next = decoder.next();
    BOOST_TEST_REQUIRE(next.has_value());
    BOOST_TEST_REQUIRE(next->has_value());
    decoded += check_canonical<chat::client_message>(**next, frame);
    decoded += check_canonical<chat::server_message>(**next, frame);
  }
  BOOST_TEST_MESSAGE(decoded << " of 40000 decode attempts succeeded");
  BOOST_TEST(decoded > 5000);  // the generator reaches the success paths, not only errors
}

BOOST_AUTO_TEST_CASE(random_byte_streams_in_random_chunks_never_overrun) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> chunk(1, 64);
  for (int stream = 0; stream < 2000; ++stream) {
    frame_bytes bytes(512);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(rng));
    // A small limit makes most random length prefixes oversized, as on a real hostile link.
    chat::frame_decoder decoder(1024);
    std::size_t fed = 0, returned = 0;
    bool failed = false;
    for (std::size_t pos = 0; pos < bytes.size() && !failed;) {
      const std::size_t n = std::min(chunk(rng), bytes.size() - pos);
      decoder.feed(std::span(bytes).subspan(pos, n));
      pos += n;
      fed += n;
      for (;;) {
        auto next = decoder.next();
        if (!next) {
          failed = true;
          BOOST_TEST((next.error() == chat::errc::frame_too_large || next.error() == chat::errc::malformed_frame));
          break;
        }
        if (!*next) break;
        returned += chat::frame_header_size + 1 + (*next)->body.size();
        (void)chat::decode_client_message(**next);  // must not crash, whatever it says
      }
      BOOST_TEST_REQUIRE(returned + decoder.buffered() == fed);  // nothing lost or invented
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
