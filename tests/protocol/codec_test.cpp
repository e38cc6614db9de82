// SPDX-License-Identifier: BSL-1.0
// Encoding and decoding of protocol messages: round trips, exact wire layout, malformed input.
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>
#include <chat/text.hpp>

#include "support/decode_all.hpp"

#include "support/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
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
const std::string max_room(chat::max_room_length, '#');

// `count` distinct valid names of `length` bytes each ("n0", "n1", ... padded with '_').
std::vector<std::string> many_names(std::size_t count, std::size_t length = chat::max_name_length) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string name = "n" + std::to_string(i);
    name.resize(length, '_');
    out.push_back(std::move(name));
  }
  return out;
}

constexpr auto type_byte(chat::client_message_type t) { return static_cast<std::uint8_t>(t); }

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

using chat::test::to_hex;

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

// At least one sample of every message type, with fields at their extremes.
const std::vector<chat::client_message> client_samples = {
    msg::client::hello{chat::protocol_version, "alice", "lobby"},
    msg::client::hello{0, max_name, ""},
    msg::client::hello{u16_max, "ab", max_room},
    msg::client::hello{7, unicode, unicode},
    msg::client::say{"lobby", 0, unicode},
    msg::client::say{max_room, msg::flag_action, std::string(chat::max_text_bytes, 'x')},
    msg::client::say{"", 0xff, ""},
    msg::client::ping{0},
    msg::client::ping{u64_max},
    msg::client::ping{0x0102030405060708},
    msg::client::bye{""},
    msg::client::bye{unicode},
    msg::client::bye{std::string(chat::max_reason_bytes, 'r')},
    msg::client::join{"lobby", 0},
    msg::client::join{unicode, u64_max},
    msg::client::join{"", 0x0102030405060708},
    msg::client::part{"lobby", ""},
    msg::client::part{max_room, std::string(chat::max_reason_bytes, 'r')},
    msg::client::part{"", unicode},
    msg::client::list{},
    msg::client::who{"lobby"},
    msg::client::who{""},
    msg::client::who{unicode},
    msg::client::topic{"lobby", 0, ""},
    msg::client::topic{"r", 1, unicode},
    msg::client::topic{max_room, 0xff, std::string(chat::max_topic_bytes, 't')},
    msg::client::private_message{"bob", 0, "hi"},
    msg::client::private_message{max_name, msg::flag_action, std::string(chat::max_text_bytes, 'p')},
    msg::client::private_message{"", 0xff, unicode},
    msg::client::nick{"bob"},
    msg::client::nick{""},
    msg::client::nick{unicode},
    msg::client::history{"lobby", 0, 0},
    msg::client::history{unicode, u64_max, u16_max},
    msg::client::history{"", 0x0102030405060708, 0x0a0b},
    msg::client::pong{0},
    msg::client::pong{u64_max},
    msg::client::pong{0x0102030405060708},
    msg::client::cap{{}},
    msg::client::cap{{"resume", unicode, ""}},
    msg::client::pass{"secret"},
    msg::client::pass{unicode},
    msg::client::resume{2, "alice", std::string(32, 'f')},
    msg::client::resume{u16_max, "", ""},
};

