// SPDX-License-Identifier: BSL-1.0
// one_to_one: two people talking privately, the first assignment of the networking lecture.
//
//   one_to_one listen ADDR PORT NAME     runs a chat server in this process, and talks
//   one_to_one connect HOST PORT NAME    talks through the other person's one_to_one
//
// Both sides are ordinary chat clients: they meet in the room "one_to_one", and each takes the
// first other person to appear there as its partner. Lines typed go to the partner as private
// messages; private messages received print as "NAME: text". End of input quits.
#include <chat/client.hpp>
#include <chat/server.hpp>
#include <chat/text.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::string_view meeting_room = "one_to_one";

bool is_bidi_control(std::uint32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

// Text from the network, safe to print: controls show as ^X or <U+XXXX> (tab kept) and bytes
// that are not UTF-8 as \xNN, so a peer cannot send escape sequences to our terminal.
std::string inert(std::string_view s) {
  std::string out;
  char buffer[16];
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t len = lead < 0x80           ? 1
                            : (lead >> 5) == 0x06 ? 2
                            : (lead >> 4) == 0x0E ? 3
                            : (lead >> 3) == 0x1E ? 4
                                                  : 0;
    if (len == 0 || !chat::is_valid_utf8(s.substr(i, len))) {
      std::snprintf(buffer, sizeof buffer, "\\x%02X", lead);
      out += buffer;
      ++i;
      continue;
    }
    std::uint32_t c = len == 1 ? lead : lead & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k)
      c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    if (c == '\t') {
      out += '\t';
    } else if (c < 0x20 || c == 0x7F) {
      out += '^';
      out += c == 0x7F ? '?' : static_cast<char>(c + 0x40);
    } else if (chat::is_forbidden_control(c) || is_bidi_control(c)) {
      std::snprintf(buffer, sizeof buffer, "<U+%04X>", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out += s.substr(i, len);
    }
    i += len;
  }
  return out;
}

void notice(std::string_view text) { std::cout << "* " << text << std::endl; }

int usage() {
  std::cerr << "usage: one_to_one listen ADDR PORT NAME\n"
               "       one_to_one connect HOST PORT NAME\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return usage();
  const std::string_view mode = argv[1];
  std::string host = argv[2], port = argv[3];
  const std::string name = argv[4];
  if (mode != "listen" && mode != "connect") return usage();

  // Listening: the chat server runs on its own thread in this process, and we connect to it
  // like the other side does.
  std::optional<chat::server> server;
  if (mode == "listen") {
    chat::server_options options;
    boost::system::error_code ec;
    options.address = boost::asio::ip::make_address(host, ec);
    const char* const port_end = port.data() + port.size();
    const auto [end, parse_ec] = std::from_chars(port.data(), port_end, options.port);
    if (ec || parse_ec != std::errc{} || end != port_end) return usage();
    options.threads = 1;
    server.emplace(options);
    if (const auto start_ec = server->start()) {
      std::cerr << "one_to_one: cannot listen on " << host << ':' << port << ": "
                << start_ec.message() << '\n';
      return 1;
    }
    const auto at = server->local_endpoint();
    std::cout << "one_to_one listening on " << at.address() << ':' << at.port() << std::endl;
    // Listening on every address (0.0.0.0, ::): reach our own server through loopback.
    host = !at.address().is_unspecified() ? at.address().to_string()
           : at.address().is_v6()         ? "::1"
                                          : "127.0.0.1";
    port = std::to_string(at.port());
  }

  boost::asio::io_context io;
  chat::client me(io.get_executor());
  std::string self = name;  // as the server registers it (WELCOME)
  std::string partner;  // empty until someone else is in the room
  int exit_code = 0;

  const auto meet = [&](const std::string& other) {
    if (!partner.empty() || chat::fold_case(other) == chat::fold_case(self)) return;
    partner = other;
    notice("talking with " + inert(partner));
  };
  me.on_message([&](const chat::server_message& m) {
    if (const auto* x = std::get_if<chat::msg::server::members>(&m)) {  // WHO: already there
      for (const auto& member : x->names) meet(member);
    } else if (const auto* j = std::get_if<chat::msg::server::joined>(&m)) {  // arriving later
      meet(j->name);
    } else if (const auto* l = std::get_if<chat::msg::server::left>(&m)) {
      if (l->name != partner) return;
      notice(inert(partner) + " left");
      partner.clear();  // the next one to come is the new partner
    } else if (const auto* r = std::get_if<chat::msg::server::renamed>(&m)) {
      if (r->old_name == partner) partner = r->new_name;
    } else if (const auto* said = std::get_if<chat::msg::server::message>(&m)) {
      // Private messages only, and not the echo of our own.
      if ((said->flags & chat::msg::flag_private) && said->sender != self)
        std::cout << inert(said->sender) << ": " << inert(said->text) << std::endl;
    } else if (const auto* e = std::get_if<chat::msg::server::error>(&m)) {
      std::cerr << "one_to_one: " << inert(e->text) << '\n';  // e.g. the partner just left
    }
  });
  me.on_close([&](boost::system::error_code ec) {
    if (ec == chat::errc::server_shutting_down) {
      notice("the other side has stopped the server");
    } else if (ec) {
      std::cerr << "one_to_one: disconnected: " << ec.message() << '\n';
      exit_code = 1;
    }
    io.stop();
  });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) me.bye();
  });

  // Called on the io_context's thread for each line typed, and with nullopt at end of input.
  const auto typed = [&](std::optional<std::string> line) {
    if (!line) return me.bye();
    if (line->empty()) return;
    if (partner.empty()) return notice("nobody to talk to yet");
    if (const auto ec = me.private_message(partner, *line)) notice("not sent: " + ec.message());
  };

  me.async_connect(host, port, [&](boost::system::error_code ec) {
    if (ec) {
      std::cerr << "one_to_one: cannot connect to " << host << ':' << port << ": "
                << ec.message() << '\n';
      exit_code = 1;
      io.stop();
      return;
    }
    me.async_hello(name, std::string(meeting_room),
                   [&](boost::system::error_code hello_ec, chat::msg::server::welcome w) {
      if (hello_ec) {
        std::cerr << "one_to_one: cannot join as " << name << ": " << hello_ec.message() << '\n';
        exit_code = 1;
        io.stop();
        return;
      }
      self = w.name;
      notice("connected as " + self);
      me.who(meeting_room);  // anyone already there?
      // Reading stdin blocks, so it has a thread of its own; each line is posted to io.
      std::thread([&io, &typed] {
        std::string line;
        while (std::getline(std::cin, line)) boost::asio::post(io, [&typed, line] { typed(line); });
        boost::asio::post(io, [&typed] { typed(std::nullopt); });
      }).detach();
    });
  });

  io.run();
  if (server) server->stop();  // tells the other side we are gone
  std::cout << std::flush;
  // The stdin thread may still be blocked in getline: leave without destroying what it uses.
  std::_Exit(exit_code);
}
