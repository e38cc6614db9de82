#!/usr/bin/env bash
# SPDX license lines: every tracked source file starts with `SPDX-License-Identifier: BSL-1.0`
# in its own comment syntax (after a shebang, if any); LICENSE says why that is all of them.
#   scripts/spdx.sh          lists the files without one (exit 1 if any)
#   scripts/spdx.sh --add    adds the line to them
# Outside a git checkout there is no list of tracked files: it says so and exits 77 (skipped).
set -euo pipefail
cd "${SPDX_ROOT:-$(dirname "$0")/..}"
mode=${1:-check}
line_text="SPDX-License-Identifier: BSL-1.0"

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "not a git checkout: SPDX check skipped"
  exit 77
fi

# The comment that carries the line in <file>, or nothing for a file that is not source.
comment_for() {
  local file=$1 base=${1##*/}
  case $base in
    CMakeLists.txt | *.cmake | *.cmake.in | *.sh | *.py | *.pc.in | *.service | *.conf) echo "# $line_text" ;;
    *.cpp | *.hpp | *.h | *.js | *.mjs | *.hpp.in | *.cpp.in) echo "// $line_text" ;;
    *.css) echo "/* $line_text */" ;;
    *.html) echo "<!-- $line_text -->" ;;
    *.[1-8]) [[ $file == dist/man/* ]] && echo ".\\\" $line_text" ;;
    *)
      # Scripts: executable, with a shebang (not the fuzzers' corpora, whatever their bytes).
      if [[ $file == dist/bash-completion/* ]] ||
         [[ -x $file && $(head -c 2 "$file") == '#!' ]]; then
        echo "# $line_text"
      fi ;;
  esac
}

# True if the first line, or the second after a shebang, names a license.
has_spdx() {
  local first
  first=$(head -n 1 "$1")
  [[ $first == '#!'* ]] && first=$(sed -n 2p "$1")
  [[ $first == *"SPDX-License-Identifier:"* ]]
}

missing=()
while IFS= read -r -d '' file; do
  [[ -f $file && ! -L $file ]] || continue
  comment=$(comment_for "$file")
  [[ -n $comment ]] || continue
  has_spdx "$file" && continue
  if [[ $mode == --add ]]; then
    if [[ $(head -c 2 "$file") == '#!' ]]; then
      sed -i "1a\\$comment" "$file"
    else
      sed -i "1i\\$comment" "$file"
    fi
    echo "added: $file"
  else
    missing+=("$file")
  fi
done < <(git ls-files -z)

if ((${#missing[@]})); then
  echo "FAIL: no '$line_text' line at the top (scripts/spdx.sh --add adds it):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi
[[ $mode == --add ]] || echo "every tracked source file has an SPDX line"
