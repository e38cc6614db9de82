// SPDX-License-Identifier: BSL-1.0
#include "command.hpp"

#include <chat/text.hpp>

namespace chatcli::command {
namespace {

// Splits off the first space-separated word; `rest` gets what follows, leading spaces removed.
std::string_view first_word(std::string_view text, std::string_view& rest) {
  const auto start = text.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  text.remove_prefix(start);
  const auto end = text.find(' ');
  const auto word = text.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : text.substr(end);
  const auto next = rest.find_first_not_of(' ');
  rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next);
  return word;
}

invalid usage(std::string_view what) { return {"usage: " + std::string(what)}; }

}  // namespace

any parse(std::string_view line) {
  if (line.starts_with("//")) return say{std::string(line.substr(1))};
  if (!line.starts_with('/')) return say{std::string(line)};

  std::string_view args;
  const auto name = first_word(line.substr(1), args);
  if (name == "me") {
    if (args.empty()) return usage("/me <action>");
    return action{std::string(args)};
  }
  if (name == "join" || name == "j") {
    std::string_view rest;
    const auto room = first_word(args, rest);
    if (room.empty() || !rest.empty()) return usage("/join <room>");
    return join{std::string(room)};
  }
  if (name == "part" || name == "leave") {
    // The first word always names the room, so a mistyped room can never become the reason
    // for leaving the current one; the caller checks that we are in it.
    std::string_view reason;
    const auto room = first_word(args, reason);
    if (!room.empty() && !chat::is_valid_room(room)) return usage("/part [<room> [<reason>]]");
    return part{std::string(room), std::string(reason)};
  }
  if (name == "rooms" || name == "list") {
    if (!args.empty()) return usage("/rooms");
    return rooms{};
  }
  if (name == "who" || name == "names") {
    std::string_view rest;
    const auto room = first_word(args, rest);
    if (!rest.empty()) return usage("/who [room]");
    return who{std::string(room)};
  }
  if (name == "topic") {
    if (args.empty()) return topic{};
    if (args.substr(0, args.find_last_not_of(' ') + 1) == "--clear") return topic{std::nullopt, true};
    return topic{std::string(args), false};
  }
  if (name == "msg" || name == "query") {
    std::string_view text;
    const auto to = first_word(args, text);
    if (to.empty() || text.empty()) return usage("/msg <name> <text>");
    return private_message{std::string(to), std::string(text)};
  }
  if (name == "nick") {
    std::string_view rest;
    const auto new_name = first_word(args, rest);
    if (new_name.empty() || !rest.empty()) return usage("/nick <name>");
    return nick{std::string(new_name)};
  }
  if (name == "quit" || name == "exit") return quit{std::string(args)};
  if (name == "help" || name == "?") return help{};
  return invalid{"unknown command /" + std::string(name) + " (/help lists the commands)"};
}

std::string_view help_text() {
  return "commands:\n"
         "  /join <room>            join a room, or switch to it if you are in it\n"
         "  /part [room [reason]]   leave a room (default: the current one)\n"
         "  /rooms                  list the rooms and how many are in each\n"
         "  /who [room]             who is in a room\n"
         "  /topic [text|--clear]   show, set or clear the current room's topic\n"
         "  /msg <name> <text>      a private message\n"
         "  /me <action>            an action: * you <action>\n"
         "  /nick <name>            change your name\n"
         "  /quit [reason]          leave the chat\n"
         "  /help                   this list\n"
         "text not starting with / goes to the current room; start it with // to send a /";
}

std::vector<std::string_view> split_text(std::string_view text, std::size_t max_bytes) {
  const auto is_continuation = [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  };
  std::vector<std::string_view> pieces;
  while (text.size() > max_bytes) {
    std::size_t cut = max_bytes;
    while (cut > max_bytes - 3 && is_continuation(text[cut])) --cut;
    // More continuation bytes than a sequence has: not UTF-8, and the check before sending says so.
    if (is_continuation(text[cut])) cut = max_bytes;
    pieces.push_back(text.substr(0, cut));
    text.remove_prefix(cut);
  }
  if (!text.empty()) pieces.push_back(text);
  return pieces;
}

}  // namespace chatcli::command
