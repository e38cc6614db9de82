// chat::room on its own, with participants that record the frames they are given.
#include <chat/room.hpp>

#include "support/decode_all.hpp"

#include <boost/test/unit_test.hpp>

using namespace chat;

namespace {

class recorder final : public participant {
public:
  explicit recorder(std::string name) : name_(std::move(name)) {}
  const std::string& name() const noexcept override { return name_; }
  void deliver(const shared_frame& frames, delivery kind) override {
    buffers.push_back(frames);
    kinds.push_back(kind);
  }

  /// Every message delivered so far, decoded.
  std::vector<server_message> messages() const {
    std::vector<server_message> out;
    for (const auto& buffer : buffers)
      for (auto& m : test::decode_all<server_message>(*buffer)) out.push_back(std::move(m));
    return out;
  }
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& m : messages())
      if (auto* t = std::get_if<T>(&m)) out.push_back(*t);
    return out;
  }

  std::vector<shared_frame> buffers;
  std::vector<delivery> kinds;

private:
  std::string name_;
};

struct room_fixture {
  message_sequence ids;
  room lobby{"lobby", 3, ids};
  std::shared_ptr<recorder> alice = std::make_shared<recorder>("alice");
  std::shared_ptr<recorder> bob = std::make_shared<recorder>("bob");
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(room_behaviour, room_fixture)

BOOST_AUTO_TEST_CASE(join_greets_the_newcomer_and_tells_the_others) {
  BOOST_TEST(lobby.join(alice, "test server") == 1u);
  BOOST_TEST(lobby.join(bob, "test server") == 2u);
  BOOST_TEST(lobby.member_count() == 2u);

  const auto greeting = bob->messages();
  BOOST_REQUIRE_EQUAL(greeting.size(), 1u);
  BOOST_TEST((std::get<msg::welcome>(greeting[0]) == msg::welcome{"test server", "bob", "lobby", 2}));

  const auto seen_by_alice = alice->all<msg::joined>();
  BOOST_REQUIRE_EQUAL(seen_by_alice.size(), 1u);
  BOOST_TEST((seen_by_alice[0] == msg::joined{"bob", "lobby", 2}));
  BOOST_TEST(bob->all<msg::joined>().empty());  // no JOINED about yourself
}

BOOST_AUTO_TEST_CASE(leave_tells_the_remaining_members) {
  lobby.join(alice, "s");
  lobby.join(bob, "s");
  BOOST_TEST(lobby.leave(*bob));
  BOOST_TEST(!lobby.leave(*bob));  // not a member any more
  BOOST_TEST(lobby.member_count() == 1u);
  const auto left = alice->all<msg::left>();
  BOOST_REQUIRE_EQUAL(left.size(), 1u);
  BOOST_TEST((left[0] == msg::left{"bob", "lobby", 1}));
  BOOST_TEST(bob->all<msg::left>().empty());
}

BOOST_AUTO_TEST_CASE(post_shares_one_encoded_buffer_among_all_members) {
  lobby.join(alice, "s");
  lobby.join(bob, "s");
  const auto id = lobby.post("alice", "hi");
  BOOST_TEST(id == 1u);
  const auto posted = lobby.recent_messages().back();
  BOOST_TEST(posted.id == id);
  BOOST_TEST(posted.time_ms > 0u);
  BOOST_TEST(posted.sender == "alice");

  // The last buffer each member got is the same object: encoded once, shared.
  BOOST_TEST(alice->buffers.back().get() == bob->buffers.back().get());
  const auto got = bob->all<msg::message>();
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST((got[0] == posted));
  BOOST_TEST(alice->all<msg::message>().size() == 1u);  // the sender's echo
}

BOOST_AUTO_TEST_CASE(ids_grow_across_rooms_sharing_a_sequence) {
  room other{"other", 3, ids};
  const auto a = lobby.post("x", "1");
  const auto b = other.post("x", "2");
  const auto c = lobby.post("x", "3");
  BOOST_TEST(a < b);
  BOOST_TEST(b < c);
}

BOOST_AUTO_TEST_CASE(history_keeps_the_last_n_and_replays_them_flagged_after_welcome) {
  lobby.join(alice, "s");
  for (int i = 1; i <= 5; ++i) lobby.post("alice", "m" + std::to_string(i));
  const auto recent = lobby.recent_messages();
  BOOST_REQUIRE_EQUAL(recent.size(), 3u);
  BOOST_TEST(recent.front().text == "m3");

  lobby.join(bob, "s");
  BOOST_REQUIRE_EQUAL(bob->buffers.size(), 1u);  // welcome and history in one buffer
  // ...exempt from the queue bound, so a long history cannot keep anyone out.
  BOOST_TEST((bob->kinds.front() == participant::delivery::greeting));
  BOOST_TEST((alice->kinds.back() == participant::delivery::event));  // bob's JOINED
  const auto greeting = bob->messages();
  BOOST_REQUIRE_EQUAL(greeting.size(), 4u);
  BOOST_TEST(std::holds_alternative<msg::welcome>(greeting[0]));
  for (std::size_t i = 1; i < 4; ++i) {
    const auto& m = std::get<msg::message>(greeting[i]);
    BOOST_TEST(m.text == "m" + std::to_string(i + 2));
    BOOST_TEST(m.flags == msg::flag_history);
    BOOST_TEST(m.id == recent[i - 1].id);
    BOOST_TEST(m.time_ms == recent[i - 1].time_ms);
  }
}

BOOST_AUTO_TEST_CASE(zero_history_keeps_nothing) {
  room quiet{"quiet", 0, ids};
  quiet.join(alice, "s");
  quiet.post("alice", "gone");
  BOOST_TEST(quiet.recent_messages().empty());
  quiet.join(bob, "s");
  BOOST_TEST(bob->all<msg::message>().empty());
}

BOOST_AUTO_TEST_SUITE_END()
