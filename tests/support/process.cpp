// SPDX-License-Identifier: BSL-1.0
#include "support/process.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char** environ;

namespace test_support {
namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Writing to a child that has exited must fail with EPIPE, not kill the test.
void ignore_sigpipe_once() {
  static const bool done = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

// Milliseconds until `deadline` for poll(): rounded up so a wait never ends early, at least 0.
int poll_timeout(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
}

int open_pidfd([[maybe_unused]] pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  return -1;
#endif
}

struct pipe_pair {
  int read = -1;
  int write = -1;
};

pipe_pair make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  return {fds[0], fds[1]};
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno(errno, "fcntl");
}

// A new pseudo-terminal: the master (close-on-exec) and the path of its slave. Nobody holds
// the slave open until the child opens it, so the master reads end of output (EIO) once the
// child and everything it started have closed it.
struct pseudo_terminal {
  int master = -1;
  std::string slave_path;
};

pseudo_terminal open_pseudo_terminal() {
  pseudo_terminal pty;
  pty.master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty.master < 0) throw_errno(errno, "posix_openpt");
  auto fail = [&](const char* what) {
    const int error = errno;
    ::close(pty.master);
    throw_errno(error, what);
  };
  if (::fcntl(pty.master, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl");
  if (::grantpt(pty.master) != 0) fail("grantpt");
  if (::unlockpt(pty.master) != 0) fail("unlockpt");
  char path[128];
  if (const int rc = ::ptsname_r(pty.master, path, sizeof path); rc != 0) {
    errno = rc;
    fail("ptsname_r");
  }
  pty.slave_path = path;
  return pty;
}

// The inherited environment with each "NAME=value" of `overrides` replacing NAME.
std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool replaced = std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) {
      return name_of(o) == name_of(entry);
    });
    if (!replaced) env.emplace_back(entry);
  }
  for (const auto& o : overrides) {
    if (o.find('=') == std::string::npos)
      throw std::invalid_argument("child_process: environment entry without '=': " + o);
    env.push_back(o);
  }
  return env;
}

}  // namespace

child_process::child_process(std::vector<std::string> argv, child_options options) {
  if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
  ignore_sigpipe_once();
  name_ = argv.front();
  terminal_ = options.terminal;

  // Before any descriptor is open: a bad entry throws without leaking one.
  std::vector<std::string> env_storage;
  std::vector<char*> env_pointers;
  char** envp = environ;
  if (!options.environment.empty()) {
    env_storage = child_environment(options.environment);
    for (auto& e : env_storage) env_pointers.push_back(e.data());
    env_pointers.push_back(nullptr);
    envp = env_pointers.data();
  }

  // Parent ends are close-on-exec, so children started later do not hold them open.
  // On a terminal, `in` and `out` stay unused (-1): the pseudo-terminal takes their place.
  const pseudo_terminal pty = terminal_ ? open_pseudo_terminal() : pseudo_terminal{};
  const pipe_pair in = terminal_ ? pipe_pair{} : make_pipe();
  const pipe_pair out = terminal_ ? pipe_pair{} : make_pipe();
  const pipe_pair err = make_pipe();
  auto close_all = [&] {
    for (int fd : {pty.master, in.read, in.write, out.read, out.write, err.read, err.write})
      if (fd >= 0) ::close(fd);
  };

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (terminal_) {
#ifdef POSIX_SPAWN_SETSID
    // A new session without a controlling terminal: the first terminal it opens (without
    // O_NOCTTY) becomes its controlling terminal. setsid() runs before the file actions.
    flags = static_cast<short>(flags | POSIX_SPAWN_SETSID);
    const int open_flags = O_RDWR;
#else
    // Still in the test's session: do not take its terminal (isatty needs none).
    const int open_flags = O_RDWR | O_NOCTTY;
#endif
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, pty.slave_path.c_str(), open_flags, 0);
    posix_spawn_file_actions_adddup2(&actions, STDIN_FILENO, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  }
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);

  // The test ignores SIGPIPE and may block signals; the child starts clean.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, flags);

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  const int rc = ::posix_spawn(&pid_, args[0], &actions, &attr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    close_all();
    pid_ = -1;
    throw_errno(rc, "posix_spawn " + name_);
  }

  ::close(err.write);
  stderr_fd_ = err.read;
  if (terminal_) {
    stdout_fd_ = pty.master;
  } else {
    ::close(in.read);
    ::close(out.write);
    stdin_fd_ = in.write;
    stdout_fd_ = out.read;
  }
  try {
    if (terminal_) {
      // A descriptor of its own for writing, so close_stdin leaves the output readable.
      stdin_fd_ = ::fcntl(pty.master, F_DUPFD_CLOEXEC, 0);
      if (stdin_fd_ < 0) throw_errno(errno, "fcntl F_DUPFD_CLOEXEC");
    }
    set_nonblocking(stdin_fd_);
    set_nonblocking(stdout_fd_);  // on a terminal, also stdin_fd_: one open file description
    set_nonblocking(stderr_fd_);
  } catch (...) {
    release();  // no destructor runs for an object whose constructor throws
    throw;
  }
  pidfd_ = open_pidfd(pid_);  // -1 on kernels without pidfd: wait_exit then polls briefly
}

