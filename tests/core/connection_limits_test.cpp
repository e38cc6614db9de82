// SPDX-License-Identifier: BSL-1.0
// Connection limits: what an address counts as (address_key), the counter, and the server
// refusing a connection over the per-address or the global limit. 127.0.0.1 plays the flooding
// address and 127.0.0.2 (also loopback on Linux) the legitimate client.
#include "server/address_key.hpp"
#include "server/connect_throttle.hpp"
#include "server/connection_counter.hpp"
#include "session/log_budget.hpp"
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

using namespace chat;
using namespace chat::test;
namespace ip = boost::asio::ip;

namespace {


ip::address key_of(const char* text) { return detail::address_key(ip::make_address(text)); }

// The ERROR a refused connection is sent, and that nothing follows it but the end of the stream.
msg::server::error refusal_of(raw_peer& peer) {
  const auto last = peer.last_before_close();
  BOOST_REQUIRE_MESSAGE(last.has_value(), "the server did not close: " << last.error().message());
  BOOST_REQUIRE_MESSAGE(last->has_value() && std::holds_alternative<msg::server::error>(**last),
                        "the last frame before the close is not an ERROR");
  return std::get<msg::server::error>(**last);
}

// `count` connections from the flooding address, none saying anything yet.
std::vector<std::unique_ptr<raw_peer>> connect_flooders(std::uint16_t port, int count) {
  std::vector<std::unique_ptr<raw_peer>> peers;
  for (int i = 0; i < count; ++i) peers.push_back(std::make_unique<raw_peer>(port, flooding_address));
  return peers;
}

bool holds_slot(const std::variant<detail::connection_slot, std::string>& v) {
  return std::holds_alternative<detail::connection_slot>(v);
}

// Sends SAY in the lobby from `from` and requires `to` to receive it.
void say_and_receive(raw_peer& from, raw_peer& to, const std::string& text) {
  from.send(msg::client::say{"lobby", 0, text});
  for (;;) {
    const auto next = to.receive();
    BOOST_REQUIRE_MESSAGE(next.has_value(), "no MESSAGE: " << next.error().message());
    if (const auto* m = std::get_if<msg::server::message>(&*next); m && m->text == text) return;
  }
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
      const ip::address peer = t % 2 ? flooding_address : legitimate_address;
      for (int i = 0; i < 2000; ++i) {
        auto slot = counter.admit(peer);
        if (!holds_slot(slot)) std::abort();  // at most 4 open at a time: never refused
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(counter.total() == 0u);
  BOOST_TEST(counter.addresses() == 0u);
}

BOOST_AUTO_TEST_CASE(connection_over_the_per_ip_limit_is_refused_while_another_address_chats) {
  server_options options;
  options.max_connections_per_ip = 3;
  test_server server(options);
  auto flood = connect_flooders(server.port(), 3);
  flood[0]->hello("alice");

  raw_peer fourth(server.port(), flooding_address);
  const auto refusal = refusal_of(fourth);
  BOOST_TEST(refusal.code == static_cast<std::uint16_t>(errc::too_many_connections));
  BOOST_TEST(refusal.text == "too many connections from 127.0.0.1 (limit 3)");

  // The legitimate address is not held back by the flooding one.
  raw_peer dave(server.port(), legitimate_address);
  dave.hello("dave");
  say_and_receive(dave, *flood[0], "hello from 127.0.0.2");
  say_and_receive(*flood[0], dave, "hello from 127.0.0.1");
  // Never given a session: the three, and dave.
  BOOST_TEST(server.instance.session_count() == 4u);
}

BOOST_AUTO_TEST_CASE(a_flood_of_refused_connections_is_logged_at_a_bounded_rate) {
  std::mutex mutex;
  std::size_t refusals_logged = 0;
  server_options options;
  options.max_connections_per_ip = 1;
  options.log = [&](const chat::log_record& r) {
    std::lock_guard lock(mutex);
    refusals_logged += r.event == "refused";
  };
  test_server server(options);
  raw_peer first(server.port(), flooding_address);
  first.hello("alice");
  for (int i = 0; i < 30; ++i) {
    raw_peer refused(server.port(), flooding_address);
    BOOST_TEST(refusal_of(refused).code == static_cast<std::uint16_t>(errc::too_many_connections));
  }
  std::lock_guard lock(mutex);
  BOOST_TEST(refusals_logged == std::size_t(detail::log_budget::burst));
}

BOOST_AUTO_TEST_CASE(a_connection_closing_lets_its_address_open_another) {
  server_options options;
  options.max_connections_per_ip = 3;
  test_server server(options);
  auto open = connect_flooders(server.port(), 3);
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 3; }));
  {
    raw_peer refused(server.port(), flooding_address);
    BOOST_TEST(refusal_of(refused).code == static_cast<std::uint16_t>(errc::too_many_connections));
  }
  open.pop_back();
  // The count is released before the session leaves the set.
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 2; }));
  raw_peer again(server.port(), flooding_address);
  again.hello("erin");
}

