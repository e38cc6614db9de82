#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Builds and runs the whole test suite through ctest. Optional argument: the preset
# (release, debug, asan, tsan; default release). Warnings are errors when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

scripts/setup.sh
cmake --preset "$preset" ${CI:+-DLIBCHAT_WERROR=ON} >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
