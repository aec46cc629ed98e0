#!/usr/bin/env bash
# bench/run.sh - mdc benchmarks against the 10,000-model corpus (see bench/README.md).
#
#   bench/run.sh [--write] [--only NAME[,NAME...]] [--runs N] [--warmup N] [--no-hyperfine]
#
# Environment:
#   MDC        the mdc binary to measure (default: a Release build in build-release/, built here)
#   BENCH_DIR  work folder for the corpus and the floor binary (default: /tmp/mdc-bench)
#   MODELS     corpus size (default 10000), COMMITS (default 50), SEED (default 1)
#
# Prints a markdown table (mean, σ, min, max, peak RSS per command) and the ratio
# `mdc check --rev HEAD` / floor; with --write also stores it in bench/results.md.
#
# Adding a benchmark (diff, migrate, build, ...): write a function bench_<name> that calls
# `measure "<label>" cmd args...` for each command, and add <name> to BENCHMARKS below.
# Commands that need a state (a second revision, a migrations folder) prepare it in the
# function itself, under $BENCH_DIR.
set -euo pipefail

BENCHMARKS=(check)        # later: diff migrate build (functions below are the hooks)

# ---------------------------------------------------------------- options and paths

WRITE=0
ONLY=""
NO_HYPERFINE=0
RUNS=10
WARMUP=2
while [ $# -gt 0 ]; do
    case "$1" in
    --write) WRITE=1 ;;
    --only) ONLY="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --no-hyperfine) NO_HYPERFINE=1 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

ROOT=$(cd "$(dirname "$0")" && git rev-parse --show-toplevel)
cd "$ROOT"
SHARED="$ROOT/../shared"
BENCH_DIR=${BENCH_DIR:-/tmp/mdc-bench}
CORPUS="$BENCH_DIR/corpus"
FLOOR="$BENCH_DIR/floor"
MODELS=${MODELS:-10000}
COMMITS=${COMMITS:-50}
SEED=${SEED:-1}
mkdir -p "$BENCH_DIR"

log() { echo "run.sh: $*" >&2; }

# ---------------------------------------------------------------- tools

as_root_install() { # package: install with apt-get when running as root; else fail quietly
    [ "$(id -u)" = 0 ] || return 1
    command -v apt-get >/dev/null || return 1
    log "installing $1"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1; }
}

HYPERFINE=1
if [ "$NO_HYPERFINE" = 1 ]; then
    HYPERFINE=0
elif ! command -v hyperfine >/dev/null; then
    as_root_install hyperfine || true
    command -v hyperfine >/dev/null || { HYPERFINE=0; log "no hyperfine: falling back to a date +%s%N loop"; }
fi
TIME_BIN=/usr/bin/time
if [ ! -x "$TIME_BIN" ]; then
    as_root_install time || true
    [ -x "$TIME_BIN" ] || { TIME_BIN=""; log "no /usr/bin/time: peak RSS not measured"; }
fi

# ---------------------------------------------------------------- corpus, floor, mdc

if [ ! -d "$CORPUS/.git" ]; then
    log "generating the corpus ($MODELS models, $COMMITS commits) into $CORPUS"
    rm -rf "$CORPUS"
    python3 "$SHARED/bench/gen_corpus.py" --models "$MODELS" --commits "$COMMITS" --seed "$SEED" \
        --out "$CORPUS" --proto >&2
fi

log "building floor"
# shellcheck disable=SC2046
cc -O2 -std=c11 -o "$FLOOR" bench/floor.c $(pkg-config --cflags --libs yaml-0.1 libgit2)

if [ -z "${MDC:-}" ]; then
    log "building mdc (Release) in build-release/"
    if cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DMDC_TESTS=OFF >"$BENCH_DIR/build.log" 2>&1 &&
        cmake --build build-release -j"$(nproc)" >>"$BENCH_DIR/build.log" 2>&1; then
        MDC="$ROOT/build-release/mdc"
    else
        log "Release build failed (see $BENCH_DIR/build.log); trying build/mdc"
        MDC="$ROOT/build/mdc"
    fi
fi

# ---------------------------------------------------------------- measuring

RESULTS=()     # markdown rows
declare -A MEAN_MS # label -> mean ms, for the ratios
NOTES=()

MDC_OK=1
if [ ! -x "$MDC" ]; then
    MDC_OK=0
    log "no mdc binary at $MDC: mdc rows are skipped"
    NOTES+=("no mdc binary at \`$MDC\`: mdc rows skipped")
fi

