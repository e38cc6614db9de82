// SPDX-License-Identifier: BSL-1.0
// The server session state machine driven directly: no sockets, no threads, a clock that only
// moves when a test passes it a later time. Each session's member records what it is given.
#include "bus/local_bus.hpp"
#include "history/memory_history.hpp"
#include "rooms/room_registry.hpp"
#include "session/server_session.hpp"
#include "support/recording_member.hpp"
#include "users/local_directory.hpp"

#include <chat/text.hpp>

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <concepts>
#include <limits>
#include <memory>
#include <stdexcept>
#include <ostream>
#include <string>
#include <vector>

using namespace chat;
using namespace std::chrono_literals;
using detail::server_session;
using recorder = chat::test::recording_member;
using clock_type = server_session::clock;
using state = server_session::state;

// Readable failures: messages print as "type{field, field, ...}". Found by argument-dependent
// lookup for the messages and for server_message (a variant of them).
namespace chat::msg::server {

inline void print_field(std::ostream& out, const std::string& s) { out << '"' << s << '"'; }
inline void print_field(std::ostream& out, const std::vector<std::string>& v) {
  out << '[';
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << '"' << v[i] << '"';
  out << ']';
}
template <class Integer>
void print_field(std::ostream& out, Integer n) {
  out << static_cast<std::uint64_t>(n);
}

template <class T>
  requires std::same_as<std::remove_cv_t<decltype(T::type)>, server_message_type>
std::ostream& operator<<(std::ostream& out, const T& m) {
  out << "0x" << std::hex << static_cast<int>(T::type) << std::dec << '{';
  bool first = true;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto field) {
        out << (std::exchange(first, false) ? "" : ", ");
        print_field(out, m.*field.pointer);
      });
  return out << '}';
}

inline std::ostream& operator<<(std::ostream& out, const server_message& m) {
  std::visit([&](const auto& alternative) { out << alternative; }, m);
  return out;
}

}  // namespace chat::msg::server

namespace {

namespace server_msg = chat::msg::server;
namespace client_msg = chat::msg::client;

constexpr auto join_request = static_cast<std::uint8_t>(client_message_type::join);
constexpr auto list_request = static_cast<std::uint8_t>(client_message_type::list);
constexpr auto who_request = static_cast<std::uint8_t>(client_message_type::who);
constexpr auto history_request = static_cast<std::uint8_t>(client_message_type::history);

constexpr const char* invalid_room_text =
    "invalid room name: use 1-64 letters, digits, '_', '-', '.' or '#'";
constexpr const char* invalid_name_text =
    "invalid name: use 2-32 letters, digits, '_', '-' or '.'";

constexpr auto all_ids = std::numeric_limits<std::uint64_t>::max();

std::uint16_t code(errc e) { return static_cast<std::uint16_t>(e); }

/// ERROR with the code and the category's text for it.
server_msg::error error_of(errc e) { return {code(e), make_error_code(e).message()}; }
server_msg::error error_of(errc e, std::string text) { return {code(e), std::move(text)}; }

server_options test_options() {
  server_options o;
  o.history = 10;
  o.handshake_timeout = 30s;
  o.idle_timeout = 90s;
  o.ping_timeout = 60s;
  o.max_rooms_per_user = 64;
  o.server_info = "test server";
  return o;
}

/// One client: its recording member and its session.
struct test_client {
  std::shared_ptr<recorder> out = std::make_shared<recorder>();
  std::unique_ptr<server_session> session;

  server_session* operator->() const { return session.get(); }

  /// What the member has been given since the last call, decoded; then forgets it.
  std::vector<server_message> take() {
    auto got = out->messages();
    out->clear();
    return got;
  }
};

/// The in-memory store, with replays that can be made to fail as a store doing I/O may.
class failing_history final : public detail::history_store {
public:
  explicit failing_history(std::size_t per_room) : store_(per_room) {}
  bool fail_replays = false;

  void open(const std::string& room, std::uint64_t forgotten_through) override {
    store_.open(room, forgotten_through);
  }
  void append(const std::string& room, const msg::server::message& m) override {
    store_.append(room, m);
  }
  detail::history_replay replay(const std::string& room, std::uint64_t after_id,
                                std::uint64_t through_id, std::size_t limit) const override {
    if (fail_replays) throw std::runtime_error("history unavailable");
    return store_.replay(room, after_id, through_id, limit);
  }
  void forget(const std::string& room) override { store_.forget(room); }
  std::size_t bytes(const std::string& room) const override { return store_.bytes(room); }
  std::size_t total_bytes() const override { return store_.total_bytes(); }

private:
  detail::memory_history store_;
};

struct session_fixture {
  server_options options = test_options();
  detail::logger log;
  detail::local_bus bus;
  detail::local_directory users;
  failing_history history{options.history};
  detail::room_registry rooms{bus, history, options.retained_empty_rooms,
                              options.retained_history_bytes, options.quiet_joins_above};
  detail::resume_registry resume{users, options.resume_grace, options.max_detached_sessions,
                                 options.max_detached_per_ip};
  detail::live_options live_options{options};  // `options` as tests set it, see connect()
  detail::session_services services{live_options, bus, users, rooms, log, resume};
  /// The fake clock: tests pass later times explicitly.
  const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

  /// A connected session, started at `at`.
  test_client connect(clock_type::time_point at) {
    test_client c;
    live_options.replace(options);  // what the test has changed in `options` so far
    c.session = std::make_unique<server_session>(services, c.out, "192.0.2.1:4242");
    c.session->start(at);
    return c;
  }
  test_client connect() { return connect(t0); }

  /// A session registered as `name` (in `room` if not empty), with its output forgotten.
  test_client registered(const std::string& name, const std::string& room = {}) {
    auto c = connect();
    c->on_message(client_msg::hello{protocol_version, name, room}, t0);
    BOOST_TEST_REQUIRE((c->current_state() == state::registered));
    c.out->clear();
    return c;
  }

  void send(test_client& c, const client_message& m, clock_type::time_point at) {
    c->on_message(m, at);
  }
  void send(test_client& c, const client_message& m) { send(c, m, t0); }

  /// Closes `c` as the driver would: takes its close request and tells it the transport is
  /// closing for that reason.
  void close_as_driver(test_client& c) {
    auto close = c->take_close();
    BOOST_TEST_REQUIRE(close.has_value());
    c->on_closing(close->reason);
  }
};

/// Requires `got` to be exactly `expected`, element by element.
void expect(const std::vector<server_message>& got, const std::vector<server_message>& expected) {
  BOOST_TEST_REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i] == expected[i]);
}

