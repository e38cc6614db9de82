// SPDX-License-Identifier: BSL-1.0
// chat_load: an open-loop load generator for an external chatd.
//
//   chat_load room       [--members N] [--senders S] [--messages M] [--size B] [--rate R] ...
//   chat_load idle       [--connections N] [--rooms K] [--settle S] [--hold S] ...
//   chat_load join-storm [--members N] [--concurrency C] ...
//
// Unlike chat_bench (closed loop, chat::client), it offers load at its own pace and is cheap
// enough to receive millions of deliveries a second on the server's own machine: raw Asio
// sockets, one io_context per thread, one large read buffer per thread, and MESSAGE decoded by
// hand (see bench/load/). Every mode prints a summary for people and ends with one
// "key=value ..." line for scripts. docs/BENCHMARKS.md says what each mode measures.
#include "load/modes.hpp"
#include "load/proc.hpp"
#include "load/wire.hpp"

#include <chat/limits.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/program_options.hpp>

#include <iostream>
#include <string>

namespace po = boost::program_options;

namespace {

constexpr int exit_usage = 2;

bool valid_name_chars(const std::string& text, bool room) {
  for (const char ch : text) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '_' || ch == '-' || ch == '.' || (room && ch == '#');
    if (!ok) return false;
  }
  return true;
}

// Why the settings cannot make a valid run, or empty.
std::string check(const load::settings& s) {
  if (s.mode != "room" && s.mode != "idle" && s.mode != "join-storm")
    return "MODE must be room, idle or join-storm";
  if (s.port == 0 || s.port > 65535) return "--port must be 1-65535";
  if (s.threads == 0) return "--threads must be at least 1";
  if (s.concurrency == 0) return "--concurrency must be at least 1";
  const unsigned count = s.mode == "idle" ? s.connections : s.members;
  if (count == 0) return "there must be at least one connection";
  const std::string longest = s.name_prefix + std::to_string(count - 1);
  if (s.name_prefix.empty() || !valid_name_chars(s.name_prefix, false) ||
      longest.size() > chat::max_name_length)
    return "--name-prefix must be letters, digits, _-. and leave names of at most 32 characters";
  const std::string longest_room =
      s.mode == "idle" && s.rooms > 1 ? s.room + "-" + std::to_string(s.rooms - 1) : s.room;
  if (s.room.empty() || !valid_name_chars(s.room, true) || longest_room.size() > chat::max_room_length)
    return "--room must be 1-64 letters, digits, _-.# (with the -K suffix of --rooms)";
  if (s.mode == "room") {
    if (s.senders == 0 || s.senders > s.members) return "--senders must be 1..--members";
    if (s.flooders > s.members - s.senders) return "--flooders must leave --senders of --members";
    if (s.messages == 0) return "--messages must be at least 1";
    if (s.size < load::stamp::size || s.size > chat::max_text_bytes)
      return "--size must be " + std::to_string(load::stamp::size) + "-" +
             std::to_string(chat::max_text_bytes) + " (the text starts with a " +
             std::to_string(load::stamp::size) + "-byte stamp)";
    if (s.rate < 0) return "--rate must not be negative";
  }
  if (s.timeout <= 0) return "--timeout must be positive";
  if (s.settle < 0 || s.hold < 0) return "--settle and --hold must not be negative";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  load::settings s;
  po::options_description desc(
      "Usage: chat_load MODE [options]\n"
      "MODE: room (messages in one room), idle (held connections), join-storm (joins/s)\n"
      "Options");
  desc.add_options()
      ("help,h", "show this help")
      ("host", po::value(&s.host)->default_value(s.host), "chatd's address")
      ("port", po::value(&s.port)->default_value(s.port), "chatd's port")
      ("pid", po::value(&s.pid), "chatd's process id: report its CPU time (room, join-storm) and memory (idle, join-storm)")
      ("threads", po::value(&s.threads)->default_value(s.threads), "threads of chat_load, one io_context each")
      ("concurrency", po::value(&s.concurrency)->default_value(s.concurrency), "connections being set up (connect to END) at once, at most")
      ("name-prefix", po::value(&s.name_prefix)->default_value(s.name_prefix), "user names are PREFIX<index>")
      ("room", po::value(&s.room)->default_value(s.room), "room to join (idle with --rooms K: ROOM-0 .. ROOM-<K-1>)")
      ("timeout", po::value(&s.timeout)->default_value(s.timeout),
       "seconds to wait for joins, and for deliveries after the last send")
      ("members", po::value(&s.members)->default_value(s.members), "room, join-storm: members")
      ("senders", po::value(&s.senders)->default_value(s.senders), "room: members that say messages")
      ("messages", po::value(&s.messages)->default_value(s.messages), "room: messages each sender says")
      ("size", po::value(&s.size)->default_value(s.size), "room: bytes of text per message")
      ("rate", po::value(&s.rate)->default_value(s.rate),
       "room: messages/s per sender, paced by a schedule; 0: as fast as the socket takes them")
      ("flooders", po::value(&s.flooders)->default_value(s.flooders),
       "room: members (after the senders) that say messages flat out for the whole run, reading "
       "their echoes; not counted in the latencies (chatd's flood control paces them)")
      ("connections", po::value(&s.connections)->default_value(s.connections), "idle: connections to hold")
      ("rooms", po::value(&s.rooms)->default_value(s.rooms), "idle: rooms the connections are spread over")
      ("settle", po::value(&s.settle)->default_value(s.settle),
       "idle, join-storm: seconds to wait after the last join before measuring")
      ("hold", po::value(&s.hold)->default_value(s.hold), "idle: seconds to keep the connections open after measuring");
  po::options_description hidden;
  hidden.add_options()("mode", po::value(&s.mode));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("mode", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "chat_load: " << e.what() << " (see chat_load --help)\n";
    return exit_usage;
  }
  if (vm.count("help")) {
    std::cout << desc << '\n';
    return 0;
  }
  if (const auto problem = check(s); !problem.empty()) {
    std::cerr << "chat_load: " << problem << " (see chat_load --help)\n";
    return exit_usage;
  }

  // Each connection is a file descriptor; join-storm holds 15 000 of them.
  const auto open_files = load::raise_open_files_limit();
  const unsigned needed = (s.mode == "idle" ? s.connections : s.members) + 16;
  if (open_files < needed)
    std::cerr << "chat_load: warning: only " << open_files << " open files allowed; " << needed
              << " wanted\n";

  boost::asio::ip::tcp::endpoint server;
  try {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    server = *resolver.resolve(s.host, std::to_string(s.port)).begin();
  } catch (const boost::system::system_error& e) {
    std::cerr << "chat_load: cannot resolve " << s.host << ": " << e.code().message() << '\n';
    return 1;
  }

  if (s.mode == "room") return load::run_room(s, server);
  if (s.mode == "idle") return load::run_idle(s, server);
  return load::run_join_storm(s, server);
}
