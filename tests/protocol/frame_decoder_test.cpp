// SPDX-License-Identifier: BSL-1.0
// frame_decoder: restoring frame boundaries from a byte stream cut at arbitrary points.
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <string>
#include <utility>
#include <variant>
#include <vector>

// Replaced global allocation functions record the largest single request while a
// watch_allocations object is alive, so a test can prove that the decoder never sizes a buffer by
// a declared length it has not received. (The array and nothrow forms forward to these two.)
namespace {
bool tracking_allocations = false;
std::size_t largest_allocation = 0;
}  // namespace

// noinline: GCC's -Wmismatched-new-delete misfires when it inlines the replacements.
[[gnu::noinline]] void* operator new(std::size_t size) {
  if (tracking_allocations && size > largest_allocation) largest_allocation = size;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

struct watch_allocations {
  watch_allocations() { tracking_allocations = true, largest_allocation = 0; }
  ~watch_allocations() { tracking_allocations = false; }
  watch_allocations(const watch_allocations&) = delete;
  watch_allocations& operator=(const watch_allocations&) = delete;
};

using chat::errc;
using chat::frame_bytes;
namespace msg = chat::msg;

boost::system::error_code ec(errc e) { return chat::make_error_code(e); }

// A frame as (type, body), copied out of the decoder's buffer.
using frame_copy = std::pair<std::uint8_t, std::vector<std::uint8_t>>;

// Takes every complete frame out of `decoder`; fails the test on a decoding error.
void drain(chat::frame_decoder& decoder, std::vector<frame_copy>& out) {
  for (;;) {
    auto frame = decoder.next();
    BOOST_TEST_REQUIRE(frame.has_value(), frame.error());
    if (!*frame) return;
    out.emplace_back((*frame)->type,
                     std::vector<std::uint8_t>((*frame)->body.begin(), (*frame)->body.end()));
  }
}

std::span<const std::uint8_t> slice(const frame_bytes& bytes, std::size_t from, std::size_t to) {
  return std::span<const std::uint8_t>(bytes).subspan(from, to - from);
}

// Frames of different types and sizes, including empty bodies (LIST) and lists (MEMBERS), each
// encoded alone.
std::vector<frame_bytes> sample_frames() {
  return {chat::encode(msg::client::hello{chat::protocol_version, "alice", "lobby"}),
          chat::encode(msg::client::list{}),
          chat::encode(msg::client::say{"lobby", 0, "gr\xC3\xBC\xC3\x9F \xF0\x9F\x8E\x89"}),
          chat::encode(msg::server::message{7, 1700000000000, 1, "bob", "lobby", std::string(300, 'm')}),
          chat::encode(msg::client::ping{0xffffffffffffffff}),
          chat::encode(msg::client::bye{""}),
          chat::encode(msg::server::members{"lobby", {"alice", "bob", "carol"}}),
          chat::encode(msg::server::members{"lobby", {}}),
          chat::encode(msg::server::end{0x08, "lobby", msg::end_truncated, 0}),
          chat::encode(msg::client::list{}),
          chat::encode(msg::server::error{11, "name is taken"})};
}

// The frames above back to back, as one byte stream.
frame_bytes sample_stream() {
  frame_bytes out;
  for (const frame_bytes& f : sample_frames()) out.insert(out.end(), f.begin(), f.end());
  return out;
}

// What the decoder must return for sample_stream(): each frame's type byte and body.
std::vector<frame_copy> expected_frames() {
  std::vector<frame_copy> out;
  for (const frame_bytes& f : sample_frames())
    out.emplace_back(f.at(4), std::vector<std::uint8_t>(f.begin() + 5, f.end()));
  return out;
}

// A frame header declaring `length`.
frame_bytes header(std::uint32_t length) {
  return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_decoder)

BOOST_AUTO_TEST_CASE(defaults) {
  chat::frame_decoder decoder;
  BOOST_TEST(decoder.max_frame() == chat::default_max_frame);
  BOOST_TEST(chat::frame_decoder(123).max_frame() == 123u);
  BOOST_TEST(decoder.buffered() == 0u);
  auto frame = decoder.next();
  BOOST_TEST_REQUIRE(frame.has_value());
  BOOST_TEST(!frame->has_value());
}

BOOST_AUTO_TEST_CASE(whole_stream_in_one_chunk) {
  const frame_bytes stream = sample_stream();
  chat::frame_decoder decoder;
  decoder.feed(stream);
  BOOST_TEST(decoder.buffered() == stream.size());
  std::vector<frame_copy> frames;
  drain(decoder, frames);
  BOOST_TEST(decoder.buffered() == 0u);

  const auto expected = expected_frames();
  BOOST_TEST_REQUIRE(frames.size() == expected.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    BOOST_TEST(frames[i].first == expected[i].first, "frame " << i);
    BOOST_TEST(frames[i].second == expected[i].second, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(split_at_every_offset) {
  const frame_bytes stream = sample_stream();
  const std::vector<frame_copy> reference = expected_frames();

  for (std::size_t split = 0; split <= stream.size(); ++split) {
    chat::frame_decoder decoder;
    std::vector<frame_copy> frames;
    decoder.feed(slice(stream, 0, split));
    drain(decoder, frames);
    decoder.feed(slice(stream, split, stream.size()));
    drain(decoder, frames);
    BOOST_TEST((frames == reference), "split at " << split);
    BOOST_TEST(decoder.buffered() == 0u, "split at " << split);
  }
}

BOOST_AUTO_TEST_CASE(one_byte_at_a_time) {
  const frame_bytes stream = sample_stream();
  const std::vector<frame_copy> reference = expected_frames();

  chat::frame_decoder decoder;
  std::vector<frame_copy> frames;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    decoder.feed(slice(stream, i, i + 1));
    drain(decoder, frames);
  }
  BOOST_TEST((frames == reference));
  BOOST_TEST(decoder.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(prepare_and_commit_like_feed) {
  const frame_bytes stream = sample_stream();
  const std::vector<frame_copy> reference = expected_frames();

  // Like a socket read: ask for more room than the read delivers.
  for (std::size_t chunk : {1u, 3u, 7u, 64u, 4096u}) {
    chat::frame_decoder decoder;
    std::vector<frame_copy> frames;
    for (std::size_t pos = 0; pos < stream.size();) {
      const std::size_t n = std::min(chunk, stream.size() - pos);
      auto space = decoder.prepare(chunk + 16);
      BOOST_TEST_REQUIRE(space.size() >= chunk + 16);
      std::memcpy(space.data(), stream.data() + pos, n);
      decoder.commit(n);
      pos += n;
      drain(decoder, frames);
    }
    BOOST_TEST((frames == reference), "chunk " << chunk);
    BOOST_TEST(decoder.buffered() == 0u, "chunk " << chunk);
  }
}

BOOST_AUTO_TEST_CASE(thousand_frames_in_one_chunk) {
  frame_bytes stream;
  for (std::uint64_t i = 0; i < 1000; ++i) chat::encode_to(stream, msg::client::ping{i * 1000003});
  chat::frame_decoder decoder;
  decoder.feed(stream);

  std::uint64_t count = 0;
  for (;;) {
    auto frame = decoder.next();
    BOOST_TEST_REQUIRE(frame.has_value());
    if (!*frame) break;
    auto m = chat::decode_client_message(**frame);
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST_REQUIRE(std::holds_alternative<msg::client::ping>(*m));
    BOOST_TEST(std::get<msg::client::ping>(*m).token == count * 1000003);
    ++count;
  }
  BOOST_TEST(count == 1000u);
  BOOST_TEST(decoder.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(oversized_length_rejected_from_header_alone) {
  const frame_bytes head = header(0xFFFFFFF0);
  const frame_bytes bye = chat::encode(msg::client::bye{});
  watch_allocations watch;
  chat::frame_decoder decoder;
  // Three header bytes are not enough to know.
  decoder.feed(slice(head, 0, 3));
  auto partial = decoder.next();
  BOOST_TEST_REQUIRE(partial.has_value());
  BOOST_TEST(!partial->has_value());

  decoder.feed(slice(head, 3, 4));
  auto result = decoder.next();
  BOOST_TEST_REQUIRE(result.has_error());
  BOOST_TEST(result.error() == ec(errc::frame_too_large));
  BOOST_TEST(decoder.buffered() <= 4u);  // nothing sized by the declared length

  // Sticky: more bytes, even a valid frame, do not revive the stream.
  decoder.feed(bye);
  BOOST_TEST(decoder.buffered() <= 4u + bye.size());
  for (int i = 0; i < 2; ++i) {
    auto again = decoder.next();
    BOOST_TEST_REQUIRE(again.has_error());
    BOOST_TEST(again.error() == ec(errc::frame_too_large));
  }
  // Small allocations (the few bytes fed, test logging) are fine; the declared size is not.
  BOOST_TEST(largest_allocation < 4096u);
}

// The message decoder, like the frame decoder, must not size anything by a peer's claim: a
// MEMBERS frame whose count says 65535 names, with few or none present, is malformed_frame and
// allocates about what the bytes present need. (Here because operator new is replaced here.)
BOOST_AUTO_TEST_CASE(members_count_is_not_trusted_for_allocation) {
  // Room "lobby", count 65535, then `present` empty names.
  const auto claim_all = [](std::size_t present) {
    // Sized first and filled after: growing an initialised vector trips a GCC 12 -O3
    // -Warray-bounds false positive.
    static constexpr std::uint8_t prefix[] = {0x00, 0x05, 'l', 'o', 'b', 'b', 'y', 0xff, 0xff};
    frame_bytes body(sizeof prefix + 2 * present, 0x00);
    std::copy(std::begin(prefix), std::end(prefix), body.begin());
    return body;
  };
  for (std::size_t present : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{20}}) {
    const frame_bytes body = claim_all(present);
    boost::system::error_code error;
    {
      watch_allocations watch;
      auto m = chat::decode_server_message({0x8a, body});
      error = m.has_error() ? m.error() : boost::system::error_code{};
      BOOST_TEST(largest_allocation < 4096u, "present " << present << ": " << largest_allocation);
    }
    BOOST_TEST(error == ec(errc::malformed_frame), "present " << present);
  }

  // Through a frame decoder too, as a client receives it.
  frame_bytes wire = header(1 + 9);
  wire.push_back(0x8a);
  const frame_bytes body = claim_all(0);
  wire.insert(wire.end(), body.begin(), body.end());
  {
    watch_allocations watch;
    chat::frame_decoder decoder;
    decoder.feed(wire);
    auto frame = decoder.next();
    BOOST_TEST_REQUIRE(frame.has_value());
    BOOST_TEST_REQUIRE(frame->has_value());
    auto m = chat::decode_server_message(**frame);
    BOOST_TEST((m.has_error() && m.error() == errc::malformed_frame));
    BOOST_TEST(largest_allocation < 4096u);
  }

  // Control: when the 65535 names are really there, the watch does see the large list.
  {
    const frame_bytes full = claim_all(65535);
    watch_allocations watch;
    auto m = chat::decode_server_message({0x8a, full});
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(std::get<msg::server::members>(*m).names.size() == 65535u);
    BOOST_TEST(largest_allocation >= 65535u * sizeof(std::string));
  }
}

BOOST_AUTO_TEST_CASE(frame_at_limit_accepted_one_over_rejected) {
  constexpr std::size_t limit = 16;
  frame_bytes at_limit = header(limit);
  at_limit.push_back(0x02);
  at_limit.resize(4 + limit, 0xab);
  chat::frame_decoder ok(limit);
  ok.feed(at_limit);
  auto frame = ok.next();
  BOOST_TEST_REQUIRE(frame.has_value());
  BOOST_TEST_REQUIRE(frame->has_value());
  BOOST_TEST((*frame)->type == 0x02);
  BOOST_TEST((*frame)->body.size() == limit - 1);

  chat::frame_decoder too_large(limit);
  too_large.feed(header(limit + 1));  // body not sent yet
  auto rejected = too_large.next();
  BOOST_TEST_REQUIRE(rejected.has_error());
  BOOST_TEST(rejected.error() == ec(errc::frame_too_large));
}

BOOST_AUTO_TEST_CASE(default_limit_against_real_messages) {
  // SAY length = type 1 + room (2 + 1) + flags 1 + text length 2 + text.
  const std::size_t fits = chat::default_max_frame - 7;
  chat::frame_decoder decoder;
  decoder.feed(chat::encode(msg::client::say{"r", 0, std::string(fits, 'a')}));
  auto frame = decoder.next();
  BOOST_TEST_REQUIRE(frame.has_value());
  BOOST_TEST_REQUIRE(frame->has_value());
  auto m = chat::decode_client_message(**frame);
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(std::get<msg::client::say>(*m).text.size() == fits);
  BOOST_TEST((*frame)->body.size() + 1 == chat::default_max_frame);  // exactly at the limit

  chat::frame_decoder over;
  over.feed(chat::encode(msg::client::say{"r", 0, std::string(fits + 1, 'a')}));
  auto rejected = over.next();
  BOOST_TEST_REQUIRE(rejected.has_error());
  BOOST_TEST(rejected.error() == ec(errc::frame_too_large));
}

BOOST_AUTO_TEST_CASE(zero_length_is_malformed_and_sticky) {
  chat::frame_decoder decoder;
  decoder.feed(header(0));
  decoder.feed(chat::encode(msg::client::bye{}));
  for (int i = 0; i < 2; ++i) {
    auto result = decoder.next();
    BOOST_TEST_REQUIRE(result.has_error());
    BOOST_TEST(result.error() == ec(errc::malformed_frame));
  }
}

BOOST_AUTO_TEST_CASE(error_after_good_frames) {
  // Frames before the bad header still come out; the error appears where the bad header is.
  frame_bytes stream = chat::encode(msg::client::ping{1});
  chat::encode_to(stream, msg::client::ping{2});
  const frame_bytes bad = header(chat::default_max_frame + 1);
  stream.insert(stream.end(), bad.begin(), bad.end());

  chat::frame_decoder decoder;
  decoder.feed(stream);
  for (std::uint64_t token = 1; token <= 2; ++token) {
    auto frame = decoder.next();
    BOOST_TEST_REQUIRE(frame.has_value());
    BOOST_TEST_REQUIRE(frame->has_value());
    auto m = chat::decode_client_message(**frame);
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(std::get<msg::client::ping>(*m).token == token);
  }
  auto result = decoder.next();
  BOOST_TEST_REQUIRE(result.has_error());
  BOOST_TEST(result.error() == ec(errc::frame_too_large));
}

// next(input): frames straight from the caller's buffer, only cut frames copied in.

namespace {

// Takes every complete frame out of `input` (and what `decoder` buffered before it); fails
// the test on a decoding error. Counts the frames returned as views into `input`.
std::size_t drain_input(chat::frame_decoder& decoder, std::span<const std::uint8_t> input,
                        std::vector<frame_copy>& out) {
  const auto* first = input.data();
  const auto* last = input.data() + input.size();
  std::size_t in_place = 0;
  for (;;) {
    auto frame = decoder.next(input);
    BOOST_TEST_REQUIRE(frame.has_value(), frame.error());
    if (!*frame) {
      BOOST_TEST(input.empty());
      return in_place;
    }
    const auto* body = (*frame)->body.data();
    if ((*frame)->body.empty() || (body >= first && body < last)) ++in_place;
    out.emplace_back((*frame)->type,
                     std::vector<std::uint8_t>((*frame)->body.begin(), (*frame)->body.end()));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(input_split_at_every_offset) {
  const frame_bytes stream = sample_stream();
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    chat::frame_decoder decoder;
    std::vector<frame_copy> got;
    drain_input(decoder, slice(stream, 0, cut), got);
    drain_input(decoder, slice(stream, cut, stream.size()), got);
    BOOST_TEST_REQUIRE((got == expected_frames()), "cut at " << cut);
    BOOST_TEST(decoder.buffered() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(input_one_byte_at_a_time) {
  const frame_bytes stream = sample_stream();
  chat::frame_decoder decoder;
  std::vector<frame_copy> got;
  for (std::size_t i = 0; i < stream.size(); ++i) drain_input(decoder, slice(stream, i, i + 1), got);
  BOOST_TEST((got == expected_frames()));
}

BOOST_AUTO_TEST_CASE(whole_frames_in_input_are_neither_copied_nor_allocated) {
  const frame_bytes stream = sample_stream();
  chat::frame_decoder decoder;
  std::vector<frame_copy> got;
  got.reserve(64);
  std::size_t in_place = 0;
  {
    watch_allocations watch;
    std::span<const std::uint8_t> input(stream);
    for (;;) {
      auto frame = decoder.next(input);
      BOOST_TEST_REQUIRE(frame.has_value());
      if (!*frame) break;
      ++in_place;
    }
    BOOST_TEST(largest_allocation == 0u);
  }
  BOOST_TEST(in_place == sample_frames().size());
  BOOST_TEST(decoder.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(only_the_frame_cut_by_the_end_of_input_is_copied) {
  const frame_bytes stream = sample_stream();
  const auto frames = sample_frames();
  // Cut inside the fourth frame (300-byte MESSAGE): three come in place, the fourth is kept.
  std::size_t fourth = 0;
  for (int i = 0; i < 3; ++i) fourth += frames[i].size();
  const std::size_t cut = fourth + 10;
  chat::frame_decoder decoder;
  std::vector<frame_copy> got;
  BOOST_TEST(drain_input(decoder, slice(stream, 0, cut), got) == 3u);
  BOOST_TEST(decoder.buffered() == 10u);
  // The rest: the fourth completes from the decoder's copy, the others come in place.
  BOOST_TEST(drain_input(decoder, slice(stream, cut, stream.size()), got) == frames.size() - 4);
  BOOST_TEST((got == expected_frames()));
}

BOOST_AUTO_TEST_CASE(frames_fed_before_come_before_input) {
  const frame_bytes stream = sample_stream();
  const std::size_t cut = stream.size() / 2;
  chat::frame_decoder decoder;
  decoder.feed(slice(stream, 0, cut));  // e.g. kept while reading was paused
  std::vector<frame_copy> got;
  drain_input(decoder, slice(stream, cut, stream.size()), got);
  BOOST_TEST((got == expected_frames()));
}

BOOST_AUTO_TEST_CASE(input_errors_are_checked_from_the_header_alone) {
  for (const std::uint32_t length : {0u, std::uint32_t(chat::default_max_frame + 1), 0xFFFFFFF0u}) {
    frame_bytes stream = chat::encode(msg::client::ping{1});
    const frame_bytes bad = header(length);
    stream.insert(stream.end(), bad.begin(), bad.end());
    stream.push_back(0x02);
    for (const std::size_t cut : {stream.size(), stream.size() - 3}) {  // header whole or cut
      chat::frame_decoder decoder;
      watch_allocations watch;
      std::span<const std::uint8_t> first(stream.data(), cut), rest(stream.data() + cut, stream.size() - cut);
      auto ping = decoder.next(first);
      BOOST_TEST_REQUIRE(ping.has_value());
      BOOST_TEST_REQUIRE(ping->has_value());
      auto result = decoder.next(first);
      if (result && !*result) result = decoder.next(rest);
      BOOST_TEST_REQUIRE(result.has_error());
      BOOST_TEST(result.error() == ec(length == 0 ? errc::malformed_frame : errc::frame_too_large));
      BOOST_TEST(largest_allocation < 64u);
      std::span<const std::uint8_t> none;
      BOOST_TEST(decoder.next(none).has_error());  // sticky
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
