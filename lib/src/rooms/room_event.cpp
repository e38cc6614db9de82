// SPDX-License-Identifier: BSL-1.0
#include "rooms/room_event.hpp"

namespace chat::detail {

shared_frame encode_batch_for(wire_codec codec, const std::vector<server_message>& batch) {
  switch (codec) {
    case wire_codec::v2:
      break;
  }
  frame_bytes out;
  for (const auto& m : batch) encode_to(out, m);
  return std::make_shared<const frame_bytes>(std::move(out));
}

const frame_slice& room_event::encode(wire_codec codec) const {
  auto& slot = encodings_[static_cast<std::size_t>(codec)];
  std::call_once(slot.once, [&] {
    slot.frame = std::visit(
        [&](const auto& m) {
          if (log_ && codec == wire_codec::v2) return log_->append(m);
          return frame_slice::of(encode_for(codec, m));
        },
        payload_);
    slot.ready.store(true, std::memory_order_release);
  });
  return slot.frame;
}

}  // namespace chat::detail
