#!/usr/bin/env bash
# deps.sh - installs what mdc needs on Debian 12 with apt-get (only what is missing).
#   scripts/deps.sh          build dependencies (compiler, cmake, libgit2, libyaml, sqlite, xxhash)
#   scripts/deps.sh --test   also what the test suite uses (clang/libFuzzer, PostgreSQL server,
#                            python3, xxhsum)
set -euo pipefail
pkgs=(build-essential cmake pkg-config git libgit2-dev libyaml-dev libsqlite3-dev libxxhash-dev zlib1g-dev)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(clang libclang-rt-14-dev xxhash python3 postgresql sqlite3 time)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
