#!/usr/bin/env bash
# compare_outputs.sh - are two mdc binaries byte-identical in everything they write?
#
#   scripts/compare_outputs.sh OLD_MDC NEW_MDC [CORPUS_DIR]
#
# For a behaviour-neutral change (a refactoring): runs both binaries on the same inputs and
# compares stdout, stderr, exit status and every file written, byte for byte.  Inputs:
# examples/shop and examples/metadata (each copied into a fresh git repository of two
# commits: the example without its last model file, then the example) and, when given, a
# generated corpus (../shared/bench/gen_corpus.py; its own history).  Per input: check (text,
# json, sarif), hash (text, json), diff HEAD~1 HEAD (text, json, sarif, github), log (json),
# show (json), migrate printed for both dialects, migrate --write into a copy (the files and
# mdc.sum), build (the snapshot file and postgres-sql).  Prints one line per difference and
# "N outputs compared, N different"; exits 1 when any differ.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_MDC NEW_MDC [CORPUS_DIR]" >&2; exit 2; }
OLD=$(realpath "$1") NEW=$(realpath "$2") CORPUS=${3:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export NO_COLOR=1
n=0 ndiff=0

# example NAME: a two-commit repository of examples/NAME in $TMP/NAME
example() {
    local d=$TMP/$1 last
    cp -r "$SRC/examples/$1" "$d"
    rm -rf "$d/migrations" "$d"/*.db
    git -C "$d" init -q -b main
    last=$(cd "$d" && find models -name '*.yaml' | sort | tail -1)
    mv "$d/$last" "$TMP/held"
    git -C "$d" add -A && git -C "$d" commit -q --no-verify -m base
    mv "$TMP/held" "$d/$last"
    git -C "$d" add -A && git -C "$d" commit -q --no-verify -m head
}

# same LABEL DIR ARGS...: runs both binaries in copies of DIR; compares output and files
same() {
    local label=$1 dir=$2; shift 2
    local which
    for which in old new; do
        rm -rf "$TMP/run-$which"; cp -a "$dir" "$TMP/run-$which"
        local bin=$OLD; [ $which = new ] && bin=$NEW
        (cd "$TMP/run-$which" && "$bin" "$@" >"$TMP/$which.out" 2>"$TMP/$which.err"; echo $? >"$TMP/$which.rc")
        sed -i "s#$TMP/run-$which#DIR#g" "$TMP/$which.out" "$TMP/$which.err"
    done
    n=$((n + 1))
    local what=
    cmp -s "$TMP/old.out" "$TMP/new.out" || what+=" stdout"
    cmp -s "$TMP/old.err" "$TMP/new.err" || what+=" stderr"
    cmp -s "$TMP/old.rc" "$TMP/new.rc" || what+=" exit($(cat "$TMP/old.rc")/$(cat "$TMP/new.rc"))"
    diff -r -q --exclude=.git "$TMP/run-old" "$TMP/run-new" >/dev/null || what+=" files"
    if [ -n "$what" ]; then
        ndiff=$((ndiff + 1))
        echo "DIFFERENT $label: mdc $*:$what"
    fi
}

inputs=()
for ex in shop metadata; do example $ex; inputs+=("$TMP/$ex"); done
[ -n "$CORPUS" ] && inputs+=("$(realpath "$CORPUS")")

for d in "${inputs[@]}"; do
    l=$(basename "$d")
    for f in text json sarif; do same "$l" "$d" check --format $f; done
    same "$l" "$d" check --rev HEAD
    for f in text json; do same "$l" "$d" hash --format $f; done
    for f in text json sarif github; do same "$l" "$d" diff HEAD~1 HEAD --format $f; done
    same "$l" "$d" log --format json
    same "$l" "$d" show --format json
    for dl in postgres sqlite; do same "$l" "$d" migrate --dialect $dl --max-risk CRITICAL; done
    same "$l" "$d" migrate --write --max-risk CRITICAL
    same "$l" "$d" build -o out.db
    same "$l" "$d" build --no-history -o out.db
    same "$l" "$d" build --format postgres-sql -o -
done
echo "$n outputs compared, $ndiff different"
[ $ndiff = 0 ]
