// SPDX-License-Identifier: BSL-1.0
// A connection's outgoing queue on its own, with a listener that counts what it is told: no
// Asio, no threads. The writer's side (take, written) is called by the test.
#include "rooms/room_event.hpp"
#include "transport/outbox.hpp"

#include <chat/codec.hpp>
#include <chat/frame_decoder.hpp>

#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

using namespace chat;
using detail::outbox;
using detail::outbox_limits;

namespace {

// Each queued frame costs its bytes plus this (outbox.cpp).
constexpr std::size_t per_frame_overhead = 128;

struct recording_listener final : detail::outbox_listener {
  int ready = 0;
  int overflows = 0;
  void on_outbox_ready() override { ++ready; }
  void on_outbox_overflow() override { ++overflows; }
};

/// A distinct frame: a PONG carrying `token` (13 bytes).
shared_frame frame(std::uint64_t token) { return encode_shared(msg::server::pong{token}); }
const std::size_t frame_cost = frame(0)->size() + per_frame_overhead;

struct outbox_fixture {
  std::shared_ptr<recording_listener> listener = std::make_shared<recording_listener>();

  std::shared_ptr<outbox> make(outbox_limits limits = {}) {
    return std::make_shared<outbox>(detail::wire_codec::v2, limits, listener);
  }

  /// What take() took last, charged until written(last_taken).
  std::vector<outbox::queued_frame> last_taken;
  /// Takes what is ready; empty if nothing is.
  std::vector<shared_frame> take(outbox& box) {
    last_taken.clear();
    box.take(last_taken);
    return frames_of(last_taken);
  }
  static std::vector<shared_frame> frames_of(const std::vector<outbox::queued_frame>& taken) {
    std::vector<shared_frame> frames;
    for (const auto& q : taken) {
      // Every buffer an outbox queues is a frame_bytes: a frame of its own (returned as the
      // very object pushed) or a segment of a room's frame log (its slice copied out).
      auto whole = std::static_pointer_cast<const frame_bytes>(q.frame.owner);
      if (whole->data() == q.frame.data && whole->size() == q.frame.size)
        frames.push_back(std::move(whole));
      else
        frames.push_back(std::make_shared<const frame_bytes>(q.frame.data, q.frame.data + q.frame.size));
    }
    return frames;
  }
};

/// The messages in `frames`, decoded, in order.
std::vector<server_message> decoded(const std::vector<shared_frame>& frames) {
  std::vector<server_message> out;
  for (const auto& f : frames) {
    BOOST_TEST_REQUIRE(bool(f));
    frame_decoder decoder;
    decoder.feed(*f);
    for (;;) {
      auto next = decoder.next();
      BOOST_TEST_REQUIRE(next.has_value());
      if (!*next) break;
      auto m = decode_server_message(**next);
      BOOST_TEST_REQUIRE(m.has_value());
      out.push_back(std::move(*m));
    }
  }
  return out;
}

/// The tokens of the PONGs in `frames`, in order (anything else is 0).
std::vector<std::uint64_t> tokens(const std::vector<shared_frame>& frames);
std::vector<std::uint64_t> tokens(const std::vector<outbox::queued_frame>& taken) {
  return tokens(outbox_fixture::frames_of(taken));
}
std::vector<std::uint64_t> tokens(const std::vector<shared_frame>& frames) {
  std::vector<std::uint64_t> out;
  for (const auto& m : decoded(frames)) {
    const auto* pong = std::get_if<msg::server::pong>(&m);
    out.push_back(pong ? pong->token : 0);
  }
  return out;
}

using tokens_t = std::vector<std::uint64_t>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(outbox_queue, outbox_fixture)

BOOST_AUTO_TEST_CASE(frames_are_taken_in_the_order_they_were_pushed) {
  auto box = make();
  const auto a = frame(1), b = frame(2), c = frame(3);
  BOOST_TEST(box->push(a));
  BOOST_TEST(box->push(b));
  BOOST_TEST(box->push(c));
  const auto got = take(*box);
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got[0].get() == a.get());  // the very frames pushed, not copies
  BOOST_TEST(got[1].get() == b.get());
  BOOST_TEST(got[2].get() == c.get());
  box->written(last_taken);
}

