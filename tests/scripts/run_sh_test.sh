#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# scripts/run.sh's argument handling, without building: the caller's --bind and --port replace
# the defaults (chatd refuses an option given twice) and the chatcli lines show what is used.
# Usage: run_sh_test.sh PATH/TO/run.sh
set -euo pipefail
run_sh="$1"
failures=0

# Fails unless `scripts/run.sh ARGS...` (dry run) prints the line `expected`.
expect() {
  local expected="$1"
  shift
  local output
  output="$(LIBCHAT_RUN_DRY_RUN=1 "$run_sh" "$@")"
  if ! grep -qxF -- "$expected" <<<"$output"; then
    echo "FAIL: run.sh $* did not print: $expected"
    echo "it printed:"
    echo "$output"
    failures=$((failures + 1))
  fi
}

# Fails if `scripts/run.sh ARGS...` (dry run) prints a line containing `unexpected`.
expect_no() {
  local unexpected="$1"
  shift
  if LIBCHAT_RUN_DRY_RUN=1 "$run_sh" "$@" | grep -qF -- "$unexpected"; then
    echo "FAIL: run.sh $* printed: $unexpected"
    failures=$((failures + 1))
  fi
}

chatd=build/release/apps/chatd/chatd
chatcli="  build/release/apps/chatcli/chatcli"

# No arguments: the README's 127.0.0.1:7777.
expect "would run: $chatd --bind 127.0.0.1 --port 7777 --ws-port 8080"
expect "$chatcli --host 127.0.0.1 --port 7777 --name alice"
expect "$chatcli --host 127.0.0.1 --port 7777 --name bob"

# The caller's port replaces the default one, in either spelling, and the lines follow it.
expect "would run: $chatd --bind 127.0.0.1 --ws-port 8080 --port 9000" --port 9000
expect "$chatcli --host 127.0.0.1 --port 9000 --name alice" --port 9000
expect "would run: $chatd --bind 127.0.0.1 --ws-port 8080 --port=9001" --port=9001
expect "$chatcli --host 127.0.0.1 --port 9001 --name bob" --port=9001
expect "would run: $chatd --bind 127.0.0.1 --ws-port 8080 --por 9002" --por 9002

# The caller's address replaces the default one; a wildcard is reached on loopback.
expect "would run: $chatd --port 7777 --ws-port 8080 --bind 10.1.2.3" --bind 10.1.2.3
expect "$chatcli --host 10.1.2.3 --port 7777 --name alice" --bind 10.1.2.3
expect "would run: $chatd --ws-port 8080 --bind=0.0.0.0 --port 9000" --bind=0.0.0.0 --port 9000
expect "$chatcli --host 127.0.0.1 --port 9000 --name alice" --bind=0.0.0.0 --port 9000
expect "$chatcli --host ::1 --port 7777 --name alice" --bind ::

# Other options pass through after the defaults.
expect "would run: $chatd --bind 127.0.0.1 --port 7777 --ws-port 8080 --threads 4 --history 10" --threads 4 --history 10

# Port 0: chatd picks the port, so the lines point at chatd's own report of it.
expect "$chatcli --host 127.0.0.1 --port PORT --name alice" --port 0

# The web client's URL follows the address and the WebSocket port; TLS makes it https.
expect "  http://127.0.0.1:8080/"
expect "would run: $chatd --bind 127.0.0.1 --port 7777 --ws-port 9080" --ws-port 9080
expect "  http://127.0.0.1:9080/" --ws-port=9080
expect "  http://[::1]:8080/" --bind ::
expect "  http://127.0.0.1:PORT/" --ws-port 0
expect "  https://127.0.0.1:8080/" --tls-cert c.pem --tls-key k.pem

# --help and --version only print: no chat lines.
expect "would run: $chatd --bind 127.0.0.1 --port 7777 --ws-port 8080 --help" --help
expect_no "chat with" --help
expect_no "chat with" --version

if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "run.sh argument handling: all passed"
