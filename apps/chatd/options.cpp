// SPDX-License-Identifier: BSL-1.0
#include "options.hpp"

#include "config_file.hpp"

#include <chat/text.hpp>
#include <chat/version.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <set>

#include <sys/resource.h>

namespace po = boost::program_options;

namespace chatd {
namespace {

// A bad value of one option: rendered "--name detail" from the command line, "FILE:LINE: name
// detail" from the config file.
struct option_error {
  std::string option;
  std::string detail;
};

// Descriptors kept back from connections for the listener, the reactor, the log and whatever a
// library opens, so that accept itself never fails for want of one (the limit answers instead).
constexpr std::size_t reserved_descriptors = 64;

// Every setting, with its default: what the table binds to.
struct setting_values {
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
  std::string log_format = "logfmt";
  std::string log_target = "stderr";
  std::size_t quiet_joins_above = chat::server_options{}.quiet_joins_above;
  std::size_t max_per_ip = chat::server_options{}.max_connections_per_ip;
  std::size_t max_connections = default_max_connections();
  std::string history_budget = "256M";
  std::string room_history_bytes = "2M";
  std::string password_file;
  unsigned resume_grace_seconds = 60;
  std::size_t max_connects_per_ip = chat::server_options{}.max_connects_per_ip;
  double connect_window_seconds =
      std::chrono::duration<double>(chat::server_options{}.connect_window).count();
  std::size_t max_unregistered = chat::server_options{}.max_unregistered;
  std::size_t max_unregistered_per_ip = chat::server_options{}.max_unregistered_per_ip;
  std::size_t flood_burst = chat::server_options{}.flood_burst;
  double flood_rate = chat::server_options{}.flood_rate;
  double flood_disconnect_seconds =
      std::chrono::duration<double>(chat::server_options{}.flood_disconnect_after).count();
  std::string tls_cert, tls_key, tls_min_version = "1.3";
  unsigned tls_port = 0;
  unsigned ws_port = 0;
  std::vector<std::string> ws_origins;
  std::string web_root;
  unsigned ws_handshake_seconds = 10;
  std::string admin;
};

po::options_description settings_table(setting_values& v) {
  po::options_description desc;
  desc.add_options()
      ("bind", po::value(&v.bind)->default_value(v.bind), "address to listen on (IPv4 or IPv6)")
      ("port", po::value(&v.port)->default_value(v.port), "TCP port; 0 picks a free one")
      ("threads", po::value(&v.threads)->default_value(v.threads), "worker threads; 0 means one per core")
      ("history", po::value(&v.history)->default_value(v.history), "messages per room replayed on join")
      ("room-history-bytes", po::value(&v.room_history_bytes)->default_value(v.room_history_bytes),
       "history bytes kept per room (K, M, G suffixes); the oldest messages go first")
      ("history-budget", po::value(&v.history_budget)->default_value(v.history_budget),
       "history bytes kept in all, over every room (K, M, G suffixes); past it the oldest "
       "messages of the largest rooms go first, and catching up after them says missed")
      ("max-frame", po::value(&v.max_frame)->default_value(v.max_frame),
       "largest frame a client may send, in bytes")
      ("handshake-timeout", po::value(&v.handshake_seconds)->default_value(v.handshake_seconds),
       "seconds a new connection has to complete HELLO; 0 waits forever")
      ("idle", po::value(&v.idle_seconds)->default_value(v.idle_seconds),
       "seconds without input after which a client is PINGed; 0 never")
      ("ping-timeout", po::value(&v.ping_timeout_seconds)->default_value(v.ping_timeout_seconds),
       "seconds a PINGed client has to answer before it is dropped")
      ("max-rooms", po::value(&v.max_rooms)->default_value(v.max_rooms),
       "rooms one connection may be in at a time")
      ("log-level", po::value(&v.log_level)->default_value(v.log_level),
       "error, warn, info (connections, clients' mistakes at a bounded rate) or debug (also joins, parts, renames)")
      ("log-format", po::value(&v.log_format)->default_value(v.log_format),
       "logfmt (key=value) or json (one object a line); each line has time, level, event, peer "
       "(when there is one) and msg")
      ("log-target", po::value(&v.log_target)->default_value(v.log_target),
       "stderr, journal (the systemd journal, with CHAT_EVENT and CHAT_PEER fields) or syslog "
       "(facility daemon)")
      ("quiet-joins-above", po::value(&v.quiet_joins_above)->default_value(v.quiet_joins_above),
       "a room with more members than this stops announcing joins and leaves to the others, "
       "until it has fewer again (WHO and LIST still tell); 0 never")
      ("max-per-ip", po::value(&v.max_per_ip)->default_value(v.max_per_ip),
       "connections open at once from one IPv4 address or IPv6 /64; more are told "
       "too_many_connections and closed; 0 no limit")
      ("max-connections", po::value(&v.max_connections)->default_value(v.max_connections),
       "connections open at once in all; more are told the server is full and closed; "
       "the default is the descriptor limit (ulimit -n) minus 64; 0 no limit")
      ("password-file", po::value(&v.password_file),
       "require the password on this file's first line (clients send it with PASS before HELLO)")
      ("resume-grace", po::value(&v.resume_grace_seconds)->default_value(v.resume_grace_seconds),
       "seconds a lost session of a client that asked for resume is kept for it to take over "
       "(its name stays taken, it stays in its rooms); 0 does not offer resume")
      ("max-connects-per-ip", po::value(&v.max_connects_per_ip)->default_value(v.max_connects_per_ip),
       "new connections one IPv4 address or IPv6 /64 may open per --connect-window; more are "
       "told too_many_connections and closed; 0 no limit")
      ("connect-window", po::value(&v.connect_window_seconds)->default_value(v.connect_window_seconds),
       "seconds of the window --max-connects-per-ip counts in")
      ("max-unregistered", po::value(&v.max_unregistered)->default_value(v.max_unregistered),
       "connections that have not completed HELLO, in all; more are refused; 0 no limit")
      ("max-unregistered-per-ip", po::value(&v.max_unregistered_per_ip)->default_value(v.max_unregistered_per_ip),
       "connections that have not completed HELLO from one address; more are refused; 0 no limit")
      ("flood-burst", po::value(&v.flood_burst)->default_value(v.flood_burst),
       "flood control: messages (SAY, PRIVATE, TOPIC, NICK, PART; JOIN counts 1/4) a client may "
       "send at once before it is paced; 0 turns flood control off")
      ("flood-rate", po::value(&v.flood_rate)->default_value(v.flood_rate),
       "flood control: messages a second a paced client is allowed; faster input waits, unread")
      ("flood-disconnect-after", po::value(&v.flood_disconnect_seconds)->default_value(v.flood_disconnect_seconds),
       "seconds a client may be paced without a break before it is told flooding and closed; 0 never")
      ("tls-cert", po::value(&v.tls_cert),
       "PEM file: the server's certificate (then any intermediates); with --tls-key, serve TLS: "
       "on --tls-port beside plain TCP on --port, or, without --tls-port, TLS only, on --port. "
       "SIGHUP reloads both files for new connections")
      ("tls-key", po::value(&v.tls_key), "PEM file: the private key of --tls-cert")
      ("tls-port", po::value(&v.tls_port),
       "TLS port, plain TCP staying on --port; 0 picks a free one")
      ("tls-min-version", po::value(&v.tls_min_version)->default_value(v.tls_min_version),
       "lowest TLS version accepted: 1.3, or 1.2 for clients that cannot do 1.3")
      ("ws-port", po::value(&v.ws_port),
       "serve browsers on this port: WebSocket at /chat and the web client at / (wss:// and "
       "https:// with --tls-cert); 0 picks a free one")
      ("ws-origin", po::value(&v.ws_origins)->composing(),
       "an origin whose pages may open a WebSocket, e.g. https://chat.example.org (repeatable; "
       "* allows any); by default only the server's own pages")
      ("web-root", po::value(&v.web_root),
       "directory of the web client's files served on --ws-port (default: the copy installed "
       "with chatd, " CHATD_WEB_ROOT_RELATIVE " beside its bin directory)")
      ("ws-handshake-timeout", po::value(&v.ws_handshake_seconds)->default_value(v.ws_handshake_seconds),
       "seconds a connection to --ws-port has to open its WebSocket (TLS included), and to send "
       "each next request for a file; 0 waits forever")
      ("admin", po::value(&v.admin),
       "[ADDR:]PORT: serve GET /metrics (Prometheus) and GET /healthz there; ADDR defaults to "
       "127.0.0.1, IPv6 in brackets ([::1]:9100); 0 picks a free port. Off by default");
  return desc;
}

// A count option read as size_t: also catches "-1", which the parser wraps around.
void require_at_most_u32(std::size_t value, const std::string& option) {
  if (value > std::numeric_limits<std::uint32_t>::max())
    throw option_error{option, "must be between 0 and " +
                                   std::to_string(std::numeric_limits<std::uint32_t>::max())};
}

// A byte count: digits, optionally followed by K, M or G (binary multiples; "KiB", "MB" and the
// like are read the same).
std::size_t parse_bytes(const std::string& text, const std::string& option) {
  const auto invalid = [&] {
    return option_error{option, "must be a byte count such as 1048576, 512K, 256M or 1G"};
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
// empty file, or a password the protocol cannot carry, is an error, not "no password".
std::string read_password_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw option_error{"password-file", path + " cannot be read"};
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw option_error{"password-file", path + " has an empty first line"};
  if (line.size() > chat::max_password_bytes || !chat::is_valid_utf8(line))
    throw option_error{"password-file", path + ": the password must be at most " +
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

// --admin's [ADDR:]PORT: ADDR an IPv4 address or a bracketed IPv6 one, 127.0.0.1 if omitted.
boost::asio::ip::tcp::endpoint parse_admin(const std::string& text) {
  const option_error invalid{"admin", "must be [ADDR:]PORT, e.g. 9100, 127.0.0.1:9100 or [::1]:9100"};
  std::string address = "127.0.0.1";
  std::string port = text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) throw invalid;
    address = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    address = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (address.find(':') != std::string::npos) throw invalid;  // IPv6 needs its brackets
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    throw invalid;
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) throw option_error{"admin", "address '" + address + "' is not an IP address"};
  return {ip, static_cast<std::uint16_t>(std::stoul(port))};
}

// What the values make, checked. `given` tells whether an option was set (command line or file).
daemon_options to_options(const setting_values& v, const po::variables_map& vm) {
  const auto given = [&](const char* option) { return vm.count(option) > 0 && !vm[option].defaulted(); };
  daemon_options result;
  chat::server_options& options = result.server;
  boost::system::error_code ec;
  options.address = boost::asio::ip::make_address(v.bind, ec);
  if (ec) throw option_error{"bind", "'" + v.bind + "' is not an IP address"};
  if (v.port > 65535) throw option_error{"port", "must be between 0 and 65535"};
  if (v.max_frame < chat::largest_valid_frame)
    throw option_error{"max-frame", "must be at least " + std::to_string(chat::largest_valid_frame) +
                                        " (the largest valid frame)"};
  options.port = static_cast<std::uint16_t>(v.port);
  options.threads = v.threads;
  options.history = v.history;
  options.room_history_bytes = parse_bytes(v.room_history_bytes, "room-history-bytes");
  options.history_budget_bytes = parse_bytes(v.history_budget, "history-budget");
  options.max_frame = v.max_frame;
  if (v.idle_seconds > 0 && v.ping_timeout_seconds == 0)
    throw option_error{"ping-timeout", "must be at least 1 (or disable keep-alive with --idle 0)"};
  options.handshake_timeout = std::chrono::seconds(v.handshake_seconds);
  options.idle_timeout = std::chrono::seconds(v.idle_seconds);
  options.ping_timeout = std::chrono::seconds(v.ping_timeout_seconds);
  if (v.max_rooms == 0) throw option_error{"max-rooms", "must be at least 1"};
  options.max_rooms_per_user = v.max_rooms;
  require_at_most_u32(v.quiet_joins_above, "quiet-joins-above");  // counts are 32-bit on the wire
  options.quiet_joins_above = v.quiet_joins_above;
  const auto level = chat::parse_log_level(v.log_level);
  if (!level) throw option_error{"log-level", "must be error, warn, info or debug"};
  options.log_level = *level;
  if (v.log_format == "logfmt") result.format = log_format::logfmt;
  else if (v.log_format == "json") result.format = log_format::json;
  else throw option_error{"log-format", "must be logfmt or json"};
  if (v.log_target == "stderr") result.target = log_target::standard_error;
  else if (v.log_target == "journal") result.target = log_target::journal;
  else if (v.log_target == "syslog") result.target = log_target::syslog;
  else throw option_error{"log-target", "must be stderr, journal or syslog"};
  require_at_most_u32(v.max_per_ip, "max-per-ip");
  options.max_connections_per_ip = v.max_per_ip;
  require_at_most_u32(v.max_connections, "max-connections");
  options.max_connections = v.max_connections;
  if (given("password-file")) options.password = read_password_file(v.password_file);
  require_at_most_u32(std::size_t{v.resume_grace_seconds} * 1000, "resume-grace");
  options.resume_grace = std::chrono::seconds(v.resume_grace_seconds);
  const auto milliseconds = [](double seconds, const char* option) {
    if (!(seconds >= 0 && seconds <= 86400)) throw option_error{option, "must be 0 to 86400 seconds"};
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  };
  require_at_most_u32(v.max_connects_per_ip, "max-connects-per-ip");
  require_at_most_u32(v.max_unregistered, "max-unregistered");
  require_at_most_u32(v.max_unregistered_per_ip, "max-unregistered-per-ip");
  require_at_most_u32(v.flood_burst, "flood-burst");
  options.max_connects_per_ip = v.max_connects_per_ip;
  options.connect_window = milliseconds(v.connect_window_seconds, "connect-window");
  if (options.max_connects_per_ip > 0 && options.connect_window.count() == 0)
    throw option_error{"connect-window", "must be more than 0 (or disable with --max-connects-per-ip 0)"};
  options.max_unregistered = v.max_unregistered;
  options.max_unregistered_per_ip = v.max_unregistered_per_ip;
  options.flood_burst = v.flood_burst;
  if (!(v.flood_rate >= 0 && v.flood_rate <= 1e6)) throw option_error{"flood-rate", "must be 0 to 1000000"};
  if (v.flood_burst > 0 && v.flood_rate == 0)
    throw option_error{"flood-rate", "must be more than 0 (or disable flood control with --flood-burst 0)"};
  options.flood_rate = v.flood_rate;
  options.flood_disconnect_after = milliseconds(v.flood_disconnect_seconds, "flood-disconnect-after");
  if (v.tls_cert.empty() != v.tls_key.empty())
    throw option_error{v.tls_cert.empty() ? "tls-key" : "tls-cert", "needs the other: --tls-cert and --tls-key go together"};
  if (v.tls_cert.empty() && given("tls-port"))
    throw option_error{"tls-port", "needs --tls-cert and --tls-key"};
  if (v.tls_port > 65535) throw option_error{"tls-port", "must be between 0 and 65535"};
  if (v.tls_min_version != "1.2" && v.tls_min_version != "1.3")
    throw option_error{"tls-min-version", "must be 1.2 or 1.3"};
  options.tls.certificate_file = v.tls_cert;
  options.tls.private_key_file = v.tls_key;
  options.tls.port = static_cast<std::uint16_t>(v.tls_port);
  options.tls.only = !v.tls_cert.empty() && !given("tls-port");
  options.tls.min_version = v.tls_min_version == "1.2" ? chat::tls_version::v1_2 : chat::tls_version::v1_3;
  const bool ws = given("ws-port");
  if (!ws && given("ws-origin")) throw option_error{"ws-origin", "needs --ws-port"};
  if (!ws && given("web-root")) throw option_error{"web-root", "needs --ws-port"};
  if (ws) {
    if (v.ws_port > 65535) throw option_error{"ws-port", "must be between 0 and 65535"};
    options.websocket.port = static_cast<std::uint16_t>(v.ws_port);
    options.websocket.allowed_origins = v.ws_origins;
    options.websocket.handshake_timeout = std::chrono::seconds(v.ws_handshake_seconds);
    if (given("web-root")) {
      std::error_code fs_ec;
      if (!std::filesystem::is_directory(v.web_root, fs_ec))
        throw option_error{"web-root", v.web_root + " is not a directory"};
      options.websocket.web_root = v.web_root;
    } else {
      options.websocket.web_root = installed_web_root();
    }
  }
  if (given("admin")) result.admin = parse_admin(v.admin);
  return result;
}

std::set<std::string> keys_of(const po::parsed_options& parsed) {
  std::set<std::string> keys;
  for (const auto& option : parsed.options) keys.insert(option.string_key);
  return keys;
}

}  // namespace

std::size_t default_max_connections() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  const auto soft = static_cast<std::size_t>(limit.rlim_cur);
  return soft > 2 * reserved_descriptors ? soft - reserved_descriptors : soft / 2;
}

po::options_description setting_options() {
  static setting_values unused;  // the table must bind somewhere; nothing reads these
  return settings_table(unused);
}

std::optional<daemon_options> load_options(const std::vector<std::string>& args, std::ostream& out) {
  setting_values values;
  std::string config_path;
  po::options_description command_line_only;
  command_line_only.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("config", po::value(&config_path),
       "read options from this file too: one 'name = value' a line (the long option names; "
       "# comments), repeatable ones on several lines; the command line overrides it. SIGHUP "
       "reads it again");
  const po::options_description settings = settings_table(values);
  po::options_description all("Usage: chatd [options]\nOptions");
  all.add(command_line_only).add(settings);

  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  po::variables_map vm;
  po::parsed_options command_line(&all);
  try {
    command_line = po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(all).run();
    po::store(command_line, vm);
  } catch (const po::error& e) {
    throw startup_error(std::string(e.what()) + " (see chatd --help)");
  }
  if (vm.count("help")) {
    out << all << '\n';
    return std::nullopt;
  }
  if (vm.count("version")) {
    out << "chatd " << chat::version_string << '\n';
    return std::nullopt;
  }

  std::optional<config_file> file;
  std::set<std::string> from_file;
  if (vm.count("config")) {
    file = read_config_file(vm["config"].as<std::string>());
    po::parsed_options parsed = parse_config_file(*file, settings);
    // The command line wins, for repeatable options too: their file values are dropped.
    const auto overridden = keys_of(command_line);
    std::erase_if(parsed.options, [&](const po::option& o) { return overridden.count(o.string_key) > 0; });
    from_file = keys_of(parsed);
    try {
      po::store(parsed, vm);
    } catch (const po::multiple_occurrences& e) {
      const std::string name = e.get_option_name();
      const auto line = file->line_of(name, 2);
      throw startup_error(file->path + (line ? ":" + std::to_string(line) : std::string()) + ": " +
                          name + " given twice (only ws-origin may repeat)");
    } catch (const po::error_with_option_name& e) {
      throw startup_error(file->where(e.get_option_name()) + e.what());
    } catch (const po::error& e) {
      throw startup_error(file->path + ": " + e.what());
    }
  }
  try {
    po::notify(vm);
    auto options = to_options(values, vm);
    options.config_file = config_path;
    return options;
  } catch (const option_error& e) {
    if (file && from_file.count(e.option)) throw startup_error(file->where(e.option) + e.option + " " + e.detail);
    throw startup_error("--" + e.option + " " + e.detail);
  } catch (const po::error& e) {
    throw startup_error(std::string(e.what()) + " (see chatd --help)");
  }
}

}  // namespace chatd
