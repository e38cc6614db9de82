// SPDX-License-Identifier: BSL-1.0
// What a room tells its members: a typed event, encoded lazily, at most once per wire codec.
//
// A broadcast to N members creates one room_event; each member asks it for the encoding its
// connection speaks, and the first to ask for a codec encodes it for all the others. A room's
// events are encoded into the room's frame log (v2), so that consecutive broadcasts lie back to
// back in memory and a member's queue can take many of them as one buffer; other events
// (private messages, RENAMED) get a buffer of their own. An IRC or
// WebSocket-JSON codec becomes one more wire_codec value and one more case in encode_for().
#pragma once

#include "rooms/frame_log.hpp"

#include <chat/codec.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

namespace chat::detail {

/// The wire encodings a member may speak.
enum class wire_codec : std::uint8_t {
  v2,  ///< docs/PROTOCOL.md binary frames.
};
inline constexpr std::size_t wire_codec_count = 1;

/// Encodes one server message in `codec`.
template <wire_message Message>
shared_frame encode_for(wire_codec codec, const Message& m) {
  switch (codec) {
    case wire_codec::v2:
      break;
  }
  return encode_shared(m);
}

/// Encodes several server messages in `codec`, back to back in one buffer.
shared_frame encode_batch_for(wire_codec codec, const std::vector<server_message>& batch);

class room_event {
public:
  using payload_type = std::variant<msg::server::message, msg::server::joined, msg::server::left,
                                    msg::server::topic, msg::server::renamed>;

  /// `log`, if set, is where the v2 encoding goes.
  explicit room_event(payload_type payload, std::shared_ptr<frame_log> log = nullptr)
      : payload_(std::move(payload)), log_(std::move(log)) {}
  room_event(const room_event&) = delete;
  room_event& operator=(const room_event&) = delete;

  const payload_type& payload() const noexcept { return payload_; }

  /// The event in `codec`, encoded on the first call for that codec. Thread-safe.
  const frame_slice& encoded(wire_codec codec) const {
    const auto& slot = encodings_[static_cast<std::size_t>(codec)];
    // Every member after the first finds it encoded: one load, no call_once.
    if (slot.ready.load(std::memory_order_acquire)) return slot.frame;
    return encode(codec);
  }

private:
  struct encoding {
    std::atomic<bool> ready{false};  // the fast path: set, with release, once `frame` is
    std::once_flag once;
    frame_slice frame;
  };
  const frame_slice& encode(wire_codec codec) const;

  payload_type payload_;
  const std::shared_ptr<frame_log> log_;
  mutable std::array<encoding, wire_codec_count> encodings_;
};

using shared_event = std::shared_ptr<const room_event>;

template <class Payload>
shared_event make_event(Payload payload, std::shared_ptr<frame_log> log = nullptr) {
  return std::make_shared<const room_event>(room_event::payload_type(std::move(payload)),
                                            std::move(log));
}

}  // namespace chat::detail
