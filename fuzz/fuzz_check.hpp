// SPDX-License-Identifier: BSL-1.0
// What a harness asserts: a broken property aborts, so libFuzzer (and the replay runner) report
// the input that broke it. Unlike assert(), it is never compiled out.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)
