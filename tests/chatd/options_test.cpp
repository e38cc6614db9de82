// SPDX-License-Identifier: BSL-1.0
// chatd's options from the command line and the config file (chatd_core's load_options): file
// values apply, the command line overrides them, errors name the file and the line, and the
// shipped etc/chatd.conf lists every option with its default and is accepted.
#include "chatd/temp_files.hpp"

#include <config_file.hpp>
#include <options.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <optional>
#include <sstream>

namespace {

using chatd::daemon_options;
using chatd::load_options;
using chatd::startup_error;
using chatd_test::temp_directory;

daemon_options load(std::vector<std::string> args) {
  args.insert(args.begin(), "chatd");
  std::ostringstream out;
  auto options = load_options(args, out);
  BOOST_REQUIRE_MESSAGE(options, "load_options answered help or version: " << out.str());
  return *options;
}

// The message of the startup_error that loading `args` throws ("" if none).
std::string error_of(std::vector<std::string> args) {
  try {
    load(std::move(args));
  } catch (const startup_error& e) {
    return e.what();
  }
  return "";
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of the first line "# name = value" (or "name = value") of `example`.
std::optional<std::string> example_value(const std::string& example, const std::string& name) {
  std::istringstream lines(example);
  for (std::string line; std::getline(lines, line);) {
    std::string_view rest = line;
    if (rest.starts_with("# ")) rest.remove_prefix(2);
    if (rest.starts_with(name + " =")) {
      rest.remove_prefix(name.size() + 2);
      if (rest.starts_with(' ')) rest.remove_prefix(1);
      return std::string(rest);
    }
  }
  return std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatd_options)

BOOST_AUTO_TEST_CASE(file_values_apply) {
  temp_directory dir;
  const auto file = dir.write("chatd.conf",
                              "# a comment\n"
                              "port = 7001\n"
                              "  max-per-ip=3   # trailing comment\n"
                              "log-level = debug\n"
                              "history-budget = 1G\n"
                              "log-format = json\n"
                              "bind = ::1\n");
  const auto options = load({"--config", file});
  BOOST_TEST(options.server.port == 7001);
  BOOST_TEST(options.server.max_connections_per_ip == 3u);
  BOOST_TEST((options.server.log_level == chat::log_level::debug));
  BOOST_TEST(options.server.history_budget_bytes == std::size_t{1} << 30);
  BOOST_TEST(options.server.address.to_string() == "::1");
  BOOST_TEST((options.format == chatd::log_format::json));
  BOOST_TEST(options.config_file == file);
  // Untouched keys keep their defaults.
  BOOST_TEST(options.server.history == 100u);
}

BOOST_AUTO_TEST_CASE(the_command_line_overrides_the_file) {
  temp_directory dir;
  const auto file = dir.write("chatd.conf", "port = 7001\nmax-per-ip = 3\n");
  const auto before = load({"--port", "7002", "--config", file});
  BOOST_TEST(before.server.port == 7002);
  BOOST_TEST(before.server.max_connections_per_ip == 3u);
  const auto after = load({"--config", file, "--port=7003"});
  BOOST_TEST(after.server.port == 7003);
}

BOOST_AUTO_TEST_CASE(repeatable_keys_collect_and_the_command_line_replaces_them) {
  temp_directory dir;
  const auto file = dir.write("chatd.conf",
                              "ws-port = 0\n"
                              "ws-origin = https://a.example\n"
                              "ws-origin = https://b.example\n");
  const auto from_file = load({"--config", file});
  BOOST_TEST(from_file.server.websocket.enabled());
  BOOST_TEST(from_file.server.websocket.allowed_origins ==
                 (std::vector<std::string>{"https://a.example", "https://b.example"}),
             boost::test_tools::per_element());
  const auto overridden = load({"--config", file, "--ws-origin", "https://c.example"});
  BOOST_TEST(overridden.server.websocket.allowed_origins == std::vector<std::string>{"https://c.example"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unknown_key_is_an_error_naming_the_file_and_the_line) {
  temp_directory dir;
  const auto file = dir.write("chatd.conf", "port = 7001\n\n# prot = 1\nprot = 7777\n");
  BOOST_TEST(error_of({"--config", file}) == file + ":4: unknown option 'prot'");
  // Under a section the key is "section.key", which chatd does not have.
  const auto sectioned = dir.write("sectioned.conf", "port = 1\n[tls]\ncert = x.pem\n");
  BOOST_TEST(error_of({"--config", sectioned}) == sectioned + ":3: unknown option 'tls.cert'");
  // Options of the command line alone are not keys.
  const auto nested = dir.write("nested.conf", "config = other.conf\n");
  BOOST_TEST(error_of({"--config", nested}) == nested + ":1: unknown option 'config'");
}

BOOST_AUTO_TEST_CASE(a_bad_value_is_an_error_naming_the_file_and_the_line) {
  temp_directory dir;
  // One the parser refuses...
  const auto unparsable = dir.write("a.conf", "bind = 127.0.0.1\nport = seven\n");
  const auto message = error_of({"--config", unparsable});
  BOOST_TEST(message.starts_with(unparsable + ":2: "), message);
  BOOST_TEST(message.find("'seven'") != std::string::npos, message);
  BOOST_TEST(message.find("port") != std::string::npos, message);
  // ...and those chatd refuses.
  const auto out_of_range = dir.write("b.conf", "# ports\n\nport = 70000\n");
  BOOST_TEST(error_of({"--config", out_of_range}) == out_of_range + ":3: port must be between 0 and 65535");
  const auto zero_rooms = dir.write("c.conf", "port = 1\nmax-rooms = 0\n");
  BOOST_TEST(error_of({"--config", zero_rooms}) == zero_rooms + ":2: max-rooms must be at least 1");
  const auto level = dir.write("d.conf", "log-level = loud\n");
  BOOST_TEST(error_of({"--config", level}) == level + ":1: log-level must be error, warn, info or debug");
  const auto password = dir.write("e.conf", "password-file = " + dir.path("missing") + "\n");
  BOOST_TEST(error_of({"--config", password}) ==
             password + ":1: password-file " + dir.path("missing") + " cannot be read");
  // The same value on the command line names the option as typed there.
  BOOST_TEST(error_of({"--port", "70000"}) == "--port must be between 0 and 65535");
  // A value the command line overrides is not checked.
  BOOST_TEST(load({"--config", out_of_range, "--port", "7000"}).server.port == 7000);
}

BOOST_AUTO_TEST_CASE(a_key_given_twice_and_a_line_without_equals_are_errors_with_lines) {
  temp_directory dir;
  const auto twice = dir.write("a.conf", "port = 1\nhistory = 5\nport = 2\n");
  BOOST_TEST(error_of({"--config", twice}) == twice + ":3: port given twice (only ws-origin may repeat)");
  const auto malformed = dir.write("b.conf", "port = 1\nmax-per-ip 5\n");
  BOOST_TEST(error_of({"--config", malformed}) == malformed + ":2: not a 'key = value' line");
}

BOOST_AUTO_TEST_CASE(a_missing_or_unreadable_file_is_an_error_naming_it) {
  temp_directory dir;
  const auto missing = dir.path("nowhere.conf");
  BOOST_TEST(error_of({"--config", missing}) == "cannot read config file " + missing + ": No such file or directory");
  const auto directory = dir.path("");
  BOOST_TEST(error_of({"--config", directory}).starts_with("cannot read config file " + directory));
}

BOOST_AUTO_TEST_CASE(admin_takes_a_port_and_an_optional_address) {
  BOOST_TEST(!load({}).admin);
  const auto port_only = load({"--admin", "9100"}).admin;
  BOOST_REQUIRE(port_only);
  BOOST_TEST(port_only->address().to_string() == "127.0.0.1");
  BOOST_TEST(port_only->port() == 9100);
  const auto v6 = load({"--admin", "[::1]:9101"}).admin;
  BOOST_REQUIRE(v6);
  BOOST_TEST(v6->address().to_string() == "::1");
  BOOST_TEST(v6->port() == 9101);
  BOOST_TEST(load({"--admin", "0.0.0.0:0"}).admin->address().to_string() == "0.0.0.0");
  for (const char* bad : {"::1:9100", "x:1", "127.0.0.1:", "70000", "[::1]9100", ""})
    BOOST_TEST(error_of({"--admin", bad}).starts_with("--admin "), bad);
}

BOOST_AUTO_TEST_CASE(help_shows_config_and_every_setting) {
  std::ostringstream out;
  BOOST_TEST(!load_options({"chatd", "--help"}, out));
  const auto help = out.str();
  BOOST_TEST(help.find("--config arg") != std::string::npos, help);
  const auto settings = chatd::setting_options();
  for (const auto& option : settings.options())
    BOOST_TEST(help.find("--" + option->long_name()) != std::string::npos, option->long_name());
}

// etc/chatd.conf names every setting, commented out, with the value that is its default.
BOOST_AUTO_TEST_CASE(the_example_config_lists_every_option_with_its_default) {
  const std::string example = read_all(LIBCHAT_SOURCE_DIR "/etc/chatd.conf");
  BOOST_REQUIRE(!example.empty());
  const auto settings = chatd::setting_options();
  for (const auto& option : settings.options()) {
    const auto& name = option->long_name();
    const auto value = example_value(example, name);
    BOOST_TEST_CONTEXT(name) {
      BOOST_REQUIRE_MESSAGE(value, name << " is not in etc/chatd.conf");
      // The table's default as --help shows it: "arg (=7777)".
      const std::string shown = option->semantic()->name();
      const auto open = shown.find("(=");
      if (open != std::string::npos && name != "max-connections") {  // that one depends on ulimit -n
        const std::string default_text = shown.substr(open + 2, shown.size() - open - 3);
        BOOST_TEST(*value == default_text);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_example_config_is_accepted) {
  const auto options = load({"--config", LIBCHAT_SOURCE_DIR "/etc/chatd.conf", "--port", "0"});
  BOOST_TEST(options.server.port == 0);
}

BOOST_AUTO_TEST_CASE(line_of_finds_the_nth_assignment) {
  const chatd::config_file file{"f", "a = 1\n# a = 2\nb=0\na=3\n[s]\na = 4\n"};
  BOOST_TEST(file.line_of("a") == 1u);
  BOOST_TEST(file.line_of("a", 2) == 4u);
  BOOST_TEST(file.line_of("a", 3) == 0u);
  BOOST_TEST(file.line_of("s.a") == 6u);
  BOOST_TEST(file.line_of("c") == 0u);
  BOOST_TEST(file.where("c") == "f: ");
  BOOST_TEST(file.where("b") == "f:3: ");
}

BOOST_AUTO_TEST_SUITE_END()