BOOST_AUTO_TEST_CASE(a_refused_client_that_sent_hello_at_once_still_reads_the_error) {
  server_options options;
  options.max_connections_per_ip = 1;
  test_server server(options);
  raw_peer first(server.port(), flooding_address);
  first.hello("alice");
  raw_peer eager(server.port(), flooding_address);
  eager.send(msg::client::hello{protocol_version, "bob", "lobby"});
  BOOST_TEST(refusal_of(eager).code == static_cast<std::uint16_t>(errc::too_many_connections));
  BOOST_TEST(server.instance.session_count() == 1u);
}

BOOST_AUTO_TEST_CASE(connection_over_the_global_limit_is_told_the_server_is_full) {
  server_options options;
  options.max_connections = 2;
  options.max_connections_per_ip = 0;
  test_server server(options);
  auto alice = std::make_unique<raw_peer>(server.port(), flooding_address);
  alice->hello("alice");
  raw_peer bob(server.port(), legitimate_address);
  bob.hello("bob");

  raw_peer carol(server.port(), ip::make_address_v4("127.0.0.3"));
  const auto refusal = refusal_of(carol);
  BOOST_TEST(refusal.code == static_cast<std::uint16_t>(errc::too_many_connections));
  BOOST_TEST(refusal.text == "server full (limit 2 connections)");
  say_and_receive(bob, *alice, "still serving");

  alice.reset();
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 1; }));
  raw_peer again(server.port(), ip::make_address_v4("127.0.0.3"));
  again.hello("carol");
}

BOOST_AUTO_TEST_CASE(default_limit_is_sixteen_per_address) {
  BOOST_TEST(server_options{}.max_connections_per_ip == 16u);
  test_server server;
  // Each registered before the next: the limit on connections awaiting HELLO is lower.
  std::vector<std::unique_ptr<raw_peer>> open;
  for (int i = 0; i < 16; ++i) {
    open.push_back(std::make_unique<raw_peer>(server.port(), flooding_address));
    open.back()->hello("user" + std::to_string(i));
  }
  raw_peer seventeenth(server.port(), flooding_address);
  BOOST_TEST(refusal_of(seventeenth).text == "too many connections from 127.0.0.1 (limit 16)");
}

// ---------------------------------------------------------------------------------------------
// The connection-rate throttle.

BOOST_AUTO_TEST_CASE(throttle_refuses_past_the_rate_until_the_window_passes_and_forgets_old_addresses) {
  using namespace std::chrono_literals;
  detail::connect_throttle throttle(3, 10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  for (int i = 0; i < 3; ++i) BOOST_TEST(!throttle.admit(flooding_address, t0 + std::chrono::seconds(i)));
  const auto refused = throttle.admit(flooding_address, t0 + 9s);
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST(*refused == "too many new connections from 127.0.0.1 (limit 3 per 10 s); try again later");
  BOOST_TEST(!throttle.admit(legitimate_address, t0 + 9s));  // another address has its own count
  BOOST_TEST(!throttle.admit(flooding_address, t0 + 10s));    // the window that began at t0 has passed
  // Entries expire: a minute later, one admission sweeps the old ones away.
  for (int i = 0; i < 100; ++i)
    BOOST_TEST(!throttle.admit(ip::make_address_v4(0x0a000000u + std::uint32_t(i)), t0 + 11s));
  BOOST_TEST(throttle.tracked() == 102u);
  BOOST_TEST(!throttle.admit(legitimate_address, t0 + 60s));
  BOOST_TEST(throttle.tracked() == 1u);
  // IPv6 addresses in one /64 share a count.
  BOOST_TEST(!throttle.admit(ip::make_address("2001:db8::1"), t0));
  BOOST_TEST(!throttle.admit(ip::make_address("2001:db8::2"), t0));
  BOOST_TEST(!throttle.admit(ip::make_address("2001:db8::3"), t0));
  BOOST_TEST(throttle.admit(ip::make_address("2001:db8::4"), t0).has_value());
  // Zero: no limit.
  detail::connect_throttle off(0, 10s);
  for (int i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(!off.admit(flooding_address, t0));
  BOOST_TEST(off.tracked() == 0u);
}

BOOST_AUTO_TEST_CASE(an_address_opening_connections_too_fast_is_refused_while_another_gets_in) {
  server_options options;
  options.max_connects_per_ip = 4;
  options.connect_window = std::chrono::seconds(30);  // longer than the test
  test_server server(options);
  // Connect and close, connect and close: never more than one open, yet refused at the fifth.
  for (int i = 0; i < 4; ++i) {
    raw_peer quick(server.port(), flooding_address);
    quick.hello("quick" + std::to_string(i));
  }
  raw_peer fifth(server.port(), flooding_address);
  const auto refusal = refusal_of(fifth);
  BOOST_TEST(refusal.code == static_cast<std::uint16_t>(errc::too_many_connections));
  BOOST_TEST(refusal.text == "too many new connections from 127.0.0.1 (limit 4 per 30 s); try again later");

  raw_peer dave(server.port(), legitimate_address);
  dave.hello("dave");
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 1; }));
}

