# SPDX-License-Identifier: BSL-1.0
# Stands in for web_unit (and web_e2e: -DTEST_NAME=web_e2e) when CMake found no Node.js: the
# test fails instead of passing unrun.
if(NOT DEFINED TEST_NAME)
  set(TEST_NAME web_unit)
endif()
message(FATAL_ERROR "${TEST_NAME}: Node.js (node, version 20 or later) was not found when CMake "
  "configured this build; install it (scripts/setup.sh installs the nodejs package) and "
  "re-run cmake.")
