#!/usr/bin/env bash
# run.sh - the README's second command: the whole test suite.
#   1. a -Werror build and every test (ctest: unit tests, golden cases, shell tests)
#   2. the same tests on an ASan + UBSan build with the arena in plain-malloc mode
#   3. every fuzz target for a bounded time (libFuzzer, when clang is installed), nproc at a time
# Environment: MDC_FUZZ_SECONDS (default 60 per target), MDC_SKIP_SANITIZE=1, MDC_SKIP_FUZZ=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
jobs=$(nproc)
status=0

echo "== build (-Werror) and test"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDC_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs" >/dev/null
ctest --test-dir build-test --output-on-failure -j"$jobs" || status=1

if [ "${MDC_SKIP_SANITIZE:-0}" != 1 ]; then
    echo "== ASan + UBSan build and test"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMDC_SANITIZE=ON -DMDC_ARENA_MALLOC=ON \
        -DMDC_WERROR=ON >/dev/null
    cmake --build build-asan -j"$jobs" >/dev/null
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" || status=1
fi

if [ "${MDC_SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null; then
    echo "== fuzz (${MDC_FUZZ_SECONDS:-60} s per target)"
    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMDC_FUZZ=ON -DMDC_SANITIZE=ON \
        -DMDC_TESTS=OFF >/dev/null
    cmake --build build-fuzz -j"$jobs" >/dev/null
    # the targets run $jobs at a time, each for the full time; results print in target order
    fuzz_one() { # TARGET: runs it on a copy of its seed corpus; the log says how it went
        local target=$1 name corpus rc=0
        name=$(basename "$target")
        corpus=$(mktemp -d)
        [ -d "fuzz/corpus/${name#fuzz_}" ] && cp -r "fuzz/corpus/${name#fuzz_}/." "$corpus/"
        "$target" -max_total_time="${MDC_FUZZ_SECONDS:-60}" -max_len=65536 -timeout=10 \
            -print_final_stats=1 "$corpus" >"build-fuzz/$name.log" 2>&1 || rc=$?
        echo $rc >"build-fuzz/$name.rc"
        rm -rf "$corpus"
    }
    targets=()
    for target in build-fuzz/fuzz_*; do
        [ -x "$target" ] && [ -f "$target" ] && targets+=("$target")
    done
    running=0
    for target in "${targets[@]}"; do
        if [ $running -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
        fuzz_one "$target" &
        running=$((running + 1))
    done
    wait
    for target in "${targets[@]}"; do
        name=$(basename "$target")
        if [ "$(cat "build-fuzz/$name.rc" 2>/dev/null)" = 0 ]; then
            echo "$name: $(grep -E 'stat::number_of_executed_units' "build-fuzz/$name.log" | awk '{print $2}') runs, no crash"
        else
            echo "$name: FAILED (see build-fuzz/$name.log)"; tail -40 "build-fuzz/$name.log"; status=1
        fi
    done
fi

if [ $status -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "TESTS FAILED"; fi
exit $status