const std::vector<chat::server_message> server_samples = {
    msg::server::welcome{unicode, u64_max, max_name},
    msg::server::welcome{"", 0, ""},
    msg::server::welcome{std::string(chat::max_info_bytes, 'i'), 0x0102030405060708, "alice"},
    msg::server::message{u64_max, 0, 0xff, max_name, "room", unicode},
    msg::server::message{0, u64_max, msg::flag_history, "", "", ""},
    msg::server::message{0x1122334455667788, 1700000000123, msg::flag_private | msg::flag_action, "bob",
                 "alice", "hi"},
    msg::server::joined{max_name, unicode, u32_max},
    msg::server::joined{"ab", "r", 0},
    msg::server::left{unicode, "lobby", 0, ""},
    msg::server::left{"ab", "r", u32_max, unicode},
    msg::server::left{max_name, max_room, 1, std::string(chat::max_reason_bytes, 'r')},
    msg::server::pong{0},
    msg::server::pong{u64_max},
    msg::server::error{u16_max, unicode},
    msg::server::error{static_cast<std::uint16_t>(errc::name_taken), ""},
    msg::server::error{static_cast<std::uint16_t>(errc::ping_timeout), "ping timeout"},
    msg::server::ping{0},
    msg::server::ping{u64_max},
    msg::server::topic{"lobby", unicode, "alice", 1700000000123},
    msg::server::topic{"", "", "", 0},
    msg::server::topic{max_room, std::string(chat::max_topic_bytes, 't'), max_name, u64_max},
    msg::server::room_info{"lobby", 3, unicode},
    msg::server::room_info{"", 0, ""},
    msg::server::room_info{max_room, u32_max, std::string(chat::max_topic_bytes, 't')},
    msg::server::members{"lobby", {}},
    msg::server::members{"lobby", {"alice"}},
    msg::server::members{unicode, {"alice", "bob", max_name, unicode, ""}},
    msg::server::members{max_room, many_names(40)},
    msg::server::end{type_byte(chat::client_message_type::join), "lobby", msg::end_missed, u64_max},
    msg::server::end{type_byte(chat::client_message_type::list), "", 0, 0},
    msg::server::end{type_byte(chat::client_message_type::history), unicode,
             msg::end_missed | msg::end_truncated, 0x0102030405060708},
    msg::server::end{0xff, max_room, 0xff, 1},
    msg::server::renamed{"alice", "bob"},
    msg::server::renamed{unicode, ""},
    msg::server::renamed{max_name, "ab"},
    msg::server::caps{{}},
    msg::server::caps{{"resume"}},
    msg::server::session{std::string(32, '0'), 60000},
    msg::server::session{unicode, u32_max},
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

// Every alternative of Variant has at least one sample.
template <class Variant>
void check_every_type_sampled(const std::vector<Variant>& samples) {
  std::vector<bool> seen(std::variant_size_v<Variant>);
  for (const auto& m : samples) seen.at(m.index()) = true;
  for (std::size_t i = 0; i < seen.size(); ++i) BOOST_TEST(seen[i], "no sample of index " << i);
}

bool is_client_type(int t) { return t >= 0x01 && t <= 0x10; }
bool is_server_type(int t) { return t >= 0x81 && t <= 0x8E; }

}  // namespace

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(samples_cover_every_message_type) {
  BOOST_TEST(std::variant_size_v<chat::client_message> == 16u);
  BOOST_TEST(std::variant_size_v<chat::server_message> == 14u);
  check_every_type_sampled(client_samples);
  check_every_type_sampled(server_samples);
}

BOOST_AUTO_TEST_CASE(protocol_version_is_2) {
  BOOST_TEST(chat::protocol_version == 2u);
  BOOST_TEST(msg::client::hello{}.version == 2u);  // a default HELLO speaks this version
}

BOOST_AUTO_TEST_CASE(client_messages_round_trip) { check_round_trips(client_samples, as_client); }

BOOST_AUTO_TEST_CASE(server_messages_round_trip) { check_round_trips(server_samples, as_server); }

BOOST_AUTO_TEST_CASE(longest_string_field_round_trips) {
  const msg::client::say original{"r", 0, std::string(u16_max, 'z')};
  const frame_bytes wire = chat::encode(original);
  BOOST_TEST(wire.size() == 4u + 1u + 3u + 1u + 2u + u16_max);
  BOOST_TEST(to_hex(frame_bytes(wire.begin(), wire.begin() + 11)) ==
             "00 01 00 06 02 00 01 72 00 ff ff");
  auto decoded = decode_wire(wire, as_client);
  BOOST_TEST_REQUIRE(decoded.has_value());
  BOOST_TEST((std::get<msg::client::say>(*decoded) == original));
}

BOOST_AUTO_TEST_CASE(members_frame_with_a_full_list_round_trips) {
  const msg::server::members original{max_room, many_names(chat::max_names_per_frame)};
  const frame_bytes wire = chat::encode(original);
  // type 1 + room (2 + 64) + count 2 + 512 names of (2 + 32)
  BOOST_TEST(wire.size() == 4u + 1u + 66u + 2u + 512u * 34u);
  BOOST_TEST(to_hex(frame_bytes(wire.begin() + 71, wire.begin() + 75)) == "02 00 00 20");
  auto decoded = decode_wire(wire, as_server);
  BOOST_TEST_REQUIRE(decoded.has_value(), error_of(decoded));
  const auto& names = std::get<msg::server::members>(*decoded).names;
  BOOST_TEST_REQUIRE(names.size() == chat::max_names_per_frame);
  BOOST_TEST(names.front() == original.names.front());
  BOOST_TEST(names.back() == original.names.back());
  BOOST_TEST((std::get<msg::server::members>(*decoded) == original));

  // The most entries a count can claim, all present (empty names: two bytes each).
  const msg::server::members widest{"r", std::vector<std::string>(u16_max)};
  const frame_bytes wide = chat::encode(widest);
  BOOST_TEST(wide.size() == 4u + 1u + 3u + 2u + 2u * u16_max);
  auto wide_decoded = decode_wire(wide, as_server);
  BOOST_TEST_REQUIRE(wide_decoded.has_value());
  BOOST_TEST(std::get<msg::server::members>(*wide_decoded).names.size() == u16_max);
}

