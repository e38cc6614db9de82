#!/usr/bin/env bash
# Builds Release and runs chatd on 127.0.0.1:7777. Extra arguments go to chatd (see chatd --help).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release

cat <<'TEXT'

In two other terminals, chat with:
  build/release/apps/chatcli/chatcli --host 127.0.0.1 --port 7777 --name alice
  build/release/apps/chatcli/chatcli --host 127.0.0.1 --port 7777 --name bob
Stop the server with Ctrl-C.

TEXT
exec build/release/apps/chatd/chatd --bind 127.0.0.1 --port 7777 "$@"
