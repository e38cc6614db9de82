// SPDX-License-Identifier: BSL-1.0
#include "support/e2e_expect.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <regex>
#include <utility>

namespace test_support {

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

std::size_t occurrences(const std::string& s, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

std::string output_of(child_process& p) {
  return "stdout:\n" + p.stdout_so_far() + "stderr:\n" + p.stderr_so_far();
}

std::string expect(child_process& p, const std::string& who,
                   const std::function<bool(std::string_view)>& match, const std::string& what,
                   std::chrono::milliseconds timeout) {
  const auto line = p.read_line_until(match, timeout);
  BOOST_REQUIRE_MESSAGE(line, who << " never printed " << what << "; " << output_of(p));
  return *line;
}

std::string expect_line(child_process& p, const std::string& who, const std::string& pattern) {
  const std::regex re(pattern);
  return expect(
      p, who, [&re](std::string_view l) { return std::regex_match(l.begin(), l.end(), re); },
      "a line matching /" + pattern + "/");
}

int expect_exit(child_process& p, const std::string& who) {
  const auto status = p.wait_exit(step);
  BOOST_REQUIRE_MESSAGE(status, who << " did not exit; " << output_of(p));
  return *status;
}

std::string listening_port(child_process& p, const std::string& who, const std::string& prefix) {
  const std::string line = expect(
      p, who, [&](std::string_view l) { return l.starts_with(prefix); }, "\"" + prefix + "...\"");
  BOOST_TEST_REQUIRE(line.starts_with(prefix + "127.0.0.1:"), "line: " << line);
  const std::string port = line.substr(line.rfind(':') + 1);
  BOOST_TEST_REQUIRE(!port.empty());
  BOOST_TEST_REQUIRE(port != "0");
  return port;
}

chatd_server::chatd_server(std::vector<std::string> extra, const std::string& listen_port)
    : process([&] {
        std::vector<std::string> argv{CHATD_PATH, "--bind",    "127.0.0.1", "--port",
                                      listen_port, "--threads", "2"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
      }()),
      port(listening_port(process, "chatd", "chatd listening on ")) {}

child_options chatcli_isolated(child_options options, std::vector<std::string>& argv) {
  const auto sets = [&](std::string_view variable) {
    return std::any_of(options.environment.begin(), options.environment.end(),
                       [&](const std::string& entry) { return entry.starts_with(variable); });
  };
  // Absolute and never there: a config file that does not exist is no error.
  if (!sets("XDG_CONFIG_HOME=")) options.environment.push_back("XDG_CONFIG_HOME=/nonexistent/libchat-tests");
  if (!sets("XDG_STATE_HOME=")) argv.push_back("--no-history");
  return options;
}

child_process start_chatcli(const std::string& port, const std::string& name,
                            std::vector<std::string> extra, child_options options) {
  std::vector<std::string> argv{CHATCLI_PATH, "--host", "127.0.0.1", "--port", port, "--name", name};
  argv.insert(argv.end(), extra.begin(), extra.end());
  options = chatcli_isolated(std::move(options), argv);
  return child_process(std::move(argv), std::move(options));
}

}  // namespace test_support
