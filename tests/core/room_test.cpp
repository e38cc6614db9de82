// SPDX-License-Identifier: BSL-1.0
// A room on its own, with members that record what they are given.
#include "bus/local_bus.hpp"
#include "history/memory_history.hpp"
#include "rooms/room.hpp"
#include "support/recording_member.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>
#include <limits>

using namespace chat;
using chat::detail::room;
using recorder = chat::test::recording_member;

namespace {

constexpr auto join_request = static_cast<std::uint8_t>(client_message_type::join);
constexpr auto history_request = static_cast<std::uint8_t>(client_message_type::history);

constexpr auto all = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t never_quiet = 0;  // a room's threshold that keeps it announcing everything

struct room_fixture {
  detail::local_bus bus;
  detail::memory_history history{3};
  room lobby{"lobby", bus, history, never_quiet};
  std::vector<msg::server::message> recent(const std::string& name = "lobby") const {
    return history.replay(name, 0, all, all).messages;
  }
  std::shared_ptr<recorder> alice = std::make_shared<recorder>();
  std::shared_ptr<recorder> bob = std::make_shared<recorder>();
};

// An in-memory store whose next replay first runs a hook: replays run outside the room's locks
// (as a disk store's would), so the hook can make things happen meanwhile.
struct hooked_store final : detail::history_store {
  explicit hooked_store(std::size_t per_room) : inner(per_room) {}
  detail::memory_history inner;
  mutable std::function<void()> before_next_replay;
  void open(const std::string& r, std::uint64_t f) override { inner.open(r, f); }
  void append(const std::string& r, const msg::server::message& m) override { inner.append(r, m); }
  detail::history_replay replay(const std::string& r, std::uint64_t a, std::uint64_t t,
                                std::size_t l) const override {
    if (auto hook = std::exchange(before_next_replay, nullptr)) hook();
    return inner.replay(r, a, t, l);
  }
  void forget(const std::string& r) override { inner.forget(r); }
  std::size_t bytes(const std::string& r) const override { return inner.bytes(r); }
  std::size_t total_bytes() const override { return inner.total_bytes(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(room_behaviour, room_fixture)

BOOST_AUTO_TEST_CASE(join_greets_the_newcomer_and_tells_everyone) {
  BOOST_TEST(lobby.join(alice, "alice", 0) == 1u);
  BOOST_TEST(lobby.join(bob, "bob", 0) == 2u);
  BOOST_TEST(lobby.member_count() == 2u);

  const auto greeting = bob->messages();
  BOOST_REQUIRE_EQUAL(greeting.size(), 3u);
  BOOST_TEST((std::get<msg::server::joined>(greeting[0]) == msg::server::joined{"bob", "lobby", 2}));
  BOOST_TEST((std::get<msg::server::topic>(greeting[1]) == msg::server::topic{"lobby", "", "", 0}));
  BOOST_TEST((std::get<msg::server::end>(greeting[2]) == msg::server::end{join_request, "lobby", 0, 0}));

  const auto seen_by_alice = alice->all<msg::server::joined>();
  BOOST_REQUIRE_EQUAL(seen_by_alice.size(), 2u);  // her own, then bob's
  BOOST_TEST((seen_by_alice[1] == msg::server::joined{"bob", "lobby", 2}));
  BOOST_TEST((lobby.member_names() == std::vector<std::string>{"alice", "bob"}));
}

BOOST_AUTO_TEST_CASE(leave_tells_everyone_with_the_reason) {
  lobby.join(alice, "alice", 0);
  lobby.join(bob, "bob", 0);
  BOOST_TEST(lobby.leave(*bob, "bored"));
  BOOST_TEST(!lobby.leave(*bob, "again"));  // not a member any more
  BOOST_TEST(lobby.member_count() == 1u);
  BOOST_TEST(!lobby.has_member(*bob));
  const msg::server::left expected{"bob", "lobby", 1, "bored"};
  BOOST_TEST((alice->all<msg::server::left>() == std::vector<msg::server::left>{expected}));
  BOOST_TEST((bob->all<msg::server::left>() == std::vector<msg::server::left>{expected}));  // the PART's answer
}

BOOST_AUTO_TEST_CASE(post_shares_one_encoded_buffer_among_all_members) {
  lobby.join(alice, "alice", 0);
  lobby.join(bob, "bob", 0);
  const auto id = lobby.post("alice", msg::flag_action, "waves");
  BOOST_TEST(id == 1u);
  const auto posted = recent().back();
  BOOST_TEST(posted.id == id);
  BOOST_TEST(posted.time_ms > 0u);
  BOOST_TEST(posted.sender == "alice");
  BOOST_TEST(posted.target == "lobby");
  BOOST_TEST(posted.flags == msg::flag_action);

  // The last frame each member got is the same object: encoded once, shared.
  BOOST_TEST(alice->entries().back().shared_bytes == bob->entries().back().shared_bytes);
  const auto got = bob->all<msg::server::message>();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST((got[0] == posted));
  BOOST_TEST(alice->all<msg::server::message>().size() == 1u);  // the sender's echo
}

BOOST_AUTO_TEST_CASE(ids_grow_across_rooms_sharing_a_sequence) {
  room other{"other", bus, history, never_quiet};
  const auto a = lobby.post("x", 0, "1");
  const auto b = other.post("x", 0, "2");
  const auto c = lobby.post("x", 0, "3");
  BOOST_TEST(a < b);
  BOOST_TEST(b < c);
}

BOOST_AUTO_TEST_CASE(history_keeps_the_last_n_and_replays_them_flagged_in_the_greeting) {
  lobby.join(alice, "alice", 0);
  for (int i = 1; i <= 5; ++i) lobby.post("alice", 0, "m" + std::to_string(i));
  const auto kept = recent();
  BOOST_REQUIRE_EQUAL(kept.size(), 3u);
  BOOST_TEST(kept.front().text == "m3");

  lobby.join(bob, "bob", 0);
  // The whole greeting as one answer, charged to the answer allowance so that a long history
  // cannot keep anyone out.
  const auto entries = bob->entries();
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  BOOST_TEST((entries[0].how == recorder::kind::answer));
  BOOST_TEST((alice->entries().back().how == recorder::kind::event));  // bob's JOINED
  const auto greeting = bob->messages();
  BOOST_REQUIRE_EQUAL(greeting.size(), 6u);  // JOINED, TOPIC, 3 messages, END
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& m = std::get<msg::server::message>(greeting[i + 2]);
    BOOST_TEST(m.text == "m" + std::to_string(i + 3));
    BOOST_TEST(m.flags == msg::flag_history);
    BOOST_TEST(m.id == kept[i].id);
    BOOST_TEST(m.time_ms == kept[i].time_ms);
  }
  // A newcomer (after_id 0) missed nothing; END's last_id is where it can catch up from.
  BOOST_TEST((std::get<msg::server::end>(greeting[5]) == msg::server::end{join_request, "lobby", 0, kept.back().id}));
}

BOOST_AUTO_TEST_CASE(replay_after_an_id_still_held_is_exact) {
  lobby.join(alice, "alice", 0);
  std::vector<std::uint64_t> posted;
  for (int i = 1; i <= 3; ++i) posted.push_back(lobby.post("alice", 0, "m" + std::to_string(i)));

  lobby.replay(*bob, posted[0], 100, client_message_type::history);
  const auto answer = bob->messages();
  BOOST_REQUIRE_EQUAL(answer.size(), 3u);
  BOOST_TEST(std::get<msg::server::message>(answer[0]).id == posted[1]);
  BOOST_TEST(std::get<msg::server::message>(answer[1]).id == posted[2]);
  BOOST_TEST((std::get<msg::server::end>(answer[2]) == msg::server::end{history_request, "lobby", 0, posted[2]}));
}

BOOST_AUTO_TEST_CASE(replay_after_an_id_that_fell_out_of_the_ring_says_missed) {
  lobby.join(alice, "alice", 0);
  std::vector<std::uint64_t> posted;
  for (int i = 1; i <= 5; ++i) posted.push_back(lobby.post("alice", 0, "m" + std::to_string(i)));

  // The client saw m1; m2 has been evicted (the ring holds m3..m5).
  lobby.replay(*bob, posted[0], 100, client_message_type::history);
  const auto answer = bob->messages();
  BOOST_REQUIRE_EQUAL(answer.size(), 4u);
  BOOST_TEST(std::get<msg::server::message>(answer[0]).text == "m3");
  const auto end = std::get<msg::server::end>(answer[3]);
  BOOST_TEST(end.flags == msg::end_missed);
  BOOST_TEST(end.last_id == posted[4]);

  // One that saw m2, the last evicted, missed nothing.
  bob->clear();
  lobby.replay(*bob, posted[1], 100, client_message_type::history);
  BOOST_TEST(bob->all<msg::server::end>().at(0).flags == 0);
}

BOOST_AUTO_TEST_CASE(replay_stops_at_the_limit_and_says_so) {
  lobby.join(alice, "alice", 0);
  std::vector<std::uint64_t> posted;
  for (int i = 1; i <= 3; ++i) posted.push_back(lobby.post("alice", 0, "m" + std::to_string(i)));
  lobby.replay(*bob, 0, 2, client_message_type::history);
  const auto end = bob->all<msg::server::end>().at(0);
  BOOST_TEST(bob->all<msg::server::message>().size() == 2u);
  BOOST_TEST(end.flags == msg::end_truncated);
  BOOST_TEST(end.last_id == posted[1]);  // ask again after this one for the rest
}

BOOST_AUTO_TEST_CASE(a_room_created_after_the_last_seen_id_cannot_vouch_for_the_gap) {
  const auto before = bus.next_id();  // a message elsewhere, seen by the client
  bus.next_id();                      // another, possibly in an earlier life of this room
  room fresh{"fresh", bus, history, never_quiet};
  fresh.replay(*bob, before, 100, client_message_type::history);
  BOOST_TEST(bob->all<msg::server::end>().at(0).flags == msg::end_missed);
}

BOOST_AUTO_TEST_CASE(topic_is_broadcast_and_ends_with_the_room) {
  lobby.join(alice, "alice", 0);
  lobby.join(bob, "bob", 0);
  lobby.set_topic("release on friday", "alice");
  const auto topic = lobby.topic();
  BOOST_TEST(topic.text == "release on friday");
  BOOST_TEST(topic.set_by == "alice");
  BOOST_TEST(topic.time_ms > 0u);
  BOOST_TEST((bob->all<msg::server::topic>().back() == topic));

  lobby.leave(*alice, "");
  lobby.leave(*bob, "");
  BOOST_TEST(lobby.topic().text.empty());
}

BOOST_AUTO_TEST_CASE(rename_notifies_each_member_once_across_rooms) {
  room other{"other", bus, history, never_quiet};
  const auto carol = std::make_shared<recorder>();
  lobby.join(alice, "alice", 0);
  lobby.join(bob, "bob", 0);
  other.join(alice, "alice", 0);
  other.join(carol, "carol", 0);
  const auto notice = detail::make_event(msg::server::renamed{"alice", "alicia"});
  std::unordered_set<const detail::member*> notified;
  BOOST_TEST(lobby.rename(*alice, "alicia", notice, notified));
  BOOST_TEST(other.rename(*alice, "alicia", notice, notified));
  BOOST_TEST(!other.rename(*bob, "robert", notice, notified));  // not a member
  for (const auto& member : {alice, bob, carol})
    BOOST_TEST(member->all<msg::server::renamed>().size() == 1u);
  BOOST_TEST((lobby.member_names() == std::vector<std::string>{"alicia", "bob"}));
}

BOOST_AUTO_TEST_CASE(who_lists_in_join_order_after_leaves_from_the_middle) {
  // The member list is kept unordered (a leaver's slot takes the last entry); WHO still lists
  // the members in the order they joined.
  std::vector<std::shared_ptr<recorder>> people;
  for (const auto* name : {"ann", "ben", "cat", "dan", "eve"}) {
    people.push_back(std::make_shared<recorder>());
    lobby.join(people.back(), name, 0);
  }
  BOOST_TEST(lobby.leave(*people[1], ""));  // ben, from the middle
  BOOST_TEST(lobby.leave(*people[0], ""));  // ann, the first
  BOOST_TEST((lobby.member_names() == std::vector<std::string>{"cat", "dan", "eve"}));
  lobby.join(alice, "alice", 0);
  BOOST_TEST(lobby.leave(*people[3], ""));  // dan
  BOOST_TEST((lobby.member_names() == std::vector<std::string>{"cat", "eve", "alice"}));
  BOOST_TEST((lobby.member_names(2) == std::vector<std::string>{"cat", "eve"}));
  BOOST_TEST(lobby.member_names(0).empty());

  // Whoever took a leaver's slot can still be found: renamed, asked about, removed.
  const auto notice = detail::make_event(msg::server::renamed{"alice", "alicia"});
  std::unordered_set<const detail::member*> notified;
  BOOST_TEST(lobby.rename(*alice, "alicia", notice, notified));
  BOOST_TEST(lobby.has_member(*alice));
  BOOST_TEST(!lobby.has_member(*people[0]));
  BOOST_TEST((lobby.member_names() == std::vector<std::string>{"cat", "eve", "alicia"}));
  BOOST_TEST(lobby.leave(*people[2], ""));
  BOOST_TEST(lobby.leave(*alice, ""));
  BOOST_TEST(!lobby.has_member(*alice));
  BOOST_TEST((lobby.member_names() == std::vector<std::string>{"eve"}));
  BOOST_TEST(lobby.member_count() == 1u);
}

BOOST_AUTO_TEST_CASE(who_answers_the_first_names_by_join_order_and_says_when_there_are_more) {
  std::vector<std::shared_ptr<recorder>> people;
  for (std::size_t i = 0; i < max_names_per_frame + 5; ++i) {
    people.push_back(std::make_shared<recorder>());
    lobby.join(people.back(), "user" + std::to_string(i), 0);
  }
  lobby.leave(*people[2], "");
  constexpr auto who_request = static_cast<std::uint8_t>(client_message_type::who);

  lobby.answer_who(*bob, max_names_per_frame + 1);  // all but three of the remaining
  const auto answer = bob->entries();
  BOOST_REQUIRE_EQUAL(answer.size(), 1u);  // one unit
  BOOST_TEST((answer[0].how == recorder::kind::answer));
  const auto parts = bob->all<msg::server::members>();
  BOOST_REQUIRE_EQUAL(parts.size(), 2u);
  BOOST_TEST(parts[0].names.size() == max_names_per_frame);
  BOOST_TEST((parts[1].names == std::vector<std::string>{"user" + std::to_string(max_names_per_frame + 1)}));
  BOOST_TEST(parts[0].names[0] == "user0");
  BOOST_TEST(parts[0].names[2] == "user3");  // user2 left
  BOOST_TEST((bob->all<msg::server::end>().at(0) ==
              msg::server::end{who_request, "lobby", msg::end_truncated, 0}));

  bob->clear();
  lobby.answer_who(*bob, 10000);
  BOOST_TEST((bob->all<msg::server::end>().at(0) == msg::server::end{who_request, "lobby", 0, 0}));
  std::size_t named = 0;
  for (const auto& part : bob->all<msg::server::members>()) named += part.names.size();
  BOOST_TEST(named == max_names_per_frame + 4);
}

BOOST_AUTO_TEST_CASE(a_room_above_its_threshold_is_quiet_until_it_is_below_it_again) {
  using joined = msg::server::joined;
  using left = msg::server::left;
  room big{"big", bus, history, 3};
  std::vector<std::shared_ptr<recorder>> m;
  for (int i = 0; i < 7; ++i) m.push_back(std::make_shared<recorder>());
  const auto name = [](int i) { return "m" + std::to_string(i); };

  // The first three joins are announced.
  for (int i = 0; i < 3; ++i) BOOST_TEST(big.join(m[i], name(i), 0) == std::uint32_t(i + 1));
  BOOST_TEST((m[0]->all<joined>() == std::vector<joined>{{"m0", "big", 1}, {"m1", "big", 2}, {"m2", "big", 3}}));
  BOOST_TEST((m[1]->all<joined>() == std::vector<joined>{{"m1", "big", 2}, {"m2", "big", 3}}));

  // The fourth makes the room quiet: the others are not told, the newcomer's greeting has
  // the true count. So for the fifth.
  for (const auto& r : m) r->clear();
  BOOST_TEST(big.join(m[3], "m3", 0) == 4u);
  BOOST_TEST(big.join(m[4], "m4", 0) == 5u);
  for (int i = 0; i < 3; ++i) BOOST_TEST(m[i]->all<joined>().empty());
  BOOST_TEST((m[3]->all<joined>() == std::vector<joined>{{"m3", "big", 4}}));
  BOOST_TEST((m[4]->all<joined>() == std::vector<joined>{{"m4", "big", 5}}));
  BOOST_TEST((m[4]->messages().front() == server_message(joined{"m4", "big", 5})));
  BOOST_TEST(big.member_count() == 5u);

  // Quiet is only about arrivals and departures: messages and renames reach everyone.
  for (const auto& r : m) r->clear();
  big.post("m0", 0, "hello, all");
  const auto notice = detail::make_event(msg::server::renamed{"m1", "em1"});
  std::unordered_set<const detail::member*> notified;
  BOOST_TEST(big.rename(*m[1], "em1", notice, notified));
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(m[i]->all<msg::server::message>().size() == 1u);
    BOOST_TEST(m[i]->all<msg::server::renamed>().size() == 1u);
  }

  // Departures while above the threshold, and the one down to it, are not announced; a PART
  // still gets its own LEFT (its answer).
  for (const auto& r : m) r->clear();
  BOOST_TEST(big.leave(*m[1], "bye"));  // 5 -> 4
  BOOST_TEST((m[1]->all<left>() == std::vector<left>{{"em1", "big", 4, "bye"}}));
  BOOST_TEST(big.join(m[5], "m5", 0) == 5u);  // still quiet: not announced
  BOOST_TEST(big.leave(*m[4], ""));  // 5 -> 4
  BOOST_TEST(big.leave(*m[3], ""));  // 4 -> 3, at the threshold: still quiet
  BOOST_TEST((m[3]->all<left>() == std::vector<left>{{"m3", "big", 3, ""}}));
  // 3 -> 2, below the threshold: this departure ends the quiet period, unannounced too.
  BOOST_TEST(big.leave(*m[2], ""));
  BOOST_TEST(m[0]->all<joined>().empty());
  BOOST_TEST((m[5]->all<joined>() == std::vector<joined>{{"m5", "big", 5}}));  // its own only
  for (const int i : {0, 5}) BOOST_TEST(m[i]->all<left>().empty());

  // Below the threshold everything is announced again.
  BOOST_TEST(big.join(m[6], "m6", 0) == 3u);
  BOOST_TEST(big.leave(*m[5], "later"));
  for (const int i : {0, 6}) BOOST_TEST((m[i]->all<left>() == std::vector<left>{{"m5", "big", 2, "later"}}));
  BOOST_TEST((m[0]->all<joined>() == std::vector<joined>{{"m6", "big", 3}}));

  // m0's list from before the quiet period ({m0, em1, m2}) does not fit the first JOINED after
  // it: applied, it has 4 names where the JOINED says 3. So m0 knows to ask WHO again.
  BOOST_TEST(3u + 1u != m[0]->all<joined>().front().member_count);
  BOOST_TEST((big.member_names() == std::vector<std::string>{"m0", "m6"}));
}

BOOST_AUTO_TEST_CASE(a_quiet_room_that_ends_starts_again_announcing) {
  room big{"big", bus, history, 1};
  BOOST_TEST(big.join(alice, "alice", 0) == 1u);
  BOOST_TEST(big.join(bob, "bob", 0) == 2u);  // quiet from here
  BOOST_TEST(alice->all<msg::server::joined>().size() == 1u);
  big.leave(*bob, "");
  big.leave(*alice, "");  // the room is empty: no longer quiet
  BOOST_TEST(alice->all<msg::server::left>().size() == 1u);  // only her own
  alice->clear();
  bob->clear();
  big.join(alice, "alice", 0);
  BOOST_TEST(big.join(bob, "bob", 0) == 2u);  // quiet again, from the second
  BOOST_TEST(alice->all<msg::server::joined>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(threshold_zero_is_never_quiet) {
  room big{"big", bus, history, 0};
  std::vector<std::shared_ptr<recorder>> m;
  for (int i = 0; i < 300; ++i) {
    m.push_back(std::make_shared<recorder>());
    big.join(m.back(), "m" + std::to_string(i), 0);
  }
  BOOST_TEST(m[0]->all<msg::server::joined>().size() == 300u);  // its own and 299 others
  BOOST_TEST(m[0]->all<msg::server::joined>().back().member_count == 300u);
  big.leave(*m[299], "");
  BOOST_TEST((m[0]->all<msg::server::left>() ==
              std::vector<msg::server::left>{{"m299", "big", 299, ""}}));
}

BOOST_AUTO_TEST_CASE(zero_history_keeps_nothing_and_every_gap_is_missed) {
  detail::memory_history none{0};
  room forgetful{"forgetful", bus, none, never_quiet};
  forgetful.join(alice, "alice", 0);
  const auto seen = forgetful.post("alice", 0, "seen");
  forgetful.post("alice", 0, "gone");
  BOOST_TEST(none.replay("forgetful", 0, all, all).messages.empty());
  forgetful.join(bob, "bob", seen);
  BOOST_TEST(bob->all<msg::server::message>().empty());
  BOOST_TEST(bob->all<msg::server::end>().at(0).flags == msg::end_missed);
}

BOOST_AUTO_TEST_CASE(the_greeting_is_one_unit_even_when_built_while_other_frames_arrive) {
  // Another room's message reaches the newcomer while its greeting is being built.
  hooked_store store{3};
  room dev{"dev", bus, store, never_quiet};
  room elsewhere{"elsewhere", bus, history, never_quiet};
  elsewhere.join(bob, "bob", 0);
  dev.join(alice, "alice", 0);
  dev.post("alice", 0, "before");
  bob->clear();
  store.before_next_replay = [&] { elsewhere.post("carol", 0, "meanwhile"); };

  dev.join(bob, "bob", 0);
  const auto got = bob->messages();
  BOOST_REQUIRE_EQUAL(got.size(), 5u);  // JOINED, TOPIC, "before", END, then "meanwhile"
  BOOST_TEST(std::holds_alternative<msg::server::joined>(got[0]));
  BOOST_TEST(std::holds_alternative<msg::server::topic>(got[1]));
  BOOST_TEST(std::get<msg::server::message>(got[2]).text == "before");
  BOOST_TEST(std::holds_alternative<msg::server::end>(got[3]));
  BOOST_TEST(std::get<msg::server::message>(got[4]).text == "meanwhile");
}

BOOST_AUTO_TEST_CASE(a_greeting_vouches_for_no_message_past_its_snapshot_when_history_moves_on) {
  // While the greeting is built, others post enough to evict what it was to replay: END must
  // not claim ids that will still arrive live, or the newcomer would skip them as seen.
  hooked_store store{1};
  room dev{"dev", bus, store, never_quiet};
  dev.join(alice, "alice", 0);
  dev.post("alice", 0, "one");
  std::vector<std::uint64_t> later;
  store.before_next_replay = [&] {
    later.push_back(dev.post("alice", 0, "two"));
    later.push_back(dev.post("alice", 0, "three"));
  };
  dev.join(bob, "bob", 0);
  const auto end = bob->all<msg::server::end>().at(0);
  BOOST_TEST(end.last_id < later.front());
  const auto live = bob->all<msg::server::message>();
  BOOST_REQUIRE_EQUAL(live.size(), 2u);  // both arrive after END, with ids beyond its last_id
  BOOST_TEST(live[0].id == later[0]);
  BOOST_TEST(live[1].id == later[1]);
}

BOOST_AUTO_TEST_SUITE_END()