template <class T>
const T& as(const server_message& m) {
  BOOST_TEST_REQUIRE(std::holds_alternative<T>(m));
  return std::get<T>(m);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(server_session_machine, session_fixture)

// ---------------------------------------------------------------------------------------------
// HELLO

BOOST_AUTO_TEST_CASE(hello_is_welcomed_with_the_server_id_and_the_registered_spelling) {
  auto alice = connect();
  BOOST_TEST((alice->current_state() == state::awaiting_hello));
  send(alice, client_msg::hello{protocol_version, "Alice", ""});
  expect(alice.take(), {server_msg::welcome{"test server", bus.server_id(), "Alice"}});
  BOOST_TEST((alice->current_state() == state::registered));
  BOOST_TEST(alice->name() == "Alice");
  BOOST_TEST(users.find("alice").spelling == "Alice");
  BOOST_TEST((users.find("ALICE").user == alice.out));
  BOOST_TEST(!rooms.find("lobby"));  // no room named: none joined
}

BOOST_AUTO_TEST_CASE(hello_with_a_room_joins_it_and_the_greeting_follows_welcome) {
  auto alice = connect();
  send(alice, client_msg::hello{protocol_version, "alice", "Lobby"});
  expect(alice.take(), {server_msg::welcome{"test server", bus.server_id(), "alice"},
                        server_msg::joined{"alice", "lobby", 1},
                        server_msg::topic{"lobby", "", "", 0},
                        server_msg::end{join_request, "lobby", 0, 0}});
  const auto lobby = rooms.find("lobby");
  BOOST_TEST_REQUIRE(bool(lobby));
  BOOST_TEST(lobby->has_member(*alice.out));
}

BOOST_AUTO_TEST_CASE(hello_with_a_room_replays_its_history) {
  auto bob = registered("bob", "lobby");
  send(bob, client_msg::say{"lobby", 0, "before"});
  auto alice = connect();
  send(alice, client_msg::hello{protocol_version, "alice", "lobby"});
  const auto got = alice.take();
  BOOST_TEST_REQUIRE(got.size() == 5u);
  const auto& replayed = as<server_msg::message>(got[3]);
  BOOST_TEST(replayed.id == 1u);
  BOOST_TEST(replayed.flags == msg::flag_history);
  BOOST_TEST(replayed.sender == "bob");
  BOOST_TEST(replayed.text == "before");
  BOOST_TEST((got[4] == server_message{server_msg::end{join_request, "lobby", 0, 1}}));
}

namespace {

/// `refused` is answered with `error`, the session stays unregistered holding no name, and a
/// good HELLO afterwards succeeds.
void expect_refused_then_retried(session_fixture& f, const client_msg::hello& refused,
                                 const server_msg::error& expected_error) {
  auto c = f.connect();
  c->on_message(refused, f.t0);
  expect(c.take(), {expected_error});
  BOOST_TEST((c->current_state() == state::awaiting_hello));
  BOOST_TEST(c->name().empty());
  BOOST_TEST(!c->take_close());
  BOOST_TEST(!f.users.find("bob").user);  // a refused HELLO claims nothing
  c->on_message(client_msg::hello{protocol_version, "bob", "lobby"}, f.t0 + 1s);
  const auto got = c.take();
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST((got[0] == server_message{server_msg::welcome{"test server", f.bus.server_id(), "bob"}}));
  BOOST_TEST((c->current_state() == state::registered));
  BOOST_TEST(c->name() == "bob");
}

}  // namespace

BOOST_AUTO_TEST_CASE(hello_with_a_taken_name_is_refused_and_may_be_retried) {
  auto alice = registered("alice");
  expect_refused_then_retried(*this, {protocol_version, "ALICE", ""},
                              error_of(errc::name_taken, "name ALICE is taken"));
  BOOST_TEST((users.find("alice").user == alice.out));  // the owner keeps it
}

BOOST_AUTO_TEST_CASE(hello_with_a_lookalike_of_a_taken_name_is_refused_with_the_name_it_clashes_with) {
  auto alice = registered("alice");
  expect_refused_then_retried(*this, {protocol_version, "a1ice", ""},
                              error_of(errc::name_taken, "name a1ice is taken: it looks too like alice"));
  BOOST_TEST((users.find("alice").user == alice.out));
  BOOST_TEST(!users.find("a1ice").user);  // a lookalike does not find the owner
}

BOOST_AUTO_TEST_CASE(hello_with_an_invalid_name_is_refused_and_may_be_retried) {
  expect_refused_then_retried(*this, {protocol_version, "b", ""},
                              error_of(errc::invalid_name, invalid_name_text));
}

BOOST_AUTO_TEST_CASE(hello_with_an_invalid_room_is_refused_and_may_be_retried) {
  expect_refused_then_retried(*this, {protocol_version, "bob", "no spaces"},
                              error_of(errc::invalid_room, invalid_room_text));
  BOOST_TEST(!rooms.find("no spaces"));
}

BOOST_AUTO_TEST_CASE(hello_with_another_version_is_refused_and_may_be_retried) {
  expect_refused_then_retried(
      *this, {1, "bob", "lobby"},
      error_of(errc::unsupported_version,
               "unsupported protocol version 1; this server speaks version 2"));
}

BOOST_AUTO_TEST_CASE(hello_reports_the_first_broken_rule_in_the_specified_order) {
  auto alice = registered("alice");
  auto c = connect();
  send(c, client_msg::hello{3, "x", "bad room"});  // version first
  BOOST_TEST(as<server_msg::error>(c.take().at(0)).code == code(errc::unsupported_version));
  send(c, client_msg::hello{protocol_version, "x", "bad room"});  // then the name
  BOOST_TEST(as<server_msg::error>(c.take().at(0)).code == code(errc::invalid_name));
  send(c, client_msg::hello{protocol_version, "alice", "bad room"});  // then the room
  BOOST_TEST(as<server_msg::error>(c.take().at(0)).code == code(errc::invalid_room));
  send(c, client_msg::hello{protocol_version, "alice", "lobby"});  // then the clash
  BOOST_TEST(as<server_msg::error>(c.take().at(0)).code == code(errc::name_taken));
  BOOST_TEST(!rooms.find("lobby"));  // nothing was joined by the refused HELLOs
}

BOOST_AUTO_TEST_CASE(hello_after_hello_is_already_registered) {
  auto alice = registered("alice");
  send(alice, client_msg::hello{protocol_version, "alice2", "lobby"});
  expect(alice.take(), {error_of(errc::already_registered, "already registered as alice")});
  BOOST_TEST(alice->name() == "alice");
  BOOST_TEST(!users.find("alice2").user);
  BOOST_TEST(!rooms.find("lobby"));
  // Checked before everything else, even a version this server does not speak.
  send(alice, client_msg::hello{1, "x", ""});
  BOOST_TEST(as<server_msg::error>(alice.take().at(0)).code == code(errc::already_registered));
}

BOOST_AUTO_TEST_CASE(every_request_before_hello_is_not_registered) {
  auto bob = registered("bob", "lobby");
  auto c = connect();
  const std::vector<client_message> requests = {
      client_msg::say{"lobby", 0, "hi"},
      client_msg::join{"lobby", 0},
      client_msg::part{"lobby", ""},
      client_msg::list{},
      client_msg::who{"lobby"},
      client_msg::topic{"lobby", 0, ""},
      client_msg::topic{"lobby", 1, "new topic"},
      client_msg::private_message{"bob", 0, "hi"},
      client_msg::nick{"carol"},
      client_msg::history{"lobby", 0, 10},
  };
  for (const auto& request : requests) {
    send(c, request);
    expect(c.take(), {error_of(errc::not_registered, "send HELLO first")});
    BOOST_TEST((c->current_state() == state::awaiting_hello));
  }
  BOOST_TEST(bob.take().empty());  // nothing reached the room or bob
  BOOST_TEST(rooms.find("lobby")->member_count() == 1u);
  BOOST_TEST(!users.find("carol").user);
}

BOOST_AUTO_TEST_CASE(ping_pong_and_bye_are_allowed_before_hello) {
  auto c = connect();
  send(c, client_msg::ping{42});
  expect(c.take(), {server_msg::pong{42}});
  send(c, client_msg::pong{7});
  BOOST_TEST(c.take().empty());
  BOOST_TEST((c->current_state() == state::awaiting_hello));
  send(c, client_msg::bye{"never mind"});
  BOOST_TEST(c.take().empty());
  BOOST_TEST((c->current_state() == state::closing));
  const auto close = c->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST(!close->reason);
  BOOST_TEST(!close->farewell.has_value());
}

BOOST_AUTO_TEST_CASE(ping_after_hello_is_answered_with_the_same_token) {
  auto alice = registered("alice");
  send(alice, client_msg::ping{0xFFFF'FFFF'FFFF'FFFFu});
  expect(alice.take(), {server_msg::pong{0xFFFF'FFFF'FFFF'FFFFu}});
  send(alice, client_msg::pong{1});
  BOOST_TEST(alice.take().empty());
}

// ---------------------------------------------------------------------------------------------
// Errors

BOOST_AUTO_TEST_CASE(undecodable_frames_get_their_decoding_error_in_either_state) {
  const errc codes[] = {errc::invalid_utf8, errc::unknown_type, errc::unexpected_type,
                        errc::malformed_frame};
  auto c = connect();
  for (const auto e : codes) {
    c->on_undecodable(e, t0 + 1s);
    expect(c.take(), {error_of(e)});
    BOOST_TEST((c->current_state() == state::awaiting_hello));
    BOOST_TEST(!c->take_close());  // not fatal
  }
  auto alice = registered("alice", "lobby");
  for (const auto e : codes) {
    alice->on_undecodable(e, t0 + 1s);
    expect(alice.take(), {error_of(e)});
    BOOST_TEST((alice->current_state() == state::registered));
  }
  BOOST_TEST(rooms.find("lobby")->has_member(*alice.out));
}

BOOST_AUTO_TEST_CASE(say_with_unacceptable_text_is_invalid_text_and_nothing_is_posted) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.take();
  const std::string texts[] = {"", "line\nbreak", "bell\a", "del\x7F", "c1\xC2\x85",
                               std::string(max_text_bytes + 1, 'x')};
  for (const auto& text : texts) {
    send(alice, client_msg::say{"lobby", 0, text});
    expect(alice.take(), {error_of(errc::invalid_text)});
  }
  BOOST_TEST(bob.take().empty());
  BOOST_TEST(history.replay("lobby", 0, all_ids, all_ids).messages.empty());
  // The limit itself and a TAB are fine.
  send(alice, client_msg::say{"lobby", 0, std::string(max_text_bytes, 'x')});
  send(alice, client_msg::say{"lobby", 0, "a\tb"});
  BOOST_TEST(alice.out->all<server_msg::message>().size() == 2u);
  BOOST_TEST(alice.out->all<server_msg::error>().empty());
}

BOOST_AUTO_TEST_CASE(text_is_checked_before_the_room) {
  auto alice = registered("alice");
  send(alice, client_msg::say{"bad room", 0, ""});
  expect(alice.take(), {error_of(errc::invalid_text)});
  send(alice, client_msg::say{"bad room", 0, "hi"});
  expect(alice.take(), {error_of(errc::invalid_room, invalid_room_text)});
  send(alice, client_msg::say{"lobby", 0, "hi"});
  expect(alice.take(), {error_of(errc::not_in_room, "you are not in lobby")});
}

BOOST_AUTO_TEST_CASE(an_invalid_room_name_is_refused_by_every_request_naming_one) {
  auto alice = registered("alice", "lobby");
  const std::string bad = "no spaces";
  const std::vector<client_message> requests = {
      client_msg::join{bad, 0},         client_msg::part{bad, ""},
      client_msg::say{bad, 0, "hi"},    client_msg::who{bad},
      client_msg::topic{bad, 0, ""},    client_msg::topic{bad, 1, "t"},
      client_msg::history{bad, 0, 10},  client_msg::join{std::string(max_room_length + 1, 'r'), 0},
      client_msg::join{"", 0},
  };
  for (const auto& request : requests) {
    send(alice, request);
    expect(alice.take(), {error_of(errc::invalid_room, invalid_room_text)});
  }
}

BOOST_AUTO_TEST_CASE(who_and_asking_the_topic_of_a_room_without_members_is_no_such_room) {
  auto alice = registered("alice");
  send(alice, client_msg::who{"#Nowhere"});
  expect(alice.take(), {error_of(errc::no_such_room, "no room called #nowhere")});
  send(alice, client_msg::topic{"#Nowhere", 0, ""});
  expect(alice.take(), {error_of(errc::no_such_room, "no room called #nowhere")});
  // A room that ended is gone too, although its history is kept.
  send(alice, client_msg::join{"#dev", 0});
  send(alice, client_msg::part{"#dev", ""});
  alice.take();
  send(alice, client_msg::who{"#dev"});
  expect(alice.take(), {error_of(errc::no_such_room, "no room called #dev")});
}

BOOST_AUTO_TEST_CASE(requests_for_a_room_one_is_not_in_are_not_in_room) {
  auto bob = registered("bob", "lobby");  // the room exists, alice is not in it
  auto alice = registered("alice");
  const std::vector<client_message> requests = {
      client_msg::say{"LOBBY", 0, "hi"},
      client_msg::part{"LOBBY", "bye"},
      client_msg::history{"LOBBY", 0, 10},
      client_msg::topic{"LOBBY", 1, "mine"},
  };
  for (const auto& request : requests) {
    send(alice, request);
    expect(alice.take(), {error_of(errc::not_in_room, "you are not in lobby")});
  }
  BOOST_TEST(bob.take().empty());
  BOOST_TEST(rooms.find("lobby")->topic().text.empty());
}

BOOST_AUTO_TEST_CASE(joining_a_room_one_is_in_is_already_in_room) {
  auto alice = registered("alice", "lobby");
  send(alice, client_msg::join{"LOBBY", 0});
  expect(alice.take(), {error_of(errc::already_in_room, "already in lobby")});
  BOOST_TEST(rooms.find("lobby")->member_count() == 1u);
}

BOOST_AUTO_TEST_CASE(a_private_message_to_no_registered_user_is_no_such_user) {
  auto alice = registered("alice");
  send(alice, client_msg::private_message{"ghost", 0, "hello?"});
  expect(alice.take(), {error_of(errc::no_such_user, "no user called ghost")});
  // An invalid name is not quoted back.
  send(alice, client_msg::private_message{"\x1b[2J", 0, "hello?"});
  expect(alice.take(), {error_of(errc::no_such_user, "no such user (invalid name)")});
  // The text is checked first.
  send(alice, client_msg::private_message{"ghost", 0, ""});
  expect(alice.take(), {error_of(errc::invalid_text)});
}

BOOST_AUTO_TEST_CASE(joining_beyond_the_room_limit_is_too_many_rooms_until_one_is_left) {
  options.max_rooms_per_user = 2;
  auto alice = registered("alice", "one");  // HELLO's room counts
  send(alice, client_msg::join{"two", 0});
  alice.take();
  send(alice, client_msg::join{"three", 0});
  expect(alice.take(), {error_of(errc::too_many_rooms, "at most 2 rooms at a time")});
  BOOST_TEST(!rooms.find("three"));
  // already_in_room is checked before the limit.
  send(alice, client_msg::join{"two", 0});
  BOOST_TEST(as<server_msg::error>(alice.take().at(0)).code == code(errc::already_in_room));

  send(alice, client_msg::part{"one", ""});
  alice.take();
  send(alice, client_msg::join{"three", 0});
  const auto got = alice.take();
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST((got[0] == server_message{server_msg::joined{"alice", "three", 1}}));
}

BOOST_AUTO_TEST_CASE(a_part_reason_or_topic_that_breaks_the_rules_is_invalid_text) {
  auto alice = registered("alice", "lobby");
  send(alice, client_msg::part{"lobby", std::string(max_reason_bytes + 1, 'r')});
  expect(alice.take(), {error_of(errc::invalid_text)});
  send(alice, client_msg::part{"lobby", "tab\tok but\nnot a newline"});
  expect(alice.take(), {error_of(errc::invalid_text)});
  BOOST_TEST(rooms.find("lobby")->has_member(*alice.out));  // the PART was not carried out

  const std::string topic_text = "a topic is at most 512 bytes of text without control characters";
  send(alice, client_msg::topic{"lobby", 1, std::string(max_topic_bytes + 1, 't')});
  expect(alice.take(), {error_of(errc::invalid_text, topic_text)});
  send(alice, client_msg::topic{"lobby", 1, "two\r\nlines"});
  expect(alice.take(), {error_of(errc::invalid_text, topic_text)});
  BOOST_TEST(rooms.find("lobby")->topic().text.empty());

  // The limits themselves are accepted.
  send(alice, client_msg::topic{"lobby", 1, std::string(max_topic_bytes, 't')});
  BOOST_TEST(as<server_msg::topic>(alice.take().at(0)).text.size() == max_topic_bytes);
  send(alice, client_msg::part{"lobby", std::string(max_reason_bytes, 'r')});
  BOOST_TEST(as<server_msg::left>(alice.take().at(0)).reason.size() == max_reason_bytes);
}

// ---------------------------------------------------------------------------------------------
// JOIN, PART, SAY

BOOST_AUTO_TEST_CASE(join_tells_the_members_and_greets_the_newcomer) {
  auto alice = registered("alice", "#Dev");
  send(alice, client_msg::topic{"#dev", 1, "builds"});
  send(alice, client_msg::say{"#dev", 0, "one"});
  alice.take();
  auto bob = registered("bob");
  send(bob, client_msg::join{"#DEV", 0});

  expect(alice.take(), {server_msg::joined{"bob", "#dev", 2}});
  const auto got = bob.take();
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST((got[0] == server_message{server_msg::joined{"bob", "#dev", 2}}));
  const auto& topic = as<server_msg::topic>(got[1]);
  BOOST_TEST(topic.text == "builds");
  BOOST_TEST(topic.set_by == "alice");
  BOOST_TEST(topic.time_ms > 0u);
  const auto& replayed = as<server_msg::message>(got[2]);
  BOOST_TEST(replayed.text == "one");
  BOOST_TEST(replayed.flags == msg::flag_history);
  BOOST_TEST((got[3] == server_message{server_msg::end{join_request, "#dev", 0, replayed.id}}));
}

BOOST_AUTO_TEST_CASE(join_after_an_id_replays_only_the_later_messages) {
  auto alice = registered("alice", "lobby");
  send(alice, client_msg::say{"lobby", 0, "one"});
  send(alice, client_msg::say{"lobby", 0, "two"});
  auto bob = registered("bob");
  send(bob, client_msg::join{"lobby", 1});
  const auto got = bob.take();
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST(as<server_msg::message>(got[2]).text == "two");
  BOOST_TEST((got[3] == server_message{server_msg::end{join_request, "lobby", 0, 2}}));
}

BOOST_AUTO_TEST_CASE(a_join_that_fails_is_internal_error_and_leaves_no_member_behind) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob");
  alice.take();
  history.fail_replays = true;  // the greeting cannot be built
  send(bob, client_msg::join{"lobby", 0});
  // The JOIN gets its ERROR and nothing else; alice, who saw bob arrive, sees him go.
  expect(bob.take(), {error_of(errc::internal_error)});
  expect(alice.take(), {server_msg::joined{"bob", "lobby", 2},
                        server_msg::left{"bob", "lobby", 1, "join failed"}});
  // Not carried out: bob is not a member, and the room is as it was.
  BOOST_TEST(!rooms.find("lobby")->has_member(*bob.out));
  BOOST_TEST((rooms.find("lobby")->member_names() == std::vector<std::string>{"alice"}));

  // A room created by the failed join ends with it.
  send(bob, client_msg::join{"#new", 0});
  expect(bob.take(), {error_of(errc::internal_error)});
  BOOST_TEST(!rooms.find("#new"));
  send(bob, client_msg::who{"#new"});
  BOOST_TEST(as<server_msg::error>(bob.take().at(0)).code == code(errc::no_such_room));

  history.fail_replays = false;  // and the join works once the store does
  send(bob, client_msg::join{"lobby", 0});
  BOOST_TEST(bob.take().size() == 3u);
  send(bob, client_msg::say{"lobby", 0, "made it"});
  BOOST_TEST(alice.out->all<server_msg::message>().size() == 1u);
  BOOST_TEST((rooms.find("lobby")->member_names() == std::vector<std::string>{"alice", "bob"}));
}

BOOST_AUTO_TEST_CASE(part_answers_with_left_and_tells_the_others) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.take();
  send(bob, client_msg::part{"Lobby", "lunch"});
  const server_msg::left left{"bob", "lobby", 1, "lunch"};
  expect(bob.take(), {left});
  expect(alice.take(), {left});
  BOOST_TEST(!rooms.find("lobby")->has_member(*bob.out));
  send(bob, client_msg::say{"lobby", 0, "still here?"});
  expect(bob.take(), {error_of(errc::not_in_room, "you are not in lobby")});
  // Rejoining is allowed once parted.
  send(bob, client_msg::join{"lobby", 0});
  BOOST_TEST(bob.take().size() == 3u);
}

BOOST_AUTO_TEST_CASE(say_is_echoed_to_the_sender_and_delivered_to_every_member) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  auto carol = registered("carol", "elsewhere");
  alice.take();
  send(alice, client_msg::say{"LOBBY", 0xFF, "waves"});  // only the action bit is kept

  const auto echo = alice.take();
  const auto delivered = bob.take();
  BOOST_TEST_REQUIRE(echo.size() == 1u);
  const auto& m = as<server_msg::message>(echo[0]);
  BOOST_TEST(m.id == 1u);
  BOOST_TEST(m.time_ms > 0u);
  BOOST_TEST(m.flags == msg::flag_action);
  BOOST_TEST(m.sender == "alice");
  BOOST_TEST(m.target == "lobby");
  BOOST_TEST(m.text == "waves");
  expect(delivered, echo);
  BOOST_TEST(carol.take().empty());
  // Kept in the room's history as delivered.
  const auto kept = history.replay("lobby", 0, all_ids, all_ids).messages;
  BOOST_TEST_REQUIRE(kept.size() == 1u);
  BOOST_TEST((server_message{kept[0]} == echo[0]));
}

BOOST_AUTO_TEST_CASE(messages_of_one_room_reach_every_member_in_the_same_order) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.take();
  send(alice, client_msg::say{"lobby", 0, "a1"});
  send(bob, client_msg::say{"lobby", 0, "b1"});
  send(alice, client_msg::say{"lobby", 0, "a2"});
  const auto seen_by_alice = alice.out->all<server_msg::message>();
  const auto seen_by_bob = bob.out->all<server_msg::message>();
  BOOST_TEST_REQUIRE(seen_by_alice.size() == 3u);
  BOOST_TEST((seen_by_alice == seen_by_bob));
  BOOST_TEST(seen_by_alice[0].id < seen_by_alice[1].id);
  BOOST_TEST(seen_by_alice[1].id < seen_by_alice[2].id);
  BOOST_TEST(seen_by_alice[1].sender == "bob");
}

// ---------------------------------------------------------------------------------------------
// PRIVATE

BOOST_AUTO_TEST_CASE(private_is_delivered_to_the_recipient_and_echoed_flagged_private) {
  auto alice = registered("alice");
  auto bob = registered("Bob");
  auto carol = registered("carol");
  send(alice, client_msg::private_message{"BOB", msg::flag_action | 0x80, "nods"});

  const auto got = bob.take();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  const auto& m = as<server_msg::message>(got[0]);
  BOOST_TEST(m.id == 1u);
  BOOST_TEST(m.flags == (msg::flag_private | msg::flag_action));
  BOOST_TEST(m.sender == "alice");
  BOOST_TEST(m.target == "Bob");  // the registered spelling
  BOOST_TEST(m.text == "nods");
  expect(alice.take(), got);  // the echo is the same message
  BOOST_TEST(carol.take().empty());
}

BOOST_AUTO_TEST_CASE(a_private_message_shares_its_encoding_and_is_never_kept) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.out->clear();
  send(alice, client_msg::private_message{"bob", 0, "psst"});
  BOOST_TEST_REQUIRE(alice.out->entries().size() == 1u);
  BOOST_TEST(alice.out->entries()[0].shared_bytes == bob.out->entries().back().shared_bytes);
  BOOST_TEST(history.replay("lobby", 0, all_ids, all_ids).messages.empty());
}