BOOST_AUTO_TEST_CASE(take_gathers_everything_queued_and_then_reports_idle) {
  auto box = make();
  for (std::uint64_t t = 1; t <= 5; ++t) box->push(frame(t));
  std::vector<outbox::queued_frame> out;
  BOOST_TEST(box->take(out));
  BOOST_TEST((tokens(out) == tokens_t{1, 2, 3, 4, 5}));
  box->written(out);
  out.clear();
  BOOST_TEST(!box->take(out));
  BOOST_TEST(out.empty());
  // Frames pushed while a write is in flight come in the next take, in order.
  box->push(frame(6));
  BOOST_TEST(box->take(out));
  box->push(frame(7));
  box->push(frame(8));
  BOOST_TEST((tokens(out) == tokens_t{6}));
  box->written(out);
  out.clear();
  BOOST_TEST(box->take(out));
  BOOST_TEST((tokens(out) == tokens_t{7, 8}));
}

BOOST_AUTO_TEST_CASE(replies_and_answers_are_encoded_in_the_outbox_codec) {
  auto box = make();
  box->reply(msg::server::error{11, "name is taken"});
  box->answer({msg::server::members{"lobby", {"alice"}}, msg::server::end{0x08, "lobby", 0, 0}});
  const auto got = take(*box);
  BOOST_TEST_REQUIRE(got.size() == 2u);  // an answer is one frame buffer
  const auto messages = decoded(got);
  BOOST_TEST_REQUIRE(messages.size() == 3u);
  BOOST_TEST((messages[0] == server_message{msg::server::error{11, "name is taken"}}));
  BOOST_TEST((messages[1] == server_message{msg::server::members{"lobby", {"alice"}}}));
  BOOST_TEST((messages[2] == server_message{msg::server::end{0x08, "lobby", 0, 0}}));
}

BOOST_AUTO_TEST_CASE(the_queue_bound_is_inclusive) {
  auto box = make({3 * frame_cost, 2 * 1024 * 1024});
  BOOST_TEST(box->push(frame(1)));
  BOOST_TEST(box->push(frame(2)));
  BOOST_TEST(box->push(frame(3)));  // exactly at the bound
  BOOST_TEST(listener->overflows == 0);
  BOOST_TEST(!box->push(frame(4)));
  BOOST_TEST(listener->overflows == 1);
}

BOOST_AUTO_TEST_CASE(frames_in_flight_count_against_the_bound_until_written) {
  auto box = make({2 * frame_cost, 2 * 1024 * 1024});
  box->push(frame(1));
  box->push(frame(2));
  std::vector<outbox::queued_frame> in_flight;
  BOOST_TEST(box->take(in_flight));
  BOOST_TEST(in_flight.size() == 2u);
  box->written(in_flight);  // released: room for two more
  BOOST_TEST(box->push(frame(3)));
  BOOST_TEST(box->push(frame(4)));
  in_flight.clear();
  BOOST_TEST(box->take(in_flight));  // taken but not written: still charged
  BOOST_TEST(!box->push(frame(5)));
  BOOST_TEST(listener->overflows == 1);
}

BOOST_AUTO_TEST_CASE(overflow_drops_the_queue_refuses_more_and_tells_the_listener_once) {
  auto box = make({3 * frame_cost, 2 * 1024 * 1024});
  box->push(frame(1));
  box->push(frame(2));
  box->push(frame(3));
  BOOST_TEST(!box->push(frame(4)));
  BOOST_TEST(listener->overflows == 1);
  BOOST_TEST(take(*box).empty());  // what was queued is gone
  // Nothing more is taken, of any kind, and the listener is not told again.
  BOOST_TEST(!box->push(frame(5)));
  box->reply(msg::server::pong{6});
  box->answer({msg::server::end{0x07, "", 0, 0}});
  box->deliver(detail::make_event(msg::server::renamed{"a1", "b1"}));
  auto ticket = box->reserve_answer();
  ticket.fill({msg::server::end{0x07, "", 0, 0}});
  BOOST_TEST(take(*box).empty());
  BOOST_TEST(listener->overflows == 1);
}

