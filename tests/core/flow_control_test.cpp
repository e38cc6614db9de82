// SPDX-License-Identifier: BSL-1.0
// Flow control: a client that sends faster than it reads is paced by TCP (the server stops
// reading it while its own queue is high), never cut off for the answers and echoes of its own
// requests. Real sockets; the client writes on one thread and reads on another.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>

using namespace chat;
using namespace chat::test;

namespace {

// Writes `stream` on its own thread (blocking: TCP paces it), so the test can read meanwhile.
// A write that fails because the server closed the connection ends the thread quietly.
class background_writer {
public:
  background_writer(raw_peer& peer, frame_bytes stream)
      : stream_(std::move(stream)), thread_([&peer, this] {
          try {
            peer.send_bytes(stream_);
          } catch (const boost::system::system_error&) {
          }
        }) {}
  ~background_writer() { thread_.join(); }

private:
  const frame_bytes stream_;
  std::thread thread_;
};

std::string describe(const server_message& m) {
  if (const auto* e = std::get_if<msg::server::error>(&m)) return "ERROR " + e->text;
  return "frame " + std::to_string(std::visit([](const auto& v) { return static_cast<int>(v.type); }, m));
}

// The smallest queue the server accepts, so that the test needs little traffic to overflow
// it without flow control.
server_options small_queue() {
  server_options options;
  options.max_queue_bytes = 2 * (frame_header_size + largest_valid_frame + 128);
  options.flood_burst = 0;  // the transport's flow control is under test, not flood control
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flow_control)

BOOST_AUTO_TEST_CASE(a_client_bursting_says_while_reading_its_echoes_is_paced_not_cut_off) {
  test_server server(small_queue());
  raw_peer burst(server.port(), 4096);
  burst.hello("burst", "lobby");

  // 3 MB of SAYs in one go: their echoes are ~100 times the queue bound.
  const int count = 3000;
  const std::string filler(1000, 'x');
  frame_bytes stream;
  for (int i = 0; i < count; ++i)
    encode_to(stream, msg::client::say{"lobby", 0, std::to_string(i) + ' ' + filler});
  background_writer writer(burst, std::move(stream));

  for (int i = 0; i < count; ++i) {
    const auto next = burst.receive();
    BOOST_REQUIRE_MESSAGE(next.has_value(), "stream ended after " << i << " echoes: " << next.error().message());
    const auto* echo = std::get_if<msg::server::message>(&*next);
    BOOST_REQUIRE_MESSAGE(echo != nullptr, "echo " << i << " is another frame (an ERROR?)");
    BOOST_REQUIRE_EQUAL(echo->text, std::to_string(i) + ' ' + filler);
  }
}

BOOST_AUTO_TEST_CASE(pipelined_history_requests_from_a_reading_client_are_paced_not_cut_off) {
  server_options options = small_queue();
  options.history = 20;
  test_server server(options);
  client_pool pool;
  recording_client filler(pool);
  filler.connect_and_hello(server.port(), "filler");
  const std::string big(max_text_bytes, 'h');
  for (std::uint64_t i = 1; i <= 20; ++i) {
    BOOST_REQUIRE(!filler.api().say("lobby", big));
    filler.sync(i);  // one at a time: only the reader below is to test the server's pacing
  }

  raw_peer reader(server.port(), 4096);
  reader.hello("reader", "lobby");
  // 100 HISTORY answers of ~330 KB each: 30 times the answer allowance, asked for at once.
  const int requests = 100;
  frame_bytes stream;
  for (int i = 0; i < requests; ++i) encode_to(stream, msg::client::history{"lobby", 0, 100});
  background_writer writer(reader, std::move(stream));

  for (int answered = 0; answered < requests;) {
    const auto next = reader.receive();
    BOOST_REQUIRE_MESSAGE(next.has_value(), "stream ended after " << answered << " answers");
    BOOST_REQUIRE_MESSAGE(!std::holds_alternative<msg::server::error>(*next),
                          describe(*next) << " after " << answered << " answers");
    if (std::holds_alternative<msg::server::end>(*next)) ++answered;
  }
}

BOOST_AUTO_TEST_CASE(a_client_that_sends_but_never_reads_is_cut_off_when_others_fill_its_queue) {
  server_options options;
  options.flood_burst = 0;  // the talker fills the queue as fast as it can
  test_server server(options);
  client_pool pool;
  recording_client talker(pool);
  talker.connect_and_hello(server.port(), "talker");
  raw_peer deaf(server.port(), 4096);
  deaf.hello("deaf", "lobby");
  // It floods and never reads: the server stops reading it once its answers fill half its
  // queue, and the others' traffic then overflows the queue. (PINGs: their answers go to it
  // alone, so the flood itself cannot overflow the talker's queue.)
  frame_bytes stream;
  for (std::uint64_t i = 0; i < 100000; ++i) encode_to(stream, msg::client::ping{i});
  background_writer writer(deaf, std::move(stream));
  const auto cut_off = [](const msg::server::left& l) { return l.name == "deaf"; };
  const std::string big(8000, 't');
  for (int i = 0; !talker.wait_for<msg::server::left>(cut_off, 0ms); ++i) {
    BOOST_REQUIRE_MESSAGE(i < 4000, "the deaf member was never cut off");
    const auto said = talker.api().say("lobby", big);
    BOOST_REQUIRE_MESSAGE(!said, said.message());
    if (i % 16 == 15) talker.sync(std::uint64_t(i));
  }
  BOOST_TEST(talker.wait_for<msg::server::left>(cut_off)->reason == "too slow");
  // Reading again at last, it finds the reason at the end of what was on its way.
  const auto last = deaf.last_before_close();
  BOOST_REQUIRE(last.has_value());
  BOOST_REQUIRE(last->has_value());
  BOOST_REQUIRE(std::holds_alternative<msg::server::error>(**last));
  BOOST_TEST(std::get<msg::server::error>(**last).code == std::uint16_t(errc::too_slow));
}

BOOST_AUTO_TEST_SUITE_END()
