// SPDX-License-Identifier: BSL-1.0
// The protocol's version and limits (docs/PROTOCOL.md section 12). Constants only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace chat {

inline constexpr std::uint16_t protocol_version = 2;

/// Bytes of the length prefix that starts every frame.
inline constexpr std::size_t frame_header_size = 4;
/// Default limit on a frame's declared length (type byte and fields).
inline constexpr std::size_t default_max_frame = 64 * 1024;
/// Limit a server puts on a client's frames until its HELLO is accepted: far more than any
/// valid HELLO, PING, PONG or BYE needs, far less than a connection that never registers could
/// otherwise make the server hold as a partial frame.
inline constexpr std::size_t max_frame_before_hello = 4 * 1024;
/// Longest SAY / PRIVATE / MESSAGE text, in bytes of UTF-8.
inline constexpr std::size_t max_text_bytes = 16 * 1024;
/// Longest room topic, in bytes of UTF-8 (0 bytes: no topic).
inline constexpr std::size_t max_topic_bytes = 512;
/// Longest PART / BYE / LEFT reason, in bytes of UTF-8 (may be empty).
inline constexpr std::size_t max_reason_bytes = 256;
/// Longest text of server-composed strings (WELCOME server text, ERROR text), in bytes.
inline constexpr std::size_t max_info_bytes = 1024;
/// Longest server password (PASS, docs/PROTOCOL.md 7.18).
inline constexpr std::size_t max_password_bytes = 256;
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

}  // namespace chat
