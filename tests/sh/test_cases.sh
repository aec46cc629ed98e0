#!/usr/bin/env bash
# test_cases.sh - the golden cases of tests/cases/<name>/: each folder is a project
# (mdc.yaml, models/...) and expected.txt lists the diagnostics `mdc check` must report,
# one `path:line:col: severity [CODE]` per line in output order (empty file: clean).
# The exit status must be 1 when an error is expected, else 0.  Optional files:
#   expected-notes.txt  lines that must appear (verbatim) in the text output
source "$(dirname "$0")/lib.sh"

for dir in "$MDC_SRC"/tests/cases/*/; do
    name=$(basename "$dir")
    [ -f "$dir/expected.txt" ] || continue
    work="$TMP/$name"
    cp -r "$dir" "$work"
    rm -f "$work/expected.txt" "$work/expected-notes.txt"
    new_repo "$work" >/dev/null
    out=$("$MDC" -C "$work" check 2>&1)
    rc=$?
    got=$(printf '%s\n' "$out" | sed -n -E 's/^([^ ].*:[0-9]+:[0-9]+: (error|warning) \[[A-Z0-9_]+\]).*/\1/p; s/^([^ :][^:]*: (error|warning) \[[A-Z0-9_]+\]).*/\1/p')
    want=$(grep -v '^#' "$dir/expected.txt" || true)
    want_rc=0
    grep -q ': error \[' "$dir/expected.txt" && want_rc=1
    if [ "$got" != "$want" ] || [ "$rc" -ne "$want_rc" ]; then
        fail "case $name (exit $rc, want $want_rc)"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/    /' >&2
        printf '%s\n' "$out" | sed 's/^/    | /' >&2
        continue
    fi
    if [ -f "$dir/expected-notes.txt" ]; then
        ok=1
        while IFS= read -r line; do
            [ -z "$line" ] && continue
            printf '%s\n' "$out" | grep -qF -- "$line" || { ok=0; fail "case $name: missing note: $line"; }
        done <"$dir/expected-notes.txt"
        [ $ok -eq 1 ] || continue
    fi
    pass
done
finish