BOOST_AUTO_TEST_CASE(exact_wire_layout) {
  const std::vector<std::pair<frame_bytes, std::string>> cases = {
      // ---- client -> server, 0x01-0x0D
      // 17 = type 1 + version 2 + (2 + 5) + (2 + 5)
      {chat::encode(msg::client::hello{2, "alice", "lobby"}),
       "00 00 00 11 01 00 02 00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79"},
      {chat::encode(msg::client::hello{0x1234, "ab", ""}), "00 00 00 09 01 12 34 00 02 61 62 00 00"},
      // 10 = type 1 + room (2 + 1) + flags 1 + text (2 + 3)
      {chat::encode(msg::client::say{"r", msg::flag_action, "\xC3\xA9!"}),
       "00 00 00 0a 02 00 01 72 02 00 03 c3 a9 21"},
      {chat::encode(msg::client::ping{0x0102030405060708}), "00 00 00 09 03 01 02 03 04 05 06 07 08"},
      {chat::encode(msg::client::bye{""}), "00 00 00 03 04 00 00"},
      {chat::encode(msg::client::bye{"gone"}), "00 00 00 07 04 00 04 67 6f 6e 65"},
      // 12 = type 1 + room (2 + 1) + after_id 8
      {chat::encode(msg::client::join{"r", 0x0a0b}), "00 00 00 0c 05 00 01 72 00 00 00 00 00 00 0a 0b"},
      {chat::encode(msg::client::part{"r", "bye"}), "00 00 00 09 06 00 01 72 00 03 62 79 65"},
      {chat::encode(msg::client::part{"r", ""}), "00 00 00 06 06 00 01 72 00 00"},
      {chat::encode(msg::client::list{}), "00 00 00 01 07"},
      {chat::encode(msg::client::who{"r"}), "00 00 00 04 08 00 01 72"},
      // 8 = type 1 + room (2 + 1) + set 1 + text (2 + 1)
      {chat::encode(msg::client::topic{"r", 1, "t"}), "00 00 00 08 09 00 01 72 01 00 01 74"},
      {chat::encode(msg::client::topic{"r", 0, ""}), "00 00 00 07 09 00 01 72 00 00 00"},
      // 10 = type 1 + to (2 + 2) + flags 1 + text (2 + 2)
      {chat::encode(msg::client::private_message{"ab", msg::flag_action, "hi"}),
       "00 00 00 0a 0a 00 02 61 62 02 00 02 68 69"},
      {chat::encode(msg::client::nick{"ab"}), "00 00 00 05 0b 00 02 61 62"},
      // 14 = type 1 + room (2 + 1) + after_id 8 + limit 2
      {chat::encode(msg::client::history{"r", 0x0102030405060708, 0x0a0b}),
       "00 00 00 0e 0c 00 01 72 01 02 03 04 05 06 07 08 0a 0b"},
      {chat::encode(msg::client::pong{42}), "00 00 00 09 0d 00 00 00 00 00 00 00 2a"},
      // ---- extensions, client -> server, 0x0E-0x10
      // 11 = type 1 + count 2 + (2 + 6)
      {chat::encode(msg::client::cap{{"resume"}}), "00 00 00 0b 0e 00 01 00 06 72 65 73 75 6d 65"},
      {chat::encode(msg::client::cap{{}}), "00 00 00 03 0e 00 00"},
      {chat::encode(msg::client::pass{"pw"}), "00 00 00 05 0f 00 02 70 77"},
      // 11 = type 1 + version 2 + (2 + 2) + (2 + 2)
      {chat::encode(msg::client::resume{2, "ab", "t1"}), "00 00 00 0b 10 00 02 00 02 61 62 00 02 74 31"},
      // ---- server -> client, 0x81-0x8C
      // 16 = type 1 + (2 + 1) + server_id 8 + (2 + 2)
      {chat::encode(msg::server::welcome{"s", 0x0102030405060708, "ab"}),
       "00 00 00 10 81 00 01 73 01 02 03 04 05 06 07 08 00 02 61 62"},
      // 29 = type 1 + id 8 + time 8 + flags 1 + (2 + 2) + (2 + 1) + (2 + 2)
      {chat::encode(msg::server::message{1, 0x0a0b, 0x01, "ab", "r", "hi"}),
       "00 00 00 1d 82 00 00 00 00 00 00 00 01 00 00 00 00 00 00 0a 0b 01 "
       "00 02 61 62 00 01 72 00 02 68 69"},
      {chat::encode(msg::server::joined{"ab", "r", 5}), "00 00 00 0c 83 00 02 61 62 00 01 72 00 00 00 05"},
      // 14 = type 1 + (2 + 2) + (2 + 1) + member_count 4 + reason (2 + 0)
      {chat::encode(msg::server::left{"ab", "r", 0, ""}),
       "00 00 00 0e 84 00 02 61 62 00 01 72 00 00 00 00 00 00"},
      {chat::encode(msg::server::left{"ab", "r", 0x01020304, "x"}),
       "00 00 00 0f 84 00 02 61 62 00 01 72 01 02 03 04 00 01 78"},
      {chat::encode(msg::server::pong{u64_max}), "00 00 00 09 85 ff ff ff ff ff ff ff ff"},
      {chat::encode(msg::server::error{11, "x"}), "00 00 00 06 86 00 0b 00 01 78"},
      {chat::encode(msg::server::error{22, ""}), "00 00 00 05 86 00 16 00 00"},
      {chat::encode(msg::server::ping{0x0102030405060708}),
       "00 00 00 09 87 01 02 03 04 05 06 07 08"},
      // 19 = type 1 + room (2 + 1) + text (2 + 1) + set_by (2 + 2) + time 8
      {chat::encode(msg::server::topic{"r", "t", "ab", 0x0102030405060708}),
       "00 00 00 13 88 00 01 72 00 01 74 00 02 61 62 01 02 03 04 05 06 07 08"},
      {chat::encode(msg::server::topic{"r", "", "", 0}),
       "00 00 00 10 88 00 01 72 00 00 00 00 00 00 00 00 00 00 00 00"},
      // 11 = type 1 + room (2 + 1) + member_count 4 + topic (2 + 1)
      {chat::encode(msg::server::room_info{"r", 0x01020304, "t"}),
       "00 00 00 0b 89 00 01 72 01 02 03 04 00 01 74"},
      // MEMBERS: room, then u16 count and that many strings.
      {chat::encode(msg::server::members{"r", {}}), "00 00 00 06 8a 00 01 72 00 00"},
      {chat::encode(msg::server::members{"r", {"ab"}}), "00 00 00 0a 8a 00 01 72 00 01 00 02 61 62"},
      // 17 = type 1 + room (2 + 1) + count 2 + (2 + 2) + (2 + 3) + (2 + 0)
      {chat::encode(msg::server::members{"r", {"ab", "cde", ""}}),
       "00 00 00 11 8a 00 01 72 00 03 00 02 61 62 00 03 63 64 65 00 00"},
      // 14 = type 1 + request 1 + room (2 + 1) + flags 1 + last_id 8
      {chat::encode(msg::server::end{0x0c, "r", msg::end_missed | msg::end_truncated, 0x0102030405060708}),
       "00 00 00 0e 8b 0c 00 01 72 03 01 02 03 04 05 06 07 08"},
      {chat::encode(msg::server::end{0x07, "", 0, 0}),
       "00 00 00 0d 8b 07 00 00 00 00 00 00 00 00 00 00 00"},
      {chat::encode(msg::server::renamed{"ab", "cd"}), "00 00 00 09 8c 00 02 61 62 00 02 63 64"},
      // ---- extensions, server -> client, 0x8D-0x8E
      {chat::encode(msg::server::caps{{"resume"}}), "00 00 00 0b 8d 00 01 00 06 72 65 73 75 6d 65"},
      {chat::encode(msg::server::caps{{}}), "00 00 00 03 8d 00 00"},
      // 9 = type 1 + (2 + 2) + grace_ms 4
      {chat::encode(msg::server::session{"t1", 60000}), "00 00 00 09 8e 00 02 74 31 00 00 ea 60"},
      // ---- a session: alice says hi in the lobby.
      {chat::encode(msg::client::hello{2, "alice", ""}),
       "00 00 00 0c 01 00 02 00 05 61 6c 69 63 65 00 00"},
      {chat::encode(msg::server::welcome{"libchat server", 1, "alice"}),
       "00 00 00 20 81 00 0e 6c 69 62 63 68 61 74 20 73 65 72 76 65 72 "
       "00 00 00 00 00 00 00 01 00 05 61 6c 69 63 65"},
      {chat::encode(msg::client::join{"lobby", 0}),
       "00 00 00 10 05 00 05 6c 6f 62 62 79 00 00 00 00 00 00 00 00"},
      {chat::encode(msg::server::joined{"alice", "lobby", 1}),
       "00 00 00 13 83 00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79 00 00 00 01"},
      {chat::encode(msg::server::end{0x05, "lobby", 0, 0}),
       "00 00 00 12 8b 05 00 05 6c 6f 62 62 79 00 00 00 00 00 00 00 00 00"},
      {chat::encode(msg::client::say{"lobby", 0, "hi"}),
       "00 00 00 0d 02 00 05 6c 6f 62 62 79 00 00 02 68 69"},
      {chat::encode(msg::server::message{1, 1767225600000, 0, "alice", "lobby", "hi"}),
       "00 00 00 24 82 00 00 00 00 00 00 00 01 00 00 01 9b 76 da a8 00 00 "
       "00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79 00 02 68 69"},
      {chat::encode(msg::server::error{11, "name is taken"}),
       "00 00 00 12 86 00 0b 00 0d 6e 61 6d 65 20 69 73 20 74 61 6b 65 6e"},
      {chat::encode(msg::client::ping{42}), "00 00 00 09 03 00 00 00 00 00 00 00 2a"},
      {chat::encode(msg::server::pong{42}), "00 00 00 09 85 00 00 00 00 00 00 00 2a"},
      {chat::encode(msg::server::ping{7}), "00 00 00 09 87 00 00 00 00 00 00 00 07"},
      {chat::encode(msg::client::pong{7}), "00 00 00 09 0d 00 00 00 00 00 00 00 07"},
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
      from_hex("00 00 00 11 01 00 02 00 05 61 6c 69 63 65 00 05 6c 6f 62 62 79"), as_client);
  BOOST_TEST_REQUIRE(hello.has_value());
  BOOST_TEST((*hello == chat::client_message{msg::client::hello{2, "alice", "lobby"}}));

  auto history = decode_wire(from_hex("00 00 00 0e 0c 00 01 72 01 02 03 04 05 06 07 08 0a 0b"),
                             as_client);
  BOOST_TEST_REQUIRE(history.has_value());
  const auto& h = std::get<msg::client::history>(*history);
  BOOST_TEST(h.room == "r");
  BOOST_TEST(h.after_id == 0x0102030405060708u);
  BOOST_TEST(h.limit == 0x0a0bu);

  auto members = decode_wire(
      from_hex("00 00 00 11 8a 00 01 72 00 03 00 02 61 62 00 03 63 64 65 00 00"), as_server);
  BOOST_TEST_REQUIRE(members.has_value());
  const auto& m = std::get<msg::server::members>(*members);
  BOOST_TEST(m.room == "r");
  const std::vector<std::string> expected_names = {"ab", "cde", ""};
  BOOST_TEST(m.names == expected_names, boost::test_tools::per_element());

  auto end = decode_wire(from_hex("00 00 00 0e 8b 0c 00 01 72 03 01 02 03 04 05 06 07 08"),
                         as_server);
  BOOST_TEST_REQUIRE(end.has_value());
  const auto& e = std::get<msg::server::end>(*end);
  BOOST_TEST(e.request == 0x0cu);
  BOOST_TEST(e.room == "r");
  BOOST_TEST(e.flags == (msg::end_missed | msg::end_truncated));
  BOOST_TEST(e.last_id == 0x0102030405060708u);

  auto topic = decode_wire(
      from_hex("00 00 00 13 88 00 01 72 00 01 74 00 02 61 62 01 02 03 04 05 06 07 08"), as_server);
  BOOST_TEST_REQUIRE(topic.has_value());
  BOOST_TEST((*topic == chat::server_message{msg::server::topic{"r", "t", "ab", 0x0102030405060708}}));
}

