// SPDX-License-Identifier: BSL-1.0
// The buffer a connection reads into: one per thread, shared by every connection that thread
// serves. A read fills it, the frames in it are handled at once, and only the bytes of a frame
// cut by the end of the read are copied into that connection's decoder; so an idle connection
// holds no read buffer at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace chat::detail {

/// Large enough that a sender flat out is read in few system calls; used only for the duration
/// of one read and the handling of the frames in it, never across an asynchronous wait.
inline constexpr std::size_t thread_read_buffer_size = 64 * 1024;

/// The calling thread's read buffer.
std::span<std::uint8_t> thread_read_buffer() noexcept;

}  // namespace chat::detail
