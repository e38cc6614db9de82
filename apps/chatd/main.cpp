// chatd: the chat daemon. Parses options, runs a chat::server until SIGINT/SIGTERM; with TLS,
// SIGHUP reloads the certificate and key (for new connections).
//
// Exit codes: 0 after a graceful stop or --help/--version; 1 when the server cannot start
// (address in use, no permission); 2 for a usage error.
#include <chat/log_queue.hpp>
#include <chat/server.hpp>
#include <chat/text.hpp>
#include <chat/version.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <cctype>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include <sys/resource.h>

namespace po = boost::program_options;

namespace {

constexpr int exit_runtime_error = 1;
constexpr int exit_usage_error = 2;

// Writes one log line to stderr with its UTC timestamp and level. Runs on the log queue's own
// thread (chat::log_queue), so a slow stderr delays only the log, never a connection.
void write_line(const chat::log_queue::line& l) {
  using namespace std::chrono;
  const std::time_t seconds = system_clock::to_time_t(l.time);
  const auto millis = duration_cast<milliseconds>(l.time.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  const auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
  std::cerr << stamp << ' ' << chat::to_string(l.level) << " event=" << l.event;
  if (!l.peer.empty()) std::cerr << " peer=" << l.peer;
  if (!l.message.empty()) std::cerr << ' ' << l.message;
  std::cerr << '\n';
}

struct usage_error {
  std::string message;
};

// Descriptors kept back from connections for the listener, the reactor, the log and whatever a
// library opens, so that accept itself never fails for want of one (the limit answers instead).
constexpr std::size_t reserved_descriptors = 64;

// The default --max-connections: a little below the soft RLIMIT_NOFILE; 0 (no limit) when the
// limit is unknown or infinite.
std::size_t default_max_connections() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  const auto soft = static_cast<std::size_t>(limit.rlim_cur);
  return soft > 2 * reserved_descriptors ? soft - reserved_descriptors : soft / 2;
}

// A count option read as size_t: also catches "-1", which the parser wraps around.
void require_at_most_u32(std::size_t value, const std::string& option) {
  if (value > std::numeric_limits<std::uint32_t>::max())
    throw usage_error{option + " must be between 0 and " +
                      std::to_string(std::numeric_limits<std::uint32_t>::max())};
}

// A byte count: digits, optionally followed by K, M or G (binary multiples; "KiB", "MB" and the
// like are read the same).
std::size_t parse_bytes(const std::string& text, const std::string& option) {
  const auto invalid = [&] {
    return usage_error{option + " must be a byte count such as 1048576, 512K, 256M or 1G"};
  };
  std::size_t digits = 0;
  std::size_t value = 0;
  for (; digits < text.size() && text[digits] >= '0' && text[digits] <= '9'; ++digits) {
    if (value > (std::numeric_limits<std::size_t>::max() - 9) / 10) throw invalid();
    value = value * 10 + static_cast<std::size_t>(text[digits] - '0');
  }
  if (digits == 0) throw invalid();
  std::string unit = text.substr(digits);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.erase(unit.size() - 2);
  else if (unit.size() > 1 && unit.ends_with("B")) unit.pop_back();
  unsigned shift = 0;
  if (unit == "K") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (!unit.empty() && unit != "B") throw invalid();
  if (shift != 0 && value > (std::numeric_limits<std::size_t>::max() >> shift)) throw invalid();
  return value << shift;
}

// The server password: the first line of `path`, without its line ending. An unreadable or
// empty file, or a password the protocol cannot carry, is a startup error, not "no password".
std::string read_password_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw usage_error{"cannot read --password-file " + path};
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw usage_error{"--password-file " + path + " has an empty first line"};
  if (line.size() > chat::max_password_bytes || !chat::is_valid_utf8(line))
    throw usage_error{"the password in " + path + " must be at most " +
                      std::to_string(chat::max_password_bytes) + " bytes of UTF-8"};
  return line;
}

