// What a line typed into chatcli asks for. Pure parsing: no I/O, no client.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

}  // namespace chatcli::command