BOOST_AUTO_TEST_CASE(a_close_after_an_overflow_still_queues_the_farewell) {
  auto box = make({2 * frame_cost, 2 * 1024 * 1024});
  box->push(frame(1));
  box->push(frame(2));
  box->push(frame(3));  // overflows
  BOOST_TEST(listener->overflows == 1);
  const auto farewell = encode_shared(msg::server::error{13, "too slow"});
  box->close(farewell);
  const auto got = take(*box);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].get() == farewell.get());
  box->written(last_taken);
  BOOST_TEST(take(*box).empty());
}

BOOST_AUTO_TEST_CASE(answers_are_counted_against_their_own_allowance) {
  const std::vector<server_message> batch = {msg::server::members{"lobby", {"alice", "bob"}},
                                             msg::server::end{0x08, "lobby", 0, 0}};
  const auto batch_cost = detail::encode_batch_for(detail::wire_codec::v2, batch)->size() +
                          per_frame_overhead;
  // The queue bound holds one frame; the answer allowance two answers.
  auto box = make({frame_cost, 2 * batch_cost});
  box->answer(batch);
  box->answer(batch);
  BOOST_TEST(box->push(frame(1)));  // answers did not use the queue bound
  BOOST_TEST(listener->overflows == 0);
  BOOST_TEST(take(*box).size() == 3u);
  box->written(last_taken);

  // Nor do frames use the allowance: a full queue leaves room for answers.
  BOOST_TEST(box->push(frame(2)));
  box->answer(batch);
  box->answer(batch);
  BOOST_TEST(listener->overflows == 0);
  box->answer(batch);  // the third answer exceeds the allowance
  BOOST_TEST(listener->overflows == 1);
  BOOST_TEST(take(*box).empty());
}

BOOST_AUTO_TEST_CASE(frames_delivered_after_a_reservation_wait_behind_it_until_it_is_filled) {
  auto box = make();
  box->push(frame(1));
  auto ticket = box->reserve_answer();
  box->push(frame(2));
  box->push(frame(3));
  std::vector<outbox::queued_frame> out;
  BOOST_TEST(box->take(out));
  BOOST_TEST((tokens(out) == tokens_t{1}));  // take stops at the reserved place
  box->written(out);
  out.clear();
  BOOST_TEST(!box->take(out));
  BOOST_TEST(out.empty());

  const int ready_before = listener->ready;
  ticket.fill({msg::server::pong{100}, msg::server::pong{101}});
  BOOST_TEST(listener->ready == ready_before + 1);  // the idle writer is woken
  BOOST_TEST(box->take(out));
  BOOST_TEST((tokens(out) == tokens_t{100, 101, 2, 3}));
}

BOOST_AUTO_TEST_CASE(reservations_are_filled_in_place_in_any_order) {
  auto box = make();
  auto first = box->reserve_answer();
  box->push(frame(1));
  auto second = box->reserve_answer();
  box->push(frame(2));
  second.fill({msg::server::pong{20}});
  BOOST_TEST(take(*box).empty());  // the first place still holds everything back
  first.fill({msg::server::pong{10}});
  BOOST_TEST((tokens(take(*box)) == tokens_t{10, 1, 20, 2}));
}

BOOST_AUTO_TEST_CASE(an_unfilled_ticket_destroyed_releases_its_place) {
  auto box = make();
  {
    auto ticket = box->reserve_answer();
    box->push(frame(1));
    BOOST_TEST(take(*box).empty());
  }
  BOOST_TEST((tokens(take(*box)) == tokens_t{1}));
}

BOOST_AUTO_TEST_CASE(a_ticket_filled_twice_or_moved_from_fills_once) {
  auto box = make();
  auto ticket = box->reserve_answer();
  auto moved = std::move(ticket);
  ticket.fill({msg::server::pong{1}});  // moved from: nothing
  moved.fill({msg::server::pong{2}});
  moved.fill({msg::server::pong{3}});  // already filled: nothing
  BOOST_TEST((tokens(take(*box)) == tokens_t{2}));
}

