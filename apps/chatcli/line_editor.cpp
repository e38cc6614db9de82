// SPDX-License-Identifier: BSL-1.0
#include "line_editor.hpp"

#include "history_file.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

// readline.h uses FILE without including <stdio.h>.
#include <readline/history.h>
#include <readline/readline.h>

namespace chatcli {
namespace {

// Wakes the editor thread: requests from print()/set_prompt()/the destructor, and SIGWINCH.
// It lives as long as the process because the signal handler may run on any thread at any time
// and must never write to a descriptor that is being closed or has been reused.
struct wake_pipe {
  int read_fd;
  int write_fd;
};

const wake_pipe& process_wake_pipe() {
  static const wake_pipe pipe = [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
      throw std::system_error(errno, std::generic_category(), "line_editor: pipe2");
    return wake_pipe{fds[0], fds[1]};
  }();
  return pipe;
}

// Read by the signal handler, so lock-free atomics only.
std::atomic<int> signal_wake_fd{-1};
std::atomic<bool> terminal_resized{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

void wake(int fd) noexcept {
  const char byte = 0;
  // EAGAIN means the pipe is full: the thread has wake-ups pending anyway.
  while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
  }
}

void drain(int fd) noexcept {
  char buffer[64];
  while (::read(fd, buffer, sizeof buffer) > 0 || errno == EINTR) {
  }
}

// Readline must not run in a signal handler; the editor thread resizes when it wakes.
void on_sigwinch(int) {
  const int saved_errno = errno;
  terminal_resized.store(true);
  wake(signal_wake_fd.load());
  errno = saved_errno;
}

// Tab would otherwise complete file names, which means nothing in a chat line and can block the
// thread in a "Display all N possibilities? (y or n)" query.
char* no_completions(const char*, int) { return nullptr; }

// At the end of input readline's own deprep moves to a new line (when bracketed paste is on),
// which would leave the prompt behind; the editor erases the prompt line instead.
void deprep_terminal() {
  rl_eof_found = 0;
  rl_deprep_terminal();
}

void write_out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), rl_outstream);
  std::fflush(rl_outstream);
}

// Whether readline is showing a prompt of its own (Ctrl-R search, a numeric argument) that it
// will replace with the saved prompt when done; rl_set_prompt now would be undone then.
bool in_own_prompt_mode() {
  return RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH | RL_STATE_NUMERICARG) != 0;
}

}  // namespace

class line_editor::impl {
public:
  impl(std::string prompt, line_handler on_line, std::filesystem::path history);
  ~impl();
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  void print(std::string_view text);
  void set_prompt(std::string prompt);

private:
  void run() noexcept;
  void open_history() noexcept;
  bool serve_requests() noexcept;
  void apply_pending_prompt() noexcept;
  void take_pending_prompt() noexcept;
  void end_input() noexcept;
  void deliver_lines() noexcept;
  static void on_readline_line(char* line) noexcept;

  // The editor that readline's line callback, a plain function pointer, reports to.
  static inline std::atomic<impl*> current_{nullptr};

  const line_handler on_line_;

  // Requests from other threads.
  std::mutex mutex_;
  std::string output_;
  std::optional<std::string> requested_prompt_;
  bool stop_ = false;

  // Editor thread only (or before it starts).
  std::string prompt_;
  std::optional<std::string> pending_prompt_;
  bool reading_ = false;
  bool end_delivered_ = false;
  std::vector<std::string> entered_;
  const std::filesystem::path history_path_;
  std::optional<history_file> history_;  // opened and closed on the editor's thread

  struct sigaction previous_sigwinch_{};
  std::thread thread_;
};

line_editor::impl::impl(std::string prompt, line_handler on_line, std::filesystem::path history)
    : on_line_(std::move(on_line)), prompt_(std::move(prompt)), history_path_(std::move(history)) {
  if (!on_line_) throw std::invalid_argument("line_editor: on_line is empty");
  signal_wake_fd.store(process_wake_pipe().write_fd);
  impl* none = nullptr;
  if (!current_.compare_exchange_strong(none, this))
    throw std::logic_error("line_editor: another one exists (readline is process-wide state)");

  struct sigaction action{};
  action.sa_handler = &on_sigwinch;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGWINCH, &action, &previous_sigwinch_);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    ::sigaction(SIGWINCH, &previous_sigwinch_, nullptr);
    current_.store(nullptr);
    throw;
  }
}

line_editor::impl::~impl() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake(process_wake_pipe().write_fd);
  thread_.join();
  ::sigaction(SIGWINCH, &previous_sigwinch_, nullptr);
  current_.store(nullptr);
}

void line_editor::impl::print(std::string_view text) {
  {
    std::lock_guard lock(mutex_);
    output_.append(text);
    if (text.empty() || text.back() != '\n') output_.push_back('\n');
  }
  wake(process_wake_pipe().write_fd);
}

void line_editor::impl::set_prompt(std::string prompt) {
  {
    std::lock_guard lock(mutex_);
    requested_prompt_ = std::move(prompt);
  }
  wake(process_wake_pipe().write_fd);
}

