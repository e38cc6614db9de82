// How chatcli shows server messages: one line each, with anything another user wrote made inert.
#pragma once

#include <chat/protocol.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace chatcli {

/// Text from the network made safe for a terminal: C0 controls as ^X (tab kept), DEL as ^?,
/// C1 and bidirectional-override controls as <U+XXXX>, bytes that are not UTF-8 as \xNN.
std::string inert(std::string_view text);

/// "HH:MM" in local time for milliseconds since the Unix epoch.
std::string clock_time(std::uint64_t time_ms);

/// The line for a message from the server ("HH:MM name: text", join/leave notices, errors).
/// `now_ms` stamps notices, which carry no time of their own.
std::string render(const chat::server_message& m, std::uint64_t now_ms);

/// The greeting line for a WELCOME.
std::string render_welcome(const chat::msg::welcome& w);

}  // namespace chatcli
