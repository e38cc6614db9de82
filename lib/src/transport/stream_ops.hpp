// What a connection needs to know about its stream beyond reading and writing: how to end it.
// Each stream type a connection runs over specialises stream_ops; plain TCP is here. Close
// semantics belong to the transport: TCP half-closes with FIN and then drains; TLS will send
// close_notify; a WebSocket stream its close frame.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <sstream>
#include <string>

namespace chat::detail {

template <class Stream>
struct stream_ops;

template <>
struct stream_ops<boost::asio::ip::tcp::socket> {
  using socket = boost::asio::ip::tcp::socket;

  /// Everything queued has been written: tell the peer no more follows.
  static void shut_down_send(socket& s) noexcept {
    boost::system::error_code ignored;
    s.shutdown(socket::shutdown_send, ignored);
  }
  static void close(socket& s) noexcept {
    boost::system::error_code ignored;
    s.shutdown(socket::shutdown_both, ignored);
    s.close(ignored);
  }
  /// "address:port" of the peer, for the log.
  static std::string describe_peer(const socket& s) {
    boost::system::error_code ec;
    const auto endpoint = s.remote_endpoint(ec);
    if (ec) return "unknown peer";
    std::ostringstream out;
    out << endpoint;
    return out.str();
  }
};

}  // namespace chat::detail
