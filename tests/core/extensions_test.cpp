// SPDX-License-Identifier: BSL-1.0
// The extensions a client asks for before HELLO (docs/PROTOCOL.md 7.17-7.19): CAP / CAPS, the
// server password (PASS) and session resume (SESSION, RESUME); and that a plain v2 client
// sees none of it.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"
#include "support/tcp_proxy.hpp"

#include <boost/test/unit_test.hpp>

#include <variant>
#include <vector>

using namespace chat;
using namespace chat::test;

namespace {

template <class T>
T receive_as(raw_peer& peer) {
  auto m = peer.receive();
  BOOST_REQUIRE_MESSAGE(m.has_value(), "nothing received: " << m.error().message());
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<T>(*m), "received type index " << m->index());
  return std::get<T>(*m);
}

msg::server::error fatal_error_of(raw_peer& peer) {
  const auto last = peer.last_before_close();
  BOOST_REQUIRE_MESSAGE(last.has_value(), "the server did not close: " << last.error().message());
  BOOST_REQUIRE(last->has_value());
  BOOST_REQUIRE(std::holds_alternative<msg::server::error>(**last));
  return std::get<msg::server::error>(**last);
}

server_options with_password(std::string password) {
  server_options o;
  o.password = std::move(password);
  return o;
}

server_options with_grace(std::chrono::milliseconds grace) {
  server_options o;
  o.resume_grace = grace;
  return o;
}

client_options resumable() {
  client_options o;
  o.resume = true;
  return o;
}

