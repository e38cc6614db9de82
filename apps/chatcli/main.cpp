// chatcli: the terminal client. `chatcli --host H --port P --name N [--room R]`
//
// Lines typed (or piped) on stdin are sent; "/quit" or end of input says BYE and exits 0.
// Exit codes: 0 after /quit or end of input; 1 when the server cannot be reached, rejects the
// name (when not interactive) or closes the connection; 2 for a usage error.
#include "render.hpp"

#include <chat/client.hpp>
#include <chat/version.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <unistd.h>

namespace po = boost::program_options;

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage_error = 2;

std::uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// Whole lines to stdout, one writer at a time, so incoming messages never split a line.
// Lines from the server wait until the welcome is shown: the history that follows WELCOME
// can arrive before the main thread has printed it.
class console {
public:
  void line(std::string_view text) {
    std::lock_guard lock(mutex_);
    std::cout << text << '\n' << std::flush;
  }
  void message(std::string_view text) {
    std::lock_guard lock(mutex_);
    if (!welcomed_) {
      held_.emplace_back(text);
      return;
    }
    std::cout << text << '\n' << std::flush;
  }
  void welcome(std::string_view text) {
    std::lock_guard lock(mutex_);
    std::cout << text << '\n';
    for (const auto& held : held_) std::cout << held << '\n';
    held_.clear();
    welcomed_ = true;
    std::cout << std::flush;
  }
  void prompt(std::string_view text) {
    std::lock_guard lock(mutex_);
    std::cout << text << std::flush;
  }

private:
  std::mutex mutex_;
  bool welcomed_ = false;
  std::vector<std::string> held_;
};

// What the main loop waits for: a line of input, the end of input, or the connection ending.
struct event {
  enum class kind { line, end_of_input, closed } what;
  std::string text;
  boost::system::error_code reason;
};

class event_queue {
public:
  void push(event e) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(e));
    }
    ready_.notify_one();
  }
  event pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !events_.empty(); });
    event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  /// The next event of kind `closed`, or nullopt at the deadline; other events are dropped.
  std::optional<event> wait_closed(std::chrono::steady_clock::duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    for (;;) {
      while (!events_.empty()) {
        event e = std::move(events_.front());
        events_.pop_front();
        if (e.what == event::kind::closed) return e;
      }
      if (!ready_.wait_until(lock, deadline, [this] { return !events_.empty(); }))
        return std::nullopt;
    }
  }

private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<event> events_;
};

struct options {
  std::string host;
  std::string port;
  std::string name;
  std::string room;
};

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  po::options_description desc("Usage: chatcli --host H --port P --name N [--room R]\nOptions");
  desc.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("host", po::value(&o.host)->required(), "server host name or address")
      ("port", po::value(&o.port)->required(), "server port")
      ("name", po::value(&o.name)->required(), "your name: 2-32 letters, digits, '_', '-', '.'")
      ("room", po::value(&o.room)->default_value(chat::default_room), "room to join");
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
  } catch (const po::error& e) {
    std::cerr << "chatcli: " << e.what() << " (see chatcli --help)\n";
    exit_code = exit_usage_error;
    return std::nullopt;
  }
  return o;
}

bool is_name_rejection(const boost::system::error_code& ec) {
  return ec == chat::errc::invalid_name || ec == chat::errc::name_taken;
}

// Why the connection ended, as the user should read it.
std::string describe_close(const boost::system::error_code& ec) {
  if (ec == chat::errc::connection_closed) return "server closed the connection";
  if (ec == chat::errc::server_shutting_down) return "server closed the connection: it is shutting down";
  return "connection lost: " + ec.message();
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto opts = parse_options(argc, argv, exit_code);
  if (!opts) return exit_code;
  const bool interactive = ::isatty(STDIN_FILENO) == 1;

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });

  console out;
  // Reads stdin on its own thread so incoming messages keep printing while the user types.
  // The thread may still be blocked in getline when main returns, so it shares the queue.
  const auto shared_events = std::make_shared<event_queue>();
  event_queue& events = *shared_events;
  std::thread([shared_events] {
    std::string line;
    while (std::getline(std::cin, line)) shared_events->push({event::kind::line, std::move(line), {}});
    shared_events->push({event::kind::end_of_input, {}, {}});
  }).detach();

  exit_code = [&]() -> int {
    chat::client client(io.get_executor());
    client.on_message([&](const chat::server_message& m) { out.message(chatcli::render(m, now_ms())); });
    client.on_close([&](boost::system::error_code ec) { events.push({event::kind::closed, {}, ec}); });

    std::promise<boost::system::error_code> connected;
    client.async_connect(opts->host, opts->port,
                         [&connected](boost::system::error_code ec) { connected.set_value(ec); });
    if (const auto ec = connected.get_future().get()) {
      std::cerr << "chatcli: cannot connect to " << opts->host << ':' << opts->port << ": "
                << ec.message() << '\n';
      return exit_failure;
    }

    std::string name = opts->name;
    for (;;) {
      std::promise<std::pair<boost::system::error_code, chat::msg::welcome>> joined;
      client.async_join(name, opts->room, [&joined](boost::system::error_code ec, chat::msg::welcome w) {
        joined.set_value({ec, std::move(w)});
      });
      const auto [ec, welcome] = joined.get_future().get();
      if (!ec) {
        out.welcome(chatcli::render_welcome(welcome));
        break;
      }
      if (!is_name_rejection(ec) || !interactive) {
        std::cerr << "chatcli: " << (is_name_rejection(ec) ? "name rejected: " : "cannot join: ")
                  << ec.message() << '\n';
        return exit_failure;
      }
      out.prompt("Name '" + chatcli::inert(name) + "' rejected (" + ec.message() + "). Another name: ");
      event answer = events.pop();
      if (answer.what != event::kind::line) {
        out.line("");  // end the prompt's line
        std::cerr << "chatcli: "
                  << (answer.what == event::kind::closed ? describe_close(answer.reason)
                                                         : std::string("no name given: end of input"))
                  << '\n';
        return exit_failure;
      }
      name = answer.text;
    }

    for (;;) {
      event e = events.pop();
      if (e.what == event::kind::closed) {
        std::cerr << "chatcli: " << describe_close(e.reason) << '\n';
        return exit_failure;
      }
      if (e.what == event::kind::end_of_input || e.text == "/quit") {
        client.bye();
        events.wait_closed(std::chrono::seconds(3));
        return 0;
      }
      if (e.text.empty()) continue;
      if (auto ec = client.say(e.text)) out.line("! not sent: " + ec.message());
    }
  }();

  work.reset();
  io.stop();
  io_thread.join();
  return exit_code;
}
