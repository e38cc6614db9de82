// SPDX-License-Identifier: BSL-1.0
#include <chat/client.hpp>
#include <chat/text.hpp>

#include "client/client_stream.hpp"
#include "client/request_tracker.hpp"
#include "transport/stream_connection.hpp"

#include <openssl/x509_vfy.h>

#include <boost/asio/append.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace chat {
namespace detail {

namespace asio = boost::asio;
using boost::system::error_code;

using tcp = asio::ip::tcp;

// The user's handlers, called without any library lock held. They are set before the
// connection starts (client.hpp) and only read after. forget() waits for a handler running on
// another thread; a handler may destroy the client (forget() from inside it returns at once).
// No lock is taken per message: two atomics, which forget() and a running handler check in
// opposite order, so at least one sees the other.
class user_handlers {
public:
  void set_message(client::message_handler h) { on_message_ = std::move(h); }
  void set_close(client::close_handler h) { on_close_ = std::move(h); }
  void message(const server_message& m) { invoke(on_message_, m); }
  void close(error_code reason) {
    if (!close_called_.exchange(true)) invoke(on_close_, reason);
  }
  /// After this returns no handler runs.
  void forget() {
    forgotten_.store(true);
    if (running_.load() && running_on_.load() == std::this_thread::get_id()) return;
    while (running_.load()) running_.wait(true);
  }

private:
  template <class Handler, class Arg>
  void invoke(const Handler& handler, const Arg& arg) {
    if (!handler || forgotten_.load()) return;
    running_on_.store(std::this_thread::get_id());
    running_.store(true);
    struct done {
      std::atomic<bool>& running;
      ~done() {
        running.store(false);
        running.notify_all();
      }
    } guard{running_};
    if (forgotten_.load()) return;
    handler(arg);
  }

  client::message_handler on_message_;
  client::close_handler on_close_;
  std::atomic<bool> forgotten_ = false;
  std::atomic<bool> running_ = false;  // handlers run on one strand: at most one at a time
  std::atomic<std::thread::id> running_on_{};
  std::atomic<bool> close_called_ = false;
};

// Completes an awaited request's handler (if any) with its answer, honouring the handler's
// executor; inline when that allows, so that it runs right after the message handler.
void finish(finished_request done) {
  auto& r = done.request;
  std::visit(
      [&](auto& h) {
        using handler_type = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<handler_type, end_handler>)
          asio::dispatch(asio::append(std::move(h), done.error, std::move(done.end)));
        else if constexpr (std::is_same_v<handler_type, history_handler>)
          asio::dispatch(asio::append(std::move(h), done.error, std::move(r.messages), std::move(done.end)));
        else if constexpr (std::is_same_v<handler_type, list_handler>)
          asio::dispatch(asio::append(std::move(h), done.error, std::move(r.rooms), std::move(done.end)));
        else if constexpr (std::is_same_v<handler_type, who_handler>)
          asio::dispatch(asio::append(std::move(h), done.error, std::move(r.names), std::move(done.end)));
      },
      r.handler);
}

