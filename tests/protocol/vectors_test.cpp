// SPDX-License-Identifier: BSL-1.0
// The shared vectors (tests/vectors/messages.json) against the C++ codec: every vector's fields
// encode to exactly its bytes and its bytes decode to exactly its fields; every decode_errors
// vector fails with its code. The browser client's codec is held to the same file
// (tests/web/protocol.test.mjs), so the two agree byte for byte.
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include <boost/describe/enum.hpp>
#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/src.hpp>  // header-only Boost.JSON, compiled into this test alone
#include <boost/mp11/algorithm.hpp>
#include "support/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

// The vectors name messages by their enumerator (messages.hpp does not describe the enums).
namespace chat {
BOOST_DESCRIBE_ENUM(client_message_type, hello, say, ping, bye, join, part, list, who, topic,
                    private_message, nick, history, pong, cap, pass, resume)
BOOST_DESCRIBE_ENUM(server_message_type, welcome, message, joined, left, pong, error, ping,
                    topic, room_info, members, end, renamed, caps, session)
}  // namespace chat

namespace {

namespace json = boost::json;
using chat::errc;
using chat::frame_bytes;

// A vector the test cannot interpret is a broken vector, reported as a failure of its own.
struct bad_vector : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json::value& vectors() {
  static const json::value parsed = [] {
    std::ifstream in(LIBCHAT_VECTORS_PATH, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " LIBCHAT_VECTORS_PATH);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return parsed;
}

// "00 0a ff" -> bytes; anything else is a broken vector.
frame_bytes from_hex(std::string_view hex) {
  const auto nibble = [&](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    throw bad_vector("hex: not a lower-case hex digit: " + std::string(hex));
  };
  frame_bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 3) {
    if (i + 2 > hex.size() || (i + 2 < hex.size() && hex[i + 2] != ' '))
      throw bad_vector("hex: bytes must be two digits separated by one space: " + std::string(hex));
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

using chat::test::to_hex;

template <class Int>
Int integer_from_json(const json::value& v) {
  std::uint64_t n = 0;
  if constexpr (std::is_same_v<Int, std::uint64_t>) {
    // u64 travels as a decimal string: JSON numbers lose precision above 2^53.
    const auto* s = v.if_string();
    if (!s) throw bad_vector("u64 field must be a decimal string");
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec != std::errc{} || end != s->data() + s->size() || s->empty())
      throw bad_vector("u64 field is not a decimal number in range: " + std::string(*s));
  } else {
    if (v.is_uint64()) n = v.get_uint64();
    else if (v.is_int64() && v.get_int64() >= 0) n = static_cast<std::uint64_t>(v.get_int64());
    else throw bad_vector("integer field must be a non-negative JSON integer");
    if (n > std::numeric_limits<Int>::max()) throw bad_vector("integer field out of range");
  }
  return static_cast<Int>(n);
}

std::string string_from_json(const json::value& v) {
  const auto* s = v.if_string();
  if (!s) throw bad_vector("string field must be a JSON string");
  return std::string(*s);
}

// Builds a message struct from a vector's fields, generically over its described members.
// The fields must be exactly the struct's: a missing or extra one is a broken vector.
template <class Message>
Message message_from_json(const json::object& fields) {
  Message m;
  std::set<std::string_view> unknown;
  for (const auto& field : fields) unknown.insert(field.key());
  boost::mp11::mp_for_each<boost::describe::describe_members<Message, boost::describe::mod_public>>(
      [&](auto member) {
        const auto* value = fields.if_contains(member.name);
        if (!value) throw bad_vector(std::string("missing field ") + member.name);
        unknown.erase(member.name);
        auto& field = m.*member.pointer;
        using field_type = std::decay_t<decltype(field)>;
        if constexpr (std::is_same_v<field_type, std::string>) {
          field = string_from_json(*value);
        } else if constexpr (std::is_same_v<field_type, std::vector<std::string>>) {
          const auto* list = value->if_array();
          if (!list) throw bad_vector(std::string("list field must be an array: ") + member.name);
          for (const auto& entry : *list) field.push_back(string_from_json(entry));
        } else {
          static_assert(std::is_unsigned_v<field_type>);
          field = integer_from_json<field_type>(*value);
        }
      });
  if (!unknown.empty()) throw bad_vector("not a field of the message: " + std::string(*unknown.begin()));
  return m;
}

template <class Message>
constexpr const char* name_of() {
  return boost::describe::enum_to_string(Message::type, nullptr);
}

// The alternative of Variant (client_message or server_message) named `type`, built from fields.
template <class Variant>
Variant variant_from_json(std::string_view type, const json::object& fields) {
  std::optional<Variant> out;
  boost::mp11::mp_for_each<boost::mp11::mp_rename<Variant, boost::mp11::mp_list>>([&](auto tag) {
    using Message = decltype(tag);
    const char* name = name_of<Message>();
    if (name && type == name) out.emplace(message_from_json<Message>(fields));
  });
  if (!out) throw bad_vector("no message type named " + std::string(type));
  return *out;
}

// Frames what a WebSocket message carries: exactly one whole frame (docs/PROTOCOL.md 15.2),
// checked by the same frame_decoder the TCP transport uses.
boost::system::result<chat::frame_view> the_one_frame(chat::frame_decoder& decoder,
                                                       const frame_bytes& bytes) {
  decoder.feed(bytes);
  auto frame = decoder.next();
  if (!frame) return frame.error();
  if (!*frame || decoder.buffered() != 0) return make_error_code(errc::malformed_frame);
  return **frame;
}

template <class Variant>
boost::system::result<Variant> decode_as(chat::frame_view frame) {
  if constexpr (std::is_same_v<Variant, chat::client_message>)
    return chat::decode_client_message(frame);
  else
    return chat::decode_server_message(frame);
}

template <class Variant>
void check_message_vector(const json::object& vector) {
  const auto expected = variant_from_json<Variant>(vector.at("type").as_string(),
                                                   vector.at("fields").as_object());
  const frame_bytes bytes = from_hex(vector.at("hex").as_string());

  frame_bytes encoded;
  chat::encode_to(encoded, expected);
  BOOST_TEST(to_hex(encoded) == to_hex(bytes));

  chat::frame_decoder decoder;
  const auto frame = the_one_frame(decoder, bytes);
  BOOST_TEST_REQUIRE(frame.has_value(), "not one whole frame: " << frame.error().message());
  const auto decoded = decode_as<Variant>(*frame);
  BOOST_TEST_REQUIRE(decoded.has_value(), "decoding failed: " << decoded.error().message());
  BOOST_TEST((*decoded == expected), "decoded message differs from the fields");
}

std::string context_of(const json::object& vector) {
  return json::serialize(vector);
}

// The decoding errors by their names in PROTOCOL.md section 8.
errc error_named(std::string_view name) {
  static constexpr std::pair<std::string_view, errc> names[] = {
      {"malformed_frame", errc::malformed_frame}, {"invalid_utf8", errc::invalid_utf8},
      {"unexpected_type", errc::unexpected_type}, {"unknown_type", errc::unknown_type},
      {"frame_too_large", errc::frame_too_large}};
  for (const auto& [known, e] : names)
    if (name == known) return e;
  throw bad_vector("not a decoding error: " + std::string(name));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shared_vectors)

BOOST_AUTO_TEST_CASE(every_message_vector_encodes_to_its_bytes_and_decodes_to_its_fields) {
  const auto& messages = vectors().at("messages").as_array();
  BOOST_TEST(!messages.empty());
  for (const auto& entry : messages) {
    const auto& vector = entry.as_object();
    BOOST_TEST_CONTEXT(context_of(vector)) {
      try {
        const auto& kind = vector.at("kind").as_string();
        if (kind == "client") check_message_vector<chat::client_message>(vector);
        else if (kind == "server") check_message_vector<chat::server_message>(vector);
        else BOOST_ERROR("kind must be client or server");
      } catch (const std::exception& e) {
        BOOST_ERROR("broken vector: " << e.what());
      }
    }
  }
}

// A message added to messages.hpp without vectors fails here, not silently.
BOOST_AUTO_TEST_CASE(every_message_type_of_both_directions_has_vectors) {
  std::set<std::string> covered;
  for (const auto& entry : vectors().at("messages").as_array()) {
    const auto& vector = entry.as_object();
    covered.insert(std::string(vector.at("kind").as_string()) + ":" +
                   std::string(vector.at("type").as_string()));
  }
  const auto check = [&](auto tag, const char* kind) {
    using Message = decltype(tag);
    const char* name = name_of<Message>();
    BOOST_TEST_REQUIRE(name != nullptr, "type byte " << int(chat::type_byte_of<Message>())
                                                     << " has no name in this test");
    BOOST_TEST(covered.count(std::string(kind) + ":" + name) == 1u, kind << " " << name);
  };
  boost::mp11::mp_for_each<boost::mp11::mp_rename<chat::client_message, boost::mp11::mp_list>>(
      [&](auto tag) { check(tag, "client"); });
  boost::mp11::mp_for_each<boost::mp11::mp_rename<chat::server_message, boost::mp11::mp_list>>(
      [&](auto tag) { check(tag, "server"); });
}

BOOST_AUTO_TEST_CASE(every_decode_error_vector_fails_with_its_code) {
  const auto& errors = vectors().at("decode_errors").as_array();
  BOOST_TEST(!errors.empty());
  for (const auto& entry : errors) {
    const auto& vector = entry.as_object();
    BOOST_TEST_CONTEXT(context_of(vector)) {
      try {
        const auto expected = chat::make_error_code(error_named(vector.at("error").as_string()));
        const auto* max_frame = vector.if_contains("max_frame");
        chat::frame_decoder decoder(max_frame ? integer_from_json<std::uint32_t>(*max_frame)
                                              : chat::default_max_frame);
        const auto frame = the_one_frame(decoder, from_hex(vector.at("hex").as_string()));
        boost::system::error_code got;
        if (!frame) {
          got = frame.error();
        } else {
          const auto& from = vector.at("from").as_string();
          if (from == "client") got = decode_as<chat::client_message>(*frame).error();
          else if (from == "server") got = decode_as<chat::server_message>(*frame).error();
          else BOOST_ERROR("from must be client or server");
        }
        BOOST_TEST(got == expected, got.message() << " != " << expected.message());
      } catch (const std::exception& e) {
        BOOST_ERROR("broken vector: " << e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
