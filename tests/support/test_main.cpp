// SPDX-License-Identifier: BSL-1.0
// The one translation unit per test executable that provides Boost.Test's main().
#define BOOST_TEST_MODULE libchat
#include <boost/test/unit_test.hpp>
