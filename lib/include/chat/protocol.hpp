// Protocol v2 messages and their wire encoding (docs/PROTOCOL.md is normative).
//
// Sans-io: nothing here touches a socket. All functions are pure and thread-safe; the
// message structs are plain values.
#pragma once

#include <chat/error.hpp>

#include <boost/describe/class.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace chat {

inline constexpr std::uint16_t protocol_version = 2;

/// Bytes of the length prefix that starts every frame.
inline constexpr std::size_t frame_header_size = 4;
/// Default limit on a frame's declared length (type byte and fields).
inline constexpr std::size_t default_max_frame = 64 * 1024;
/// Longest SAY / PRIVATE / MESSAGE text, in bytes of UTF-8.
inline constexpr std::size_t max_text_bytes = 16 * 1024;
/// Longest room topic, in bytes of UTF-8 (0 bytes: no topic).
inline constexpr std::size_t max_topic_bytes = 512;
/// Longest PART / BYE / LEFT reason, in bytes of UTF-8 (may be empty).
inline constexpr std::size_t max_reason_bytes = 256;
/// Longest text of server-composed strings (WELCOME server text, ERROR text), in bytes.
inline constexpr std::size_t max_info_bytes = 1024;
/// Room chatcli and other clients join by default (HELLO's room is optional).
inline constexpr char default_room[] = "lobby";
inline constexpr std::size_t min_name_length = 2;
inline constexpr std::size_t max_name_length = 32;
inline constexpr std::size_t max_room_length = 64;
/// Names in one MEMBERS frame at most; a WHO answer is split into frames of this many.
inline constexpr std::size_t max_names_per_frame = 512;
/// Declared length of the largest valid frame: a MEMBERS frame full of the longest names
/// (a MESSAGE with every string at its limit is a little smaller). A receiver's frame limit
/// must be at least this.
inline constexpr std::size_t largest_valid_frame = std::max(
    1 + 8 + 8 + 1 + (2 + max_name_length) + (2 + max_room_length) + (2 + max_text_bytes),
    1 + (2 + max_room_length) + 2 + max_names_per_frame * (2 + max_name_length));

enum class message_type : std::uint8_t {
  // client -> server
  hello = 0x01,
  say = 0x02,
  ping = 0x03,
  bye = 0x04,
  join = 0x05,
  part = 0x06,
  list = 0x07,
  who = 0x08,
  topic_request = 0x09,
  private_message = 0x0A,
  nick = 0x0B,
  history = 0x0C,
  pong_reply = 0x0D,
  // server -> client
  welcome = 0x81,
  message = 0x82,
  joined = 0x83,
  left = 0x84,
  pong = 0x85,
  error = 0x86,
  keepalive = 0x87,
  topic = 0x88,
  room_info = 0x89,
  members = 0x8A,
  end = 0x8B,
  renamed = 0x8C,
};

