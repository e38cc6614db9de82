// SPDX-License-Identifier: BSL-1.0
// The server in-process on a 4-thread pool, driven through chat::client and raw sockets.
#include "support/random_frames.hpp"
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

using namespace chat;
using namespace chat::test;

namespace {

auto from(const std::string& sender, const std::string& text) {
  return std::function<bool(const msg::server::message&)>(
      [=](const msg::server::message& m) { return m.sender == sender && m.text == text; });
}

template <class T>
bool holds(const boost::system::result<server_message>& r) {
  return r.has_value() && std::holds_alternative<T>(*r);
}

std::uint16_t error_code_of(const boost::system::result<server_message>& r) {
  BOOST_REQUIRE_MESSAGE(holds<msg::server::error>(r), "expected an ERROR frame");
  return std::get<msg::server::error>(*r).code;
}

// A server embedded in an io_context the test owns, run by one thread as a single-threaded
// program would run its own. The tests end the server (embedded.reset()) and join `runner`.
struct server_on_a_programs_io_context {
  boost::asio::io_context program;
  std::unique_ptr<server> embedded;
  std::thread runner;

  server_on_a_programs_io_context() {
    server_options options;
    options.address = boost::asio::ip::make_address_v4("127.0.0.1");
    options.port = 0;
    embedded = std::make_unique<server>(program, options);
    BOOST_REQUIRE(!embedded->start());
    runner = std::thread([this] { program.run(); });
  }

  // Still running only after a failed requirement: end as the tests do, since destroying a
  // joinable std::thread would abort the whole run.
  ~server_on_a_programs_io_context() {
    embedded.reset();
    if (runner.joinable()) runner.join();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(server_behaviour)

BOOST_AUTO_TEST_CASE(welcome_names_the_user_and_the_server_run_and_the_join_follows) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);

  const auto first = alice.connect_and_hello(server.port(), "alice");
  BOOST_TEST(first.name == "alice");
  BOOST_TEST(!first.server_info.empty());
  BOOST_TEST(first.server_id == server.instance.server_id());
  BOOST_TEST(first.server_id != 0u);
  BOOST_TEST((alice.all<msg::server::joined>().at(0) == msg::server::joined{"alice", "lobby", 1}));

  const auto second = bob.connect_and_hello(server.port(), "bob");
  BOOST_TEST(second.server_id == first.server_id);
  BOOST_TEST((bob.all<msg::server::joined>().at(0) == msg::server::joined{"bob", "lobby", 2}));
  BOOST_TEST(alice.wait_for<msg::server::joined>([](const msg::server::joined& j) {
    return j.name == "bob" && j.room == "lobby" && j.member_count == 2;
  }).has_value());

