// SPDX-License-Identifier: BSL-1.0
// chat_load (bench/load/): its hand-written wire code against the library's codec, its
// histogram, and each mode run small against an in-process server (port 0, so no fixed port).
// Nothing here asserts on speed.
#include "load/histogram.hpp"
#include "load/modes.hpp"
#include "load/wire.hpp"

#include <chat/codec.hpp>
#include <chat/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <optional>

BOOST_AUTO_TEST_SUITE(chat_load)

BOOST_AUTO_TEST_CASE(histogram_quantiles_are_within_one_percent) {
  load::histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);
  BOOST_TEST(h.count() == 100000u);
  BOOST_TEST(h.min() == 1000u);
  BOOST_TEST(h.max() == 100000000u);
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = q * 1e8;
    BOOST_TEST(std::abs(static_cast<double>(h.quantile(q)) - exact) / exact < 0.01, "q " << q);
  }
  BOOST_TEST(h.quantile(1.0) == 100000000u);

  load::histogram other;
  other.record(5);
  h.merge(other);
  BOOST_TEST(h.min() == 5u);
  BOOST_TEST(h.quantile(0.0) == 5u);  // small values are exact
}

BOOST_AUTO_TEST_CASE(histogram_buckets_cover_every_value_once) {
  for (std::uint64_t v : {0ull, 1ull, 255ull, 256ull, 257ull, 511ull, 512ull, 123456789ull,
                          ~0ull >> 1, ~0ull}) {
    const auto i = load::histogram::index_of(v);
    BOOST_TEST(load::histogram::lowest_of(i) <= v);
    BOOST_TEST(load::histogram::highest_of(i) >= v);
  }
}

BOOST_AUTO_TEST_CASE(stamp_round_trips_and_rejects_other_text) {
  const load::stamp s{7, 123456, 0x0123456789abcdefull};
  std::string text(load::stamp::size + 5, 'x');
  s.write(text.data());
  const auto back = load::stamp::read(text);
  BOOST_REQUIRE(back);
  BOOST_TEST(back->sender == 7u);
  BOOST_TEST(back->sequence == 123456u);
  BOOST_TEST(back->sent_ns == 0x0123456789abcdefull);

  BOOST_TEST(!load::stamp::read("hello"));
  std::string bad = text;
  bad[3] = 'g';
  BOOST_TEST(!load::stamp::read(bad));
  bad = text;
  bad[8] = ':';
  BOOST_TEST(!load::stamp::read(bad));
}

BOOST_AUTO_TEST_CASE(say_template_is_a_valid_say) {
  const load::say_template say("#Load", 100);
  std::vector<std::uint8_t> out;
  say.append(out, load::stamp{3, 9, 42});
  say.append(out, load::stamp{3, 10, 43});
  BOOST_REQUIRE(out.size() == 2 * say.frame_size());

  const std::size_t length = (std::size_t{out[0]} << 24) | (std::size_t{out[1]} << 16) |
                             (std::size_t{out[2]} << 8) | out[3];
  BOOST_REQUIRE(length + 4 == say.frame_size());
  const auto decoded = chat::decode_client_message(
      chat::frame_view{out[4], std::span<const std::uint8_t>(out.data() + 5, length - 1)});
  BOOST_REQUIRE(decoded.has_value());
  const auto* m = std::get_if<chat::msg::client::say>(&*decoded);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->room == "#Load");
  BOOST_TEST(m->flags == 0);
  BOOST_TEST(m->text.size() == 100u);
  const auto s = load::stamp::read(m->text);
  BOOST_REQUIRE(s);
  BOOST_TEST(s->sequence == 9u);
  BOOST_TEST(s->sent_ns == 42u);
}

BOOST_AUTO_TEST_CASE(parse_message_finds_the_fields_the_codec_wrote) {
  const chat::msg::server::message m{77, 1767225600000, chat::msg::flag_history, "alice", "lobby",
                                     "hi there"};
  const auto frame = chat::encode(m);
  const auto body = std::span<const std::uint8_t>(frame).subspan(5);
  const auto fields = load::parse_message(body);
  BOOST_REQUIRE(fields);
  BOOST_TEST(fields->flags == chat::msg::flag_history);
  BOOST_TEST(fields->text == "hi there");
  BOOST_TEST(!load::parse_message(body.first(body.size() - 1)));  // truncated
  std::vector<std::uint8_t> longer(body.begin(), body.end());
  longer.push_back(0);
  BOOST_TEST(!load::parse_message(longer));  // trailing byte
}

namespace {

// A server in this process on an ephemeral port, and settings that keep every run short.
struct in_process_server {
  in_process_server() {
    chat::server_options options;
    options.port = 0;
    options.threads = 1;
    options.max_connections_per_ip = 0;  // every simulated member connects from 127.0.0.1
    options.max_connects_per_ip = 0;
    options.max_unregistered = 0;
    options.max_unregistered_per_ip = 0;
    options.flood_burst = 0;             // and the senders send flat out
    server.emplace(options);
    BOOST_REQUIRE(!server->start());
    endpoint = server->local_endpoint();
    s.timeout = 10;
    s.settle = 0.1;
  }
  ~in_process_server() { server->stop(); }

  std::optional<chat::server> server;
  boost::asio::ip::tcp::endpoint endpoint;
  load::settings s;
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(room_flat_out_delivers_everything_once_in_order, in_process_server) {
  s.mode = "room";
  s.members = 20;
  s.senders = 3;
  s.messages = 50;
  BOOST_TEST(load::run_room(s, endpoint) == 0);
}

BOOST_FIXTURE_TEST_CASE(room_paced_on_two_threads_delivers_everything, in_process_server) {
  s.mode = "room";
  s.members = 10;
  s.senders = 2;
  s.messages = 40;
  s.rate = 400;
  s.threads = 2;
  s.name_prefix = "paced";
  BOOST_TEST(load::run_room(s, endpoint) == 0);
}

BOOST_FIXTURE_TEST_CASE(idle_and_join_storm_join_everyone, in_process_server) {
  s.mode = "idle";
  s.connections = 30;
  s.rooms = 3;
  BOOST_TEST(load::run_idle(s, endpoint) == 0);
  s.mode = "join-storm";
  s.members = 40;
  s.concurrency = 8;
  s.room = "storm";
  BOOST_TEST(load::run_join_storm(s, endpoint) == 0);
}

BOOST_AUTO_TEST_CASE(refused_connections_are_counted_not_fatal) {
  // A port that was free a moment ago: nothing listens there now.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto endpoint = probe.local_endpoint();
  probe.close();
  load::settings s;
  s.mode = "idle";
  s.connections = 5;
  s.timeout = 10;
  s.settle = 0;
  BOOST_TEST(load::run_idle(s, endpoint) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