// A plain v2 session, as frames with the per-run values (server_id, ids, times) zeroed.
std::vector<server_message> v2_transcript(std::uint16_t port) {
  raw_peer peer(port);
  std::vector<server_message> got;
  const auto next = [&] {
    auto m = peer.receive();
    BOOST_REQUIRE(m.has_value());
    if (auto* w = std::get_if<msg::server::welcome>(&*m)) w->server_id = 0;
    if (auto* x = std::get_if<msg::server::message>(&*m)) x->id = 0, x->time_ms = 0;
    if (auto* e = std::get_if<msg::server::end>(&*m)) e->last_id = 0;
    got.push_back(*m);
  };
  peer.send(msg::client::hello{protocol_version, "plain", "lobby"});
  for (int i = 0; i < 4; ++i) next();  // WELCOME, JOINED, TOPIC, END
  peer.send(msg::client::say{"lobby", 0, "hi"});
  next();
  peer.send(msg::client::ping{7});
  next();
  peer.send(msg::client::bye{""});
  const auto last = peer.last_before_close();
  BOOST_REQUIRE(last.has_value());
  if (*last) got.push_back(**last);
  return got;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(extensions)

BOOST_AUTO_TEST_CASE(a_plain_v2_session_is_the_same_with_or_without_the_extensions) {
  test_server without(with_grace(std::chrono::milliseconds(0)));
  test_server with(with_grace(std::chrono::seconds(60)));  // resume offered
  const auto plain = v2_transcript(without.port());
  const auto offered = v2_transcript(with.port());
  BOOST_TEST_REQUIRE(plain.size() == 6u);
  BOOST_TEST((plain == offered));
  for (const auto& m : offered) {
    BOOST_TEST(!std::holds_alternative<msg::server::caps>(m));
    BOOST_TEST(!std::holds_alternative<msg::server::session>(m));
  }
}

BOOST_AUTO_TEST_CASE(cap_grants_the_capabilities_the_server_knows_and_offers) {
  test_server server;
  raw_peer peer(server.port());
  peer.send(msg::client::cap{{"no-such-thing", "resume", "resume"}});
  BOOST_TEST((receive_as<msg::server::caps>(peer) == msg::server::caps{{"resume"}}));
  peer.send(msg::client::cap{{"something-else"}});  // grants accumulate
  BOOST_TEST((receive_as<msg::server::caps>(peer) == msg::server::caps{{"resume"}}));
  peer.send(msg::client::hello{protocol_version, "alice", ""});
  BOOST_TEST(receive_as<msg::server::welcome>(peer).name == "alice");
  const auto session = receive_as<msg::server::session>(peer);
  BOOST_TEST(session.token.size() == 32u);
  BOOST_TEST(session.grace_ms == 60000u);
  peer.send(msg::client::cap{{"resume"}});
  BOOST_TEST(receive_as<msg::server::error>(peer).code == std::uint16_t(errc::already_registered));

  test_server no_resume(with_grace(std::chrono::milliseconds(0)));
  raw_peer other(no_resume.port());
  other.send(msg::client::cap{{"resume"}});
  BOOST_TEST(receive_as<msg::server::caps>(other).names.empty());
  other.send(msg::client::hello{protocol_version, "bob", ""});
  receive_as<msg::server::welcome>(other);
  other.send(msg::client::ping{1});
  BOOST_TEST(receive_as<msg::server::pong>(other).token == 1u);  // no SESSION in between
}

BOOST_AUTO_TEST_CASE(a_server_password_is_required_before_hello_and_resume) {
  test_server server(with_password("s3cret pass"));
  {
    raw_peer peer(server.port());
    peer.send(msg::client::hello{protocol_version, "alice", ""});
    const auto e = fatal_error_of(peer);
    BOOST_TEST(e.code == std::uint16_t(errc::bad_password));
    BOOST_TEST(e.text == "this server needs a password (PASS before HELLO)");
  }
  {
    raw_peer peer(server.port());
    peer.send(msg::client::resume{protocol_version, "alice", "00"});
    BOOST_TEST(fatal_error_of(peer).code == std::uint16_t(errc::bad_password));
  }
  for (const std::string& guess : std::vector<std::string>{"s3cret pas", "s3cret passs", "S3cret pass", "", std::string(300, 'x')}) {
    raw_peer peer(server.port());
    peer.send(msg::client::pass{guess});
    const auto e = fatal_error_of(peer);
    BOOST_TEST(e.code == std::uint16_t(errc::bad_password), guess);
    BOOST_TEST(e.text == "wrong password");
  }
  raw_peer peer(server.port());
  peer.send(msg::client::pass{"s3cret pass"});
  BOOST_TEST(receive_as<msg::server::caps>(peer).names.empty());
  peer.hello("alice", "lobby");
  peer.send(msg::client::pass{"s3cret pass"});
  BOOST_TEST(receive_as<msg::server::error>(peer).code == std::uint16_t(errc::already_registered));

  // The library client sends it from its options; a wrong one ends the connection.
  client_pool pool;
  client_options right;
  right.password = "s3cret pass";
  recording_client bob(pool, right);
  bob.connect_and_hello(server.port(), "bob");
  client_options wrong;
  wrong.password = "guess";
  recording_client eve(pool, wrong);
  BOOST_REQUIRE(!eve.connect(server.port()));
  BOOST_TEST(eve.hello("eve").error() == errc::bad_password);
  BOOST_TEST(eve.wait_closed() == errc::bad_password);
}

BOOST_AUTO_TEST_CASE(without_a_server_password_pass_is_answered_and_ignored) {
  test_server server;
  raw_peer peer(server.port());
  peer.send(msg::client::pass{"anything"});
  BOOST_TEST(receive_as<msg::server::caps>(peer).names.empty());
  peer.hello("alice", "");
  // The library client with a password and resume asked for works the same.
  client_pool pool;
  client_options o = resumable();
  o.password = "unneeded";
  recording_client bob(pool, o);
  bob.connect_and_hello(server.port(), "bob");
  BOOST_TEST(bob.api().resume_token().size() == 32u);
  bob.sync(1);
  BOOST_TEST(bob.all<msg::server::caps>().empty());  // the library's, not the application's
}

BOOST_AUTO_TEST_CASE(resume_takes_over_a_lost_session_without_noise_or_gap) {
  test_server server;
  tcp_proxy proxy(server.port());
  client_pool pool;
  recording_client alice(pool, resumable()), bob(pool);
  BOOST_REQUIRE(!alice.connect(proxy.port()));
  BOOST_REQUIRE(alice.hello("alice", "lobby").has_value());
  BOOST_REQUIRE(alice.wait_for_end(client_message_type::join, "lobby"));
  alice.join("dev");
  bob.connect_and_hello(server.port(), "bob", "lobby");
  bob.join("dev");
  BOOST_REQUIRE(!bob.api().say("lobby", "before"));
  const auto before = alice.wait_for<msg::server::message>(
      [](const msg::server::message& m) { return m.text == "before"; });
  BOOST_REQUIRE(before);
  const auto token = alice.api().resume_token();
  BOOST_TEST_REQUIRE(token.size() == 32u);

  proxy.cut();
  BOOST_TEST(alice.wait_closed() != boost::system::error_code{});
  // The server keeps the session: the name stays taken, even by a lookalike.
  recording_client thief(pool);
  BOOST_REQUIRE(!thief.connect(server.port()));
  BOOST_TEST(thief.hello("aIice").error() == errc::name_taken);
  BOOST_REQUIRE(!bob.api().say("lobby", "while away 1"));
  BOOST_REQUIRE(!bob.api().say("dev", "while away 2"));
  bob.sync(2);

  recording_client again(pool, resumable());
  BOOST_REQUIRE(!again.connect(server.port()));
  BOOST_TEST(again.resume("ALICE", "0123456789abcdef0123456789abcdef").error() == errc::resume_failed);
  const auto welcome = again.resume("ALICE", token);  // the name in any letter case
  BOOST_REQUIRE_MESSAGE(welcome.has_value(), welcome.error().message());
  BOOST_TEST(welcome->name == "alice");
  BOOST_TEST(welcome->server_id == server.instance.server_id());
  const auto fresh = again.wait_for<msg::server::session>();
  BOOST_REQUIRE(fresh);
  BOOST_TEST(fresh->token != token);
  BOOST_TEST(again.api().resume_token() == fresh->token);

  // Still in both rooms: catch up with HISTORY after the last id seen; live messages follow.
  std::vector<std::string> caught_up;
  for (const char* room : {"lobby", "dev"}) {
    BOOST_REQUIRE(!again.api().history(room, before->id, 100));
    const auto end = again.wait_for_end(client_message_type::history, room);
    BOOST_REQUIRE(end);
    BOOST_TEST(end->flags == 0);
  }
  for (const auto& m : again.chat_messages()) caught_up.push_back(m.text);
  BOOST_TEST((caught_up == std::vector<std::string>{"while away 1", "while away 2"}));
  BOOST_REQUIRE(!bob.api().say("lobby", "after"));
  BOOST_TEST(again.wait_for<msg::server::message>(
                      [](const msg::server::message& m) { return m.text == "after"; })
                 .has_value());
  BOOST_REQUIRE(!again.api().say("dev", "back"));
  BOOST_TEST(bob.wait_for<msg::server::message>(
                    [](const msg::server::message& m) { return m.text == "back" && m.sender == "alice"; })
                 .has_value());

  // Nobody saw alice leave or come back.
  bob.sync(3);
  BOOST_TEST(bob.all<msg::server::left>().empty());
  BOOST_TEST(bob.all<msg::server::joined>().size() == 2u);  // its own, lobby and dev
  // The old token is spent.
  recording_client replay(pool, resumable());
  BOOST_REQUIRE(!replay.connect(server.port()));
  BOOST_TEST(replay.resume("alice", token).error() == errc::resume_failed);
}

BOOST_AUTO_TEST_CASE(resume_takes_over_a_stale_connection_at_once) {
  test_server server;
  client_pool pool;
  recording_client alice(pool, resumable()), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "lobby");
  bob.connect_and_hello(server.port(), "bob", "lobby");
  BOOST_REQUIRE(alice.wait_for<msg::server::joined>(
      [](const msg::server::joined& j) { return j.name == "bob"; }));
  const auto token = alice.api().resume_token();

  // The old connection is still open (as a connection the server has not noticed dead is).
  recording_client again(pool, resumable());
  BOOST_REQUIRE(!again.connect(server.port()));
  BOOST_REQUIRE(again.resume("alice", token).has_value());
  BOOST_TEST(alice.wait_closed() == errc::session_resumed);
  BOOST_TEST(alice.wait_for<msg::server::error>(error_with(errc::session_resumed)).has_value());

  BOOST_REQUIRE(!bob.api().say("lobby", "who is there?"));
  BOOST_TEST(again.wait_for<msg::server::message>(
                      [](const msg::server::message& m) { return m.text == "who is there?"; })
                 .has_value());
  BOOST_REQUIRE(!bob.api().who("lobby"));
  BOOST_REQUIRE(bob.wait_for_end(client_message_type::who, "lobby"));
  BOOST_TEST((bob.all<msg::server::members>().at(0).names == std::vector<std::string>{"alice", "bob"}));
  BOOST_TEST(bob.all<msg::server::left>().empty());
  // A private message reaches the new connection.
  BOOST_REQUIRE(!bob.api().private_message("alice", "psst"));
  BOOST_TEST(again.wait_for<msg::server::message>(
                      [](const msg::server::message& m) { return m.text == "psst"; })
                 .has_value());
  // BYE ends the session for good: no LEFT was owed before, one is now, and the name is free.
  again.api().bye("done");
  BOOST_TEST(bob.wait_for<msg::server::left>().has_value());
  recording_client later(pool);
  BOOST_REQUIRE(!later.connect(server.port()));
  BOOST_TEST(later.hello_once_free("alice").has_value());
}

