// SPDX-License-Identifier: BSL-1.0
// Several rooms per connection: JOIN, PART, LIST, WHO and TOPIC against a running server.
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace chat;
using namespace chat::test;

namespace {

auto said(const std::string& sender, const std::string& text) {
  return std::function<bool(const msg::server::message&)>(
      [=](const msg::server::message& m) { return m.sender == sender && m.text == text; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rooms)

BOOST_AUTO_TEST_CASE(a_member_of_several_rooms_hears_each_and_rooms_stay_apart) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  alice.join("ops");
  bob.connect_and_hello(server.port(), "bob", "dev");
  carol.connect_and_hello(server.port(), "carol", "ops");

  BOOST_REQUIRE(!bob.api().say("dev", "build is green"));
  BOOST_REQUIRE(!carol.api().say("ops", "disk is full"));
  BOOST_TEST(alice.wait_for<msg::server::message>(said("bob", "build is green"))->target == "dev");
  BOOST_TEST(alice.wait_for<msg::server::message>(said("carol", "disk is full"))->target == "ops");

  bob.sync(1);
  carol.sync(2);
  BOOST_TEST(bob.chat_messages("ops").empty());
  BOOST_TEST(carol.chat_messages("dev").empty());
  BOOST_TEST(bob.chat_messages("dev").size() == 1u);

  // Saying something in a room you are not in is refused, and reaches nobody.
  BOOST_REQUIRE(!bob.api().say("ops", "let me in"));
  BOOST_TEST(bob.wait_for<msg::server::error>(error_with(errc::not_in_room)).has_value());
  carol.sync(3);
  BOOST_TEST(carol.chat_messages("ops").size() == 1u);
}

BOOST_AUTO_TEST_CASE(part_leaves_one_room_and_keeps_the_others) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  alice.join("ops");
  bob.connect_and_hello(server.port(), "bob", "dev");
  bob.join("ops");

  BOOST_REQUIRE(!alice.api().part("OPS", "lunch"));
  const auto seen = bob.wait_for<msg::server::left>([](const msg::server::left& l) { return l.name == "alice"; });
  BOOST_REQUIRE(seen);
  BOOST_TEST((*seen == msg::server::left{"alice", "ops", 1, "lunch"}));
  BOOST_TEST(alice.wait_for<msg::server::left>().has_value());  // the PART is acknowledged

  BOOST_REQUIRE(!alice.api().say("dev", "still here"));
  BOOST_TEST(bob.wait_for<msg::server::message>(said("alice", "still here")).has_value());
  BOOST_REQUIRE(!alice.api().part("ops"));
  BOOST_TEST(alice.wait_for<msg::server::error>(error_with(errc::not_in_room)).has_value());
}

BOOST_AUTO_TEST_CASE(joining_twice_or_too_many_rooms_is_refused) {
  server_options options;
  options.max_rooms_per_user = 2;
  test_server server(options);
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(server.port(), "alice", "one");
  BOOST_REQUIRE(!alice.api().join("ONE"));
  BOOST_TEST(alice.wait_for<msg::server::error>(error_with(errc::already_in_room)).has_value());
  alice.join("two");
  BOOST_REQUIRE(!alice.api().join("three"));
  BOOST_TEST(alice.wait_for<msg::server::error>(error_with(errc::too_many_rooms)).has_value());
  BOOST_TEST(alice.api().join("not a room") == errc::invalid_room);  // checked locally
}

BOOST_AUTO_TEST_CASE(list_shows_rooms_with_members_largest_first) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "big");
  alice.join("small");
  bob.connect_and_hello(server.port(), "bob", "big");
  bob.join("gone");
  BOOST_REQUIRE(!bob.api().part("gone"));
  BOOST_REQUIRE(!bob.api().set_topic("big", "the big room"));

  BOOST_REQUIRE(!bob.api().list_rooms());
  const auto end = bob.wait_for_end(client_message_type::list, "");
  BOOST_REQUIRE(end);
  BOOST_TEST(end->flags == 0);
  const auto rooms = bob.all<msg::server::room_info>();
  BOOST_REQUIRE_EQUAL(rooms.size(), 2u);  // "gone" has no members: it does not exist
  BOOST_TEST((rooms[0] == msg::server::room_info{"big", 2, "the big room"}));
  BOOST_TEST((rooms[1] == msg::server::room_info{"small", 1, ""}));
}

BOOST_AUTO_TEST_CASE(who_names_the_members_of_an_existing_room) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  bob.connect_and_hello(server.port(), "Bob", "dev");
  carol.connect_and_hello(server.port(), "carol", "ops");

  BOOST_REQUIRE(!carol.api().who("DEV"));  // a room one is not in may be looked at
  BOOST_REQUIRE(carol.wait_for_end(client_message_type::who, "dev"));
  std::vector<std::string> names;
  for (const auto& part : carol.all<msg::server::members>()) {
    BOOST_TEST(part.room == "dev");
    names.insert(names.end(), part.names.begin(), part.names.end());
  }
  BOOST_TEST((names == std::vector<std::string>{"alice", "Bob"}));

  BOOST_REQUIRE(!carol.api().who("nowhere"));
  BOOST_TEST(carol.wait_for<msg::server::error>(error_with(errc::no_such_room)).has_value());
}