// The TLS context of one client (its trust and verification settings), or null with `ec`
// set when a CA file cannot be loaded; null without an error for plain TCP.
std::shared_ptr<asio::ssl::context> make_client_tls_context(const client_tls_options& o, error_code& ec) {
  if (!o.enabled) return nullptr;
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ::SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                       SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (o.insecure) {
    context->set_verify_mode(asio::ssl::verify_none);
    return context;
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  if (o.ca_file.empty())
    context->set_default_verify_paths(ec);
  else
    context->load_verify_file(o.ca_file, ec);
  return context;
}

client_stream make_client_stream(const asio::any_io_executor& executor,
                                 std::shared_ptr<asio::ssl::context> tls) {
  tcp::socket socket(asio::make_strand(executor));
  if (tls) return client_stream(std::move(socket), std::move(tls));
  return client_stream(std::move(socket));
}

class client_connection final : public stream_connection<client_stream> {
public:
  using connect_handler = asio::any_completion_handler<void(error_code)>;
  using join_handler = asio::any_completion_handler<void(error_code, msg::server::welcome)>;

  client_connection(const asio::any_io_executor& executor, const client_options& options)
      : client_connection(executor, options, options.tls, error_code{}) {}

  /// Any thread.
  std::string resume_token() const {
    std::lock_guard lock(requests_mutex_);
    return resume_token_;
  }

  /// Any thread: whether the TCP connection is up.
  bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
  /// Any thread: whether WELCOME has arrived (requests other than PING and BYE need it).
  bool registered() const noexcept { return registered_.load(std::memory_order_acquire); }

  std::shared_ptr<client_connection> self() {
    return std::static_pointer_cast<client_connection>(shared_from_this());
  }

  user_handlers& handlers() noexcept { return handlers_; }

  /// Queues a frame; false once closing. Any thread.
  bool send(shared_frame frame) { return out()->push(std::move(frame)); }

  /// Queues a request's frame and notes that its answer is awaited; false once closing. Any
  /// thread: the lock keeps the tracker's order the order of the frames on the wire.
  /// `r` is moved from only when it succeeds, so a caller can still complete r's handler.
  bool send_request(shared_frame frame, pending_request& r) {
    std::lock_guard lock(requests_mutex_);
    if (!send(std::move(frame))) return false;
    requests_.sent(std::move(r));
    return true;
  }

  /// What a NICK to `name` would be now. Any thread.
  enum class nick_status { awaited, current_name, new_name };
  nick_status nick_to(std::string_view name) {
    std::lock_guard lock(requests_mutex_);
    if (requests_.awaiting(client_message_type::nick)) return nick_status::awaited;
    return requests_.own_name() == name ? nick_status::current_name : nick_status::new_name;
  }

  /// Completes an awaited request that could not be sent, through the strand.
  void refuse(answer_handler handler, error_code ec) {
    asio::post(executor(), [ec, handler = std::move(handler)]() mutable {
      finish({pending_request{{}, {}, {}, 0, std::move(handler), {}, {}, {}}, ec, {}});
    });
  }

  void connect(std::string host, std::string port, connect_handler handler) {
    asio::dispatch(executor(), [self = self(), host = std::move(host), port = std::move(port),
                                handler = std::move(handler)]() mutable {
      if (self->connect_pending_ || self->connected()) {
        const error_code ec = self->connected()
                                  ? error_code(asio::error::already_connected)
                                  : make_error_code(errc::operation_in_progress);
        return self->complete(std::move(handler), ec);
      }
      if (self->tls_setup_error_) return self->complete(std::move(handler), self->tls_setup_error_);
      self->connect_pending_ = std::move(handler);
      self->resolver_.async_resolve(
          host, port, [self, host](error_code ec, const tcp::resolver::results_type& endpoints) {
            if (ec) return self->finish_connect(ec);
            asio::async_connect(self->stream().socket(), endpoints,
                                [self, host](error_code connect_ec, const tcp::endpoint&) {
                                  if (connect_ec || !self->stream().tls())
                                    return self->finish_connect(connect_ec);
                                  self->handshake(host);
                                });
          });
    });
  }

  void hello(std::string name, std::string room, join_handler handler) {
    asio::dispatch(executor(), [self = self(), name = std::move(name), room = std::move(room),
                                handler = std::move(handler)]() mutable {
      pending_request tracked{client_message_type::hello, fold_case(room), {}, 0, {}, {}, {}, {}};
      self->register_with(
          encode_shared(msg::client::hello{protocol_version, std::move(name), std::move(room)}),
          std::move(tracked), self->ask_resume_, std::move(handler));
    });
  }

  void resume(std::string name, std::string token, join_handler handler) {
    asio::dispatch(executor(), [self = self(), name = std::move(name), token = std::move(token),
                                handler = std::move(handler)]() mutable {
      pending_request tracked{client_message_type::resume, {}, {}, 0, {}, {}, {}, {}};
      self->register_with(
          encode_shared(msg::client::resume{protocol_version, std::move(name), std::move(token)}),
          std::move(tracked), true, std::move(handler));
    });
  }

private:
  // Sends HELLO or RESUME (`request`), preceded by what the options ask for: CAP "resume",
  // PASS. Their answers (CAPS, or ERROR unknown_type from a server without extensions) are the
  // library's, not shown to the message handler. On the strand.
  void register_with(shared_frame request, pending_request tracked, bool ask_resume,
                     join_handler handler) {
    if (join_pending_)
      return complete(std::move(handler), make_error_code(errc::operation_in_progress),
                      msg::server::welcome{});
    if (!connected())
      return complete(std::move(handler), make_error_code(errc::not_connected), msg::server::welcome{});
    bool sent = true;
    if (ask_resume) {
      pending_request cap{client_message_type::cap, {}, {}, 0, {}, {}, {}, {}};
      sent = send_request(encode_shared(msg::client::cap{{capability_resume}}), cap);
    }
    if (sent && !password_.empty()) {
      pending_request pass{client_message_type::pass, {}, {}, 0, {}, {}, {}, {}};
      sent = send_request(encode_shared(msg::client::pass{password_}), pass);
    }
    if (!sent || !send_request(std::move(request), tracked))
      return complete(std::move(handler), make_error_code(errc::not_connected), msg::server::welcome{});
    join_pending_ = std::move(handler);
  }

  client_connection(const asio::any_io_executor& executor, const client_options& options,
                    const client_tls_options& tls, error_code tls_error)
      : stream_connection(make_client_stream(executor, make_client_tls_context(tls, tls_error)),
                          {options.max_frame,
                           {options.max_queue_bytes, options.max_queue_bytes},
                           options.close_timeout},
                          wire_codec::v2),
        resolver_(this->executor()),
        tls_options_(tls),
        tls_setup_error_(tls_error),  // set by make_client_tls_context: the base is made first
        password_(options.password),
        ask_resume_(options.resume) {}

  // TLS, once TCP is connected: the server's name as SNI (unless it is an address) and as what
  // its certificate must be for (unless insecure); connecting completes when the handshake has.
  void handshake(const std::string& host) {
    auto& tls = *stream().tls();
    const std::string& name = tls_options_.server_name.empty() ? host : tls_options_.server_name;
    if (SSL* ssl = tls.native_handle()) {
      error_code not_an_address;
      asio::ip::make_address(name, not_an_address);
      if (not_an_address) {
        ::SSL_set_tlsext_host_name(ssl, name.c_str());
        if (!tls_options_.insecure) ::SSL_set1_host(ssl, name.c_str());
      } else if (!tls_options_.insecure) {
        ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl), name.c_str());
      }
    }
    stream_ops<client_stream::tls_type>::async_start(tls, [self = self()](error_code ec) {
      self->finish_connect(ec);
    });
  }

  // The pending operation's handler, leaving none pending.
  template <class Handler>
  static Handler take(std::optional<Handler>& pending) {
    Handler handler = std::move(*pending);
    pending.reset();
    return handler;
  }

  // Completes an operation that failed at once: through the strand, never inside the
  // initiating call, honouring the handler's executor.
  template <class Handler, class... Args>
  void complete(Handler&& handler, Args&&... args) {
    asio::post(executor(), asio::append(std::forward<Handler>(handler), std::forward<Args>(args)...));
  }
  // Completes an operation from an I/O event. Dispatching (inline when the handler's executor
  // allows) means a join's handler runs before on_message sees the history after WELCOME.
  template <class Handler, class... Args>
  static void complete_from_event(Handler&& handler, Args&&... args) {
    asio::dispatch(asio::append(std::forward<Handler>(handler), std::forward<Args>(args)...));
  }

  void finish_connect(error_code ec) {
    if (!connect_pending_) return;  // closed meanwhile; on_closed completed it
    if (!ec) {
      start();  // first: a request queued as soon as connected() holds must find its writer
      connected_.store(true, std::memory_order_release);
    }
    complete_from_event(take(connect_pending_), ec);
  }

  void on_frame(frame_view frame) override {
    auto decoded = decode_server_message(frame);
    if (!decoded) {
      // A server that sends what we cannot decode cannot be followed any further.
      begin_close(decoded.error(), nullptr);
      return;
    }
    server_message& m = *decoded;
    if (const auto* keepalive = std::get_if<msg::server::ping>(&m)) {
      send(encode_shared(msg::client::pong{keepalive->token}));
      return;  // answered here: nothing for the application to do
    }
    std::optional<finished_request> answered;
    {
      std::lock_guard lock(requests_mutex_);
      if (const auto* w = std::get_if<msg::server::welcome>(&m)) requests_.registered_as(w->name);
      if (const auto* s = std::get_if<msg::server::session>(&m)) resume_token_ = s->token;
      answered = requests_.on_message(m);
    }
    // CAP and PASS are the library's: their CAPS, or the unknown_type of a server from before
    // the extensions (which then simply has none), are not the application's business.
    if (answered && (answered->request.request == client_message_type::cap ||
                     answered->request.request == client_message_type::pass) &&
        (std::holds_alternative<msg::server::caps>(m) || answered->error == errc::unknown_type))
      return;
    if (join_pending_ && answer_to_hello(m, answered)) return;
    if (auto* e = std::get_if<msg::server::error>(&m); e && is_fatal(static_cast<errc>(e->code)))
      server_reason_ = error_code(e->code, error_category());
    handlers_.message(m);
    // The message handler has seen the answer's frames; now the request completes.
    if (answered) finish(std::move(*answered));
  }

  // Completes async_hello with WELCOME, or with the ERROR that refuses the HELLO (the tracker
  // says which ERROR that is). True if `m` was that answer: it is not shown to on_message.
  bool answer_to_hello(server_message& m, std::optional<finished_request>& answered) {
    if (auto* w = std::get_if<msg::server::welcome>(&m)) {
      registered_.store(true, std::memory_order_release);
      complete_from_event(take(join_pending_), error_code{}, std::move(*w));
      return true;
    }
    const auto* e = std::get_if<msg::server::error>(&m);
    if (!e || is_fatal(static_cast<errc>(e->code)) || !answered ||
        (answered->request.request != client_message_type::hello &&
         answered->request.request != client_message_type::resume))
      return false;
    complete_from_event(take(join_pending_), answered->error, msg::server::welcome{});
    return true;
  }

  void on_stream_error(error_code ec) override { begin_close(ec, nullptr); }
  void on_overflow() override { begin_close(make_error_code(errc::too_slow), nullptr); }

  void on_closed(error_code reason) override {
    if (reason == errc::connection_closed && server_reason_) reason = server_reason_;
    const error_code failure = reason ? reason : make_error_code(errc::connection_closed);
    std::deque<pending_request> unanswered;
    {
      std::lock_guard lock(requests_mutex_);
      unanswered = requests_.take_all();
    }
    for (auto& r : unanswered) finish({std::move(r), failure, {}});
    if (connect_pending_)
      complete_from_event(take(connect_pending_), failure);
    if (join_pending_)
      complete_from_event(take(join_pending_), failure,
                          msg::server::welcome{});
    resolver_.cancel();
    if (connected()) handlers_.close(reason);
  }

  tcp::resolver resolver_;
  const client_tls_options tls_options_;
  const error_code tls_setup_error_;  // the CA file could not be loaded: connect fails with it
  // Strand only:
  std::optional<connect_handler> connect_pending_;
  std::optional<join_handler> join_pending_;
  std::atomic<bool> connected_ = false;  // set once, on the strand
  std::atomic<bool> registered_ = false;  // set once, on the strand
  error_code server_reason_;  // code of a fatal ERROR the server sent before closing
  const std::string password_;
  const bool ask_resume_;
  user_handlers handlers_;
  mutable std::mutex requests_mutex_;
  request_tracker requests_;  // guarded by requests_mutex_
  std::string resume_token_;  // guarded by requests_mutex_
};

}  // namespace detail

