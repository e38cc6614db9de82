// SPDX-License-Identifier: BSL-1.0
// lecture_bots: the lecture's exercise bots as one chat participant.
//
//   lecture_bots HOST PORT [ROOM]
//
// It joins ROOM (default lobby) as "lecturebot" and answers !upper TEXT, !consonants TEXT and
// !prime N (commands.hpp) where it was asked: in the room, or privately to whoever asked
// privately. A prime test can take seconds, so it runs on a worker pool and its answer is
// posted back to the client's io_context: the bot keeps answering everything else meanwhile.
#include "commands.hpp"

#include <chat/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <functional>
#include <iostream>
#include <stop_token>
#include <string>
#include <thread>

namespace {

constexpr std::string_view base_name = "lecturebot";
constexpr int max_name_attempts = 10;  // lecturebot, lecturebot2, ... lecturebot10

// Where a question came from, so the answer goes back there.
struct asker {
  bool privately = false;
  std::string where;  // the sender when asked privately, else the room
};

void answer(chat::client& bot, const asker& to, const std::string& text) {
  // Errors here mean the connection is closing; the close handler reports that.
  if (to.privately)
    bot.private_message(to.where, text);
  else
    bot.say(to.where, text);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: lecture_bots HOST PORT [ROOM]\n";
    return 2;
  }
  const std::string host = argv[1], port = argv[2];
  const std::string room = argc > 3 ? argv[3] : chat::default_room;

  boost::asio::io_context io;
  chat::client bot(io.get_executor());
  // Prime tests run here, never on the io_context's thread.
  boost::asio::thread_pool workers(std::max(1u, std::thread::hardware_concurrency()));
  std::stop_source stopping;  // at exit, tells running prime tests to give up
  std::string self;           // the name the server registered
  int exit_code = 0;

  bot.on_message([&](const chat::server_message& m) {
    const auto* said = std::get_if<chat::msg::server::message>(&m);
    // History was asked (and answered, or not) before we came; our own lines are echoes;
    // an action ("/me ...") is not a question.
    if (!said || (said->flags & (chat::msg::flag_history | chat::msg::flag_action)) ||
        said->sender == self)
      return;
    const bool privately = (said->flags & chat::msg::flag_private) != 0;
    const asker from{privately, privately ? said->sender : said->target};

    const auto request = lecture_bots::interpret(said->text);
    if (const auto* r = std::get_if<lecture_bots::reply>(&request)) {
      answer(bot, from, r->text);
    } else if (const auto* p = std::get_if<lecture_bots::prime_request>(&request)) {
      boost::asio::post(workers, [&, from, n = p->n, stop = stopping.get_token()] {
        if (auto verdict = lecture_bots::prime_verdict(n, stop))
          boost::asio::post(io, [&bot, from, text = std::move(*verdict)] {
            answer(bot, from, text);
          });
      });
    }
  });
  bot.on_close([&](boost::system::error_code ec) {
    if (ec) {
      std::cerr << "lecture_bots: disconnected: " << ec.message() << '\n';
      exit_code = 1;
    }
    io.stop();
  });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) bot.bye();
  });

  // HELLO as lecturebot; if another bot has that name, as lecturebot2, lecturebot3, ...
  std::function<void(int)> hello = [&](int attempt) {
    std::string name(base_name);
    if (attempt > 1) name += std::to_string(attempt);
    self = name;  // before WELCOME: the greeting may reach on_message first
    bot.async_hello(name, room, [&, attempt](boost::system::error_code ec,
                                             chat::msg::server::welcome w) {
      if (ec == chat::errc::name_taken && attempt < max_name_attempts) return hello(attempt + 1);
      if (ec) {
        std::cerr << "lecture_bots: cannot join " << room << ": " << ec.message() << '\n';
        exit_code = 1;
        io.stop();
        return;
      }
      self = w.name;
      std::cout << "lecture_bots: in " << room << " as " << self << std::endl;
    });
  };
  bot.async_connect(host, port, [&](boost::system::error_code ec) {
    if (ec) {
      std::cerr << "lecture_bots: cannot connect to " << host << ':' << port << ": "
                << ec.message() << '\n';
      exit_code = 1;
      io.stop();
      return;
    }
    hello(1);
  });

  io.run();
  stopping.request_stop();
  workers.join();
  return exit_code;
}