BOOST_AUTO_TEST_CASE(largest_valid_frames) {
  const auto length = [](const frame_bytes& f) { return f.size() - chat::frame_header_size; };
  // The largest: a WHO answer frame of max_names_per_frame longest names in a longest room.
  // 1 + room (2 + 64) + count 2 + 512 * (2 + 32)
  const frame_bytes members =
      chat::encode(msg::server::members{max_room, many_names(chat::max_names_per_frame)});
  BOOST_TEST(length(members) == chat::largest_valid_frame);
  BOOST_TEST(chat::largest_valid_frame == 17477u);
  BOOST_TEST(chat::largest_valid_frame <= chat::default_max_frame);
  // A receiver whose limit is exactly largest_valid_frame accepts it.
  {
    chat::frame_decoder decoder(chat::largest_valid_frame);
    decoder.feed(members);
    auto frame = decoder.next();
    BOOST_TEST_REQUIRE(frame.has_value());
    BOOST_TEST_REQUIRE(frame->has_value());
    BOOST_TEST(chat::decode_server_message(**frame).has_value());
  }

  // The largest MESSAGE, every string at its limit: 16504 bytes.
  const frame_bytes message = chat::encode(msg::server::message{
      u64_max, u64_max, 0xff, std::string(chat::max_name_length, 'n'),
      std::string(chat::max_room_length, 'r'), std::string(chat::max_text_bytes, 't')});
  BOOST_TEST(length(message) == 16504u);
  BOOST_TEST(decode_wire(message, as_server).has_value());

  // Client frames with every field at its limit: SAY is the largest, 16454 bytes.
  const frame_bytes say = chat::encode(msg::client::say{max_room, 0, std::string(chat::max_text_bytes, 't')});
  BOOST_TEST(length(say) == 16454u);
  const frame_bytes private_message =
      chat::encode(msg::client::private_message{max_name, 0, std::string(chat::max_text_bytes, 't')});
  BOOST_TEST(length(private_message) == 16422u);

  // Every other frame with every field at its limit stays within it.
  const std::vector<chat::server_message> at_limits = {
      msg::server::welcome{std::string(chat::max_info_bytes, 'i'), u64_max, max_name},
      msg::server::left{max_name, max_room, u32_max, std::string(chat::max_reason_bytes, 'r')},
      msg::server::error{u16_max, std::string(chat::max_info_bytes, 'e')},
      msg::server::topic{max_room, std::string(chat::max_topic_bytes, 't'), max_name, u64_max},
      msg::server::room_info{max_room, u32_max, std::string(chat::max_topic_bytes, 't')},
      msg::server::end{0xff, max_room, 0xff, u64_max},
      msg::server::renamed{max_name, max_name},
  };
  for (const auto& m : at_limits)
    BOOST_TEST(length(chat::encode(m)) < chat::largest_valid_frame, "index " << m.index());
  for (const frame_bytes& f : {message, say, private_message})
    BOOST_TEST(length(f) < chat::largest_valid_frame);
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
    for (std::uint8_t extra : std::initializer_list<std::uint8_t>{0x00, 0x61, 0xff}) {
      frame_bytes longer = wire;
      longer.push_back(extra);
      auto result = decode_wire(make_frame(longer[4], std::span(longer).subspan(5)), decode);
      BOOST_TEST(error_of(result) == ec(errc::malformed_frame), "type " << int(longer[4]));
    }
  };
  for (const auto& m : client_samples) check(chat::encode(m), as_client);
  for (const auto& m : server_samples) check(chat::encode(m), as_server);
}

