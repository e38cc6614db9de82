// SPDX-License-Identifier: BSL-1.0
// Memory budgets for history: the per-room byte cap, the global budget over every room (the
// oldest messages of the largest rooms go first) and an honest *missed* after either; then the
// attack that grew chatd to 1.98 GB (many connections, each filling many rooms with 16 KB
// messages), scaled down, against a small budget.
#include "history/memory_history.hpp"
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace chat;
using namespace chat::test;

namespace {

msg::server::message text_message(std::uint64_t id, const std::string& room, std::size_t size) {
  return {id, 0, 0, "alice", room, std::string(size, 'x')};
}

const std::size_t big = detail::memory_history::footprint(text_message(1, "r", 1000));

std::vector<std::uint64_t> ids_of(const detail::history_replay& r) {
  std::vector<std::uint64_t> out;
  for (const auto& m : r.messages) out.push_back(m.id);
  return out;
}

// The process's resident set, from /proc/self/status (VmRSS, in kB), in bytes.
std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kb = 0;
      status >> kb;
      return kb * 1024;
    }
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;  // shadow memory and quarantines: RSS says nothing
#else
constexpr bool sanitized = false;
#endif

}  // namespace

BOOST_AUTO_TEST_SUITE(history_budget)

BOOST_AUTO_TEST_CASE(footprint_counts_the_heap_a_message_holds) {
  const auto small = detail::memory_history::footprint(text_message(1, "r", 3));
  BOOST_TEST(small == sizeof(msg::server::message));  // every string inline
  const auto large = detail::memory_history::footprint(text_message(1, "r", 16384));
  BOOST_TEST(large >= sizeof(msg::server::message) + 16384 + 8);
  BOOST_TEST(large <= sizeof(msg::server::message) + 16384 + 8 + 16 + 2 * 48);
}

BOOST_AUTO_TEST_CASE(room_byte_cap_forgets_the_oldest_and_replay_says_missed) {
  detail::memory_history store(100, 3 * big);
  store.open("r", 0);
  for (std::uint64_t id = 1; id <= 5; ++id) store.append("r", text_message(id, "r", 1000));
  BOOST_TEST(store.bytes("r") == 3 * big);
  BOOST_TEST(store.total_bytes() == 3 * big);
  const auto after_first = store.replay("r", 1, 5, 100);
  BOOST_TEST((ids_of(after_first) == std::vector<std::uint64_t>{3, 4, 5}));
  BOOST_TEST(after_first.missed);  // 2 was forgotten
  BOOST_TEST(after_first.last_id == 5u);
  BOOST_TEST(!store.replay("r", 2, 5, 100).missed);  // nothing after 2 is gone
}

BOOST_AUTO_TEST_CASE(a_message_larger_than_the_room_cap_is_not_kept_and_says_missed) {
  detail::memory_history store(100, big / 2);
  store.open("r", 0);
  store.append("r", text_message(7, "r", 1000));
  BOOST_TEST(store.total_bytes() == 0u);
  const auto r = store.replay("r", 3, 7, 100);
  BOOST_TEST(r.messages.empty());
  BOOST_TEST(r.missed);
  BOOST_TEST(r.last_id == 7u);
}

BOOST_AUTO_TEST_CASE(over_the_budget_the_largest_room_gives_back_its_oldest_first) {
  detail::memory_history store(100, detail::memory_history::unlimited, 10 * big);
  store.open("large", 0);
  store.open("small", 0);
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) store.append("large", text_message(++id, "large", 1000));  // 1..8
  store.append("small", text_message(++id, "small", 1000));  // 9
  store.append("small", text_message(++id, "small", 1000));  // 10: exactly the budget
  BOOST_TEST(store.total_bytes() == 10 * big);
  store.append("small", text_message(++id, "small", 1000));  // 11: one too many
  store.append("small", text_message(++id, "small", 1000));  // 12

  BOOST_TEST(store.total_bytes() == 10 * big);
  BOOST_TEST(store.bytes("large") == 6 * big);
  BOOST_TEST(store.bytes("small") == 4 * big);
  const auto large = store.replay("large", 1, id, 100);
  BOOST_TEST((ids_of(large) == std::vector<std::uint64_t>{3, 4, 5, 6, 7, 8}));
  BOOST_TEST(large.missed);  // 2 went to the budget
  const auto small = store.replay("small", 8, id, 100);
  BOOST_TEST((ids_of(small) == std::vector<std::uint64_t>{9, 10, 11, 12}));
  BOOST_TEST(!small.missed);
}