void line_editor::impl::run() noexcept {
  rl_instream = stdin;
  rl_outstream = stdout;
  rl_readline_name = "chatcli";  // for "$if chatcli" in ~/.inputrc
  // Signals belong to the program; readline's handlers would also run on arbitrary threads.
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  // Otherwise readline calls setenv("LINES"/"COLUMNS"), racing with getenv on other threads
  // (localtime reads TZ, for one).
  rl_change_environment = 0;
  rl_completion_entry_function = &no_completions;
  rl_deprep_term_function = &deprep_terminal;
  // Enter on an empty line leaves no empty prompt line behind in the transcript.
  rl_erase_empty_line = 1;
  // Enough to scroll back through a session without growing for as long as the program runs.
  stifle_history(history_limit);
  open_history();

  rl_callback_handler_install(prompt_.c_str(), &impl::on_readline_line);
  // The terminal may have been resized while no editor was listening for SIGWINCH.
  rl_reset_screen_size();
  reading_ = true;

  const int wake_fd = process_wake_pipe().read_fd;
  for (;;) {
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {reading_ ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      // Apart from EINTR only a lack of memory gets here: give up on input (restoring the terminal), and keep
      // serving print() and the destructor through the wake-up pipe alone.
      if (errno != EINTR) end_input();
      deliver_lines();
      continue;
    }
    if (fds[0].revents != 0) drain(wake_fd);
    if (terminal_resized.exchange(false) && reading_) rl_resize_terminal();
    if (serve_requests()) break;
    if (fds[1].revents & POLLIN) {
      rl_callback_read_char();
      if (reading_) apply_pending_prompt();
    } else if (fds[1].revents != 0) {
      end_input();  // POLLHUP, POLLERR or POLLNVAL with nothing left to read: no terminal
    }
    deliver_lines();
  }
  end_input();
  history_.reset();
}

// Before the terminal is in editing mode, so a warning can go straight to stderr.
void line_editor::impl::open_history() noexcept {
  if (history_path_.empty()) return;
  try {
    history_.emplace(history_path_, history_limit);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatcli: warning: the line history is not kept: %s\n", e.what());
  }
}

// Shows queued output above the input line and takes a new prompt; true when asked to stop.
bool line_editor::impl::serve_requests() noexcept {
  std::string text;
  bool stop = false;
  {
    std::lock_guard lock(mutex_);
    text.swap(output_);
    if (requested_prompt_) {
      pending_prompt_ = std::move(requested_prompt_);
      requested_prompt_.reset();
    }
    stop = stop_;
  }
  if (!reading_) {
    if (!text.empty()) write_out(text);
    return stop;
  }
  const bool new_prompt = !stop && pending_prompt_ && !in_own_prompt_mode();
  if (text.empty() && !new_prompt) return stop;
  // Erase the prompt and the partial line (all its screen rows), write, then redraw them below.
  rl_clear_visible_line();
  write_out(text);
  if (new_prompt) take_pending_prompt();
  rl_on_new_line();
  if (!stop) rl_redisplay();  // on the way out the prompt stays erased
  return stop;
}

void line_editor::impl::apply_pending_prompt() noexcept {
  if (!pending_prompt_ || in_own_prompt_mode()) return;
  rl_clear_visible_line();
  take_pending_prompt();
  rl_on_new_line();
  rl_redisplay();
}

void line_editor::impl::take_pending_prompt() noexcept {
  prompt_.swap(*pending_prompt_);
  pending_prompt_.reset();
  rl_set_prompt(prompt_.c_str());  // readline keeps its own copy
}

// Stops reading: erases the prompt line and restores the terminal mode (in the handler removal).
void line_editor::impl::end_input() noexcept {
  if (!reading_) return;
  reading_ = false;
  rl_callback_sigcleanup();  // abandon a search or key sequence in progress
  rl_free_line_state();      // undo list, numeric argument, keyboard macro of the partial line
  rl_clear_visible_line();
  rl_callback_handler_remove();
  std::fflush(rl_outstream);
}

// Hands entered lines to on_line outside readline: an exception must not unwind through C code,
// and print() calls made by on_line find the terminal in editing mode.
void line_editor::impl::deliver_lines() noexcept {
  try {
    for (auto& line : entered_) on_line_(std::move(line));
  } catch (...) {
    end_input();  // see line_handler: a throwing handler ends input
  }
  entered_.clear();
  if (!reading_ && !end_delivered_) {
    end_delivered_ = true;
    try {
      on_line_(std::nullopt);
    } catch (...) {  // nobody to report it to; input is over already
    }
  }
}

void line_editor::impl::on_readline_line(char* raw) noexcept {
  const std::unique_ptr<char, decltype(&std::free)> line(raw, &std::free);
  impl& self = *current_.load();
  if (!line) {  // end of input
    self.end_input();
    return;
  }
  const std::string_view text(line.get());
  try {
    // Recall what was typed, skipping blank lines and immediate repeats.
    if (!text.empty()) {
      const HIST_ENTRY* last = history_get(history_base + history_length - 1);
      if (last == nullptr || text != last->line) {
        add_history(line.get());
        // A failure (a full disk) loses this line from the file only; nothing to show it on
        // here, in the middle of readline's line handling.
        if (self.history_) self.history_->record_newest();
      }
    }
    // Bracketed paste puts pasted newlines into the line itself; on_line gets single lines.
    for (std::size_t begin = 0;;) {
      const auto end = text.find('\n', begin);
      self.entered_.emplace_back(text.substr(begin, end - begin));
      if (end == std::string_view::npos) break;
      begin = end + 1;
    }
  } catch (...) {  // out of memory: the line is lost, but the editor carries on
  }
}

line_editor::line_editor(std::string prompt, line_handler on_line, std::filesystem::path history)
    : impl_(std::make_unique<impl>(std::move(prompt), std::move(on_line), std::move(history))) {}

line_editor::~line_editor() = default;

void line_editor::print(std::string_view text) { impl_->print(text); }

void line_editor::set_prompt(std::string prompt) { impl_->set_prompt(std::move(prompt)); }

}  // namespace chatcli
