#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Builds Release and runs chatd, by default on 127.0.0.1:7777 for chatcli and on 127.0.0.1:8080
# for browsers (the web client and its WebSocket). Extra arguments go to chatd (see chatd --help)
# and override those defaults, e.g. `scripts/run.sh --port 9000 --ws-port 9080`.
# LIBCHAT_RUN_DRY_RUN=1 prints what would be run instead of building and running it (tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."

bind=127.0.0.1
port=7777
ws_port=8080
bind_given=false
port_given=false
ws_port_given=false
help_only=false
args=("$@")
# chatd takes "--opt value" and "--opt=value", and any unambiguous prefix of an option name.
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    --b | --bi | --bin | --bind) bind_given=true; bind="${args[i + 1]:-}"; ((++i)) ;;
    --b=* | --bi=* | --bin=* | --bind=*) bind_given=true; bind="${args[i]#*=}" ;;
    --po | --por | --port) port_given=true; port="${args[i + 1]:-}"; ((++i)) ;;
    --po=* | --por=* | --port=*) port_given=true; port="${args[i]#*=}" ;;
    --ws-p | --ws-po | --ws-por | --ws-port) ws_port_given=true; ws_port="${args[i + 1]:-}"; ((++i)) ;;
    --ws-p=* | --ws-po=* | --ws-por=* | --ws-port=*) ws_port_given=true; ws_port="${args[i]#*=}" ;;
    -h | --he | --hel | --help | --v | --ve | --ver | --vers | --versi | --versio | --version)
      help_only=true ;;
  esac
done

defaults=()
$bind_given || defaults+=(--bind "$bind")
$port_given || defaults+=(--port "$port")
$ws_port_given || defaults+=(--ws-port "$ws_port")
chatd=(build/release/apps/chatd/chatd "${defaults[@]}" "$@")

# chatcli connects to an address, not to "any": a wildcard bind is reachable on loopback.
case "$bind" in
  0.0.0.0) host=127.0.0.1 ;;
  :: | 0::0 | ::0) host=::1 ;;
  *) host="$bind" ;;
esac
case "$host" in
  *:*) url_host="[$host]" ;;  # IPv6 in a URL
  *) url_host="$host" ;;
esac
# TLS options make the web port https:// (and wss://).
scheme=http
for arg in "$@"; do
  case "$arg" in --tls-cert | --tls-cert=*) scheme=https ;; esac
done
# Port 0 lets chatd pick one, which it prints: the lines then say where to read it.
# Usage: shown_port PORT LINE -> sets shown_text and shown_note.
shown_port() {
  if [[ "$1" == 0 ]]; then
    shown_text='PORT'
    shown_note=" (PORT: the one in the \"$2\" line below)"
  else
    shown_text="$1"
    shown_note=''
  fi
}
shown_port "$ws_port" "chatd web client at"
ws_port_text="$shown_text" ws_port_note="$shown_note"
shown_port "$port" "chatd listening on"
port_text="$shown_text" port_note="$shown_note"

if [[ -z "${LIBCHAT_RUN_DRY_RUN:-}" ]]; then
  scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release
fi

if ! $help_only; then
  cat <<TEXT

In two other terminals, chat with${port_note}:
  build/release/apps/chatcli/chatcli --host $host --port $port_text --name alice
  build/release/apps/chatcli/chatcli --host $host --port $port_text --name bob
Or open the web client in a browser${ws_port_note}:
  ${scheme}://${url_host}:${ws_port_text}/
Stop the server with Ctrl-C.

TEXT
fi
if [[ -n "${LIBCHAT_RUN_DRY_RUN:-}" ]]; then
  printf 'would run:'
  printf ' %q' "${chatd[@]}"
  printf '\n'
  exit 0
fi
exec "${chatd[@]}"
