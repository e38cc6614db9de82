// SPDX-License-Identifier: BSL-1.0
// A child process for end-to-end tests (POSIX): stdin, stdout and stderr on pipes, or stdin
// and stdout on a pseudo-terminal (child_options::terminal) so the child sees a user's tty.
//
// Every wait takes a timeout and waits on events (poll on the pipes, a pidfd), never sleeps.
// The destructor kills (SIGKILL) and reaps a child that is still running, so a failing test
// leaks no processes. Not thread-safe: use one child_process from one thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace test_support {

struct child_options {
  /// Run the child with stdin and stdout on a new pseudo-terminal (stderr stays a pipe), as
  /// in a terminal session: isatty() is true for both, and where the C library can start a
  /// new session (POSIX_SPAWN_SETSID) the child leads it with the terminal as its controlling
  /// terminal. The terminal keeps its default settings (canonical input, echo, "\n" shown as
  /// "\r\n"), so:
  ///  - what write_stdin sends is echoed into the output, as typed text would be;
  ///  - '\r' is removed from the output as it is read (stdout lines end in "\n" as from a pipe);
  ///  - close_stdin sends the end-of-file character (Ctrl-D): the child reads end of input if
  ///    nothing unterminated was written before it.
  bool terminal = false;
  /// "NAME=value" entries added to the inherited environment, replacing any NAME there
  /// (e.g. "TERM=dumb" so a child on a terminal does not try cursor control).
  std::vector<std::string> environment;
};

class child_process {
public:
  /// Starts argv[0] (a path; PATH is not searched) with argv as its arguments. The child
  /// inherits the environment (with `options.environment` applied), with default signal
  /// dispositions and an empty signal mask. Throws std::system_error if the process cannot be
  /// started.
  explicit child_process(std::vector<std::string> argv, child_options options = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// True if stdin and stdout are on a pseudo-terminal (child_options::terminal).
  bool on_terminal() const { return terminal_; }

  /// Writes all of `data` to the child's stdin. False if the child no longer reads it (stdin
  /// closed, child gone) or if it did not take everything within `timeout`.
  bool write_stdin(std::string_view data,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Closes the child's stdin: the child reads end of input. On a terminal this sends the
  /// end-of-file character and stops writing; the terminal stays open for the output.
  void close_stdin();

  /// The next complete stdout line (without its '\n') for which `match` is true. Lines before
  /// it are consumed (they stay in stdout_so_far()). nullopt if no such line arrives within
  /// `timeout` or stdout ends first.
  std::optional<std::string> read_line_until(const std::function<bool(std::string_view)>& match,
                                             std::chrono::milliseconds timeout);
  /// As above, for the next line that contains `needle`.
  std::optional<std::string> read_line_until(std::string_view needle,
                                             std::chrono::milliseconds timeout);

  /// Waits until stdout, past what has been consumed, contains `needle`, whether or not a line
  /// has ended there (a prompt that waits for input ends without "\n"). Returns the text up to
  /// and including `needle` and consumes it: read_line_until then starts with the rest of
  /// that line. nullopt if `needle` does not arrive within `timeout` or stdout ends first.
  std::optional<std::string> read_until_contains(std::string_view needle,
                                                 std::chrono::milliseconds timeout);

  /// As read_line_until, for stderr lines (consumed separately: stderr_so_far() keeps them).
  std::optional<std::string> read_stderr_line_until(
      const std::function<bool(std::string_view)>& match, std::chrono::milliseconds timeout);
  std::optional<std::string> read_stderr_line_until(std::string_view needle,
                                                    std::chrono::milliseconds timeout);

  /// Everything the child wrote to stdout / stderr that has been read so far (reads what is
  /// available now without waiting).
  std::string stdout_so_far();
  std::string stderr_so_far();

  /// Sends `sig` to the child unless it has already been reaped.
  void signal(int sig);

  /// The exit status (or 128 + signal number if a signal ended it) once the child has exited,
  /// or nullopt if it is still running at `timeout`. After the exit, stdout and stderr are
  /// read to their end (bounded by the same timeout). Repeated calls return the same status.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

private:
  using clock = std::chrono::steady_clock;

  // Waits until `deadline` (or not at all with `block` false) for output or the exit, and
  // reads whatever output is available. False when nothing more can happen (pipes at EOF).
  bool pump(clock::time_point deadline, bool block, bool watch_exit);
  bool try_reap();
  // Closes stdin, kills (SIGKILL) and reaps the child if it still runs, closes the rest.
  void release();
  // The next line of `buffer` past `consumed` that `match` accepts, pumping the pipe `fd`.
  std::optional<std::string> next_line(std::string& buffer, std::size_t& consumed, const int& fd,
                                       const std::function<bool(std::string_view)>& match,
                                       std::chrono::milliseconds timeout);
  void close_fd(int& fd);

  std::string name_;
  bool terminal_ = false;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;   // on a terminal: a duplicate of the master, so it closes on its own
  int stdout_fd_ = -1;  // on a terminal: the master
  int stderr_fd_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
  std::string stdout_;
  std::string stderr_;
  std::size_t consumed_ = 0;         // bytes of stdout_ handed out by read_line_until
  std::size_t stderr_consumed_ = 0;  // bytes of stderr_ handed out by read_stderr_line_until
};

}  // namespace test_support