BOOST_AUTO_TEST_CASE(members_count_disagreeing_with_entries_is_malformed) {
  // Room "r", then the count, then the entries actually present.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"00 01", ""},                                  // one claimed, none present
      {"00 02", "00 02 61 62"},                       // two claimed, one present
      {"00 03", "00 02 61 62 00 02 63 64"},           // three claimed, two present
      {"ff ff", ""},                                  // 65535 claimed, none present
      {"ff ff", "00 02 61 62 00 00 00 01 63"},        // 65535 claimed, three present
      {"80 00", "00 00"},                             // 32768 claimed, one present
      {"00 00", "00 02 61 62"},                       // none claimed, one present: left over
      {"00 01", "00 02 61 62 00 02 63 64"},           // one claimed, two present: left over
      {"00 02", "00 02 61 62 00 05 63 64"},           // second entry overruns the frame
  };
  for (const auto& [count, entries] : cases) {
    const frame_bytes body = from_hex("00 01 72 " + count + (entries.empty() ? "" : " " + entries));
    auto result = decode_wire(make_frame(0x8a, body), as_server);
    BOOST_TEST(error_of(result) == ec(errc::malformed_frame), count << " | " << entries);
  }
  // The same entries with the right count decode.
  auto good = decode_wire(make_frame(0x8a, from_hex("00 01 72 00 03 00 02 61 62 00 00 00 01 63")),
                          as_server);
  BOOST_TEST_REQUIRE(good.has_value());
  const std::vector<std::string> names = {"ab", "", "c"};
  BOOST_TEST(std::get<msg::server::members>(*good).names == names, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_any_string_field) {
  // The encoder copies bytes without validating, so it can produce these frames.
  const std::vector<std::string> bad = {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                        "ok\xE2\x82", "\x80", "a\xFF" "b"};
  for (const std::string& s : bad) {
    const std::string shown = to_hex(frame_bytes(s.begin(), s.end()));
    const std::vector<chat::client_message> client = {
        msg::client::hello{2, s, "lobby"},
        msg::client::hello{2, "alice", s},
        msg::client::say{s, 0, "t"},
        msg::client::say{"r", 0, s},
        msg::client::bye{s},
        msg::client::join{s, 0},
        msg::client::part{s, "why"},
        msg::client::part{"r", s},
        msg::client::who{s},
        msg::client::topic{s, 1, "t"},
        msg::client::topic{"r", 1, s},
        msg::client::private_message{s, 0, "t"},
        msg::client::private_message{"ab", 0, s},
        msg::client::nick{s},
        msg::client::history{s, 1, 2},
    };
    const std::vector<chat::server_message> server = {
        msg::server::welcome{s, 1, "ab"},
        msg::server::welcome{"i", 1, s},
        msg::server::message{1, 2, 0, s, "r", "t"},
        msg::server::message{1, 2, 0, "ab", s, "t"},
        msg::server::message{1, 2, 0, "ab", "r", s},
        msg::server::joined{s, "r", 1},
        msg::server::joined{"ab", s, 1},
        msg::server::left{s, "r", 1, ""},
        msg::server::left{"ab", s, 1, ""},
        msg::server::left{"ab", "r", 1, s},
        msg::server::error{4, s},
        msg::server::topic{s, "t", "ab", 1},
        msg::server::topic{"r", s, "ab", 1},
        msg::server::topic{"r", "t", s, 1},
        msg::server::room_info{s, 1, "t"},
        msg::server::room_info{"r", 1, s},
        msg::server::members{s, {}},
        msg::server::members{s, {"ab"}},
        msg::server::members{"r", {s}},
        msg::server::members{"r", {s, "ab"}},
        msg::server::members{"r", {"ab", s, "cd"}},
        msg::server::members{"r", {"ab", "cd", s}},
        msg::server::end{0x05, s, 0, 1},
        msg::server::renamed{s, "ab"},
        msg::server::renamed{"ab", s},
    };
    for (const auto& m : client)
      BOOST_TEST(error_of(decode_wire(chat::encode(m), as_client)) == ec(errc::invalid_utf8),
                 "index " << m.index() << " string " << shown);
    for (const auto& m : server)
      BOOST_TEST(error_of(decode_wire(chat::encode(m), as_server)) == ec(errc::invalid_utf8),
                 "index " << m.index() << " string " << shown);
  }
}

