// SPDX-License-Identifier: BSL-1.0
// An asynchronous chat client: connect, HELLO, send requests, and receive through callbacks.
//
// Every server message after WELCOME goes to the message handler; the end of the connection
// goes, once, to the close handler. The client answers the server's keep-alive PINGs itself.
//
// Requests come in two forms:
// - say(), join(), who(), ...: validate their arguments locally, queue one frame and return at
//   once. Their answers, and ERRORs for those the server refuses, arrive at the message handler
//   in the order the requests were made (docs/PROTOCOL.md 7.2).
// - async_join(), async_history(), async_list(), async_who(): the same requests, completing
//   when their answer is complete, with the answer, or with the ERROR that refused them. The
//   client attributes each ERROR to the oldest request not yet answered, as the spec says. The
//   answer's frames still reach the message handler, before the operation completes.
//
// Asynchronous operations (async_connect, async_hello and the awaited requests above):
// - take any Asio completion token: a callback, asio::use_future, asio::use_awaitable or
//   asio::deferred, ...;
// - complete through the handler's associated executor (by default the client's internal
//   strand); never inside the initiating call;
// - copy or move their arguments: nothing passed by the caller needs to outlive the call;
// - complete with asio::error::operation_aborted if the client is destroyed first, and with
//   the reason the connection ended (see close_handler) if it ends first. A handler must not
//   use a client that has been destroyed.
//
// Thread-safety: distinct objects: safe. Shared objects: the request functions, the async
// operations, ping(), bye() and close() may be called from any thread; set the handlers before
// async_connect(). The message and close handlers run on the client's strand, one at a time,
// and never while the library holds a lock, so they may call any member function. The
// destructor closes the connection and waits for a message or close handler running on another
// thread; neither starts after it returns, and a handler may destroy the client.
#pragma once

#include <chat/client_options.hpp>
#include <chat/export.hpp>
#include <chat/protocol.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chat {

namespace detail {
class client_connection;
using end_handler =
    boost::asio::any_completion_handler<void(boost::system::error_code, msg::server::end)>;
using history_handler = boost::asio::any_completion_handler<void(
    boost::system::error_code, std::vector<msg::server::message>, msg::server::end)>;
using list_handler = boost::asio::any_completion_handler<void(
    boost::system::error_code, std::vector<msg::server::room_info>, msg::server::end)>;
using who_handler = boost::asio::any_completion_handler<void(
    boost::system::error_code, std::vector<std::string>, msg::server::end)>;
using answer_handler =
    std::variant<std::monostate, end_handler, history_handler, list_handler, who_handler>;
}  // namespace detail


class CHAT_EXPORT client {
public:
  using message_handler = std::function<void(const server_message&)>;
  /// Called once when the connection ends: success after bye() or close(); errc::connection_closed
  /// when the server closed it; the server's ERROR code when it closed after a fatal error
  /// (too_slow, server_shutting_down, ...); otherwise the I/O error.
  using close_handler = std::function<void(boost::system::error_code)>;

  explicit client(boost::asio::any_io_executor executor, client_options options = {});
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sets the handler of every server message after WELCOME. Call before async_connect():
  /// handlers are not synchronised with the connection once it runs.
  void on_message(message_handler handler);
  /// Sets the handler of the end of the connection; call before async_connect().
  void on_close(close_handler handler);