  // The greeting is JOINED, TOPIC, history, END, in that order.
  const auto greeting = bob.received();
  BOOST_REQUIRE_EQUAL(greeting.size(), 3u);
  BOOST_TEST(std::holds_alternative<msg::server::topic>(greeting[1]));
  BOOST_TEST(std::get<msg::server::end>(greeting[2]).request == std::uint8_t(client_message_type::join));
}

BOOST_AUTO_TEST_CASE(hello_without_a_room_joins_none) {
  test_server server;
  client_pool pool;
  recording_client loner(pool);
  loner.connect_and_hello(server.port(), "loner", "");
  BOOST_REQUIRE(!loner.api().ping(5));
  BOOST_REQUIRE(loner.wait_for<msg::server::pong>());
  BOOST_TEST(loner.all<msg::server::joined>().empty());
  BOOST_REQUIRE(!loner.api().say("lobby", "anyone?"));
  BOOST_TEST(loner.wait_for<msg::server::error>([](const msg::server::error& e) {
    return e.code == std::uint16_t(errc::not_in_room);
  }).has_value());
}

BOOST_AUTO_TEST_CASE(rooms_are_case_insensitive_and_separate) {
  test_server server;
  client_pool pool;
  recording_client a(pool), b(pool), c(pool);
  a.connect_and_hello(server.port(), "alice", "Dev");
  BOOST_TEST(a.all<msg::server::joined>().at(0).room == "dev");
  b.connect_and_hello(server.port(), "bob", "DEV");
  BOOST_TEST(b.all<msg::server::joined>().at(0).member_count == 2u);
  c.connect_and_hello(server.port(), "carol", "ops");
  BOOST_TEST(c.all<msg::server::joined>().at(0).member_count == 1u);

  BOOST_TEST(!a.api().say("dEv", "dev only"));
  BOOST_REQUIRE(b.wait_for<msg::server::message>(from("alice", "dev only")));
  BOOST_TEST(!c.api().say("ops", "ops only"));
  BOOST_REQUIRE(c.wait_for<msg::server::message>(from("carol", "ops only")));
  // carol's message arrived after alice's; had it leaked to dev, bob would have it by now.
  BOOST_REQUIRE(b.api().ping(7) == boost::system::error_code{});
  BOOST_REQUIRE(b.wait_for<msg::server::pong>());
  for (const auto& m : b.chat_messages()) BOOST_TEST(m.target == "dev");
}

BOOST_AUTO_TEST_CASE(sending_before_connecting_is_refused_without_harm) {
  test_server server;
  client_pool pool;
  recording_client early(pool);
  BOOST_TEST(early.api().say("lobby", "too soon") == errc::not_connected);
  BOOST_TEST(early.api().ping(1) == errc::not_connected);
  BOOST_TEST(early.hello("early").error() == errc::not_connected);
  BOOST_REQUIRE(!early.connect(server.port()));
  BOOST_TEST(early.api().say("lobby", "not yet") == errc::not_registered);  // before WELCOME
  BOOST_TEST(early.api().join("lobby") == errc::not_registered);
  BOOST_TEST(early.hello("early").has_value());
  BOOST_TEST(early.connect(server.port()) == boost::asio::error::already_connected);
}

BOOST_AUTO_TEST_CASE(leaving_is_announced_with_the_new_count) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool);
  alice.connect_and_hello(server.port(), "alice");
  bob.connect_and_hello(server.port(), "bob");
  carol.connect_and_hello(server.port(), "carol");

  bob.api().bye();
  BOOST_TEST(bob.wait_closed() == boost::system::error_code{});
  BOOST_TEST(alice.wait_for<msg::server::left>([](const msg::server::left& l) {
    return l.name == "bob" && l.member_count == 2;
  }).has_value());

  carol.api().close();  // an abrupt disconnect is announced too
  BOOST_TEST(alice.wait_for<msg::server::left>([](const msg::server::left& l) {
    return l.name == "carol" && l.member_count == 1;
  }).has_value());
}

BOOST_AUTO_TEST_CASE(broadcast_reaches_every_member_and_echoes_to_sender) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool);
  alice.connect_and_hello(server.port(), "alice");
  bob.connect_and_hello(server.port(), "bob");
  carol.connect_and_hello(server.port(), "carol");

  BOOST_REQUIRE(!alice.api().say("lobby", "hello, all \xE2\x9C\x93"));
  std::vector<msg::server::message> seen;
  for (auto* c : {&alice, &bob, &carol}) {
    auto m = c->wait_for<msg::server::message>(from("alice", "hello, all \xE2\x9C\x93"));
    BOOST_REQUIRE(m);
    seen.push_back(*m);
  }
  BOOST_TEST(seen[0].id > 0u);
  BOOST_TEST(seen[0].time_ms > 0u);
  BOOST_TEST(seen[0].flags == 0);
  BOOST_TEST((seen[0] == seen[1] && seen[1] == seen[2]));  // same id and time for everyone
}

BOOST_AUTO_TEST_CASE(taken_and_invalid_names_are_rejected_and_may_be_retried) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), other(pool);
  alice.connect_and_hello(server.port(), "alice");

  BOOST_REQUIRE(!other.connect(server.port()));
  BOOST_TEST(other.hello("ALICE").error() == errc::name_taken);
  BOOST_TEST(other.hello("a").error() == errc::invalid_name);
  BOOST_TEST(other.hello("has space").error() == errc::invalid_name);
  BOOST_TEST(other.hello(std::string(33, 'x')).error() == errc::invalid_name);
  BOOST_TEST(other.hello("bob", "no room!").error() == errc::invalid_room);
  const auto welcome = other.hello("alice.2", "lobby");  // the same connection, after five refusals
  BOOST_REQUIRE(welcome.has_value());
  BOOST_TEST(other.wait_for<msg::server::joined>([](const msg::server::joined& j) {
    return j.name == "alice.2" && j.member_count == 2;
  }).has_value());
  BOOST_TEST(other.hello("again").error() == errc::already_registered);
}