BOOST_AUTO_TEST_CASE(a_private_message_to_oneself_is_delivered_once) {
  auto alice = registered("alice");
  send(alice, client_msg::private_message{"ALICE", 0, "note to self"});
  const auto got = alice.take();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(as<server_msg::message>(got[0]).target == "alice");
  BOOST_TEST(as<server_msg::message>(got[0]).flags == msg::flag_private);
}

// ---------------------------------------------------------------------------------------------
// NICK

BOOST_AUTO_TEST_CASE(nick_is_seen_exactly_once_by_everyone_sharing_a_room) {
  auto alice = registered("alice", "lobby");
  send(alice, client_msg::join{"#dev", 0});
  auto bob = registered("bob", "lobby");
  send(bob, client_msg::join{"#dev", 0});  // shares two rooms with alice
  auto carol = registered("carol", "#dev");
  auto dave = registered("dave", "#other");  // shares none
  for (auto* c : {&alice, &bob, &carol, &dave}) c->take();

  send(alice, client_msg::nick{"al"});
  const server_msg::renamed renamed{"alice", "al"};
  expect(alice.take(), {renamed});
  expect(bob.take(), {renamed});
  expect(carol.take(), {renamed});
  BOOST_TEST(dave.take().empty());

  BOOST_TEST(alice->name() == "al");
  BOOST_TEST((users.find("AL").user == alice.out));
  BOOST_TEST(!users.find("alice").user);  // the old name is free at once
  BOOST_TEST((rooms.find("lobby")->member_names() == std::vector<std::string>{"al", "bob"}));
  BOOST_TEST((rooms.find("#dev")->member_names() == std::vector<std::string>{"al", "bob", "carol"}));
  send(alice, client_msg::say{"lobby", 0, "renamed"});
  BOOST_TEST(as<server_msg::message>(bob.take().at(0)).sender == "al");
  auto newcomer = connect();
  send(newcomer, client_msg::hello{protocol_version, "alice", ""});
  BOOST_TEST(as<server_msg::welcome>(newcomer.take().at(0)).name == "alice");
}

