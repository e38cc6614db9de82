// SPDX-License-Identifier: BSL-1.0
// embedded_server: a chat server inside a program that has work of its own.
//
//   embedded_server [PORT]
//
// The program's own work is a clock: every second it says "tick N" in lobby, as the user
// "clock", through an ordinary chat::client connected to the embedded server. Server, clock and
// client all run on the program's one io_context, on main's thread: no thread of its own.
#include <chat/client.hpp>
#include <chat/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  const std::string_view port_arg = argc > 1 ? argv[1] : "0";
  if (argc > 2 || std::from_chars(port_arg.data(), port_arg.data() + port_arg.size(), port).ptr !=
                      port_arg.data() + port_arg.size()) {
    std::cerr << "usage: embedded_server [PORT]\n";
    return 2;
  }

  boost::asio::io_context io;
  chat::server_options options;
  options.port = port;
  // Called from the threads that run `io`: here only main's, so no lock is needed.
  options.log = [](const chat::log_record& r) {
    std::clog << "embedded_server: " << chat::to_string(r.level) << ' ' << r.event;
    if (!r.peer.empty()) std::clog << ' ' << r.peer;
    if (!r.message.empty()) std::clog << ": " << r.message;
    std::clog << '\n';
  };
  chat::server server(io, options);
  if (const auto ec = server.start()) {
    std::cerr << "embedded_server: cannot listen on port " << port << ": " << ec.message() << '\n';
    return 1;
  }
  const auto endpoint = server.local_endpoint();
  std::cout << "embedded_server listening on " << endpoint.address() << ':' << endpoint.port()
            << std::endl;

  chat::client clock(io.get_executor());
  boost::asio::steady_timer timer(io);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::uint64_t ticks = 0;
  int exit_code = 0;

  std::function<void()> tick = [&] {
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;  // cancelled: we are stopping
      clock.say(chat::default_room, "tick " + std::to_string(++ticks));
      tick();
    });
  };
  // Stopping: the clock says goodbye, the server tells everyone else and closes; io.run()
  // returns once nothing is left to do.
  const auto stop = [&] {
    signals.cancel();
    timer.cancel();
    clock.bye();
    server.async_stop([] {});
  };
  clock.on_close([&](boost::system::error_code ec) {
    if (ec && ec != chat::errc::server_shutting_down) {
      std::cerr << "embedded_server: clock disconnected: " << ec.message() << '\n';
      exit_code = 1;
      stop();
    }
  });
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) stop();
  });

  clock.async_connect(endpoint.address().to_string(), std::to_string(endpoint.port()),
                      [&](boost::system::error_code ec) {
    if (ec) {
      std::cerr << "embedded_server: clock cannot connect: " << ec.message() << '\n';
      exit_code = 1;
      stop();
      return;
    }
    clock.async_hello("clock", chat::default_room,
                      [&](boost::system::error_code hello_ec, const chat::msg::server::welcome&) {
      if (hello_ec) {
        std::cerr << "embedded_server: clock cannot join: " << hello_ec.message() << '\n';
        exit_code = 1;
        stop();
        return;
      }
      tick();
    });
  });

  io.run();
  return exit_code;
}
