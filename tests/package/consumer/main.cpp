// SPDX-License-Identifier: BSL-1.0
// Uses the installed headers and library: a server and a client exchange one message.
#include <chat/client.hpp>
#include <chat/server.hpp>
#include <chat/version.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <iostream>
#include <thread>
#include <utility>

int main() {
  chat::server_options options;
  options.port = 0;
  options.threads = 1;
  chat::server server(options);
  if (server.start()) return 1;

  boost::asio::io_context io;
  chat::client client(io.get_executor());
  std::promise<std::string> echo;
  bool echoed = false;  // handlers run one at a time on the client's strand
  client.on_message([&](const chat::server_message& m) {
    if (auto* said = std::get_if<chat::msg::server::message>(&m); said && !std::exchange(echoed, true))
      echo.set_value(said->text);
  });
  auto work = boost::asio::make_work_guard(io);  // else run() may return before there is work
  std::thread runner([&] { io.run(); });

  client.async_connect("127.0.0.1", std::to_string(server.local_endpoint().port()), boost::asio::use_future).get();
  client.async_hello("consumer", "lobby", boost::asio::use_future).get();
  client.say("lobby", "installed");
  auto text = echo.get_future();
  const bool ok = text.wait_for(std::chrono::seconds(10)) == std::future_status::ready && text.get() == "installed";

  // Beyond the exchange, a few more of the public API's out-of-line functions, so that one the
  // shared library forgot to export fails to link here.
  const auto metrics = server.metrics();
  const bool counted = metrics.deliveries >= 1 &&
                       std::string(chat::to_string(chat::server_metrics::transport::tcp)) == "tcp";
  const bool reloaded = !server.reload(options).error;

  client.close();
  work.reset();
  runner.join();
  std::cout << "libchat " << chat::version_string << (ok ? ": ok" : ": FAILED") << '\n';
  if (!counted || !reloaded) std::cout << "metrics or reload: FAILED\n";
  return ok && counted && reloaded ? 0 : 1;
}
