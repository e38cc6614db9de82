// SPDX-License-Identifier: BSL-1.0
#include "transport/read_buffer.hpp"

#include <array>

namespace chat::detail {

std::span<std::uint8_t> thread_read_buffer() noexcept {
  thread_local std::array<std::uint8_t, thread_read_buffer_size> buffer;
  return buffer;
}

}  // namespace chat::detail