# measure LABEL CMD ARGS...: timing (hyperfine or loop) and peak RSS of one command.
measure() {
    local label="$1"; shift
    local rc=0 mean sd min max rss="-"
    # One plain run first: a command that fails is reported, not timed.
    "$@" >/dev/null 2>"$BENCH_DIR/last.err" || rc=$?
    if [ "$rc" -ge 2 ]; then
        NOTES+=("\`$label\` could not run (exit $rc): $(tail -n 1 "$BENCH_DIR/last.err")")
        RESULTS+=("| \`$label\` | n/a | | | | |")
        return 0
    fi
    [ "$rc" = 0 ] || NOTES+=("\`$label\` exits $rc (findings) on the corpus: $(tail -n 1 "$BENCH_DIR/last.err")")

    if [ "$HYPERFINE" = 1 ]; then
        local json="$BENCH_DIR/hyperfine.json" cmd=""
        local a
        for a in "$@"; do cmd+="$(printf '%q' "$a") "; done
        hyperfine -N -i -w "$WARMUP" -r "$RUNS" --export-json "$json" "$cmd" >&2
        read -r mean sd min max < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f %.1f %.1f %.1f" % (r["mean"] * 1e3, (r["stddev"] or 0) * 1e3, r["min"] * 1e3, r["max"] * 1e3))' "$json")
    else
        local i t0 t1 times=()
        for ((i = 0; i < WARMUP; i++)); do "$@" >/dev/null 2>&1 || true; done
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
            times+=($(((t1 - t0) / 1000)))
        done
        read -r mean sd min max < <(printf '%s\n' "${times[@]}" | awk '
            { x = $1 / 1000; s += x; ss += x * x; if (NR == 1 || x < mn) mn = x; if (x > mx) mx = x }
            END { m = s / NR; v = ss / NR - m * m; if (v < 0) v = 0
                  printf "%.1f %.1f %.1f %.1f\n", m, sqrt(v * NR / (NR > 1 ? NR - 1 : 1)), mn, mx }')
    fi
    if [ -n "$TIME_BIN" ]; then
        rss=$("$TIME_BIN" -f %M "$@" 2>&1 >/dev/null | tail -n 1 || true)
        rss=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
    fi
    MEAN_MS["$label"]=$mean
    RESULTS+=("| \`$label\` | $mean | ± $sd | $min | $max | $rss |")
}

ratio() { # ratio NUM_LABEL DEN_LABEL: "x.y×" or "n/a"
    local a="${MEAN_MS[$1]:-}" b="${MEAN_MS[$2]:-}"
    if [ -n "$a" ] && [ -n "$b" ]; then
        awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×", a / b }'
    else
        echo "n/a"
    fi
}

# ---------------------------------------------------------------- benchmarks (hooks)

RATIOS=()

bench_check() {
    if [ "$MDC_OK" = 1 ]; then
        measure "mdc -C DIR check" "$MDC" -C "$CORPUS" check
        measure "mdc -C DIR check --rev HEAD" "$MDC" -C "$CORPUS" check --rev HEAD
    fi
    measure "floor DIR" "$FLOOR" "$CORPUS"
    measure "floor --worktree DIR" "$FLOOR" --worktree "$CORPUS"
    RATIOS+=("| \`mdc check --rev HEAD\` / \`floor\` | $(ratio "mdc -C DIR check --rev HEAD" "floor DIR") |")
    RATIOS+=("| \`mdc check\` (worktree) / \`floor --worktree\` | $(ratio "mdc -C DIR check" "floor --worktree DIR") |")
}

# Hooks for the benchmarks to come.  Each will prepare its state under $BENCH_DIR and call
# measure; suggested commands:
#   diff:    mdc -C DIR diff HEAD~50 HEAD ; mdc -C DIR diff HEAD~1 HEAD (incremental: few blobs)
#   migrate: mdc -C DIR migrate --dialect postgres (from empty) ; --check after a --write
#   build:   mdc -C DIR build HEAD -o $BENCH_DIR/registry.db (with and without --no-history)
bench_diff() { log "bench_diff: not written yet"; }
bench_migrate() { log "bench_migrate: not written yet"; }
bench_build() { log "bench_build: not written yet"; }

for b in "${BENCHMARKS[@]}"; do
    if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$b,"* ]]; then continue; fi
    "bench_$b"
done

# ---------------------------------------------------------------- report

corpus_files=$(git -C "$CORPUS" ls-tree -r --name-only HEAD models | grep -cE '\.ya?ml$' || true)
corpus_bytes=$(git -C "$CORPUS" ls-tree -r -l HEAD models | awk '$5 ~ /\.ya?ml$/ { s += $4 } END { print s + 0 }')
corpus_commits=$(git -C "$CORPUS" rev-list --count HEAD)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mdc_rev=$(git -C "$ROOT" rev-parse --short HEAD)
tool=$([ "$HYPERFINE" = 1 ] && echo "hyperfine -N, warmup $WARMUP, $RUNS runs" || echo "date +%s%N loop, warmup $WARMUP, $RUNS runs")

report() {
    echo "# mdc benchmark results"
    echo
    echo "Corpus: \`gen_corpus.py --models $MODELS --commits $COMMITS --seed $SEED --proto\`:" \
        "$corpus_files YAML files under models/ (floor also reads mdc.yaml), $(awk -v b="$corpus_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB," \
        "$corpus_commits commits."
    echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPUs. mdc at commit $mdc_rev ($MDC). Timing: $tool;" \
        "peak RSS: /usr/bin/time -f %M."
    echo
    echo "| command | mean ms | σ | min ms | max ms | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|"
    printf '%s\n' "${RESULTS[@]}"
    if [ ${#RATIOS[@]} -gt 0 ]; then
        echo
        echo "| ratio | value |"
        echo "|---|---:|"
        printf '%s\n' "${RATIOS[@]}"
    fi
    if [ ${#NOTES[@]} -gt 0 ]; then
        echo
        printf -- '- %s\n' "${NOTES[@]}"
    fi
}

report
if [ "$WRITE" = 1 ]; then
    report >bench/results.md
    log "wrote bench/results.md"
fi