BOOST_AUTO_TEST_CASE(a_detached_session_ends_with_left_after_the_grace_period) {
  test_server server(with_grace(std::chrono::milliseconds(300)));
  tcp_proxy proxy(server.port());
  client_pool pool;
  recording_client alice(pool, resumable()), bob(pool);
  BOOST_REQUIRE(!alice.connect(proxy.port()));
  BOOST_REQUIRE(alice.hello("alice", "lobby").has_value());
  BOOST_REQUIRE(alice.wait_for_end(client_message_type::join, "lobby"));
  bob.connect_and_hello(server.port(), "bob", "lobby");
  const auto session = alice.wait_for<msg::server::session>();
  BOOST_REQUIRE(session);
  BOOST_TEST(session->grace_ms == 300u);
  const auto token = alice.api().resume_token();
  proxy.cut();
  const auto left = bob.wait_for<msg::server::left>();
  BOOST_REQUIRE(left);
  BOOST_TEST(left->name == "alice");
  BOOST_TEST(left->reason == "connection closed");
  recording_client again(pool, resumable());
  BOOST_REQUIRE(!again.connect(server.port()));
  BOOST_TEST(again.resume("alice", token).error() == errc::resume_failed);
  BOOST_TEST(again.hello_once_free("alice").has_value());  // the name is free again
}

