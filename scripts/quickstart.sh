#!/usr/bin/env bash
# quickstart.sh - the README's first command: install dependencies, build build/mdc, and run
# mdc's main job on the examples (no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
for ex in examples/shop examples/metadata; do
    echo "== $ex"
    build/mdc -C "$ex" check
    build/mdc -C "$ex" hash
done
