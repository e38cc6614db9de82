// SPDX-License-Identifier: BSL-1.0
// libchat error codes: one category for protocol, validation and session errors.
//
// The numeric values are the codes carried by ERROR frames (docs/PROTOCOL.md, "Error codes"),
// so an ERROR received from a server converts to an error_code without a lookup table.
#pragma once

#include <chat/export.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <type_traits>

namespace chat {

enum class errc : std::uint16_t {
  // Framing and decoding.
  unsupported_version = 1,  ///< HELLO named a protocol version this server does not speak.
  frame_too_large = 2,      ///< Declared frame length exceeds the receiver's limit. Fatal.
  unknown_type = 3,         ///< Message type byte is not defined by the protocol.
  malformed_frame = 4,      ///< A field overruns the frame, or bytes are left over after the last field.
  invalid_utf8 = 5,         ///< A string is not well-formed UTF-8.
  invalid_text = 6,         ///< Text (or topic, reason) is empty, too long or has control characters.
  unexpected_type = 7,      ///< A message that is valid but may not be sent in this direction.
  // Session state.
  not_registered = 8,       ///< A request other than HELLO, PING, PONG, BYE before a successful HELLO.
  already_registered = 9,   ///< HELLO after a successful HELLO.
  invalid_name = 10,        ///< Name breaks the name rule.
  name_taken = 11,          ///< Another user has this name, or a lookalike of it (name_skeleton).
  invalid_room = 12,        ///< Room name breaks the room rule.
  // Connection.
  too_slow = 13,            ///< The peer did not read fast enough and its queue overflowed. Fatal.
  server_shutting_down = 14,///< The server is stopping. Fatal.
  internal_error = 15,      ///< The server failed to handle a request; the connection stays up.
  handshake_timeout = 16,   ///< No successful HELLO within the server's handshake time. Fatal.
  // Rooms and users.
  no_such_room = 17,        ///< WHO or a TOPIC query named a room that has no members.
  not_in_room = 18,         ///< SAY, PART, HISTORY or setting TOPIC in a room the client is not in.
  already_in_room = 19,     ///< JOIN of a room the client is already in.
  no_such_user = 20,        ///< PRIVATE to a name nobody connected has.
  too_many_rooms = 21,      ///< JOIN beyond the server's limit of rooms per connection.
  ping_timeout = 22,        ///< No answer to the server's keep-alive PING in time. Fatal.
  too_many_connections = 23,///< Refused on accept: the client's address or the server is at its limit. Fatal.
  flooding = 24,            ///< The client kept sending faster than the server's pace for too long. Fatal.
  bad_password = 25,        ///< Wrong server password, or HELLO / RESUME without one. Fatal.
  resume_failed = 26,       ///< RESUME: not negotiated, no such session, or another name.
  session_resumed = 27,     ///< A new connection took this session over by RESUME. Fatal.
  // Local (never sent on the wire).
  connection_closed = 100,  ///< The peer closed the connection.
  not_connected = 101,      ///< Operation needs an established connection.
  operation_in_progress = 102, ///< Another operation of the same kind has not completed yet.
};

/// The libchat error category; its name() is "chat".
CHAT_EXPORT const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// True for errors after which the sender closes the connection (docs/PROTOCOL.md).
constexpr bool is_fatal(errc e) noexcept {
  return e == errc::frame_too_large || e == errc::too_slow || e == errc::server_shutting_down ||
         e == errc::handshake_timeout || e == errc::ping_timeout ||
         e == errc::too_many_connections || e == errc::flooding || e == errc::bad_password ||
         e == errc::session_resumed;
}

}  // namespace chat

template <>
struct boost::system::is_error_code_enum<chat::errc> : std::true_type {};