BOOST_AUTO_TEST_CASE(nick_in_no_room_is_answered_to_the_user_alone) {
  auto alice = registered("alice");
  auto bob = registered("bob", "lobby");
  send(alice, client_msg::nick{"al"});
  expect(alice.take(), {server_msg::renamed{"alice", "al"}});
  BOOST_TEST(bob.take().empty());
}

BOOST_AUTO_TEST_CASE(nick_to_a_taken_name_is_refused_and_the_name_kept) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.take();
  send(alice, client_msg::nick{"BOB"});
  expect(alice.take(), {error_of(errc::name_taken, "name BOB is taken")});
  BOOST_TEST(bob.take().empty());
  BOOST_TEST(alice->name() == "alice");
  BOOST_TEST((users.find("bob").user == bob.out));
  BOOST_TEST((users.find("alice").user == alice.out));
}

BOOST_AUTO_TEST_CASE(nick_to_an_invalid_name_is_invalid_name) {
  auto alice = registered("alice");
  send(alice, client_msg::nick{"a"});
  expect(alice.take(), {error_of(errc::invalid_name, invalid_name_text)});
  send(alice, client_msg::nick{"has space"});
  expect(alice.take(), {error_of(errc::invalid_name, invalid_name_text)});
  BOOST_TEST(alice->name() == "alice");
}