client::client(boost::asio::any_io_executor executor, client_options options)
    : connection_(std::make_shared<detail::client_connection>(executor, options)) {}

client::~client() {
  connection_->handlers().forget();
  connection_->close_now(boost::asio::error::operation_aborted);
}

void client::on_message(message_handler handler) { connection_->handlers().set_message(std::move(handler)); }
void client::on_close(close_handler handler) { connection_->handlers().set_close(std::move(handler)); }

void client::start_connect(std::string host, std::string port, connect_handler handler) {
  connection_->connect(std::move(host), std::move(port), std::move(handler));
}

void client::start_hello(std::string name, std::string room, join_handler handler) {
  connection_->hello(std::move(name), std::move(room), std::move(handler));
}

void client::start_resume(std::string name, std::string token, join_handler handler) {
  connection_->resume(std::move(name), std::move(token), std::move(handler));
}

std::string client::resume_token() const { return connection_->resume_token(); }

namespace {

boost::system::error_code check_room(std::string_view room) {
  return is_valid_room(room) ? boost::system::error_code() : make_error_code(errc::invalid_room);
}

// What the answer to a request will look like, for the request tracker.
template <class Request>
detail::pending_request tracked(const Request& m, detail::answer_handler h) {
  detail::pending_request r{Request::type, {}, {}, 0, std::move(h), {}, {}, {}};
  if constexpr (requires { m.room; }) r.room = fold_case(m.room);
  // A TOPIC that sets is answered by the TOPIC it sets (PROTOCOL.md 7.8); one that asks, by
  // any TOPIC of the room.
  if constexpr (std::is_same_v<Request, msg::client::topic>)
    if (m.set) r.topic = m.text;
  return r;
}

}  // namespace

