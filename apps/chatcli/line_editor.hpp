// SPDX-License-Identifier: BSL-1.0
// chatcli::line_editor: an editable input line (GNU readline) at the bottom of the terminal, with
// other output scrolling above it.
//
// Thread safety: print() and set_prompt() may be called from any thread, concurrently. The
// constructor and destructor must not overlap any other call on the same object. Readline is
// process-wide state, so at most one line_editor may exist at a time; all readline calls happen
// on the editor's own thread.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace chatcli {

/// Reads lines from the terminal with readline's editing keys, ~/.inputrc and a history (arrow
/// keys recall earlier lines, of this run and, with a history file, of earlier ones), while
/// other threads print above the line being typed.
///
/// While it exists, a line_editor owns the terminal:
/// - stdin is read by the editor only, and all output meant for stdout must go through print():
///   anything written directly is overwritten when the input line is redrawn.
/// - It handles SIGWINCH; the previous disposition is restored by the destructor.
/// - SIGINT, SIGQUIT and SIGTSTP stay with the program (readline's own handlers are off), and
///   Ctrl-C raises SIGINT as usual. If such a signal kills the process, the terminal is left
///   without echo; a program should catch SIGINT and SIGTERM (e.g. with boost::asio::signal_set)
///   and destroy the editor before it exits.
///
/// Preconditions:
/// - stdin and stdout are a terminal; check isatty() and use plain I/O otherwise.
/// - std::setlocale(LC_CTYPE, "") (or LC_ALL) was called before other threads started.
///   Readline sets LC_CTYPE from the environment when it first initialises, from the editor's
///   thread; done earlier, that is a no-op. It is also what makes readline edit UTF-8 text as
///   characters rather than bytes.
class line_editor {
public:
  /// Receives each line the user enters, without its newline, and std::nullopt once at the end
  /// of input (Ctrl-D on an empty line, or the terminal going away). Text pasted as several lines
  /// arrives as several calls. Called on the editor's thread: it must not block for long (output
  /// and input wait meanwhile) and must not destroy the editor. If it throws, the exception is
  /// dropped and input ends as at Ctrl-D: the terminal mode is restored, on_line(std::nullopt)
  /// follows (any exception from that is dropped too), and print() keeps working.
  using line_handler = std::function<void(std::optional<std::string>)>;

  /// Puts the terminal in editing mode, shows `prompt` and starts reading.
  /// The prompt is a single line with no NUL. Terminal escape sequences in it (colours) must be
  /// enclosed in RL_PROMPT_START_IGNORE ('\001') and RL_PROMPT_END_IGNORE ('\002') so that
  /// readline does not count them as columns, e.g. "\001\033[1m\002> \001\033[0m\002".
  /// With a `history` path, the history is read from that file, and each line entered is
  /// appended to it (history_file: at most history_limit lines are kept); if the file cannot
  /// be created or read, one warning goes to stderr and the history stays in memory only.
  /// Throws std::logic_error if another line_editor exists, std::invalid_argument if `on_line`
  /// is empty, std::system_error if the thread or its wake-up pipe cannot be created.
  line_editor(std::string prompt, line_handler on_line, std::filesystem::path history = {});

  /// The most lines the history holds, in memory and in its file.
  static constexpr int history_limit = 1000;

  /// Shows everything passed to print() before the call, erases the prompt line (leaving the
  /// cursor at the start of an empty line), restores the terminal mode and stops the thread.
  /// Lines the user typed but did not finish are discarded.
  ~line_editor();

  line_editor(const line_editor&) = delete;
  line_editor& operator=(const line_editor&) = delete;

  /// Shows `text` above the input line, keeping what the user is typing and the cursor position.
  /// `text` is one or more '\n'-separated lines; the final newline is optional. It is written as
  /// is, so it must already be safe for the terminal. After the end of input it is just written.
  void print(std::string_view text);

  /// Replaces the prompt (same rules as in the constructor). While the user is in a mode with a
  /// prompt of its own, such as Ctrl-R search, the change waits until that mode ends.
  void set_prompt(std::string prompt);

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace chatcli