BOOST_AUTO_TEST_CASE(nick_changing_only_letter_case_is_allowed) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.take();
  send(alice, client_msg::nick{"Alice"});
  expect(alice.take(), {server_msg::renamed{"alice", "Alice"}});
  expect(bob.take(), {server_msg::renamed{"alice", "Alice"}});
  BOOST_TEST(alice->name() == "Alice");
  BOOST_TEST(users.find("alice").spelling == "Alice");
  send(bob, client_msg::private_message{"alice", 0, "hi"});
  BOOST_TEST(as<server_msg::message>(alice.take().at(0)).target == "Alice");
}

BOOST_AUTO_TEST_CASE(nick_to_exactly_the_current_name_gets_no_answer) {
  auto alice = registered("alice", "lobby");
  send(alice, client_msg::nick{"alice"});
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST(alice->name() == "alice");
}

BOOST_AUTO_TEST_CASE(of_two_sessions_renaming_to_one_name_the_second_is_refused_and_keeps_its_own) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice.take();
  send(alice, client_msg::nick{"carol"});
  send(bob, client_msg::nick{"Carol"});

  expect(alice.take(), {server_msg::renamed{"alice", "carol"}});
  expect(bob.take(), {server_msg::renamed{"alice", "carol"},
                      error_of(errc::name_taken, "name Carol is taken")});
  BOOST_TEST(alice->name() == "carol");
  BOOST_TEST(bob->name() == "bob");
  BOOST_TEST((users.find("carol").user == alice.out));
  BOOST_TEST((users.find("bob").user == bob.out));  // still bob's
  BOOST_TEST((rooms.find("lobby")->member_names() == std::vector<std::string>{"carol", "bob"}));
  auto another = connect();
  send(another, client_msg::hello{protocol_version, "bob", ""});
  BOOST_TEST(as<server_msg::error>(another.take().at(0)).code == code(errc::name_taken));
}

// ---------------------------------------------------------------------------------------------
// TOPIC, LIST, WHO, HISTORY

BOOST_AUTO_TEST_CASE(topic_is_asked_by_anyone_set_and_cleared_by_members) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  auto outsider = registered("carol");
  alice.take();

  send(outsider, client_msg::topic{"Lobby", 0, ""});
  expect(outsider.take(), {server_msg::topic{"lobby", "", "", 0}});
  BOOST_TEST(alice.take().empty());  // asking is answered to the asker only

  send(alice, client_msg::topic{"lobby", 1, "release day"});
  const auto set = alice.take();
  BOOST_TEST_REQUIRE(set.size() == 1u);
  const auto& topic = as<server_msg::topic>(set[0]);
  BOOST_TEST(topic.room == "lobby");
  BOOST_TEST(topic.text == "release day");
  BOOST_TEST(topic.set_by == "alice");
  BOOST_TEST(topic.time_ms > 0u);
  expect(bob.take(), set);  // everyone, the setter included
  BOOST_TEST(outsider.take().empty());

  send(outsider, client_msg::topic{"lobby", 0, "ignored when asking"});
  expect(outsider.take(), set);

  send(bob, client_msg::topic{"lobby", 7, ""});  // any non-zero set is setting; empty clears
  expect(bob.take(), {server_msg::topic{"lobby", "", "", 0}});
  expect(alice.take(), {server_msg::topic{"lobby", "", "", 0}});
}

BOOST_AUTO_TEST_CASE(list_answers_rooms_largest_first_then_end_in_one_answer) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  send(bob, client_msg::join{"#b", 0});
  send(bob, client_msg::join{"#a", 0});
  send(bob, client_msg::topic{"#b", 1, "bees"});
  bob.take();
  auto outsider = registered("carol");
  send(outsider, client_msg::list{});
  BOOST_TEST_REQUIRE(outsider.out->entries().size() == 1u);
  BOOST_TEST((outsider.out->entries()[0].how == recorder::kind::answer));
  expect(outsider.take(), {server_msg::room_info{"lobby", 2, ""},
                           server_msg::room_info{"#a", 1, ""},
                           server_msg::room_info{"#b", 1, "bees"},
                           server_msg::end{list_request, "", 0, 0}});
}

BOOST_AUTO_TEST_CASE(list_with_no_rooms_is_only_end) {
  auto alice = registered("alice");
  send(alice, client_msg::list{});
  expect(alice.take(), {server_msg::end{list_request, "", 0, 0}});
}

BOOST_AUTO_TEST_CASE(who_answers_the_members_in_join_order_then_end) {
  auto bob = registered("bob", "lobby");
  auto alice = registered("Alice", "lobby");
  auto outsider = registered("carol");
  send(outsider, client_msg::who{"LOBBY"});  // membership is not required
  BOOST_TEST_REQUIRE(outsider.out->entries().size() == 1u);
  BOOST_TEST((outsider.out->entries()[0].how == recorder::kind::answer));
  expect(outsider.take(), {server_msg::members{"lobby", {"bob", "Alice"}},
                           server_msg::end{who_request, "lobby", 0, 0}});
}

BOOST_AUTO_TEST_CASE(history_after_an_id_sends_the_later_messages_then_end) {
  auto alice = registered("alice", "lobby");
  for (const auto* text : {"one", "two", "three"}) send(alice, client_msg::say{"lobby", 0, text});
  alice.take();

  send(alice, client_msg::history{"Lobby", 1, 10});
  const auto got = alice.take();
  BOOST_TEST_REQUIRE(got.size() == 3u);
  const auto& two = as<server_msg::message>(got[0]);
  const auto& three = as<server_msg::message>(got[1]);
  BOOST_TEST(two.id == 2u);
  BOOST_TEST(two.text == "two");
  BOOST_TEST(two.flags == msg::flag_history);
  BOOST_TEST(three.id == 3u);
  BOOST_TEST((got[2] == server_message{server_msg::end{history_request, "lobby", 0, 3}}));

  send(alice, client_msg::history{"lobby", 1, 1});  // stopped by the limit
  const auto truncated = alice.take();
  BOOST_TEST_REQUIRE(truncated.size() == 2u);
  BOOST_TEST(as<server_msg::message>(truncated[0]).id == 2u);
  BOOST_TEST((truncated[1] ==
              server_message{server_msg::end{history_request, "lobby", msg::end_truncated, 2}}));

  send(alice, client_msg::history{"lobby", 3, 10});  // nothing newer
  expect(alice.take(), {server_msg::end{history_request, "lobby", 0, 3}});
}