// ---------------------------------------------------------------------------------------------
// Connections that never register.

BOOST_AUTO_TEST_CASE(counter_counts_unregistered_connections_until_they_register_or_close) {
  detail::connection_counter counter(detail::counter_limits{0, 0, 3, 2});
  auto a = counter.admit(flooding_address);
  auto b = counter.admit(flooding_address);
  BOOST_TEST(counter.unregistered() == 2u);
  const auto third = counter.admit(flooding_address);
  BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(third));
  BOOST_TEST(std::get<std::string>(third) == "too many connections awaiting HELLO from 127.0.0.1 (limit 2)");
  std::get<detail::connection_slot>(a).registered();
  std::get<detail::connection_slot>(a).registered();  // idempotent
  BOOST_TEST(counter.unregistered() == 1u);
  auto c = counter.admit(flooding_address);
  BOOST_TEST(holds_slot(c));
  auto d = counter.admit(legitimate_address);
  BOOST_TEST(holds_slot(d));
  const auto full = counter.admit(ip::make_address_v4("127.0.0.3"));
  BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(full));
  BOOST_TEST(std::get<std::string>(full) == "too many connections awaiting HELLO (limit 3); try again later");
  std::get<detail::connection_slot>(b).release();  // closes unregistered
  std::get<detail::connection_slot>(a).release();  // closes registered
  BOOST_TEST(counter.unregistered() == 2u);
  BOOST_TEST(counter.total() == 2u);
  std::get<detail::connection_slot>(c).release();
  std::get<detail::connection_slot>(d).release();
  BOOST_TEST(counter.unregistered() == 0u);
  BOOST_TEST(counter.addresses() == 0u);
}

BOOST_AUTO_TEST_CASE(connections_that_never_say_hello_are_bounded_per_address_and_in_all) {
  server_options options;
  options.max_connections_per_ip = 0;  // only the unregistered limits apply
  options.max_connects_per_ip = 0;
  options.max_unregistered_per_ip = 4;
  options.max_unregistered = 5;
  test_server server(options);
  auto silent = connect_flooders(server.port(), 4);
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 4; }));
  raw_peer fifth(server.port(), flooding_address);
  BOOST_TEST(refusal_of(fifth).text == "too many connections awaiting HELLO from 127.0.0.1 (limit 4)");

  // The legitimate address gets in and registers; registered, it no longer counts.
  raw_peer dave(server.port(), legitimate_address);
  dave.hello("dave");
  // One of the flooding address's connections registering makes room for another of them.
  silent[0]->hello("alice");
  raw_peer again(server.port(), flooding_address);
  BOOST_REQUIRE(eventually([&] { return server.instance.session_count() == 6; }));
  // 127.0.0.1 has 4 awaiting HELLO, 127.0.0.3 one more: the global limit of 5 is reached.
  raw_peer other(server.port(), ip::make_address_v4("127.0.0.3"));
  raw_peer full(server.port(), ip::make_address_v4("127.0.0.4"));
  BOOST_TEST(refusal_of(full).text == "too many connections awaiting HELLO (limit 5); try again later");
  say_and_receive(dave, *silent[0], "still serving");
}

BOOST_AUTO_TEST_CASE(a_partial_frame_before_hello_is_limited_to_a_few_kilobytes) {
  test_server server;
  raw_peer big(server.port(), flooding_address);
  // The header of a frame of 60 000 bytes: a connection that never registers may not make the
  // server hold that much.
  const std::uint8_t header[] = {0x00, 0x00, 0xEA, 0x60, 0x02};
  big.send_bytes(header);
  const auto refusal = refusal_of(big);
  BOOST_TEST(refusal.code == static_cast<std::uint16_t>(errc::frame_too_large));
  BOOST_TEST(refusal.text == "frame exceeds the limit of 4096 bytes before HELLO");

  // Registered, the full limit applies: the longest text goes through.
  raw_peer alice(server.port(), legitimate_address);
  alice.hello("alice");
  say_and_receive(alice, alice, std::string(max_text_bytes, 'x'));
}

BOOST_AUTO_TEST_SUITE_END()
