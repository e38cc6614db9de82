// SPDX-License-Identifier: BSL-1.0
// How chatcli shows server messages: one line each, with anything another user wrote made
// inert, optionally coloured.
#pragma once

#include <chat/protocol.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatcli {

/// Text from the network made safe for a terminal: C0 controls as ^X (tab kept), DEL as ^?,
/// C1 and bidirectional-override controls as <U+XXXX>, bytes that are not UTF-8 as \xNN.
std::string inert(std::string_view text);

/// "HH:MM" in local time for milliseconds since the Unix epoch.
std::string clock_time(std::uint64_t time_ms);

/// What a line depends on besides the message.
struct render_context {
  std::string_view self;    ///< Our registered name: labels private conversations.
  std::uint64_t now_ms = 0; ///< Stamps notices, which carry no time of their own.
  bool colour = false;      ///< ANSI colours (nick colours, dim times and notices).
};

/// The line for a server message, or nullopt for those not shown by themselves (END, PING).
/// Room messages: "HH:MM [room] name: text"; actions "HH:MM [room] * name text"; private
/// messages use "[pm:partner]" in place of the room.
std::optional<std::string> render(const chat::server_message& m, const render_context& context);

/// A notice of chatcli's own ("* text", dimmed with colour).
std::string render_notice(std::string_view text, const render_context& context);

/// "1 message", "2 messages": `count` and the noun in the form the count takes.
std::string counted(std::size_t count, std::string_view singular, std::string_view plural);

/// What announces the history replayed for `room` (a network string, made inert): on joining,
/// "3 earlier messages in lobby:"; after a reconnect, "1 message in lobby while you were away:".
std::string replay_announcement(std::size_t count, std::string_view room, bool while_away);

/// The input prompt while online: "room> ", or "(no room)> ". The server names the room, so it
/// is made inert like any network text; that also keeps out readline's prompt markers (\001,
/// \002), which would hide what follows them from its column count.
std::string render_prompt(const std::optional<std::string>& room);

/// An ANSI colour for a name: the same name always gets the same one.
int nick_colour(std::string_view name);

}  // namespace chatcli
