// SPDX-License-Identifier: BSL-1.0
// Protocol v2 messages as plain values (docs/PROTOCOL.md section 5 is normative).
//
// Each message is a struct named as in the spec, in the namespace of its direction:
// msg::client holds what a client sends (PING 0x03 is msg::client::ping), msg::server what a
// server sends (PING 0x87 is msg::server::ping). Fields are in wire order; Boost.Describe lists
// them for the codec. Adding a message: its struct here, its type byte in the direction's enum,
// and the variant below; the codec follows from these.
#pragma once

#include <chat/limits.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace chat {

/// Type bytes of client messages.
enum class client_message_type : std::uint8_t {
  hello = 0x01,
  say = 0x02,
  ping = 0x03,
  bye = 0x04,
  join = 0x05,
  part = 0x06,
  list = 0x07,
  who = 0x08,
  topic = 0x09,
  private_message = 0x0A,
  nick = 0x0B,
  history = 0x0C,
  pong = 0x0D,
  // Extensions, sent only before HELLO (docs/PROTOCOL.md 7.17).
  cap = 0x0E,
  pass = 0x0F,
  resume = 0x10,
};

/// Type bytes of server messages.
enum class server_message_type : std::uint8_t {
  welcome = 0x81,
  message = 0x82,
  joined = 0x83,
  left = 0x84,
  pong = 0x85,
  error = 0x86,
  ping = 0x87,
  topic = 0x88,
  room_info = 0x89,
  members = 0x8A,
  end = 0x8B,
  renamed = 0x8C,
  // Extensions, sent only in answer to the client's (docs/PROTOCOL.md 7.17).
  caps = 0x8D,
  session = 0x8E,
};

/// Capability names of CAP / CAPS.
inline constexpr const char* capability_resume = "resume";

