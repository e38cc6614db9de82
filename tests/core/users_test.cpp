// SPDX-License-Identifier: BSL-1.0
// Users across rooms: private messages, actions, renames.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace chat;
using namespace chat::test;

namespace {

auto text_is(const std::string& text) {
  return std::function<bool(const msg::server::message&)>(
      [=](const msg::server::message& m) { return m.text == text; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(users)

BOOST_AUTO_TEST_CASE(a_private_message_reaches_only_its_recipient_and_echoes) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool);
  alice.connect_and_hello(server.port(), "alice", "");  // no room needed to talk privately
  bob.connect_and_hello(server.port(), "Bob", "");
  carol.connect_and_hello(server.port(), "carol", "lobby");

  BOOST_REQUIRE(!alice.api().private_message("BOB", "psst"));
  const auto got = bob.wait_for<msg::server::message>(text_is("psst"));
  BOOST_REQUIRE(got);
  BOOST_TEST(got->sender == "alice");
  BOOST_TEST(got->target == "Bob");  // the registered spelling
  BOOST_TEST(got->flags == msg::flag_private);
  const auto echo = alice.wait_for<msg::server::message>(text_is("psst"));
  BOOST_REQUIRE(echo);
  BOOST_TEST((*echo == *got));

  BOOST_REQUIRE(!bob.api().private_message("alice", "nods", msg::flag_action));
  BOOST_TEST(alice.wait_for<msg::server::message>(text_is("nods"))->flags ==
             (msg::flag_private | msg::flag_action));
  carol.sync(1);
  BOOST_TEST(carol.chat_messages().empty());
}

BOOST_AUTO_TEST_CASE(a_private_message_to_nobody_is_an_error) {
  test_server server;
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(server.port(), "alice", "");
  BOOST_REQUIRE(!alice.api().private_message("ghost", "hello?"));
  const auto error = alice.wait_for<msg::server::error>(error_with(errc::no_such_user));
  BOOST_REQUIRE(error);
  BOOST_TEST(error->text.find("ghost") != std::string::npos);
  BOOST_TEST(alice.chat_messages().empty());
}

BOOST_AUTO_TEST_CASE(an_action_is_flagged_for_the_whole_room) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice");
  bob.connect_and_hello(server.port(), "bob");
  BOOST_REQUIRE(!alice.api().act("lobby", "waves"));
  BOOST_TEST(bob.wait_for<msg::server::message>(text_is("waves"))->flags == msg::flag_action);

  // Reserved bits a client sets are not passed on.
  raw_peer peer(server.port());
  peer.hello("peer");
  peer.send(msg::client::say{"lobby", 0xF0, "odd flags"});
  BOOST_TEST(bob.wait_for<msg::server::message>(text_is("odd flags"))->flags == 0);
}

BOOST_AUTO_TEST_CASE(nick_renames_once_for_everyone_who_shares_a_room) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool), stranger(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  alice.join("ops");
  bob.connect_and_hello(server.port(), "bob", "dev");
  bob.join("ops");  // shares two rooms with alice: still one notice
  carol.connect_and_hello(server.port(), "carol", "ops");
  stranger.connect_and_hello(server.port(), "stranger", "elsewhere");

  BOOST_REQUIRE(!alice.api().nick("Alicia"));
  const msg::server::renamed expected{"alice", "Alicia"};
  for (auto* c : {&alice, &bob, &carol})
    BOOST_TEST((c->wait_for<msg::server::renamed>() == expected));
  BOOST_REQUIRE(!alice.api().say("dev", "new name"));
  BOOST_TEST(bob.wait_for<msg::server::message>(text_is("new name"))->sender == "Alicia");

  bob.sync(1);
  stranger.sync(2);
  BOOST_TEST(bob.all<msg::server::renamed>().size() == 1u);
  BOOST_TEST(stranger.all<msg::server::renamed>().empty());

  // The old name is free, the new one taken; WHO shows the new one.
  recording_client late(pool);
  BOOST_REQUIRE(!late.connect(server.port()));
  BOOST_TEST(late.hello("ALICIA").error() == errc::name_taken);
  BOOST_TEST(late.hello("alice").has_value());
  BOOST_REQUIRE(!late.api().who("dev"));
  BOOST_REQUIRE(late.wait_for_end(client_message_type::who, "dev"));
  BOOST_TEST((late.all<msg::server::members>().at(0).names == std::vector<std::string>{"Alicia", "bob"}));
  // Private messages follow the new name.
  BOOST_REQUIRE(!late.api().private_message("alicia", "found you"));
  BOOST_TEST(alice.wait_for<msg::server::message>(text_is("found you")).has_value());
}

BOOST_AUTO_TEST_CASE(nick_collisions_and_bad_names_are_refused) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice");
  bob.connect_and_hello(server.port(), "bob");

  BOOST_REQUIRE(!bob.api().nick("ALICE"));
  BOOST_TEST(bob.wait_for<msg::server::error>(error_with(errc::name_taken)).has_value());
  BOOST_TEST(bob.api().nick("no spaces") == errc::invalid_name);

  BOOST_REQUIRE(!bob.api().nick("BOB"));  // a change of letter case only is allowed
  BOOST_TEST((alice.wait_for<msg::server::renamed>() == msg::server::renamed{"bob", "BOB"}));
  bob.sync(1);
  BOOST_TEST(bob.all<msg::server::error>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(lookalike_names_are_taken_but_reach_nobody) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), mallory(pool), other(pool);
  alice.connect_and_hello(server.port(), "alice", "");
  mallory.connect_and_hello(server.port(), "mallory", "");
  BOOST_REQUIRE(!other.connect(server.port()));
  for (const char* lookalike : {"aIice", "ALlCE", "a1ice", "AL1CE", "rnallory", "RNa11ory"})
    BOOST_TEST(other.hello(lookalike).error() == errc::name_taken, lookalike);
  // Clearly different names are not.
  BOOST_TEST(other.hello("alicia").has_value());
  BOOST_REQUIRE(!other.api().nick("a1ice"));
  BOOST_TEST(other.wait_for<msg::server::error>([](const msg::server::error& e) {
    return e.text == "name a1ice is taken: it looks too like alice";
  }).has_value());

  // A private message to a lookalike does not reach the owner of the real name.
  BOOST_REQUIRE(!other.api().private_message("aIice", "for alice?"));
  BOOST_TEST(other.wait_for<msg::server::error>(error_with(errc::no_such_user)).has_value());
  BOOST_REQUIRE(!other.api().private_message("ALICE", "for alice"));
  BOOST_TEST(alice.wait_for<msg::server::message>(text_is("for alice")).has_value());
  BOOST_TEST(alice.all<msg::server::message>().size() == 1u);

  // A user may take a lookalike of its own name; the old spelling is then free of course.
  BOOST_REQUIRE(!alice.api().nick("Al1ce"));
  BOOST_TEST((alice.wait_for<msg::server::renamed>() == msg::server::renamed{"alice", "Al1ce"}));
  BOOST_REQUIRE(!other.api().nick("aiice"));
  BOOST_TEST(other.wait_for<msg::server::error>([](const msg::server::error& e) {
    return e.text == "name aiice is taken: it looks too like Al1ce";
  }).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