template <class Request>
boost::system::error_code client::send_request(const Request& request, detail::answer_handler handler) {
  boost::system::error_code ec;
  if (!connection_->registered())
    ec = connection_->connected() ? errc::not_registered : errc::not_connected;
  if (!ec) {
    // Handlers are only ever move-constructed, never move-assigned: Boost 1.81's
    // any_completion_handler::operator=(&&) copies from an lvalue and recurses.
    auto r = tracked(request, std::move(handler));
    if (connection_->send_request(encode_shared(request), r)) return {};
    ec = errc::not_connected;
    if (r.handler.index() != 0) connection_->refuse(std::move(r.handler), ec);  // not sent
    return ec;
  }
  if (handler.index() != 0) connection_->refuse(std::move(handler), ec);
  return ec;
}

boost::system::error_code client::say(std::string_view room, std::string_view text) {
  if (auto ec = check_room(room)) return ec;
  if (auto ec = check_text(text)) return ec;
  return send_request(msg::client::say{std::string(room), 0, std::string(text)});
}

boost::system::error_code client::act(std::string_view room, std::string_view text) {
  if (auto ec = check_room(room)) return ec;
  if (auto ec = check_text(text)) return ec;
  return send_request(msg::client::say{std::string(room), msg::flag_action, std::string(text)});
}