child_process::~child_process() { release(); }

void child_process::release() {
  close_fd(stdin_fd_);
  if (pid_ > 0 && !try_reap()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  close_fd(pidfd_);
}

void child_process::close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool child_process::try_reap() {
  if (status_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  if (WIFEXITED(status))
    status_ = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    status_ = 128 + WTERMSIG(status);
  else
    return false;
  close_fd(pidfd_);
  return true;
}

bool child_process::pump(clock::time_point deadline, bool block, bool watch_exit) {
  pollfd fds[3];
  nfds_t n = 0;
  auto add = [&](int fd) {
    if (fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
  };
  add(stdout_fd_);
  add(stderr_fd_);
  const bool exit_pollable = watch_exit && pidfd_ >= 0 && !status_;
  if (exit_pollable) add(pidfd_);
  const bool exit_by_polling = watch_exit && pidfd_ < 0 && !status_;
  if (n == 0 && !exit_by_polling) return false;

  int timeout = block ? poll_timeout(deadline) : 0;
  // Without a pidfd nothing signals the exit: look again with waitpid every few milliseconds.
  if (exit_by_polling) timeout = std::min(timeout, 5);
  const int ready = ::poll(n ? fds : nullptr, n, timeout);
  if (ready < 0) {
    if (errno == EINTR) return true;
    throw_errno(errno, "poll");
  }

  auto drain = [this](int& fd, std::string& into) {
    char buffer[4096];
    for (;;) {
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got > 0) {
        into.append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0) {
        close_fd(fd);
        return;
      } else if (errno != EINTR) {
        // A terminal's master reads EIO, not 0, once the child side is closed.
        if (errno != EAGAIN && errno != EWOULDBLOCK) close_fd(fd);
        return;
      }
    }
  };
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].fd == stdout_fd_) {
      const std::size_t from = stdout_.size();
      drain(stdout_fd_, stdout_);
      // The terminal shows "\n" as "\r\n" (and echoes typed "\n" so): keep plain "\n". A
      // lone "\r" (a line editor redrawing its line) stays: next_line shows what follows it.
      if (terminal_) {
        for (auto at = stdout_.find("\r\n", from > 0 ? from - 1 : 0); at != std::string::npos;
             at = stdout_.find("\r\n", at))
          stdout_.erase(at, 1);
      }
    } else if (fds[i].fd == stderr_fd_) {
      drain(stderr_fd_, stderr_);
    }
  }
  if (watch_exit) try_reap();
  return true;
}

