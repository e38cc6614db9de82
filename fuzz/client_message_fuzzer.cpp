// SPDX-License-Identifier: BSL-1.0
// decode_client_message: what the server makes of every frame a client sends.
#include "round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::check_round_trip<chat::client_message>(data, size, chat::decode_client_message);
  return 0;
}