BOOST_AUTO_TEST_CASE(who_of_a_crowded_room_comes_in_several_frames) {
  server_options options;
  options.max_connections_per_ip = 0;  // every client connects from 127.0.0.1
  options.max_connects_per_ip = 0;
  test_server server(options);
  client_pool pool(2);
  std::vector<std::unique_ptr<recording_client>> crowd;
  const std::size_t size = max_names_per_frame + 3;
  for (std::size_t i = 0; i < size; ++i) {
    crowd.push_back(std::make_unique<recording_client>(pool));
    BOOST_REQUIRE(!crowd.back()->connect(server.port()));
    BOOST_REQUIRE(crowd.back()->hello("user" + std::to_string(i), "crowd").has_value());
  }
  auto& asker = *crowd.back();
  BOOST_REQUIRE(asker.wait_for_end(client_message_type::join, "crowd"));
  BOOST_REQUIRE(!asker.api().who("crowd"));
  BOOST_REQUIRE(asker.wait_for_end(client_message_type::who, "crowd"));
  const auto parts = asker.all<msg::server::members>();
  BOOST_REQUIRE_EQUAL(parts.size(), 2u);
  BOOST_TEST(parts[0].names.size() == max_names_per_frame);
  BOOST_TEST(parts[1].names.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_v2_client_is_not_told_of_arrivals_and_departures_in_a_quiet_room) {
  server_options options;
  options.quiet_joins_above = 2;
  test_server server(options);
  client_pool pool;
  recording_client alice(pool), bob(pool), carol(pool);
  alice.connect_and_hello(server.port(), "alice", "big");
  bob.connect_and_hello(server.port(), "bob", "big");
  BOOST_REQUIRE(alice.wait_for<msg::server::joined>([](const msg::server::joined& j) {
    return j.name == "bob" && j.member_count == 2;
  }));

  // The third member makes the room quiet: its greeting has the true count, and nobody else
  // hears of it. Had its JOINED been sent, it would reach the others before what it says.
  carol.connect_and_hello(server.port(), "carol", "big");
  BOOST_TEST((carol.all<msg::server::joined>().at(0) == msg::server::joined{"carol", "big", 3}));
  BOOST_REQUIRE(!carol.api().say("big", "hello"));
  for (auto* other : {&alice, &bob}) {
    BOOST_REQUIRE(other->wait_for<msg::server::message>(said("carol", "hello")));
    for (const auto& j : other->all<msg::server::joined>()) BOOST_TEST(j.name != "carol");
  }

  // WHO and LIST tell who is there.
  BOOST_REQUIRE(!alice.api().who("big"));
  BOOST_REQUIRE(alice.wait_for_end(client_message_type::who, "big"));
  BOOST_TEST((alice.all<msg::server::members>().at(0).names ==
              std::vector<std::string>{"alice", "bob", "carol"}));
  BOOST_REQUIRE(!alice.api().list_rooms());
  BOOST_REQUIRE(alice.wait_for_end(client_message_type::list, ""));
  BOOST_TEST(alice.all<msg::server::room_info>().at(0).member_count == 3u);

  // A PART gets its own LEFT; the others are not told (the room had more than 2 members).
  BOOST_REQUIRE(!carol.api().part("big", "off"));
  BOOST_REQUIRE(carol.wait_for<msg::server::left>([](const msg::server::left& l) {
    return l.name == "carol" && l.member_count == 2 && l.reason == "off";
  }));
  BOOST_REQUIRE(!bob.api().say("big", "after"));
  BOOST_REQUIRE(alice.wait_for<msg::server::message>(said("bob", "after")));
  BOOST_TEST(alice.all<msg::server::left>().empty());
}

BOOST_AUTO_TEST_CASE(topic_is_set_by_members_shown_on_join_and_asked_by_anyone) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool), outsider(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  bob.connect_and_hello(server.port(), "bob", "dev");
  outsider.connect_and_hello(server.port(), "outsider", "");

  BOOST_REQUIRE(!alice.api().set_topic("dev", "ship it \xE2\x9C\x93"));
  const auto seen = bob.wait_for<msg::server::topic>([](const msg::server::topic& t) { return !t.text.empty(); });
  BOOST_REQUIRE(seen);
  BOOST_TEST(seen->text == "ship it \xE2\x9C\x93");
  BOOST_TEST(seen->set_by == "alice");
  BOOST_TEST(seen->time_ms > 0u);

  BOOST_REQUIRE(!outsider.api().topic("dev"));
  BOOST_TEST(outsider.wait_for<msg::server::topic>()->text == "ship it \xE2\x9C\x93");
  BOOST_REQUIRE(!outsider.api().set_topic("dev", "hijacked"));
  BOOST_TEST(outsider.wait_for<msg::server::error>(error_with(errc::not_in_room)).has_value());
  BOOST_REQUIRE(!outsider.api().topic("nowhere"));
  BOOST_TEST(outsider.wait_for<msg::server::error>(error_with(errc::no_such_room)).has_value());

  outsider.join("dev");  // the greeting carries the topic
  BOOST_TEST(outsider.all<msg::server::topic>().back().text == "ship it \xE2\x9C\x93");

  BOOST_TEST(alice.api().set_topic("dev", std::string(max_topic_bytes + 1, 'x')) == errc::invalid_text);
}

BOOST_AUTO_TEST_SUITE_END()
