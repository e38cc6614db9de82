// SPDX-License-Identifier: BSL-1.0
// The unit a per-address connection limit counts: one IPv4 address, or one IPv6 /64.
//
// An IPv6 client is commonly given a whole /64 (SLAAC, privacy addresses), so counting each
// IPv6 address alone would let one client open as many connections as it has addresses. An
// IPv4-mapped IPv6 address (a dual-stack listener's view of an IPv4 client) is that IPv4
// address, so it shares the limit with the same client connecting over IPv4.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string>

namespace chat::detail {

/// `a` reduced to what the limit counts: an IPv4 address as it is, an IPv6 address with its
/// low 64 bits (and scope id) cleared, an IPv4-mapped IPv6 address as its IPv4 address.
boost::asio::ip::address address_key(const boost::asio::ip::address& a);

/// How a key is shown in an ERROR or the log: "192.0.2.7", "2001:db8:1:2::/64".
std::string describe_address_key(const boost::asio::ip::address& key);

}  // namespace chat::detail