namespace msg {

// ---- client -> server -------------------------------------------------------------------

struct hello {
  static constexpr message_type type = message_type::hello;
  std::uint16_t version = protocol_version;
  std::string name;
  std::string room;  ///< Joined at once (as JOIN with after_id 0); empty: none.
  friend bool operator==(const hello&, const hello&) = default;
};
BOOST_DESCRIBE_STRUCT(hello, (), (version, name, room))

/// MESSAGE and SAY / PRIVATE flag bits.
inline constexpr std::uint8_t flag_history = 0x01;  ///< MESSAGE: replayed from room history.
inline constexpr std::uint8_t flag_action = 0x02;   ///< An action ("/me waves"), shown as "* name waves".
inline constexpr std::uint8_t flag_private = 0x04;  ///< MESSAGE: a private message; target is a user.

struct say {
  static constexpr message_type type = message_type::say;
  std::string room;
  std::uint8_t flags = 0;  ///< flag_action or 0; other bits are ignored.
  std::string text;
  friend bool operator==(const say&, const say&) = default;
};
BOOST_DESCRIBE_STRUCT(say, (), (room, flags, text))

struct ping {
  static constexpr message_type type = message_type::ping;
  std::uint64_t token = 0;  ///< Echoed unchanged in PONG.
  friend bool operator==(const ping&, const ping&) = default;
};
BOOST_DESCRIBE_STRUCT(ping, (), (token))

struct bye {
  static constexpr message_type type = message_type::bye;
  std::string reason;  ///< Shown to the rooms in LEFT; may be empty.
  friend bool operator==(const bye&, const bye&) = default;
};
BOOST_DESCRIBE_STRUCT(bye, (), (reason))

struct join {
  static constexpr message_type type = message_type::join;
  std::string room;
  /// Replay the room's history after this id; 0: all of it.
  std::uint64_t after_id = 0;
  friend bool operator==(const join&, const join&) = default;
};
BOOST_DESCRIBE_STRUCT(join, (), (room, after_id))

struct part {
  static constexpr message_type type = message_type::part;
  std::string room;
  std::string reason;  ///< May be empty.
  friend bool operator==(const part&, const part&) = default;
};
BOOST_DESCRIBE_STRUCT(part, (), (room, reason))

struct list {
  static constexpr message_type type = message_type::list;
  friend bool operator==(const list&, const list&) = default;
};
BOOST_DESCRIBE_STRUCT(list, (), ())

struct who {
  static constexpr message_type type = message_type::who;
  std::string room;
  friend bool operator==(const who&, const who&) = default;
};
BOOST_DESCRIBE_STRUCT(who, (), (room))

/// TOPIC: ask for a room's topic, or set it.
struct topic_request {
  static constexpr message_type type = message_type::topic_request;
  std::string room;
  std::uint8_t set = 0;  ///< 0: ask; 1: set to `text` (empty text clears the topic).
  std::string text;
  friend bool operator==(const topic_request&, const topic_request&) = default;
};
BOOST_DESCRIBE_STRUCT(topic_request, (), (room, set, text))

struct private_message {
  static constexpr message_type type = message_type::private_message;
  std::string to;
  std::uint8_t flags = 0;  ///< flag_action or 0.
  std::string text;
  friend bool operator==(const private_message&, const private_message&) = default;
};
BOOST_DESCRIBE_STRUCT(private_message, (), (to, flags, text))

struct nick {
  static constexpr message_type type = message_type::nick;
  std::string name;
  friend bool operator==(const nick&, const nick&) = default;
};
BOOST_DESCRIBE_STRUCT(nick, (), (name))

struct history {
  static constexpr message_type type = message_type::history;
  std::string room;
  std::uint64_t after_id = 0;  ///< Messages with a larger id, oldest first.
  std::uint16_t limit = 0;     ///< At most this many.
  friend bool operator==(const history&, const history&) = default;
};
BOOST_DESCRIBE_STRUCT(history, (), (room, after_id, limit))

/// PONG from a client: the answer to the server's keep-alive PING.
struct pong_reply {
  static constexpr message_type type = message_type::pong_reply;
  std::uint64_t token = 0;
  friend bool operator==(const pong_reply&, const pong_reply&) = default;
};
BOOST_DESCRIBE_STRUCT(pong_reply, (), (token))

// ---- server -> client -------------------------------------------------------------------

struct welcome {
  static constexpr message_type type = message_type::welcome;
  std::string server_info;
  /// Identifies this run of the server: message ids are comparable only while it is unchanged.
  std::uint64_t server_id = 0;
  std::string name;  ///< The name as the server registered it.
  friend bool operator==(const welcome&, const welcome&) = default;
};
BOOST_DESCRIBE_STRUCT(welcome, (), (server_info, server_id, name))

struct message {
  static constexpr message_type type = message_type::message;
  std::uint64_t id = 0;       ///< Server-assigned; grows with every message of a server run.
  std::uint64_t time_ms = 0;  ///< Server time, milliseconds since the Unix epoch (UTC).
  std::uint8_t flags = 0;     ///< flag_history, flag_action, flag_private.
  std::string sender;
  std::string target;  ///< The room (lower-cased), or for a private message the recipient.
  std::string text;
  friend bool operator==(const message&, const message&) = default;
};
BOOST_DESCRIBE_STRUCT(message, (), (id, time_ms, flags, sender, target, text))

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
  std::string reason;              ///< The PART / BYE reason, or why the server dropped it.
  friend bool operator==(const left&, const left&) = default;
};
BOOST_DESCRIBE_STRUCT(left, (), (name, room, member_count, reason))

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

