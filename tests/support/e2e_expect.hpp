// SPDX-License-Identifier: BSL-1.0
// What the end-to-end tests share: waits on chatd, chatcli and the examples run as processes,
// each with a deadline, that fail the test with the process's output when nothing comes, and
// the launchers for chatd and chatcli.
#pragma once

// The launchers, and the tests that run the binaries with arguments of their own, need both.
#ifndef CHATD_PATH
#error "CHATD_PATH must name the chatd binary"
#endif
#ifndef CHATCLI_PATH
#error "CHATCLI_PATH must name the chatcli binary"
#endif

#include "support/process.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace test_support {

// Generous: a debug build on a loaded machine. Waits end as soon as the event happens.
inline constexpr std::chrono::milliseconds step = std::chrono::seconds(15);

bool contains(std::string_view s, std::string_view needle);
std::size_t occurrences(const std::string& s, std::string_view needle);

/// All the child printed so far, "stdout:\n...stderr:\n...", for failure messages.
std::string output_of(child_process& p);

/// The next stdout line `match` accepts; fails the test ("`who` never printed `what`") with
/// the output if none comes within `timeout`.
std::string expect(child_process& p, const std::string& who,
                   const std::function<bool(std::string_view)>& match, const std::string& what,
                   std::chrono::milliseconds timeout = step);
/// The next stdout line that matches `pattern` as a whole (ECMAScript).
std::string expect_line(child_process& p, const std::string& who, const std::string& pattern);
/// The exit status; fails the test with the output if the child still runs after `step`.
int expect_exit(child_process& p, const std::string& who);

/// Waits for the line "`prefix`127.0.0.1:PORT" (the servers here are told to listen on port 0)
/// and returns PORT.
std::string listening_port(child_process& p, const std::string& who, const std::string& prefix);

/// The built chatd on 127.0.0.1 and `listen_port` (0: one the system picks), run with `extra`
/// arguments; constructed once it listens. Left running: a test stops it when its checks need.
struct chatd_server {
  child_process process;
  std::string port;

  explicit chatd_server(std::vector<std::string> extra = {}, const std::string& listen_port = "0");
};

/// `options` for a chatcli run with `argv`, kept away from the user's own chatcli files: no
/// config file is read unless `options` sets XDG_CONFIG_HOME, and no history is kept (argv
/// gains --no-history) unless it sets XDG_STATE_HOME.
child_options chatcli_isolated(child_options options, std::vector<std::string>& argv);

/// The built chatcli for `name` at 127.0.0.1:`port`, run with `extra` arguments; stdin and
/// stdout on pipes unless `options` asks for a terminal. Isolated as by chatcli_isolated.
child_process start_chatcli(const std::string& port, const std::string& name,
                            std::vector<std::string> extra = {}, child_options options = {});

}  // namespace test_support
