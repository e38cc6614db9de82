#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The Debian packages (cmake/Packaging.cmake), built from this build tree by cpack into a
# scratch directory: each holds the files it should, passes lintian without errors, and, unpacked
# into a scratch root, chatd serves (its web client too) and chatcli talks to it.
# Usage: debian_packages.sh <build dir> <work dir> [cpack]. Every step is bounded by `timeout`.
set -euo pipefail
build=$1
work=$2
cpack=${3:-cpack}
rm -rf "$work"
mkdir -p "$work/root"

fail() { echo "FAIL: $*" >&2; exit 1; }

# cpack installs each component into its own staging tree under -B; the only thing it leaves
# in the build tree is the install manifest of each component, removed again below.
manifests_before=$(ls "$build"/install_manifest_*.txt 2>/dev/null || true)
timeout 120 "$cpack" --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack"; }
for m in "$build"/install_manifest_*.txt; do
  grep -qxF "$m" <<<"$manifests_before" || rm -f "$m"
done

deb_of() {
  local found=("$work"/"$1"_*.deb)
  [[ -f ${found[0]} ]] || fail "no $1 package in $work"
  echo "${found[0]}"
}

# What each package must hold (more is allowed).
declare -A expected=(
  [chatd]="./usr/bin/chatd ./usr/share/chatd/web/index.html ./usr/share/chatd/web/app.js
    ./usr/lib/systemd/system/chatd.service ./etc/chatd/chatd.conf ./usr/share/man/man8/chatd.8.gz
    ./usr/share/bash-completion/completions/chatd"
  [chatcli]="./usr/bin/chatcli ./usr/share/man/man1/chatcli.1.gz
    ./usr/share/bash-completion/completions/chatcli"
  [libchat-dev]="./usr/include/chat/server.hpp ./usr/include/chat/client.hpp
    ./usr/include/chat/export.hpp ./usr/include/chat/version.hpp ./usr/lib/libchat.a
    ./usr/lib/cmake/libchat/libchatConfig.cmake ./usr/lib/cmake/libchat/libchatTargets.cmake
    ./usr/lib/pkgconfig/libchat.pc"
)
for package in chatd chatcli libchat-dev; do
  deb=$(deb_of "$package")
  contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
  for path in ${expected[$package]} ./usr/share/doc/$package/copyright \
              ./usr/share/doc/$package/changelog.Debian.gz; do
    grep -qxF "$path" <<<"$contents" || fail "$package: no $path in $(basename "$deb")"
  done
  [[ $(dpkg-deb -f "$deb" Package) == "$package" ]] || fail "$deb is not named $package"
  echo "$package: the expected files are there"
done
dpkg-deb -I "$(deb_of chatd)" conffiles | grep -qxF /etc/chatd/chatd.conf ||
  fail "chatd: /etc/chatd/chatd.conf is not a conffile"
# The binaries link what shlibdeps found, so the packages must depend on it.
dpkg-deb -f "$(deb_of chatcli)" Depends | grep -q libreadline || fail "chatcli: no Depends on readline"

for package in chatd chatcli libchat-dev; do
  dpkg-deb -x "$(deb_of "$package")" "$work/root"
done

# The unpacked chatd, on free ports: its first lines say where it listens.
chatd_out="$work/chatd.out"
mkfifo "$chatd_out"
"$work/root/usr/bin/chatd" --port 0 --ws-port 0 >"$chatd_out" 2>"$work/chatd.err" &
chatd_pid=$!
trap 'kill "$chatd_pid" 2>/dev/null || true' EXIT
exec 3<"$chatd_out"
port= web=
for _ in 1 2 3; do
  IFS= read -r -t 10 -u 3 line || fail "chatd printed no listening line within 10 s: $(cat "$work/chatd.err")"
  case $line in
    "chatd listening on "*) port=${line##*:} ;;
    "chatd web client at "*) web=${line#chatd web client at } ;;
  esac
done
[[ -n $port && -n $web ]] || fail "chatd did not say where it listens"

# The web client it serves is the one installed beside it (usr/share/chatd/web): its page's
# title, fetched with bash's /dev/tcp (no HTTP client needed).
[[ $web =~ ^http://([^:/]+):([0-9]+)/$ ]] || fail "unexpected web client URL: $web"
title=$(grep -m1 -o '<title>[^<]*</title>' "$work/root/usr/share/chatd/web/index.html") ||
  fail "the packaged index.html has no <title>"
exec {http}<>"/dev/tcp/${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "${BASH_REMATCH[1]}" >&"$http"
response=$(timeout 10 cat <&"$http") || fail "GET $web: no complete answer within 10 s"
exec {http}>&-
[[ $response == "HTTP/1.1 200"* && $response == *"$title"* ]] ||
  fail "chatd does not serve the packaged web client: $(head -n 1 <<<"$response")"

# The unpacked chatcli, piped: a line said is echoed back by the server to its room. Its input
# stays open until the echo is seen (at the end of its input chatcli says BYE and shows nothing
# more), then closes, and chatcli exits 0.
said="hello from the packages"
coproc chatcli { timeout 30 "$work/root/usr/bin/chatcli" --host 127.0.0.1 --port "$port" \
  --name packager 2>"$work/chatcli.err"; }
chatcli_in=${chatcli[1]} chatcli_out=${chatcli[0]}
printf '%s\n' "$said" >&"$chatcli_in"
seen=
while IFS= read -r -t 10 -u "$chatcli_out" line; do
  echo "chatcli: $line"
  if [[ $line == *"[lobby] packager: $said" ]]; then seen=1; break; fi
done
[[ -n $seen ]] || fail "chatcli did not see its line echoed within 10 s: $(cat "$work/chatcli.err")"
exec {chatcli_in}>&-
status=0
wait "$chatcli_PID" || status=$?
[[ $status -eq 0 ]] || fail "chatcli exited $status at the end of its input"
echo "chatd and chatcli from the packages talk"

kill -TERM "$chatd_pid"
status=0
wait "$chatd_pid" || status=$?
[[ $status -eq 0 ]] || fail "chatd exited $status after SIGTERM"
trap - EXIT

# No lintian errors (its warnings are shown and allowed).
lintian_failed=
for package in chatd chatcli libchat-dev; do
  status=0
  report=$(timeout 180 lintian --fail-on error "$(deb_of "$package")" 2>&1) || status=$?
  grep -v "running with root privileges" <<<"$report" || true
  [[ $status -eq 0 ]] || lintian_failed+=" $package"
done
[[ -z $lintian_failed ]] || fail "lintian reports errors for:$lintian_failed"
echo "lintian: no errors"