namespace msg {

/// MESSAGE and SAY / PRIVATE flag bits.
inline constexpr std::uint8_t flag_history = 0x01;  ///< MESSAGE: replayed from room history.
inline constexpr std::uint8_t flag_action = 0x02;   ///< An action ("/me waves"), shown as "* name waves".
inline constexpr std::uint8_t flag_private = 0x04;  ///< MESSAGE: a private message; target is a user.

/// END flag bits.
inline constexpr std::uint8_t end_missed = 0x01;     ///< History after after_id was dropped: a gap.
inline constexpr std::uint8_t end_truncated = 0x02;  ///< The answer stopped at a limit; more exists.

/// Client -> server.
namespace client {

struct hello {
  static constexpr client_message_type type = client_message_type::hello;
  std::uint16_t version = protocol_version;
  std::string name;
  std::string room;  ///< Joined at once (as JOIN with after_id 0); empty: none.
  friend bool operator==(const hello&, const hello&) = default;
};
BOOST_DESCRIBE_STRUCT(hello, (), (version, name, room))

struct say {
  static constexpr client_message_type type = client_message_type::say;
  std::string room;
  std::uint8_t flags = 0;  ///< flag_action or 0; other bits are ignored.
  std::string text;
  friend bool operator==(const say&, const say&) = default;
};
BOOST_DESCRIBE_STRUCT(say, (), (room, flags, text))

struct ping {
  static constexpr client_message_type type = client_message_type::ping;
  std::uint64_t token = 0;  ///< Echoed unchanged in PONG.
  friend bool operator==(const ping&, const ping&) = default;
};
BOOST_DESCRIBE_STRUCT(ping, (), (token))

struct bye {
  static constexpr client_message_type type = client_message_type::bye;
  std::string reason;  ///< Shown to the rooms in LEFT; may be empty.
  friend bool operator==(const bye&, const bye&) = default;
};
BOOST_DESCRIBE_STRUCT(bye, (), (reason))

struct join {
  static constexpr client_message_type type = client_message_type::join;
  std::string room;
  /// Replay the room's history after this id; 0: all of it.
  std::uint64_t after_id = 0;
  friend bool operator==(const join&, const join&) = default;
};
BOOST_DESCRIBE_STRUCT(join, (), (room, after_id))

struct part {
  static constexpr client_message_type type = client_message_type::part;
  std::string room;
  std::string reason;  ///< May be empty.
  friend bool operator==(const part&, const part&) = default;
};
BOOST_DESCRIBE_STRUCT(part, (), (room, reason))

struct list {
  static constexpr client_message_type type = client_message_type::list;
  friend bool operator==(const list&, const list&) = default;
};
BOOST_DESCRIBE_STRUCT(list, (), ())

struct who {
  static constexpr client_message_type type = client_message_type::who;
  std::string room;
  friend bool operator==(const who&, const who&) = default;
};
BOOST_DESCRIBE_STRUCT(who, (), (room))

/// TOPIC: ask for a room's topic, or set it.
struct topic {
  static constexpr client_message_type type = client_message_type::topic;
  std::string room;
  std::uint8_t set = 0;  ///< 0: ask; 1: set to `text` (empty text clears the topic).
  std::string text;
  friend bool operator==(const topic&, const topic&) = default;
};
BOOST_DESCRIBE_STRUCT(topic, (), (room, set, text))

struct private_message {
  static constexpr client_message_type type = client_message_type::private_message;
  std::string to;
  std::uint8_t flags = 0;  ///< flag_action or 0.
  std::string text;
  friend bool operator==(const private_message&, const private_message&) = default;
};
BOOST_DESCRIBE_STRUCT(private_message, (), (to, flags, text))

struct nick {
  static constexpr client_message_type type = client_message_type::nick;
  std::string name;
  friend bool operator==(const nick&, const nick&) = default;
};
BOOST_DESCRIBE_STRUCT(nick, (), (name))

struct history {
  static constexpr client_message_type type = client_message_type::history;
  std::string room;
  std::uint64_t after_id = 0;  ///< Messages with a larger id, oldest first.
  std::uint16_t limit = 0;     ///< At most this many.
  friend bool operator==(const history&, const history&) = default;
};
BOOST_DESCRIBE_STRUCT(history, (), (room, after_id, limit))

/// PONG from a client: the answer to the server's keep-alive PING.
struct pong {
  static constexpr client_message_type type = client_message_type::pong;
  std::uint64_t token = 0;
  friend bool operator==(const pong&, const pong&) = default;
};
BOOST_DESCRIBE_STRUCT(pong, (), (token))

/// CAP: asks for capabilities (before HELLO); answered with CAPS.
struct cap {
  static constexpr client_message_type type = client_message_type::cap;
  std::vector<std::string> names;
  friend bool operator==(const cap&, const cap&) = default;
};
BOOST_DESCRIBE_STRUCT(cap, (), (names))

/// PASS: the server password (before HELLO or RESUME); answered with CAPS.
struct pass {
  static constexpr client_message_type type = client_message_type::pass;
  std::string password;
  friend bool operator==(const pass&, const pass&) = default;
};
BOOST_DESCRIBE_STRUCT(pass, (), (password))

/// RESUME: instead of HELLO, takes over the session `token` (SESSION) names.
struct resume {
  static constexpr client_message_type type = client_message_type::resume;
  std::uint16_t version = protocol_version;
  std::string name;   ///< The session's current name.
  std::string token;  ///< From the session's last SESSION frame.
  friend bool operator==(const resume&, const resume&) = default;
};
BOOST_DESCRIBE_STRUCT(resume, (), (version, name, token))

}  // namespace client

/// Server -> client.
namespace server {

struct welcome {
  static constexpr server_message_type type = server_message_type::welcome;
  std::string server_info;
  /// Identifies this run of the server: message ids are comparable only while it is unchanged.
  std::uint64_t server_id = 0;
  std::string name;  ///< The name as the server registered it.
  friend bool operator==(const welcome&, const welcome&) = default;
};
BOOST_DESCRIBE_STRUCT(welcome, (), (server_info, server_id, name))

struct message {
  static constexpr server_message_type type = server_message_type::message;
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
  static constexpr server_message_type type = server_message_type::joined;
  std::string name;
  std::string room;
  std::uint32_t member_count = 0;  ///< After the join.
  friend bool operator==(const joined&, const joined&) = default;
};
BOOST_DESCRIBE_STRUCT(joined, (), (name, room, member_count))

struct left {
  static constexpr server_message_type type = server_message_type::left;
  std::string name;
  std::string room;
  std::uint32_t member_count = 0;  ///< After the leave.
  std::string reason;              ///< The PART / BYE reason, or why the server dropped it.
  friend bool operator==(const left&, const left&) = default;
};
BOOST_DESCRIBE_STRUCT(left, (), (name, room, member_count, reason))

struct pong {
  static constexpr server_message_type type = server_message_type::pong;
  std::uint64_t token = 0;
  friend bool operator==(const pong&, const pong&) = default;
};
BOOST_DESCRIBE_STRUCT(pong, (), (token))

struct error {
  static constexpr server_message_type type = server_message_type::error;
  std::uint16_t code = 0;  ///< A chat::errc value.
  std::string text;
  friend bool operator==(const error&, const error&) = default;
};
BOOST_DESCRIBE_STRUCT(error, (), (code, text))

/// PING from the server to an idle client; answered with msg::client::pong.
struct ping {
  static constexpr server_message_type type = server_message_type::ping;
  std::uint64_t token = 0;
  friend bool operator==(const ping&, const ping&) = default;
};
BOOST_DESCRIBE_STRUCT(ping, (), (token))

struct topic {
  static constexpr server_message_type type = server_message_type::topic;
  std::string room;
  std::string text;     ///< Empty: no topic.
  std::string set_by;   ///< Empty when there is no topic.
  std::uint64_t time_ms = 0;  ///< When it was set; 0 when there is no topic.
  friend bool operator==(const topic&, const topic&) = default;
};
BOOST_DESCRIBE_STRUCT(topic, (), (room, text, set_by, time_ms))

/// One room of a LIST answer.
struct room_info {
  static constexpr server_message_type type = server_message_type::room_info;
  std::string room;
  std::uint32_t member_count = 0;
  std::string topic;
  friend bool operator==(const room_info&, const room_info&) = default;
};
BOOST_DESCRIBE_STRUCT(room_info, (), (room, member_count, topic))

/// Part of a WHO answer.
struct members {
  static constexpr server_message_type type = server_message_type::members;
  std::string room;
  std::vector<std::string> names;
  friend bool operator==(const members&, const members&) = default;
};
BOOST_DESCRIBE_STRUCT(members, (), (room, names))

/// Ends the answer to a JOIN (its history replay), LIST, WHO or HISTORY.
struct end {
  static constexpr server_message_type type = server_message_type::end;
  std::uint8_t request = 0;  ///< The client_message_type of the request answered.
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
  static constexpr server_message_type type = server_message_type::renamed;
  std::string old_name;
  std::string new_name;
  friend bool operator==(const renamed&, const renamed&) = default;
};
BOOST_DESCRIBE_STRUCT(renamed, (), (old_name, new_name))

/// The capabilities granted on this connection so far: the answer to CAP and to PASS.
struct caps {
  static constexpr server_message_type type = server_message_type::caps;
  std::vector<std::string> names;
  friend bool operator==(const caps&, const caps&) = default;
};
BOOST_DESCRIBE_STRUCT(caps, (), (names))

/// After WELCOME, to a client granted "resume": what RESUME needs, and for how long.
struct session {
  static constexpr server_message_type type = server_message_type::session;
  std::string token;           ///< Secret; valid until the next SESSION or the session's end.
  std::uint32_t grace_ms = 0;  ///< How long a lost session is kept for RESUME.
  friend bool operator==(const session&, const session&) = default;
};
BOOST_DESCRIBE_STRUCT(session, (), (token, grace_ms))

}  // namespace server
}  // namespace msg

using client_message =
    std::variant<msg::client::hello, msg::client::say, msg::client::ping, msg::client::bye,
                 msg::client::join, msg::client::part, msg::client::list, msg::client::who,
                 msg::client::topic, msg::client::private_message, msg::client::nick,
                 msg::client::history, msg::client::pong, msg::client::cap, msg::client::pass,
                 msg::client::resume>;
using server_message =
    std::variant<msg::server::welcome, msg::server::message, msg::server::joined,
                 msg::server::left, msg::server::pong, msg::server::error, msg::server::ping,
                 msg::server::topic, msg::server::room_info, msg::server::members,
                 msg::server::end, msg::server::renamed, msg::server::caps,
                 msg::server::session>;

}  // namespace chat