BOOST_AUTO_TEST_CASE(history_that_fell_out_of_the_ring_says_missed) {
  auto alice = registered("alice", "lobby");
  for (int i = 1; i <= 12; ++i) send(alice, client_msg::say{"lobby", 0, "m" + std::to_string(i)});
  alice.take();
  send(alice, client_msg::history{"lobby", 1, 100});  // ids 2 and 3 fell out (history is 10)
  const auto got = alice.take();
  BOOST_TEST_REQUIRE(got.size() == 11u);
  BOOST_TEST(as<server_msg::message>(got[0]).id == 3u);
  BOOST_TEST((got[10] == server_message{server_msg::end{history_request, "lobby", msg::end_missed, 12}}));
}

// ---------------------------------------------------------------------------------------------
// Keep-alive

BOOST_AUTO_TEST_CASE(the_deadline_is_the_last_input_plus_the_idle_time) {
  auto alice = registered("alice");
  BOOST_TEST((alice->deadline() == t0 + 90s));
  send(alice, client_msg::ping{1}, t0 + 10s);
  BOOST_TEST((alice->deadline() == t0 + 100s));
  alice->on_undecodable(errc::unknown_type, t0 + 20s);  // even a frame that does not decode
  BOOST_TEST((alice->deadline() == t0 + 110s));
}

BOOST_AUTO_TEST_CASE(on_deadline_before_it_is_due_does_nothing) {
  auto alice = registered("alice");
  alice->on_deadline(t0 + 90s - 1ms);
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST((alice->deadline() == t0 + 90s));
  BOOST_TEST(!alice->take_close());
}

BOOST_AUTO_TEST_CASE(an_idle_client_is_pinged_and_then_has_the_ping_timeout) {
  auto alice = registered("alice");
  const auto now = t0 + 95s;  // the driver may wake late
  alice->on_deadline(now);
  const auto got = alice.take();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(std::holds_alternative<server_msg::ping>(got[0]));
  BOOST_TEST((alice->deadline() == now + 60s));
  BOOST_TEST(!alice->take_close());
  BOOST_TEST((alice->current_state() == state::registered));
  // Waking again before the ping timeout neither pings again nor closes.
  alice->on_deadline(now + 59s);
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST(!alice->take_close());
}

BOOST_AUTO_TEST_CASE(any_input_after_the_ping_clears_it) {
  auto alice = registered("alice");
  alice->on_deadline(t0 + 90s);
  alice.take();
  send(alice, client_msg::pong{12345}, t0 + 100s);  // the token is not checked
  BOOST_TEST((alice->deadline() == t0 + 190s));
  alice->on_deadline(t0 + 150s);  // the old ping timeout has no effect any more
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST(!alice->take_close());

  alice->on_deadline(t0 + 190s);
  alice.take();
  alice->on_undecodable(errc::malformed_frame, t0 + 200s);
  BOOST_TEST((alice->deadline() == t0 + 290s));
}

BOOST_AUTO_TEST_CASE(silence_past_the_ping_timeout_closes_with_ping_timeout) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  alice->on_deadline(t0 + 90s);
  alice.take();
  alice->on_deadline(t0 + 150s);
  BOOST_TEST(alice.out->entries().empty());  // the farewell is the driver's to send
  BOOST_TEST((alice->current_state() == state::closing));
  BOOST_TEST((alice->deadline() == clock_type::time_point::max()));
  auto close = alice->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::ping_timeout));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::ping_timeout)));
  BOOST_TEST(!alice->take_close());  // once

  bob.take();
  alice->on_closing(close->reason);
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "ping timeout"}});
}

BOOST_AUTO_TEST_CASE(idle_time_zero_never_pings) {
  options.idle_timeout = 0s;
  auto alice = registered("alice");
  BOOST_TEST((alice->deadline() == clock_type::time_point::max()));
  alice->on_deadline(t0 + 1000h);
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST(!alice->take_close());
}

// ---------------------------------------------------------------------------------------------
// Handshake time

BOOST_AUTO_TEST_CASE(no_hello_in_the_handshake_time_closes_with_handshake_timeout) {
  auto c = connect();
  BOOST_TEST((c->deadline() == t0 + 30s));
  c->on_deadline(t0 + 30s - 1ms);
  BOOST_TEST(c.out->entries().empty());
  BOOST_TEST(!c->take_close());
  c->on_deadline(t0 + 30s);
  BOOST_TEST((c->current_state() == state::closing));
  auto close = c->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::handshake_timeout));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::handshake_timeout)));
  BOOST_TEST(c.out->entries().empty());
}

BOOST_AUTO_TEST_CASE(hello_cancels_the_handshake_deadline) {
  auto c = connect();
  send(c, client_msg::hello{protocol_version, "alice", ""}, t0 + 20s);
  BOOST_TEST((c->deadline() == t0 + 20s + 90s));
  c->on_deadline(t0 + 30s);
  BOOST_TEST(!c->take_close());
  BOOST_TEST((c->current_state() == state::registered));
}

BOOST_AUTO_TEST_CASE(pings_and_refused_hellos_do_not_extend_the_handshake_time) {
  auto c = connect();
  send(c, client_msg::ping{1}, t0 + 10s);
  send(c, client_msg::hello{1, "alice", ""}, t0 + 20s);
  send(c, client_msg::pong{2}, t0 + 29s);
  BOOST_TEST((c->deadline() == t0 + 30s));
  c->on_deadline(t0 + 30s);
  const auto close = c->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::handshake_timeout));
}

BOOST_AUTO_TEST_CASE(handshake_time_zero_waits_for_hello_forever) {
  options.handshake_timeout = 0s;
  options.idle_timeout = 0s;
  auto c = connect();
  BOOST_TEST((c->deadline() == clock_type::time_point::max()));
  c->on_deadline(t0 + 1000h);
  BOOST_TEST(!c->take_close());
  BOOST_TEST((c->current_state() == state::awaiting_hello));
}

BOOST_AUTO_TEST_CASE(an_unregistered_client_idle_beyond_the_idle_time_is_pinged) {
  options.handshake_timeout = 0s;
  auto c = connect();
  BOOST_TEST((c->deadline() == t0 + 90s));
  c->on_deadline(t0 + 90s);
  const auto got = c.take();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(std::holds_alternative<server_msg::ping>(got[0]));
  c->on_deadline(t0 + 150s);
  const auto close = c->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::ping_timeout));
}

// ---------------------------------------------------------------------------------------------
// BYE and closing

BOOST_AUTO_TEST_CASE(bye_asks_for_a_close_without_reason_or_farewell) {
  auto alice = registered("alice", "lobby");
  alice.take();
  send(alice, client_msg::bye{"gone home"});
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST((alice->current_state() == state::closing));
  BOOST_TEST((alice->deadline() == clock_type::time_point::max()));
  const auto close = alice->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST(!close->reason);
  BOOST_TEST(!close->farewell.has_value());
  BOOST_TEST(!alice->take_close());
}

BOOST_AUTO_TEST_CASE(after_bye_the_rooms_see_left_with_the_bye_reason) {
  auto alice = registered("alice", "lobby");
  send(alice, client_msg::join{"#dev", 0});
  auto bob = registered("bob", "lobby");
  send(bob, client_msg::join{"#dev", 0});
  bob.take();
  send(alice, client_msg::bye{"gone home"});
  BOOST_TEST(bob.take().empty());  // the rooms are left when the transport begins closing
  close_as_driver(alice);
  const auto got = bob.out->all<server_msg::left>();
  BOOST_TEST_REQUIRE(got.size() == 2u);
  for (const auto& left : got) {
    BOOST_TEST(left.name == "alice");
    BOOST_TEST(left.member_count == 1u);
    BOOST_TEST(left.reason == "gone home");
  }
  BOOST_TEST(got[0].room != got[1].room);
  BOOST_TEST(!rooms.find("lobby")->has_member(*alice.out));
  BOOST_TEST(!rooms.find("#dev")->has_member(*alice.out));
}

