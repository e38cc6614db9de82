#include <chat/client.hpp>
#include <chat/text.hpp>

#include "core/connection.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <utility>

namespace chat {
namespace detail {

namespace asio = boost::asio;
using boost::system::error_code;

class client_connection final : public connection {
public:
  using connect_handler = asio::any_completion_handler<void(error_code)>;
  using join_handler = asio::any_completion_handler<void(error_code, msg::server::welcome)>;

  client_connection(const asio::any_io_executor& executor, const client_options& options)
      : connection(tcp::socket(asio::make_strand(executor)),
                   {options.max_frame, options.max_queue_bytes, options.max_queue_bytes,
                    options.close_timeout}),
        resolver_(this->executor()) {}

  /// Any thread: whether the TCP connection is up.
  bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
  /// Any thread: whether WELCOME has arrived (requests other than PING and BYE need it).
  bool registered() const noexcept { return registered_.load(std::memory_order_acquire); }

  std::shared_ptr<client_connection> self() {
    return std::static_pointer_cast<client_connection>(shared_from_this());
  }

  void set_message_handler(client::message_handler h) {
    std::lock_guard lock(handlers_mutex_);
    on_message_ = std::make_shared<const client::message_handler>(std::move(h));
  }
  void set_close_handler(client::close_handler h) {
    std::lock_guard lock(handlers_mutex_);
    on_close_ = std::make_shared<const client::close_handler>(std::move(h));
  }
  // After this returns no user handler runs (one running on another thread is waited for).
  void forget_handlers() {
    std::lock_guard lock(handlers_mutex_);
    on_message_ = nullptr;
    on_close_ = nullptr;
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
      self->connect_pending_ = std::move(handler);
      self->resolver_.async_resolve(
          host, port, [self](error_code ec, const tcp::resolver::results_type& endpoints) {
            if (ec) return self->finish_connect(ec);
            asio::async_connect(self->socket(), endpoints,
                                [self](error_code connect_ec, const tcp::endpoint&) {
                                  self->finish_connect(connect_ec);
                                });
          });
    });
  }

  void hello(std::string name, std::string room, join_handler handler) {
    asio::dispatch(executor(), [self = self(), name = std::move(name), room = std::move(room),
                                handler = std::move(handler)]() mutable {
      if (self->join_pending_)
        return self->complete(std::move(handler), make_error_code(errc::operation_in_progress),
                        msg::server::welcome{});
      if (!self->connected())
        return self->complete(std::move(handler), make_error_code(errc::not_connected), msg::server::welcome{});
      if (!self->send(encode_shared(msg::client::hello{protocol_version, std::move(name), std::move(room)})))
        return self->complete(std::move(handler), make_error_code(errc::not_connected), msg::server::welcome{});
      self->join_pending_ = std::move(handler);
    });
  }

private:
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
      connected_.store(true, std::memory_order_release);
      start();
    }
    complete_from_event(take(connect_pending_), ec);
  }

  void on_frame(frame_view frame) override {
    auto decoded = decode_server_message(frame);
    if (!decoded) {
      // A server that sends what we cannot decode cannot be followed any further.
      close_gracefully(decoded.error());
      return;
    }
    server_message& m = *decoded;
    if (const auto* keepalive = std::get_if<msg::server::ping>(&m)) {
      send(encode_shared(msg::client::pong{keepalive->token}));
      return;  // answered here: nothing for the application to do
    }
    if (join_pending_) {
      if (auto* w = std::get_if<msg::server::welcome>(&m)) {
        registered_.store(true, std::memory_order_release);
        return complete_from_event(take(join_pending_),
                                   error_code{}, std::move(*w));
      }
      if (auto* e = std::get_if<msg::server::error>(&m); e && !is_fatal(static_cast<errc>(e->code))) {
        return complete_from_event(take(join_pending_),
                                   error_code(e->code, error_category()), msg::server::welcome{});
      }
    }
    if (auto* e = std::get_if<msg::server::error>(&m); e && is_fatal(static_cast<errc>(e->code)))
      server_reason_ = error_code(e->code, error_category());
    std::lock_guard lock(handlers_mutex_);
    // A local reference: the handler may destroy the client, which clears on_message_.
    if (const auto handler = on_message_; handler && *handler) (*handler)(m);
  }

  shared_frame farewell_for(error_code) override { return nullptr; }

  void on_closed(error_code reason) override {
    if (reason == errc::connection_closed && server_reason_) reason = server_reason_;
    const error_code failure = reason ? reason : make_error_code(errc::connection_closed);
    if (connect_pending_)
      complete_from_event(take(connect_pending_), failure);
    if (join_pending_)
      complete_from_event(take(join_pending_), failure,
                          msg::server::welcome{});
    resolver_.cancel();
    std::lock_guard lock(handlers_mutex_);
    const auto handler = std::exchange(on_close_, nullptr);
    on_message_ = nullptr;
    if (handler && *handler && connected()) (*handler)(reason);
  }

  tcp::resolver resolver_;
  // Strand only:
  std::optional<connect_handler> connect_pending_;
  std::optional<join_handler> join_pending_;
  std::atomic<bool> connected_ = false;  // set once, on the strand
  std::atomic<bool> registered_ = false;  // set once, on the strand
  error_code server_reason_;  // code of a fatal ERROR the server sent before closing
  // Recursive: a handler may destroy the client, which forgets the handlers.
  std::recursive_mutex handlers_mutex_;
  std::shared_ptr<const client::message_handler> on_message_;
  std::shared_ptr<const client::close_handler> on_close_;
};

}  // namespace detail

client::client(boost::asio::any_io_executor executor, client_options options)
    : connection_(std::make_shared<detail::client_connection>(executor, options)) {}

client::~client() {
  connection_->forget_handlers();
  connection_->close_now(boost::asio::error::operation_aborted);
}

void client::on_message(message_handler handler) { connection_->set_message_handler(std::move(handler)); }
void client::on_close(close_handler handler) { connection_->set_close_handler(std::move(handler)); }

void client::start_connect(std::string host, std::string port, connect_handler handler) {
  connection_->connect(std::move(host), std::move(port), std::move(handler));
}

void client::start_hello(std::string name, std::string room, join_handler handler) {
  connection_->hello(std::move(name), std::move(room), std::move(handler));
}

template <class Request>
boost::system::error_code client::send_request(const Request& request) {
  if (!connection_->registered())
    return connection_->connected() ? errc::not_registered : errc::not_connected;
  if (!connection_->send(encode_shared(request))) return errc::not_connected;
  return {};
}

namespace {

boost::system::error_code check_room(std::string_view room) {
  return is_valid_room(room) ? boost::system::error_code() : make_error_code(errc::invalid_room);
}

}  // namespace

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
  return send_request(msg::client::nick{std::string(name)});
}

boost::system::error_code client::history(std::string_view room, std::uint64_t after_id,
                                          std::uint16_t limit) {
  if (auto ec = check_room(room)) return ec;
  return send_request(msg::client::history{std::string(room), after_id, limit});
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
                                detail::connection::after_close::receive);
}

void client::close() { connection_->close_now({}); }

}  // namespace chat
