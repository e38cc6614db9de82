// SPDX-License-Identifier: BSL-1.0
// End-to-end tests: the built chatd and chatcli binaries, run as processes talking over TCP.
//
// Every server listens on 127.0.0.1 with --port 0 and the test reads the port from chatd's
// "chatd listening on ADDR:PORT" line. Every wait has a deadline; nothing sleeps.
#include "support/e2e_expect.hpp"
#include "support/process.hpp"
#include "support/tcp_proxy.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <system_error>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>

namespace {

using namespace std::chrono_literals;
using test_support::chatd_server;
using test_support::child_options;
using test_support::child_process;
using test_support::contains;
using test_support::expect_exit;
using test_support::expect_line;
using test_support::listening_port;
using test_support::occurrences;
using test_support::output_of;
using test_support::start_chatcli;
using test_support::step;

std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// chatcli on a pseudo-terminal, so it runs in interactive mode; without colours unless asked.
child_process start_terminal_client(const std::string& port, const std::string& name,
                                    std::vector<std::string> extra = {}, bool colour = false) {
  std::vector<std::string> environment{"TERM=dumb"};
  if (!colour) environment.push_back("NO_COLOR=1");
  return start_chatcli(port, name, std::move(extra),
                       child_options{.terminal = true, .environment = environment});
}

// Waits for the client to connect as `name` and join its first room; returns the join line
// ("HH:MM * now talking in ROOM (N online)").
std::string expect_welcome(child_process& client, const std::string& name) {
  const auto connected = client.read_line_until("* connected to ", step);
  BOOST_REQUIRE_MESSAGE(connected, name << " did not connect; " << output_of(client));
  BOOST_TEST(contains(*connected, " as " + name), "line: " << *connected);
  const auto joined = client.read_line_until("* now talking in ", step);
  BOOST_REQUIRE_MESSAGE(joined, name << " did not join a room; " << output_of(client));
  return *joined;
}

// A port on 127.0.0.1 that nothing listens on (bound once, then released).
std::string closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return std::to_string(port);
}

const std::string hh_mm = R"(\d{2}:\d{2})";

// A server that is not chatd: it speaks the protocol to one client, but says what chatd never
// would (a hostile server). Blocking socket; waits poll() with a deadline.
struct fake_server {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0}};
  boost::asio::ip::tcp::socket socket{io};
  chat::frame_decoder decoder;

  std::string port() const { return std::to_string(acceptor.local_endpoint().port()); }

  static bool readable(int fd, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    return left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  bool accept(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (!readable(acceptor.native_handle(), deadline)) return false;
    acceptor.accept(socket);
    return true;
  }

  // The next message from the client; nullopt at the deadline, the end of the stream or a
  // frame that does not decode.
  std::optional<chat::client_message> receive(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto frame = decoder.next();
      if (!frame) return std::nullopt;
      if (*frame) {
        auto m = chat::decode_client_message(**frame);
        if (!m) return std::nullopt;
        return *m;
      }
      if (!readable(socket.native_handle(), deadline)) return std::nullopt;
      auto space = decoder.prepare(4096);
      boost::system::error_code ec;
      const std::size_t n = socket.read_some(boost::asio::buffer(space.data(), space.size()), ec);
      if (ec) return std::nullopt;
      decoder.commit(n);
    }
  }

  template <class Message>
  void send(const Message& m) {
    boost::asio::write(socket, boost::asio::buffer(chat::encode(m)));
  }
};

// chatd under `ulimit -n fd_limit`, on an ephemeral port of 127.0.0.1, two threads, with
// `options`. exec keeps the pid, so signals and the exit status are chatd's own; with `&&`,
// chatd never starts unless the limit was set.
child_process chatd_with_descriptor_limit(int fd_limit, const std::string& options) {
  return child_process({"/bin/sh", "-c",
                        "ulimit -n " + std::to_string(fd_limit) +
                            " && exec \"$0\" --bind 127.0.0.1 --port 0 --threads 2 " + options,
                        CHATD_PATH});
}

// `count` plain TCP connections to 127.0.0.1:port, each connected (the kernel completes them
// through the listen backlog whether or not chatd accepts them, so the connects return at once).
std::vector<boost::asio::ip::tcp::socket> connect_raw(boost::asio::io_context& io,
                                                      const std::string& port, int count) {
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address_v4("127.0.0.1"),
                                                static_cast<unsigned short>(std::stoul(port)));
  std::vector<boost::asio::ip::tcp::socket> raw;
  raw.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    raw.emplace_back(io);
    boost::system::error_code ec;
    raw.back().connect(endpoint, ec);
    BOOST_TEST_REQUIRE(!ec, "raw connection " << i << ": " << ec.message());
  }
  return raw;
}

// The reconnect tests: alice says three lines while bob's connection is cut (and sees the
// last), and bob, once back, is shown them announced and in order.
void say_three_while_bob_is_away(child_process& alice) {
  for (const char* text : {"missed one\n", "missed two\n", "missed three\n"})
    BOOST_REQUIRE(alice.write_stdin(text));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] alice: missed three)");
}

void expect_bob_shown_the_three_once_back(child_process& bob) {
  expect_line(bob, "bob", hh_mm + R"( \* 3 messages in lobby while you were away:)");
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: missed one)");
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: missed two)");
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: missed three)");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)

