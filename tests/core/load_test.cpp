// SPDX-License-Identifier: BSL-1.0
// Many clients talking at once: everything delivered to everyone, each sender's order kept.
// Also run under the TSan preset.
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace chat;
using namespace chat::test;

BOOST_AUTO_TEST_SUITE(load)

BOOST_AUTO_TEST_CASE(hundred_clients_fifty_messages_each_all_delivered_in_sender_order) {
  constexpr int clients = 100;
  constexpr int messages_each = 50;
  constexpr std::size_t total = std::size_t(clients) * messages_each;

  server_options options;
  options.max_connections_per_ip = 0;  // every client connects from 127.0.0.1
  options.max_connects_per_ip = 0;
  options.flood_burst = 0;  // every client sends as fast as it can
  test_server server(options);
  client_pool pool(2);
  std::vector<std::unique_ptr<recording_client>> members;
  for (int i = 0; i < clients; ++i) {
    members.push_back(std::make_unique<recording_client>(pool));
    members.back()->connect_and_hello(server.port(), "user" + std::to_string(i));
  }
  // Everyone is in the room before anyone talks, so everyone must receive everything.
  BOOST_REQUIRE(members.front()->wait_until([](const auto& all) {
    return std::count_if(all.begin(), all.end(), [](const server_message& m) {
             return std::holds_alternative<msg::server::joined>(m);
           }) == clients;  // its own and everyone else's
  }));

  for (int n = 0; n < messages_each; ++n)
    for (int i = 0; i < clients; ++i)
      BOOST_REQUIRE(!members[i]->api().say("lobby", std::to_string(n)));

  for (const auto& member : members) {
    BOOST_REQUIRE(member->wait_until(
        [](const auto& all) {
          return std::size_t(std::count_if(all.begin(), all.end(), [](const server_message& m) {
                   return std::holds_alternative<msg::server::message>(m);
                 })) == total;
        },
        std::chrono::seconds(60)));
    std::map<std::string, int> next_from;  // sender -> next expected number
    std::uint64_t last_id = 0;
    for (const auto& m : member->chat_messages()) {
      BOOST_REQUIRE_EQUAL(m.text, std::to_string(next_from[m.sender]++));
      BOOST_REQUIRE_GT(m.id, last_id);  // one room, one order for every member
      last_id = m.id;
    }
    BOOST_TEST(next_from.size() == std::size_t(clients));
  }
}

BOOST_AUTO_TEST_SUITE_END()