BOOST_AUTO_TEST_CASE(a_name_is_free_again_after_its_owner_leaves) {
  test_server server;
  client_pool pool;
  {
    recording_client alice(pool);
    alice.connect_and_hello(server.port(), "alice");
    alice.api().bye();
    alice.wait_closed();
  }
  recording_client again(pool);
  BOOST_REQUIRE(!again.connect(server.port()));
  BOOST_TEST(again.hello_once_free("alice").has_value());
}

BOOST_AUTO_TEST_CASE(bye_frees_the_name_and_is_announced_before_the_socket_closes) {
  server_options options;
  options.close_timeout = std::chrono::seconds(60);  // longer than any deadline below
  test_server server(options);
  client_pool pool;
  recording_client witness(pool);
  witness.connect_and_hello(server.port(), "witness");

  raw_peer leaver(server.port());
  leaver.hello("leaver");
  leaver.send(msg::client::bye{});  // and keeps its socket open, never sending FIN
  BOOST_TEST(witness.wait_for<msg::server::left>([](const msg::server::left& l) { return l.name == "leaver"; }).has_value());

  recording_client again(pool);
  BOOST_REQUIRE(!again.connect(server.port()));
  BOOST_TEST(again.hello_once_free("leaver").has_value());
}

BOOST_AUTO_TEST_CASE(a_long_history_of_long_messages_does_not_keep_newcomers_out) {
  test_server server;  // default history (100) and queue bound (1 MiB)
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice");
  const std::string longest(max_text_bytes - 4, 'x');
  for (int i = 0; i < 100; ++i) {  // 1.6 MiB of history, more than the queue bound
    BOOST_REQUIRE(!alice.api().say("lobby", longest + std::to_string(1000 + i)));
    if (i % 16 == 15) BOOST_REQUIRE(alice.wait_for<msg::server::message>(from("alice", longest + std::to_string(1000 + i))));
  }
  BOOST_REQUIRE(alice.wait_for<msg::server::message>(from("alice", longest + "1099")));

  bob.connect_and_hello(server.port(), "bob");
  BOOST_TEST(bob.chat_messages().size() == 100u);
  BOOST_REQUIRE(!alice.api().say("lobby", "after the replay"));
  BOOST_TEST(bob.wait_for<msg::server::message>(from("alice", "after the replay")).has_value());
}

BOOST_AUTO_TEST_CASE(a_handler_may_destroy_its_client) {
  test_server server;
  client_pool pool;
  auto owned = std::make_unique<chat::client>(pool.io.get_executor());
  std::promise<std::string> finished;
  const std::string captured = "still alive";  // copied into the handler
  owned->on_message([&owned, &finished, captured](const server_message& m) {
    if (!std::holds_alternative<msg::server::message>(m)) return;
    owned.reset();                  // destroys the client from inside its own handler...
    finished.set_value(captured);   // ...and the handler's captures are still usable
  });
  owned->async_connect("127.0.0.1", std::to_string(server.port()), boost::asio::use_future).get();
  owned->async_hello("selfdestruct", "lobby", boost::asio::use_future).get();
  BOOST_REQUIRE(!owned->say("lobby", "bye, world"));
  auto result = finished.get_future();
  BOOST_REQUIRE(result.wait_for(default_deadline) == std::future_status::ready);
  BOOST_TEST(result.get() == "still alive");
}

BOOST_AUTO_TEST_CASE(history_is_replayed_on_join_oldest_first) {
  server_options options;
  options.history = 3;
  test_server server(options);
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice");
  for (int i = 1; i <= 5; ++i) BOOST_REQUIRE(!alice.api().say("lobby", "m" + std::to_string(i)));
  BOOST_REQUIRE(alice.wait_for<msg::server::message>(from("alice", "m5")));

  bob.connect_and_hello(server.port(), "bob");  // returns once the greeting's END is in
  const auto replay = bob.chat_messages();
  BOOST_REQUIRE_EQUAL(replay.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(replay[i].text == "m" + std::to_string(i + 3));
    BOOST_TEST((replay[i].flags & msg::flag_history) != 0);
  }
  BOOST_TEST(replay[0].id < replay[1].id);
  BOOST_TEST(replay[1].id < replay[2].id);
}