BOOST_AUTO_TEST_CASE(first_failing_field_determines_the_error) {
  // An invalid entry before the missing ones: the bad string is met first.
  auto bad_then_short =
      decode_wire(make_frame(0x8a, from_hex("00 01 72 00 03 00 01 ff")), as_server);
  BOOST_TEST(error_of(bad_then_short) == ec(errc::invalid_utf8));
  // A bad room, then a list that overruns the frame.
  auto bad_room = decode_wire(make_frame(0x8a, from_hex("00 01 ff ff ff")), as_server);
  BOOST_TEST(error_of(bad_room) == ec(errc::invalid_utf8));
  // An entry that overruns the frame, whatever its bytes.
  auto overrun = decode_wire(make_frame(0x8a, from_hex("00 01 72 00 01 00 03 ff")), as_server);
  BOOST_TEST(error_of(overrun) == ec(errc::malformed_frame));
  // A bad string followed by left-over bytes.
  auto bad_then_extra = decode_wire(make_frame(0x0b, from_hex("00 01 ff 00")), as_client);
  BOOST_TEST(error_of(bad_then_extra) == ec(errc::invalid_utf8));
}

BOOST_AUTO_TEST_CASE(type_bytes_are_classified) {
  // Every type byte, with an empty and a junk body: the direction it belongs to decides.
  const std::uint8_t junk[] = {0xff, 0xff, 0xff};
  for (int t = 0; t <= 0xff; ++t) {
    const auto type = static_cast<std::uint8_t>(t);
    for (std::size_t length : {std::size_t{0}, std::size_t{3}}) {
      const chat::frame_view frame{type, std::span(junk, length)};
      const auto as_c = error_of(chat::decode_client_message(frame));
      const auto as_s = error_of(chat::decode_server_message(frame));
      if (is_client_type(t)) {
        BOOST_TEST(as_s == ec(errc::unexpected_type), "type " << t);  // body not examined
        BOOST_TEST(as_c != ec(errc::unknown_type), "type " << t);
        BOOST_TEST(as_c != ec(errc::unexpected_type), "type " << t);
      } else if (is_server_type(t)) {
        BOOST_TEST(as_c == ec(errc::unexpected_type), "type " << t);
        BOOST_TEST(as_s != ec(errc::unknown_type), "type " << t);
        BOOST_TEST(as_s != ec(errc::unexpected_type), "type " << t);
      } else {
        BOOST_TEST(as_c == ec(errc::unknown_type), "type " << t);
        BOOST_TEST(as_s == ec(errc::unknown_type), "type " << t);
      }
    }
  }
  // LIST has no fields: an empty body is the whole message, a junk one is left over.
  BOOST_TEST(chat::decode_client_message({0x07, {}}).has_value());
  BOOST_TEST(error_of(chat::decode_client_message({0x07, std::span(junk, 1)})) ==
             ec(errc::malformed_frame));
}

