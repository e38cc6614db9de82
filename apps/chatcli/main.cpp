// chatcli: the terminal client. `chatcli --host H --port P --name N [--room R]`
//
// Interactive (stdin and stdout are terminals): a line editor with history, colours, and
// reconnection without limit. Piped: plain lines in and out, no reconnection unless asked for.
// Exit codes: 0 after /quit or end of input; 1 when the server cannot be reached (after the
// allowed reconnects), rejects the name (when not interactive) or closes the connection for
// good; 2 for a usage error.
#include "chat_session.hpp"
#include "line_editor.hpp"

#include <chat/text.hpp>
#include <chat/version.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <clocale>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace po = boost::program_options;

namespace {

constexpr int exit_usage_error = 2;

struct options {
  chatcli::session_settings session;
  std::string password_file;
  bool no_color = false;
  int reconnects = -1;  // -1: the default for the mode
};

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  auto& s = o.session;
  po::options_description desc("Usage: chatcli --host H --port P --name N [options]\nOptions");
  desc.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("host", po::value(&s.host)->required(), "server host name or address")
      ("port", po::value(&s.port)->required(), "server port")
      ("name", po::value(&s.name)->required(), "your name: 2-32 letters, digits, '_', '-', '.'")
      ("room", po::value(&s.room)->default_value(chat::default_room), "room to join first")
      ("reconnect", po::value(&o.reconnects),
       "reconnect attempts after the connection drops (default: unlimited when interactive, "
       "0 when piped)")
      ("password-file", po::value(&o.password_file),
       "the server password is this file's first line (sent with PASS before HELLO)")
      ("tls", po::bool_switch(&s.tls.enabled),
       "connect with TLS, verifying the server's certificate against the system's trusted "
       "authorities and --host")
      ("tls-ca", po::value(&s.tls.ca_file),
       "PEM file of the authorities to trust instead of the system's (implies --tls)")
      ("insecure", po::bool_switch(&s.tls.insecure),
       "TLS WITHOUT certificate verification (implies --tls): anyone on the path can read and "
       "change the traffic; for tests only")
      ("no-color", po::bool_switch(&o.no_color), "no colours (also when NO_COLOR is set)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << '\n';
      exit_code = 0;
      return std::nullopt;
    }
    if (vm.count("version")) {
      std::cout << "chatcli " << chat::version_string << '\n';
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
    if (vm.count("reconnect") && o.reconnects < 0)
      throw po::error("--reconnect must be 0 or more");
    if (!s.room.empty() && !chat::is_valid_room(s.room))
      throw po::error("--room must be 1-64 letters, digits, '_', '-', '.' or '#'");
    if (vm.count("password-file")) {
      // The first line, without its line ending; kept out of the command line and the log.
      std::ifstream in(o.password_file);
      if (!in || !std::getline(in, s.password))
        throw po::error("cannot read --password-file " + o.password_file);
      if (!s.password.empty() && s.password.back() == '\r') s.password.pop_back();
      if (s.password.empty() || s.password.size() > chat::max_password_bytes ||
          !chat::is_valid_utf8(s.password))
        throw po::error("the password in " + o.password_file + " must be 1-" +
                        std::to_string(chat::max_password_bytes) + " bytes of UTF-8 on its first line");
    }
    if (!s.tls.ca_file.empty() || s.tls.insecure) s.tls.enabled = true;
  } catch (const po::error& e) {
    std::cerr << "chatcli: " << e.what() << " (see chatcli --help)\n";
    exit_code = exit_usage_error;
    return std::nullopt;
  }
  return o;
}

bool no_color_requested() {
  const char* value = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  return value != nullptr && *value != '\0';
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto opts = parse_options(argc, argv, exit_code);
  if (!opts) return exit_code;
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
    editor = std::make_unique<chatcli::line_editor>("> ", [&session](std::optional<std::string> line) {
      if (line)
        session.input(std::move(*line));
      else
        session.end_of_input();
    });
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

  exit_code = finished.get();
  signals.cancel();
  work.reset();
  io.stop();
  io_thread.join();  // nothing prints any more...
  editor.reset();    // ...so the editor can go, restoring the terminal
  std::cout << std::flush;
  // The stdin thread may be blocked reading; don't wait for it or destroy what it uses.
  std::_Exit(exit_code);
}
