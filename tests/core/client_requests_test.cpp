// SPDX-License-Identifier: BSL-1.0
// chat::client's awaited requests: async_join, async_history, async_list and async_who complete
// with their answers, and each server ERROR reaches the request it refuses.
#include "support/recording_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <tuple>
#include <utility>

using namespace chat;
using namespace chat::test;
using boost::system::error_code;

namespace {

// Starts an awaited request with a callback and returns what it completed with, failing the
// test if that does not happen by the deadline.
template <class... Results, class Start>
std::tuple<error_code, Results...> completion_of(Start start) {
  std::promise<std::tuple<error_code, Results...>> done;
  auto result = done.get_future();
  start([&done](error_code ec, Results... r) { done.set_value({ec, std::move(r)...}); });
  BOOST_REQUIRE_MESSAGE(result.wait_for(default_deadline) == std::future_status::ready,
                        "the request did not complete by the deadline");
  return result.get();
}

struct two_users {
  test_server server;
  client_pool pool;
  recording_client alice{pool}, bob{pool};
  std::vector<std::uint64_t> said;
  two_users() {
    alice.connect_and_hello(server.port(), "alice", "");
    bob.connect_and_hello(server.port(), "bob", "dev");
    for (const char* text : {"first", "second"}) {
      BOOST_REQUIRE(!bob.api().say("dev", text));
      said.push_back(bob.wait_for<msg::server::message>([&](const msg::server::message& m) {
                          return m.text == text;
                        })->id);
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(client_requests, two_users)

BOOST_AUTO_TEST_CASE(async_join_completes_with_the_end_of_the_greeting_after_showing_it) {
  std::size_t shown_before_completion = 0;
  const auto [ec, end] = completion_of<msg::server::end>([&](auto handler) {
    alice.api().async_join("Dev", 0, [&, handler](error_code e, msg::server::end m) mutable {
      shown_before_completion = alice.chat_messages("dev").size();
      handler(e, std::move(m));
    });
  });
  BOOST_TEST(!ec);
  BOOST_TEST((end == msg::server::end{std::uint8_t(client_message_type::join), "dev", 0, said.back()}));
  BOOST_TEST(shown_before_completion == 2u);  // the replayed history reached on_message first
}

BOOST_AUTO_TEST_CASE(async_join_of_a_room_already_joined_completes_with_the_servers_refusal) {
  alice.join("dev");
  const auto [ec, end] = completion_of<msg::server::end>(
      [&](auto handler) { alice.api().async_join("dev", 0, std::move(handler)); });
  BOOST_TEST(ec == errc::already_in_room);
}

BOOST_AUTO_TEST_CASE(an_error_reaches_the_request_it_refuses_not_the_awaited_one_after_it) {
  BOOST_REQUIRE(!alice.api().topic("nowhere"));  // refused: no_such_room
  const auto [ec, names, end] = completion_of<std::vector<std::string>, msg::server::end>(
      [&](auto handler) { alice.api().async_who("dev", std::move(handler)); });
  BOOST_TEST(!ec);
  BOOST_TEST((names == std::vector<std::string>{"bob"}));
  BOOST_TEST(end.request == std::uint8_t(client_message_type::who));
  BOOST_TEST(alice.all<msg::server::error>().size() == 1u);  // the message handler saw the refusal
  BOOST_TEST(alice.all<msg::server::error>().at(0).code == std::uint16_t(errc::no_such_room));
}

BOOST_AUTO_TEST_CASE(async_who_of_a_room_that_does_not_exist_says_so) {
  const auto [ec, names, end] = completion_of<std::vector<std::string>, msg::server::end>(
      [&](auto handler) { alice.api().async_who("nowhere", std::move(handler)); });
  BOOST_TEST(ec == errc::no_such_room);
  BOOST_TEST(names.empty());
}

BOOST_AUTO_TEST_CASE(async_list_completes_with_every_room) {
  alice.join("quiet");
  const auto [ec, rooms, end] = completion_of<std::vector<msg::server::room_info>, msg::server::end>(
      [&](auto handler) { alice.api().async_list(std::move(handler)); });
  BOOST_TEST(!ec);
  BOOST_REQUIRE_EQUAL(rooms.size(), 2u);
  BOOST_TEST((rooms[0] == msg::server::room_info{"dev", 1, ""}));
  BOOST_TEST((rooms[1] == msg::server::room_info{"quiet", 1, ""}));
  BOOST_TEST(end.request == std::uint8_t(client_message_type::list));
}

BOOST_AUTO_TEST_CASE(async_history_completes_with_the_messages_after_the_id) {
  alice.join("dev");
  const auto [ec, messages, end] = completion_of<std::vector<msg::server::message>, msg::server::end>(
      [&](auto handler) { alice.api().async_history("dev", said.front(), 10, std::move(handler)); });
  BOOST_TEST(!ec);
  BOOST_REQUIRE_EQUAL(messages.size(), 1u);
  BOOST_TEST(messages[0].text == "second");
  BOOST_TEST(messages[0].flags == msg::flag_history);
  BOOST_TEST(end.last_id == said.back());
}

BOOST_AUTO_TEST_CASE(requests_that_cannot_be_sent_complete_at_once_with_the_reason) {
  const auto [invalid, end] = completion_of<msg::server::end>(
      [&](auto handler) { alice.api().async_join("no spaces", 0, std::move(handler)); });
  BOOST_TEST(invalid == errc::invalid_room);

  recording_client stranger(pool);
  BOOST_REQUIRE(!stranger.connect(server.port()));
  const auto [early, rooms, list_end] = completion_of<std::vector<msg::server::room_info>, msg::server::end>(
      [&](auto handler) { stranger.api().async_list(std::move(handler)); });
  BOOST_TEST(early == errc::not_registered);
}

BOOST_AUTO_TEST_CASE(an_awaited_request_after_bye_completes_with_not_connected) {
  alice.api().bye();
  BOOST_TEST(!alice.wait_closed());
  const auto [ec, end] = completion_of<msg::server::end>(
      [&](auto handler) { alice.api().async_join("dev", 0, std::move(handler)); });
  BOOST_TEST(ec == errc::not_connected);
}

BOOST_AUTO_TEST_CASE(a_second_nick_waits_for_the_first_and_later_requests_still_complete) {
  {
    // The clients' one thread is held, so the first NICK's answer cannot be taken in between.
    std::promise<void> holding, release;
    // The handler keeps its own future: `release` is gone once this block ends, maybe before
    // the handler wakes from its wait.
    boost::asio::post(pool.io, [&holding, released = release.get_future().share()] {
      holding.set_value();
      released.wait();
    });
    holding.get_future().wait();
    BOOST_REQUIRE(!alice.api().nick("alicia"));
    BOOST_TEST(alice.api().nick("alicia") == errc::operation_in_progress);
    release.set_value();
  }
  const auto [ec, rooms, end] = completion_of<std::vector<msg::server::room_info>, msg::server::end>(
      [&](auto handler) { alice.api().async_list(std::move(handler)); });
  BOOST_TEST(!ec);
  BOOST_TEST(rooms.size() == 1u);
  BOOST_REQUIRE(alice.wait_for<msg::server::renamed>());
  BOOST_TEST(!alice.api().nick("alicia"));  // answered: the current name again, no answer due
  BOOST_TEST(!alice.api().nick("ally"));    // and a new one may follow at once
}

BOOST_AUTO_TEST_CASE(async_hello_takes_only_the_error_that_refuses_it) {
  BOOST_REQUIRE(!alice.api().say("nowhere", "lost"));  // refused first: not_in_room
  std::promise<error_code> hello;
  alice.api().async_hello("alice", "", [&](error_code ec, const msg::server::welcome&) {
    hello.set_value(ec);
  });
  auto result = hello.get_future();
  BOOST_REQUIRE(result.wait_for(default_deadline) == std::future_status::ready);
  BOOST_TEST(result.get() == errc::already_registered);
  BOOST_TEST(alice.wait_for<msg::server::error>(error_with(errc::not_in_room)).has_value());
}

BOOST_AUTO_TEST_CASE(awaited_requests_work_in_a_coroutine) {
  namespace asio = boost::asio;
  auto& api = alice.api();
  // Checked on this thread afterwards: Boost.Test's assertions are not thread-safe.
  auto conversation = [&]() -> asio::awaitable<std::pair<std::uint64_t, std::vector<std::string>>> {
    const auto greeting_end = co_await api.async_join("dev", 0, asio::use_awaitable);
    auto [names, who_end] = co_await api.async_who("dev", asio::use_awaitable);
    co_return std::pair{greeting_end.last_id, std::move(names)};
  };
  auto result = asio::co_spawn(pool.io, conversation(), asio::use_future);
  BOOST_REQUIRE(result.wait_for(default_deadline) == std::future_status::ready);
  const auto [caught_up_to, names] = result.get();
  BOOST_TEST(caught_up_to == said.back());
  BOOST_TEST((names == std::vector<std::string>{"bob", "alice"}));
}

BOOST_AUTO_TEST_SUITE_END()
