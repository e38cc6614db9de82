// SPDX-License-Identifier: BSL-1.0
// chatcli's conversation with the server: turns typed lines into requests, server messages into
// lines, and keeps the session alive across dropped connections (reconnect with backoff, then
// restore name and rooms and fetch exactly what was missed).
//
// Threading: everything runs on one thread of the given io_context (chatcli runs it on one);
// input() and end_of_input() may be called from any thread and are posted there.
#pragma once

#include "command.hpp"
#include "render.hpp"
#include "room_memory.hpp"

#include <chat/client.hpp>
#include <chat/client_tls_options.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chatcli {

struct session_settings {
  std::string host;
  std::string port;
  std::string name;
  std::string room;                     ///< Joined first; empty: none.
  std::string password;                 ///< The server password (PASS); empty: none.
  std::optional<unsigned> reconnects;   ///< Attempts after a drop; nullopt: no limit.
  bool interactive = false;             ///< A person at a terminal: may be asked for a new name.
  bool colour = false;
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  chat::client_tls_options tls;         ///< Off: plain TCP.
};

/// Where chatcli's output goes.
struct session_output {
  std::function<void(const std::string&)> line;    ///< One line for the user (stdout).
  std::function<void(const std::string&)> fatal;   ///< Why chatcli exits with 1 (stderr).
  std::function<void(const std::string&)> prompt;  ///< The input prompt changed.
  std::function<void(const std::string&)> ask;     ///< A question the next line answers.
};

class chat_session {
public:
  chat_session(boost::asio::io_context& io, session_settings settings, session_output output);
  ~chat_session();
  chat_session(const chat_session&) = delete;
  chat_session& operator=(const chat_session&) = delete;

  /// Connects. The exit code becomes ready when the session is over.
  void start();
  /// A line the user typed. Any thread.
  void input(std::string line);
  /// The user's input ended (Ctrl-D, end of a pipe): like /quit. Any thread.
  void end_of_input();
  /// Ctrl-C: /quit when online, else stop at once. Any thread.
  void interrupt();
  /// 0 after /quit or end of input; 1 when the server cannot be reached (no attempts left), or
  /// refuses the name and nobody can pick another.
  std::future<int> exit_code() { return exit_code_.get_future(); }

private:
  enum class state { connecting, registering, online, waiting, quitting, done };

  void connect();
  void on_connected(boost::system::error_code ec);
  void send_hello();
  /// RESUME of the last connection's session; HELLO if the server cannot resume it.
  void send_resume();
  void on_resumed(boost::system::error_code ec, const chat::msg::server::welcome& welcome);
  /// Online after WELCOME (to HELLO or RESUME): catches the rooms up, one at a time.
  void go_online(const chat::msg::server::welcome& welcome);
  void rejoin_next();
  /// The JOIN of `room` (empty: the one pending, refused) is answered; rejoin the next.
  void rejoin_answered(const std::string& room);
  void on_welcome(boost::system::error_code ec, const chat::msg::server::welcome& welcome);
  void on_message(const chat::server_message& m);
  void on_closed(boost::system::error_code ec);
  void retry_later(const std::string& why);
  void finish(int code, const std::string& why = {});

  void handle_line(std::optional<std::string> line);
  void run_command(const command::any& c);
  void send_text(std::string_view text, bool as_action);
  /// Sends `text` with `send`, in pieces when it is longer than one message may be.
  void send_pieces(std::string_view text,
                   const std::function<boost::system::error_code(std::string_view)>& send);
  void flush_pending_input();

  void show(const std::string& line);
  void notice(const std::string& text);
  void show_error(boost::system::error_code ec, const std::string& what);
  void update_prompt();
  render_context context() const;
  /// The room a command names, or the current one when it names none.
  std::optional<std::string> room_or_current(const std::string& named);

  boost::asio::io_context& io_;
  const session_settings settings_;
  const session_output output_;
  std::promise<int> exit_code_;

  std::unique_ptr<chat::client> client_;
  unsigned generation_ = 0;  // of client_: events from an older client are ignored
  state state_ = state::connecting;
  bool ever_online_ = false;
  bool asking_for_name_ = false;
  unsigned failed_attempts_ = 0;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer quit_timer_;

  std::string name_;
  room_memory rooms_;
  /// History MESSAGEs of a JOIN or HISTORY answer, shown together when its END arrives.
  std::map<std::string, std::vector<chat::msg::server::message>> replaying_;
  bool resumed_ = false;  // the current connection is a reconnect
  std::deque<std::optional<std::string>> pending_input_;  // typed while not online
  std::deque<std::string> rejoining_;  // rooms still to JOIN after (re)connecting, in order
  // After a RESUME the rooms are still ours: rejoining_ then catches up with HISTORY instead.
  bool catching_up_by_history_ = false;
  std::string resume_token_;  // of the last connection's session; empty: HELLO, not RESUME
};

}  // namespace chatcli
