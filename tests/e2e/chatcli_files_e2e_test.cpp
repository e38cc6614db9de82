// SPDX-License-Identifier: BSL-1.0
// chatcli's own files, end to end: the config file (XDG_CONFIG_HOME) is enough to connect, and
// the line history (XDG_STATE_HOME) brings back, with the Up key, what was typed in the last
// session. Each test points both at a scratch directory of its own.
#include "support/e2e_expect.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using test_support::chatd_server;
using test_support::child_options;
using test_support::child_process;
using test_support::contains;
using test_support::expect;
using test_support::expect_exit;
using test_support::output_of;
using test_support::step;
using test_support::temp_dir;

std::vector<std::string> xdg(const temp_dir& home) {
  return {"XDG_CONFIG_HOME=" + (home.path() / "config").string(),
          "XDG_STATE_HOME=" + (home.path() / "state").string(), "HOME=" + home.path().string()};
}

// chatcli on a terminal with no arguments but `extra`, its files in `home`.
child_process terminal_chatcli(const temp_dir& home, std::vector<std::string> extra = {}) {
  auto environment = xdg(home);
  environment.push_back("TERM=dumb");
  environment.push_back("NO_COLOR=1");
  std::vector<std::string> argv{CHATCLI_PATH};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return child_process(std::move(argv), child_options{.terminal = true, .environment = environment});
}

void stop(chatd_server& chatd) {
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatcli_files)

BOOST_AUTO_TEST_CASE(config_file_alone_connects) {
  chatd_server chatd;
  const temp_dir home;
  home.write("config/chatcli/config",
             "# written by the test\nhost = 127.0.0.1\nport = " + chatd.port +
                 "\nname = carol\nroom = ops\n");
  child_process cli({CHATCLI_PATH}, child_options{.environment = xdg(home)});
  const auto connected = expect(cli, "chatcli", [](std::string_view l) { return contains(l, "* connected to "); },
                                "* connected to");
  BOOST_TEST(contains(connected, " as carol"), connected);
  expect(cli, "chatcli", [](std::string_view l) { return contains(l, "* now talking in ops"); },
         "* now talking in ops");
  BOOST_REQUIRE(cli.write_stdin("from the config\n"));
  expect(cli, "chatcli", [](std::string_view l) { return contains(l, "[ops] carol: from the config"); },
         "its own message");
  cli.close_stdin();
  BOOST_TEST(expect_exit(cli, "chatcli") == 0);
  stop(chatd);
}

BOOST_AUTO_TEST_CASE(missing_required_without_config_exits_2) {
  const temp_dir home;  // nothing in it
  child_process cli({CHATCLI_PATH, "--port", "1", "--name", "carol"},
                    child_options{.environment = xdg(home)});
  cli.close_stdin();
  BOOST_TEST(expect_exit(cli, "chatcli") == 2);
  const std::string err = cli.stderr_so_far();
  BOOST_TEST(contains(err, "--host is required"), err);
  BOOST_TEST(contains(err, (home.path() / "config/chatcli/config").string()), err);
  BOOST_TEST(cli.stdout_so_far().empty());
}

BOOST_AUTO_TEST_CASE(bad_config_line_exits_2_naming_it) {
  const temp_dir home;
  const auto file = home.write("config/chatcli/config", "host = 127.0.0.1\nport = 1\nname = carol\ncolour = yes\n");
  child_process cli({CHATCLI_PATH}, child_options{.environment = xdg(home)});
  cli.close_stdin();
  BOOST_TEST(expect_exit(cli, "chatcli") == 2);
  BOOST_TEST(contains(cli.stderr_so_far(), file.string() + ":4: "), cli.stderr_so_far());
}

BOOST_AUTO_TEST_CASE(history_is_there_in_the_next_session) {
  chatd_server chatd;
  const temp_dir home;
  home.write("config/chatcli/config", "host = 127.0.0.1\nport = " + chatd.port + "\nname = dave\n");
  const auto said_in = [](const std::string& room) {
    return [room](std::string_view l) { return contains(l, "[" + room + "] dave: remember this line"); };
  };
  {
    child_process first = terminal_chatcli(home);
    expect(first, "first", [](std::string_view l) { return contains(l, "* now talking in "); }, "joined");
    BOOST_REQUIRE(first.write_stdin("remember this line\n"));
    expect(first, "first", said_in("lobby"), "its message");
    BOOST_REQUIRE(first.write_stdin("/quit\n"));
    BOOST_TEST(expect_exit(first, "first") == 0);
  }
  const auto history = home.path() / "state/chatcli/history";
  std::ifstream in(history);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(content == "remember this line\n/quit\n");

  // Up twice (past /quit), then Enter: the line from the first session is sent again, to a
  // room of its own so that lobby's history replayed on joining cannot pass for it.
  child_process second = terminal_chatcli(home, {"--room", "elsewhere"});
  expect(second, "second", [](std::string_view l) { return contains(l, "* now talking in "); }, "joined");
  BOOST_REQUIRE(second.write_stdin("\x1b[A\x1b[A\r"));
  expect(second, "second", said_in("elsewhere"), "the recalled line sent");
  BOOST_REQUIRE(second.write_stdin("/quit\n"));
  BOOST_TEST(expect_exit(second, "second") == 0);

  // --no-history: nothing recalled (Up finds nothing, so Enter sends nothing) and nothing added.
  child_process third = terminal_chatcli(home, {"--no-history", "--room", "third"});
  expect(third, "third", [](std::string_view l) { return contains(l, "* now talking in "); }, "joined");
  BOOST_REQUIRE(third.write_stdin("\x1b[A\r"));
  BOOST_REQUIRE(third.write_stdin("only this time\n"));
  expect(third, "third", [](std::string_view l) { return contains(l, "[third] dave: only this time"); },
         "its message");
  BOOST_REQUIRE(third.write_stdin("/quit\n"));
  BOOST_TEST(expect_exit(third, "third") == 0);
  BOOST_TEST(!contains(third.stdout_so_far(), "remember this line"), output_of(third));
  std::ifstream again(history);
  std::string after((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  BOOST_TEST(after == "remember this line\n/quit\nremember this line\n/quit\n", after);
  stop(chatd);
}

BOOST_AUTO_TEST_SUITE_END()