BOOST_AUTO_TEST_CASE(filling_a_reservation_beyond_the_allowance_is_an_overflow) {
  const std::vector<server_message> big = {msg::server::members{"lobby", {std::string(30, 'n')}}};
  const auto big_cost =
      detail::encode_batch_for(detail::wire_codec::v2, big)->size() + per_frame_overhead;
  auto box = make({1024 * 1024, big_cost - 1});
  auto ticket = box->reserve_answer();
  box->push(frame(1));
  ticket.fill(big);
  BOOST_TEST(listener->overflows == 1);
  BOOST_TEST(take(*box).empty());
  BOOST_TEST(!box->push(frame(2)));
}

BOOST_AUTO_TEST_CASE(close_drops_reserved_places_then_queues_the_farewell_last) {
  auto box = make();
  box->push(frame(1));
  auto ticket = box->reserve_answer();
  box->push(frame(2));
  const auto farewell = encode_shared(msg::server::error{14, "bye"});
  box->close(farewell);
  BOOST_TEST(!box->push(frame(3)));  // closed: refused, but not an overflow
  BOOST_TEST(listener->overflows == 0);
  ticket.fill({msg::server::pong{99}});  // too late: its place is gone
  box->close(encode_shared(msg::server::error{13, "second"}));  // only the first farewell
  const auto got = take(*box);
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST((tokens(got) == tokens_t{1, 2, 0}));
  BOOST_TEST(got[2].get() == farewell.get());
}