BOOST_AUTO_TEST_CASE(after_bye_without_a_usable_reason_the_rooms_see_quit) {
  for (const auto& reason : {std::string(), std::string("tab\tok, line\nbreak not"),
                                   std::string(max_reason_bytes + 1, 'r')}) {
    auto alice = registered("alice", "lobby");
    auto bob = registered("bob", "lobby");
    bob.take();
    send(alice, client_msg::bye{reason});
    close_as_driver(alice);
    expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "quit"}});
    send(bob, client_msg::bye{});
    close_as_driver(bob);
  }
}

BOOST_AUTO_TEST_CASE(after_bye_and_closing_the_name_is_free_to_claim_again) {
  auto alice = registered("alice");
  send(alice, client_msg::bye{});
  auto again = connect();
  send(again, client_msg::hello{protocol_version, "alice", ""});
  BOOST_TEST(as<server_msg::error>(again.take().at(0)).code == code(errc::name_taken));
  close_as_driver(alice);
  BOOST_TEST(alice->name().empty());
  BOOST_TEST(!users.find("alice").user);
  send(again, client_msg::hello{protocol_version, "ALICE", ""});
  expect(again.take(), {server_msg::welcome{"test server", bus.server_id(), "ALICE"}});
}

BOOST_AUTO_TEST_CASE(a_frame_too_large_closes_with_a_farewell_naming_the_limit) {
  options.max_frame = 20000;
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  alice->on_stream_error(errc::frame_too_large);
  BOOST_TEST((alice->current_state() == state::closing));
  const auto close = alice->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::frame_too_large));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell ==
              error_of(errc::frame_too_large, "frame exceeds the limit of 20000 bytes")));
  alice->on_closing(close->reason);
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "connection closed"}});
}

BOOST_AUTO_TEST_CASE(a_zero_length_frame_closes_with_malformed_frame) {
  auto c = connect();
  c->on_stream_error(errc::malformed_frame);
  const auto close = c->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::malformed_frame));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::malformed_frame)));
}

BOOST_AUTO_TEST_CASE(too_slow_closes_with_a_farewell_and_the_rooms_see_too_slow) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  alice->on_too_slow();
  BOOST_TEST((alice->current_state() == state::closing));
  const auto close = alice->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::too_slow));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::too_slow)));
  alice->on_closing(close->reason);
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "too slow"}});
  BOOST_TEST(!users.find("alice").user);
}

BOOST_AUTO_TEST_CASE(shutdown_closes_with_server_shutting_down_in_either_state) {
  auto c = connect();
  c->on_shutdown();
  auto close = c->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::server_shutting_down));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::server_shutting_down)));

  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  alice->on_shutdown();
  close = alice->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::server_shutting_down));
  alice->on_closing(close->reason);
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "server shutting down"}});
}

BOOST_AUTO_TEST_CASE(only_the_first_close_request_counts) {
  auto alice = registered("alice");
  alice->on_too_slow();
  alice->on_shutdown();
  alice->on_stream_error(errc::frame_too_large);
  alice->on_deadline(t0 + 1000h);
  send(alice, client_msg::bye{});
  const auto close = alice->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::too_slow));
  BOOST_TEST(!alice->take_close());
}

BOOST_AUTO_TEST_CASE(on_closing_is_idempotent) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  alice->on_closing(errc::connection_closed);
  BOOST_TEST((alice->current_state() == state::closing));
  // Someone else takes the name meanwhile; a second notice must not free it.
  auto again = connect();
  send(again, client_msg::hello{protocol_version, "alice", "lobby"});
  BOOST_TEST((again->current_state() == state::registered));
  bob.take();
  alice->on_closing(errc::too_slow);
  alice->on_closed(errc::connection_closed);
  BOOST_TEST(bob.take().empty());
  BOOST_TEST((users.find("alice").user == again.out));
  BOOST_TEST(rooms.find("lobby")->member_count() == 2u);
  BOOST_TEST((rooms.find("lobby")->member_names() == std::vector<std::string>{"bob", "alice"}));
}

BOOST_AUTO_TEST_CASE(on_closing_leaves_with_the_first_reason_only) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  alice->on_closing(errc::connection_closed);
  alice->on_closing(errc::too_slow);
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "connection closed"}});
}

BOOST_AUTO_TEST_CASE(messages_after_closing_are_ignored) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  send(alice, client_msg::bye{"bye"});
  close_as_driver(alice);
  alice.out->clear();
  bob.take();

  const std::vector<client_message> late = {
      client_msg::say{"lobby", 0, "late"}, client_msg::ping{1},
      client_msg::hello{protocol_version, "alice", "lobby"}, client_msg::join{"#dev", 0},
      client_msg::nick{"zed"},            client_msg::list{},
      client_msg::private_message{"bob", 0, "late"}};
  for (const auto& m : late) send(alice, m, t0 + 1s);
  alice->on_undecodable(errc::unknown_type, t0 + 1s);
  alice->on_deadline(t0 + 1000h);
  alice->on_too_slow();
  alice->on_shutdown();
  BOOST_TEST(alice.out->entries().empty());
  BOOST_TEST(bob.take().empty());
  BOOST_TEST(!alice->take_close());
  BOOST_TEST((alice->current_state() == state::closing));
  BOOST_TEST(!rooms.find("#dev"));
  BOOST_TEST(!users.find("alice").user);
  BOOST_TEST(!users.find("zed").user);
}

BOOST_AUTO_TEST_CASE(on_closed_ends_in_state_closed_and_leaves_if_not_left_yet) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  alice->on_closed(errc::connection_closed);  // the peer went away: no on_closing first
  BOOST_TEST((alice->current_state() == state::closed));
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "connection closed"}});
  BOOST_TEST(!users.find("alice").user);
  BOOST_TEST((alice->deadline() == clock_type::time_point::max()));
  alice.out->clear();
  send(alice, client_msg::ping{1});
  BOOST_TEST(alice.out->entries().empty());
  alice->on_closing(errc::too_slow);
  alice->on_closed(errc::connection_closed);
  BOOST_TEST((alice->current_state() == state::closed));
  BOOST_TEST(bob.take().empty());
}

BOOST_AUTO_TEST_CASE(on_closed_after_bye_keeps_the_bye_reason) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  bob.take();
  send(alice, client_msg::bye{"done"});
  close_as_driver(alice);
  alice->on_closed({});
  BOOST_TEST((alice->current_state() == state::closed));
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "done"}});
}

BOOST_AUTO_TEST_CASE(a_session_destroyed_while_registered_leaves_its_rooms) {
  auto bob = registered("bob", "lobby");
  {
    auto alice = registered("alice", "lobby");
    bob.take();
  }
  expect(bob.take(), {server_msg::left{"alice", "lobby", 1, "connection closed"}});
  BOOST_TEST(!users.find("alice").user);
}

// ---------------------------------------------------------------------------------------------
// The log: levels, and a client's mistakes at a bounded rate

