// SPDX-License-Identifier: BSL-1.0
#include "support/tcp_proxy.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <future>

namespace chat::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

// Both sockets of one relayed connection; closing either end closes both.
struct tcp_proxy::link : std::enable_shared_from_this<link> {
  explicit link(tcp::socket c) : client(std::move(c)), server(client.get_executor()) {}

  void start(std::uint16_t target_port) {
    server.async_connect({asio::ip::make_address_v4("127.0.0.1"), target_port},
                         [self = shared_from_this()](error_code ec) {
                           if (ec) return self->close();
                           self->pump(self->client, self->server, self->up);
                           self->pump(self->server, self->client, self->down);
                         });
  }
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 8192>& buffer) {
    from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to,
                                                &buffer](error_code ec, std::size_t n) {
      if (ec) return self->close();
      asio::async_write(to, asio::buffer(buffer, n),
                        [self, &from, &to, &buffer](error_code write_ec, std::size_t) {
                          if (write_ec) return self->close();
                          self->pump(from, to, buffer);
                        });
    });
  }
  void close() {
    error_code ignored;
    client.close(ignored);
    server.close(ignored);
  }

  tcp::socket client;
  tcp::socket server;
  std::array<char, 8192> up{};
  std::array<char, 8192> down{};
};

tcp_proxy::tcp_proxy(std::uint16_t target_port)
    : work_(io_.get_executor()),
      acceptor_(io_, {asio::ip::make_address_v4("127.0.0.1"), 0}),
      target_port_(target_port),
      port_(acceptor_.local_endpoint().port()) {
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

tcp_proxy::~tcp_proxy() {
  asio::post(io_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    for (auto& l : links_)
      if (auto alive = l.lock()) alive->close();
    for (auto& s : waiting_) s.close(ignored);
  });
  work_.reset();
  thread_.join();
}

void tcp_proxy::accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket client) {
    if (ec) return;  // closed
    if (held_)
      waiting_.push_back(std::move(client));
    else
      relay(std::move(client));
    accept();
  });
}

void tcp_proxy::relay(tcp::socket client) {
  auto l = std::make_shared<link>(std::move(client));
  links_.push_back(l);
  l->start(target_port_);
}

void tcp_proxy::cut() {
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    held_ = true;
    for (auto& l : links_)
      if (auto alive = l.lock()) alive->close();
    links_.clear();
    done.set_value();
  });
  done.get_future().wait();
}

void tcp_proxy::resume() {
  asio::post(io_, [this] {
    held_ = false;
    for (auto& s : waiting_) relay(std::move(s));
    waiting_.clear();
  });
}

}  // namespace chat::test
