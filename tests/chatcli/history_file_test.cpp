// SPDX-License-Identifier: BSL-1.0
// The line history's file: what one session entered is there in the next, bounded, and the
// file and its directories are private. Driven through readline's history API, as the line
// editor uses it (add_history, then record_newest).
#include "history_file.hpp"

#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <sys/stat.h>

#include <readline/history.h>

namespace {

using test_support::temp_dir;

std::vector<std::string> history_lines() {
  std::vector<std::string> lines;
  for (int i = 0; i < history_length; ++i) lines.emplace_back(history_get(history_base + i)->line);
  return lines;
}

std::vector<std::string> file_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One session: opens the file, enters `lines`, closes it; readline's list is left empty.
void session(const std::filesystem::path& path, int limit, const std::vector<std::string>& lines) {
  clear_history();
  chatcli::history_file file(path, limit);
  for (const auto& line : lines) {
    add_history(line.c_str());
    BOOST_TEST(file.record_newest());
  }
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat st{};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777u;
}

// Readline's list is process-wide: each test starts and ends with it empty and unbounded.
struct fresh_history {
  fresh_history() { clear_history(); }
  ~fresh_history() {
    clear_history();
    unstifle_history();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(chatcli_history_file, fresh_history)

BOOST_AUTO_TEST_CASE(lines_entered_are_there_next_time) {
  const temp_dir dir;
  const auto path = dir.path() / "state" / "chatcli" / "history";
  session(path, 1000, {"hello", "/join ops"});
  // Written as entered, not only at the end.
  BOOST_TEST(file_lines(path) == (std::vector<std::string>{"hello", "/join ops"}));

  clear_history();
  const chatcli::history_file next(path, 1000);
  BOOST_TEST(history_lines() == (std::vector<std::string>{"hello", "/join ops"}));
}

BOOST_AUTO_TEST_CASE(file_and_new_directories_are_private) {
  const temp_dir dir;
  const auto path = dir.path() / "state" / "chatcli" / "history";
  session(path, 1000, {"x"});
  BOOST_TEST(mode_of(path) == 0600u);
  BOOST_TEST(mode_of(path.parent_path()) == 0700u);
  BOOST_TEST(mode_of(path.parent_path().parent_path()) == 0700u);
}

BOOST_AUTO_TEST_CASE(bounded_to_the_newest_lines) {
  const temp_dir dir;
  const auto path = dir.path() / "history";
  session(path, 3, {"1", "2", "3", "4", "5"});
  BOOST_TEST(file_lines(path) == (std::vector<std::string>{"3", "4", "5"}));
  session(path, 3, {"6"});
  BOOST_TEST(file_lines(path) == (std::vector<std::string>{"4", "5", "6"}));

  clear_history();
  const chatcli::history_file next(path, 3);
  BOOST_TEST(history_lines() == (std::vector<std::string>{"4", "5", "6"}));
}

BOOST_AUTO_TEST_CASE(a_place_that_cannot_be_made_is_an_error_naming_it) {
  const temp_dir dir;
  const auto blocker = dir.write("state", "a file where a directory should be");
  try {
    const chatcli::history_file file(blocker / "chatcli" / "history", 10);
    BOOST_FAIL("no error");
  } catch (const std::system_error& e) {
    BOOST_TEST(std::string(e.what()).find(blocker.string()) != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