BOOST_AUTO_TEST_CASE(the_total_never_exceeds_the_budget_and_is_the_sum_of_the_rooms) {
  const std::size_t budget = 64 * 1024;
  detail::memory_history store(50, 16 * 1024, budget);
  std::vector<std::string> rooms;
  for (int i = 0; i < 20; ++i) rooms.push_back("room" + std::to_string(i));
  for (const auto& r : rooms) store.open(r, 0);
  std::mt19937 random(9);
  for (std::uint64_t id = 1; id <= 5000; ++id) {
    const auto& r = rooms[random() % rooms.size()];
    store.append(r, text_message(id, r, 1 + random() % 3000));
    BOOST_REQUIRE(store.total_bytes() <= budget);
    if (id % 500 == 0) {
      const auto sum = std::accumulate(rooms.begin(), rooms.end(), std::size_t{0},
                                       [&](std::size_t s, const std::string& n) { return s + store.bytes(n); });
      BOOST_REQUIRE(sum == store.total_bytes());
    }
    if (id == 2500) store.forget(rooms[0]);  // a forgotten room gives its bytes back
    if (id == 2500) store.open(rooms[0], id);
  }
  BOOST_TEST(store.total_bytes() > budget / 2);  // the budget is used, not just respected
}

BOOST_AUTO_TEST_CASE(a_member_catching_up_after_messages_the_budget_took_is_told_missed) {
  server_options options;
  options.history_budget_bytes = 6 * detail::memory_history::footprint(text_message(1, "busy", 4000));
  test_server server(options);
  client_pool pool;
  recording_client alice(pool), bob(pool);
  alice.connect_and_hello(server.port(), "alice", "busy");
  bob.connect_and_hello(server.port(), "bob", "other");
  // Alice's room is the largest: bob's messages make it give back its oldest.
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    BOOST_REQUIRE(!alice.api().say("busy", std::string(4000, char('a' + i))));
  }
  BOOST_REQUIRE(alice.wait_until([&](const std::vector<server_message>& all) {
    ids.clear();
    for (const auto& m : all)
      if (auto* message = std::get_if<msg::server::message>(&m); message && message->target == "busy")
        ids.push_back(message->id);
    return ids.size() == 5;
  }));
  for (int i = 0; i < 3; ++i) BOOST_REQUIRE(!bob.api().say("other", std::string(4000, 'b')));
  BOOST_REQUIRE(bob.wait_until([](const std::vector<server_message>& all) {
    return std::count_if(all.begin(), all.end(), [](const server_message& m) {
             return std::holds_alternative<msg::server::message>(m);
           }) == 3;
  }));
  BOOST_TEST(server.instance.history_bytes() <= options.history_budget_bytes);

  recording_client carol(pool);
  carol.connect_and_hello(server.port(), "carol", "");
  const auto end = carol.join("busy", ids[0]);
  BOOST_TEST(end.flags == msg::end_missed);  // ids[0] and ids[1] went to the budget
  BOOST_TEST(end.last_id == ids[4]);
  std::vector<std::uint64_t> replayed;
  for (const auto& m : carol.chat_messages("busy")) replayed.push_back(m.id);
  BOOST_TEST((replayed == std::vector<std::uint64_t>{ids[2], ids[3], ids[4]}));
}