BOOST_AUTO_TEST_CASE(resume_needs_the_capability_and_the_right_name) {
  test_server server;
  client_pool pool;
  recording_client alice(pool, resumable());
  alice.connect_and_hello(server.port(), "alice", "");
  const auto token = alice.api().resume_token();
  raw_peer peer(server.port());
  peer.send(msg::client::resume{protocol_version, "alice", token});  // no CAP
  auto e = receive_as<msg::server::error>(peer);
  BOOST_TEST(e.code == std::uint16_t(errc::resume_failed));
  BOOST_TEST(e.text == "ask for the resume capability (CAP) before RESUME");
  peer.send(msg::client::cap{{"resume"}});
  receive_as<msg::server::caps>(peer);
  peer.send(msg::client::resume{protocol_version, "bob", token});
  BOOST_TEST(receive_as<msg::server::error>(peer).code == std::uint16_t(errc::resume_failed));
  peer.send(msg::client::resume{protocol_version, "a", token});
  BOOST_TEST(receive_as<msg::server::error>(peer).code == std::uint16_t(errc::invalid_name));
  peer.send(msg::client::resume{3, "alice", token});
  BOOST_TEST(receive_as<msg::server::error>(peer).code == std::uint16_t(errc::unsupported_version));
  // After resume_failed the connection may still HELLO.
  peer.send(msg::client::hello{protocol_version, "carol", ""});
  BOOST_TEST(receive_as<msg::server::welcome>(peer).name == "carol");
  BOOST_TEST(!receive_as<msg::server::session>(peer).token.empty());
  alice.sync(1);
  BOOST_TEST(alice.all<msg::server::error>().empty());  // alice was not disturbed
}

BOOST_AUTO_TEST_CASE(detached_sessions_are_bounded_per_address) {
  server_options o;
  o.max_detached_per_ip = 1;
  test_server server(o);
  tcp_proxy proxy(server.port());
  client_pool pool;
  recording_client kept(pool, resumable()), dropped(pool, resumable()), bob(pool);
  for (auto [c, name] : {std::pair{&kept, "kept"}, std::pair{&dropped, "dropped"}}) {
    BOOST_REQUIRE(!c->connect(proxy.port()));
    BOOST_REQUIRE(c->hello(name, "lobby").has_value());
    BOOST_REQUIRE(c->wait_for_end(client_message_type::join, "lobby"));
  }
  bob.connect_and_hello(server.port(), "bob", "lobby");
  proxy.cut();
  // One of the two is kept for its grace period (60 s); the other, over the limit, leaves now.
  const auto left = bob.wait_for<msg::server::left>();
  BOOST_REQUIRE(left);
  bob.sync(1);
  BOOST_TEST(bob.all<msg::server::left>().size() == 1u);
  recording_client probe(pool);
  BOOST_REQUIRE(!probe.connect(server.port()));
  BOOST_TEST(probe.hello_once_free(left->name).has_value());  // the one that left: free
  BOOST_TEST(probe.api().nick(left->name == "kept" ? "dropped" : "kept") == boost::system::error_code{});
  BOOST_TEST(probe.wait_for<msg::server::error>(error_with(errc::name_taken)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