namespace {

// A log_record, kept (its views last only for the call).
struct recorded_line {
  log_level level;
  std::string event, peer, message;
  static recorded_line of(const chat::log_record& r) {
    return {r.level, std::string(r.event), std::string(r.peer), std::string(r.message)};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_clients_mistakes_are_logged_at_a_bounded_rate_and_the_rest_counted) {
  std::vector<recorded_line> lines;
  log = detail::logger([&](const chat::log_record& r) { lines.push_back(recorded_line::of(r)); },
                       log_level::info);
  const auto mistakes = [&] {
    std::size_t n = 0;
    for (const auto& l : lines) n += l.event == "protocol_error";
    return n;
  };
  auto c = connect();
  for (int i = 0; i < 100; ++i) c->on_undecodable(errc::unknown_type, t0 + std::chrono::milliseconds(i));
  BOOST_TEST(mistakes() == std::size_t(detail::log_budget::burst));
  // Every one is still answered.
  std::size_t errors = 0;
  for (const auto& m : c.take()) errors += std::holds_alternative<server_msg::error>(m);
  BOOST_TEST(errors == 100u);

  // One interval later one more goes out, with the count of those that did not.
  c->on_undecodable(errc::unknown_type, t0 + detail::log_budget::interval + 100ms);
  BOOST_TEST(mistakes() == std::size_t(detail::log_budget::burst) + 1);
  BOOST_TEST((lines.back().level == log_level::info));
  BOOST_TEST(lines.back().peer == "192.0.2.1:4242");
  BOOST_TEST(lines.back().message.find("(95 more errors not logged)") != std::string::npos);

  // What is left unlogged at the end is counted in the disconnect line.
  for (int i = 0; i < 7; ++i) c->on_undecodable(errc::unknown_type, t0 + detail::log_budget::interval + 200ms);
  c->on_closed(make_error_code(errc::connection_closed));
  BOOST_TEST(lines.back().event == "closed");
  BOOST_TEST(lines.back().message.find("(7 more errors not logged)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nothing_below_the_level_is_logged_and_joins_are_debug) {
  std::vector<recorded_line> lines;
  const auto sink = [&](const chat::log_record& r) { lines.push_back(recorded_line::of(r)); };
  log = detail::logger(sink, log_level::warn);
  auto quiet = registered("quiet", "lobby");
  quiet->on_undecodable(errc::unknown_type, t0);
  BOOST_TEST(lines.empty());

  log = detail::logger(sink, log_level::debug);
  auto chatty = registered("chatty", "lobby");
  std::vector<log_level> levels;
  for (const auto& l : lines)
    if (l.event == "joined") levels.push_back(l.level);
  BOOST_TEST((levels == std::vector<log_level>{log_level::debug}));
}

// ---------------------------------------------------------------------------------------------
// Flood control (PROTOCOL.md 7.20): a burst, then a steady rate; excess input held, not dropped.

namespace {

/// Feeds `c` as the driver would: a message only while its input is not held; when held, the
/// clock moves to the session's deadline (the one timer) and the deadline is delivered.
/// Returns the time the message was handled.
clock_type::time_point send_paced(test_client& c, const client_message& m, clock_type::time_point& now) {
  while (c->input_held()) {
    now = std::max(now, c->deadline());
    c->on_deadline(now);
  }
  c->on_message(m, now);
  return now;
}

std::size_t messages_in(const std::vector<server_message>& got) {
  std::size_t n = 0;
  for (const auto& m : got) n += std::holds_alternative<server_msg::message>(m);
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_burst_goes_through_at_once_then_input_is_held_one_interval_per_message) {
  BOOST_TEST(options.flood_burst == 20u);  // the defaults
  BOOST_TEST(options.flood_rate == 5.0);
  auto alice = registered("alice", "lobby");
  for (int i = 0; i < 19; ++i) {
    send(alice, client_msg::say{"lobby", 0, "line " + std::to_string(i)});
    BOOST_TEST_REQUIRE(!alice->input_held());
  }
  send(alice, client_msg::say{"lobby", 0, "line 19"});
  BOOST_TEST_REQUIRE(alice->input_held());  // the bucket is empty: the next frame waits
  BOOST_TEST((alice->deadline() == t0 + 200ms));
  alice->on_deadline(t0 + 199ms);
  BOOST_TEST(alice->input_held());
  alice->on_deadline(t0 + 200ms);
  BOOST_TEST(!alice->input_held());
  send(alice, client_msg::say{"lobby", 0, "line 20"}, t0 + 200ms);
  BOOST_TEST((alice->deadline() == t0 + 400ms));
  // Every one was handled: delayed input is never dropped.
  BOOST_TEST(messages_in(alice.take()) == 21u);
}

BOOST_AUTO_TEST_CASE(joins_cost_a_quarter_so_rejoining_every_room_is_never_held) {
  auto alice = registered("alice");
  for (std::size_t i = 0; i < options.max_rooms_per_user; ++i) {
    send(alice, client_msg::join{"room" + std::to_string(i), 0});
    BOOST_TEST_REQUIRE(!alice->input_held());
  }
  // Queries and keep-alive are not paced at all.
  for (int i = 0; i < 100; ++i) {
    send(alice, client_msg::who{"room0"});
    send(alice, client_msg::ping{std::uint64_t(i)});
    send(alice, client_msg::topic{"room0", 0, ""});
  }
  BOOST_TEST(!alice->input_held());
}

BOOST_AUTO_TEST_CASE(private_topic_nick_and_part_are_paced_like_say) {
  auto alice = registered("alice", "lobby");
  auto bob = registered("bob", "lobby");
  send(alice, client_msg::join{"r1", 0});
  send(alice, client_msg::join{"r2", 0});
  for (int i = 0; i < 6; ++i) {
    send(alice, client_msg::private_message{"bob", 0, "hi"});
    send(alice, client_msg::topic{"lobby", 1, "topic " + std::to_string(i)});
    send(alice, client_msg::nick{i % 2 ? "alice" : "alice2"});
  }
  BOOST_TEST_REQUIRE(!alice->input_held());  // 18 and two quarters: a message's worth is left
  send(alice, client_msg::part{"r1", ""});
  BOOST_TEST(alice->input_held());
}

BOOST_AUTO_TEST_CASE(a_client_paced_without_a_break_is_disconnected_for_flooding) {
  options.flood_disconnect_after = 30s;
  auto bob = registered("bob", "lobby");
  auto flooder = registered("flooder", "lobby");
  auto now = t0;
  int sent = 0;
  while (flooder->current_state() == state::registered) {
    send_paced(flooder, client_msg::say{"lobby", 0, "spam " + std::to_string(sent)}, now);
    ++sent;
    BOOST_TEST_REQUIRE(sent < 1000);
  }
  // 20 at once, then 5 a second for 30 s; the request past the limit is refused, not handled.
  BOOST_TEST(sent == 20 + 149 + 1);
  BOOST_TEST((now - t0 == 30s));
  auto close = flooder->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((close->reason == errc::flooding));
  BOOST_TEST_REQUIRE(close->farewell.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::flooding,
                                            "flooding: more than 5 messages/s sustained for 30 s; slow down")));
  // Everything handled before reached bob, in order.
  std::vector<std::string> texts;
  for (const auto& m : bob.take())
    if (const auto* said = std::get_if<server_msg::message>(&m)) texts.push_back(said->text);
  BOOST_TEST_REQUIRE(texts.size() == std::size_t(sent - 1));
  for (int i = 0; i < sent - 1; ++i) BOOST_TEST(texts[std::size_t(i)] == "spam " + std::to_string(i));
}

BOOST_AUTO_TEST_CASE(a_paste_followed_by_typing_is_never_disconnected) {
  options.flood_disconnect_after = 5s;
  auto alice = registered("alice", "lobby");
  auto now = t0;
  for (int round = 0; round < 10; ++round) {
    // A paste of 40 lines: 20 at once, 20 paced over 4 s...
    for (int i = 0; i < 40; ++i) send_paced(alice, client_msg::say{"lobby", 0, "pasted"}, now);
    // ...then typing at a human pace lets the bucket refill.
    for (int i = 0; i < 10; ++i) {
      now += 1s;
      send_paced(alice, client_msg::say{"lobby", 0, "typed"}, now);
    }
    BOOST_TEST_REQUIRE((alice->current_state() == state::registered));
  }
  BOOST_TEST(messages_in(alice.take()) == 500u);
}

BOOST_AUTO_TEST_CASE(flood_control_off_never_holds_nor_disconnects) {
  options.flood_burst = 0;
  auto alice = registered("alice", "lobby");
  for (int i = 0; i < 1000; ++i) send(alice, client_msg::say{"lobby", 0, "x"}, t0 + std::chrono::seconds(i));
  BOOST_TEST(!alice->input_held());
  BOOST_TEST((alice->current_state() == state::registered));
}

BOOST_AUTO_TEST_CASE(frames_before_hello_are_limited_to_a_small_size_and_raised_after) {
  auto c = connect();
  BOOST_TEST(c->frame_limit() == max_frame_before_hello);
  send(c, client_msg::hello{protocol_version, "alice", ""});
  BOOST_TEST(c->frame_limit() == options.max_frame);

  auto early = connect();
  early->on_stream_error(errc::frame_too_large);
  auto close = early->take_close();
  BOOST_TEST_REQUIRE(close.has_value());
  BOOST_TEST((*close->farewell == error_of(errc::frame_too_large, "frame exceeds the limit of 4096 bytes before HELLO")));
}

BOOST_AUTO_TEST_SUITE_END()
