// SPDX-License-Identifier: BSL-1.0
#include "support/raw_peer.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <algorithm>

namespace chat::test {

namespace asio = boost::asio;
using boost::system::error_code;

raw_peer::raw_peer(std::uint16_t port, int receive_buffer) : socket_(io_) {
  socket_.open(asio::ip::tcp::v4());
  if (receive_buffer > 0) socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  socket_.connect({asio::ip::make_address_v4("127.0.0.1"), port});
}

raw_peer::raw_peer(std::uint16_t port, const asio::ip::address_v4& source) : socket_(io_) {
  socket_.open(asio::ip::tcp::v4());
  socket_.bind({source, 0});
  socket_.connect({asio::ip::make_address_v4("127.0.0.1"), port});
}

void raw_peer::send_bytes(std::span<const std::uint8_t> bytes) {
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()));
}

void raw_peer::hello(const std::string& name, const std::string& room) {
  try {
    register_as(name, room);
  } catch (const std::exception& e) {
    BOOST_FAIL(e.what());
  }
}

void raw_peer::register_as(const std::string& name, const std::string& room) {
  send(msg::client::hello{protocol_version, name, room});
  const auto reply = receive();
  if (!reply.has_value() || !std::holds_alternative<msg::server::welcome>(*reply))
    throw std::runtime_error("no WELCOME for " + name);
  if (room.empty()) return;
  for (;;) {
    const auto next = receive();
    if (!next.has_value()) throw std::runtime_error("greeting for " + name + " broken off");
    if (std::holds_alternative<msg::server::end>(*next)) return;
  }
}

error_code raw_peer::read_some(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd p{socket_.native_handle(), POLLIN, 0};
  if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
    return make_error_code(boost::system::errc::timed_out);
  auto space = decoder_.prepare(4096);
  error_code ec;
  const std::size_t n = socket_.read_some(asio::buffer(space.data(), space.size()), ec);
  if (ec == asio::error::eof || ec == asio::error::connection_reset)
    return make_error_code(errc::connection_closed);
  if (ec) return ec;
  decoder_.commit(n);
  return {};
}

boost::system::result<server_message> raw_peer::receive(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    auto frame = decoder_.next();
    if (!frame) return frame.error();
    if (*frame) return decode_server_message(**frame);
    if (auto ec = read_some(until)) return ec;
  }
}

boost::system::result<std::optional<server_message>> raw_peer::last_before_close(
    std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::optional<server_message> last;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    auto next = receive(std::max(left, std::chrono::milliseconds(0)));
    if (!next) {
      if (next.error() == errc::connection_closed) return last;
      return next.error();
    }
    last = std::move(*next);
  }
}

bool raw_peer::wait_closed_by_server(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    while (true) {
      auto frame = decoder_.next();
      if (!frame || !*frame) break;
    }
    const auto ec = read_some(until);
    if (ec == errc::connection_closed) return true;
    if (ec) return false;
  }
}

}  // namespace chat::test
