// SPDX-License-Identifier: BSL-1.0
// The built chatd as an operator runs it: config files (errors, the shipped example), SIGHUP
// reloading them under connected clients, log lines in both formats, systemd's notification
// protocol (a datagram socket of the test's own as $NOTIFY_SOCKET) and the unit file
// (systemd-analyze verify). Every wait has a deadline.
#include "chatd/temp_files.hpp"
#include "support/e2e_expect.hpp"
#include "support/process.hpp"
#include "support/raw_peer.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

using chatd_test::temp_directory;
using test_support::child_options;
using test_support::child_process;
using test_support::contains;
using test_support::expect_exit;
using test_support::listening_port;
using test_support::output_of;
using test_support::step;

std::vector<std::string> chatd_argv(std::vector<std::string> extra) {
  std::vector<std::string> argv{CHATD_PATH, "--bind", "127.0.0.1", "--port", "0", "--threads", "1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The stderr line of `chatd` with `event=NAME` (logfmt), waiting up to `step`.
std::string expect_event(child_process& chatd, const std::string& event) {
  const auto line = chatd.read_stderr_line_until(" event=" + event + " ", step);
  BOOST_REQUIRE_MESSAGE(line, "chatd logged no " << event << "; " << output_of(chatd));
  return *line;
}

// A unix datagram socket at `path`, as systemd's $NOTIFY_SOCKET is.
class notify_socket {
public:
  explicit notify_socket(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    BOOST_REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    BOOST_REQUIRE(path.size() < sizeof address.sun_path);
    path.copy(address.sun_path, path.size());
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  }
  ~notify_socket() { ::close(fd_); }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  /// The next datagram, or nullopt if none comes within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }
  /// The next datagram with the line `line` ("READY=1"); fails the test if none comes.
  std::string expect(const std::string& line) {
    const auto deadline = std::chrono::steady_clock::now() + step;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto message = receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!message) break;
      for (const auto& l : lines_of(*message))
        if (l == line) return *message;
    }
    BOOST_FAIL("no " << line << " on the notify socket");
    return {};
  }

private:
  int fd_;
};

