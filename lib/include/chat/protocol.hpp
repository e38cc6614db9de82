// Protocol v1 messages and their wire encoding (docs/PROTOCOL.md is normative).
//
// Sans-io: nothing here touches a socket. All functions are pure and thread-safe; the
// message structs are plain values.
#pragma once

#include <chat/error.hpp>

#include <boost/describe/class.hpp>
#include <boost/system/result.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace chat {

inline constexpr std::uint16_t protocol_version = 1;

/// Bytes of the length prefix that starts every frame.
inline constexpr std::size_t frame_header_size = 4;
/// Default limit on a frame's declared length (type byte and fields).
inline constexpr std::size_t default_max_frame = 64 * 1024;
/// Longest SAY / MESSAGE text, in bytes of UTF-8.
inline constexpr std::size_t max_text_bytes = 16 * 1024;
/// Longest text of server-composed strings (WELCOME server text, ERROR text), in bytes.
inline constexpr std::size_t max_info_bytes = 1024;
/// Room joined when HELLO names none.
inline constexpr char default_room[] = "lobby";
inline constexpr std::size_t min_name_length = 2;
inline constexpr std::size_t max_name_length = 32;
inline constexpr std::size_t max_room_length = 64;
/// Declared length of the largest valid frame (a MESSAGE with every string at its limit).
/// A receiver's frame limit must be at least this.
inline constexpr std::size_t largest_valid_frame =
    1 + 8 + 8 + 1 + (2 + max_name_length) + (2 + max_room_length) + (2 + max_text_bytes);

enum class message_type : std::uint8_t {
  // client -> server
  hello = 0x01,
  say = 0x02,
  ping = 0x03,
  bye = 0x04,
  // server -> client
  welcome = 0x81,
  message = 0x82,
  joined = 0x83,
  left = 0x84,
  pong = 0x85,
  error = 0x86,
};

namespace msg {

struct hello {
  static constexpr message_type type = message_type::hello;
  std::uint16_t version = protocol_version;
  std::string name;
  std::string room;  ///< Empty: the default room.
  friend bool operator==(const hello&, const hello&) = default;
};
BOOST_DESCRIBE_STRUCT(hello, (), (version, name, room))

struct say {
  static constexpr message_type type = message_type::say;
  std::string text;
  friend bool operator==(const say&, const say&) = default;
};
BOOST_DESCRIBE_STRUCT(say, (), (text))

struct ping {
  static constexpr message_type type = message_type::ping;
  std::uint64_t token = 0;  ///< Echoed unchanged in PONG.
  friend bool operator==(const ping&, const ping&) = default;
};
BOOST_DESCRIBE_STRUCT(ping, (), (token))

struct bye {
  static constexpr message_type type = message_type::bye;
  friend bool operator==(const bye&, const bye&) = default;
};
BOOST_DESCRIBE_STRUCT(bye, (), ())

struct welcome {
  static constexpr message_type type = message_type::welcome;
  std::string server_info;
  std::string name;  ///< The name as the server registered it.
  std::string room;
  std::uint32_t member_count = 0;  ///< Including the new member.
  friend bool operator==(const welcome&, const welcome&) = default;
};
BOOST_DESCRIBE_STRUCT(welcome, (), (server_info, name, room, member_count))

/// MESSAGE flag bits.
inline constexpr std::uint8_t flag_history = 0x01;  ///< Replayed from room history on join.

struct message {
  static constexpr message_type type = message_type::message;
  std::uint64_t id = 0;       ///< Server-assigned; grows with every message of a server run.
  std::uint64_t time_ms = 0;  ///< Server time, milliseconds since the Unix epoch (UTC).
  std::uint8_t flags = 0;
  std::string sender;
  std::string room;
  std::string text;
  friend bool operator==(const message&, const message&) = default;
};
BOOST_DESCRIBE_STRUCT(message, (), (id, time_ms, flags, sender, room, text))

struct joined {
  static constexpr message_type type = message_type::joined;
  std::string name;
  std::string room;
  std::uint32_t member_count = 0;  ///< After the join.
  friend bool operator==(const joined&, const joined&) = default;
};
BOOST_DESCRIBE_STRUCT(joined, (), (name, room, member_count))

struct left {
  static constexpr message_type type = message_type::left;
  std::string name;
  std::string room;
  std::uint32_t member_count = 0;  ///< After the leave.
  friend bool operator==(const left&, const left&) = default;
};
BOOST_DESCRIBE_STRUCT(left, (), (name, room, member_count))

struct pong {
  static constexpr message_type type = message_type::pong;
  std::uint64_t token = 0;
  friend bool operator==(const pong&, const pong&) = default;
};
BOOST_DESCRIBE_STRUCT(pong, (), (token))

struct error {
  static constexpr message_type type = message_type::error;
  std::uint16_t code = 0;  ///< A chat::errc value.
  std::string text;
  friend bool operator==(const error&, const error&) = default;
};
BOOST_DESCRIBE_STRUCT(error, (), (code, text))

}  // namespace msg

using client_message = std::variant<msg::hello, msg::say, msg::ping, msg::bye>;
using server_message =
    std::variant<msg::welcome, msg::message, msg::joined, msg::left, msg::pong, msg::error>;

/// Encoded frames: length prefix included, ready to write.
using frame_bytes = std::vector<std::uint8_t>;
/// An immutable encoded frame shared by every recipient of a broadcast.
using shared_frame = std::shared_ptr<const frame_bytes>;

/// Any of the message structs above.
template <class T>
concept wire_message = requires {
  { T::type } -> std::convertible_to<message_type>;
};

/// Appends the frame for `m` to `out` (so several frames can share one buffer).
/// Throws std::length_error if a string is longer than 65535 bytes: callers validate first.
/// Defined for every message struct in chat::msg.
template <wire_message Message>
void encode_to(frame_bytes& out, const Message& m);
void encode_to(frame_bytes& out, const client_message& m);
void encode_to(frame_bytes& out, const server_message& m);

template <class Message>
frame_bytes encode(const Message& m) {
  frame_bytes out;
  encode_to(out, m);
  return out;
}

template <class Message>
shared_frame encode_shared(const Message& m) {
  return std::make_shared<const frame_bytes>(encode(m));
}

/// One frame as the decoder found it: the type byte and the fields after it.
struct frame_view {
  std::uint8_t type = 0;
  std::span<const std::uint8_t> body;
};

/// Decodes a frame sent by a client. Errors: unknown_type, unexpected_type (a server message),
/// malformed_frame, invalid_utf8.
boost::system::result<client_message> decode_client_message(frame_view frame);
/// Decodes a frame sent by a server. Errors as decode_client_message, mirrored.
boost::system::result<server_message> decode_server_message(frame_view frame);

}  // namespace chat
