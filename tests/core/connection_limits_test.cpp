// Connection limits: what an address counts as (address_key) and the counter.
#include "server/address_key.hpp"
#include "server/connection_counter.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>
#include <variant>
#include <vector>

using namespace chat;
namespace ip = boost::asio::ip;

namespace {

const ip::address_v4 flooder = ip::make_address_v4("127.0.0.1");
const ip::address_v4 legitimate = ip::make_address_v4("127.0.0.2");

ip::address key_of(const char* text) { return detail::address_key(ip::make_address(text)); }

bool holds_slot(const std::variant<detail::connection_slot, std::string>& v) {
  return std::holds_alternative<detail::connection_slot>(v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connection_limits)

BOOST_AUTO_TEST_CASE(address_key_is_the_ipv4_address_or_the_ipv6_slash_64) {
  BOOST_TEST(key_of("192.0.2.7") == ip::make_address("192.0.2.7"));
  BOOST_TEST(key_of("192.0.2.7") != key_of("192.0.2.8"));  // IPv4: every address alone
  BOOST_TEST(key_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == ip::make_address("2001:db8:1:2::"));
  BOOST_TEST(key_of("2001:db8:1:2::1") == key_of("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  BOOST_TEST(key_of("2001:db8:1:2::1") != key_of("2001:db8:1:3::1"));  // the next /64
  // A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d: the same key as over IPv4.
  BOOST_TEST(key_of("::ffff:192.0.2.7") == ip::make_address("192.0.2.7"));
  BOOST_TEST(key_of("::ffff:192.0.2.7") != key_of("::ffff:192.0.2.8"));
  // Scope ids do not split a link-local /64.
  BOOST_TEST(key_of("fe80::1%1") == key_of("fe80::2%2"));
  BOOST_TEST(detail::describe_address_key(key_of("192.0.2.7")) == "192.0.2.7");
  BOOST_TEST(detail::describe_address_key(key_of("2001:db8:1:2::9")) == "2001:db8:1:2::/64");
}

BOOST_AUTO_TEST_CASE(counter_refuses_past_the_per_address_limit_and_forgets_addresses_at_zero) {
  detail::connection_counter counter(0, 2);
  auto a = counter.admit(ip::make_address("2001:db8::1"));
  auto b = counter.admit(ip::make_address("2001:db8::2"));  // same /64
  BOOST_REQUIRE(holds_slot(a));
  BOOST_REQUIRE(holds_slot(b));
  const auto refused = counter.admit(ip::make_address("2001:db8::3"));
  BOOST_REQUIRE(std::holds_alternative<std::string>(refused));
  BOOST_TEST(std::get<std::string>(refused) == "too many connections from 2001:db8::/64 (limit 2)");
  BOOST_TEST(holds_slot(counter.admit(ip::make_address("2001:db8:0:1::1"))));  // another /64
  BOOST_TEST(counter.addresses() == 1u);  // that one's slot went at the end of the statement
  BOOST_TEST(counter.total() == 2u);

  // A moved slot is released once, by its new holder.
  auto moved = std::move(std::get<detail::connection_slot>(a));
  std::get<detail::connection_slot>(a).release();
  BOOST_TEST(counter.count(ip::make_address("2001:db8::7")) == 2u);
  moved.release();
  moved.release();
  BOOST_TEST(counter.count(ip::make_address("2001:db8::7")) == 1u);
  BOOST_TEST(holds_slot(counter.admit(ip::make_address("2001:db8::3"))));

  b = std::string("released by assignment");
  BOOST_TEST(counter.total() == 0u);
  BOOST_TEST(counter.addresses() == 0u);
}

BOOST_AUTO_TEST_CASE(counter_refuses_past_the_global_limit_whatever_the_address) {
  detail::connection_counter counter(2, 0);
  auto a = counter.admit(ip::make_address("192.0.2.1"));
  auto b = counter.admit(ip::make_address("192.0.2.2"));
  const auto refused = counter.admit(ip::make_address("192.0.2.3"));
  BOOST_REQUIRE(std::holds_alternative<std::string>(refused));
  BOOST_TEST(std::get<std::string>(refused) == "server full (limit 2 connections)");
  BOOST_TEST(counter.addresses() == 0u);  // no per-address limit: no map kept
  std::get<detail::connection_slot>(a).release();
  BOOST_TEST(holds_slot(counter.admit(ip::make_address("192.0.2.3"))));
}

BOOST_AUTO_TEST_CASE(counter_admits_and_releases_from_many_threads) {
  detail::connection_counter counter(0, 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&counter, t] {
      const ip::address peer = t % 2 ? flooder : legitimate;
      for (int i = 0; i < 2000; ++i) {
        auto slot = counter.admit(peer);
        if (!holds_slot(slot)) std::abort();  // at most 4 open at a time: never refused
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(counter.total() == 0u);
  BOOST_TEST(counter.addresses() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
