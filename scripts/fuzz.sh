#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Builds the libFuzzer harnesses (preset fuzz: clang, ASan + UBSan) and runs each for a while,
# starting from the committed corpus (fuzz/corpus/<harness>). A finding fails the run and is
# kept in build/fuzz/findings/<harness>/; add it to fuzz/corpus/<harness>/ once fixed, so the
# replay tests keep it fixed. See docs/FUZZING.md.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]   (default 15 s each, every harness)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
shift || true
harnesses=("$@")
[[ ${#harnesses[@]} -eq 0 ]] && harnesses=(frame_decoder client_message server_message text render session)

scripts/setup.sh fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${harnesses[@]/#/fuzz_}"

failed=()
for h in "${harnesses[@]}"; do
  work="build/fuzz/corpus-work/$h"
  findings="build/fuzz/findings/$h"
  mkdir -p "$work" "$findings"
  log="build/fuzz/$h.log"
  # New inputs go to the scratch corpus; the committed one is only read.
  if build/fuzz/fuzz/"fuzz_$h" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$findings/" "$work" "fuzz/corpus/$h" >"$log" 2>&1; then
    echo "fuzz $h: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$') runs, no finding"
  else
    echo "fuzz $h: FINDING (log: $log, inputs: $findings/)"
    tail -n 40 "$log"
    failed+=("$h")
  fi
done
[[ ${#failed[@]} -eq 0 ]] || { echo "fuzz findings in: ${failed[*]}"; exit 1; }
