// SPDX-License-Identifier: BSL-1.0
#include "server/address_key.hpp"

namespace chat::detail {

namespace ip = boost::asio::ip;

ip::address address_key(const ip::address& a) {
  if (a.is_v4()) return a;
  const ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, v6);
  ip::address_v6::bytes_type bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return ip::address_v6(bytes);  // scope id 0: link-local /64s on different links count as one
}

std::string describe_address_key(const ip::address& key) {
  return key.is_v4() ? key.to_string() : key.to_string() + "/64";
}

}  // namespace chat::detail