// PASS (answered with CAPS), then HELLO.
void sign_in(chat::test::raw_peer& peer, const std::string& password, const std::string& name) {
  peer.send(chat::msg::client::pass{password});
  const auto caps = peer.receive();
  BOOST_REQUIRE_MESSAGE(caps.has_value() && std::holds_alternative<chat::msg::server::caps>(*caps),
                        name << "'s PASS was not accepted");
  peer.hello(name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatd_process)

BOOST_AUTO_TEST_CASE(config_file_errors_exit_2_with_one_line_naming_the_file_and_line) {
  temp_directory dir;
  const auto file = dir.write("chatd.conf", "port = 0\nprot = 7777\n");
  child_process unknown({CHATD_PATH, "--config", file});
  BOOST_TEST(expect_exit(unknown, "chatd") == 2);
  BOOST_TEST(unknown.stderr_so_far() == "chatd: " + file + ":2: unknown option 'prot'\n");
  BOOST_TEST(unknown.stdout_so_far().empty());

  const auto bad = dir.write("bad.conf", "\nmax-per-ip = -1\n");
  child_process bad_value({CHATD_PATH, "--config", bad});
  BOOST_TEST(expect_exit(bad_value, "chatd") == 2);
  BOOST_TEST(bad_value.stderr_so_far() == "chatd: " + bad + ":2: max-per-ip must be between 0 and 4294967295\n");

  child_process missing({CHATD_PATH, "--config", dir.path("missing.conf")});
  BOOST_TEST(expect_exit(missing, "chatd") == 2);
  BOOST_TEST(missing.stderr_so_far() ==
             "chatd: cannot read config file " + dir.path("missing.conf") + ": No such file or directory\n");
}

BOOST_AUTO_TEST_CASE(the_shipped_config_is_accepted) {
  child_process chatd(chatd_argv({"--config", LIBCHAT_SOURCE_DIR "/etc/chatd.conf"}));
  listening_port(chatd, "chatd", "chatd listening on ");
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(config_values_apply_and_the_command_line_overrides_them) {
  temp_directory dir;
  // The file asks for a port the command line replaces with 0, and for one connection per address.
  const auto file = dir.write("chatd.conf", "port = 1\nmax-per-ip = 1\n");
  child_process chatd(chatd_argv({"--config", file}));
  const auto port = static_cast<std::uint16_t>(std::stoi(listening_port(chatd, "chatd", "chatd listening on ")));
  chat::test::raw_peer alice(port, chat::test::flooding_address);
  alice.hello("alice");
  chat::test::raw_peer again(port, chat::test::flooding_address);
  const auto refused = again.last_before_close();
  BOOST_REQUIRE(refused.has_value() && refused->has_value());
  const auto* error = std::get_if<chat::msg::server::error>(&**refused);
  BOOST_REQUIRE(error);
  BOOST_TEST(error->code == static_cast<std::uint16_t>(chat::errc::too_many_connections));
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(logfmt_lines_have_time_level_event_and_msg) {
  child_process chatd(chatd_argv({}));
  listening_port(chatd, "chatd", "chatd listening on ");
  expect_event(chatd, "started");
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  const std::regex shape(
      R"(time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(error|warn|info|debug) event=[a-z_]+( peer=\S+)? msg=.*)");
  const auto lines = lines_of(chatd.stderr_so_far());
  BOOST_TEST(lines.size() >= 3u);
  for (const auto& line : lines) BOOST_TEST(std::regex_match(line, shape), line);
  BOOST_TEST(contains(chatd.stderr_so_far(), " event=stopping msg=\"stopping on SIGTERM\""));
}

BOOST_AUTO_TEST_CASE(json_lines_parse_and_have_the_fields) {
  child_process chatd(chatd_argv({"--log-format", "json", "--log-level", "debug"}));
  const auto port = static_cast<std::uint16_t>(std::stoi(listening_port(chatd, "chatd", "chatd listening on ")));
  {
    chat::test::raw_peer alice(port);
    alice.hello("alice");
  }
  BOOST_REQUIRE_MESSAGE(chatd.read_stderr_line_until("\"event\":\"closed\"", step), output_of(chatd));
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  bool saw_peer = false;
  const auto lines = lines_of(chatd.stderr_so_far());
  BOOST_TEST(lines.size() >= 4u);
  for (const auto& line : lines) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(line, ec);
    BOOST_TEST_REQUIRE(!ec, "not JSON: " << line);
    BOOST_TEST_REQUIRE(value.is_object(), line);
    const auto& object = value.as_object();
    for (const char* field : {"time", "level", "event", "msg"})
      BOOST_TEST((object.contains(field) && object.at(field).is_string()), field << " in " << line);
    if (const auto* peer = object.if_contains("peer")) {
      saw_peer = true;
      BOOST_TEST(std::string(peer->as_string()).starts_with("127.0.0.1:"), line);
    }
  }
  BOOST_TEST(saw_peer, "no line named the client");
}

BOOST_AUTO_TEST_CASE(sighup_reloads_the_config_file_under_connected_clients) {
  temp_directory dir;
  const auto password = dir.write("password", "first secret\n");
  const auto file = dir.write("chatd.conf", "max-per-ip = 4\npassword-file = " + password + "\n");
  child_process chatd(chatd_argv({"--config", file}));
  const auto port = static_cast<std::uint16_t>(std::stoi(listening_port(chatd, "chatd", "chatd listening on ")));
  chat::test::raw_peer alice(port, chat::test::flooding_address);
  sign_in(alice, "first secret", "alice");

  // Lower the limit below what alice's address holds, change the password and options kept
  // until a restart (the server's history, chatd's log format).
  dir.write("password", "second secret\n");
  dir.write("chatd.conf", "max-per-ip = 1\npassword-file = " + password + "\nhistory = 50\nlog-format = json\n");
  chatd.signal(SIGHUP);
  const auto reloaded = expect_event(chatd, "reloaded");
  const auto kept_at = reloaded.find("kept");
  BOOST_TEST_REQUIRE(kept_at != std::string::npos, reloaded);
  const auto applied = reloaded.substr(0, kept_at);
  BOOST_TEST(contains(applied, "max_connections_per_ip"), reloaded);
  BOOST_TEST(contains(applied, "password"), reloaded);
  BOOST_TEST(contains(reloaded.substr(kept_at), "history"), reloaded);
  // chatd's own: the log format stays what it was (this line is logfmt still).
  BOOST_TEST(contains(expect_event(chatd, "reload_kept"), "log-format"));

  // The new limit refuses a second connection from alice's address...
  {
    chat::test::raw_peer again(port, chat::test::flooding_address);
    const auto refused = again.last_before_close();
    BOOST_REQUIRE(refused.has_value() && refused->has_value());
    const auto* error = std::get_if<chat::msg::server::error>(&**refused);
    BOOST_REQUIRE(error);
    BOOST_TEST(error->code == static_cast<std::uint16_t>(chat::errc::too_many_connections));
  }
  // ...the new password lets bob in, and alice, still connected, chats with him.
  chat::test::raw_peer bob(port, chat::test::legitimate_address);
  sign_in(bob, "second secret", "bob");
  alice.send(chat::msg::client::say{"lobby", 0, "still here"});
  bool heard = false;
  for (int i = 0; i < 20 && !heard; ++i) {
    const auto next = bob.receive();
    BOOST_REQUIRE(next.has_value());
    if (const auto* m = std::get_if<chat::msg::server::message>(&*next)) heard = m->text == "still here";
  }
  BOOST_TEST(heard);

  // A broken file is rejected whole: the old options stay, chatd keeps serving.
  dir.write("chatd.conf", "max-per-ip = 100\nmax-rooms = none\n");
  chatd.signal(SIGHUP);
  const auto rejected = expect_event(chatd, "reload_rejected");
  BOOST_TEST(contains(rejected, file + ":2: "), rejected);
  chat::test::raw_peer carol(port, boost::asio::ip::make_address_v4("127.0.0.3"));
  sign_in(carol, "second secret", "carol");
  {
    chat::test::raw_peer still_limited(port, chat::test::flooding_address);  // max-per-ip 1 stays
    BOOST_TEST(still_limited.wait_closed_by_server());
  }
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
}

// --log-target journal: the lines go to the journal (or nowhere, where there is none), not to
// stderr; errors at startup still do.
BOOST_AUTO_TEST_CASE(log_target_journal_takes_the_lines_off_stderr) {
  child_process chatd(chatd_argv({"--log-target", "journal"}));
  listening_port(chatd, "chatd", "chatd listening on ");
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  BOOST_TEST(chatd.stderr_so_far().empty(), chatd.stderr_so_far());
  child_process bad({CHATD_PATH, "--log-target", "journal", "--port", "70000"});
  BOOST_TEST(expect_exit(bad, "chatd") == 2);
  BOOST_TEST(bad.stderr_so_far() == "chatd: --port must be between 0 and 65535\n");
  child_process unknown({CHATD_PATH, "--log-target", "console"});
  BOOST_TEST(expect_exit(unknown, "chatd") == 2);
  BOOST_TEST(unknown.stderr_so_far() == "chatd: --log-target must be stderr, journal or syslog\n");
}

BOOST_AUTO_TEST_CASE(chatd_notifies_systemd_ready_reloading_and_stopping) {
  temp_directory dir;
  const auto path = dir.path("notify");
  notify_socket systemd(path);
  child_options options;
  options.environment.push_back("NOTIFY_SOCKET=" + path);
  child_process chatd(chatd_argv({}), options);
  listening_port(chatd, "chatd", "chatd listening on ");
  const auto ready = systemd.expect("READY=1");
  BOOST_TEST(contains(ready, "STATUS=serving on 127.0.0.1:"), ready);

  chatd.signal(SIGHUP);
  const auto reloading = systemd.expect("RELOADING=1");
  BOOST_TEST(std::regex_search(reloading, std::regex("(^|\n)MONOTONIC_USEC=[0-9]+(\n|$)")), reloading);
  systemd.expect("READY=1");

  chatd.signal(SIGTERM);
  systemd.expect("STOPPING=1");
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
}

// A plain HTTP/1.0 GET to 127.0.0.1:port: the whole response.
std::string http_get(std::uint16_t port, const std::string& target) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port});
  const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(response), ec);  // until the server closes
  return response;
}