BOOST_AUTO_TEST_CASE(two_clients_exchange_lines) {
  chatd_server chatd;

  child_process bob = start_chatcli(chatd.port, "bob");
  BOOST_TEST(contains(expect_welcome(bob, "bob"), "(1 online)"));

  child_process alice = start_chatcli(chatd.port, "alice");
  BOOST_TEST(contains(expect_welcome(alice, "alice"), "in lobby (2 online)"));
  expect_line(bob, "bob", hh_mm + R"( \* alice joined lobby \(2 online\))");

  BOOST_REQUIRE(alice.write_stdin("hello from alice\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: hello from alice)");

  BOOST_REQUIRE(bob.write_stdin("hi alice, bob here\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: hi alice, bob here)");

  BOOST_REQUIRE(alice.write_stdin("/quit\n"));
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  expect_line(bob, "bob", hh_mm + R"( \* alice left lobby \(1 online\): quit)");

  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);

  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
  BOOST_TEST(contains(chatd.process.stderr_so_far(), "stopping on SIGTERM"));
  // chatd's stdout carries the one address line and nothing else.
  BOOST_TEST(count_lines(chatd.process.stdout_so_far()) == 1u);
}

BOOST_AUTO_TEST_CASE(rooms_are_separate_and_history_is_replayed) {
  chatd_server chatd;

  child_process bob = start_chatcli(chatd.port, "bob", {"--room", "dev"});
  BOOST_TEST(contains(expect_welcome(bob, "bob"), "in dev (1 online)"));
  child_process carol = start_chatcli(chatd.port, "carol");
  BOOST_TEST(contains(expect_welcome(carol, "carol"), "in lobby (1 online)"));

  BOOST_REQUIRE(bob.write_stdin("only for dev\n"));
  BOOST_REQUIRE(carol.write_stdin("only for lobby\n"));
  // Each sees its own message echoed, and only that one.
  expect_line(bob, "bob", hh_mm + R"( \[dev\] bob: only for dev)");
  expect_line(carol, "carol", hh_mm + R"( \[lobby\] carol: only for lobby)");

  // A later member of dev gets the history replayed on join, announced as such.
  child_process dave = start_chatcli(chatd.port, "dave", {"--room", "dev"});
  BOOST_TEST(contains(expect_welcome(dave, "dave"), "in dev (2 online)"));
  expect_line(dave, "dave", hh_mm + R"( \* 1 earlier message in dev:)");
  expect_line(dave, "dave", hh_mm + R"( \[dev\] bob: only for dev)");

  bob.close_stdin();
  carol.close_stdin();
  dave.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  BOOST_TEST(expect_exit(carol, "carol") == 0);
  BOOST_TEST(expect_exit(dave, "dave") == 0);
  BOOST_TEST(!contains(carol.stdout_so_far(), "only for dev"));
  BOOST_TEST(!contains(bob.stdout_so_far(), "only for lobby"));

  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// Controls the server would reject never leave chatcli; a bidi override the server accepts
// reaches the other user's terminal inert. (The full rules are in chatcli_tests.)
BOOST_AUTO_TEST_CASE(hostile_text_is_refused_or_shown_inert) {
  chatd_server chatd;
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");
  child_process mallory = start_chatcli(chatd.port, "mallory");
  expect_welcome(mallory, "mallory");

  BOOST_REQUIRE(mallory.write_stdin("clear\x1b[2J\n"));
  expect_line(mallory, "mallory", "! not sent: .*control characters.*");

  BOOST_REQUIRE(mallory.write_stdin("abc\xE2\x80\xAE" "def\n"));  // U+202E RIGHT-TO-LEFT OVERRIDE
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] mallory: abc<U\+202E>def)");

  mallory.close_stdin();
  bob.close_stdin();
  BOOST_TEST(expect_exit(mallory, "mallory") == 0);
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  BOOST_TEST(!contains(bob.stdout_so_far(), "\x1b"));
  BOOST_TEST(!contains(bob.stdout_so_far(), "clear"));
  BOOST_TEST(!contains(bob.stdout_so_far(), "\xE2\x80\xAE"));

  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatcli_commands_rooms_private_messages_actions_and_renames) {
  chatd_server chatd;
  child_process alice = start_chatcli(chatd.port, "alice");
  expect_welcome(alice, "alice");
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");

  BOOST_REQUIRE(bob.write_stdin("/join dev\n"));
  expect_line(bob, "bob", hh_mm + R"( \* now talking in dev \(1 online\))");
  BOOST_REQUIRE(bob.write_stdin("only in dev\n"));  // the current room is the last joined
  expect_line(bob, "bob", hh_mm + R"( \[dev\] bob: only in dev)");

  BOOST_REQUIRE(alice.write_stdin("/join DEV\n"));
  expect_line(alice, "alice", hh_mm + R"( \* now talking in dev \(2 online\))");
  expect_line(alice, "alice", hh_mm + R"( \[dev\] bob: only in dev)");  // its history
  BOOST_REQUIRE(bob.write_stdin("/me waves\n"));
  expect_line(alice, "alice", hh_mm + R"( \[dev\] \* bob waves)");
  BOOST_REQUIRE(bob.write_stdin("/msg alice psst\n"));
  expect_line(alice, "alice", hh_mm + R"( \[pm:bob\] bob: psst)");
  expect_line(bob, "bob", hh_mm + R"( \[pm:alice\] bob: psst)");
  BOOST_REQUIRE(bob.write_stdin("/msg nobody hello?\n"));
  expect_line(bob, "bob", R"(! error 20: no user called nobody)");

  BOOST_REQUIRE(bob.write_stdin("/frobnicate now\n"));  // answered locally, never sent
  expect_line(bob, "bob", hh_mm + R"( \* unknown command /frobnicate \(/help lists the commands\))");
  BOOST_REQUIRE(bob.write_stdin("/nick robert\n"));
  expect_line(alice, "alice", hh_mm + R"( \* bob is now known as robert)");
  BOOST_REQUIRE(bob.write_stdin("/who\n"));
  expect_line(bob, "bob", hh_mm + R"( \* in dev: robert alice)");
  BOOST_REQUIRE(bob.write_stdin("/rooms\n"));
  expect_line(bob, "bob", hh_mm + R"( \* dev \(2 online\))");
  expect_line(bob, "bob", hh_mm + R"( \* lobby \(2 online\))");
  BOOST_REQUIRE(bob.write_stdin("/topic release friday\n"));
  expect_line(alice, "alice", hh_mm + R"( \* topic of dev: release friday \(set by robert at \d{2}:\d{2}\))");
  BOOST_REQUIRE(bob.write_stdin("/part dev off to lunch\n"));
  expect_line(alice, "alice", hh_mm + R"( \* robert left dev \(1 online\): off to lunch)");
  expect_line(bob, "bob", hh_mm + R"( \* you left dev; now talking in lobby)");

  alice.close_stdin();
  bob.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  BOOST_TEST(!contains(alice.stdout_so_far(), "frobnicate"));
  BOOST_TEST(occurrences(alice.stdout_so_far(), "bob: only in dev") == 1u);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// "/part nosuchroom" is a mistake chatcli answers itself: it must not leave the current room
// with "nosuchroom" as the reason.
BOOST_AUTO_TEST_CASE(chatcli_part_of_a_room_it_is_not_in_leaves_nothing) {
  chatd_server chatd;
  child_process alice = start_chatcli(chatd.port, "alice");
  expect_welcome(alice, "alice");
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");
  expect_line(alice, "alice", hh_mm + R"( \* bob joined lobby \(2 online\))");

  BOOST_REQUIRE(bob.write_stdin("/part nosuchroom\n"));
  expect_line(bob, "bob", hh_mm + R"( \* you are not in nosuchroom)");
  BOOST_REQUIRE(bob.write_stdin("/part NoSuchRoom gone\n"));
  expect_line(bob, "bob", hh_mm + R"( \* you are not in nosuchroom)");
  BOOST_REQUIRE(bob.write_stdin("still in lobby\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: still in lobby)");

  // Naming the room it is in still leaves it, with the reason.
  BOOST_REQUIRE(bob.write_stdin("/part LOBBY off to lunch\n"));
  expect_line(alice, "alice", hh_mm + R"( \* bob left lobby \(1 online\): off to lunch)");

  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  BOOST_TEST(occurrences(alice.stdout_so_far(), "bob left") == 1u, alice.stdout_so_far());
  BOOST_TEST(!contains(alice.stdout_so_far(), "nosuchroom"), alice.stdout_so_far());
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// A piped line longer than one SAY may carry (16 KiB) goes out as several, in order, cut
// between code points: nothing of it is lost.
BOOST_AUTO_TEST_CASE(chatcli_sends_a_long_line_in_pieces) {
  chatd_server chatd;
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");
  child_process alice = start_chatcli(chatd.port, "alice");
  expect_welcome(alice, "alice");
  expect_line(bob, "bob", hh_mm + R"( \* alice joined lobby \(2 online\))");

  std::string line;  // ~40 KB, with two-byte characters for the cuts to fall among
  for (int i = 0; line.size() < 40 * 1024; ++i) line += std::to_string(i) + "\xC3\xA9 ";
  BOOST_REQUIRE(alice.write_stdin(line + '\n'));
  BOOST_REQUIRE(alice.write_stdin("after the long line\n"));

  const std::string prefix = "] alice: ";
  std::string received;
  for (;;) {
    const auto said = bob.read_line_until(prefix, step);
    BOOST_REQUIRE_MESSAGE(said, "bob got " << received.size() << " of " << line.size()
                                           << " bytes; alice's stderr:\n" << alice.stderr_so_far());
    const std::string text = said->substr(said->find(prefix) + prefix.size());
    if (text == "after the long line") break;
    BOOST_TEST(text.size() <= chat::max_text_bytes);
    received += text;
  }
  BOOST_TEST(received.size() == line.size());
  BOOST_TEST((received == line));

  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  BOOST_TEST(!contains(alice.stdout_so_far(), "not sent"));
  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// The reconnect story: the connection breaks (chatd stays up), alice talks meanwhile, and bob's
// chatcli reconnects by itself and shows each missed message exactly once.
// Without session resume (--resume-grace 0): the session ends with the drop, and chatcli comes
// back with HELLO and a JOIN after the last message it showed.
BOOST_AUTO_TEST_CASE(chatcli_reconnects_after_a_drop_and_shows_each_missed_message_once) {
  chatd_server chatd({"--resume-grace", "0"});
  chat::test::tcp_proxy network(static_cast<std::uint16_t>(std::stoi(chatd.port)));
  child_process alice = start_chatcli(chatd.port, "alice");
  expect_welcome(alice, "alice");
  child_process bob = start_chatcli(std::to_string(network.port()), "bob", {"--reconnect", "5"});
  expect_welcome(bob, "bob");
  BOOST_REQUIRE(alice.write_stdin("before the drop\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: before the drop)");

  network.cut();
  expect_line(alice, "alice", hh_mm + R"( \* bob left lobby \(1 online\): connection closed)");
  expect_line(bob, "bob", hh_mm + R"( \* .*; reconnecting in 1 s \(attempt 1 of 5\))");
  say_three_while_bob_is_away(alice);
  network.resume();

  expect_line(bob, "bob", hh_mm + R"( \* reconnected as bob; catching up)");
  expect_bob_shown_the_three_once_back(bob);
  expect_line(alice, "alice", hh_mm + R"( \* bob joined lobby \(2 online\))");
  BOOST_REQUIRE(bob.write_stdin("back again\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: back again)");
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] bob: back again)");

  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  const std::string seen = bob.stdout_so_far();
  for (const char* text : {"alice: before the drop", "alice: missed one", "alice: missed two",
                           "alice: missed three", "bob: back again"})
    BOOST_TEST(occurrences(seen, text) == 1u, text << " in:\n" << seen);
  BOOST_TEST(!contains(seen, "were missed"), seen);
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// With session resume (chatd's default): chatd keeps the dropped session, chatcli's reconnect
// takes it over at once with RESUME and catches up with HISTORY; the others see nothing.
BOOST_AUTO_TEST_CASE(chatcli_resumes_its_session_after_a_drop_without_leaving_or_joining) {
  chatd_server chatd;
  chat::test::tcp_proxy network(static_cast<std::uint16_t>(std::stoi(chatd.port)));
  child_process alice = start_chatcli(chatd.port, "alice");
  expect_welcome(alice, "alice");
  child_process bob = start_chatcli(std::to_string(network.port()), "bob", {"--reconnect", "5"});
  expect_welcome(bob, "bob");
  expect_line(alice, "alice", hh_mm + R"( \* bob joined lobby \(2 online\))");
  BOOST_REQUIRE(alice.write_stdin("before the drop\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: before the drop)");

  network.cut();
  expect_line(bob, "bob", hh_mm + R"( \* .*; reconnecting in 1 s \(attempt 1 of 5\))");
  say_three_while_bob_is_away(alice);
  network.resume();

  expect_line(bob, "bob", hh_mm + R"( \* reconnected as bob, still in every room; catching up)");
  expect_bob_shown_the_three_once_back(bob);
  BOOST_REQUIRE(bob.write_stdin("back again\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: back again)");
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] bob: back again)");
  BOOST_REQUIRE(alice.write_stdin("after\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: after)");

  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  const std::string seen = bob.stdout_so_far();
  for (const char* text : {"alice: before the drop", "alice: missed one", "alice: missed two",
                           "alice: missed three", "bob: back again", "alice: after"})
    BOOST_TEST(occurrences(seen, text) == 1u, text << " in:\n" << seen);
  BOOST_TEST(!contains(seen, "were missed"), seen);
  BOOST_TEST(!contains(seen, "rejoined"), seen);
  expect_line(alice, "alice", hh_mm + R"( \* bob left lobby \(1 online\): quit)");
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  const std::string alice_saw = alice.stdout_so_far();
  BOOST_TEST(occurrences(alice_saw, "bob joined") == 1u, alice_saw);  // only the first time
  BOOST_TEST(occurrences(alice_saw, "bob left") == 1u, alice_saw);    // only at the end
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatd_password_file_admits_only_chatcli_with_the_password) {
  const std::string right = "/tmp/libchat-e2e-password-" + std::to_string(::getpid());
  const std::string wrong = right + "-wrong";
  const std::string empty = right + "-empty";
  std::ofstream(right) << "open sesame\n";
  std::ofstream(wrong) << "open says me\n";
  std::ofstream(empty) << "\n";
  {
    child_process refused({CHATD_PATH, "--port", "0", "--password-file", empty});
    BOOST_TEST(expect_exit(refused, "chatd") == 2);
    BOOST_TEST(contains(refused.stderr_so_far(), "empty first line"), refused.stderr_so_far());
  }
  chatd_server chatd({"--password-file", right});
  child_process alice = start_chatcli(chatd.port, "alice", {"--password-file", right});
  expect_welcome(alice, "alice");
  child_process eve = start_chatcli(chatd.port, "eve", {"--password-file", wrong});
  BOOST_TEST(expect_exit(eve, "eve") == 1);
  BOOST_TEST(contains(eve.stderr_so_far(), "password"), eve.stderr_so_far());
  child_process mallory = start_chatcli(chatd.port, "mallory");
  BOOST_TEST(expect_exit(mallory, "mallory") == 1);
  BOOST_TEST(!contains(mallory.stdout_so_far(), "* connected"));
  BOOST_REQUIRE(alice.write_stdin("still here\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] alice: still here)");
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
  for (const auto& f : {right, wrong, empty}) std::remove(f.c_str());
}

BOOST_AUTO_TEST_CASE(chatcli_comes_back_after_a_server_restart) {
  auto first = std::make_unique<chatd_server>();
  const std::string port = first->port;
  child_process bob = start_chatcli(port, "bob", {"--reconnect", "10"});
  expect_welcome(bob, "bob");

  first->process.signal(SIGTERM);
  BOOST_TEST(expect_exit(first->process, "chatd") == 0);
  first.reset();
  expect_line(bob, "bob", hh_mm + R"( \* .*shutting down; reconnecting in 1 s \(attempt 1 of 10\))");

  chatd_server second({}, port);  // the same port, a new run
  expect_line(bob, "bob", hh_mm + R"( \* reconnected to a restarted server as bob.*)");
  expect_line(bob, "bob", hh_mm + R"( \* rejoined lobby \(1 online\))");
  child_process alice = start_chatcli(port, "alice");
  expect_welcome(alice, "alice");
  BOOST_REQUIRE(bob.write_stdin("I am back\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: I am back)");

  bob.close_stdin();
  alice.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  second.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(second.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatd_drops_a_client_that_stops_answering_pings) {
  chatd_server chatd({"--idle", "1", "--ping-timeout", "1"});
  child_process alice = start_chatcli(chatd.port, "alice");
  expect_welcome(alice, "alice");
  // A client that connects, says HELLO and then never answers anything.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket silent(io);
  silent.connect({boost::asio::ip::make_address_v4("127.0.0.1"),
                  static_cast<std::uint16_t>(std::stoi(chatd.port))});
  const auto hello = chat::encode(chat::msg::client::hello{chat::protocol_version, "silent", "lobby"});
  boost::asio::write(silent, boost::asio::buffer(hello));
  expect_line(alice, "alice", hh_mm + R"( \* silent joined lobby \(2 online\))");
  expect_line(alice, "alice", hh_mm + R"( \* silent left lobby \(1 online\): ping timeout)");
  // chatcli itself answers the server's pings: it is still there.
  BOOST_REQUIRE(alice.write_stdin("still here\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] alice: still here)");
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatcli_connection_refused_exits_1) {
  const std::string port = closed_port();
  child_process cli = start_chatcli(port, "alice");
  cli.close_stdin();
  BOOST_TEST(expect_exit(cli, "chatcli") == 1);
  const std::string err = cli.stderr_so_far();
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
  BOOST_TEST(contains(err, "cannot connect to 127.0.0.1:" + port), "stderr: " << err);
  BOOST_TEST(cli.stdout_so_far().empty());
}

BOOST_AUTO_TEST_CASE(chatcli_usage_error_exits_2) {
  std::vector<std::string> argv{CHATCLI_PATH, "--host", "127.0.0.1", "--port", "1"};  // no --name
  auto options = test_support::chatcli_isolated({}, argv);  // nor one from a config file
  child_process cli(std::move(argv), std::move(options));
  cli.close_stdin();
  BOOST_TEST(expect_exit(cli, "chatcli") == 2);
  const std::string err = cli.stderr_so_far();
  BOOST_TEST(contains(err, "name"), "stderr: " << err);
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
}

BOOST_AUTO_TEST_CASE(chatcli_version_exits_0) {
  child_process cli({CHATCLI_PATH, "--version"});
  BOOST_TEST(expect_exit(cli, "chatcli") == 0);
  BOOST_TEST(cli.stdout_so_far().starts_with("chatcli "));
  BOOST_TEST(count_lines(cli.stdout_so_far()) == 1u);
}

BOOST_AUTO_TEST_CASE(chatcli_name_taken_when_piped_exits_1) {
  chatd_server chatd;
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");

  // Names compare case-insensitively; with stdin not a terminal there is no second try.
  child_process impostor = start_chatcli(chatd.port, "BOB");
  BOOST_TEST(expect_exit(impostor, "impostor") == 1);
  const std::string err = impostor.stderr_so_far();
  BOOST_TEST(contains(err, "taken"), "stderr: " << err);
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
  BOOST_TEST(!contains(impostor.stdout_so_far(), "* connected"));

  // The first bob is unaffected.
  BOOST_REQUIRE(bob.write_stdin("still here\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] bob: still here)");
  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// On a terminal a rejected name is not the end: chatcli asks for another and sends HELLO again
// on the same connection, as often as it takes.
BOOST_AUTO_TEST_CASE(interactive_chatcli_asks_for_another_name) {
  chatd_server chatd;
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");

  child_process cli = start_terminal_client(chatd.port, "BOB");
  // The prompt waits on the same line, so it arrives without a "\n".
  auto expect_prompt = [&cli](const std::string& rejected, const std::string& reason) {
    const auto prompt = cli.read_until_contains("Name '" + rejected + "' rejected (", step);
    BOOST_REQUIRE_MESSAGE(prompt, "chatcli did not ask for another name; " << output_of(cli));
    const auto rest = cli.read_until_contains("Another name: ", step);
    BOOST_REQUIRE(rest);
    BOOST_TEST(contains(*rest, reason), "prompt: " << *rest);
  };
  expect_prompt("BOB", "taken");  // names compare case-insensitively

  // The terminal echoes what is typed: the answer shows after the prompt, which is harmless.
  BOOST_REQUIRE(cli.write_stdin("no spaces\n"));
  expect_prompt("no spaces", "invalid name");

  BOOST_REQUIRE(cli.write_stdin("bobby\n"));
  BOOST_TEST(contains(expect_welcome(cli, "bobby"), "in lobby (2 online)"));
  expect_line(bob, "bob", hh_mm + R"( \* bobby joined lobby \(2 online\))");

  BOOST_REQUIRE(cli.write_stdin("typed on a terminal\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] bobby: typed on a terminal)");
  expect_line(cli, "bobby", hh_mm + R"( \[lobby\] bobby: typed on a terminal)");

  BOOST_REQUIRE(cli.write_stdin("/quit\n"));
  BOOST_TEST(expect_exit(cli, "bobby") == 0);
  expect_line(bob, "bob", hh_mm + R"( \* bobby left lobby \(1 online\): quit)");
  BOOST_TEST(cli.stderr_so_far().empty(), "stderr:\n" << cli.stderr_so_far());
  // Neither rejected name ever joined.
  BOOST_TEST(!contains(bob.stdout_so_far(), "BOB joined"));
  BOOST_TEST(!contains(bob.stdout_so_far(), "no spaces"));

  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

// The prompt names the current room, which the server names: a hostile one must not reach the
// terminal with escapes that set the title, write the clipboard (OSC 52) or recolour the prompt,
// nor with readline's markers that hide text from its column count.
BOOST_AUTO_TEST_CASE(interactive_chatcli_prompt_shows_a_hostile_room_name_inert) {
  fake_server hostile;
  child_process cli = start_terminal_client(hostile.port(), "alice");
  BOOST_REQUIRE_MESSAGE(hostile.accept(step), "chatcli did not connect; stderr:\n"
                                                  << cli.stderr_so_far());
  // chatcli asks for session resume first; answered as a server from before the extensions
  // answers (PROTOCOL.md 7.17), after which chatcli carries on with HELLO as in plain v2.
  const auto cap = hostile.receive(step);
  BOOST_REQUIRE(cap.has_value());
  BOOST_REQUIRE(std::holds_alternative<chat::msg::client::cap>(*cap));
  hostile.send(chat::msg::server::error{3, "unknown message type"});
  const auto hello = hostile.receive(step);
  BOOST_REQUIRE(hello.has_value());
  BOOST_REQUIRE(std::holds_alternative<chat::msg::client::hello>(*hello));
  hostile.send(chat::msg::server::welcome{"hostile", 1, "alice"});
  const std::string room = "\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x01\x1b[31m\x02red";
  hostile.send(chat::msg::server::joined{"alice", room, 1});

  const std::string shown = "^[]0;pwned^G^[]52;c;cm0gLXJmIH4=^G^A^[[31m^Bred";
  BOOST_REQUIRE_MESSAGE(cli.read_until_contains(shown + "> ", step),
                        "no inert prompt; output:\n" << cli.stdout_so_far());
  const std::string out = cli.stdout_so_far();
  BOOST_TEST(!contains(out, "\x1b]"), out);
  BOOST_TEST(!contains(out, "\x1b[31m"), out);
  BOOST_TEST(out.find_first_of("\x01\x02") == std::string::npos, out);
  BOOST_TEST(!contains(out, "error 3"), out);  // the old server's answer to CAP is the library's

  cli.close_stdin();  // Ctrl-D: chatcli says BYE and waits for the server to close
  for (auto m = hostile.receive(step); m && !std::holds_alternative<chat::msg::client::bye>(*m);
       m = hostile.receive(step)) {
  }
  hostile.socket.close();
  BOOST_TEST(expect_exit(cli, "chatcli") == 0);
}

BOOST_AUTO_TEST_CASE(interactive_chatcli_says_why_when_no_name_comes) {
  chatd_server chatd;
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_welcome(bob, "bob");

  child_process cli = start_terminal_client(chatd.port, "bob");
  BOOST_REQUIRE(cli.read_until_contains("Another name: ", step));
  cli.close_stdin();  // Ctrl-D at the prompt
  BOOST_TEST(expect_exit(cli, "chatcli") == 1);
  const std::string err = cli.stderr_so_far();
  BOOST_TEST(contains(err, "chatcli: no name given: end of input"), "stderr: " << err);
  BOOST_TEST(!contains(cli.stdout_so_far(), "* connected"));

  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatcli_invalid_name_exits_1) {
  chatd_server chatd;
  child_process cli = start_chatcli(chatd.port, "no spaces");
  BOOST_TEST(expect_exit(cli, "chatcli") == 1);
  const std::string err = cli.stderr_so_far();
  BOOST_TEST(contains(err, "invalid name"), "stderr: " << err);
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatd_port_in_use_fails) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
  const std::string port = std::to_string(taken.local_endpoint().port());

  child_process chatd({CHATD_PATH, "--bind", "127.0.0.1", "--port", port});
  const int status = expect_exit(chatd, "chatd");
  BOOST_TEST(status != 0);
  BOOST_TEST(status < 128, "chatd died of a signal: " << status);
  const std::string err = chatd.stderr_so_far();
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
  BOOST_TEST(contains(err, "127.0.0.1:" + port), "stderr: " << err);
  BOOST_TEST(contains(err, "in use"), "stderr: " << err);
  BOOST_TEST(chatd.stdout_so_far().empty());
}

BOOST_AUTO_TEST_CASE(chatd_bad_bind_address_exits_2) {
  child_process chatd({CHATD_PATH, "--bind", "not-an-address", "--port", "0"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 2);
  const std::string err = chatd.stderr_so_far();
  BOOST_TEST(contains(err, "not-an-address"), "stderr: " << err);
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
  BOOST_TEST(chatd.stdout_so_far().empty());
}

BOOST_AUTO_TEST_CASE(chatd_version_exits_0) {
  child_process chatd({CHATD_PATH, "--version"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  BOOST_TEST(chatd.stdout_so_far().starts_with("chatd "));
  BOOST_TEST(count_lines(chatd.stdout_so_far()) == 1u);
}

BOOST_AUTO_TEST_CASE(chatd_max_frame_below_largest_valid_frame_exits_2) {
  child_process chatd({CHATD_PATH, "--port", "0", "--max-frame", "100"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 2);
  const std::string err = chatd.stderr_so_far();
  BOOST_TEST(contains(err, "--max-frame"), "stderr: " << err);
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
}

BOOST_AUTO_TEST_CASE(chatd_max_rooms_zero_exits_2) {
  child_process chatd({CHATD_PATH, "--port", "0", "--max-rooms", "0"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 2);
  BOOST_TEST(contains(chatd.stderr_so_far(), "--max-rooms"), "stderr: " << chatd.stderr_so_far());
}

BOOST_AUTO_TEST_CASE(chatd_quiet_joins_above_out_of_range_exits_2) {
  for (const char* value : {"--quiet-joins-above=-1", "--quiet-joins-above=4294967296"}) {
    child_process chatd({CHATD_PATH, "--port", "0", value});
    BOOST_TEST(expect_exit(chatd, "chatd") == 2);
    const std::string err = chatd.stderr_so_far();
    BOOST_TEST(contains(err, "--quiet-joins-above must be between 0 and 4294967295"), "stderr: " << err);
  }
}

BOOST_AUTO_TEST_CASE(chatd_log_level_must_be_one_of_the_four) {
  child_process chatd({CHATD_PATH, "--port", "0", "--log-level", "verbose"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 2);
  const std::string err = chatd.stderr_so_far();
  BOOST_TEST(contains(err, "--log-level must be error, warn, info or debug"), "stderr: " << err);
}

BOOST_AUTO_TEST_CASE(chatd_help_lists_the_connection_limits) {
  child_process chatd({CHATD_PATH, "--help"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  const std::string out = chatd.stdout_so_far();
  BOOST_TEST(contains(out, "--max-per-ip arg (=16)"), "stdout: " << out);
  BOOST_TEST(contains(out, "--max-connections"), "stdout: " << out);
}

BOOST_AUTO_TEST_CASE(chatd_connection_limits_out_of_range_exit_2) {
  for (const char* value : {"--max-per-ip=-1", "--max-per-ip=4294967296"}) {
    child_process chatd({CHATD_PATH, "--port", "0", value});
    BOOST_TEST(expect_exit(chatd, "chatd") == 2);
    const std::string err = chatd.stderr_so_far();
    BOOST_TEST(contains(err, "--max-per-ip must be between 0 and 4294967295"), "stderr: " << err);
  }
  for (const char* value : {"--max-connections=-1", "--max-connections=x"}) {
    child_process chatd({CHATD_PATH, "--port", "0", value});
    BOOST_TEST(expect_exit(chatd, "chatd") == 2);
    BOOST_TEST(contains(chatd.stderr_so_far(), "max-connections"), "stderr: " << chatd.stderr_so_far());
  }
}

BOOST_AUTO_TEST_CASE(chatd_history_bounds_take_byte_counts_with_suffixes) {
  {
    child_process chatd({CHATD_PATH, "--port", "0", "--history-budget", "1G",
                         "--room-history-bytes", "512KiB"});
    BOOST_TEST(chatd.read_line_until("chatd listening on", 10s).has_value(),
               "stderr: " << chatd.stderr_so_far());
  }
  for (const char* value : {"--history-budget=12Q", "--history-budget=-1", "--history-budget=M",
                            "--history-budget=99999999999G", "--room-history-bytes=1.5M"}) {
    child_process chatd({CHATD_PATH, "--port", "0", value});
    BOOST_TEST(expect_exit(chatd, "chatd") == 2, value);
    const std::string err = chatd.stderr_so_far();
    BOOST_TEST(contains(err, "must be a byte count such as"), "stderr: " << err);
  }
}

BOOST_AUTO_TEST_CASE(chatd_help_lists_flood_control_and_the_rate_limits_with_their_defaults) {
  child_process chatd({CHATD_PATH, "--help"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  const std::string out = chatd.stdout_so_far();
  for (const char* option : {"--max-connects-per-ip arg (=16)", "--connect-window arg (=10)",
                             "--max-unregistered arg (=1024)", "--max-unregistered-per-ip arg (=8)",
                             "--flood-burst arg (=20)", "--flood-rate arg (=5)",
                             "--flood-disconnect-after arg (=30)"})
    BOOST_TEST(contains(out, option), option << " not in stdout: " << out);
}

BOOST_AUTO_TEST_CASE(chatd_flood_and_rate_options_out_of_range_exit_2) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"--flood-burst=-1", "--flood-burst must be between 0 and 4294967295"},
      {"--flood-rate=-1", "--flood-rate must be 0 to 1000000"},
      {"--flood-rate=0", "--flood-rate must be more than 0 (or disable flood control with --flood-burst 0)"},
      {"--flood-disconnect-after=-5", "--flood-disconnect-after must be 0 to 86400 seconds"},
      {"--connect-window=0", "--connect-window must be more than 0"},
      {"--max-unregistered=-1", "--max-unregistered must be between 0 and 4294967295"},
  };
  for (const auto& [value, message] : cases) {
    child_process chatd({CHATD_PATH, "--port", "0", value});
    BOOST_TEST(expect_exit(chatd, "chatd") == 2, value);
    BOOST_TEST(contains(chatd.stderr_so_far(), message), value << " stderr: " << chatd.stderr_so_far());
  }
}

BOOST_AUTO_TEST_CASE(chatd_quiet_joins_above_keeps_arrivals_and_departures_from_the_others) {
  chatd_server chatd({"--quiet-joins-above", "1"});
  child_process alice = start_chatcli(chatd.port, "alice");
  BOOST_TEST(contains(expect_welcome(alice, "alice"), "(1 online)"));
  child_process bob = start_chatcli(chatd.port, "bob");
  BOOST_TEST(contains(expect_welcome(bob, "bob"), "in lobby (2 online)"));  // the true count

  // Had bob's arrival been announced, alice would have seen it before what he says.
  BOOST_REQUIRE(bob.write_stdin("hello from bob\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: hello from bob)");
  BOOST_TEST(!contains(alice.stdout_so_far(), "joined"), output_of(alice));

  // Nor is his leaving; /who shows who is there.
  BOOST_REQUIRE(bob.write_stdin("/quit\n"));
  BOOST_TEST(expect_exit(bob, "bob") == 0);
  BOOST_REQUIRE(alice.write_stdin("/who\n"));
  expect_line(alice, "alice", hh_mm + R"( \* in lobby: alice)");
  BOOST_TEST(!contains(alice.stdout_so_far(), "left"), output_of(alice));

  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
}

BOOST_AUTO_TEST_CASE(chatd_unknown_option_exits_2) {
  child_process chatd({CHATD_PATH, "--no-such-option"});
  BOOST_TEST(expect_exit(chatd, "chatd") == 2);
  BOOST_TEST(count_lines(chatd.stderr_so_far()) == 1u, "stderr: " << chatd.stderr_so_far());
}

BOOST_AUTO_TEST_CASE(chatd_sigint_with_client_connected) {
  chatd_server chatd;
  child_process carol = start_chatcli(chatd.port, "carol");
  expect_welcome(carol, "carol");

  chatd.process.signal(SIGINT);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
  BOOST_TEST(contains(chatd.process.stderr_so_far(), "stopping on SIGINT"));

  BOOST_TEST(expect_exit(carol, "carol") == 1);
  const std::string err = carol.stderr_so_far();
  BOOST_TEST((contains(err, "server closed the connection") || contains(err, "shutting down")),
             "stderr: " << err);
  BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
}

// Under a 32-descriptor limit, 40 connections chatd cannot all accept make accept() fail
// with EMFILE. chatd logs it, backs off (no busy loop, no exit) and serves again once
// descriptors are free.
BOOST_AUTO_TEST_CASE(chatd_survives_running_out_of_file_descriptors) {
#ifdef LIBCHAT_SANITIZED
  // The sanitizer runtime needs descriptors of its own (UBSan's vptr check opens a pipe to
  // probe memory) and reports false errors without them; release builds run this test.
  BOOST_TEST_MESSAGE("skipped under sanitizers: their runtime cannot work without descriptors");
  return;
#endif
  constexpr int raw_connections = 40;  // more than the limit: some can never be accepted
  // The connection limits, which would answer these connections before the descriptors run
  // out (the next test), are off: this is the accept back-off that remains when they are.
  child_process chatd = chatd_with_descriptor_limit(
      32, "--max-connections 0 --max-per-ip 0 --max-connects-per-ip 0 --max-unregistered-per-ip 0");
  const std::string port = listening_port(chatd, "chatd", "chatd listening on ");
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> raw = connect_raw(io, port, raw_connections);

  const auto accept_error = chatd.read_stderr_line_until(
      [](std::string_view line) {
        return line.find("accept error") != std::string_view::npos &&
               line.find("Too many open files") != std::string_view::npos;
      },
      step);
  BOOST_REQUIRE_MESSAGE(accept_error, "chatd never logged running out of descriptors; stderr:\n"
                                          << chatd.stderr_so_far());
  BOOST_TEST(!chatd.wait_exit(0ms).has_value(), "chatd exited when out of descriptors");

  // Free the descriptors: chatd's sessions see end of input and close.
  for (auto& socket : raw) {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  raw.clear();

  // The next accept that is retried takes alice (after what is left of the backlog).
  child_process alice = start_chatcli(port, "alice");
  BOOST_TEST(contains(expect_welcome(alice, "alice"), "in lobby (1 online)"));
  BOOST_REQUIRE(alice.write_stdin("back in business\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] alice: back in business)");
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);

  BOOST_TEST_REQUIRE(!chatd.wait_exit(0ms).has_value(), "chatd is no longer running");
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  const std::string err = chatd.stderr_so_far();
  BOOST_TEST(contains(err, "stopping on SIGTERM"), "stderr:\n" << err);
  // Backing off (50 ms doubling to 2 s) logs a handful of accept errors; a busy retry loop
  // would log thousands.
  const std::size_t accept_errors = occurrences(err, "accept error");
  BOOST_TEST(accept_errors >= 1u);
  BOOST_TEST(accept_errors < 100u, "chatd logged " << accept_errors << " accept errors");
}

BOOST_AUTO_TEST_CASE(chatd_by_default_answers_server_full_before_descriptors_run_out) {
#ifdef LIBCHAT_SANITIZED
  BOOST_TEST_MESSAGE("skipped under sanitizers: their runtime cannot work without descriptors");
  return;
#endif
  // 32 descriptors: the default --max-connections is then 16, which leaves chatd enough to
  // accept, answer and close every connection beyond it (40 here).
  // (and the per-address limits, which would answer them first, off: all come from 127.0.0.1).
  child_process chatd =
      chatd_with_descriptor_limit(32, "--max-per-ip 0 --max-connects-per-ip 0 --max-unregistered-per-ip 0");
  const std::string port = listening_port(chatd, "chatd", "chatd listening on ");
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> raw = connect_raw(io, port, 40);
  // Refusals are logged at a bounded rate (the first few, then counted), not one line each.
  BOOST_REQUIRE_MESSAGE(chatd.read_stderr_line_until("server full (limit 16 connections)", step),
                        "no refusal logged; stderr:\n" << chatd.stderr_so_far());

  // The last one (accepted last: the backlog is first in, first out) was answered: one ERROR,
  // then the end of the stream.
  chat::frame_decoder decoder;
  std::optional<chat::server_message> answer;
  const auto deadline = std::chrono::steady_clock::now() + step;
  while (!answer && fake_server::readable(raw.back().native_handle(), deadline)) {
    auto space = decoder.prepare(4096);
    boost::system::error_code ec;
    const std::size_t n = raw.back().read_some(boost::asio::buffer(space.data(), space.size()), ec);
    if (ec) break;
    decoder.commit(n);
    if (auto frame = decoder.next(); frame && *frame)
      if (auto m = chat::decode_server_message(**frame)) answer = *m;
  }
  BOOST_REQUIRE_MESSAGE(answer && std::holds_alternative<chat::msg::server::error>(*answer),
                        "no ERROR for a connection over the limit");
  const auto& error = std::get<chat::msg::server::error>(*answer);
  BOOST_TEST(error.code == static_cast<std::uint16_t>(chat::errc::too_many_connections));
  BOOST_TEST(error.text == "server full (limit 16 connections)");

  raw.clear();
  child_process alice = start_chatcli(port, "alice");
  BOOST_TEST(contains(expect_welcome(alice, "alice"), "in lobby (1 online)"));
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0);
  chatd.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd, "chatd") == 0);
  const std::string err = chatd.stderr_so_far();
  BOOST_TEST(!contains(err, "accept error"), "stderr:\n" << err);
}

BOOST_AUTO_TEST_SUITE_END()

// The helper the tests above rely on: its waits end on events, and it leaks no processes.
BOOST_AUTO_TEST_SUITE(child_process_helper)

BOOST_AUTO_TEST_CASE(missing_binary_throws) {
  BOOST_CHECK_THROW(child_process({"/nonexistent/chatd"}), std::system_error);
}

BOOST_AUTO_TEST_CASE(read_line_until_returns_at_end_of_output_not_at_deadline) {
  child_process p({CHATD_PATH, "--version"});
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!p.read_line_until("never printed", 60s).has_value());
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  BOOST_TEST(waited.count() < 30'000);
  BOOST_TEST(p.wait_exit(step).value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(wait_exit_times_out_then_reports_signal) {
  chatd_server chatd;
  BOOST_TEST(!chatd.process.wait_exit(50ms).has_value());
  chatd.process.signal(SIGKILL);
  BOOST_TEST(chatd.process.wait_exit(step).value_or(-1) == 128 + SIGKILL);
  BOOST_TEST(chatd.process.wait_exit(0ms).value_or(-1) == 128 + SIGKILL);
}

BOOST_AUTO_TEST_CASE(destructor_kills_and_reaps_a_running_child) {
  pid_t pid = -1;
  {
    chatd_server chatd;
    pid = chatd.process.pid();
    BOOST_TEST_REQUIRE(::kill(pid, 0) == 0);
  }
  // Reaped, so the pid no longer exists (not even as a zombie).
  BOOST_TEST(::kill(pid, 0) == -1);
  BOOST_TEST(errno == ESRCH);
}

// On a terminal: stdin and stdout are a tty and stderr a pipe, the environment entry replaces
// the inherited one, "\r" is gone from the output, a prompt without "\n" can be waited for,
// and close_stdin is end of input.
BOOST_AUTO_TEST_CASE(terminal_child_sees_a_tty) {
  child_process sh({"/bin/sh", "-c",
                    "if test -t 0 && test -t 1 && ! test -t 2; then echo tty; "
                    "else echo no-tty; fi; "
                    "if (: </dev/tty) 2>/dev/null; then echo ctty; else echo no-ctty; fi; "
                    "echo \"TERM=$TERM\"; printf 'Say: '; read -r said; echo \"said <$said>\"; "
                    "cat; echo \"end of input\""},
                   child_options{.terminal = true, .environment = {"TERM=dumb"}});
  BOOST_TEST(sh.on_terminal());
  BOOST_TEST(sh.read_line_until("tty", step).value_or("") == "tty");
#ifdef POSIX_SPAWN_SETSID
  BOOST_TEST(sh.read_line_until("ctty", step).value_or("") == "ctty");
#endif
  BOOST_TEST(sh.read_line_until("TERM=", step).value_or("") == "TERM=dumb");
  BOOST_TEST(sh.read_until_contains("Say: ", step).value_or("") == "Say: ");
  BOOST_REQUIRE(sh.write_stdin("hello\n"));
  BOOST_TEST(sh.read_line_until("", step).value_or("") == "hello");  // the echo
  BOOST_TEST(sh.read_line_until("said", step).value_or("") == "said <hello>");
  sh.close_stdin();
  BOOST_TEST(sh.read_line_until("end of input", step).has_value());
  BOOST_TEST(sh.wait_exit(step).value_or(-1) == 0);
  BOOST_TEST(!contains(sh.stdout_so_far(), "\r"));
  BOOST_TEST(sh.stderr_so_far().empty());
  BOOST_TEST(!sh.write_stdin("x"));
}

BOOST_AUTO_TEST_CASE(write_to_exited_child_fails_without_sigpipe) {
  child_process p({CHATD_PATH, "--version"});
  BOOST_TEST(p.wait_exit(step).value_or(-1) == 0);
  BOOST_TEST(!p.write_stdin("nobody reads this\n"));
}

BOOST_AUTO_TEST_SUITE_END()