BOOST_AUTO_TEST_CASE(message_from_the_wrong_direction) {
  for (const auto& m : server_samples)
    BOOST_TEST(error_of(decode_wire(chat::encode(m), as_client)) == ec(errc::unexpected_type),
               "server index " << m.index());
  for (const auto& m : client_samples)
    BOOST_TEST(error_of(decode_wire(chat::encode(m), as_server)) == ec(errc::unexpected_type),
               "client index " << m.index());
  // Same-numbered neighbours across directions: 0x10 (RESUME) vs 0x90 (nothing), 0x8E
  // (SESSION) vs 0x0E (CAP), and the first undefined types after each range.
  const std::uint8_t body[] = {0, 0, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(error_of(chat::decode_server_message({0x10, body})) == ec(errc::unexpected_type));
  BOOST_TEST(error_of(chat::decode_client_message({0x90, body})) == ec(errc::unknown_type));
  BOOST_TEST(error_of(chat::decode_client_message({0x8e, body})) == ec(errc::unexpected_type));
  BOOST_TEST(error_of(chat::decode_server_message({0x0e, body})) == ec(errc::unexpected_type));
  BOOST_TEST(error_of(chat::decode_client_message({0x11, body})) == ec(errc::unknown_type));
  BOOST_TEST(error_of(chat::decode_server_message({0x8f, body})) == ec(errc::unknown_type));
}

BOOST_AUTO_TEST_CASE(encode_to_appends_frames) {
  const msg::client::hello first{2, "alice", "lobby"};
  const msg::client::say second{"lobby", 0, unicode};
  const chat::client_message third = msg::client::ping{42};
  const msg::client::list fourth{};
  const chat::client_message fifth = msg::client::history{"lobby", 9, 50};

  frame_bytes out = chat::encode(first);
  chat::encode_to(out, second);
  chat::encode_to(out, third);
  chat::encode_to(out, fourth);
  chat::encode_to(out, fifth);

  frame_bytes expected = chat::encode(first);
  for (const frame_bytes& f :
       {chat::encode(second), chat::encode(third), chat::encode(fourth), chat::encode(fifth)})
    expected.insert(expected.end(), f.begin(), f.end());
  BOOST_TEST(to_hex(out) == to_hex(expected));

  const auto decoded = chat::test::decode_all<chat::client_message>(out);
  const std::vector<chat::client_message> sent = {first, second, third, fourth, fifth};
  BOOST_TEST((decoded == sent));
}

BOOST_AUTO_TEST_CASE(a_who_answer_in_one_buffer) {
  // As a server sends it: MEMBERS frames, then END, appended to one buffer.
  frame_bytes out;
  chat::encode_to(out, msg::server::members{"lobby", {"alice", "bob"}});
  chat::encode_to(out, chat::server_message{msg::server::members{"lobby", {"carol"}}});
  chat::encode_to(out, msg::server::end{type_byte(chat::client_message_type::who), "lobby", 0, 0});
  const auto decoded = chat::test::decode_all<chat::server_message>(out);
  const std::vector<chat::server_message> sent = {
      msg::server::members{"lobby", {"alice", "bob"}}, msg::server::members{"lobby", {"carol"}},
      msg::server::end{0x08, "lobby", 0, 0}};
  BOOST_TEST((decoded == sent));
}

BOOST_AUTO_TEST_CASE(string_longer_than_65535_bytes_throws) {
  const std::string too_long(std::size_t{u16_max} + 1, 'a');
  BOOST_CHECK_THROW(chat::encode(msg::client::say{"r", 0, too_long}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::client::say{too_long, 0, "t"}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::client::hello{1, "ab", too_long}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::client::topic{"r", 1, too_long}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(chat::server_message{msg::server::error{1, too_long}}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::server::members{too_long, {}}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::server::members{"r", {too_long}}), std::length_error);
  BOOST_CHECK_THROW(chat::encode(msg::server::members{"r", {"ab", "cd", too_long}}), std::length_error);
  BOOST_CHECK_NO_THROW(chat::encode(msg::client::say{"r", 0, std::string(u16_max, 'a')}));
  BOOST_CHECK_NO_THROW(chat::encode(msg::server::members{"r", {std::string(u16_max, 'a')}}));
}

BOOST_AUTO_TEST_CASE(list_longer_than_65535_entries_throws) {
  const std::vector<std::string> too_many(std::size_t{u16_max} + 1);
  BOOST_CHECK_THROW(chat::encode(msg::server::members{"r", too_many}), std::length_error);
  BOOST_CHECK_NO_THROW(chat::encode(msg::server::members{"r", std::vector<std::string>(u16_max)}));
}

BOOST_AUTO_TEST_CASE(a_throwing_encode_leaves_the_buffer_as_it_was) {
  chat::frame_bytes out = chat::encode(msg::client::ping{7});
  const auto before = out;
  const std::string too_long(std::size_t{u16_max} + 1, 'a');
  BOOST_CHECK_THROW(chat::encode_to(out, msg::client::hello{1, "ab", too_long}), std::length_error);
  BOOST_TEST((out == before));  // no partial frame to corrupt the stream
  // Not even the room and the entries before the bad one.
  BOOST_CHECK_THROW(chat::encode_to(out, msg::server::members{"r", {"ab", "cd", too_long}}),
                    std::length_error);
  BOOST_TEST((out == before));
  BOOST_CHECK_THROW(
      chat::encode_to(out, msg::server::members{"r", std::vector<std::string>(std::size_t{u16_max} + 1)}),
      std::length_error);
  BOOST_TEST((out == before));
}

BOOST_AUTO_TEST_SUITE_END()
