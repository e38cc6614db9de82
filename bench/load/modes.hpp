// SPDX-License-Identifier: BSL-1.0
// chat_load's modes. Each runs against the chatd at `server`, prints a summary ending in one
// key=value line, and returns the process's exit status (0: a clean run; 1: something was
// lost, refused or cut off, or the run timed out).
#pragma once

#include "load/fleet.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace load {

/// Members join one room; some of them say messages; every member counts what it receives.
int run_room(const settings& s, const boost::asio::ip::tcp::endpoint& server);
/// Connections join and stay: chatd's memory per connection.
int run_idle(const settings& s, const boost::asio::ip::tcp::endpoint& server);
/// Members join one room as fast as they can: joins per second and chatd's memory after.
int run_join_storm(const settings& s, const boost::asio::ip::tcp::endpoint& server);

}  // namespace load
