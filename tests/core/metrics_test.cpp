// SPDX-License-Identifier: BSL-1.0
// Metrics and the admin endpoint: the Prometheus rendering of a known snapshot, line by line;
// then a server with its admin endpoint scraped over HTTP while clients connect, register,
// join and talk, and while one floods until it is cut off. Scrapes are polled with a deadline
// until the expected value appears, never after a sleep.
#include "admin/prometheus_text.hpp"
#include "support/http_client.hpp"
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"
#include "support/test_pki.hpp"
#include "support/ws_peer.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <charconv>
#include <memory>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;
namespace http = boost::beast::http;

namespace {

server_metrics known_snapshot() {
  using t = server_metrics::transport;
  using s = server_metrics::connection_state;
  server_metrics m;
  m.connections_of(t::tcp, s::registered) = 3;
  m.connections_of(t::tls, s::awaiting_hello) = 1;
  m.connections_of(t::websocket, s::http) = 2;
  m.rooms = 2;
  m.room_members = 5;
  m.detached_sessions = 1;
  m.history_bytes = 1234;
  m.event_loop.push_back({1500us, 2000001us});
  m.connections_accepted = 7;
  m.refused_of(server_metrics::refusal_reason::connection_limit) = 4;
  m.cut_offs_of(server_metrics::cut_off_reason::too_slow) = 1;
  m.cut_offs_of(server_metrics::cut_off_reason::flooding) = 2;
  m.messages_in = 10;
  m.messages_out = 20;
  m.bytes_in = 300;
  m.bytes_out = 4000;
  m.deliveries = 15;
  m.queue_drops = 6;
  m.log_lines_dropped = 9;
  return m;
}

constexpr const char* known_exposition =
    "# HELP chat_connections Connections open, by transport and state.\n"
    "# TYPE chat_connections gauge\n"
    "chat_connections{transport=\"tcp\",state=\"awaiting_hello\"} 0\n"
    "chat_connections{transport=\"tcp\",state=\"registered\"} 3\n"
    "chat_connections{transport=\"tcp\",state=\"closing\"} 0\n"
    "chat_connections{transport=\"tls\",state=\"awaiting_hello\"} 1\n"
    "chat_connections{transport=\"tls\",state=\"registered\"} 0\n"
    "chat_connections{transport=\"tls\",state=\"closing\"} 0\n"
    "chat_connections{transport=\"websocket\",state=\"http\"} 2\n"
    "chat_connections{transport=\"websocket\",state=\"awaiting_hello\"} 0\n"
    "chat_connections{transport=\"websocket\",state=\"registered\"} 0\n"
    "chat_connections{transport=\"websocket\",state=\"closing\"} 0\n"
    "# HELP chat_rooms Rooms with at least one member.\n"
    "# TYPE chat_rooms gauge\n"
    "chat_rooms 2\n"
    "# HELP chat_room_members Room memberships, summed over the rooms.\n"
    "# TYPE chat_room_members gauge\n"
    "chat_room_members 5\n"
    "# HELP chat_detached_sessions Resumable sessions whose connection was lost.\n"
    "# TYPE chat_detached_sessions gauge\n"
    "chat_detached_sessions 1\n"
    "# HELP chat_history_bytes Bytes of room history held, over every room.\n"
    "# TYPE chat_history_bytes gauge\n"
    "chat_history_bytes 1234\n"
    "# HELP chat_event_loop_lag_seconds How late the event loop's probe timer last fired, per probe (one per pool thread).\n"
    "# TYPE chat_event_loop_lag_seconds gauge\n"
    "chat_event_loop_lag_seconds{thread=\"0\"} 0.001500\n"
    "# HELP chat_event_loop_lag_max_seconds The largest lateness of the probe timer over the last 10 to 20 seconds, per probe.\n"
    "# TYPE chat_event_loop_lag_max_seconds gauge\n"
    "chat_event_loop_lag_max_seconds{thread=\"0\"} 2.000001\n"
    "# HELP chat_connections_accepted_total Connections accepted and admitted.\n"
    "# TYPE chat_connections_accepted_total counter\n"
    "chat_connections_accepted_total 7\n"
    "# HELP chat_refused_connections_total Connections refused as soon as they were accepted, by reason.\n"
    "# TYPE chat_refused_connections_total counter\n"
    "chat_refused_connections_total{reason=\"connection_limit\"} 4\n"
    "chat_refused_connections_total{reason=\"connect_rate\"} 0\n"
    "# HELP chat_cut_offs_total Connections the server ended itself, by reason.\n"
    "# TYPE chat_cut_offs_total counter\n"
    "chat_cut_offs_total{reason=\"too_slow\"} 1\n"
    "chat_cut_offs_total{reason=\"flooding\"} 2\n"
    "chat_cut_offs_total{reason=\"handshake_timeout\"} 0\n"
    "chat_cut_offs_total{reason=\"ping_timeout\"} 0\n"
    "# HELP chat_messages_received_total Frames received from clients.\n"
    "# TYPE chat_messages_received_total counter\n"
    "chat_messages_received_total 10\n"
    "# HELP chat_messages_sent_total Frames written to clients.\n"
    "# TYPE chat_messages_sent_total counter\n"
    "chat_messages_sent_total 20\n"
    "# HELP chat_received_bytes_total Bytes read from clients.\n"
    "# TYPE chat_received_bytes_total counter\n"
    "chat_received_bytes_total 300\n"
    "# HELP chat_sent_bytes_total Bytes written to clients.\n"
    "# TYPE chat_sent_bytes_total counter\n"
    "chat_sent_bytes_total 4000\n"
    "# HELP chat_deliveries_total Room MESSAGE frames handed to members' queues.\n"
    "# TYPE chat_deliveries_total counter\n"
    "chat_deliveries_total 15\n"
    "# HELP chat_queue_drops_total Frames not delivered because a member's queue was full or closed.\n"
    "# TYPE chat_queue_drops_total counter\n"
    "chat_queue_drops_total 6\n"
    "# HELP chat_log_lines_dropped_total Log lines dropped by a full log queue.\n"
    "# TYPE chat_log_lines_dropped_total counter\n"
    "chat_log_lines_dropped_total 9\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The value of `series` (a name with its labels, exactly as written) in an exposition.
std::optional<std::uint64_t> sample(const std::string& exposition, const std::string& series) {
  for (const auto& line : lines_of(exposition)) {
    if (line.size() <= series.size() || line.compare(0, series.size(), series) != 0 || line[series.size()] != ' ')
      continue;
    std::uint64_t value = 0;
    const char* begin = line.data() + series.size() + 1;
    const auto [end, ec] = std::from_chars(begin, line.data() + line.size(), value);
    if (ec != std::errc() || end != line.data() + line.size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

struct admin_server {
  explicit admin_server(server_options o = {}) : server(with_admin(std::move(o))) {}
  static server_options with_admin(server_options o) {
    o.admin = boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), 0);
    return o;
  }
  std::uint16_t admin_port() const { return server.instance.admin_endpoint().port(); }

  std::string scrape() const {
    const auto reply = http_get(admin_port(), "/metrics");
    BOOST_REQUIRE_MESSAGE(!reply.error, "scrape failed: " << reply.error.message());
    BOOST_REQUIRE_EQUAL(reply.status, 200u);
    BOOST_REQUIRE_EQUAL(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
    return reply.body;
  }
  std::uint64_t value(const std::string& series) const {
    const auto v = sample(scrape(), series);
    BOOST_REQUIRE_MESSAGE(v.has_value(), "no sample " << series);
    return *v;
  }
  /// Scrapes until `series` satisfies `wanted`, or fails the test at the deadline.
  std::uint64_t await(const std::string& series, const std::function<bool(std::uint64_t)>& wanted) const {
    std::uint64_t last = 0;
    const bool met = eventually([&] {
      last = value(series);
      return wanted(last);
    }, 10s);
    BOOST_CHECK_MESSAGE(met, series << " stayed at " << last);
    return last;
  }
  std::uint64_t await_equal(const std::string& series, std::uint64_t expected) const {
    return await(series, [expected](std::uint64_t v) { return v == expected; });
  }

  test_server server;
};

const std::string tcp_registered = "chat_connections{transport=\"tcp\",state=\"registered\"}";
const std::string tcp_awaiting = "chat_connections{transport=\"tcp\",state=\"awaiting_hello\"}";
const std::string ws_registered = "chat_connections{transport=\"websocket\",state=\"registered\"}";

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(a_known_snapshot_renders_to_exactly_these_lines) {
  const auto rendered = lines_of(detail::render_prometheus(known_snapshot()));
  const auto expected = lines_of(known_exposition);
  BOOST_TEST(rendered == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(without_the_option_there_is_no_admin_endpoint) {
  test_server server;
  BOOST_TEST(server.instance.admin_endpoint().port() == 0u);
  BOOST_TEST(server.instance.metrics().event_loop.size() == 4u);  // test_server's 4 threads
}

BOOST_AUTO_TEST_CASE(health_and_the_answers_to_other_paths_and_methods) {
  admin_server admin;
  BOOST_REQUIRE_NE(admin.admin_port(), 0u);
  const auto health = http_get(admin.admin_port(), "/healthz");
  BOOST_REQUIRE(!health.error);
  BOOST_TEST(health.status == 200u);
  BOOST_TEST(health.body == "ok\n");
  const auto missing = http_get(admin.admin_port(), "/nothing-here");
  BOOST_REQUIRE(!missing.error);
  BOOST_TEST(missing.status == 404u);
  const auto posted = http_request(admin.admin_port(), http::verb::post, "/metrics");
  BOOST_REQUIRE(!posted.error);
  BOOST_TEST(posted.status == 405u);
  const auto deleted = http_request(admin.admin_port(), http::verb::delete_, "/healthz");
  BOOST_REQUIRE(!deleted.error);
  BOOST_TEST(deleted.status == 405u);
}

BOOST_AUTO_TEST_CASE(at_most_eight_admin_connections_are_served_at_once) {
  admin_server admin;
  boost::asio::io_context io;
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), admin.admin_port());
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<boost::asio::ip::tcp::socket>(io));
    idle.back()->connect(endpoint);
  }
  // Accepted after the eight (the accept queue is in order) and closed without an answer.
  const auto ninth = http_get(admin.admin_port(), "/healthz");
  BOOST_TEST(ninth.error.failed());
  BOOST_TEST(ninth.status == 0u);
  idle.front()->close();  // one goes: a place is free again
  BOOST_TEST(eventually([&] { return http_get(admin.admin_port(), "/healthz").status == 200u; }, 10s));
}

BOOST_AUTO_TEST_CASE(a_scrape_follows_connections_rooms_and_messages) {
  server_options options;
  options.websocket.port = 0;
  admin_server admin(options);
  const auto& srv = admin.server.instance;
  const auto before = admin.scrape();
  BOOST_TEST((sample(before, tcp_registered) == std::optional<std::uint64_t>(0)));
  BOOST_TEST((sample(before, "chat_rooms") == std::optional<std::uint64_t>(0)));

  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(admin.server.port(), "alice", "lobby");
  bob.connect_and_hello(admin.server.port(), "bob", "lobby");
  raw_peer silent(admin.server.port());  // connected, never says HELLO
  ws_peer browser(srv.websocket_endpoint().port());
  BOOST_REQUIRE_EQUAL(browser.handshake_status(), 101u);
  browser.register_as("carol", "attic");

  admin.await_equal(tcp_registered, 2);
  admin.await_equal(tcp_awaiting, 1);
  admin.await_equal(ws_registered, 1);
  admin.await_equal("chat_rooms", 2);
  admin.await_equal("chat_room_members", 3);
  BOOST_TEST(admin.value("chat_connections_accepted_total") == 4u);

  const auto at_rest = admin.scrape();
  const auto in_before = *sample(at_rest, "chat_messages_received_total");
  const auto out_before = *sample(at_rest, "chat_messages_sent_total");
  const auto bytes_in_before = *sample(at_rest, "chat_received_bytes_total");
  const auto bytes_out_before = *sample(at_rest, "chat_sent_bytes_total");
  BOOST_TEST((sample(at_rest, "chat_deliveries_total") == std::optional<std::uint64_t>(0)));

  const auto said = alice.api().say("lobby", "hello, metrics");
  BOOST_REQUIRE_MESSAGE(!said, said.message());
  const auto from_alice = [](const msg::server::message& m) { return m.text == "hello, metrics"; };
  BOOST_REQUIRE(bob.wait_for<msg::server::message>(from_alice));
  BOOST_REQUIRE(alice.wait_for<msg::server::message>(from_alice));

  // One SAY in; its MESSAGE handed to both members of the lobby and written to both.
  admin.await_equal("chat_deliveries_total", 2);
  admin.await("chat_messages_received_total", [&](std::uint64_t v) { return v == in_before + 1; });
  admin.await("chat_messages_sent_total", [&](std::uint64_t v) { return v >= out_before + 2; });
  admin.await("chat_received_bytes_total", [&](std::uint64_t v) { return v > bytes_in_before; });
  admin.await("chat_sent_bytes_total", [&](std::uint64_t v) { return v > bytes_out_before; });

  // Connections that go are no longer counted.
  alice.api().bye();
  BOOST_TEST(!alice.wait_closed());
  admin.await_equal(tcp_registered, 1);
  admin.await_equal("chat_room_members", 2);
}

BOOST_AUTO_TEST_CASE(tls_connections_are_counted_under_their_transport) {
  test_support::test_pki pki;
  pki.make_ca("ca");
  pki.make_server("server", "ca", "metrics");
  server_options options;
  options.tls.certificate_file = pki.certificate("server");
  options.tls.private_key_file = pki.key("server");
  admin_server admin(options);
  client_options secure;
  secure.tls.enabled = true;
  secure.tls.ca_file = pki.certificate("ca");
  client_pool pool;
  recording_client alice(pool, secure);
  alice.connect_and_hello(admin.server.instance.tls_endpoint().port(), "alice");
  admin.await_equal("chat_connections{transport=\"tls\",state=\"registered\"}", 1);
  BOOST_TEST(admin.value(tcp_registered) == 0u);
  admin.await("chat_received_bytes_total", [](std::uint64_t v) { return v > 0; });
}

BOOST_AUTO_TEST_CASE(a_flooding_cut_off_and_a_refused_connection_are_counted) {
  server_options options;
  options.flood_burst = 5;
  options.flood_rate = 100;
  options.flood_disconnect_after = 300ms;
  options.max_connections_per_ip = 1;
  admin_server admin(options);
  BOOST_TEST(admin.value("chat_cut_offs_total{reason=\"flooding\"}") == 0u);

  raw_peer flooder(admin.server.port(), flooding_address);
  flooder.hello("flooder");
  raw_peer second(admin.server.port(), flooding_address);  // over max_connections_per_ip
  BOOST_TEST(second.wait_closed_by_server());
  admin.await_equal("chat_refused_connections_total{reason=\"connection_limit\"}", 1);

  for (int i = 0; i < 200; ++i) flooder.send(msg::client::say{"lobby", 0, "flood " + std::to_string(i)});
  const auto last = flooder.last_before_close();
  BOOST_REQUIRE_MESSAGE(last.has_value(), "the server did not close: " << last.error().message());
  admin.await_equal("chat_cut_offs_total{reason=\"flooding\"}", 1);
  BOOST_TEST(admin.value("chat_cut_offs_total{reason=\"too_slow\"}") == 0u);
  admin.await_equal(tcp_registered, 0);
}

BOOST_AUTO_TEST_CASE(a_member_cut_off_as_too_slow_is_counted_with_the_frames_it_lost) {
  server_options options;
  options.flood_burst = 0;  // the talker fills the deaf member's queue as fast as it can
  admin_server admin(options);
  client_pool pool;
  recording_client talker(pool);
  talker.connect_and_hello(admin.server.port(), "talker");
  raw_peer deaf(admin.server.port(), 4096);  // never reads from here on
  deaf.hello("deaf", "lobby");
  BOOST_TEST(admin.value("chat_queue_drops_total") == 0u);
  const auto cut_off = [](const msg::server::left& l) { return l.name == "deaf"; };
  const std::string big(8000, 't');
  for (int i = 0; !talker.wait_for<msg::server::left>(cut_off, 0ms); ++i) {
    BOOST_REQUIRE_MESSAGE(i < 4000, "the deaf member was never cut off");
    const auto said = talker.api().say("lobby", big);
    BOOST_REQUIRE_MESSAGE(!said, said.message());
    if (i % 16 == 15) talker.sync(std::uint64_t(i));
  }
  admin.await_equal("chat_cut_offs_total{reason=\"too_slow\"}", 1);
  admin.await("chat_queue_drops_total", [](std::uint64_t v) { return v > 0; });
  BOOST_TEST(admin.value("chat_cut_offs_total{reason=\"flooding\"}") == 0u);
}

BOOST_AUTO_TEST_CASE(healthz_says_503_while_the_server_stops) {
  boost::asio::io_context io;
  server_options options = admin_server::with_admin({});
  options.address = boost::asio::ip::make_address_v4("127.0.0.1");
  options.port = 0;
  options.close_timeout = 20s;  // the stop waits for the lingering client's own close
  chat::server srv(io, options);
  BOOST_REQUIRE(!srv.start());
  const auto port = srv.admin_endpoint().port();
  std::thread runner([&] { io.run(); });
  // A client that stays connected keeps the stop waiting for it (up to close_timeout).
  std::optional<raw_peer> lingering(std::in_place, srv.local_endpoint().port());
  lingering->hello("lingering");
  BOOST_TEST(http_get(port, "/healthz").status == 200u);
  bool stopped = false;
  std::mutex mutex;
  std::condition_variable done;
  srv.async_stop([&] {
    std::lock_guard lock(mutex);
    stopped = true;
    done.notify_all();
  });
  // Until the lingering client has gone, the endpoint answers that the server is stopping.
  const auto during = http_get(port, "/healthz");
  BOOST_TEST(during.status == 503u);
  BOOST_TEST(during.body == "stopping\n");
  lingering.reset();  // it closes its end: the last session can finish
  {
    std::unique_lock lock(mutex);
    BOOST_TEST(done.wait_for(lock, 10s, [&] { return stopped; }));
  }
  // Stopped: the admin endpoint is closed with the last session.
  BOOST_TEST(eventually([&] { return http_get(port, "/healthz").error.failed(); }, 10s));
  io.stop();
  runner.join();
}

BOOST_AUTO_TEST_SUITE_END()
