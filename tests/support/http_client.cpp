// SPDX-License-Identifier: BSL-1.0
#include "support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace chat::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

http_reply http_request(std::uint16_t port, http::verb method, const std::string& target,
                        std::chrono::milliseconds deadline) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(deadline);  // for every operation below together
  http::request<http::empty_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  request.keep_alive(false);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http_reply reply;
  const asio::ip::tcp::endpoint server(asio::ip::make_address_v4("127.0.0.1"), port);
  stream.async_connect(server, [&](error_code ec) {
    if (ec) {
      reply.error = ec;
      return;
    }
    http::async_write(stream, request, [&](error_code write_ec, std::size_t) {
      if (write_ec) {
        reply.error = write_ec;
        return;
      }
      http::async_read(stream, buffer, response, [&](error_code read_ec, std::size_t) { reply.error = read_ec; });
    });
  });
  io.run();
  if (!reply.error) {
    reply.status = response.result_int();
    reply.content_type = std::string(response[http::field::content_type]);
    reply.body = std::move(response.body());
  }
  return reply;
}

}  // namespace chat::test
