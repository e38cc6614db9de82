// SPDX-License-Identifier: BSL-1.0
// End-to-end tests of the examples: each program run as a process, next to the built chatd
// and chatcli where it needs a server or a person to talk to.
//
// Servers listen on 127.0.0.1 with port 0 and the tests read the port from their first line.
// Every wait has a deadline and ends as soon as the line it waits for arrives; nothing sleeps.
#include "support/e2e_expect.hpp"
#include "support/process.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using test_support::child_process;
using test_support::contains;
using test_support::expect;
using test_support::expect_exit;
using test_support::listening_port;
using test_support::occurrences;
using test_support::output_of;
using test_support::start_chatcli;
using test_support::step;

// A trial division of a 63-bit prime: under 2 s in a release build, a few times that with
// sanitizers.
constexpr std::chrono::milliseconds prime_step = 90s;
constexpr std::string_view big_prime = "9223372036854775783";  // 2^63 - 25; lecture_bots_tests

// The next line that is exactly `text`.
std::string expect_exactly(child_process& p, const std::string& who, const std::string& text) {
  return expect(p, who, [&](std::string_view l) { return l == text; }, "\"" + text + "\"");
}

// chatcli's line for a message: "HH:MM [where] sender: text".
std::string expect_said(child_process& cli, const std::string& who, const std::string& where,
                        const std::string& sender, const std::string& text,
                        std::chrono::milliseconds timeout = step) {
  const std::string tail = " [" + where + "] " + sender + ": " + text;
  static const std::regex clock(R"(\d{2}:\d{2})");
  return expect(
      cli, who,
      [&](std::string_view l) {
        return l.size() == 5 + tail.size() && l.ends_with(tail) &&
               std::regex_match(l.begin(), l.begin() + 5, clock);
      },
      "\"HH:MM" + tail + "\"", timeout);
}

// chatd for one test, stopped when the test ends, where its exit status is checked.
struct chatd : test_support::chatd_server {
  ~chatd() {
    process.signal(SIGTERM);
    BOOST_TEST(process.wait_exit(step).value_or(-1) == 0);
  }
};

void expect_in_lobby(child_process& cli, const std::string& who) {
  expect(cli, who, [](std::string_view l) { return contains(l, "* now talking in lobby"); },
         "that it joined lobby");
}

void quit(child_process& cli, const std::string& who) {
  cli.close_stdin();
  BOOST_TEST(expect_exit(cli, who) == 0, output_of(cli));
}

}  // namespace

#ifdef LECTURE_BOTS_PATH
BOOST_AUTO_TEST_SUITE(lecture_bots)

child_process lecture_bot(const std::string& port) {
  return child_process({LECTURE_BOTS_PATH, "127.0.0.1", port});
}

void expect_bot_in_lobby(child_process& bot, const std::string& name) {
  expect_exactly(bot, "lecture_bots", "lecture_bots: in lobby as " + name);
}

BOOST_AUTO_TEST_CASE(answers_in_the_room_and_privately) {
  chatd server;
  child_process bot = lecture_bot(server.port);
  expect_bot_in_lobby(bot, "lecturebot");
  child_process alice = start_chatcli(server.port, "alice");
  expect_in_lobby(alice, "alice");
  child_process bob = start_chatcli(server.port, "bob");
  expect_in_lobby(bob, "bob");

  // One at a time: prime tests run on worker threads, so their answers may overtake others.
  const std::vector<std::pair<std::string, std::string>> in_the_room{
      {"!upper grüße, world", "GRüßE, WORLD"},
      {"!consonants Hello, World", "7 consonants"},
      {"!consonants Ah", "1 consonant"},
      {"!prime 97", "97 is prime"},
      {"!prime 91", "91 is not prime (divisible by 7)"},
      {"!prime 1", "1 is not prime"},
      {"!prime 9223372036854775808", "9223372036854775808 is not prime (divisible by 2)"},
      {"!prime 9223372036854775809", "usage: !prime N (0 <= N <= 2^63)"},
      {"!prime twelve", "usage: !prime N (0 <= N <= 2^63)"},
  };
  for (const auto& [asked, answer] : in_the_room) {
    BOOST_REQUIRE(alice.write_stdin(asked + "\n"));
    expect_said(alice, "alice", "lobby", "lecturebot", answer);
    expect_said(bob, "bob", "lobby", "lecturebot", answer);
  }

  // Asked privately, it answers privately.
  BOOST_REQUIRE(alice.write_stdin("/msg lecturebot !consonants rhythm\n"));
  expect_said(alice, "alice", "pm:lecturebot", "lecturebot", "6 consonants");
  BOOST_REQUIRE(alice.write_stdin("/msg lecturebot !prime 3037000493\n"));
  expect_said(alice, "alice", "pm:lecturebot", "lecturebot", "3037000493 is prime");
  BOOST_REQUIRE(alice.write_stdin("that was all\n"));
  expect_said(bob, "bob", "lobby", "alice", "that was all");
  BOOST_TEST(!contains(bob.stdout_so_far(), "6 consonants"), bob.stdout_so_far());
  BOOST_TEST(!contains(bob.stdout_so_far(), "3037000493"), bob.stdout_so_far());

  // Ctrl-C: BYE, exit 0; the room hears it leave.
  bot.signal(SIGINT);
  BOOST_TEST(expect_exit(bot, "lecture_bots") == 0);
  expect(alice, "alice", [](std::string_view l) { return contains(l, "* lecturebot left lobby"); },
         "that lecturebot left");
  BOOST_TEST(bot.stderr_so_far().empty(), output_of(bot));

  quit(alice, "alice");
  quit(bob, "bob");
  // One answer per question: the bot never answered its own lines.
  BOOST_TEST(occurrences(alice.stdout_so_far(), "GRüßE, WORLD") == 1u, alice.stdout_so_far());
}

