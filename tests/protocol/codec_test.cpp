// Encoding and decoding of protocol messages: round trips, exact wire layout, malformed input.
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>
#include <chat/text.hpp>

#include "support/decode_all.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using chat::errc;
using chat::frame_bytes;
namespace msg = chat::msg;

constexpr auto u16_max = std::numeric_limits<std::uint16_t>::max();
constexpr auto u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();

// Two-, three- and four-byte UTF-8 sequences.
const std::string unicode =
    "Gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89";
const std::string max_name(chat::max_name_length, 'n');

boost::system::error_code ec(errc e) { return chat::make_error_code(e); }

// The error of a decode result; no error if it holds a message (so comparisons then fail).
template <class Result>
boost::system::error_code error_of(const Result& r) {
  return r.has_error() ? r.error() : boost::system::error_code{};
}

// "00 0a ff" -> bytes.
frame_bytes from_hex(std::string_view s) {
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  frame_bytes out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 3)
    out.push_back(static_cast<std::uint8_t>(nibble(s[i]) * 16 + nibble(s[i + 1])));
  return out;
}

std::string to_hex(const frame_bytes& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

// A frame with the given type byte and body, length prefix computed.
frame_bytes make_frame(std::uint8_t type, std::span<const std::uint8_t> body) {
  const auto length = static_cast<std::uint32_t>(body.size() + 1);
  frame_bytes out{static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
                  static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Runs `wire` (exactly one frame) through a frame_decoder and hands the frame to `decode`.
template <class Decode>
auto decode_wire(const frame_bytes& wire, Decode decode) {
  chat::frame_decoder decoder(wire.size());
  decoder.feed(wire);
  auto frame = decoder.next();
  BOOST_TEST_REQUIRE(frame.has_value());
  BOOST_TEST_REQUIRE(frame->has_value());
  auto result = decode(**frame);
  BOOST_TEST(decoder.buffered() == 0u);
  return result;
}

auto as_client = [](chat::frame_view f) { return chat::decode_client_message(f); };
auto as_server = [](chat::frame_view f) { return chat::decode_server_message(f); };

const std::vector<chat::client_message> client_samples = {
    msg::hello{1, "alice", "lobby"},
    msg::hello{0, max_name, ""},
    msg::hello{u16_max, "ab", std::string(64, '#')},
    msg::hello{7, unicode, unicode},
    msg::say{unicode},
    msg::say{std::string(chat::max_text_bytes, 'x')},
    msg::say{""},
    msg::ping{0},
    msg::ping{u64_max},
    msg::ping{0x0102030405060708},
    msg::bye{},
};

const std::vector<chat::server_message> server_samples = {
    msg::welcome{unicode, max_name, "#lobby", u32_max},
    msg::welcome{"", "ab", "r", 0},
    msg::message{u64_max, 0, 0xff, max_name, "room", unicode},
    msg::message{0, u64_max, msg::flag_history, "", "", ""},
    msg::message{0x1122334455667788, 1700000000123, 0, "bob", "lobby", "hi"},
    msg::joined{max_name, unicode, u32_max},
    msg::joined{"ab", "r", 0},
    msg::left{unicode, "lobby", 0},
    msg::left{"ab", "r", u32_max},
    msg::pong{0},
    msg::pong{u64_max},
    msg::error{u16_max, unicode},
    msg::error{static_cast<std::uint16_t>(errc::name_taken), ""},
};

// Encodes each sample and decodes it back through a frame_decoder.
template <class Variant, class Decode>
void check_round_trips(const std::vector<Variant>& samples, Decode decode) {
  for (const auto& original : samples) {
    const frame_bytes wire = chat::encode(original);
    // The variant overload and the per-struct template produce the same bytes.
    std::visit([&](const auto& m) { BOOST_TEST(to_hex(chat::encode(m)) == to_hex(wire)); },
               original);
    auto decoded = decode_wire(wire, decode);
    BOOST_TEST_REQUIRE(decoded.has_value(),
                       "index " << original.index() << ": " << error_of(decoded));
    BOOST_TEST((*decoded == original), "index " << original.index());
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(client_messages_round_trip) { check_round_trips(client_samples, as_client); }

BOOST_AUTO_TEST_CASE(server_messages_round_trip) { check_round_trips(server_samples, as_server); }

BOOST_AUTO_TEST_CASE(longest_string_field_round_trips) {
  const msg::say original{std::string(u16_max, 'z')};
  const frame_bytes wire = chat::encode(original);
  BOOST_TEST(wire.size() == 4u + 1u + 2u + u16_max);
  BOOST_TEST(to_hex(frame_bytes(wire.begin(), wire.begin() + 7)) == "00 01 00 02 02 ff ff");
  auto decoded = decode_wire(wire, as_client);
  BOOST_TEST_REQUIRE(decoded.has_value());
  BOOST_TEST((std::get<msg::say>(*decoded) == original));
}

BOOST_AUTO_TEST_CASE(exact_wire_layout) {
  const std::vector<std::pair<frame_bytes, std::string>> cases = {
      // 17 = type 1 + version 2 + (2 + 5) + (2 + 5)
      {chat::encode(msg::hello{1, "alice", "lobby"}),
       "00 00 00 11 01 00 01 00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79"},
      {chat::encode(msg::hello{0x1234, "ab", ""}), "00 00 00 09 01 12 34 00 02 61 62 00 00"},
      {chat::encode(msg::say{"\xC3\xA9!"}), "00 00 00 06 02 00 03 c3 a9 21"},
      {chat::encode(msg::ping{0x0102030405060708}), "00 00 00 09 03 01 02 03 04 05 06 07 08"},
      {chat::encode(msg::bye{}), "00 00 00 01 04"},
      // 15 = type 1 + (2 + 1) + (2 + 2) + (2 + 1) + member_count 4
      {chat::encode(msg::welcome{"s", "ab", "r", 0x01020304}),
       "00 00 00 0f 81 00 01 73 00 02 61 62 00 01 72 01 02 03 04"},
      // 29 = type 1 + id 8 + time 8 + flags 1 + (2 + 2) + (2 + 1) + (2 + 2)
      {chat::encode(msg::message{1, 0x0a0b, 0x01, "ab", "r", "hi"}),
       "00 00 00 1d 82 00 00 00 00 00 00 00 01 00 00 00 00 00 00 0a 0b 01 "
       "00 02 61 62 00 01 72 00 02 68 69"},
      {chat::encode(msg::joined{"ab", "r", 5}), "00 00 00 0c 83 00 02 61 62 00 01 72 00 00 00 05"},
      {chat::encode(msg::left{"ab", "r", 0}), "00 00 00 0c 84 00 02 61 62 00 01 72 00 00 00 00"},
      {chat::encode(msg::pong{u64_max}), "00 00 00 09 85 ff ff ff ff ff ff ff ff"},
      {chat::encode(msg::error{11, "x"}), "00 00 00 06 86 00 0b 00 01 78"},
      // docs/PROTOCOL.md section 11, byte for byte.
      {chat::encode(msg::hello{1, "alice", ""}),
       "00 00 00 0c 01 00 01 00 05 61 6c 69 63 65 00 00"},
      {chat::encode(msg::welcome{"libchat server", "alice", "lobby", 1}),
       "00 00 00 23 81 00 0e 6c 69 62 63 68 61 74 20 73 65 72 76 65 72 "
       "00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79 00 00 00 01"},
      {chat::encode(msg::say{"hi"}), "00 00 00 05 02 00 02 68 69"},
      {chat::encode(msg::message{1, 1767225600000, 0, "alice", "lobby", "hi"}),
       "00 00 00 24 82 00 00 00 00 00 00 00 01 00 00 01 9b 76 da a8 00 00 "
       "00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79 00 02 68 69"},
      {chat::encode(msg::hello{1, "ALICE", ""}),
       "00 00 00 0c 01 00 01 00 05 41 4c 49 43 45 00 00"},
      {chat::encode(msg::error{11, "name is taken"}),
       "00 00 00 12 86 00 0b 00 0d 6e 61 6d 65 20 69 73 20 74 61 6b 65 6e"},
      {chat::encode(msg::ping{42}), "00 00 00 09 03 00 00 00 00 00 00 00 2a"},
      {chat::encode(msg::pong{42}), "00 00 00 09 85 00 00 00 00 00 00 00 2a"},
      {chat::encode(msg::joined{"bob", "lobby", 2}),
       "00 00 00 11 83 00 03 62 6f 62 00 05 6c 6f 62 62 79 00 00 00 02"},
  };
  for (const auto& [wire, hex] : cases) {
    BOOST_TEST(to_hex(wire) == hex);
    // And back: the hand-written bytes decode to a message that encodes to the same bytes.
    const frame_bytes bytes = from_hex(hex);
    frame_bytes again;
    if (bytes[4] & 0x80) {
      auto m = decode_wire(bytes, as_server);
      BOOST_TEST_REQUIRE(m.has_value(), hex);
      again = chat::encode(*m);
    } else {
      auto m = decode_wire(bytes, as_client);
      BOOST_TEST_REQUIRE(m.has_value(), hex);
      again = chat::encode(*m);
    }
    BOOST_TEST(to_hex(again) == hex);
  }

  // Field order and values, not only bytes, survive decoding.
  auto hello = decode_wire(
      from_hex("00 00 00 11 01 00 01 00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79"), as_client);
  BOOST_TEST_REQUIRE(hello.has_value());
  BOOST_TEST((*hello == chat::client_message{msg::hello{1, "alice", "lobby"}}));
}

BOOST_AUTO_TEST_CASE(largest_valid_frames) {
  const frame_bytes message = chat::encode(msg::message{
      u64_max, u64_max, 0xff, std::string(chat::max_name_length, 'n'),
      std::string(chat::max_room_length, 'r'), std::string(chat::max_text_bytes, 't')});
  BOOST_TEST(message.size() == chat::frame_header_size + chat::largest_valid_frame);
  BOOST_TEST(chat::largest_valid_frame == 16504u);  // docs/PROTOCOL.md section 12
  BOOST_TEST(chat::largest_valid_frame <= chat::default_max_frame);
  const frame_bytes say = chat::encode(msg::say{std::string(chat::max_text_bytes, 't')});
  BOOST_TEST(say.size() == chat::frame_header_size + 16387u);
  auto decoded = decode_wire(message, as_server);
  BOOST_TEST(decoded.has_value());
}

BOOST_AUTO_TEST_CASE(truncated_body_is_malformed_at_every_cut) {
  const auto check = [](const frame_bytes& wire, auto decode) {
    const std::span<const std::uint8_t> body(wire.begin() + 5, wire.end());
    for (std::size_t cut = 0; cut < body.size(); ++cut) {
      auto result = decode_wire(make_frame(wire[4], body.first(cut)), decode);
      BOOST_TEST(error_of(result) == ec(errc::malformed_frame),
                 "type " << int(wire[4]) << " cut at " << cut);
    }
  };
  for (const auto& m : client_samples) check(chat::encode(m), as_client);
  for (const auto& m : server_samples) check(chat::encode(m), as_server);
}

BOOST_AUTO_TEST_CASE(trailing_byte_is_malformed) {
  const auto check = [](frame_bytes wire, auto decode) {
    wire.push_back(0);
    auto result = decode_wire(make_frame(wire[4], std::span(wire).subspan(5)), decode);
    BOOST_TEST(error_of(result) == ec(errc::malformed_frame), "type " << int(wire[4]));
  };
  for (const auto& m : client_samples) check(chat::encode(m), as_client);
  for (const auto& m : server_samples) check(chat::encode(m), as_server);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_any_string_field) {
  // The encoder copies bytes without validating, so it can produce these frames.
  const std::vector<std::string> bad = {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                        "ok\xE2\x82", "\x80", "a\xFF" "b"};
  for (const std::string& s : bad) {
    const std::string shown = to_hex(frame_bytes(s.begin(), s.end()));
    const std::vector<chat::client_message> client = {
        msg::hello{1, s, "lobby"}, msg::hello{1, "alice", s}, msg::say{s}};
    const std::vector<chat::server_message> server = {
        msg::welcome{s, "ab", "r", 1}, msg::welcome{"i", s, "r", 1}, msg::welcome{"i", "ab", s, 1},
        msg::message{1, 2, 0, s, "r", "t"}, msg::message{1, 2, 0, "ab", s, "t"},
        msg::message{1, 2, 0, "ab", "r", s}, msg::joined{s, "r", 1}, msg::joined{"ab", s, 1},
        msg::left{s, "r", 1}, msg::left{"ab", s, 1}, msg::error{4, s}};
    for (const auto& m : client)
      BOOST_TEST(error_of(decode_wire(chat::encode(m), as_client)) == ec(errc::invalid_utf8),
                 "index " << m.index() << " string " << shown);
    for (const auto& m : server)
      BOOST_TEST(error_of(decode_wire(chat::encode(m), as_server)) == ec(errc::invalid_utf8),
                 "index " << m.index() << " string " << shown);
  }
}

BOOST_AUTO_TEST_CASE(unknown_type_byte) {
  const std::uint8_t body[] = {0, 0};
  for (int t : {0x00, 0x05, 0x7f, 0x80, 0x87, 0xff}) {
    const auto type = static_cast<std::uint8_t>(t);
    for (std::size_t length : {std::size_t{0}, std::size_t{2}}) {
      const chat::frame_view frame{type, std::span(body, length)};
      BOOST_TEST(error_of(chat::decode_client_message(frame)) == ec(errc::unknown_type), t);
      BOOST_TEST(error_of(chat::decode_server_message(frame)) == ec(errc::unknown_type), t);
    }
  }
}

BOOST_AUTO_TEST_CASE(message_from_the_wrong_direction) {
  for (const auto& m : server_samples)
    BOOST_TEST(error_of(decode_wire(chat::encode(m), as_client)) == ec(errc::unexpected_type),
               "server index " << m.index());
  for (const auto& m : client_samples)
    BOOST_TEST(error_of(decode_wire(chat::encode(m), as_server)) == ec(errc::unexpected_type),
               "client index " << m.index());
  // The body of a wrong-direction frame is not examined.
  const std::uint8_t junk[] = {0xff, 0xff, 0xff};
  BOOST_TEST(error_of(chat::decode_client_message({0x85, junk})) == ec(errc::unexpected_type));
  BOOST_TEST(error_of(chat::decode_server_message({0x01, junk})) == ec(errc::unexpected_type));
}

BOOST_AUTO_TEST_CASE(encode_to_appends_frames) {
  const msg::hello first{1, "alice", "lobby"};
  const msg::say second{unicode};
  const chat::client_message third = msg::ping{42};

  frame_bytes out = chat::encode(first);
  chat::encode_to(out, second);
  chat::encode_to(out, third);

  frame_bytes expected = chat::encode(first);
  for (const frame_bytes& f : {chat::encode(second), chat::encode(third)})
    expected.insert(expected.end(), f.begin(), f.end());
  BOOST_TEST(to_hex(out) == to_hex(expected));

  const auto decoded = chat::test::decode_all<chat::client_message>(out);
  const std::vector<chat::client_message> sent = {first, second, third};
  BOOST_TEST((decoded == sent));
}

BOOST_AUTO_TEST_CASE(string_longer_than_65535_bytes_throws) {
  const std::string too_long(std::size_t{u16_max} + 1, 'a');
  BOOST_CHECK_THROW(chat::encode(msg::say{too_long}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::hello{1, "ab", too_long}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(chat::server_message{msg::error{1, too_long}}), std::length_error);
  BOOST_CHECK_NO_THROW(chat::encode(msg::say{std::string(u16_max, 'a')}));
}

BOOST_AUTO_TEST_CASE(a_throwing_encode_leaves_the_buffer_as_it_was) {
  chat::frame_bytes out = chat::encode(msg::ping{7});
  const auto before = out;
  const std::string too_long(std::size_t{u16_max} + 1, 'a');
  BOOST_CHECK_THROW(chat::encode_to(out, msg::hello{1, "ab", too_long}), std::length_error);
  BOOST_TEST((out == before));  // no partial frame to corrupt the stream
}

BOOST_AUTO_TEST_SUITE_END()
