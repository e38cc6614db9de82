// SPDX-License-Identifier: BSL-1.0
// A one-request HTTP/1.1 client for tests (the admin endpoint): connect to 127.0.0.1:port,
// send one request, read the response, all within a deadline.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace chat::test {

struct http_reply {
  boost::system::error_code error;  ///< Set if no whole response came (refused, closed, timed out).
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

http_reply http_request(std::uint16_t port, boost::beast::http::verb method, const std::string& target,
                        std::chrono::milliseconds deadline = std::chrono::seconds(10));

inline http_reply http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, boost::beast::http::verb::get, target);
}

}  // namespace chat::test