BOOST_AUTO_TEST_CASE(a_connection_that_never_says_hello_is_closed) {
  server_options options;
  options.handshake_timeout = std::chrono::milliseconds(300);
  test_server server(options);

  raw_peer joined(server.port());  // connects first, so its deadline passes first
  joined.hello("prompt");

  raw_peer silent(server.port());
  silent.send(msg::client::ping{1});  // pings do not count as introducing oneself
  BOOST_REQUIRE(holds<msg::server::pong>(silent.receive()));
  silent.send(msg::client::hello{protocol_version, "x", ""});  // nor does a refused HELLO
  BOOST_TEST(error_code_of(silent.receive()) == std::uint16_t(errc::invalid_name));
  BOOST_TEST(error_code_of(silent.receive()) == std::uint16_t(errc::handshake_timeout));
  BOOST_TEST(silent.wait_closed_by_server());

  // The joined peer's timer was cancelled by its HELLO: it is still served.
  joined.send(msg::client::ping{2});
  auto reply = joined.receive();
  BOOST_REQUIRE(holds<msg::server::pong>(reply));
  BOOST_TEST(std::get<msg::server::pong>(*reply).token == 2u);
}

BOOST_AUTO_TEST_CASE(ping_is_answered_before_and_after_hello) {
  test_server server;
  raw_peer peer(server.port());
  peer.send(msg::client::ping{42});
  auto reply = peer.receive();
  BOOST_REQUIRE(holds<msg::server::pong>(reply));
  BOOST_TEST(std::get<msg::server::pong>(*reply).token == 42u);
}

BOOST_AUTO_TEST_CASE(protocol_errors_get_their_own_code_and_the_connection_survives) {
  test_server server;
  client_pool pool;
  recording_client witness(pool);
  witness.connect_and_hello(server.port(), "witness");
  raw_peer peer(server.port());

  peer.send(msg::client::say{"lobby", 0, "too early"});
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::not_registered));
  peer.send(msg::client::join{"lobby", 0});
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::not_registered));

  peer.send(msg::client::hello{1, "peer", "lobby"});  // a version 1 client
  const auto refusal = peer.receive();
  BOOST_TEST(error_code_of(refusal) == std::uint16_t(errc::unsupported_version));
  BOOST_TEST(std::get<msg::server::error>(*refusal).text.find("version 2") != std::string::npos);

  const std::uint8_t unknown[] = {0, 0, 0, 1, 0x7F};
  peer.send_bytes(unknown);
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::unknown_type));

  peer.send(msg::server::welcome{"i am no server", 1, "peer"});
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::unexpected_type));

  const std::uint8_t overrun[] = {0, 0, 0, 3, 0x02, 0x00, 0x10};  // SAY room says 16 bytes, has 0
  peer.send_bytes(overrun);
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::malformed_frame));

  peer.hello("peer");

  frame_bytes bad_utf8 = encode(msg::client::say{"lobby", 0, "ab"});
  bad_utf8[bad_utf8.size() - 2] = 0xC0;  // an overlong '/'
  bad_utf8[bad_utf8.size() - 1] = 0xAF;
  peer.send_bytes(bad_utf8);
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::invalid_utf8));

  peer.send(msg::client::say{"lobby", 0, "bell\x07"});
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::invalid_text));

  peer.send(msg::client::say{"lobby", 0, "still here"});
  auto echo = peer.receive();
  BOOST_REQUIRE(holds<msg::server::message>(echo));
  BOOST_TEST(std::get<msg::server::message>(*echo).text == "still here");
  BOOST_TEST(witness.wait_for<msg::server::message>(from("peer", "still here")).has_value());
}

BOOST_AUTO_TEST_CASE(random_frames_get_answers_and_the_server_keeps_serving) {
  test_server server;
  client_pool pool;
  recording_client witness(pool);
  witness.connect_and_hello(server.port(), "witness");
  raw_peer peer(server.port());
  peer.hello("fuzzer");

  std::mt19937 rng(7);  // fixed seed: a failure reproduces
  int sent = 0;
  while (sent < 2000) {
    const frame_bytes frame = random_frame(rng);
    if (frame[frame_header_size] == std::uint8_t(client_message_type::bye)) continue;  // would end it
    peer.send_bytes(frame);
    ++sent;
  }
  // Frames are handled in order: once this PONG arrives, every random frame was dealt with.
  peer.send(msg::client::ping{424242});
  bool answered = false;
  while (!answered) {
    auto reply = peer.receive();
    BOOST_REQUIRE_MESSAGE(reply.has_value(), "connection failed: " << reply.error().message());
    answered = holds<msg::server::pong>(reply) && std::get<msg::server::pong>(*reply).token == 424242;
  }
  BOOST_REQUIRE(!witness.api().say("lobby", "still serving"));
  BOOST_TEST(witness.wait_for<msg::server::message>(from("witness", "still serving")).has_value());
}

