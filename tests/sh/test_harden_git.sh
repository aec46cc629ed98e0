#!/usr/bin/env bash
# test_harden_git.sh - hostile and unlucky git data (issue 16, findings 11, 13, 14, 15, 18):
#   A. a shallow clone: `build` and `log` refuse (exit 2, `git fetch --unshallow`) instead of
#      treating the oldest fetched commit as the first; `build --no-history` still works;
#   B. an empty repository: every command that needs a revision says "no commits yet"
#      (exit 2); `check` of its work tree still works;
#   C. damaged loose objects (a blob, a tree, a commit; truncated, cut in half, bytes flipped,
#      zeroed, random, empty): `check --rev`, `diff`, `log` and `build` end at once with
#      exit 2 and name the damaged object (libgit2 1.5.1 loops forever on a cut zlib stream);
# Every mdc run here is under `timeout`, so a hang fails instead of stopping the suite.
source "$(dirname "$0")/lib.sh"
eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }
has() { if grep -q -- "$3" "$2"; then pass; else fail "$1: [$3] not in: $(head -c 400 "$2")"; fi; }
hasnt() { if grep -q -- "$3" "$2"; then fail "$1: [$3] in: $(head -c 400 "$2")"; else pass; fi; }
run() { timeout 10 "$MDC" "$@" >"$TMP/out" 2>"$TMP/err"; echo $?; }

# A repository with three commits of one model: Item 1.0.0, 1.1.0, 1.2.0.
R="$TMP/full"; new_repo "$R"; mkdir -p "$R/models"
printf 'project: p\n' >"$R/mdc.yaml"
printf 'kind: model\nname: Item\nfields:\n  id: {type: int64, primary_key: true}\n' >"$R/models/item.yaml"
commit_all "$R" one
printf '  a: string?\n' >>"$R/models/item.yaml"; commit_all "$R" two
printf '  b: string?\n' >>"$R/models/item.yaml"; commit_all "$R" three

# ================================================================== A. shallow clones
S="$TMP/shallow"
git clone -q --depth 1 "file://$R" "$S"
eq "shallow: the clone is shallow" "$(git -C "$S" rev-parse --is-shallow-repository)" true
eq "shallow: log exits 2" "$(run -C "$S" log)" 2
has "shallow: log names the fetch" "$TMP/err" "git fetch --unshallow"
eq "shallow: build exits 2" "$(run -C "$S" build -o "$TMP/s.db")" 2
has "shallow: build names the fetch" "$TMP/err" "git fetch --unshallow"
check "shallow: no snapshot written" test ! -e "$TMP/s.db"
eq "shallow: build HEAD exits 2" "$(run -C "$S" build HEAD -o "$TMP/s.db")" 2
eq "shallow: build --no-history works" "$(run -C "$S" build --no-history -o "$TMP/s.db")" 0
eq "shallow: check --rev HEAD works (no history needed)" "$(run -C "$S" check --rev HEAD)" 0
git -C "$S" fetch -q --unshallow
eq "shallow: after --unshallow, log works" "$(run -C "$S" log --format json)" 0
has "shallow: ... and says 1.2.0" "$TMP/out" '"version":"1.2.0"'

# ================================================================== B. empty repositories
E="$TMP/empty"; new_repo "$E"; cp -r "$R/models" "$R/mdc.yaml" "$E/"
eq "empty: check of the work tree works" "$(run -C "$E" check)" 0
for cmd in "check --rev HEAD" "check --rev main" "hash --rev HEAD" "diff" "diff HEAD" "log" "build HEAD -o $TMP/e.db"; do
    # shellcheck disable=SC2086
    eq "empty: $cmd exits 2" "$(run -C "$E" $cmd)" 2
    has "empty: $cmd says no commits yet" "$TMP/err" "no commits yet"
    hasnt "empty: $cmd does not say unknown revision" "$TMP/err" "unknown revision"
done

# ================================================================== C. damaged loose objects
# damage FILE KIND: damages a loose object file in one of six ways.
damage() {
    local f=$1 sz; chmod u+w "$f"; sz=$(stat -c %s "$f")
    case $2 in
    cut1) truncate -s $((sz - 1)) "$f" ;;
    half) truncate -s $((sz / 2)) "$f" ;;
    flip) printf '\xff\xff\xff' | dd of="$f" bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null ;;
    zero) dd if=/dev/zero of="$f" bs=1 count=4 seek=4 conv=notrunc 2>/dev/null ;;
    random) head -c "$sz" /dev/urandom >"$f" ;;
    empty) : >"$f" ;;
    esac
}
for what in blob tree commit; do
    for kind in cut1 half flip zero random empty; do
        D="$TMP/damaged"; rm -rf "$D"; cp -r "$R" "$D"
        case $what in
        blob) id=$(git -C "$D" rev-parse HEAD:models/item.yaml) ;;
        tree) id=$(git -C "$D" rev-parse HEAD:models) ;;
        commit) id=$(git -C "$D" rev-parse HEAD) ;;
        esac
        damage "$D/.git/objects/${id:0:2}/${id:2}" $kind
        for cmd in "check --rev HEAD" "diff" "log" "build HEAD -o $TMP/d.db"; do
            # shellcheck disable=SC2086
            eq "damaged $what ($kind): $cmd exits 2" "$(run -C "$D" $cmd)" 2
            has "damaged $what ($kind): $cmd names the object" "$TMP/err" "$id"
        done
    done
done

finish
