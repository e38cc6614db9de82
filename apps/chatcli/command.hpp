// SPDX-License-Identifier: BSL-1.0
// What a line typed into chatcli asks for. Pure parsing: no I/O, no client.
#pragma once

#include <chat/limits.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chatcli::command {

struct say { std::string text; };               ///< Plain text, to the current room.
struct action { std::string text; };            ///< /me text
struct join { std::string room; };              ///< /join room
struct part { std::string room; std::string reason; };  ///< /part [room [reason]]; room may be empty
struct rooms {};                                ///< /rooms
struct who { std::string room; };               ///< /who [room]
struct topic { std::optional<std::string> text; bool clear = false; };  ///< /topic [text | --clear]
struct private_message { std::string to; std::string text; };  ///< /msg name text
struct nick { std::string name; };              ///< /nick name
struct quit { std::string reason; };            ///< /quit [reason]
struct help {};                                 ///< /help
/// Something chatcli answers itself, never sends: an unknown command or missing argument.
struct invalid { std::string message; };

using any = std::variant<say, action, join, part, rooms, who, topic, private_message, nick, quit,
                         help, invalid>;

/// Parses a line. Text starting with "/" is a command; "//" sends the rest as text starting
/// with "/". An empty line is a say with empty text (callers skip it).
any parse(std::string_view line);

/// The /help text, one command per line.
std::string_view help_text();

/// `text` cut into pieces of at most `max_bytes` (at least 4) to send one message each, in
/// order: a line may be longer than one SAY carries. Each cut is at the limit or, so as not to
/// break a UTF-8 sequence, up to 3 bytes before it. Empty text gives no pieces.
std::vector<std::string_view> split_text(std::string_view text,
                                         std::size_t max_bytes = chat::max_text_bytes);

}  // namespace chatcli::command
