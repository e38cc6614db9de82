// SPDX-License-Identifier: BSL-1.0
// How the log and the limits name a client: "ADDR:PORT", an IPv6 address in brackets
// ("[2001:db8::1]:4242"), as in a URL.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace chat::detail {

inline std::string peer_text(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string text = address.to_string();
  return (address.is_v6() ? "[" + text + "]" : text) + ":" + std::to_string(endpoint.port());
}

}  // namespace chat::detail
