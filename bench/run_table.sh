#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Runs the workloads of docs/BENCHMARKS.md ("The targets of issue 8") against one chatd build,
# each against a freshly started chatd, and prints chat_load's key=value line for each.
#
#   bench/run_table.sh [--chatd PATH] [--load PATH] [--threads N] [--port P] [ROW...]
#
# Rows: latency500 latency1000 idle1000 idle5000 idle10000 storm15000 flatout burst
# quiet200 flood200 (default: the issue-8 rows, latency500 .. burst). Speed is measured here, never asserted in tests.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
chatd=$here/build/release/apps/chatd/chatd
load=$here/build/release/bench/chat_load
threads=1
port=7350
rows=()
while (($#)); do
  case $1 in
    --chatd) chatd=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) rows+=("$1"); shift ;;
  esac
done
((${#rows[@]})) || rows=(latency500 latency1000 idle1000 idle5000 idle10000 storm15000 flatout burst)

# All of chat_load's connections come from 127.0.0.1: lift the per-address limit (builds
# older than the limit do not know the option).
no_address_limit=()
"$chatd" --help 2>/dev/null | grep -q -- --max-per-ip && no_address_limit=(--max-per-ip 0)
# Likewise the connection-rate and unregistered limits, and flood control (the burst row's one
# sender would be paced) except in the flood rows, where the build has them.
flood_off=()
if "$chatd" --help 2>/dev/null | grep -q -- --flood-burst; then
  no_address_limit+=(--max-connects-per-ip 0 --max-unregistered 0 --max-unregistered-per-ip 0)
  flood_off=(--flood-burst 0)
fi

# Runs chat_load MODE ARGS... against a fresh chatd; prints "row=NAME threads=N <key=value line>".
run() {
  local row=$1; shift
  "$chatd" --port "$port" --threads "$threads" "${no_address_limit[@]}" "${flood_off[@]}" >/dev/null 2>&1 &
  local pid=$!
  # Wait until it listens (bounded).
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  local line
  line=$("$load" "$@" --port "$port" --pid "$pid" 2>&1 | grep '^mode=' | tail -1)
  echo "row=$row chatd_threads=$threads $line"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

for row in "${rows[@]}"; do
  case $row in
    latency500) run "$row" room --members 500 --senders 1 --messages 100 --rate 200 ;;
    latency1000) run "$row" room --members 1000 --senders 1 --messages 100 --rate 100 ;;
    idle1000) run "$row" idle --connections 1000 ;;
    idle5000) run "$row" idle --connections 5000 ;;
    idle10000) run "$row" idle --connections 10000 ;;
    storm15000) run "$row" join-storm --members 15000 --timeout 600 ;;
    flatout) run "$row" room --members 1000 --senders 10 --messages 200 --rate 0 ;;
    burst) run "$row" room --members 1 --senders 1 --messages 6000 --rate 0 ;;
    # Issue 9: a 200-member room, quiet and with one flooder, under chatd's flood control.
    quiet200) saved=("${flood_off[@]}"); flood_off=()
      run "$row" room --members 200 --senders 10 --messages 40 --rate 4 --timeout 20
      flood_off=("${saved[@]}") ;;
    flood200) saved=("${flood_off[@]}"); flood_off=()
      run "$row" room --members 200 --senders 10 --messages 40 --rate 4 --timeout 20 --flooders 1
      flood_off=("${saved[@]}") ;;
    *) echo "unknown row $row" >&2; exit 2 ;;
  esac
done