// The web client installed with chatd: share/chatd/web beside the directory of the chatd
// binary (/usr/bin -> /usr/share/chatd/web; the build tree links it to the sources). Empty if
// it is not there.
std::string installed_web_root() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto root = exe.parent_path().parent_path() / CHATD_WEB_ROOT_RELATIVE;
  return std::filesystem::is_directory(root, ec) ? root.string() : std::string();
}

// Options from the command line, or nullopt when --help/--version was answered.
std::optional<chat::server_options> parse_options(int argc, char** argv) {
  std::string bind = "127.0.0.1";
  unsigned port = 7777;
  unsigned threads = 0;
  std::size_t history = 100;
  std::size_t max_frame = chat::default_max_frame;
  unsigned handshake_seconds = 30;
  unsigned idle_seconds = 90;
  unsigned ping_timeout_seconds = 60;
  std::size_t max_rooms = 64;
  std::string log_level = "info";
  std::size_t quiet_joins_above = chat::server_options{}.quiet_joins_above;
  std::size_t max_per_ip = chat::server_options{}.max_connections_per_ip;
  std::size_t max_connections = default_max_connections();
  std::string history_budget = "256M";
  std::string room_history_bytes = "2M";
  std::string password_file;
  unsigned resume_grace_seconds = 60;
  const chat::server_options defaults;
  std::size_t max_connects_per_ip = defaults.max_connects_per_ip;
  double connect_window_seconds = std::chrono::duration<double>(defaults.connect_window).count();
  std::size_t max_unregistered = defaults.max_unregistered;
  std::size_t max_unregistered_per_ip = defaults.max_unregistered_per_ip;
  std::size_t flood_burst = defaults.flood_burst;
  double flood_rate = defaults.flood_rate;
  double flood_disconnect_seconds = std::chrono::duration<double>(defaults.flood_disconnect_after).count();
  std::string tls_cert, tls_key, tls_min_version = "1.3";
  unsigned tls_port = 0;
  unsigned ws_port = 0;
  std::vector<std::string> ws_origins;
  std::string web_root;
  unsigned ws_handshake_seconds = 10;

  po::options_description desc("Usage: chatd [options]\nOptions");
  desc.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("bind", po::value(&bind)->default_value(bind), "address to listen on (IPv4 or IPv6)")
      ("port", po::value(&port)->default_value(port), "TCP port; 0 picks a free one")
      ("threads", po::value(&threads)->default_value(0), "worker threads; 0 means one per core")
      ("history", po::value(&history)->default_value(history), "messages per room replayed on join")
      ("room-history-bytes", po::value(&room_history_bytes)->default_value(room_history_bytes),
       "history bytes kept per room (K, M, G suffixes); the oldest messages go first")
      ("history-budget", po::value(&history_budget)->default_value(history_budget),
       "history bytes kept in all, over every room (K, M, G suffixes); past it the oldest "
       "messages of the largest rooms go first, and catching up after them says missed")
      ("max-frame", po::value(&max_frame)->default_value(max_frame), "largest frame a client may send, in bytes")
      ("handshake-timeout", po::value(&handshake_seconds)->default_value(handshake_seconds),
       "seconds a new connection has to complete HELLO; 0 waits forever")
      ("idle", po::value(&idle_seconds)->default_value(idle_seconds),
       "seconds without input after which a client is PINGed; 0 never")
      ("ping-timeout", po::value(&ping_timeout_seconds)->default_value(ping_timeout_seconds),
       "seconds a PINGed client has to answer before it is dropped")
      ("max-rooms", po::value(&max_rooms)->default_value(max_rooms),
       "rooms one connection may be in at a time")
      ("log-level", po::value(&log_level)->default_value(log_level),
       "error, warn, info (connections, clients' mistakes at a bounded rate) or debug (also joins, parts, renames)")
      ("quiet-joins-above", po::value(&quiet_joins_above)->default_value(quiet_joins_above),
       "a room with more members than this stops announcing joins and leaves to the others, "
       "until it has fewer again (WHO and LIST still tell); 0 never")
      ("max-per-ip", po::value(&max_per_ip)->default_value(max_per_ip),
       "connections open at once from one IPv4 address or IPv6 /64; more are told "
       "too_many_connections and closed; 0 no limit")
      ("max-connections", po::value(&max_connections)->default_value(max_connections),
       "connections open at once in all; more are told the server is full and closed; "
       "the default is the descriptor limit (ulimit -n) minus 64; 0 no limit")
      ("password-file", po::value(&password_file),
       "require the password on this file's first line (clients send it with PASS before HELLO)")
      ("resume-grace", po::value(&resume_grace_seconds)->default_value(resume_grace_seconds),
       "seconds a lost session of a client that asked for resume is kept for it to take over "
       "(its name stays taken, it stays in its rooms); 0 does not offer resume")
      ("max-connects-per-ip", po::value(&max_connects_per_ip)->default_value(max_connects_per_ip),
       "new connections one IPv4 address or IPv6 /64 may open per --connect-window; more are "
       "told too_many_connections and closed; 0 no limit")
      ("connect-window", po::value(&connect_window_seconds)->default_value(connect_window_seconds),
       "seconds of the window --max-connects-per-ip counts in")
      ("max-unregistered", po::value(&max_unregistered)->default_value(max_unregistered),
       "connections that have not completed HELLO, in all; more are refused; 0 no limit")
      ("max-unregistered-per-ip", po::value(&max_unregistered_per_ip)->default_value(max_unregistered_per_ip),
       "connections that have not completed HELLO from one address; more are refused; 0 no limit")
      ("flood-burst", po::value(&flood_burst)->default_value(flood_burst),
       "flood control: messages (SAY, PRIVATE, TOPIC, NICK, PART; JOIN counts 1/4) a client may "
       "send at once before it is paced; 0 turns flood control off")
      ("flood-rate", po::value(&flood_rate)->default_value(flood_rate),
       "flood control: messages a second a paced client is allowed; faster input waits, unread")
      ("flood-disconnect-after", po::value(&flood_disconnect_seconds)->default_value(flood_disconnect_seconds),
       "seconds a client may be paced without a break before it is told flooding and closed; 0 never")
      ("tls-cert", po::value(&tls_cert),
       "PEM file: the server's certificate (then any intermediates); with --tls-key, serve TLS: "
       "on --tls-port beside plain TCP on --port, or, without --tls-port, TLS only, on --port. "
       "SIGHUP reloads both files for new connections")
      ("tls-key", po::value(&tls_key), "PEM file: the private key of --tls-cert")
      ("tls-port", po::value(&tls_port),
       "TLS port, plain TCP staying on --port; 0 picks a free one")
      ("tls-min-version", po::value(&tls_min_version)->default_value(tls_min_version),
       "lowest TLS version accepted: 1.3, or 1.2 for clients that cannot do 1.3")
      ("ws-port", po::value(&ws_port),
       "serve browsers on this port: WebSocket at /chat and the web client at / (wss:// and "
       "https:// with --tls-cert); 0 picks a free one")
      ("ws-origin", po::value(&ws_origins)->composing(),
       "an origin whose pages may open a WebSocket, e.g. https://chat.example.org (repeatable; "
       "* allows any); by default only the server's own pages")
      ("web-root", po::value(&web_root),
       "directory of the web client's files served on --ws-port (default: the copy installed "
       "with chatd, " CHATD_WEB_ROOT_RELATIVE " beside its bin directory)")
      ("ws-handshake-timeout", po::value(&ws_handshake_seconds)->default_value(ws_handshake_seconds),
       "seconds a connection to --ws-port has to open its WebSocket (TLS included), and to send "
       "each next request for a file; 0 waits forever");

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error{e.what()};
  }
  if (vm.count("help")) {
    std::cout << desc << '\n';
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "chatd " << chat::version_string << '\n';
    return std::nullopt;
  }

  chat::server_options options;
  boost::system::error_code ec;
  options.address = boost::asio::ip::make_address(bind, ec);
  if (ec) throw usage_error{"invalid --bind address '" + bind + "'"};
  if (port > 65535) throw usage_error{"--port must be between 0 and 65535"};
  if (max_frame < chat::largest_valid_frame)
    throw usage_error{"--max-frame must be at least " + std::to_string(chat::largest_valid_frame) +
                      " (the largest valid frame)"};
  options.port = static_cast<std::uint16_t>(port);
  options.threads = threads;
  options.history = history;
  options.room_history_bytes = parse_bytes(room_history_bytes, "--room-history-bytes");
  options.history_budget_bytes = parse_bytes(history_budget, "--history-budget");
  options.max_frame = max_frame;
  if (idle_seconds > 0 && ping_timeout_seconds == 0)
    throw usage_error{"--ping-timeout must be at least 1 (or disable keep-alive with --idle 0)"};
  options.handshake_timeout = std::chrono::seconds(handshake_seconds);
  options.idle_timeout = std::chrono::seconds(idle_seconds);
  options.ping_timeout = std::chrono::seconds(ping_timeout_seconds);
  if (max_rooms == 0) throw usage_error{"--max-rooms must be at least 1"};
  options.max_rooms_per_user = max_rooms;
  require_at_most_u32(quiet_joins_above, "--quiet-joins-above");  // counts are 32-bit on the wire
  options.quiet_joins_above = quiet_joins_above;
  const auto level = chat::parse_log_level(log_level);
  if (!level) throw usage_error{"--log-level must be error, warn, info or debug"};
  options.log_level = *level;
  require_at_most_u32(max_per_ip, "--max-per-ip");
  options.max_connections_per_ip = max_per_ip;
  require_at_most_u32(max_connections, "--max-connections");
  options.max_connections = max_connections;
  if (vm.count("password-file")) options.password = read_password_file(password_file);
  require_at_most_u32(std::size_t{resume_grace_seconds} * 1000, "--resume-grace (in ms)");
  options.resume_grace = std::chrono::seconds(resume_grace_seconds);
  const auto milliseconds = [](double seconds, const char* flag) {
    if (!(seconds >= 0 && seconds <= 86400)) throw usage_error{std::string(flag) + " must be 0 to 86400 seconds"};
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  };
  require_at_most_u32(max_connects_per_ip, "--max-connects-per-ip");
  require_at_most_u32(max_unregistered, "--max-unregistered");
  require_at_most_u32(max_unregistered_per_ip, "--max-unregistered-per-ip");
  require_at_most_u32(flood_burst, "--flood-burst");
  options.max_connects_per_ip = max_connects_per_ip;
  options.connect_window = milliseconds(connect_window_seconds, "--connect-window");
  if (options.max_connects_per_ip > 0 && options.connect_window.count() == 0)
    throw usage_error{"--connect-window must be more than 0 (or disable with --max-connects-per-ip 0)"};
  options.max_unregistered = max_unregistered;
  options.max_unregistered_per_ip = max_unregistered_per_ip;
  options.flood_burst = flood_burst;
  if (!(flood_rate >= 0 && flood_rate <= 1e6)) throw usage_error{"--flood-rate must be 0 to 1000000"};
  if (flood_burst > 0 && flood_rate == 0)
    throw usage_error{"--flood-rate must be more than 0 (or disable flood control with --flood-burst 0)"};
  options.flood_rate = flood_rate;
  options.flood_disconnect_after = milliseconds(flood_disconnect_seconds, "--flood-disconnect-after");
  if (tls_cert.empty() != tls_key.empty()) throw usage_error{"--tls-cert and --tls-key go together"};
  if (tls_cert.empty() && vm.count("tls-port"))
    throw usage_error{"--tls-port needs --tls-cert and --tls-key"};
  if (tls_port > 65535) throw usage_error{"--tls-port must be between 0 and 65535"};
  if (tls_min_version != "1.2" && tls_min_version != "1.3")
    throw usage_error{"--tls-min-version must be 1.2 or 1.3"};
  options.tls.certificate_file = tls_cert;
  options.tls.private_key_file = tls_key;
  options.tls.port = static_cast<std::uint16_t>(tls_port);
  options.tls.only = !tls_cert.empty() && !vm.count("tls-port");
  options.tls.min_version = tls_min_version == "1.2" ? chat::tls_version::v1_2 : chat::tls_version::v1_3;
  const bool ws = vm.count("ws-port") > 0;
  if (!ws && (vm.count("ws-origin") || vm.count("web-root")))
    throw usage_error{"--ws-origin and --web-root need --ws-port"};
  if (ws) {
    if (ws_port > 65535) throw usage_error{"--ws-port must be between 0 and 65535"};
    options.websocket.port = static_cast<std::uint16_t>(ws_port);
    options.websocket.allowed_origins = ws_origins;
    options.websocket.handshake_timeout = std::chrono::seconds(ws_handshake_seconds);
    if (vm.count("web-root")) {
      std::error_code fs_ec;
      if (!std::filesystem::is_directory(web_root, fs_ec))
        throw usage_error{"--web-root " + web_root + " is not a directory"};
      options.websocket.web_root = web_root;
    } else {
      options.websocket.web_root = installed_web_root();
    }
  }
  return options;
}

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

}  // namespace