/// PING from the server to an idle client; answered with pong_reply.
struct keepalive {
  static constexpr message_type type = message_type::keepalive;
  std::uint64_t token = 0;
  friend bool operator==(const keepalive&, const keepalive&) = default;
};
BOOST_DESCRIBE_STRUCT(keepalive, (), (token))

struct topic {
  static constexpr message_type type = message_type::topic;
  std::string room;
  std::string text;     ///< Empty: no topic.
  std::string set_by;   ///< Empty when there is no topic.
  std::uint64_t time_ms = 0;  ///< When it was set; 0 when there is no topic.
  friend bool operator==(const topic&, const topic&) = default;
};
BOOST_DESCRIBE_STRUCT(topic, (), (room, text, set_by, time_ms))

/// One room of a LIST answer.
struct room_info {
  static constexpr message_type type = message_type::room_info;
  std::string room;
  std::uint32_t member_count = 0;
  std::string topic;
  friend bool operator==(const room_info&, const room_info&) = default;
};
BOOST_DESCRIBE_STRUCT(room_info, (), (room, member_count, topic))

/// Part of a WHO answer.
struct members {
  static constexpr message_type type = message_type::members;
  std::string room;
  std::vector<std::string> names;
  friend bool operator==(const members&, const members&) = default;
};
BOOST_DESCRIBE_STRUCT(members, (), (room, names))

/// END flag bits.
inline constexpr std::uint8_t end_missed = 0x01;     ///< History after after_id was dropped: a gap.
inline constexpr std::uint8_t end_truncated = 0x02;  ///< The answer stopped at a limit; more exists.

/// Ends the answer to a JOIN (its history replay), LIST, WHO or HISTORY.
struct end {
  static constexpr message_type type = message_type::end;
  std::uint8_t request = 0;  ///< The message_type of the request answered.
  std::string room;          ///< The room it was about; empty for LIST.
  std::uint8_t flags = 0;    ///< end_missed, end_truncated.
  /// JOIN, HISTORY: every message of the room up to this id has now been sent or declared
  /// missed; pass it as after_id to catch up later. 0 for LIST and WHO.
  std::uint64_t last_id = 0;
  friend bool operator==(const end&, const end&) = default;
};
BOOST_DESCRIBE_STRUCT(end, (), (request, room, flags, last_id))

/// A user changed name (NICK); sent to the user and to everyone sharing a room with it.
struct renamed {
  static constexpr message_type type = message_type::renamed;
  std::string old_name;
  std::string new_name;
  friend bool operator==(const renamed&, const renamed&) = default;
};
BOOST_DESCRIBE_STRUCT(renamed, (), (old_name, new_name))

}  // namespace msg

using client_message =
    std::variant<msg::hello, msg::say, msg::ping, msg::bye, msg::join, msg::part, msg::list,
                 msg::who, msg::topic_request, msg::private_message, msg::nick, msg::history,
                 msg::pong_reply>;
using server_message =
    std::variant<msg::welcome, msg::message, msg::joined, msg::left, msg::pong, msg::error,
                 msg::keepalive, msg::topic, msg::room_info, msg::members, msg::end,
                 msg::renamed>;

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
