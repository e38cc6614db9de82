// SPDX-License-Identifier: BSL-1.0
#include "web/web_gateway.hpp"

#include "server/session_driver.hpp"
#include "transport/tls_async_stream.hpp"
#include "transport/websocket_connection.hpp"
#include "web/origin_policy.hpp"
#include "web/static_files.hpp"

#include <chat/version.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace chat::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

constexpr std::string_view websocket_path = "/chat";
constexpr std::string_view subprotocol = "libchat.v2";
constexpr std::size_t max_request_header_bytes = 8 * 1024;
constexpr unsigned max_requests_per_connection = 100;

using request = http::request<http::empty_body>;
// wss://: OpenSSL straight over the socket (transport/tls_async_stream.hpp), not Asio's
// ssl::stream, whose buffers would cost ~70 KiB per idle connection.
using tls_socket = tls_async_stream<connection_socket>;

std::string_view path_of(beast::string_view target) {
  std::string_view t(target.data(), target.size());
  return t.substr(0, t.find_first_of("?#"));
}

// Whether the comma-separated Sec-WebSocket-Protocol list offers ours.
bool offers_subprotocol(std::string_view offered) {
  while (!offered.empty()) {
    const auto comma = offered.find(',');
    auto item = offered.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == subprotocol) return true;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

// One connection to the WebSocket port, from its accept until it has upgraded (then the
// session_driver takes the stream over) or closed. On the connection's strand.
template <class Stream>
class web_connection final : public live_session,
                             public std::enable_shared_from_this<web_connection<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_socket>;
  using ws_stream = websocket::stream<Stream>;
  using driver = session_driver<websocket_connection<Stream>>;

public:
  web_connection(Stream stream, connection_slot slot, std::shared_ptr<const web_gateway_context> context)
      : context_(std::move(context)),
        stream_(std::move(stream)),
        timer_(beast::get_lowest_layer(*stream_).get_executor()),
        slot_(std::move(slot)),
        gauge_(context_->limits.counters, server_metrics::transport::websocket,
               server_metrics::connection_state::http) {}

  void begin() {
    asio::dispatch(timer_.get_executor(), [self = this->shared_from_this()] {
      self->arm();
      if constexpr (is_tls) {
        error_code ignored;
        self->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        self->stream_->async_handshake([self](error_code ec) {
          if (ec) return self->close();
          self->read_request();
        });
      } else {
        error_code ignored;
        self->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        self->read_request();
      }
    });
  }

  void shut_down() override {
    asio::dispatch(timer_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

private:
  connection_socket& socket() { return ws_ ? beast::get_lowest_layer(*ws_) : beast::get_lowest_layer(*stream_); }

  void arm() {
    const auto timeout = context_->options.current()->websocket.handshake_timeout;
    if (timeout.count() <= 0) return;
    timer_.expires_after(timeout);
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(max_request_header_bytes);
    http::async_read(*stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->on_request(ec);
    });
  }

  void on_request(error_code ec) {
    if (closed_) return;
    if (ec == http::error::header_limit) return respond_and_close(http::status::request_header_fields_too_large, "request headers too large");
    if (ec == http::error::unexpected_body || ec == http::error::body_limit)
      return respond_and_close(http::status::payload_too_large, "requests may not have a body");
    if (ec) return close();  // end of stream, a reset or a request that is not HTTP
    const auto& req = parser_->get();
    if (websocket::is_upgrade(req)) return upgrade(parser_->release());
    ++requests_;
    const bool keep_alive = req.keep_alive() && requests_ < max_requests_per_connection;
    const auto options = context_->options.current();
    respond(serve_static(options->websocket.web_root, req.method(), view(req.target()), req.version(), keep_alive));
  }

  void respond_and_close(http::status status, std::string_view text) {
    respond(plain_response(status, text, 11, false));
  }

  void respond(http_response response) {
    response_.emplace(std::move(response));
    http::async_write(*stream_, *response_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      const bool keep_alive = self->response_->keep_alive();
      self->response_.reset();
      if (ec || !keep_alive) return self->close();
      self->arm();  // the next request within the handshake time
      self->read_request();
    });
  }

  void upgrade(request req) {
    const auto origin = view(req[http::field::origin]);
    const auto offered = view(req[http::field::sec_websocket_protocol]);
    if (path_of(req.target()) != websocket_path) return respond_and_close(http::status::not_found, "not found");
    if (!origin_allowed(origin, view(req[http::field::host]), context_->options.current()->websocket.allowed_origins)) {
      if (context_->log.enabled(log_level::debug)) {
        error_code ignored;
        const auto peer = socket().remote_endpoint(ignored);
        context_->log(log_level::debug, "origin_refused", peer, "WebSocket refused: origin not allowed: ", origin);
      }
      return respond_and_close(http::status::forbidden, "this page's origin may not open a WebSocket here");
    }
    if (!offered.empty() && !offers_subprotocol(offered))
      return respond_and_close(http::status::bad_request, "the WebSocket subprotocol must be libchat.v2");
    // From here it is a connection awaiting HELLO, under those limits (PROTOCOL.md 7.1).
    if (auto refusal = slot_.await_hello()) {
      if (auto* counters = gauge_.counters()) counters->refused(server_metrics::refusal_reason::connection_limit);
      return respond_and_close(http::status::service_unavailable, *refusal);
    }
    gauge_.move_to(server_metrics::connection_state::awaiting_hello);
    upgrade_request_.emplace(std::move(req));
    ws_.emplace(std::move(*stream_));
    stream_.reset();
    ws_->set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                    websocket::stream_base::none(), false});
    ws_->set_option(websocket::stream_base::decorator([selected = !offered.empty()](websocket::response_type& res) {
      res.set(http::field::server, std::string("chatd/") + version_string);
      if (selected) res.set(http::field::sec_websocket_protocol, subprotocol);
    }));
    ws_->async_accept(*upgrade_request_, [self = this->shared_from_this()](error_code ec) {
      if (ec) return self->close();
      self->hand_over();
    });
  }

  // The WebSocket is open: from here on it is a session like any other.
  void hand_over() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    upgrade_request_.reset();
    gauge_.release();  // the session counts itself
    context_->sessions.remove(this);
    auto session = std::make_shared<driver>(std::move(*ws_), context_, context_->services, context_->sessions,
                                            context_->limits, std::move(slot_));
    ws_.reset();
    if (context_->sessions.add(session)) session->begin();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ignored;
    auto& s = socket();
    s.shutdown(asio::socket_base::shutdown_both, ignored);
    s.close(ignored);
    slot_.release();
    gauge_.release();
    context_->sessions.remove(this);
  }

  const std::shared_ptr<const web_gateway_context> context_;
  std::optional<Stream> stream_;  // until the upgrade
  std::optional<ws_stream> ws_;   // during the WebSocket handshake
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                             connection_executor>
      timer_;
  connection_slot slot_;
  connection_gauge gauge_;  // http until it asks for a WebSocket
  beast::flat_buffer buffer_{max_request_header_bytes + 1024};
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http_response> response_;
  std::optional<request> upgrade_request_;
  unsigned requests_ = 0;
  bool closed_ = false;
};

}  // namespace

void serve_web_connection(connection_socket socket, connection_slot slot,
                          std::shared_ptr<const web_gateway_context> context,
                          std::shared_ptr<asio::ssl::context> tls) {
  auto& sessions = context->sessions;
  if (tls) {
    tls_socket stream(tls_stream<connection_socket>(std::move(socket), std::move(tls), tls_side::server));
    auto c = std::make_shared<web_connection<tls_socket>>(std::move(stream), std::move(slot), std::move(context));
    if (sessions.add(c)) c->begin();
    return;
  }
  auto c = std::make_shared<web_connection<connection_socket>>(std::move(socket), std::move(slot),
                                                               std::move(context));
  if (sessions.add(c)) c->begin();
}

std::string web_refusal(std::string_view text) {
  std::string body(text);
  body += '\n';
  std::string out = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Connection: close\r\nRetry-After: 10\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace chat::detail
