// SPDX-License-Identifier: BSL-1.0
// Hostile input, generated: random bytes through the decoder never misbehave, and whatever
// decodes is canonical (re-encoding it gives back exactly the bytes that were read).
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include "support/random_frames.hpp"

#include <boost/test/unit_test.hpp>

#include <random>
#include <set>
#include <span>
#include <string>
#include <variant>
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

BOOST_AUTO_TEST_CASE(sample_frames_cover_every_type_in_one_direction_each) {
  std::set<int> client_types, server_types;
  for (const frame_bytes& frame : chat::test::sample_frames()) {
    const chat::frame_view view{frame.at(4), std::span(frame).subspan(5)};
    const auto as_client = chat::decode_client_message(view);
    const auto as_server = chat::decode_server_message(view);
    BOOST_TEST_REQUIRE(as_client.has_value() != as_server.has_value(), "type " << int(view.type));
    if (as_client) {
      BOOST_TEST(as_server.error() == chat::make_error_code(chat::errc::unexpected_type));
      client_types.insert(view.type);
    } else {
      BOOST_TEST(as_client.error() == chat::make_error_code(chat::errc::unexpected_type));
      server_types.insert(view.type);
    }
  }
  std::set<int> all_client, all_server;
  for (int t = 0x01; t <= 0x10; ++t) all_client.insert(t);
  for (int t = 0x81; t <= 0x8E; ++t) all_server.insert(t);
  BOOST_TEST((client_types == all_client));
  BOOST_TEST((server_types == all_server));
}

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

BOOST_AUTO_TEST_CASE(members_frames_with_random_counts) {
  // A MEMBERS frame decodes only if its count is exactly the number of names present.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> small(0, 6);
  std::uniform_int_distribution<int> any_count(0, 0xFFFF);
  int matched = 0;
  for (int i = 0; i < 5000; ++i) {
    chat::msg::server::members m{"lobby", {}};
    const int present = small(rng);
    for (int k = 0; k < present; ++k) m.names.push_back(std::string(std::size_t(small(rng)), 'n'));
    frame_bytes frame = chat::encode(m);
    // Count sits after length 4, type 1, room (2 + 5).
    const int count = (i % 2 == 0) ? small(rng) : any_count(rng);
    frame[12] = static_cast<std::uint8_t>(count >> 8);
    frame[13] = static_cast<std::uint8_t>(count);
    const auto result =
        chat::decode_server_message({frame[4], std::span(frame).subspan(chat::frame_header_size + 1)});
    if (count == present) {
      ++matched;
      BOOST_TEST_REQUIRE(result.has_value());
      BOOST_TEST((std::get<chat::msg::server::members>(*result) == m));
    } else {
      // Fewer names than claimed: a field overruns. More: bytes are left over.
      BOOST_TEST_REQUIRE(result.has_error(), "count " << count << " present " << present);
      BOOST_TEST(result.error() == chat::make_error_code(chat::errc::malformed_frame));
    }
  }
  BOOST_TEST(matched > 100);  // both outcomes are exercised
}

BOOST_AUTO_TEST_SUITE_END()
