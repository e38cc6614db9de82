// upper_bot: a chat participant that answers "!upper some text" with "SOME TEXT".
//
//   upper_bot HOST PORT [NAME] [ROOM]
//
// The classic first TCP exercise, done with libchat's client: connect, join, react to
// messages, leave cleanly on Ctrl-C.
#include <chat/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>
#include <string>

namespace {

constexpr std::string_view command = "!upper ";

// ASCII letters only: every other byte, including all of multi-byte UTF-8, is left alone.
std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: upper_bot HOST PORT [NAME] [ROOM]\n";
    return 2;
  }
  const std::string host = argv[1], port = argv[2];
  const std::string name = argc > 3 ? argv[3] : "upper_bot";
  const std::string room = argc > 4 ? argv[4] : chat::default_room;

  boost::asio::io_context io;
  chat::client bot(io.get_executor());
  int exit_code = 0;

  bot.on_message([&](const chat::server_message& m) {
    const auto* said = std::get_if<chat::msg::server::message>(&m);
    // Ignore history (already answered, or not) and our own echoes.
    if (!said || (said->flags & chat::msg::flag_history) || said->sender == name) return;
    if (!said->text.starts_with(command) || said->text.size() == command.size()) return;
    const auto answer = to_upper(std::string_view(said->text).substr(command.size()));
    // Answer where we were asked: in the room, or privately to the sender.
    if (said->flags & chat::msg::flag_private)
      bot.private_message(said->sender, answer);
    else
      bot.say(said->target, answer);
  });
  bot.on_close([&](boost::system::error_code ec) {
    if (ec) {
      std::cerr << "upper_bot: disconnected: " << ec.message() << '\n';
      exit_code = 1;
    }
    io.stop();
  });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) bot.bye();
  });

  bot.async_connect(host, port, [&](boost::system::error_code ec) {
    if (ec) {
      std::cerr << "upper_bot: cannot connect to " << host << ':' << port << ": " << ec.message() << '\n';
      exit_code = 1;
      io.stop();
      return;
    }
    bot.async_hello(name, room, [&](boost::system::error_code join_ec, chat::msg::server::welcome w) {
      if (join_ec) {
        std::cerr << "upper_bot: cannot join: " << join_ec.message() << '\n';
        exit_code = 1;
        io.stop();
        return;
      }
      std::cout << "upper_bot: in " << room << " as " << w.name << std::endl;
    });
  });

  io.run();
  return exit_code;
}
