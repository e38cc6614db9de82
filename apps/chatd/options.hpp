// SPDX-License-Identifier: BSL-1.0
// chatd's options: the table (command line and config file alike), and what they make: the
// server's options and chatd's own (logging, the admin endpoint).
#pragma once

#include "startup_error.hpp"

#include <chat/server_options.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/program_options/options_description.hpp>

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace chatd {

enum class log_format { logfmt, json };
enum class log_target { standard_error, journal, syslog };

struct daemon_options {
  /// Everything but `log`, which main wires to the log queue.
  chat::server_options server;
  std::string config_file;  ///< --config; empty: none
  log_format format = log_format::logfmt;
  log_target target = log_target::standard_error;
  std::optional<boost::asio::ip::tcp::endpoint> admin;  ///< --admin; empty: off
};

/// The options a config file may set, as keys named like the long options: every option but
/// --help, --version and --config. Each with its default and its help text (the values are
/// bound to nothing: for listing them, as the tests of etc/chatd.conf do).
boost::program_options::options_description setting_options();

/// Reads the command line `args` (args[0] the program), then the --config file if one is
/// given, the command line overriding the file (a repeatable option given on the command line
/// replaces the file's values). Returns nullopt when --help or --version was answered on
/// `out`. Throws startup_error on a bad option, value or file; the message names the option
/// ("--port must be ..."), or, when it comes from the file, the file and the line
/// ("chatd.conf:12: port must be ...", "chatd.conf:3: unknown option 'prot'"). The password
/// file is read here, so calling this again (on SIGHUP) reads both files again.
std::optional<daemon_options> load_options(const std::vector<std::string>& args, std::ostream& out);

/// The default --max-connections: a little below the soft RLIMIT_NOFILE; 0 (no limit) when
/// the limit is unknown or infinite.
std::size_t default_max_connections();

}  // namespace chatd
