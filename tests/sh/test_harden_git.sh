#!/usr/bin/env bash
# test_harden_git.sh - hostile and unlucky git data (issue 16, findings 11, 13, 14, 15, 18):
#   A. a shallow clone: `build` and `log` refuse (exit 2, `git fetch --unshallow`) instead of
#      treating the oldest fetched commit as the first; `build --no-history` still works;
#   B. an empty repository: every command that needs a revision says "no commits yet"
#      (exit 2); `check` of its work tree still works;
#   C. damaged loose objects (a blob, a tree, a commit; truncated, cut in half, bytes flipped,
#      zeroed, random, empty): `check --rev`, `diff`, `log` and `build` end at once with
#      exit 2 and name the damaged object (libgit2 1.5.1 loops forever on a cut zlib stream);
#   D. crafted tree entries that git itself refuses (`..`, `.`, `.git` in any case and its
#      NTFS/HFS spellings, a name with '/'), made with git's plumbing: `check --rev`, `diff`,
#      `log` and `build` refuse the commit (exit 2) naming it and the escaped entry, and
#      never print the path built from it;
#   E. file names that are not UTF-8, in the work tree, the index and a commit: a
#      BAD_FILE_NAME error with the name escaped (\xNN), the file not read; every JSON
#      output parses; a snapshot built after such a commit holds only valid UTF-8 text.
#   F. a bare repository: mdc.yaml is read at the root of the revision's tree; `check --rev`,
#      `hash --rev`, `diff A B`, `log` and `build REV -o FILE` work and agree with the clone
#      they came from; what needs a work tree (check, check --staged, diff against the work
#      tree, build without REV, build without -o) says so (exit 2).
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
        # every command on the damage that hung (a cut stream); one on the others.  An
        # abbreviated id is looked up by prefix, another path through the object store.
        cmds=("check --rev HEAD")
        [ "$kind" = half ] && cmds+=("diff" "log" "build HEAD -o $TMP/d.db")
        [ "$what" = commit ] && cmds+=("check --rev ${id:0:7}")
        for cmd in "${cmds[@]}"; do
            # shellcheck disable=SC2086
            eq "damaged $what ($kind): $cmd exits 2" "$(run -C "$D" $cmd)" 2
            has "damaged $what ($kind): $cmd names the object" "$TMP/err" "$id"
        done
    done
done

# ================================================================== D. crafted tree entries
V="$TMP/evil"; cp -r "$R" "$V"
# evil_commit NAME MODE: a commit on top of HEAD whose models folder also holds an entry
# NAME (a folder holding passwd.yaml when MODE is 40000, else the Item blob).
evil_commit() {
    python3 - "$V" "$1" "$2" <<'PY'
import binascii, subprocess, sys
repo, name, mode = sys.argv[1], sys.argv[2].encode("utf-8", "surrogateescape"), sys.argv[3].encode()
def git(*a, inp=None):
    return subprocess.run(("git", "-C", repo) + a, input=inp, capture_output=True, check=True).stdout.decode().strip()
def tree(entries):
    data = b"".join(m + b" " + n + b"\0" + binascii.unhexlify(h) for m, n, h in entries)
    return git("hash-object", "-t", "tree", "--literally", "-w", "--stdin", inp=data)
blob = git("rev-parse", "HEAD:models/item.yaml")
target = tree([(b"100644", b"passwd.yaml", blob)]) if mode == b"40000" else blob
models = tree(sorted([(b"100644", b"item.yaml", blob), (mode, name, target)], key=lambda e: e[1]))
root = tree([(b"100644", b"mdc.yaml", git("rev-parse", "HEAD:mdc.yaml")), (b"40000", b"models", models)])
print(git("commit-tree", root, "-p", "HEAD", "-m", "crafted"))
PY
}
for spec in "..:40000" ".:40000" ".git:40000" ".GiT:40000" ".git.:40000" ".git :40000" "git~1:40000" \
            "$(printf '.g\xe2\x80\x8cit'):40000" "../../etc/passwd.yaml:100644" "a/b.yaml:100644"; do
    name=${spec%:*}; mode=${spec##*:}
    c=$(evil_commit "$name" "$mode")
    # every command on two names (a full listing, a tree diff, the history); check on all
    cmds=("check --rev $c")
    case $name in ..|../../etc/passwd.yaml) cmds+=("diff HEAD $c" "log --rev $c" "build $c -o $TMP/v.db") ;; esac
    for cmd in "${cmds[@]}"; do
        # shellcheck disable=SC2086
        eq "crafted '$name': $cmd exits 2" "$(run -C "$V" $cmd)" 2
        has "crafted '$name': $cmd names the commit" "$TMP/err" "${c:0:12}"
        has "crafted '$name': $cmd says git refuses the entry" "$TMP/err" "git refuses"
        cat "$TMP/out" "$TMP/err" >"$TMP/all"
        hasnt "crafted '$name': $cmd prints no path through it" "$TMP/all" "/passwd"
        hasnt "crafted '$name': $cmd prints no path through it" "$TMP/all" "models/\.\.\?/"
    done
    check "crafted '$name': no snapshot" test ! -e "$TMP/v.db"
