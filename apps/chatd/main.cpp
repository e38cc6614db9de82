// SPDX-License-Identifier: BSL-1.0
// chatd: the chat daemon. Reads its options (command line, then --config file), runs a
// chat::server until SIGINT/SIGTERM, and on SIGHUP reads the config file and the password file
// again and applies what can change live (server::reload). Tells systemd where it is
// (sd_notify). Everything testable is in chatd_core; this file only wires it.
//
// Exit codes: 0 after a graceful stop or --help/--version; 1 when the server cannot start
// (address in use, no permission, a TLS file that does not load); 2 for a bad option, value or
// config file.
#include "log_sink.hpp"
#include "options.hpp"
#include "service_notify.hpp"

#include <chat/log_queue.hpp>
#include <chat/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int exit_runtime_error = 1;
constexpr int exit_usage_error = 2;

// "host:port" for a URL: an IPv6 address in brackets; a wildcard address as loopback, which
// reaches it.
std::string url_host(const boost::asio::ip::tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_unspecified())
    address = address.is_v6() ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
                              : boost::asio::ip::address(boost::asio::ip::address_v4::loopback());
  const auto text = address.to_string();
  return (address.is_v6() ? "[" + text + "]" : text) + ":" + std::to_string(endpoint.port());
}

std::string to_text(const boost::asio::ip::tcp::endpoint& endpoint) {
  std::ostringstream out;
  out << endpoint;
  return out.str();
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// chatd's own options that a reload cannot change, by option name (the server reports its own).
std::vector<std::string> kept_daemon_options(const chatd::daemon_options& running,
                                             const chatd::daemon_options& next) {
  std::vector<std::string> kept;
  if (next.format != running.format) kept.push_back("log-format");
  if (next.target != running.target) kept.push_back("log-target");
  return kept;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  std::optional<chatd::daemon_options> loaded;
  try {
    loaded = chatd::load_options(args, std::cout);
  } catch (const chatd::startup_error& e) {
    std::cerr << "chatd: " << e.what() << '\n';
    return exit_usage_error;
  }
  if (!loaded) return 0;
  const chatd::daemon_options running = *loaded;  // what reloads compare with (log wiring aside)

  // Installed before the pool starts, so a signal always finds the handler.
  boost::asio::io_context signals_context;
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  boost::asio::signal_set hangup(signals_context, SIGHUP);
  int stop_signal = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (!ec) stop_signal = signal;
    hangup.cancel();
  });

  // Declared before the server, so they outlive every thread that logs. The queue's own thread
  // writes, so a slow destination delays only the log, never a connection.
  chatd::log_sink sink(running.target, running.format);
  chat::log_queue log([&sink](const chat::log_queue::line& l) {
    sink.write({l.time, l.level, l.event, l.peer, l.message});
  });
  const auto note = [&log](chat::log_level level, std::string_view event, const std::string& message) {
    log.push(chat::log_record{level, event, {}, message});
  };
  const auto wire = [&log](chatd::daemon_options& options) {
    options.server.log = [&log](const chat::log_record& record) { log.push(record); };
    options.server.log_lines_dropped = [&log] { return log.dropped(); };
    options.server.admin = options.admin;
  };
  wire(*loaded);
  chat::server_options server_options = std::move(loaded->server);
  const auto requested = boost::asio::ip::tcp::endpoint(server_options.address, server_options.port);
  const bool tls = server_options.tls.enabled();
  const bool tls_only = server_options.tls.only;
  const bool ws_enabled = server_options.websocket.enabled();
  const std::string web_root = server_options.websocket.web_root;
  chat::server server(std::move(server_options));
  if (auto ec = server.start()) {
    // A TLS file that does not load is logged (above) with its name.
    std::cerr << "chatd: cannot " << (tls ? "load the TLS certificate and key or " : "")
              << "listen on " << requested;
    if (running.admin) std::cerr << " (or, for --admin, on " << *running.admin << ")";
    std::cerr << ": " << ec.message() << '\n';
    return exit_runtime_error;
  }
  // The lines scripts read to learn the addresses (and the actual ports when asked for 0).
  std::string serving;
  if (!tls_only) {
    std::cout << "chatd listening on " << server.local_endpoint() << '\n';
    serving = to_text(server.local_endpoint());
  }
  if (tls) {
    std::cout << "chatd listening for TLS on " << server.tls_endpoint() << '\n';
    serving += (serving.empty() ? "" : ", ") + to_text(server.tls_endpoint()) + " (TLS)";
  }
  if (ws_enabled) {
    const auto endpoint = server.websocket_endpoint();
    std::cout << "chatd listening for WebSocket on " << endpoint << '\n';
    serving += ", " + to_text(endpoint) + " (WebSocket)";
    if (web_root.empty())
      std::cout << "chatd: no web client files found (see --web-root): serving WebSocket only\n";
    else
      std::cout << "chatd web client at " << (tls ? "https" : "http") << "://" << url_host(endpoint) << "/\n";
  }
  if (running.admin) {
    std::cout << "chatd admin on " << server.admin_endpoint() << '\n';
    serving += "; admin on " + to_text(server.admin_endpoint());
  }
  std::cout << std::flush;
  note(chat::log_level::info, "started",
       "chatd " + std::string(chat::version_string) + " serving on " + serving +
           (running.config_file.empty() ? "" : "; config " + running.config_file));
  chatd::notify_ready("serving on " + serving);

  // SIGHUP, on this thread: the files are read again with the same command line, and what
  // changed is applied; a bad file is rejected whole and the running options stay.
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        chatd::notify_reloading();
        try {
          std::ostringstream unused;  // --help and --version were answered at start
          auto next = chatd::load_options(args, unused);
          if (!next) throw chatd::startup_error("nothing to reload");
          const auto kept = kept_daemon_options(running, *next);
          wire(*next);
          // The server logs the outcome: event reloaded (what was applied, what kept) or
          // reload_rejected; chatd adds what only it knows.
          const auto result = server.reload(std::move(next->server));
          if (!result.error && !kept.empty())
            note(chat::log_level::warn, "reload_kept", "kept until a restart: " + joined(kept));
        } catch (const chatd::startup_error& e) {
          note(chat::log_level::warn, "reload_rejected", std::string(e.what()) + "; nothing changed");
        }
        chatd::notify_ready("serving on " + serving);
        hangup.async_wait(on_hangup);
      };
  hangup.async_wait(on_hangup);

  signals_context.run();
  chatd::notify_stopping();
  note(chat::log_level::info, "stopping", stop_signal == SIGTERM ? "stopping on SIGTERM" : "stopping on SIGINT");
  server.stop();
  note(chat::log_level::info, "stopped", "stopped");
  return 0;
}
