// SPDX-License-Identifier: BSL-1.0
#include "options.hpp"

#include "config_lines.hpp"

#include <chat/limits.hpp>
#include <chat/text.hpp>
#include <chat/version.hpp>

#include <boost/program_options.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

namespace chatcli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// XDG Base Directory: "$XDG_x_HOME" if set and absolute, else "$HOME/<fallback>".
fs::path base_directory(const std::string& xdg, const std::string& home, const char* fallback) {
  if (!xdg.empty() && fs::path(xdg).is_absolute()) return xdg;
  if (home.empty()) return {};
  return fs::path(home) / fallback;
}

std::string at_line(const fs::path& file, std::size_t line) {
  return file.string() + (line != 0 ? ":" + std::to_string(line) : std::string{}) + ": ";
}

// Where a Program_options error in the config file (whose text is `text`) is: "FILE:LINE: ".
std::string where_in_file(const fs::path& file, std::string_view text, const po::error& e) {
  if (dynamic_cast<const po::invalid_config_file_syntax*>(&e))
    return at_line(file, apps::first_malformed_line(text));
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e)) {
    const bool repeated = dynamic_cast<const po::multiple_occurrences*>(&e) != nullptr;
    return at_line(file, apps::line_of_option(text, named->get_option_name(), repeated ? 2 : 1));
  }
  return at_line(file, 0);
}

// A usage error: the message is complete, where it comes from included.
struct usage_error {
  std::string message;
};

struct parser {
  const environment& env;
  options o;
  po::options_description command_line_only{"Options"};
  po::options_description settings{
      "Options, also as \"key = value\" lines in the config file (keys without the \"--\")"};
  po::variables_map vm;
  std::set<std::string> from_command_line;
  std::set<std::string> from_file;
  fs::path config_path;
  std::string config_text;  // as read and parsed, to say on which line an error is

  explicit parser(const environment& e) : env(e) {
    auto& s = o.session;
    command_line_only.add_options()
        ("help,h", "show this help and exit")
        ("version", "show the version and exit")
        ("config", po::value<std::string>(),
         "read options from this file (default: $XDG_CONFIG_HOME/chatcli/config, else "
         "~/.config/chatcli/config, if it exists); the command line overrides it");
    settings.add_options()
        ("host", po::value(&s.host), "server host name or address (required here or in the file)")
        ("port", po::value(&s.port), "server port (required here or in the file)")
        ("name", po::value(&s.name),
         "your name: 2-32 letters, digits, '_', '-', '.' (required here or in the file)")
        ("room", po::value(&s.room)->default_value(chat::default_room), "room to join first")
        ("reconnect", po::value(&o.reconnects),
         "reconnect attempts after the connection drops (default: unlimited when interactive, "
         "0 when piped)")
        ("password-file", po::value(&o.password_file),
         "the server password is this file's first line (sent with PASS before HELLO)")
        ("tls", po::bool_switch(&s.tls.enabled),
         "connect with TLS, verifying the server's certificate against the system's trusted "
         "authorities and --host")
        ("tls-ca", po::value(&s.tls.ca_file),
         "PEM file of the authorities to trust instead of the system's (implies --tls)")
        ("insecure", po::bool_switch(&s.tls.insecure),
         "TLS WITHOUT certificate verification (implies --tls): anyone on the path can read and "
         "change the traffic; for tests only")
        ("no-color", po::bool_switch(&o.no_color), "no colours (also when NO_COLOR is set)")
        ("no-history", po::bool_switch(),
         "keep no line history (default, when interactive: $XDG_STATE_HOME/chatcli/history, "
         "else ~/.local/state/chatcli/history)");
  }

  // "FILE:LINE: " when the file gave `key`, else nothing.
  std::string source_of(const std::string& key) const {
    if (!from_file.count(key)) return {};
    return at_line(config_path, apps::line_of_option(config_text, key));
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw usage_error{source_of(key) + what};
  }

  // A relative path from the file is taken from the file's directory, not wherever chatcli runs.
  void resolve_from_file(const std::string& key, std::string& path) const {
    if (!from_file.count(key) || path.empty() || fs::path(path).is_absolute()) return;
    path = (config_path.parent_path() / path).string();
  }

