// SPDX-License-Identifier: BSL-1.0
#include "admin/admin_gateway.hpp"

#include "admin/admin_routes.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>
#include <string_view>

namespace chat::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// One admin connection: requests read one at a time, each answered before the next is read.
// On its own strand.
class admin_connection final : public live_session,
                               public std::enable_shared_from_this<admin_connection> {
public:
  admin_connection(tcp::socket socket, std::shared_ptr<admin_gateway> gateway)
      : gateway_(std::move(gateway)),
        stream_(std::move(socket)),
        buffer_(gateway_->limits_.max_request_bytes + 1024) {}

  void begin() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

  void shut_down() override {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

private:
  void read_request() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(gateway_->limits_.max_request_bytes));
    stream_.expires_after(gateway_->limits_.read_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_request(ec);
    });
  }

  void on_request(error_code ec) {
    if (closed_) return;
    if (ec == http::error::header_limit)
      return respond(plain_response(http::status::request_header_fields_too_large, "request too large", 11, false));
    if (ec == http::error::unexpected_body || ec == http::error::body_limit)
      return respond(plain_response(http::status::payload_too_large, "requests may not have a body", 11, false));
    if (ec) return close();  // end of stream, the timeout, a reset or not HTTP
    const auto& req = parser_->get();
    ++requests_;
    const bool keep_alive = req.keep_alive() && requests_ < gateway_->limits_.max_requests_per_connection;
    respond(admin_response(req.method(), std::string_view(req.target().data(), req.target().size()),
                           req.version(), keep_alive, gateway_->handlers_));
  }

  void respond(http_response response) {
    response_.emplace(std::move(response));
    stream_.expires_after(gateway_->limits_.read_timeout);
    http::async_write(stream_, *response_, [self = shared_from_this()](error_code ec, std::size_t) {
      const bool keep_alive = self->response_->keep_alive();
      self->response_.reset();
      if (ec || !keep_alive) return self->close();
      self->read_request();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    gateway_->connections_.remove(this);
  }

  const std::shared_ptr<admin_gateway> gateway_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http_response> response_;
  unsigned requests_ = 0;
  bool closed_ = false;
};

admin_gateway::admin_gateway(asio::io_context& context, admin_handlers handlers, admin_limits limits)
    : context_(context),
      strand_(asio::make_strand(context)),
      acceptor_(strand_),
      retry_(strand_),
      handlers_(std::move(handlers)),
      limits_(limits) {}

error_code admin_gateway::open(const tcp::endpoint& endpoint) {
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) endpoint_ = acceptor_.local_endpoint(ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
  }
  return ec;
}

void admin_gateway::start() {
  asio::post(strand_, [self = shared_from_this()] { self->accept(); });
}

void admin_gateway::accept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(asio::make_strand(context_), [self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      if (self->connections_.size() >= self->limits_.max_connections) {
        error_code ignored;
        socket.close(ignored);  // over the bound: a scraper retries, a flood costs nothing
      } else {
        auto c = std::make_shared<admin_connection>(std::move(socket), self);
        if (self->connections_.add(c)) c->begin();
      }
    }
    if (!ec) return self->accept();
    // Out of descriptors, say: accepting again at once would fail again at once.
    self->retry_.expires_after(std::chrono::milliseconds(200));
    self->retry_.async_wait([self](error_code wait_ec) {
      if (!wait_ec) self->accept();
    });
  });
}

void admin_gateway::close() {
  asio::post(strand_, [self = shared_from_this()] { self->close_now(); });
}

void admin_gateway::close_now() {
  error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  for (const auto& c : connections_.begin_stop()) c->shut_down();
}

}  // namespace chat::detail
