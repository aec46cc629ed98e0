#!/usr/bin/env bash
# test_limits.sh - the limits of SPEC 10 that need inputs too big to commit: each input is
# generated in $TMP, and `mdc check` must report the limit's code at its exact position,
# exit with status 1, and finish in under 10 seconds (no hang, no quadratic blow-up).
#   YAML_TOO_DEEP       1,000,000 nested `[`, `{a: ` and `- `; 2,000 block-indented keys;
#                       deep nesting in mdc.yaml itself
#   FILE_TOO_LARGE      a 17 MiB model file (working tree and --rev HEAD), a 17 MiB mdc.yaml
#   TOO_MANY_DOCUMENTS  100,001 `---`-separated sources in one file (at the 100,001st
#                       document), and 2 x 50,001 in two files (the project limit)
source "$(dirname "$0")/lib.sh"

LIMIT_S=10

# project NAME: a fresh repository $TMP/NAME with a valid mdc.yaml and an empty models/.
project() {
    local dir="$TMP/$1"
    rm -rf "$dir"
    new_repo "$dir"
    printf 'project: shop\n' >"$dir/mdc.yaml"
    mkdir -p "$dir/models"
}

# run_limit NAME DIR WANT [mdc args...]: runs `mdc -C DIR check ARGS` under a 10 s limit and
# checks the exit status (1), the time, and that WANT (`path:line:col: severity [CODE]`, or
# `path: severity [CODE]` for a diagnostic without a position) starts a line of the output.
run_limit() {
    local name=$1 dir=$2 want=$3
    shift 3
    local out="$TMP/$name.out" t0 t1 ms rc
    t0=$(date +%s%N)
    timeout -k 5 "$LIMIT_S" "$MDC" -C "$dir" check "$@" >"$out" 2>&1
    rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$name: mdc did not finish within ${LIMIT_S} s"
        return
    fi
    if [ "$rc" -ne 1 ]; then
        fail "$name: exit status $rc, want 1"
        head -20 "$out" | sed 's/^/    | /' >&2
        return
    fi
    if ! grep -qF -- "$want " "$out"; then
        fail "$name: missing diagnostic: $want"
        head -20 "$out" | sed 's/^/    | /' >&2
        return
    fi
    if [ "$ms" -ge $((LIMIT_S * 1000)) ]; then
        fail "$name: took $ms ms (limit ${LIMIT_S} s)"
        return
    fi
    pass
}

# no_code NAME CODE: the last run's output has no CODE diagnostic (no limit misfires).
no_code() {
    if grep -qF -- "[$2]" "$TMP/$1.out"; then
        fail "$1: unexpected [$2]"
        grep -F -- "[$2]" "$TMP/$1.out" | head -5 | sed 's/^/    | /' >&2
    else
        pass
    fi
}

# repeat N STRING: STRING N times, no newline.
repeat() {
    python3 -c 'import sys; sys.stdout.write(sys.argv[2] * int(sys.argv[1]))' "$1" "$2"
}

# ---- YAML_TOO_DEEP: the 65th nested collection is reported at its first character
project deep_flow_seq
repeat 1000000 '[' >"$TMP/deep_flow_seq/models/deep.yaml"
run_limit deep_flow_seq "$TMP/deep_flow_seq" "models/deep.yaml:1:65: error [YAML_TOO_DEEP]"

project deep_flow_map
repeat 1000000 '{a: ' >"$TMP/deep_flow_map/models/deep.yaml"
run_limit deep_flow_map "$TMP/deep_flow_map" "models/deep.yaml:1:257: error [YAML_TOO_DEEP]"

project deep_block_seq
{ repeat 1000000 '- '; printf 'x\n'; } >"$TMP/deep_block_seq/models/deep.yaml"
run_limit deep_block_seq "$TMP/deep_block_seq" "models/deep.yaml:1:129: error [YAML_TOO_DEEP]"

# line i (1-based) is i-1 spaces and `k:`; mapping i starts at line i, column i
project deep_block_map
python3 -c 'import sys; sys.stdout.write("".join(" " * i + "k:\n" for i in range(2000)))' \
    >"$TMP/deep_block_map/models/deep.yaml"
run_limit deep_block_map "$TMP/deep_block_map" "models/deep.yaml:65:65: error [YAML_TOO_DEEP]"

# in mdc.yaml: the root mapping is level 1, so the 64th `[` (column 8 + 64) is level 65
project deep_project
{ printf 'project: shop\nmodels: '; repeat 1000000 '['; } >"$TMP/deep_project/mdc.yaml"
run_limit deep_project "$TMP/deep_project" "mdc.yaml:2:72: error [YAML_TOO_DEEP]"

