// SPDX-License-Identifier: BSL-1.0
// How much a chat::server logs. A plain enumeration, most severe first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chat {

/// error: the server itself failed (an exception in a handler, accept failing);
/// warn: something an operator should look at (resources running out);
/// info: connections coming and going, and clients' protocol mistakes (rate-limited per
/// connection); debug: every join, part, rename and leave.
enum class log_level : std::uint8_t { error, warn, info, debug };

constexpr std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::error: return "error";
    case log_level::warn: return "warn";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
  }
  return "unknown";
}

/// The level named `name` ("error", "warn", "info" or "debug"), if it is one.
constexpr std::optional<log_level> parse_log_level(std::string_view name) noexcept {
  for (auto level : {log_level::error, log_level::warn, log_level::info, log_level::debug})
    if (to_string(level) == name) return level;
  return std::nullopt;
}

}  // namespace chat
