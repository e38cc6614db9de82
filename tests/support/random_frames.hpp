// SPDX-License-Identifier: BSL-1.0
// Random but well-framed input for robustness tests: real messages, some with one byte
// changed, and frames of random type and body. Deterministic for a given generator state.
#pragma once

#include <chat/protocol.hpp>

#include <random>
#include <vector>

namespace chat::test {

using chat::frame_bytes;

// Real messages of every type (protocol v2: clients 0x01-0x0D, servers 0x81-0x8C;
// extensions: clients 0x0E-0x10, servers 0x8D-0x8E), for mutation.
inline std::vector<frame_bytes> sample_frames() {
  namespace msg = chat::msg;
  return {chat::encode(msg::client::hello{chat::protocol_version, "alice", "lobby"}),
          chat::encode(msg::client::say{"lobby", msg::flag_action, "h\xC3\xA9llo"}),
          chat::encode(msg::client::ping{7}),
          chat::encode(msg::client::bye{"gone"}),
          chat::encode(msg::client::join{"#dev", 42}),
          chat::encode(msg::client::part{"#dev", ""}),
          chat::encode(msg::client::list{}),
          chat::encode(msg::client::who{"lobby"}),
          chat::encode(msg::client::topic{"lobby", 1, "t\xC3\xB6pic"}),
          chat::encode(msg::client::private_message{"bob", 0, "psst"}),
          chat::encode(msg::client::nick{"alice2"}),
          chat::encode(msg::client::history{"lobby", 9, 50}),
          chat::encode(msg::client::pong{0x0102030405060708}),
          chat::encode(msg::client::cap{{"resume"}}),
          chat::encode(msg::client::pass{"secret"}),
          chat::encode(msg::client::resume{chat::protocol_version, "alice", "0123456789abcdef"}),
          chat::encode(msg::server::welcome{"server", 0x1122334455667788, "alice"}),
          chat::encode(msg::server::message{9, 1700000000000, 1, "bob", "lobby", "text"}),
          chat::encode(msg::server::joined{"bob", "lobby", 2}),
          chat::encode(msg::server::left{"bob", "lobby", 1, "bye"}),
          chat::encode(msg::server::pong{7}),
          chat::encode(msg::server::error{11, "name is taken"}),
          chat::encode(msg::server::ping{3}),
          chat::encode(msg::server::topic{"lobby", "welcome", "alice", 1700000000000}),
          chat::encode(msg::server::room_info{"lobby", 3, ""}),
          chat::encode(msg::server::members{"lobby", {}}),
          chat::encode(msg::server::members{"lobby", {"alice"}}),
          chat::encode(msg::server::members{"lobby", {"alice", "bob", "c\xC3\xA9"}}),
          chat::encode(msg::server::end{0x05, "lobby", 1, 9}),
          chat::encode(msg::server::renamed{"alice", "alice2"}),
          chat::encode(msg::server::caps{{"resume"}}),
          chat::encode(msg::server::session{"0123456789abcdef", 60000})};
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
  // Every defined type, their unused neighbours and the extremes.
  static constexpr std::uint8_t types[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                           0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11,
                                           0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                                           0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0xFF};
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