BOOST_AUTO_TEST_CASE(the_farewell_goes_beyond_the_bound) {
  auto box = make({2 * frame_cost, 2 * 1024 * 1024});
  box->push(frame(1));
  box->push(frame(2));  // the queue is full
  box->close(frame(3));
  BOOST_TEST(listener->overflows == 0);
  BOOST_TEST((tokens(take(*box)) == tokens_t{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(the_listener_is_woken_only_when_the_writer_goes_from_idle_to_busy) {
  auto box = make();
  BOOST_TEST(listener->ready == 0);
  box->push(frame(1));
  BOOST_TEST(listener->ready == 1);
  box->push(frame(2));
  box->reply(msg::server::pong{3});
  box->answer({msg::server::end{0x07, "", 0, 0}});
  BOOST_TEST(listener->ready == 1);  // already woken
  std::vector<outbox::queued_frame> out;
  BOOST_TEST(box->take(out));
  box->push(frame(4));  // a write is in flight: the writer will come back for it
  BOOST_TEST(listener->ready == 1);
  box->written(out);
  out.clear();
  BOOST_TEST(box->take(out));
  box->written(out);
  out.clear();
  BOOST_TEST(!box->take(out));  // idle now
  BOOST_TEST(listener->ready == 1);
  box->push(frame(5));
  BOOST_TEST(listener->ready == 2);
  box->push(frame(6));
  BOOST_TEST(listener->ready == 2);
}

BOOST_AUTO_TEST_CASE(frames_behind_a_reserved_place_do_not_wake_the_writer_until_it_is_filled) {
  auto box = make();
  auto ticket = box->reserve_answer();
  box->push(frame(1));  // nothing can be written yet: waking the writer would be for nothing
  BOOST_TEST(listener->ready == 0);
  ticket.fill({msg::server::pong{100}});
  BOOST_TEST(listener->ready == 1);
  BOOST_TEST((tokens(take(*box)) == tokens_t{100, 1}));
}

BOOST_AUTO_TEST_CASE(close_wakes_an_idle_writer_so_it_can_finish_the_stream) {
  auto box = make();
  box->close(nullptr);
  BOOST_TEST(listener->ready == 1);
  BOOST_TEST(take(*box).empty());
  // A writer that is already busy is not woken again.
  auto busy = make();
  busy->push(frame(1));
  busy->close(nullptr);
  BOOST_TEST(listener->ready == 2);
  BOOST_TEST((tokens(take(*busy)) == tokens_t{1}));
}

BOOST_AUTO_TEST_CASE(a_room_event_is_encoded_once_and_shared_by_every_outbox) {
  auto alice = make();
  auto bob = make();
  const auto event = detail::make_event(msg::server::joined{"carol", "lobby", 3});
  alice->deliver(event);
  bob->deliver(event);
  const auto to_bob = take(*bob);
  BOOST_TEST_REQUIRE(to_bob.size() == 1u);
  const auto* bobs_bytes = last_taken.at(0).frame.data;
  const auto to_alice = take(*alice);
  BOOST_TEST_REQUIRE(to_alice.size() == 1u);
  BOOST_TEST(last_taken.at(0).frame.data == bobs_bytes);  // the same bytes, not a copy
  BOOST_TEST(bobs_bytes == event->encoded(detail::wire_codec::v2).data);
  const auto messages = decoded(to_alice);
  BOOST_TEST_REQUIRE(messages.size() == 1u);
  BOOST_TEST((messages[0] == server_message{msg::server::joined{"carol", "lobby", 3}}));
}

BOOST_AUTO_TEST_CASE(consecutive_frames_of_a_room_log_are_queued_as_one_buffer) {
  auto box = make();
  auto log = std::make_shared<detail::frame_log>();
  auto other_log = std::make_shared<detail::frame_log>();
  const auto event = [&](std::uint32_t count, const std::shared_ptr<detail::frame_log>& in) {
    return detail::make_event(msg::server::joined{"carol", "lobby", count}, in);
  };
  box->deliver(event(1, log));
  box->deliver(event(2, log));
  box->deliver(event(3, log));
  box->deliver(event(4, other_log));  // another buffer: a new entry
  box->deliver(event(5, log));       // back to the first log, but not adjacent to the last entry
  box->push(frame(6));
  const auto taken = take(*box);
  BOOST_TEST_REQUIRE(taken.size() == 4u);
  BOOST_TEST(last_taken[0].cost == 3 * (taken[0]->size() / 3 + per_frame_overhead));  // still charged per frame
  std::vector<std::uint32_t> counts;
  for (const auto& m : decoded(taken))
    if (const auto* j = std::get_if<msg::server::joined>(&m)) counts.push_back(j->member_count);
  BOOST_TEST((counts == std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
  BOOST_TEST((tokens(std::vector<shared_frame>{taken[3]}) == tokens_t{6}));
}

BOOST_AUTO_TEST_CASE(a_run_never_continues_across_a_reserved_place) {
  auto box = make();
  auto log = std::make_shared<detail::frame_log>();
  box->deliver(detail::make_event(msg::server::joined{"a", "lobby", 1}, log));
  auto place = box->reserve_answer();
  box->deliver(detail::make_event(msg::server::joined{"b", "lobby", 2}, log));
  place.fill({msg::server::pong{7}});
  std::vector<server_message> got;
  for (int i = 0; i < 3 && got.size() < 3; ++i) {
    const auto more = decoded(take(*box));
    got.insert(got.end(), more.begin(), more.end());
    box->written(last_taken);
  }
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST(std::get<msg::server::joined>(got[0]).name == "a");
  BOOST_TEST(std::get<msg::server::pong>(got[1]).token == 7u);
  BOOST_TEST(std::get<msg::server::joined>(got[2]).name == "b");
}

BOOST_AUTO_TEST_CASE(discard_drops_everything_and_accepts_nothing_more) {
  auto box = make({2 * frame_cost, 2 * 1024 * 1024});
  box->push(frame(1));
  box->push(frame(2));
  box->discard();
  BOOST_TEST(take(*box).empty());
  BOOST_TEST(!box->push(frame(3)));
  BOOST_TEST(listener->overflows == 0);
}

BOOST_AUTO_TEST_CASE(a_gone_listener_is_not_called) {
  auto box = make();
  listener.reset();
  BOOST_TEST(box->push(frame(1)));
  BOOST_TEST((tokens(take(*box)) == tokens_t{1}));
}

BOOST_AUTO_TEST_SUITE_END()
