# Stands in for web_unit when CMake found no Node.js: the test fails instead of passing unrun.
message(FATAL_ERROR "web_unit: Node.js (node, version 20 or later) was not found when CMake "
  "configured this build; install it (scripts/setup.sh installs the nodejs package) and "
  "re-run cmake.")
