#!/usr/bin/env bash
# quickstart.sh - the README's first command: install dependencies, build build/mdc, and run
# mdc's main job on the examples (no server needed): check the definitions, print their
# checksums, compile the registry snapshot and read it back.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
for ex in shop metadata; do
    echo "== examples/$ex"
    build/mdc -C "examples/$ex" check
    build/mdc -C "examples/$ex" hash
    build/mdc -C "examples/$ex" build -o "$PWD/build/$ex.db"
done
build/mdc show User --snapshot build/shop.db
