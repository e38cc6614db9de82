// SPDX-License-Identifier: BSL-1.0
// Writes the seed corpus (fuzz/corpus/<harness>/) from real messages of every type, so the
// fuzzers start from valid input and mutate outwards. Rerun after a protocol change:
//   build/release/fuzz/fuzz_make_seeds fuzz/corpus
#include "support/random_frames.hpp"

#include <chat/protocol.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace client = chat::msg::client;
using bytes = std::vector<std::uint8_t>;

void write(const fs::path& dir, const std::string& name, const bytes& content) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
}

bytes without_length(const chat::frame_bytes& frame) { return {frame.begin() + 4, frame.end()}; }
bytes of(std::string_view s) { return {s.begin(), s.end()}; }
bytes operator+(bytes a, const bytes& b) { return a.insert(a.end(), b.begin(), b.end()), a; }

/// One step of a session script: connection `who` sends `m` (see session_fuzzer.cpp).
bytes step(unsigned who, const chat::client_message& m) {
  chat::frame_bytes frame;
  chat::encode_to(frame, m);
  const bytes body = without_length(frame);
  return bytes{static_cast<std::uint8_t>(who), static_cast<std::uint8_t>(body.size())} + body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  const auto samples = chat::test::sample_frames();

  bytes stream;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& frame = samples[i];
    const bool from_client = frame[4] < 0x80;
    write(root / (from_client ? "client_message" : "server_message"), "sample" + std::to_string(i),
          without_length(frame));
    write(root / "render", "frame" + std::to_string(i), bytes{0} + without_length(frame));
    stream = stream + frame;
  }
  write(root / "frame_decoder", "all_default_limit", bytes{0, 7} + stream);
  write(root / "frame_decoder", "all_small_limit", bytes{8, 3} + stream);
  write(root / "frame_decoder", "zero_length", bytes{0, 1, 0, 0, 0, 0});

  const std::vector<std::string_view> texts = {
      "hello", "h\xC3\xA9llo w\xC3\xB6rld", "tab\there", "bell\a", "esc\x1B[31m", "\xC2\x9B" "31m",
      "\xE2\x80\xAE" "reversed", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF", "alice", "#dev",
      "Alice.B-2_x", "\xF0\x9F\x98\x80",
      // Both sides of every boundary in the Unicode Standard's table 3-7.
      "\x7F", "\xC1\xBF", "\xC2\x80", "\xDF\xBF", "\xE0\x9F\xBF", "\xE0\xA0\x80", "\xEC\xBF\xBF",
      "\xED\x9F\xBF", "\xED\xBF\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x8F\xBF\xBF",
      "\xF0\x90\x80\x80", "\xF3\xBF\xBF\xBF", "\xF4\x8F\xBF\xBF", "\xF5\x80\x80\x80",
      // And of the controls the rules forbid.
      "\x1F", "\x20", "\xC2\x9F", "\xC2\xA0", "\xE2\x80\xAA", "\xE2\x81\xA9"};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    write(root / "text", "text" + std::to_string(i), of(texts[i]));
    write(root / "render", "text" + std::to_string(i), bytes{1} + of(texts[i]));
  }

  // A day in a small server: two users in a room, a third arriving under a taken name, and
  // everything a session does; then time passes until the idle ones are PINGed and dropped.
  const auto v = chat::protocol_version;
  const bytes day = step(0, client::hello{v, "alice", "lobby"}) + step(1, client::hello{v, "bob", ""}) +
                    step(1, client::join{"lobby", 0}) + step(0, client::say{"lobby", 0, "hi bob"}) +
                    step(2, client::hello{v, "ALICE", ""}) + step(2, client::hello{v, "carol", "#dev"}) +
                    step(2, client::join{"lobby", 1}) + step(1, client::private_message{"alice", 0, "psst"}) +
                    step(0, client::topic{"lobby", 1, "plans"}) + step(0, client::nick{"alice2"}) +
                    step(1, client::who{"lobby"}) + step(1, client::list{}) +
                    step(2, client::history{"lobby", 0, 5}) + step(2, client::part{"lobby", "later"}) +
                    step(1, client::ping{9}) + step(1, client::pong{1}) +
                    bytes{60 << 2, 200} + bytes{60 << 2, 200} + step(0, client::bye{"bye"});
  write(root / "session", "day", day);
  // Sessions lost and resumed (59: RESUME with slot 0's last name and token), a thief trying
  // another's token, and a password sent where none is needed.
  write(root / "session", "resume",
        step(0, client::cap{{"resume"}}) + step(0, client::hello{v, "alice", "lobby"}) +
            step(1, client::cap{{"resume", "unknown"}}) + step(1, client::pass{"secret"}) +
            step(1, client::hello{v, "bob", "lobby"}) + bytes{63 << 2} + step(2, client::hello{v, "alice", ""}) +
            bytes{59 << 2, 0} + bytes{(59 << 2) | 2, 1} + bytes{60 << 2, 70} + bytes{59 << 2, 0});
  write(root / "session", "drops", step(0, client::hello{v, "alice", "lobby"}) + bytes{63 << 2} +
                                       step(0, client::hello{v, "alice", "lobby"}) + bytes{61 << 2});
  std::printf("seed corpus written to %s\n", root.c_str());
  return 0;
}
