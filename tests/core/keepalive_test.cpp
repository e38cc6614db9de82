// SPDX-License-Identifier: BSL-1.0
// Keep-alive: the server PINGs idle clients and drops those that stay silent.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace chat;
using namespace chat::test;

namespace {

server_options short_keepalive() {
  server_options options;
  options.idle_timeout = std::chrono::milliseconds(200);
  options.ping_timeout = std::chrono::milliseconds(300);
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keepalive)

BOOST_AUTO_TEST_CASE(a_silent_client_is_pinged_then_dropped_with_ping_timeout) {
  test_server server(short_keepalive());
  client_pool pool;
  recording_client witness(pool);
  witness.connect_and_hello(server.port(), "witness");  // chat::client answers PINGs itself

  raw_peer silent(server.port());
  silent.hello("silent");
  BOOST_REQUIRE(witness.wait_for<msg::server::joined>([](const msg::server::joined& j) { return j.name == "silent"; }));
  auto first = silent.receive();
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(std::holds_alternative<msg::server::ping>(*first));
  // No answer: the next frame is the farewell.
  auto farewell = silent.receive();
  BOOST_REQUIRE(farewell.has_value());
  BOOST_REQUIRE(std::holds_alternative<msg::server::error>(*farewell));
  BOOST_TEST(std::get<msg::server::error>(*farewell).code == std::uint16_t(errc::ping_timeout));
  BOOST_TEST(silent.wait_closed_by_server());

  const auto left = witness.wait_for<msg::server::left>([](const msg::server::left& l) { return l.name == "silent"; });
  BOOST_REQUIRE(left);
  BOOST_TEST(left->reason == "ping timeout");
  BOOST_TEST(left->member_count == 1u);
}

BOOST_AUTO_TEST_CASE(answering_the_ping_keeps_the_connection) {
  test_server server(short_keepalive());
  raw_peer peer(server.port());
  peer.hello("awake");
  for (int round = 0; round < 3; ++round) {  // several idle periods, each answered
    auto ping = peer.receive();
    BOOST_REQUIRE(ping.has_value());
    BOOST_REQUIRE(std::holds_alternative<msg::server::ping>(*ping));
    peer.send(msg::client::pong{std::get<msg::server::ping>(*ping).token});
  }
  peer.send(msg::client::ping{9});
  auto pong = peer.receive();
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST(std::holds_alternative<msg::server::pong>(*pong));
}

BOOST_AUTO_TEST_CASE(the_library_client_answers_pings_by_itself) {
  test_server server(short_keepalive());
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice");
  bob.connect_and_hello(server.port(), "bob");
  // Longer than idle + ping timeout several times over; neither sends anything meanwhile.
  BOOST_TEST(!alice.wait_for<msg::server::left>({}, std::chrono::milliseconds(1500)).has_value());
  BOOST_REQUIRE(!bob.api().say("lobby", "still connected"));
  BOOST_TEST(alice.wait_for<msg::server::message>().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
