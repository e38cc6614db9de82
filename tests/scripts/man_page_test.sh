#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# A man page documents every long option its program's --help lists, and groff renders it
# without a warning. Usage: man_page_test.sh <program> <man page (roff)>.
set -euo pipefail
program=$1
page=$2

# Options as --help shows them: the first word of each option line ("  --port arg",
# "  -h [ --help ]"), as the bash completions read them.
options=$(timeout 10 "$program" --help | sed -nE 's/^  (-[A-Za-z] \[ )?(--[A-Za-z0-9][A-Za-z0-9-]*).*/\2/p')
[[ -n $options ]] || { echo "FAIL: no options in $program --help" >&2; exit 1; }

missing=()
for option in $options; do
  # In roff a hyphen is written \- ; the option must not run on into a longer one.
  roff=${option//-/\\-}
  grep -qP -- "\\Q$roff\\E(?![A-Za-z0-9]|\\\\-)" "$page" ||
    missing+=("$option")
done
if ((${#missing[@]})); then
  echo "FAIL: $(basename "$page") does not document: ${missing[*]} (from $program --help)" >&2
  exit 1
fi
echo "$(basename "$page"): all $(wc -w <<<"$options") options of --help documented"

warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
if [[ -n $warnings ]]; then
  echo "FAIL: groff warns about $(basename "$page"):" >&2
  echo "$warnings" >&2
  exit 1
fi
if command -v man >/dev/null; then
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || { echo "FAIL: man -l warns: $warnings" >&2; exit 1; }
fi
echo "$(basename "$page"): renders without warnings"
