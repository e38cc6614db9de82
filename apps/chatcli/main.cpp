// SPDX-License-Identifier: BSL-1.0
// chatcli: the terminal client. `chatcli --host H --port P --name N [--room R]`, or any of them
// from the config file (options.hpp).
//
// Interactive (stdin and stdout are terminals): a line editor with history, colours, and
// reconnection without limit. Piped: plain lines in and out, no reconnection unless asked for.
// Exit codes: 0 after /quit or end of input; 1 when the server cannot be reached (after the
// allowed reconnects), rejects the name (when not interactive) or closes the connection for
// good; 2 for a usage error.
#include "chat_session.hpp"
#include "line_editor.hpp"
#include "options.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <clocale>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

bool no_color_requested() {
  const char* value = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  return value != nullptr && *value != '\0';
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = chatcli::parse_options(argc, argv, chatcli::environment::of_process());
  std::cout << parsed.out;
  if (!parsed.error.empty()) std::cerr << parsed.error << '\n';
  if (!parsed.run) return parsed.exit_code;
  const auto opts = &*parsed.run;  // lives as long as main
  if (opts->session.tls.insecure)
    std::cerr << "chatcli: warning: --insecure: the server's certificate is not verified; "
                 "anyone on the path can read and change this connection\n";
  std::setlocale(LC_CTYPE, "");  // before any thread: readline edits UTF-8 as characters

  const bool terminal_in = ::isatty(STDIN_FILENO) == 1;
  const bool terminal_out = ::isatty(STDOUT_FILENO) == 1;
  auto& settings = opts->session;
  settings.interactive = terminal_in;
  settings.colour = terminal_out && !opts->no_color && !no_color_requested();
  if (opts->reconnects >= 0)
    settings.reconnects = static_cast<unsigned>(opts->reconnects);
  else if (!terminal_in)
    settings.reconnects = 0u;

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);

  // Output: through the line editor when there is one, else whole lines to stdout.
  std::mutex stdout_mutex;
  std::unique_ptr<chatcli::line_editor> editor;
  chatcli::session_output output;
  output.fatal = [](const std::string& why) { std::cerr << "chatcli: " << why << '\n' << std::flush; };
  if (terminal_in && terminal_out) {
    output.line = [&editor](const std::string& line) { editor->print(line); };
    output.prompt = [&editor](const std::string& prompt) { editor->set_prompt(prompt); };
    output.ask = output.prompt;
  } else {
    output.line = [&stdout_mutex](const std::string& line) {
      std::lock_guard lock(stdout_mutex);
      std::cout << line << '\n' << std::flush;
    };
    output.prompt = [](const std::string&) {};
    output.ask = [&stdout_mutex](const std::string& question) {
      std::lock_guard lock(stdout_mutex);
      std::cout << question << std::flush;
    };
  }

  chatcli::chat_session session(io, settings, output);
  auto finished = session.exit_code();

  // Ctrl-C and SIGTERM quit like /quit, so the terminal is restored and the server told.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        session.interrupt();
        signals.async_wait(on_signal);  // a second Ctrl-C while quitting still counts
      };
  signals.async_wait(on_signal);

  std::thread io_thread([&io] { io.run(); });
  if (terminal_in && terminal_out) {
    editor = std::make_unique<chatcli::line_editor>(
        "> ",
        [&session](std::optional<std::string> line) {
          if (line)
            session.input(std::move(*line));
          else
            session.end_of_input();
        },
        opts->history);
  } else {
    // Reads stdin on its own thread; it may still be blocked in getline when main returns,
    // so it is detached and only touches the session through input(), which posts.
    std::thread([&session] {
      std::string line;
      while (std::getline(std::cin, line)) session.input(std::move(line));
      session.end_of_input();
    }).detach();
  }
  session.start();

  const int exit_code = finished.get();
  signals.cancel();
  work.reset();
  io.stop();
  io_thread.join();  // nothing prints any more...
  editor.reset();    // ...so the editor can go, restoring the terminal
  std::cout << std::flush;
  // The stdin thread may be blocked reading; don't wait for it or destroy what it uses.
  std::_Exit(exit_code);
}
