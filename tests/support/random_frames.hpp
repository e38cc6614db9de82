// Random but well-framed input for robustness tests: real messages, some with one byte
// changed, and frames of random type and body. Deterministic for a given generator state.
#pragma once

#include <chat/protocol.hpp>

#include <random>
#include <vector>

namespace chat::test {

using chat::frame_bytes;

// Real messages of every type, for mutation.
inline std::vector<frame_bytes> sample_frames() {
  namespace msg = chat::msg;
  return {chat::encode(msg::hello{1, "alice", "lobby"}),
          chat::encode(msg::say{"h\xC3\xA9llo"}),
          chat::encode(msg::ping{7}),
          chat::encode(msg::bye{}),
          chat::encode(msg::welcome{"server", "alice", "lobby", 3}),
          chat::encode(msg::message{9, 1700000000000, 1, "bob", "lobby", "text"}),
          chat::encode(msg::joined{"bob", "lobby", 2}),
          chat::encode(msg::left{"bob", "lobby", 1}),
          chat::encode(msg::pong{7}),
          chat::encode(msg::error{11, "name is taken"})};
}

// A frame whose length prefix is right: a real message, possibly with one body byte changed,
// or a random type and body. All of it reaches the message decoders.
inline frame_bytes random_frame(std::mt19937& rng) {
  static const std::vector<frame_bytes> samples = sample_frames();
  std::uniform_int_distribution<int> dice(0, 5);
  const int roll = dice(rng);
  if (roll < 4) {
    frame_bytes frame = samples[std::uniform_int_distribution<std::size_t>(0, samples.size() - 1)(rng)];
    if (roll < 2) {  // mutate one byte after the length prefix
      std::uniform_int_distribution<std::size_t> where(chat::frame_header_size, frame.size() - 1);
      frame[where(rng)] = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    return frame;
  }
  static constexpr std::uint8_t types[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x7F, 0x81, 0x82,
                                           0x83, 0x84, 0x85, 0x86, 0xFF};
  std::uniform_int_distribution<std::size_t> pick_type(0, std::size(types) - 1);
  std::uniform_int_distribution<std::size_t> body_size(0, 48);
  std::uniform_int_distribution<int> byte(0, 255);
  frame_bytes body(body_size(rng));
  for (auto& b : body) b = static_cast<std::uint8_t>(byte(rng));
  // Small string lengths make a well-formed body likely enough to exercise success paths.
  if (body.size() >= 2 && byte(rng) < 128) body[0] = 0, body[1] = static_cast<std::uint8_t>(byte(rng) % 8);
  const auto length = static_cast<std::uint32_t>(body.size() + 1);
  frame_bytes frame = {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
                       static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length),
                       types[pick_type(rng)]};
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

}  // namespace chat::test
