// SPDX-License-Identifier: BSL-1.0
// server::reload(): new options put in effect live, the rest kept and reported, invalid options
// rejected whole; and whatever is open (connections, their queued messages) carries on.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"
#include "support/test_pki.hpp"

#include <boost/test/unit_test.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace chat;
using namespace chat::test;
using test_support::test_pki;

// The events the server logged, as they came.
class event_log {
public:
  std::function<void(const log_record&)> sink() {
    return [this](const log_record& r) {
      std::lock_guard lock(mutex_);
      events_.emplace_back(r.event);
    };
  }
  std::size_t count(std::string_view event) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : events_) n += e == event;
    return n;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

// "a, b": how the tests compare reload_result's lists.
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

msg::server::error refusal_of(raw_peer& peer) {
  const auto last = peer.last_before_close();
  BOOST_REQUIRE_MESSAGE(last.has_value(), "the server did not close: " << last.error().message());
  BOOST_REQUIRE_MESSAGE(last->has_value() && std::holds_alternative<msg::server::error>(**last),
                        "the last frame before the close is not an ERROR");
  return std::get<msg::server::error>(**last);
}

client_options with_password(std::string password) {
  client_options o;
  o.password = std::move(password);
  return o;
}

// `from` says `text` in the lobby and `to` receives it.
void talks(recording_client& from, recording_client& to, const std::string& text) {
  BOOST_REQUIRE(!from.api().say("lobby", text));
  const bool arrived =
      to.wait_for<msg::server::message>([&](const msg::server::message& m) { return m.text == text; }).has_value();
  BOOST_TEST(arrived, text << " did not arrive");
}

