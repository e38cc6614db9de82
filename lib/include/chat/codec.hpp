// SPDX-License-Identifier: BSL-1.0
// The wire encoding of protocol v2 messages (docs/PROTOCOL.md sections 2-4).
//
// Sans-io: nothing here touches a socket. All functions are pure and thread-safe.
#pragma once

#include <chat/error.hpp>
#include <chat/export.hpp>
#include <chat/messages.hpp>

#include <boost/system/result.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

namespace chat {

/// Encoded frames: length prefix included, ready to write.
using frame_bytes = std::vector<std::uint8_t>;
/// An immutable encoded frame shared by every recipient of a broadcast.
using shared_frame = std::shared_ptr<const frame_bytes>;

/// Any of the message structs above.
template <class T>
concept wire_message = std::same_as<std::remove_cv_t<decltype(T::type)>, client_message_type> ||
                       std::same_as<std::remove_cv_t<decltype(T::type)>, server_message_type>;

/// The type byte of a message struct.
template <wire_message Message>
constexpr std::uint8_t type_byte_of() noexcept {
  return static_cast<std::uint8_t>(Message::type);
}

/// Appends the frame for `m` to `out` (so several frames can share one buffer).
/// Throws std::length_error if a string is longer than 65535 bytes: callers validate first.
/// Defined for every alternative of client_message and server_message.
template <wire_message Message>
CHAT_EXPORT void encode_to(frame_bytes& out, const Message& m);
CHAT_EXPORT void encode_to(frame_bytes& out, const client_message& m);
CHAT_EXPORT void encode_to(frame_bytes& out, const server_message& m);

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
CHAT_EXPORT boost::system::result<client_message> decode_client_message(frame_view frame);
/// Decodes a frame sent by a server. Errors as decode_client_message, mirrored.
CHAT_EXPORT boost::system::result<server_message> decode_server_message(frame_view frame);

}  // namespace chat