BOOST_AUTO_TEST_CASE(oversized_declared_length_is_refused_without_allocating_it) {
  test_server server;
  client_pool pool;
  recording_client witness(pool);
  witness.connect_and_hello(server.port(), "witness");

  raw_peer peer(server.port());
  const std::uint8_t huge[] = {0xFF, 0xFF, 0xFF, 0xF0, 0x02};  // declares ~4 GiB
  peer.send_bytes(huge);
  BOOST_TEST(error_code_of(peer.receive()) == std::uint16_t(errc::frame_too_large));
  BOOST_TEST(peer.wait_closed_by_server());

  BOOST_REQUIRE(!witness.api().say("lobby", "server still up"));
  BOOST_TEST(witness.wait_for<msg::server::message>(from("witness", "server still up")).has_value());
}

BOOST_AUTO_TEST_CASE(a_member_that_stops_reading_is_cut_off_and_others_keep_receiving) {
  server_options options;
  options.max_queue_bytes = 256 * 1024;
  options.flood_burst = 0;  // the talker floods on purpose
  test_server server(options);
  client_pool pool;
  recording_client talker(pool), listener(pool);
  talker.connect_and_hello(server.port(), "talker");
  listener.connect_and_hello(server.port(), "listener");

  raw_peer stalled(server.port(), 4096);
  stalled.send(msg::client::hello{protocol_version, "stalled", "lobby"});  // joins, then never reads again
  BOOST_REQUIRE(talker.wait_for<msg::server::joined>([](const msg::server::joined& j) { return j.name == "stalled"; }));

  // Enough to fill the stalled socket's buffers and its 256 KiB queue many times over.
  const std::string big(8000, 'x');
  const int count = 2000;
  for (int i = 0; i < count; ++i) {
    BOOST_REQUIRE(!talker.api().say("lobby", big + std::to_string(i)));
    if (i % 16 == 15)  // pace the talker by the listener, so only the stalled member lags
      BOOST_REQUIRE(listener.wait_for<msg::server::message>(from("talker", big + std::to_string(i))));
  }
  BOOST_TEST(listener.wait_for<msg::server::left>([](const msg::server::left& l) { return l.name == "stalled"; }).has_value());
  BOOST_TEST(listener.wait_for<msg::server::message>(from("talker", big + std::to_string(count - 1))).has_value());
  BOOST_TEST(listener.chat_messages().size() == std::size_t(count));
  BOOST_TEST(listener.wait_for<msg::server::left>([](const msg::server::left& l) { return l.name == "stalled"; })->reason == "too slow");
  // The cut-off connection is closed (after its close timeout, as it never reads), the others
  // stay.
  BOOST_TEST(stalled.wait_closed_by_server());
  BOOST_TEST(eventually([&] { return server.instance.session_count() == 2u; }));
}

BOOST_AUTO_TEST_CASE(a_member_cut_off_as_too_slow_is_told_why_when_it_reads_again) {
  server_options options;
  options.max_queue_bytes = 256 * 1024;
  options.flood_burst = 0;  // the talker floods on purpose
  test_server server(options);
  client_pool pool;
  recording_client talker(pool);
  talker.connect_and_hello(server.port(), "talker");
  raw_peer stalled(server.port(), 4096);
  stalled.send(msg::client::hello{protocol_version, "stalled", "lobby"});  // then reads nothing
  BOOST_REQUIRE(talker.wait_for<msg::server::joined>([](const msg::server::joined& j) { return j.name == "stalled"; }));

  const auto cut_off = [](const msg::server::left& l) { return l.name == "stalled"; };
  const std::string big(8000, 'x');
  for (int i = 0; !talker.wait_for<msg::server::left>(cut_off, 0ms); ++i) {
    BOOST_REQUIRE_MESSAGE(i < 4000, "the stalled member was never cut off");
    BOOST_REQUIRE(!talker.api().say("lobby", big));
    if (i % 16 == 15) talker.sync(std::uint64_t(i));
  }

  // Reading again within the close timeout, it gets what was already on its way, then the
  // reason, then the end of the stream.
  const auto last = stalled.last_before_close();
  BOOST_REQUIRE(last.has_value());
  BOOST_REQUIRE(last->has_value());
  BOOST_TEST(error_code_of(**last) == std::uint16_t(errc::too_slow));
}

