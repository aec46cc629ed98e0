#!/usr/bin/env bash
# test_diff_cases.sh - the golden cases of `mdc diff` in tests/diff-cases/<name>/:
#
#   base/           a complete project tree (mdc.yaml, models/...): committed as HEAD
#   head/           a complete project tree: becomes the working tree (files not in head/
#                   are deleted, .git is kept; new files stay untracked)
#   expected.json   the exact output of `mdc diff --format json` (BASE = HEAD, HEAD = the
#                   working tree, so the labels are "HEAD" and "working tree")
#   expected-exit   optional: the exit status; default 1 when expected.json has
#                   "errors" > 0, else 0
#   hand-written    optional marker: expected.json was written by hand (the engine's
#                   output was wrong, see ENGINE_BUGS.md); UPDATE_GOLDEN leaves it alone
#
# The output must match expected.json byte for byte.  For maintainers (never in CI):
# UPDATE_GOLDEN=1 rewrites expected.json (and expected-exit when the status differs from
# the default) from the actual output; review every rewritten file against SPEC 5.
# DIFF_CASES=pattern runs only the cases whose name matches the shell pattern.
source "$(dirname "$0")/lib.sh"

CASES="$MDC_SRC/tests/diff-cases"
UPDATE=${UPDATE_GOLDEN:-0}

# The exit status a case expects.
want_exit() {
    local dir=$1
    if [ -f "$dir/expected-exit" ]; then
        tr -d ' \n' <"$dir/expected-exit"
    elif grep -qE '"errors":[1-9][0-9]*,"warnings":[0-9]+}$' "$dir/expected.json"; then
        echo 1
    else
        echo 0
    fi
}

# One JSON line split before every key, so a failing case shows a readable diff.
split_json() {
    sed -e 's/\([,{[]\)"/\1\n"/g' "$1"
}

# run_case DIR NAME: builds the repository, runs mdc diff; sets OUT (file) and RC.
run_case() {
    local dir=$1 name=$2
    local work="$TMP/$name"
    new_repo "$work" >/dev/null
    cp -R "$dir/base/." "$work/"
    commit_all "$work" "base" >/dev/null
    find "$work" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    cp -R "$dir/head/." "$work/"
    OUT="$TMP/$name.out"
    "$MDC" -C "$work" diff --format json >"$OUT" 2>"$TMP/$name.err"
    RC=$?
}

ncases=0
for dir in "$CASES"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [ -d "$dir/base" ] && [ -d "$dir/head" ] || continue
    # shellcheck disable=SC2053
    [[ $name == ${DIFF_CASES:-*} ]] || continue
    ncases=$((ncases + 1))
    run_case "$dir" "$name"

    if [ "$UPDATE" = 1 ]; then
        if [ -f "$dir/hand-written" ]; then
            echo "kept hand-written $name/expected.json" >&2
        elif [ "$RC" -gt 1 ] || [ ! -s "$OUT" ]; then
            fail "case $name: mdc diff exited $RC; not updating"
            sed 's/^/    | /' "$TMP/$name.err" >&2
            continue
        else
            cp "$OUT" "$dir/expected.json"
            rm -f "$dir/expected-exit"
            default=$(want_exit "$dir")
            [ "$RC" -ne "$default" ] && echo "$RC" >"$dir/expected-exit"
            echo "updated $name (exit $RC)" >&2
            pass
            continue
        fi
    fi

    if [ ! -f "$dir/expected.json" ]; then
        fail "case $name: no expected.json (generate it with UPDATE_GOLDEN=1 and review it)"
        continue
    fi
    want_rc=$(want_exit "$dir")
    if ! cmp -s "$dir/expected.json" "$OUT"; then
        fail "case $name: output differs from expected.json (exit $RC)"
        diff -u --label expected.json --label actual <(split_json "$dir/expected.json") \
            <(split_json "$OUT") | sed 's/^/    /' >&2
        sed 's/^/    stderr| /' "$TMP/$name.err" >&2
        continue
    fi
    if [ "$RC" -ne "$want_rc" ]; then
        fail "case $name: exit $RC, want $want_rc"
        sed 's/^/    stderr| /' "$TMP/$name.err" >&2
        continue
    fi
    pass
done

# A test that cannot fail is a defect: an empty or missing case folder must not pass.
if [ "$ncases" -eq 0 ] && [ -z "${DIFF_CASES:-}" ]; then
    fail "no diff cases found in $CASES"
fi
finish