int main(int argc, char** argv) {
  std::optional<chat::server_options> options;
  try {
    options = parse_options(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "chatd: " << e.message << " (see chatd --help)\n";
    return exit_usage_error;
  }
  if (!options) return 0;

  // Installed before the pool starts, so a signal always finds the handler.
  boost::asio::io_context signals_context;
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  boost::asio::signal_set hangup(signals_context);  // SIGHUP, with TLS only
  int stop_signal = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (!ec) stop_signal = signal;
    hangup.cancel();
  });
  const bool tls = options->tls.enabled();
  if (tls) hangup.add(SIGHUP);

  // Declared before the server, so it outlives every thread that logs.
  chat::log_queue log(write_line);
  options->log = [&log](const chat::log_record& record) { log.push(record); };
  const auto requested = boost::asio::ip::tcp::endpoint(options->address, options->port);
  const bool options_tls_only = options->tls.only;
  const bool ws_enabled = options->websocket.enabled();
  const std::string web_root = options->websocket.web_root;
  chat::server server(std::move(*options));
  if (auto ec = server.start()) {
    // A TLS file that does not load is logged (above) with its name.
    std::cerr << "chatd: cannot " << (tls ? "load the TLS certificate and key or " : "")
              << "listen on " << requested << ": " << ec.message() << '\n';
    return exit_runtime_error;
  }
  // The one line scripts read to learn the address (and the actual port when --port 0).
  if (!options_tls_only) std::cout << "chatd listening on " << server.local_endpoint() << '\n';
  if (tls) std::cout << "chatd listening for TLS on " << server.tls_endpoint() << '\n';
  if (ws_enabled) {
    const auto endpoint = server.websocket_endpoint();
    std::cout << "chatd listening for WebSocket on " << endpoint << '\n';
    if (web_root.empty())
      std::cout << "chatd: no web client files found (see --web-root): serving WebSocket only\n";
    else
      std::cout << "chatd web client at " << (tls ? "https" : "http") << "://" << url_host(endpoint) << "/\n";
  }
  std::cout << std::flush;

  // Reloading happens on this thread; a file that does not load leaves the certificate in use
  // (the server logs why).
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        server.reload_tls();  // logs what it did
        hangup.async_wait(on_hangup);
      };
  if (tls) hangup.async_wait(on_hangup);

  signals_context.run();
  log.push({chat::log_level::info, "stopping", {}, stop_signal == SIGTERM ? "stopping on SIGTERM" : "stopping on SIGINT"});
  server.stop();
  log.push({chat::log_level::info, "stopped", {}, {}});
  return 0;
}