// The attack, scaled: 20 connections each fill rooms of their own with 16 KB messages
// (reading their echoes, so flow control never cuts them off), 4x the budget in all. History
// stays within the budget throughout; the process grows by at most the budget plus a stated
// overhead (each connection's queues, the allocator's per-thread arenas); a newcomer's greeting
// holds only what is kept and says missed.
BOOST_AUTO_TEST_CASE(many_connections_filling_many_rooms_stay_within_the_budget) {
  constexpr std::size_t budget = 32 * 1024 * 1024;
  // The 20 clients' and the server's threads, queues and frames in flight, the allocator's
  // slack: measured 7-12 MiB. Without the budget the process grows by about 130 MiB.
  constexpr std::size_t overhead = 24 * 1024 * 1024;
  constexpr int connections = 20, rooms_each = 16, messages_each = 25;
  server_options options;
  options.history_budget_bytes = budget;
  // The attack comes from one address, as fast as it can: none of the other limits may stop it.
  options.max_connections_per_ip = 0;
  options.max_connects_per_ip = 0;
  options.max_unregistered_per_ip = 0;
  options.flood_burst = 0;
  test_server server(options);
  const std::size_t resident_before = resident_bytes();

  std::atomic<bool> done{false};
  std::atomic<std::size_t> most_history{0};
  std::thread watcher([&] {
    while (!done.load()) {
      const auto now = server.instance.history_bytes();
      if (now > most_history.load()) most_history.store(now);
      std::this_thread::sleep_for(1ms);  // sampling, not waiting for anything
    }
  });
  std::vector<std::uint64_t> first_ids(connections * rooms_each, 0);
  std::atomic<int> failures{0}, finished{0};
  std::vector<std::thread> attackers;
  for (int c = 0; c < connections; ++c) {
    attackers.emplace_back([&, c] {
      try {
        raw_peer peer(server.port());
        peer.register_as("flood" + std::to_string(c), "");
        const std::string text(max_text_bytes, 'x');
        for (int r = 0; r < rooms_each; ++r) {
          const std::string room = "f" + std::to_string(c) + "-" + std::to_string(r);
          peer.send(msg::client::join{room, 0});
          for (;;) {
            auto m = peer.receive();
            if (!m) throw std::runtime_error("join: " + m.error().message());
            if (std::holds_alternative<msg::server::end>(*m)) break;
          }
          for (int i = 0; i < messages_each; ++i) {
            peer.send(msg::client::say{room, 0, text});
            for (;;) {  // its echo
              auto m = peer.receive();
              if (!m) throw std::runtime_error("say: " + m.error().message());
              if (auto* echo = std::get_if<msg::server::message>(&*m)) {
                if (i == 0) first_ids[static_cast<std::size_t>(c * rooms_each + r)] = echo->id;
                break;
              }
            }
          }
        }
        ++finished;
        done.wait(false);  // stays connected, its rooms live, until the checks below are done
      } catch (const std::exception& e) {
        BOOST_TEST_MESSAGE("attacker " << c << ": " << e.what());
        ++failures;
      }
    });
  }
  const auto stop_attackers = [&] {
    done = true;
    done.notify_all();
    for (auto& t : attackers)
      if (t.joinable()) t.join();
    if (watcher.joinable()) watcher.join();
  };
  // Also when a check below throws: no thread is left waiting.
  const std::shared_ptr<void> stop_on_exit(nullptr, [&](void*) { stop_attackers(); });
  if (!eventually([&] { return finished.load() + failures.load() == connections; }, 60s)) {
    BOOST_FAIL("the attack did not finish in time");
  }
  BOOST_REQUIRE(failures.load() == 0);
  const std::size_t resident_after = resident_bytes();
  BOOST_TEST(server.instance.history_bytes() <= budget);
  BOOST_TEST(server.instance.history_bytes() > budget / 2);

  // A newcomer catching up in the first room, whose messages were the first to go.
  raw_peer newcomer(server.port());
  newcomer.hello("newcomer", "");
  newcomer.send(msg::client::join{"f0-0", first_ids[0]});
  std::size_t replayed = 0;
  std::optional<msg::server::end> end;
  while (!end) {
    auto m = newcomer.receive();
    BOOST_REQUIRE(m.has_value());
    if (auto* message = std::get_if<msg::server::message>(&*m)) {
      BOOST_TEST(message->id > first_ids[0]);
      ++replayed;
    }
    if (auto* e = std::get_if<msg::server::end>(&*m)) end = *e;
  }
  stop_attackers();
  BOOST_TEST(most_history.load() <= budget);
  BOOST_TEST(end->flags == msg::end_missed);
  BOOST_TEST(replayed < std::size_t(messages_each - 1));  // the budget took some of this room
  const auto grown = resident_after > resident_before ? resident_after - resident_before : 0;
  BOOST_TEST_MESSAGE("history at most " << most_history.load() << " bytes; RSS grew by " << grown
                                        << " bytes (" << resident_before << " -> " << resident_after << ")");
  if (!sanitized) BOOST_TEST(grown <= budget + overhead);
}

BOOST_AUTO_TEST_SUITE_END()
