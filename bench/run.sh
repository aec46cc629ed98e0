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

BENCHMARKS=(check diff migrate build)

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

# diff: an incremental diff (one commit, 1-5 changed files) against a full check, and
# buf's breaking-change check on the generator's equivalent protobuf tree (buf from npm).
bench_diff() {
    [ "$MDC_OK" = 1 ] || return 0
    measure "mdc -C DIR diff HEAD~1 HEAD" "$MDC" -C "$CORPUS" diff HEAD~1 HEAD
    measure "mdc -C DIR diff HEAD~50 HEAD" "$MDC" -C "$CORPUS" diff HEAD~50 HEAD
    RATIOS+=("| \`mdc diff HEAD~1 HEAD\` / \`mdc check --rev HEAD\` (target ≤ 1.2) | $(ratio "mdc -C DIR diff HEAD~1 HEAD" "mdc -C DIR check --rev HEAD") |")
    local buf="$BENCH_DIR/buf/node_modules/.bin/buf"
    if [ ! -x "$buf" ] && command -v npm >/dev/null; then
        log "installing buf from the npm registry into $BENCH_DIR/buf"
        mkdir -p "$BENCH_DIR/buf" && (cd "$BENCH_DIR/buf" && npm install --silent @bufbuild/buf >/dev/null 2>&1) || true
    fi
    if [ -x "$buf" ]; then
        # buf exits 100 when it finds breaking changes (it does: renames); that is its result.
        local saved_runs=$RUNS saved_warmup=$WARMUP
        RUNS=3 WARMUP=0
        measure "buf breaking --against .git#ref=HEAD~1" sh -c "cd '$CORPUS' && '$buf' breaking --against '.git#ref=HEAD~1' >/dev/null 2>&1; [ \$? -le 100 ]"
        RUNS=$saved_runs WARMUP=$saved_warmup
        RATIOS+=("| \`buf breaking\` / \`mdc diff HEAD~1 HEAD\` | $(ratio "buf breaking --against .git#ref=HEAD~1" "mdc -C DIR diff HEAD~1 HEAD") |")
    else
        NOTES+=("buf not available (npm install @bufbuild/buf failed): no buf comparison")
    fi
}

# migrate: the baseline of the whole corpus, then the migration of one 5-change commit (the
# newest commit whose message says "5 changes"), and applying the baseline to PostgreSQL.
bench_migrate() {
    [ "$MDC_OK" = 1 ] || return 0
    local work="$BENCH_DIR/migrate" five
    five=$(git -C "$CORPUS" log --format='%H %s' | awk '/: 5 changes,/ { print $1; exit }')
    [ -n "$five" ] || { NOTES+=("no 5-change commit in the corpus: migrate skipped"); return 0; }
    rm -rf "$work" && git clone -q "$CORPUS" "$work" && git -C "$work" checkout -q "$five~1"
    measure "mdc migrate (baseline, both dialects, stdout)" "$MDC" -C "$work" migrate --max-risk CRITICAL
    "$MDC" -C "$work" migrate --write --max-risk CRITICAL >/dev/null
    git -C "$work" checkout -q "$five" -- models mdc.yaml
    measure "mdc migrate (one commit, 5 changes, both dialects)" "$MDC" -C "$work" migrate --max-risk CRITICAL
    if [ -f "$ROOT/tests/pg.sh" ] && command -v psql >/dev/null; then
        # shellcheck disable=SC1091
        # One transaction creating 10,000 tables with their keys and indexes takes a lock per
        # object: PostgreSQL's default lock table (64 x 100 connections) is too small for it.
        (export PG_SERVER_OPTS="-c max_locks_per_transaction=1024"
            source "$ROOT/tests/pg.sh" && pg_start >/dev/null 2>&1 &&
            for i in 1 2 3; do
                dropdb --if-exists bench >/dev/null 2>&1; createdb bench
                t0=$(date +%s%N)
                psql -X -q -d bench -v ON_ERROR_STOP=1 -f "$work"/migrations/postgres/0001_*.sql >/dev/null 2>"$BENCH_DIR/pg_apply.err" ||
                    { cat "$BENCH_DIR/pg_apply.err" >&2; exit 1; }
                t1=$(date +%s%N)
                echo $(((t1 - t0) / 1000000))
            done; pg_stop >/dev/null 2>&1) >"$BENCH_DIR/pg_apply.txt" || true
        local ms
        ms=$(sort -n "$BENCH_DIR/pg_apply.txt" | head -n 1)
        if [ -n "$ms" ]; then
            RESULTS+=("| \`psql -f 0001_baseline.sql\` (PostgreSQL $(psql --version | awk '{print $3}'), fresh database, max_locks_per_transaction=1024, best of 3) | $ms | | | | |")
        else
            NOTES+=("applying the baseline to PostgreSQL failed: $(tail -n 2 "$BENCH_DIR/pg_apply.err" 2>/dev/null | tr '\n' ' ')")
        fi
    fi
}

# build: the snapshot with and without history; then in-process libmdc latencies, against
# an app that parses all the YAML itself at start-up (floor --worktree: libyaml events only,
# a lower bound for such an app).
bench_build() {
    [ "$MDC_OK" = 1 ] || return 0
    rm -f "$BENCH_DIR/snapshot_bench.md"
    measure "mdc build --no-history" "$MDC" -C "$CORPUS" build --no-history -o "$BENCH_DIR/registry.db"
    measure "mdc build (with history)" "$MDC" -C "$CORPUS" build -o "$BENCH_DIR/registry.db"
    local lib="$(dirname "$MDC")/registry/libmdc.a"
    if [ -f "$lib" ]; then
        # shellcheck disable=SC2046
        cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$ROOT/registry/include" bench/snapshot_bench.c \
            -o "$BENCH_DIR/snapshot_bench" "$lib" $(pkg-config --libs sqlite3 libxxhash) -lpthread
        local model
        model=$(sqlite3 "$BENCH_DIR/registry.db" "SELECT name FROM models ORDER BY name LIMIT 1 OFFSET 5000")
        "$BENCH_DIR/snapshot_bench" "$BENCH_DIR/registry.db" "$model" 20 >"$BENCH_DIR/snapshot_bench.md"
        NOTES+=("snapshot: $(du -m "$BENCH_DIR/registry.db" | cut -f1) MB; libmdc in-process latencies (start-up excluded): see the table below")
    fi
}

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
    if [ -s "$BENCH_DIR/snapshot_bench.md" ]; then
        echo
        cat "$BENCH_DIR/snapshot_bench.md"
    fi
}

report
if [ "$WRITE" = 1 ]; then
    report >bench/results.md
    log "wrote bench/results.md"
fi