boost::system::error_code client::private_message(std::string_view to, std::string_view text,
                                                  std::uint8_t flags) {
  if (!is_valid_name(to)) return errc::no_such_user;
  if (auto ec = check_text(text)) return ec;
  return send_request(msg::client::private_message{std::string(to), flags, std::string(text)});
}

boost::system::error_code client::join(std::string_view room, std::uint64_t after_id) {
  if (auto ec = check_room(room)) return ec;
  return send_request(msg::client::join{std::string(room), after_id});
}

boost::system::error_code client::part(std::string_view room, std::string_view reason) {
  if (auto ec = check_room(room)) return ec;
  if (auto ec = check_short_text(reason, max_reason_bytes)) return ec;
  return send_request(msg::client::part{std::string(room), std::string(reason)});
}

boost::system::error_code client::list_rooms() { return send_request(msg::client::list{}); }

boost::system::error_code client::who(std::string_view room) {
  if (auto ec = check_room(room)) return ec;
  return send_request(msg::client::who{std::string(room)});
}

boost::system::error_code client::topic(std::string_view room) {
  if (auto ec = check_room(room)) return ec;
  return send_request(msg::client::topic{std::string(room), 0, {}});
}

boost::system::error_code client::set_topic(std::string_view room, std::string_view text) {
  if (auto ec = check_room(room)) return ec;
  if (auto ec = check_short_text(text, max_topic_bytes)) return ec;
  return send_request(msg::client::topic{std::string(room), 1, std::string(text)});
}

boost::system::error_code client::nick(std::string_view name) {
  if (!is_valid_name(name)) return errc::invalid_name;
  const auto status = connection_->nick_to(name);
  // Until the server answers one NICK, the name the next would be compared with is unknown.
  if (status == detail::client_connection::nick_status::awaited) return errc::operation_in_progress;
  if (status == detail::client_connection::nick_status::current_name) {
    // No answer comes for a NICK to the current name (PROTOCOL.md 7.11): nothing to await.
    if (!connection_->send(encode_shared(msg::client::nick{std::string(name)})))
      return errc::not_connected;
    return {};
  }
  return send_request(msg::client::nick{std::string(name)});
}

boost::system::error_code client::history(std::string_view room, std::uint64_t after_id,
                                          std::uint16_t limit) {
  if (auto ec = check_room(room)) return ec;
  return send_request(msg::client::history{std::string(room), after_id, limit});
}

void client::start_join(std::string room, std::uint64_t after_id, detail::end_handler handler) {
  if (auto ec = check_room(room)) return connection_->refuse(std::move(handler), ec);
  send_request(msg::client::join{std::move(room), after_id}, std::move(handler));
}

void client::start_history(std::string room, std::uint64_t after_id, std::uint16_t limit,
                           detail::history_handler handler) {
  if (auto ec = check_room(room)) return connection_->refuse(std::move(handler), ec);
  send_request(msg::client::history{std::move(room), after_id, limit}, std::move(handler));
}

void client::start_list(detail::list_handler handler) {
  send_request(msg::client::list{}, std::move(handler));
}

void client::start_who(std::string room, detail::who_handler handler) {
  if (auto ec = check_room(room)) return connection_->refuse(std::move(handler), ec);
  send_request(msg::client::who{std::move(room)}, std::move(handler));
}

boost::system::error_code client::ping(std::uint64_t token) {
  if (!connection_->connected() || !connection_->send(encode_shared(msg::client::ping{token})))
    return errc::not_connected;
  return {};
}

void client::bye(std::string_view reason) {
  // Keep receiving: the echoes of what was said before BYE are still on their way.
  std::string why(reason);
  if (check_short_text(why, max_reason_bytes)) why.clear();
  connection_->close_gracefully({}, encode_shared(msg::client::bye{std::move(why)}),
                                detail::client_connection::after_close::receive);
}

void client::close() { connection_->close_now({}); }

}  // namespace chat
