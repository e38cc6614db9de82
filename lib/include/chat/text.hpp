// SPDX-License-Identifier: BSL-1.0
// Validation rules for text, user names and room names (docs/PROTOCOL.md, "Strings").
// Pure functions; thread-safe.
#pragma once

#include <chat/error.hpp>
#include <chat/export.hpp>
#include <chat/limits.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace chat {

/// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
CHAT_EXPORT bool is_valid_utf8(std::string_view s) noexcept;

/// True for code points that must not appear in text: C0 controls other than tab, DEL,
/// and C1 controls (U+0080..U+009F).
constexpr bool is_forbidden_control(char32_t c) noexcept {
  return (c < 0x20 && c != U'\t') || (c >= 0x7F && c <= 0x9F);
}

/// Checks SAY text: non-empty, at most max_text_bytes, valid UTF-8, no forbidden controls.
/// Returns errc::invalid_utf8 or errc::invalid_text, or success.
CHAT_EXPORT boost::system::error_code check_text(std::string_view text) noexcept;

/// Checks a topic or a PART / BYE reason: as check_text, but it may be empty and is at most
/// `max_bytes` long (max_topic_bytes, max_reason_bytes).
CHAT_EXPORT boost::system::error_code check_short_text(std::string_view text, std::size_t max_bytes) noexcept;

/// User names: 2-32 ASCII letters, digits, '_', '-', '.'.
CHAT_EXPORT bool is_valid_name(std::string_view name) noexcept;

/// Room names: 1-64 ASCII letters, digits, '_', '-', '.', '#'.
CHAT_EXPORT bool is_valid_room(std::string_view room) noexcept;

/// The case-insensitive identity of a name or room (ASCII lower case).
CHAT_EXPORT std::string fold_case(std::string_view s);

/// The identity of a user name for uniqueness (docs/PROTOCOL.md 6.1): two names clash when
/// their skeletons are equal. The name is case-folded, then `0` -> `o`, `1` and `i` -> `l`, and
/// then, left to right, `rn` -> `m`, `cl` -> `d`, `vv` -> `w` (ASCII lookalikes in the spirit
/// of Unicode TS #39). So `aIice`, `a1ice` and `ALICE` are all `alice`; `rnallory` is `mallory`.
CHAT_EXPORT std::string name_skeleton(std::string_view name);

}  // namespace chat
