#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Installs what building libchat needs on Debian 12 (bookworm), skipping what is already there.
# Boost must be 1.81: bookworm's default libboost-dev is 1.74, so the 1.81 packages are named.
# `scripts/setup.sh fuzz` adds clang and its libFuzzer runtime (scripts/fuzz.sh).
set -euo pipefail

packages=(g++ cmake ninja-build ccache
          libboost1.81-dev libboost-program-options1.81-dev libboost-test1.81-dev
          libboost-json1.81-dev nodejs chromium
          libreadline-dev libssl-dev
          libsystemd-dev pkg-config dpkg-dev fakeroot lintian file)
# npm installs the e2e tests' playwright-core (tests/web/e2e). NodeSource's nodejs carries its
# own npm (and conflicts with Debian's package), Debian's nodejs does not.
command -v npm >/dev/null || packages+=(npm)
[[ "${1:-}" == fuzz ]] && packages+=(clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