# exactly 64 levels is fine: a model whose meta holds 62 nested sequences
project deep_ok
{
    printf 'kind: model\nname: User\nfields:\n  id: {type: int64, primary_key: true}\nmeta: {deep: '
    repeat 62 '['
    repeat 62 ']'
    printf '}\n'
} >"$TMP/deep_ok/models/user.yaml"
out=$("$MDC" -C "$TMP/deep_ok" check 2>&1)
rc=$?
check "deep_ok: 64 levels are accepted (exit $rc): $out" test "$rc" -eq 0

# ---- FILE_TOO_LARGE: 17 MiB, otherwise a valid model (comment lines), reported at 1:1
project big
{
    printf 'kind: model\nname: User\nfields:\n  id: {type: int64, primary_key: true}\n'
    python3 -c 'import sys; sys.stdout.write(("# " + "x" * 97 + "\n") * (17 * 1024 * 1024 // 100))'
} >"$TMP/big/models/big.yaml"
run_limit big_worktree "$TMP/big" "models/big.yaml:1:1: error [FILE_TOO_LARGE]"
no_code big_worktree YAML_SYNTAX
commit_all "$TMP/big" big >/dev/null
run_limit big_rev "$TMP/big" "models/big.yaml:1:1: error [FILE_TOO_LARGE]" --rev HEAD
run_limit big_staged "$TMP/big" "models/big.yaml:1:1: error [FILE_TOO_LARGE]" --staged

# exactly 16 MiB is accepted (the limit is "over 16 MiB")
project big_ok
{
    printf 'kind: model\nname: User\nfields:\n  id: {type: int64, primary_key: true}\n'
    python3 -c 'import sys; sys.stdout.write(("# " + "x" * 97 + "\n") * ((16 * 1024 * 1024 - 200) // 100))'
} >"$TMP/big_ok/models/big.yaml"
size=$(wc -c <"$TMP/big_ok/models/big.yaml")
python3 -c 'import sys; sys.stdout.write("#" * (16 * 1024 * 1024 - int(sys.argv[1]) - 1) + "\n")' \
    "$size" >>"$TMP/big_ok/models/big.yaml"
check "big_ok: the file is exactly 16 MiB" test "$(wc -c <"$TMP/big_ok/models/big.yaml")" -eq $((16 * 1024 * 1024))
out=$(timeout -k 5 "$LIMIT_S" "$MDC" -C "$TMP/big_ok" check 2>&1)
rc=$?
check "big_ok: 16 MiB are accepted (exit $rc): $(printf '%s' "$out" | head -3)" test "$rc" -eq 0

project big_project
{
    printf 'project: shop\n'
    python3 -c 'import sys; sys.stdout.write(("# " + "x" * 97 + "\n") * (17 * 1024 * 1024 // 100))'
} >"$TMP/big_project/mdc.yaml"
run_limit big_project "$TMP/big_project" "mdc.yaml:1:1: error [FILE_TOO_LARGE]"

# ---- TOO_MANY_DOCUMENTS: 5 lines per document, so document k starts at line 5k-4
# (the `---` of the 100,001st: line 500,001)
sources() { # sources PREFIX N
    python3 -c 'import sys
p = sys.argv[1]
sys.stdout.write("".join("---\nkind: source\nname: %s%d\ntype: other\nuri: x://h\n" % (p, i)
                         for i in range(1, int(sys.argv[2]) + 1)))' "$1" "$2"
}
project docs_file
sources s 100001 >"$TMP/docs_file/models/many.yaml"
run_limit docs_file "$TMP/docs_file" "models/many.yaml:500001:1: error [TOO_MANY_DOCUMENTS]"
check "docs_file: only the limit is reported" test "$(grep -c ': error \[' "$TMP/docs_file.out")" -eq 1

# 100,000 in one file is fine
project docs_ok
sources s 100000 >"$TMP/docs_ok/models/many.yaml"
out=$(timeout -k 5 "$LIMIT_S" "$MDC" -C "$TMP/docs_ok" check 2>&1)
rc=$?
check "docs_ok: 100,000 documents are accepted (exit $rc): $(printf '%s' "$out" | head -3)" \
    test "$rc" -eq 0

# the project limit: 100,002 documents in two files of 50,001 (no position: mdc.yaml)
project docs_project
sources a 50001 >"$TMP/docs_project/models/a.yaml"
sources b 50001 >"$TMP/docs_project/models/b.yaml"
run_limit docs_project "$TMP/docs_project" "mdc.yaml: error [TOO_MANY_DOCUMENTS]"

finish