done

# ================================================================== E. names that are not UTF-8
U="$TMP/utf"; cp -r "$R" "$U"
bad=$(printf 'models/bad\xff\xfe.yaml')
printf 'kind: model\nname: Other\nfields:\n  id: {type: int64, primary_key: true}\n' >"$U/$bad"
# json_ok FILE: the file is one JSON document (python3 parses it)
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$1" 2>"$TMP/py"; }
for state in worktree index commit; do
    case $state in
    worktree) opt="" ;;
    index) git -C "$U" add -A; opt="--staged" ;;
    commit) git -C "$U" commit -q --no-verify -m "bad name"; opt="--rev HEAD" ;;
    esac
    # shellcheck disable=SC2086
    eq "not UTF-8 ($state): check exits 1" "$(run -C "$U" check $opt --format json)" 1
    check "not UTF-8 ($state): check prints valid JSON" json_ok "$TMP/out"
    has "not UTF-8 ($state): check says BAD_FILE_NAME" "$TMP/out" "BAD_FILE_NAME"
    has "not UTF-8 ($state): check shows the name escaped" "$TMP/out" 'bad\\\\xFF\\\\xFE.yaml'
    # hash prints no registry for definitions with errors: the diagnostics go to stderr
    # shellcheck disable=SC2086
    eq "not UTF-8 ($state): hash exits 1" "$(run -C "$U" hash $opt --format json)" 1
    check "not UTF-8 ($state): hash prints valid JSON or nothing" bash -c "[ ! -s '$TMP/out' ] || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$TMP/out'"
    has "not UTF-8 ($state): hash shows the name escaped" "$TMP/err" 'bad\\xFF\\xFE.yaml'
    check "not UTF-8 ($state): hash's stderr is UTF-8" python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TMP/err"
    # shellcheck disable=SC2086
    eq "not UTF-8 ($state): text check exits 1" "$(run -C "$U" check $opt)" 1
    has "not UTF-8 ($state): text check shows the name escaped" "$TMP/out" 'bad\\xFF\\xFE.yaml'
done
eq "not UTF-8: show --format json of the work tree exits 1" "$(run -C "$U" show --format json)" 1
check "not UTF-8: show --format json prints valid JSON (or nothing)" bash -c "[ ! -s '$TMP/out' ] || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$TMP/out'"
eq "not UTF-8: build refuses" "$(run -C "$U" build -o "$TMP/u.db")" 1
check "not UTF-8: no snapshot" test ! -e "$TMP/u.db"
git -C "$U" rm -q --cached "$bad"; rm -f "$U/$bad"; git -C "$U" commit -q --no-verify -m "bad name gone"
eq "not UTF-8: build after the name is gone" "$(run -C "$U" build -o "$TMP/u.db")" 0
eq "not UTF-8: show --format json from the snapshot" "$(run -C "$U" show --snapshot "$TMP/u.db" --format json)" 0
check "not UTF-8: ... is valid JSON" json_ok "$TMP/out"
check "not UTF-8: every text value in the snapshot is UTF-8" python3 - "$TMP/u.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
    for row in db.execute('SELECT * FROM "%s"' % t.decode()):
        for v in row:
            if isinstance(v, bytes):
                v.decode("utf-8")
PY

# ================================================================== F. bare repositories
BR="$TMP/bare.git"; git clone -q --bare "$R" "$BR"
for cmd in "check --rev HEAD" "hash --rev HEAD~1 --format json" "diff HEAD~2 HEAD --format json" "log --format json"; do
    # shellcheck disable=SC2086
    want=$(run -C "$R" $cmd); cp "$TMP/out" "$TMP/want"
    # shellcheck disable=SC2086
    eq "bare: $cmd exits as in the clone" "$(run -C "$BR" $cmd)" "$want"
    check "bare: $cmd prints what the clone prints" cmp -s "$TMP/out" "$TMP/want"
    [ -s "$TMP/err" ] && fail "bare: $cmd: $(head -c 300 "$TMP/err")"
done
eq "bare: build HEAD -o exits 0" "$(run -C "$BR" build HEAD -o "$TMP/bare.db")" 0
eq "bare: the clone's build" "$(run -C "$R" build HEAD -o "$TMP/clone.db")" 0
check "bare: the same snapshot as the clone's" cmp -s "$TMP/bare.db" "$TMP/clone.db"
eq "bare: log from inside objects/ works too" "$(run -C "$BR/objects" log --format json)" 0
for cmd in "check" "check --staged" "hash" "diff" "diff --staged" "build -o $TMP/b2.db" "build HEAD"; do
    # shellcheck disable=SC2086
    eq "bare: $cmd exits 2" "$(run -C "$BR" $cmd)" 2
    has "bare: $cmd says the repository is bare" "$TMP/err" "bare"
done

finish
