// SPDX-License-Identifier: BSL-1.0
// Flood control over real sockets (PROTOCOL.md 7.20): a client flooding a crowded room is
// paced, not cut off and not dropped, and nobody else is cut off; one that keeps flooding is
// told ERROR flooding and closed while the others chat on.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

namespace {


// The texts of the MESSAGEs `peer` receives from `sender` until `last` (or the end).
std::vector<std::string> texts_until(raw_peer& peer, const std::string& sender, const std::string& last,
                                     bool* cut_off = nullptr) {
  std::vector<std::string> texts;
  for (;;) {
    const auto next = peer.receive();
    BOOST_REQUIRE_MESSAGE(next.has_value(), "no more frames: " << next.error().message());
    if (const auto* m = std::get_if<msg::server::message>(&*next); m && m->sender == sender) {
      texts.push_back(m->text);
      if (m->text == last) return texts;
    }
    if (const auto* left = std::get_if<msg::server::left>(&*next); left && left->reason == "too slow" && cut_off)
      *cut_off = true;
    if (const auto* e = std::get_if<msg::server::error>(&*next))
      BOOST_FAIL("ERROR " << e->code << ": " << e->text);
  }
}

std::string numbered(int i) { return "flood " + std::to_string(i); }

}  // namespace

BOOST_AUTO_TEST_SUITE(flood_control)

BOOST_AUTO_TEST_CASE(a_flooder_in_a_200_member_room_is_delayed_in_order_and_nobody_is_cut_off) {
  constexpr int members = 200;
  constexpr int flood = 150;
  server_options options;
  options.max_connections_per_ip = 0;  // the crowd connects from 127.0.0.1
  options.max_connects_per_ip = 0;
  options.flood_burst = 10;
  options.flood_rate = 50;  // fast enough for a short test, still far below the flooder
  options.flood_disconnect_after = 0ms;  // paced forever, never disconnected
  test_server server(options);

  std::vector<std::unique_ptr<raw_peer>> crowd;
  for (int i = 0; i < members - 2; ++i) {
    crowd.push_back(std::make_unique<raw_peer>(server.port()));
    crowd.back()->hello("member" + std::to_string(i), "crowd");
  }
  raw_peer witness(server.port(), legitimate_address);
  witness.hello("witness", "crowd");
  raw_peer flooder(server.port(), flooding_address);
  flooder.hello("flooder", "crowd");

  // All at once: far more than the burst. The server reads them as it paces them.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < flood; ++i) flooder.send(msg::client::say{"crowd", 0, numbered(i)});
  // The flooder reads its echoes, as the attack does; meanwhile the witness chats.
  const auto echoes = texts_until(flooder, "flooder", numbered(flood - 1));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  witness.send(msg::client::say{"crowd", 0, "still here"});

  // Delayed, not dropped: every message, in order, to the flooder and to every member.
  std::vector<std::string> expected;
  for (int i = 0; i < flood; ++i) expected.push_back(numbered(i));
  BOOST_TEST(echoes == expected, boost::test_tools::per_element());
  bool cut_off = false;
  BOOST_TEST(texts_until(witness, "flooder", numbered(flood - 1), &cut_off) == expected,
             boost::test_tools::per_element());
  for (auto& member : crowd) {
    BOOST_TEST_REQUIRE(texts_until(*member, "flooder", numbered(flood - 1), &cut_off) == expected);
    BOOST_TEST_REQUIRE(texts_until(*member, "witness", "still here", &cut_off).size() == 1u);
  }
  BOOST_TEST(!cut_off);
  BOOST_TEST(server.instance.session_count() == std::size_t(members));
  // Paced: after the burst, no faster than the rate (a lower bound, which load cannot break).
  BOOST_TEST(elapsed >= std::chrono::duration<double>((flood - 10 - 1) / options.flood_rate));
}

BOOST_AUTO_TEST_CASE(a_client_that_keeps_flooding_is_told_flooding_and_closed_while_others_chat) {
  server_options options;
  options.flood_burst = 5;
  options.flood_rate = 100;
  options.flood_disconnect_after = 500ms;
  test_server server(options);
  raw_peer alice(server.port(), legitimate_address);
  alice.hello("alice");
  raw_peer flooder(server.port(), flooding_address);
  flooder.hello("flooder");

  // Two seconds' worth at the rate, sent at once: paced, and past half a second, cut off.
  for (int i = 0; i < 200; ++i) flooder.send(msg::client::say{"lobby", 0, numbered(i)});
  const auto last = flooder.last_before_close();
  BOOST_REQUIRE_MESSAGE(last.has_value(), "the server did not close: " << last.error().message());
  BOOST_REQUIRE(last->has_value());
  const auto* error = std::get_if<msg::server::error>(&**last);
  BOOST_REQUIRE(error != nullptr);
  BOOST_TEST(error->code == static_cast<std::uint16_t>(errc::flooding));
  BOOST_TEST(error->text == "flooding: more than 100 messages/s sustained for 0.5 s; slow down");

  // What was handled before reached alice in order, then the flooder left; alice chats on.
  std::vector<std::string> seen;
  for (;;) {
    const auto next = alice.receive();
    BOOST_REQUIRE(next.has_value());
    if (const auto* m = std::get_if<msg::server::message>(&*next)) seen.push_back(m->text);
    if (const auto* left = std::get_if<msg::server::left>(&*next); left && left->name == "flooder") break;
  }
  BOOST_TEST_REQUIRE(seen.size() >= 5u + 45u);  // the burst and at least half a second's worth
  BOOST_TEST_REQUIRE(seen.size() < 200u);
  for (std::size_t i = 0; i < seen.size(); ++i) BOOST_TEST(seen[i] == numbered(int(i)));
  alice.send(msg::client::say{"lobby", 0, "quiet again"});
  BOOST_TEST(texts_until(alice, "alice", "quiet again").size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