BOOST_AUTO_TEST_CASE(graceful_stop_tells_members_and_closes_them) {
  client_pool pool;
  recording_client alice(pool);
  auto server = std::make_unique<test_server>();
  alice.connect_and_hello(server->port(), "alice");

  const auto port = server->port();
  server->instance.stop();
  BOOST_TEST(alice.wait_for<msg::server::error>([](const msg::server::error& e) {
    return e.code == std::uint16_t(errc::server_shutting_down);
  }).has_value());
  BOOST_TEST(alice.wait_closed() == make_error_code(errc::server_shutting_down));
  BOOST_TEST(server->instance.session_count() == 0u);

  // Stopped means no longer listening, even while the server object lives on.
  recording_client late(pool);
  BOOST_TEST(late.connect(port) == boost::asio::error::connection_refused);
}

BOOST_FIXTURE_TEST_CASE(a_server_on_the_programs_io_context_serves_and_stops_asynchronously,
                        server_on_a_programs_io_context) {
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(embedded->local_endpoint().port(), "alice");
  BOOST_REQUIRE(!alice.api().say("lobby", "hello from inside"));
  BOOST_TEST(alice.wait_for<msg::server::message>(from("alice", "hello from inside")).has_value());

  std::promise<void> stopped;
  embedded->async_stop([&] { stopped.set_value(); });
  BOOST_REQUIRE(stopped.get_future().wait_for(default_deadline) == std::future_status::ready);
  BOOST_TEST(alice.wait_closed() == make_error_code(errc::server_shutting_down));
  BOOST_TEST(embedded->session_count() == 0u);

  // The program's io_context has no work left once the server is gone.
  embedded.reset();
  runner.join();
}

BOOST_FIXTURE_TEST_CASE(a_server_destroyed_before_its_shared_io_context_leaves_no_dangling_session,
                        server_on_a_programs_io_context) {
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(embedded->local_endpoint().port(), "alice");

  embedded.reset();  // begins the stop; the session finishes on the program's io_context
  BOOST_TEST(alice.wait_closed() == make_error_code(errc::server_shutting_down));
  runner.join();  // returns: nothing of the server is left to run
}

BOOST_AUTO_TEST_CASE(a_server_with_its_own_pool_stopped_asynchronously_is_then_destroyed_cleanly) {
  auto own = std::make_unique<test_server>();
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(own->port(), "alice");
  std::promise<void> stopped;
  own->instance.async_stop([&] { stopped.set_value(); });
  BOOST_REQUIRE(stopped.get_future().wait_for(default_deadline) == std::future_status::ready);
  BOOST_TEST(alice.wait_closed() == make_error_code(errc::server_shutting_down));
  own.reset();  // joins the pool's threads, which async_stop left running
}

BOOST_AUTO_TEST_CASE(async_stop_never_completes_inside_the_call) {
  boost::asio::io_context program;
  server_options options;
  options.port = 0;
  server idle(program, options);
  BOOST_REQUIRE(!idle.start());
  bool done = false;
  idle.async_stop([&] { done = true; });  // no session to wait for
  BOOST_TEST(!done);
  program.run();  // the handler runs here, on the server's io_context
  BOOST_TEST(done);
}

BOOST_AUTO_TEST_CASE(async_stop_completes_while_the_shared_io_context_runs_however_fast_it_empties) {
  // With nothing to close, the io_context's other work ends at once; the stop's own pending
  // work must keep run() going until the handler has run.
  for (int round = 0; round < 20; ++round) {
    boost::asio::io_context program;
    server_options options;
    options.port = 0;
    server idle(program, options);
    BOOST_REQUIRE(!idle.start());
    std::thread runner([&] { program.run(); });
    std::promise<void> stopped;
    idle.async_stop([&] { stopped.set_value(); });
    const bool completed = stopped.get_future().wait_for(default_deadline) == std::future_status::ready;
    runner.join();
    BOOST_REQUIRE_MESSAGE(completed, "async_stop did not complete in round " << round);
  }
}

BOOST_AUTO_TEST_CASE(start_reports_address_in_use_and_bad_options) {
  test_server first;
  server_options same;
  same.port = first.port();
  same.threads = 1;
  server second(same);
  BOOST_TEST(second.start() == boost::system::errc::address_in_use);

  server_options tiny;
  tiny.port = 0;
  tiny.max_frame = 100;
  server third(tiny);
  BOOST_TEST(third.start() == boost::system::errc::invalid_argument);

  server_options roomless;  // HELLO's room could never be joined: two answers to one request
  roomless.port = 0;
  roomless.max_rooms_per_user = 0;
  server fourth(roomless);
  BOOST_TEST(fourth.start() == boost::system::errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
