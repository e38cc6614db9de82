#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The bash completions (dist/bash-completion): sourced into bash, they complete option names
# from the program's --help and the values and files of the options that take them.
# Usage: completion_test.sh <completion dir> <chatd> <chatcli>.
set -euo pipefail
dir=$1
chatd=$2
chatcli=$3
failures=0

# complete <function> <word>...: what <function> offers for the last word, sorted, one a line.
complete_words() {
  local function=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  "$function"
  printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}

# expect <description> <expected words> <actual words>
expect() {
  if [[ $2 == "$3" ]]; then
    echo "ok: $1: $(tr '\n' ' ' <<<"$3")"
  else
    echo "FAIL: $1: expected [$(tr '\n' ' ' <<<"$2")] got [$(tr '\n' ' ' <<<"$3")]" >&2
    failures=$((failures + 1))
  fi
}

help_options() {  # <program> <prefix>: the long options --help lists that start with <prefix>
  "$1" --help | sed -nE 's/^  (-[A-Za-z] \[ )?(--[A-Za-z0-9][A-Za-z0-9-]*).*/\2/p' |
    grep -E "^$2" | sort
}

complete() { :; }  # the files register their functions with `complete`; not needed here
source "$dir/chatd"
source "$dir/chatcli"

lo=$(help_options "$chatd" --lo)
grep -qx -- --log-level <<<"$lo" || { echo "FAIL: chatd --help has no --log-level" >&2; exit 1; }
expect "chatd --lo" "$lo" "$(complete_words _chatd "$chatd" --lo)"
expect "chatd --log-format" "$(printf 'json\nlogfmt')" "$(complete_words _chatd "$chatd" --log-format '')"
expect "chatd --log-target j" "journal" "$(complete_words _chatd "$chatd" --log-target j)"
expect "chatd --log-level" "$(printf 'debug\nerror\ninfo\nwarn')" "$(complete_words _chatd "$chatd" --log-level '')"
expect "chatd --tls-min-version" "$(printf '1.2\n1.3')" "$(complete_words _chatd "$chatd" --tls-min-version '')"
expect "chatd --port (a number: nothing)" "" "$(complete_words _chatd "$chatd" --port '')"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/webroot"
touch "$scratch/cert.pem"
expect "chatd --tls-cert (files)" "$(printf '%s\n' "$scratch/cert.pem" "$scratch/webroot" | sort)" \
  "$(complete_words _chatd "$chatd" --tls-cert "$scratch/")"
expect "chatd --web-root (directories)" "$scratch/webroot" \
  "$(complete_words _chatd "$chatd" --web-root "$scratch/")"

expect "chatcli --no" "$(help_options "$chatcli" --no)" "$(complete_words _chatcli "$chatcli" --no)"
expect "chatcli --tls (a switch) then options" "$(help_options "$chatcli" --)" \
  "$(complete_words _chatcli "$chatcli" --tls '')"
expect "chatcli --tls-ca (files)" "$scratch/cert.pem" \
  "$(complete_words _chatcli "$chatcli" --tls-ca "$scratch/c")"

((failures == 0)) || exit 1
