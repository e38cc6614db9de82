// SPDX-License-Identifier: BSL-1.0
#pragma once
// CHAT_EXPORT marks what the shared library (BUILD_SHARED_LIBS=ON) exports: the public classes
// and free functions of lib/include/chat/ that are defined out of line. The library is compiled
// with hidden visibility, so everything else, internals and the instances of Boost's and the
// standard library's templates it uses, stays inside it. In a static library the attribute
// does nothing. Hand-written rather than generated (GenerateExportHeader) so that the installed
// header is the same for both builds: GCC and Clang on ELF need no import side.
#if defined(__GNUC__) || defined(__clang__)
#define CHAT_EXPORT __attribute__((visibility("default")))
#else
#define CHAT_EXPORT
#endif
