// SPDX-License-Identifier: BSL-1.0
// chatcli's options: the config file, the command line over it, where its files are, and the
// usage errors, which name the file and the line for what the file says.
#include "options.hpp"

#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace {

using test_support::temp_dir;

// A home of its own with the config file `contents` (none if nullptr) in its default place.
struct fixture {
  temp_dir home;
  chatcli::environment env{home.path().string(), (home.path() / "config").string(),
                           (home.path() / "state").string()};
  std::filesystem::path config_path = home.path() / "config" / "chatcli" / "config";

  void config(std::string_view contents) { home.write("config/chatcli/config", contents); }

  chatcli::parse_outcome parse(std::initializer_list<const char*> args) const {
    std::vector<const char*> argv{"chatcli"};
    argv.insert(argv.end(), args.begin(), args.end());
    return chatcli::parse_options(static_cast<int>(argv.size()), argv.data(), env);
  }
};

bool contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatcli_options)

BOOST_AUTO_TEST_CASE(default_paths_follow_xdg) {
  const chatcli::environment xdg{"/home/u", "/x/config", "/x/state"};
  BOOST_TEST(chatcli::default_config_path(xdg) == "/x/config/chatcli/config");
  BOOST_TEST(chatcli::default_history_path(xdg) == "/x/state/chatcli/history");
  const chatcli::environment unset{"/home/u", "", ""};
  BOOST_TEST(chatcli::default_config_path(unset) == "/home/u/.config/chatcli/config");
  BOOST_TEST(chatcli::default_history_path(unset) == "/home/u/.local/state/chatcli/history");
  const chatcli::environment relative{"/home/u", "x/config", "state"};  // ignored, as XDG says
  BOOST_TEST(chatcli::default_config_path(relative) == "/home/u/.config/chatcli/config");
  BOOST_TEST(chatcli::default_history_path(relative) == "/home/u/.local/state/chatcli/history");
  const chatcli::environment none{"", "", ""};
  BOOST_TEST(chatcli::default_config_path(none).empty());
  BOOST_TEST(chatcli::default_history_path(none).empty());
}

BOOST_FIXTURE_TEST_CASE(config_values_apply, fixture) {
  home.write("config/chatcli/secret", "hunter2\n");
  config("# my server\n"
         "host = chat.example.org\n"
         "port = 7778\n"
         "name = alice\n"
         "room = ops\n"
         "reconnect = 3\n"
         "password-file = secret\n"
         "tls = true\n"
         "no-color = yes\n");
  const auto r = parse({});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  const auto& o = *r.run;
  BOOST_TEST(o.session.host == "chat.example.org");
  BOOST_TEST(o.session.port == "7778");
  BOOST_TEST(o.session.name == "alice");
  BOOST_TEST(o.session.room == "ops");
  BOOST_TEST(o.reconnects == 3);
  BOOST_TEST(o.session.tls.enabled);
  BOOST_TEST(!o.session.tls.insecure);
  BOOST_TEST(o.no_color);
  // Relative to the config file's directory, not to wherever chatcli runs.
  BOOST_TEST(o.password_file == (home.path() / "config/chatcli/secret").string());
  BOOST_TEST(o.session.password == "hunter2");
  BOOST_TEST(o.config == config_path);
  BOOST_TEST(o.history == home.path() / "state/chatcli/history");
}

BOOST_FIXTURE_TEST_CASE(command_line_overrides_the_file, fixture) {
  config("host = a.example\nport = 1\nname = alice\nroom = ops\ntls = false\n");
  const auto r = parse({"--port", "2", "--name", "bob", "--tls"});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  BOOST_TEST(r.run->session.host == "a.example");  // from the file
  BOOST_TEST(r.run->session.port == "2");
  BOOST_TEST(r.run->session.name == "bob");
  BOOST_TEST(r.run->session.room == "ops");
  BOOST_TEST(r.run->session.tls.enabled);
}

BOOST_FIXTURE_TEST_CASE(a_switch_can_be_turned_off_in_the_file, fixture) {
  config("host = h\nport = 1\nname = alice\ninsecure = false\nno-color = off\ntls = 0\n");
  const auto r = parse({});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  BOOST_TEST(!r.run->session.tls.enabled);
  BOOST_TEST(!r.run->no_color);
}

BOOST_FIXTURE_TEST_CASE(unknown_key_names_file_and_line, fixture) {
  config("host = h\n\n# typo below\nprot = 7777\n");
  const auto r = parse({"--port", "1", "--name", "alice"});
  BOOST_TEST(!r.run);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":4: "), r.error);
  BOOST_TEST(contains(r.error, "prot"), r.error);
}