// Commands asked before the bot came arrive as history; they are not answered. Its name is
// taken, so it takes the next one.
BOOST_AUTO_TEST_CASE(skips_history_and_takes_a_free_name) {
  chatd server;
  child_process impostor = start_chatcli(server.port, "lecturebot");
  expect_in_lobby(impostor, "lecturebot");
  BOOST_REQUIRE(impostor.write_stdin("!upper asked before\n"));
  expect_said(impostor, "lecturebot", "lobby", "lecturebot", "!upper asked before");

  child_process bot = lecture_bot(server.port);
  expect_bot_in_lobby(bot, "lecturebot2");
  BOOST_REQUIRE(impostor.write_stdin("!upper asked now\n"));
  expect_said(impostor, "lecturebot", "lobby", "lecturebot2", "ASKED NOW");
  // Answers come in order, so an answer to the history would have come first.
  BOOST_TEST(!contains(impostor.stdout_so_far(), "ASKED BEFORE"), impostor.stdout_so_far());

  bot.signal(SIGTERM);
  BOOST_TEST(expect_exit(bot, "lecture_bots") == 0);
  quit(impostor, "lecturebot");
}

// A prime test of seconds does not hold up other commands, and Ctrl-C does not wait for one.
BOOST_AUTO_TEST_CASE(answers_while_a_prime_test_runs) {
  using clock = std::chrono::steady_clock;
  const auto ms = [](clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  chatd server;
  child_process bot = lecture_bot(server.port);
  expect_bot_in_lobby(bot, "lecturebot");
  child_process alice = start_chatcli(server.port, "alice");
  expect_in_lobby(alice, "alice");

  const std::string verdict = std::string(big_prime) + " is prime";
  const auto answer_to_either = [&](std::string_view l) {
    return l.ends_with("] lecturebot: STILL HERE") || l.ends_with("] lecturebot: " + verdict);
  };
  const auto asked = clock::now();
  BOOST_REQUIRE(alice.write_stdin("!prime " + std::string(big_prime) + "\n!upper still here\n"));
  const std::string first = expect(alice, "alice", answer_to_either, "an answer");
  BOOST_TEST(first.ends_with("STILL HERE"), "the prime test held up !upper: " << first);
  expect_said(alice, "alice", "lobby", "lecturebot", verdict, prime_step);
  const auto prime_took = ms(clock::now() - asked);
  BOOST_TEST_MESSAGE("!prime " << big_prime << " took " << prime_took << " ms");

  // Another one, certainly running once the !upper after it is answered; then Ctrl-C.
  BOOST_REQUIRE(alice.write_stdin("!prime " + std::string(big_prime) + "\n!upper stop now\n"));
  expect_said(alice, "alice", "lobby", "lecturebot", "STOP NOW");
  const auto stopping = clock::now();
  bot.signal(SIGINT);
  BOOST_TEST(expect_exit(bot, "lecture_bots") == 0);
  const auto stop_took = ms(clock::now() - stopping);
  BOOST_TEST(stop_took < prime_took / 2, "the exit waited for the prime test");

  quit(alice, "alice");
  BOOST_TEST(occurrences(alice.stdout_so_far(), verdict) == 1u, alice.stdout_so_far());
}

BOOST_AUTO_TEST_SUITE_END()
#endif

#ifdef EMBEDDED_SERVER_PATH
BOOST_AUTO_TEST_SUITE(embedded_server)

BOOST_AUTO_TEST_CASE(serves_chatcli_next_to_its_own_clock) {
  child_process program({EMBEDDED_SERVER_PATH, "0"});
  const std::string port =
      listening_port(program, "embedded_server", "embedded_server listening on ");

  child_process alice = start_chatcli(port, "alice");
  expect_in_lobby(alice, "alice");
  const auto tick = [](std::string_view l) { return contains(l, "] clock: tick "); };
  expect(alice, "alice", tick, "a tick from the clock");
  BOOST_REQUIRE(alice.write_stdin("hello, embedded server\n"));
  expect_said(alice, "alice", "lobby", "alice", "hello, embedded server");
  expect(alice, "alice", tick, "another tick");  // the clock keeps going

  // SIGTERM: the clock leaves, the server tells alice it is shutting down, exit 0.
  program.signal(SIGTERM);
  BOOST_TEST(expect_exit(program, "embedded_server") == 0, output_of(program));
  BOOST_TEST(expect_exit(alice, "alice") == 1);
  BOOST_TEST(contains(alice.stderr_so_far(), "shutting down"), output_of(alice));
  BOOST_TEST(program.stdout_so_far().find('\n') == program.stdout_so_far().size() - 1,
             "more than the address line on stdout: " << program.stdout_so_far());
}

BOOST_AUTO_TEST_CASE(bad_port_exits_2) {
  child_process program({EMBEDDED_SERVER_PATH, "seventy"});
  BOOST_TEST(expect_exit(program, "embedded_server") == 2);
  BOOST_TEST(contains(program.stderr_so_far(), "usage: embedded_server [PORT]"),
             output_of(program));
}

BOOST_AUTO_TEST_SUITE_END()
#endif

#ifdef ONE_TO_ONE_PATH
BOOST_AUTO_TEST_SUITE(one_to_one)

BOOST_AUTO_TEST_CASE(lines_go_both_ways) {
  child_process alice({ONE_TO_ONE_PATH, "listen", "127.0.0.1", "0", "alice"});
  const std::string port = listening_port(alice, "alice", "one_to_one listening on ");
  expect_exactly(alice, "alice", "* connected as alice");
  BOOST_REQUIRE(alice.write_stdin("anyone there?\n"));
  expect_exactly(alice, "alice", "* nobody to talk to yet");

  child_process bob({ONE_TO_ONE_PATH, "connect", "127.0.0.1", port, "bob"});
  expect_exactly(bob, "bob", "* connected as bob");
  expect_exactly(bob, "bob", "* talking with alice");
  expect_exactly(alice, "alice", "* talking with bob");

  BOOST_REQUIRE(alice.write_stdin("hello bob\n"));
  expect_exactly(bob, "bob", "alice: hello bob");
  // A right-to-left override (which the server lets through) arrives inert; a tab stays.
  BOOST_REQUIRE(bob.write_stdin("hi\talice \u202Eevil\n"));
  expect_exactly(alice, "alice", "bob: hi\talice <U+202E>evil");

  // alice quits: her server stops, and bob is told.
  alice.close_stdin();
  BOOST_TEST(expect_exit(alice, "alice") == 0, output_of(alice));
  expect_exactly(bob, "bob", "* the other side has stopped the server");
  BOOST_TEST(expect_exit(bob, "bob") == 0, output_of(bob));
  // Neither saw its own lines come back.
  BOOST_TEST(!contains(alice.stdout_so_far(), "alice: hello bob"), alice.stdout_so_far());
  BOOST_TEST(!contains(bob.stdout_so_far(), "bob: hi"), bob.stdout_so_far());
}

// The partner can change: when bob leaves, the next one to come takes his place.
BOOST_AUTO_TEST_CASE(a_new_partner_after_one_leaves) {
  child_process alice({ONE_TO_ONE_PATH, "listen", "127.0.0.1", "0", "alice"});
  const std::string port = listening_port(alice, "alice", "one_to_one listening on ");

  child_process bob({ONE_TO_ONE_PATH, "connect", "127.0.0.1", port, "bob"});
  expect_exactly(bob, "bob", "* talking with alice");
  expect_exactly(alice, "alice", "* talking with bob");
  bob.close_stdin();
  BOOST_TEST(expect_exit(bob, "bob") == 0, output_of(bob));
  expect_exactly(alice, "alice", "* bob left");

  child_process carol({ONE_TO_ONE_PATH, "connect", "127.0.0.1", port, "carol"});
  expect_exactly(carol, "carol", "* talking with alice");
  expect_exactly(alice, "alice", "* talking with carol");
  BOOST_REQUIRE(carol.write_stdin("hello, I am carol\n"));
  expect_exactly(alice, "alice", "carol: hello, I am carol");
  BOOST_REQUIRE(alice.write_stdin("hi carol\n"));
  expect_exactly(carol, "carol", "alice: hi carol");

  alice.signal(SIGINT);  // like end of input
  BOOST_TEST(expect_exit(alice, "alice") == 0, output_of(alice));
  BOOST_TEST(expect_exit(carol, "carol") == 0, output_of(carol));
}

BOOST_AUTO_TEST_SUITE_END()
#endif