  void read_config_file(bool named) {
    errno = 0;
    std::ifstream in(config_path);
    if (!in) {
      if (!named && errno == ENOENT) return;  // no default file: nothing to read
      throw usage_error{"cannot read the config file " + config_path.string() + ": " +
                        std::strerror(errno)};
    }
    std::ostringstream text;
    text << in.rdbuf();
    config_text = std::move(text).str();
    try {
      std::istringstream config(config_text);
      const auto parsed = po::parse_config_file(config, settings, false);
      for (const auto& option : parsed.options) from_file.insert(option.string_key);
      po::store(parsed, vm);
    } catch (const po::error& e) {
      throw usage_error{where_in_file(config_path, config_text, e) + e.what()};
    }
    o.config = config_path;
    for (const auto& key : from_command_line) from_file.erase(key);  // the command line won
  }

  void read_password_file() {
    // The first line, without its line ending; kept out of the command line and the log.
    auto& password = o.session.password;
    std::ifstream in(o.password_file);
    if (!in || !std::getline(in, password))
      fail("password-file", "cannot read --password-file " + o.password_file);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty() || password.size() > chat::max_password_bytes ||
        !chat::is_valid_utf8(password))
      fail("password-file", "the password in " + o.password_file + " must be 1-" +
                                std::to_string(chat::max_password_bytes) +
                                " bytes of UTF-8 on its first line");
  }

  void require(const std::string& key) const {
    if (vm.count(key)) return;
    std::string where = config_path.empty()
                            ? std::string(" (no config file: neither XDG_CONFIG_HOME nor HOME is set)")
                            : " or as \"" + key + " = ...\" in " + config_path.string();
    if (!config_path.empty() && o.config.empty()) where += " (which does not exist)";
    throw usage_error{"--" + key + " is required: give it on the command line" + where};
  }

  parse_outcome run(int argc, const char* const* argv) {
    po::options_description all("Usage: chatcli [--host H --port P --name N] [options]");
    all.add(command_line_only).add(settings);
    parse_outcome outcome;
    try {
      try {
        const auto parsed = po::command_line_parser(argc, argv).options(all).run();
        for (const auto& option : parsed.options) from_command_line.insert(option.string_key);
        po::store(parsed, vm);
      } catch (const po::error& e) {
        throw usage_error{e.what()};
      }
      if (vm.count("help")) {
        std::ostringstream text;
        text << all << '\n';
        outcome.out = text.str();
        return outcome;
      }
      if (vm.count("version")) {
        outcome.out = "chatcli " + std::string(chat::version_string) + '\n';
        return outcome;
      }
      const bool named = vm.count("config") != 0;
      config_path = named ? fs::path(vm["config"].as<std::string>()) : default_config_path(env);
      if (!config_path.empty()) read_config_file(named);
      try {
        po::notify(vm);
      } catch (const po::error& e) {
        throw usage_error{e.what()};
      }
      for (const char* key : {"host", "port", "name"}) require(key);

      auto& s = o.session;
      if (vm.count("reconnect") && o.reconnects < 0) fail("reconnect", "--reconnect must be 0 or more");
      if (!s.room.empty() && !chat::is_valid_room(s.room))
        fail("room", "--room must be 1-64 letters, digits, '_', '-', '.' or '#'");
      resolve_from_file("password-file", o.password_file);
      resolve_from_file("tls-ca", s.tls.ca_file);
      if (vm.count("password-file")) read_password_file();
      if (!s.tls.ca_file.empty() || s.tls.insecure) s.tls.enabled = true;
      if (!vm["no-history"].as<bool>()) o.history = default_history_path(env);
    } catch (const usage_error& e) {
      outcome.exit_code = exit_usage_error;
      outcome.error = "chatcli: " + e.message + " (see chatcli --help)";
      return outcome;
    }
    outcome.run = std::move(o);
    return outcome;
  }
};

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

environment environment::of_process() {
  return {variable("HOME"), variable("XDG_CONFIG_HOME"), variable("XDG_STATE_HOME")};
}

fs::path default_config_path(const environment& env) {
  const auto base = base_directory(env.xdg_config_home, env.home, ".config");
  return base.empty() ? base : base / "chatcli" / "config";
}

fs::path default_history_path(const environment& env) {
  const auto base = base_directory(env.xdg_state_home, env.home, ".local/state");
  return base.empty() ? base : base / "chatcli" / "history";
}

parse_outcome parse_options(int argc, const char* const* argv, const environment& env) {
  return parser(env).run(argc, argv);
}

}  // namespace chatcli