bool child_process::write_stdin(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!data.empty()) {
    if (stdin_fd_ < 0) return false;
    const ssize_t put = ::write(stdin_fd_, data.data(), data.size());
    if (put >= 0) {
      data.remove_prefix(static_cast<std::size_t>(put));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;  // EPIPE: the child is gone
    pollfd p{stdin_fd_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, poll_timeout(deadline));
    if (ready == 0) return false;
    if (ready < 0 && errno != EINTR) return false;
  }
  return true;
}

void child_process::close_stdin() {
  if (terminal_ && stdin_fd_ >= 0) {
    // Closing the master would hang up the terminal (SIGHUP, and no more output): type the
    // end-of-file character instead, as a user would with Ctrl-D.
    termios settings{};
    const char eof = ::tcgetattr(stdin_fd_, &settings) == 0 && settings.c_cc[VEOF] != 0
                         ? static_cast<char>(settings.c_cc[VEOF])
                         : '\x04';
    write_stdin(std::string_view(&eof, 1));
  }
  close_fd(stdin_fd_);
}

std::optional<std::string> child_process::next_line(
    std::string& buffer, std::size_t& consumed, const int& fd,
    const std::function<bool(std::string_view)>& match, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    for (auto eol = buffer.find('\n', consumed); eol != std::string::npos;
         eol = buffer.find('\n', consumed)) {
      std::string line = buffer.substr(consumed, eol - consumed);
      consumed = eol + 1;
      // What a terminal shows after a carriage return: the text written over the line.
      if (const auto cr = line.rfind('\r'); cr != std::string::npos) line.erase(0, cr + 1);
      if (match(line)) return line;
    }
    // `fd` is a reference to the member: pump() sets it to -1 at end of output.
    if (fd < 0 || clock::now() >= deadline) return std::nullopt;
    pump(deadline, true, false);
  }
}

std::optional<std::string> child_process::read_line_until(
    const std::function<bool(std::string_view)>& match, std::chrono::milliseconds timeout) {
  return next_line(stdout_, consumed_, stdout_fd_, match, timeout);
}

std::optional<std::string> child_process::read_line_until(std::string_view needle,
                                                          std::chrono::milliseconds timeout) {
  return read_line_until(
      [needle](std::string_view line) { return line.find(needle) != std::string_view::npos; },
      timeout);
}

std::optional<std::string> child_process::read_until_contains(std::string_view needle,
                                                             std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (const auto at = stdout_.find(needle, consumed_); at != std::string::npos) {
      const std::size_t end = at + needle.size();
      std::string text = stdout_.substr(consumed_, end - consumed_);
      consumed_ = end;
      return text;
    }
    if (stdout_fd_ < 0 || clock::now() >= deadline) return std::nullopt;
    pump(deadline, true, false);
  }
}

std::optional<std::string> child_process::read_stderr_line_until(
    const std::function<bool(std::string_view)>& match, std::chrono::milliseconds timeout) {
  return next_line(stderr_, stderr_consumed_, stderr_fd_, match, timeout);
}

std::optional<std::string> child_process::read_stderr_line_until(
    std::string_view needle, std::chrono::milliseconds timeout) {
  return read_stderr_line_until(
      [needle](std::string_view line) { return line.find(needle) != std::string_view::npos; },
      timeout);
}

std::string child_process::stdout_so_far() {
  pump(clock::now(), false, false);
  return stdout_;
}

std::string child_process::stderr_so_far() {
  pump(clock::now(), false, false);
  return stderr_;
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);  // not reaped yet, so the pid is still ours
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!try_reap()) {
    if (clock::now() >= deadline) return std::nullopt;
    pump(deadline, true, true);
  }
  // The child's ends of the pipes closed when it exited: what is left is already buffered.
  while ((stdout_fd_ >= 0 || stderr_fd_ >= 0) && clock::now() < deadline) pump(deadline, true, false);
  pump(deadline, false, false);
  return status_;
}

}  // namespace test_support
