// SPDX-License-Identifier: BSL-1.0
// Catching up: HISTORY, JOIN after an id, and the missed flag, against a running server.
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace chat;
using namespace chat::test;

namespace {

std::vector<std::string> texts_of(const std::vector<msg::server::message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.text);
  return out;
}

/// Posts `texts` to `room` and waits for the echo of the last; returns their ids.
std::vector<std::uint64_t> post(recording_client& c, const std::string& room,
                                const std::vector<std::string>& texts) {
  for (const auto& t : texts) BOOST_REQUIRE(!c.api().say(room, t));
  std::vector<std::uint64_t> ids;
  BOOST_REQUIRE(c.wait_until([&](const std::vector<server_message>& all) {
    ids.clear();
    for (const auto& t : texts)
      for (const auto& received : all)
        if (auto* m = std::get_if<msg::server::message>(&received);
            m && m->target == room && m->text == t && !(m->flags & msg::flag_history))
          ids.push_back(m->id);
    return ids.size() == texts.size();
  }));
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(history)

BOOST_AUTO_TEST_CASE(history_after_an_id_returns_exactly_the_later_messages) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  bob.connect_and_hello(server.port(), "bob", "dev");
  const auto ids = post(alice, "dev", {"one", "two", "three"});

  BOOST_REQUIRE(!bob.api().history("dev", ids[0], 100));
  const auto end = bob.wait_for_end(client_message_type::history, "dev");
  BOOST_REQUIRE(end);
  BOOST_TEST(end->flags == 0);
  BOOST_TEST(end->last_id == ids[2]);
  std::vector<msg::server::message> replayed;
  for (const auto& m : bob.chat_messages("dev"))
    if (m.flags & msg::flag_history) replayed.push_back(m);
  BOOST_TEST((texts_of(replayed) == std::vector<std::string>{"two", "three"}));
}

BOOST_AUTO_TEST_CASE(history_after_an_id_that_fell_out_of_the_ring_says_missed) {
  server_options options;
  options.history = 3;
  test_server server(options);
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  bob.connect_and_hello(server.port(), "bob", "dev");
  const auto ids = post(alice, "dev", {"m1", "m2", "m3", "m4", "m5"});

  BOOST_REQUIRE(!bob.api().history("dev", ids[0], 100));  // m2 is gone
  const auto end = bob.wait_for_end(client_message_type::history, "dev");
  BOOST_REQUIRE(end);
  BOOST_TEST(end->flags == msg::end_missed);
  BOOST_TEST(end->last_id == ids[4]);

  BOOST_REQUIRE(!bob.api().history("dev", ids[2], 1));  // a page at a time
  const auto paged = bob.wait_for_end(client_message_type::history, "dev", 2);
  BOOST_REQUIRE(paged);
  BOOST_TEST(paged->flags == msg::end_truncated);
  BOOST_TEST(paged->last_id == ids[3]);
}

BOOST_AUTO_TEST_CASE(history_needs_membership) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  bob.connect_and_hello(server.port(), "bob", "");
  BOOST_REQUIRE(!bob.api().history("dev", 0, 10));
  BOOST_TEST(bob.wait_for<msg::server::error>([](const msg::server::error& e) {
    return e.code == std::uint16_t(errc::not_in_room);
  }).has_value());
}

BOOST_AUTO_TEST_CASE(rejoining_after_an_id_replays_only_what_was_missed) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), stays(pool);
  alice.connect_and_hello(server.port(), "alice", "dev");
  stays.connect_and_hello(server.port(), "stays", "dev");
  const auto seen = post(alice, "dev", {"before"});
  BOOST_REQUIRE(!alice.api().part("dev"));
  post(stays, "dev", {"while away 1", "while away 2"});

  const auto end = alice.join("dev", seen.back());
  BOOST_TEST(end.flags == 0);
  std::vector<msg::server::message> replayed;
  for (const auto& m : alice.chat_messages("dev"))
    if (m.flags & msg::flag_history) replayed.push_back(m);
  BOOST_TEST((texts_of(replayed) == std::vector<std::string>{"while away 1", "while away 2"}));
}

BOOST_AUTO_TEST_CASE(an_emptied_room_keeps_its_history_for_returning_members) {
  test_server server;
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "quiet");
  const auto seen = post(alice, "quiet", {"seen"});
  BOOST_REQUIRE(!alice.api().part("quiet"));
  // Bob passes through the empty room, says something, and leaves it empty again.
  bob.connect_and_hello(server.port(), "bob", "quiet");
  post(bob, "quiet", {"said while alice was away"});
  BOOST_REQUIRE(!bob.api().part("quiet"));
  BOOST_REQUIRE(bob.wait_for<msg::server::left>().has_value());

  const auto end = alice.join("quiet", seen.back());
  BOOST_TEST(end.flags == 0);
  const auto all = alice.chat_messages("quiet");
  BOOST_REQUIRE(!all.empty());
  BOOST_TEST(all.back().text == "said while alice was away");
  BOOST_TEST((all.back().flags & msg::flag_history) != 0);
}

BOOST_AUTO_TEST_CASE(emptied_rooms_beyond_the_retention_budget_are_forgotten_and_say_so) {
  server_options options;
  options.retained_history_bytes = 1;  // no empty room's history fits
  test_server server(options);
  client_pool pool;
  recording_client alice(pool);
  alice.connect_and_hello(server.port(), "alice", "quiet");
  const auto seen = post(alice, "quiet", {"seen"});
  post(alice, "quiet", {"not seen"});
  BOOST_REQUIRE(!alice.api().part("quiet"));
  BOOST_REQUIRE(alice.wait_for<msg::server::left>().has_value());

  const auto end = alice.join("quiet", seen.back());
  BOOST_TEST(end.flags == msg::end_missed);  // honest: it cannot vouch for what came after
  BOOST_TEST(alice.chat_messages("quiet").size() == 2u);  // only the live echoes from before
}

BOOST_AUTO_TEST_SUITE_END()