BOOST_FIXTURE_TEST_CASE(a_key_in_a_section_is_unknown, fixture) {
  config("host = h\n[server]\nport = 1\n");
  const auto r = parse({"--name", "alice"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":3: "), r.error);
  BOOST_TEST(contains(r.error, "server.port"), r.error);
}

BOOST_FIXTURE_TEST_CASE(command_line_only_options_are_unknown_in_the_file, fixture) {
  config("config = /etc/other\n");
  const auto r = parse({});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":1: "), r.error);
}

BOOST_FIXTURE_TEST_CASE(bad_value_names_file_and_line, fixture) {
  config("host = h\nport = 1\nname = alice\ntls = maybe\n");
  auto r = parse({});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":4: "), r.error);
  BOOST_TEST(contains(r.error, "tls"), r.error);

  config("host = h\nport = 1\nname = alice\n  reconnect = lots\n");
  r = parse({});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":4: "), r.error);
  BOOST_TEST(contains(r.error, "reconnect"), r.error);

  // chatcli's own checks, after Program_options' own, say where too.
  config("host = h\nport = 1\nname = alice\nreconnect = -1\nroom = no spaces\n");
  r = parse({});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":4: --reconnect"), r.error);
  r = parse({"--reconnect", "1"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":5: --room"), r.error);
}

BOOST_FIXTURE_TEST_CASE(bad_value_on_the_command_line_names_no_file, fixture) {
  config("host = h\nport = 1\nname = alice\n");
  const auto r = parse({"--room", "no spaces"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(!contains(r.error, config_path.string()), r.error);
  BOOST_TEST(contains(r.error, "--room"), r.error);
}

BOOST_FIXTURE_TEST_CASE(repeated_key_names_the_second_line, fixture) {
  config("name = alice\nhost = h\nname = bob\n");
  const auto r = parse({"--port", "1"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":3: "), r.error);
}

BOOST_FIXTURE_TEST_CASE(line_without_equals_names_its_line, fixture) {
  config("host = h\nport 7777\n");
  const auto r = parse({"--name", "alice"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, config_path.string() + ":2: "), r.error);
}

BOOST_FIXTURE_TEST_CASE(missing_required_names_it_and_the_config_path, fixture) {
  // No file at all: fine by itself, but then the command line must give all three.
  auto r = parse({"--host", "h", "--name", "alice"});
  BOOST_TEST(!r.run);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, "--port is required"), r.error);
  BOOST_TEST(contains(r.error, config_path.string()), r.error);
  BOOST_TEST(contains(r.error, "does not exist"), r.error);

  config("host = h\nport = 1\n");
  r = parse({});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, "--name is required"), r.error);
  BOOST_TEST(contains(r.error, "\"name = ...\" in " + config_path.string()), r.error);
  BOOST_TEST(!contains(r.error, "does not exist"), r.error);
}

BOOST_FIXTURE_TEST_CASE(no_default_file_is_fine, fixture) {
  const auto r = parse({"--host", "h", "--port", "1", "--name", "alice"});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  BOOST_TEST(r.run->config.empty());
  BOOST_TEST(r.run->session.room == "lobby");
}

BOOST_FIXTURE_TEST_CASE(named_config_file_replaces_the_default_and_must_exist, fixture) {
  config("host = default.example\nport = 1\nname = alice\n");
  const auto other = home.write("elsewhere.conf", "host = other.example\nport = 2\nname = bob\n");
  auto r = parse({"--config", other.c_str()});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  BOOST_TEST(r.run->session.host == "other.example");
  BOOST_TEST(r.run->config == other);

  const auto missing = (home.path() / "missing.conf").string();
  r = parse({"--config", missing.c_str()});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(contains(r.error, missing), r.error);
}

BOOST_FIXTURE_TEST_CASE(no_history_keeps_none, fixture) {
  auto r = parse({"--host", "h", "--port", "1", "--name", "alice", "--no-history"});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  BOOST_TEST(r.run->history.empty());

  config("no-history = true\n");
  r = parse({"--host", "h", "--port", "1", "--name", "alice"});
  BOOST_REQUIRE_MESSAGE(r.run, r.error);
  BOOST_TEST(r.run->history.empty());
}

BOOST_FIXTURE_TEST_CASE(help_and_version_read_no_file, fixture) {
  config("this is not a config file\n");
  auto r = parse({"--help"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(contains(r.out, "--config"));
  BOOST_TEST(contains(r.out, "--no-history"));
  r = parse({"--version"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.starts_with("chatcli "));
}

BOOST_AUTO_TEST_SUITE_END()
