// SPDX-License-Identifier: BSL-1.0
// decode_server_message: what a client makes of every frame a server sends.
#include "round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::check_round_trip<chat::server_message>(data, size, chat::decode_server_message);
  return 0;
}
