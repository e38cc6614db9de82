// SPDX-License-Identifier: BSL-1.0
// chatcli's options: the command line over the config file, and where its files are.
//
// Pure apart from reading the config file and the password file: no terminal, no network, no
// process environment (the caller passes it in), so the tests drive it with files of their own.
#pragma once

#include "chat_session.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace chatcli {

/// What the options depend on in the process environment.
struct environment {
  std::string home;             ///< $HOME
  std::string xdg_config_home;  ///< $XDG_CONFIG_HOME
  std::string xdg_state_home;   ///< $XDG_STATE_HOME

  /// This process's (getenv); unset variables are empty.
  static environment of_process();
};

/// `$XDG_CONFIG_HOME/chatcli/config`, or `$HOME/.config/chatcli/config` when XDG_CONFIG_HOME is
/// empty or relative (XDG Base Directory: a relative path is ignored); empty if HOME is empty too.
std::filesystem::path default_config_path(const environment& env);

/// `$XDG_STATE_HOME/chatcli/history`, else `$HOME/.local/state/chatcli/history`; empty as above.
std::filesystem::path default_history_path(const environment& env);

struct options {
  session_settings session;       ///< interactive, colour and reconnects are the caller's to set
  std::string password_file;
  bool no_color = false;
  int reconnects = -1;            ///< -1: the default for the mode
  std::filesystem::path history;  ///< Where to keep the line history; empty: keep none.
  std::filesystem::path config;   ///< The config file read; empty if none was.
};

/// What parse_options decided: run with `run`, or exit with `exit_code` after printing `out`
/// (help, version) to stdout and `error` (one line, a usage error) to stderr.
struct parse_outcome {
  std::optional<options> run;
  int exit_code = 0;
  std::string out;
  std::string error;
};

inline constexpr int exit_usage_error = 2;

/// Parses the command line, then the config file (`--config FILE`, which must then exist, else
/// default_config_path(env) if it exists) for whatever the command line did not give: the file
/// is `key = value` lines with the long option names as keys (Boost.Program_options' config
/// file syntax; `#` starts a comment). A relative path the file gives (password-file, tls-ca)
/// is taken from the file's directory. --host, --port and --name are required from one or the
/// other. A usage error (exit 2) names the option, and for the file its path and line.
parse_outcome parse_options(int argc, const char* const* argv, const environment& env);

}  // namespace chatcli