struct certificates {
  certificates() {
    pki.make_ca("ca");
    pki.make_ca("ca2");
    pki.make_ca("ca3");
    pki.make_server("server", "ca", "first");
  }
  server_options tls_server() const {
    server_options o;
    o.tls.certificate_file = pki.certificate("server");
    o.tls.private_key_file = pki.key("server");
    return test_server::for_test(o);
  }
  client_options trusting(const std::string& ca) const {
    client_options o;
    o.tls.enabled = true;
    o.tls.ca_file = pki.certificate(ca);
    return o;
  }
  test_pki pki;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(reload)

BOOST_AUTO_TEST_CASE(a_lowered_max_connections_refuses_the_next_connection_and_keeps_the_open_ones) {
  auto options = test_server::for_test({});
  options.max_connections = 3;
  test_server server(options);
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice");
  bob.connect_and_hello(server.port(), "bob");

  options.max_connections = 2;
  const auto result = server.instance.reload(options);
  BOOST_TEST(!result.error);
  BOOST_TEST(listed(result.applied) == "max_connections");
  BOOST_TEST(listed(result.kept) == "");

  raw_peer carol(server.port());
  const auto refusal = refusal_of(carol);
  BOOST_TEST(refusal.code == std::uint16_t(errc::too_many_connections));
  BOOST_TEST(refusal.text == "server full (limit 2 connections)");
  talks(alice, bob, "still here");
  talks(bob, alice, "me too");
}

BOOST_AUTO_TEST_CASE(a_new_password_is_asked_of_new_clients_while_those_in_stay) {
  auto options = test_server::for_test({});
  options.password = "old secret";
  test_server server(options);
  client_pool pool;
  recording_client alice(pool, with_password("old secret"));
  alice.connect_and_hello(server.port(), "alice");

  options.password = "new secret";
  const auto result = server.instance.reload(options);
  BOOST_TEST(!result.error);
  BOOST_TEST(listed(result.applied) == "password");

  recording_client late(pool, with_password("old secret"));
  BOOST_REQUIRE(!late.connect(server.port()));
  BOOST_TEST(late.hello("late").error() == errc::bad_password);
  recording_client bob(pool, with_password("new secret"));
  bob.connect_and_hello(server.port(), "bob");
  talks(alice, bob, "I came in with the old one");
  talks(bob, alice, "and I with the new one");
}

BOOST_AUTO_TEST_CASE(raising_the_log_level_to_debug_logs_debug_events) {
  event_log log;
  auto options = test_server::for_test({});
  options.log = log.sink();
  test_server server(options);
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(server.port(), "alice");
  BOOST_REQUIRE(eventually([&] { return log.count("registered") == 1; }));
  BOOST_TEST(log.count("joined") == 0u);  // a debug event, and the level is info

  options.log_level = log_level::debug;
  const auto result = server.instance.reload(options);
  BOOST_TEST(listed(result.applied) == "log_level");
  BOOST_TEST(log.count("reloaded") == 1u);
  alice.join("dev");
  BOOST_TEST(eventually([&] { return log.count("joined") == 1; }));
}

BOOST_AUTO_TEST_CASE(invalid_options_are_rejected_whole_and_nothing_changes) {
  event_log log;
  auto options = test_server::for_test({});
  options.password = "old secret";
  options.log = log.sink();
  test_server server(options);

  auto next = options;
  next.password = "new secret";  // valid, but part of options that are not
  next.max_frame = largest_valid_frame - 1;
  next.port = 1;
  const auto result = server.instance.reload(next);
  BOOST_TEST(result.error == boost::system::errc::invalid_argument);
  BOOST_TEST(listed(result.applied) == "");
  BOOST_TEST(listed(result.kept) == "");
  BOOST_TEST(log.count("reload_rejected") == 1u);
  BOOST_TEST(log.count("reloaded") == 0u);

  client_pool pool;
  recording_client alice(pool, with_password("old secret"));
  alice.connect_and_hello(server.port(), "alice");
  recording_client eve(pool, with_password("new secret"));
  BOOST_REQUIRE(!eve.connect(server.port()));
  BOOST_TEST(eve.hello("eve").error() == errc::bad_password);
}

BOOST_AUTO_TEST_CASE(a_tls_key_that_does_not_match_is_rejected_and_nothing_changes) {
  certificates certs;
  auto options = certs.tls_server();
  test_server server(options);
  const auto tls_port = server.instance.tls_endpoint().port();

  auto next = options;
  next.tls.private_key_file = certs.pki.key("ca2");  // not the certificate's key
  next.password = "new secret";
  const auto result = server.instance.reload(next);
  BOOST_TEST(result.error);
  BOOST_TEST(listed(result.applied) == "");

  client_pool pool;
  recording_client alice(pool, certs.trusting("ca"));  // the certificate in use, no password
  alice.connect_and_hello(tls_port, "alice");
}

BOOST_AUTO_TEST_CASE(changed_listener_settings_are_kept_and_reported) {
  auto options = test_server::for_test({});
  test_server server(options);
  const auto port = server.port();

  auto next = options;
  next.address = boost::asio::ip::make_address_v4("127.0.0.2");
  next.port = 1;
  next.threads = options.threads + 1;
  next.tls.port = 2;
  next.websocket.port = 3;
  next.idle_timeout = std::chrono::seconds(60);
  const auto result = server.instance.reload(next);
  BOOST_TEST(!result.error);
  BOOST_TEST(listed(result.kept) == "address, port, threads, tls.port, websocket.port");
  BOOST_TEST(listed(result.applied) == "idle_timeout");

  BOOST_TEST(server.instance.local_endpoint().port() == port);
  BOOST_TEST(server.instance.websocket_endpoint().port() == 0);  // none was made
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(port, "alice");
}

BOOST_AUTO_TEST_CASE(tls_reload_gives_new_connections_the_new_certificate_and_keeps_the_old_ones) {
  certificates certs;
  auto options = certs.tls_server();
  test_server server(options);
  const auto tls_port = server.instance.tls_endpoint().port();
  client_pool pool;
  recording_client before(pool, certs.trusting("ca"));
  before.connect_and_hello(tls_port, "before");
  {
    recording_client early(pool, certs.trusting("ca2"));
    BOOST_TEST(early.connect(tls_port), "the certificate of ca2 was served before it existed");
  }

  // New contents in the same files: read again, though no option changed.
  certs.pki.make_server("server", "ca2", "second");
  auto result = server.instance.reload(options);
  BOOST_TEST(!result.error);
  BOOST_TEST(listed(result.applied) == "");
  recording_client second(pool, certs.trusting("ca2"));
  second.connect_and_hello(tls_port, "second");

  // Other files.
  certs.pki.make_server("renewed", "ca3", "third");
  options.tls.certificate_file = certs.pki.certificate("renewed");
  options.tls.private_key_file = certs.pki.key("renewed");
  result = server.instance.reload(options);
  BOOST_TEST(!result.error);
  BOOST_TEST(listed(result.applied) == "tls.certificate_file, tls.private_key_file");
  recording_client third(pool, certs.trusting("ca3"));
  third.connect_and_hello(tls_port, "third");

  talks(before, third, "made before both reloads");
  talks(third, before, "made after them");
  talks(second, before, "made between");
}

BOOST_AUTO_TEST_CASE(a_message_queued_to_a_slow_client_across_a_reload_still_arrives) {
  auto options = test_server::for_test({});
  options.flood_burst = 0;  // the talker sends in a burst
  test_server server(options);
  raw_peer slow(server.port(), 4096);  // a small receive buffer, and not reading for now
  slow.hello("slow");
  client_pool pool;
  recording_client talker(pool);
  talker.connect_and_hello(server.port(), "talker");

  // About 640 KB: more than the sockets hold, less than the queue's bound (1 MiB).
  constexpr int messages = 40;
  const std::string filler(16000, 'x');
  for (int i = 0; i < messages; ++i) BOOST_REQUIRE(!talker.api().say("lobby", std::to_string(i) + filler));
  const auto last = std::to_string(messages - 1) + filler;
  BOOST_REQUIRE(talker.wait_for<msg::server::message>([&](const msg::server::message& m) { return m.text == last; }));

  auto next = options;
  next.password = "from now on";
  next.max_connections = 10;
  next.idle_timeout = std::chrono::seconds(30);
  next.max_rooms_per_user = 4;
  BOOST_REQUIRE(!server.instance.reload(next).error);

  int received = 0;
  while (received < messages) {
    auto m = slow.receive();
    BOOST_REQUIRE_MESSAGE(m.has_value(), "after " << received << " messages: " << m.error().message());
    if (const auto* said = std::get_if<msg::server::message>(&*m)) {
      BOOST_REQUIRE(said->text == std::to_string(received) + filler);
      ++received;
    }
  }
  BOOST_TEST(server.instance.session_count() == 2u);
}

BOOST_AUTO_TEST_CASE(a_shorter_idle_time_applies_from_the_next_deadline_of_an_open_connection) {
  auto options = test_server::for_test({});  // idle 90 s
  test_server server(options);
  raw_peer quiet(server.port());
  quiet.hello("quiet");

  options.idle_timeout = std::chrono::milliseconds(200);
  BOOST_TEST(listed(server.instance.reload(options).applied) == "idle_timeout");
  quiet.send(msg::client::ping{7});  // its next input: the deadline counts from here
  auto pong = quiet.receive();
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST(std::holds_alternative<msg::server::pong>(*pong));
  auto ping = quiet.receive(std::chrono::seconds(10));  // not 90
  BOOST_REQUIRE(ping.has_value());
  BOOST_TEST(std::holds_alternative<msg::server::ping>(*ping));
}

BOOST_AUTO_TEST_SUITE_END()