BOOST_AUTO_TEST_CASE(admin_prints_its_address_and_serves_health_and_metrics) {
  child_process chatd(chatd_argv({"--admin", "0", "--ws-port", "0"}));
  listening_port(chatd, "chatd", "chatd listening on ");
  // After every other listening line.
  const auto line = chatd.read_line_until("chatd admin on ", step);
  BOOST_REQUIRE_MESSAGE(line, output_of(chatd));
  BOOST_TEST(contains(chatd.stdout_so_far(), "chatd web client at "));
  BOOST_TEST(chatd.stdout_so_far().find("chatd web client at ") < chatd.stdout_so_far().find("chatd admin on "));
  BOOST_TEST_REQUIRE(line->starts_with("chatd admin on 127.0.0.1:"), *line);
  const auto port = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  BOOST_TEST_REQUIRE(port != 0);
  BOOST_TEST(contains(http_get(port, "/healthz"), "ok"));
  const auto metrics = http_get(port, "/metrics");
  BOOST_TEST(contains(metrics, "\nchat_log_lines_dropped_total 0\n"), metrics);
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
}

// The unit file, with ExecStart pointing at the built chatd (verify checks that it exists).
BOOST_AUTO_TEST_CASE(the_unit_file_verifies) {
  const std::string analyze = "/usr/bin/systemd-analyze";
  if (!std::filesystem::exists(analyze)) {
    BOOST_TEST_MESSAGE("systemd-analyze not installed: the unit file is not verified");
    return;
  }
  std::ifstream in(LIBCHAT_SOURCE_DIR "/dist/systemd/chatd.service");
  std::ostringstream unit;
  unit << in.rdbuf();
  std::string text = unit.str();
  const std::string installed = "ExecStart=/usr/bin/chatd ";
  const auto at = text.find(installed);
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, installed.size(), "ExecStart=" CHATD_PATH " ");
  BOOST_TEST(contains(text, "Type=notify\n"));
  BOOST_TEST(contains(text, "ExecReload=/bin/kill -HUP $MAINPID\n"));
  temp_directory dir;
  const auto copy = dir.write("chatd.service", text);
  // --man=no: chatd(8) is installed by the package, not in the build tree.
  child_process verify({analyze, "verify", "--man=no", copy});
  BOOST_TEST(expect_exit(verify, "systemd-analyze") == 0);
  BOOST_TEST(verify.stderr_so_far().empty(), verify.stderr_so_far());
  BOOST_TEST(verify.stdout_so_far().empty(), verify.stdout_so_far());
}

BOOST_AUTO_TEST_SUITE_END()