  /// Resolves `host` and connects; with options.tls, also completes the TLS handshake,
  /// verifying the server's certificate for `host` (or tls.server_name) unless tls.insecure.
  /// Completion signature: void(error_code). Errors: those of resolving and connecting;
  /// with TLS, those of the handshake (asio::error::get_ssl_category(): e.g. "certificate
  /// verify failed", or the server refusing the version) and of loading tls.ca_file;
  /// already_connected; errc::operation_in_progress if a connect is under way.
  template <class CompletionToken>
  auto async_connect(std::string host, std::string port, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler, std::string h, std::string p) {
          start_connect(std::move(h), std::move(p), std::move(handler));
        },
        token, std::move(host), std::move(port));
  }

  /// Sends HELLO and waits for WELCOME or ERROR. A non-empty `room` is joined at once: its
  /// JOINED, TOPIC, history and END follow WELCOME to the message handler. On an ERROR (e.g.
  /// errc::name_taken) the connection stays open and async_hello may be tried again.
  /// Completion signature: void(error_code, msg::server::welcome).
  template <class CompletionToken>
  auto async_hello(std::string name, std::string room, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, msg::server::welcome)>(
        [this](auto handler, std::string n, std::string r) {
          start_hello(std::move(n), std::move(r), std::move(handler));
        },
        token, std::move(name), std::move(room));
  }

  /// RESUME instead of HELLO: takes over the session that `token` (the last
  /// msg::server::session received, see resume_token()) names, if the server still keeps it
  /// under `name`. Completes with WELCOME (a fresh msg::server::session follows it to the
  /// message handler); the session's rooms are kept, and the client catches up with HISTORY
  /// (docs/PROTOCOL.md 7.19). On an error (errc::resume_failed, or errc::unknown_type from a
  /// server without resume) the connection stays open: async_hello may follow.
  /// Completion signature: void(error_code, msg::server::welcome).
  template <class CompletionToken>
  auto async_resume(std::string name, std::string token, CompletionToken&& completion) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, msg::server::welcome)>(
        [this](auto handler, std::string n, std::string t) {
          start_resume(std::move(n), std::move(t), std::move(handler));
        },
        completion, std::move(name), std::move(token));
  }

  /// The token of the last msg::server::session received on this connection; empty if none.
  /// Any thread.
  std::string resume_token() const;

  /// JOIN, replaying the room's history after `after_id` (0: all it holds), completing when
  /// the greeting's END arrives: its last_id is the point to catch up from, its flags say
  /// whether history was missed. The greeting reaches the message handler first.
  /// Completion signature: void(error_code, msg::server::end). Errors: invalid_room;
  /// not_registered; not_connected; the server's refusal (already_in_room, too_many_rooms).
  template <class CompletionToken>
  auto async_join(std::string room, std::uint64_t after_id, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, msg::server::end)>(
        [this](auto handler, std::string r, std::uint64_t after) {
          start_join(std::move(r), after, std::move(handler));
        },
        token, std::move(room), after_id);
  }

  /// HISTORY: up to `limit` messages of a room you are in after `after_id`.
  /// Completion signature: void(error_code, std::vector<msg::server::message>,
  /// msg::server::end), the messages oldest first and flagged as history. Errors: as
  /// async_join; not_in_room.
  template <class CompletionToken>
  auto async_history(std::string room, std::uint64_t after_id, std::uint16_t limit,
                     CompletionToken&& token) {
    return boost::asio::async_initiate<
        CompletionToken,
        void(boost::system::error_code, std::vector<msg::server::message>, msg::server::end)>(
        [this](auto handler, std::string r, std::uint64_t after, std::uint16_t n) {
          start_history(std::move(r), after, n, std::move(handler));
        },
        token, std::move(room), after_id, limit);
  }

  /// LIST: every room, largest first (the END's end_truncated flag says the server stopped
  /// at its limit). Completion signature: void(error_code, std::vector<msg::server::room_info>,
  /// msg::server::end).
  template <class CompletionToken>
  auto async_list(CompletionToken&& token) {
    return boost::asio::async_initiate<
        CompletionToken,
        void(boost::system::error_code, std::vector<msg::server::room_info>, msg::server::end)>(
        [this](auto handler) { start_list(std::move(handler)); }, token);
  }

  /// WHO: the members of a room, in the order they joined. Completion signature:
  /// void(error_code, std::vector<std::string>, msg::server::end). Errors: as async_join;
  /// no_such_room.
  template <class CompletionToken>
  auto async_who(std::string room, CompletionToken&& token) {
    return boost::asio::async_initiate<
        CompletionToken,
        void(boost::system::error_code, std::vector<std::string>, msg::server::end)>(
        [this](auto handler, std::string r) { start_who(std::move(r), std::move(handler)); },
        token, std::move(room));
  }

  // Requests. Each returns, without waiting for the server: invalid_room, invalid_name,
  // invalid_text or invalid_utf8 for arguments that break the protocol's rules; not_registered
  // before async_hello has succeeded; not_connected once the connection is closing.

  /// SAY in a room you are in; the echo (a MESSAGE from you) is the acknowledgement.
  boost::system::error_code say(std::string_view room, std::string_view text);
  /// SAY with the action flag ("/me waves").
  boost::system::error_code act(std::string_view room, std::string_view text);
  /// PRIVATE to the user `to`; `flags` may be msg::flag_action.
  boost::system::error_code private_message(std::string_view to, std::string_view text,
                                            std::uint8_t flags = 0);
  /// JOIN, replaying the room's history after `after_id` (0: all it holds).
  boost::system::error_code join(std::string_view room, std::uint64_t after_id = 0);
  boost::system::error_code part(std::string_view room, std::string_view reason = {});
  /// LIST: room_info per room, then END.
  boost::system::error_code list_rooms();
  /// WHO: members frames, then END.
  boost::system::error_code who(std::string_view room);
  /// Asks for a room's TOPIC.
  boost::system::error_code topic(std::string_view room);
  /// Sets a room's topic (empty: clears it); every member gets TOPIC.
  boost::system::error_code set_topic(std::string_view room, std::string_view text);
  /// NICK: renamed reaches you and everyone sharing a room with you.
  boost::system::error_code nick(std::string_view name);
  /// HISTORY: up to `limit` messages after `after_id`, then END.
  boost::system::error_code history(std::string_view room, std::uint64_t after_id,
                                    std::uint16_t limit);
  /// Queues PING (allowed before HELLO); the PONG reaches the message handler.
  boost::system::error_code ping(std::uint64_t token);
  /// Sends BYE (with a reason the rooms see; an invalid one is dropped) and closes once
  /// everything queued is flushed.
  void bye(std::string_view reason = {});
  /// Closes at once, dropping anything queued.
  void close();

private:
  using connect_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  using join_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, msg::server::welcome)>;
  void start_connect(std::string host, std::string port, connect_handler handler);
  void start_hello(std::string name, std::string room, join_handler handler);
  void start_resume(std::string name, std::string token, join_handler handler);
  void start_join(std::string room, std::uint64_t after_id, detail::end_handler handler);
  void start_history(std::string room, std::uint64_t after_id, std::uint16_t limit,
                     detail::history_handler handler);
  void start_list(detail::list_handler handler);
  void start_who(std::string room, detail::who_handler handler);
  /// Queues `request`, tracking its answer; `handler`, if any, completes with it.
  template <class Request>
  boost::system::error_code send_request(const Request& request,
                                         detail::answer_handler handler = {});

  std::shared_ptr<detail::client_connection> connection_;
};

}  // namespace chat
