# SPDX-License-Identifier: BSL-1.0
# libchat_set_warnings(<target>): the project's warning flags, -Werror when LIBCHAT_WERROR is on.
function(libchat_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  # GCC 12 reports impossible overlaps in std::string concatenation at -O2 (GCC bug 105329),
  # e.g. for "m" + std::to_string(i); the diagnostic is fixed in GCC 13.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  # Sanitizer instrumentation makes GCC's flow analysis report uninitialised reads that cannot
  # happen (seen in Boost.Asio's use_future under -fsanitize=address,undefined).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  # Boost.Asio's fenced blocks use std::atomic_thread_fence, which TSan does not model; its
  # scheduler also synchronises through mutexes, which TSan does see.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_FLAGS MATCHES "-fsanitize=thread")
    target_compile_options(${target} PRIVATE -Wno-tsan)
  endif()
  if(LIBCHAT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
