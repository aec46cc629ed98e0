#!/usr/bin/env bash
# test_harden_outputs.sh - what mdc writes, and where (issue 16, findings 8, 10, 12, 18a):
#   - `build -o` writes only regular files: a device node, a FIFO, a directory or a symlink
#     at the output path is refused (exit 2) and left as it was; `-o -` is stdout for
#     postgres-sql and refused for sqlite;
#   - `kill -9` during builds leaves no temporary file once the next build has run, and the
#     snapshot is always a complete one; a temporary file still locked by a running build
#     is left alone;
#   - no raw control character (C0 but \n and \t, DEL, C1) from definitions, file names or
#     a snapshot reaches stdout or stderr, in any command and format; JSON stays valid;
#   - an unwritable GITHUB_STEP_SUMMARY is a warning, and the exit status is the diff's.
source "$(dirname "$0")/lib.sh"
MDC=$(cd "$(dirname "$MDC")" && pwd)/$(basename "$MDC") # the tests below change directory

ESC=$'\033'

# ------------------------------------------------------------------ a small project

P="$TMP/p"
new_repo "$P" >/dev/null
mkdir -p "$P/models"
cat >"$P/mdc.yaml" <<'EOF'
project: shop
dialects: [postgres, sqlite]
EOF
cat >"$P/models/user.yaml" <<'EOF'
kind: model
name: User
table: users
fields:
  id: {type: uuid, primary_key: true}
  email: {type: string}
EOF
commit_all "$P" "first"

is_regular_snapshot() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ]; }

# ------------------------------------------------------------------ 8: output paths

# A device node: as root one of our own (never the real /dev/null: the old mdc replaced it);
# as another user /dev/null itself, which that user cannot replace anyway.
if [ "$(id -u)" = 0 ]; then
    DEV="$TMP/nulldev"
    mknod "$DEV" c 1 3
else
    DEV=/dev/null
fi
err=$("$MDC" -C "$P" build -o "$DEV" 2>&1 >/dev/null)
rc=$?
check "build -o DEVICE exits 2 (got $rc: $err)" test "$rc" = 2
check "build -o DEVICE leaves the device node" test -c "$DEV"
check "build -o DEVICE says why" grep -q "not a regular file" <<<"$err"
check "build -o DEVICE leaves no temporary file" test -z "$(ls -A "$(dirname "$DEV")" | grep -F ".$(basename "$DEV").tmp-")"
err=$("$MDC" -C "$P" build --format postgres-sql -o "$DEV" 2>&1 >/dev/null)
check "build --format postgres-sql -o DEVICE exits 2" test $? = 2
check "build --format postgres-sql -o DEVICE leaves the device node" test -c "$DEV"

# The same as a user without privileges, when the tests run as root (CI containers).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    cp "$MDC" "$TMP/mdc-copy" && chmod 755 "$TMP/mdc-copy" "$TMP"
    cp -r "$P" "$TMP/pu" && chown -R 65534:65534 "$TMP/pu"
    err=$(cd "$TMP/pu" && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
        GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "$TMP/mdc-copy" build -o /dev/null 2>&1 >/dev/null)
    rc=$?
    check "non-root build -o /dev/null exits 2 (got $rc: $err)" test "$rc" = 2
    check "non-root build -o /dev/null says why" grep -q "not a regular file" <<<"$err"
    check "/dev/null is still a character device" test -c /dev/null
fi

# A FIFO: refused without opening it (opening a FIFO with no reader would hang).
mkfifo "$TMP/fifo"
err=$(timeout 20 "$MDC" -C "$P" build -o "$TMP/fifo" 2>&1 >/dev/null)
rc=$?
check "build -o FIFO exits 2 (got $rc: $err)" test "$rc" = 2
check "build -o FIFO leaves the FIFO" test -p "$TMP/fifo"
err=$(timeout 20 "$MDC" -C "$P" build --format postgres-sql -o "$TMP/fifo" 2>&1 >/dev/null)
rc=$?
check "build --format postgres-sql -o FIFO exits 2 (got $rc)" test "$rc" = 2
check "build --format postgres-sql -o FIFO leaves the FIFO" test -p "$TMP/fifo"

# A directory.
mkdir "$TMP/outdir"
err=$("$MDC" -C "$P" build -o "$TMP/outdir" 2>&1 >/dev/null)
rc=$?
check "build -o DIR exits 2 (got $rc)" test "$rc" = 2
check "build -o DIR says why" grep -q "not a regular file" <<<"$err"
check "build -o DIR leaves the directory empty" test -z "$(ls -A "$TMP/outdir")"
check "build -o DIR leaves no temporary file" test -z "$(ls -A "$TMP" | grep -F ".outdir.tmp-")"

# A symlink to a regular file elsewhere: refused (neither written through nor replaced).
mkdir "$TMP/elsewhere"
echo "precious" >"$TMP/elsewhere/target"
ln -s "$TMP/elsewhere/target" "$TMP/link.db"
err=$("$MDC" -C "$P" build -o "$TMP/link.db" 2>&1 >/dev/null)
rc=$?
check "build -o SYMLINK exits 2 (got $rc)" test "$rc" = 2
check "build -o SYMLINK says why" grep -q "symbolic link" <<<"$err"
check "build -o SYMLINK leaves the link" test -L "$TMP/link.db"
check "build -o SYMLINK leaves the target" test "$(cat "$TMP/elsewhere/target")" = precious
# A dangling symlink too.
ln -s "$TMP/elsewhere/nothing" "$TMP/dangling.db"
"$MDC" -C "$P" build -o "$TMP/dangling.db" >/dev/null 2>&1
check "build -o DANGLING-SYMLINK exits 2" test $? = 2
check "build -o DANGLING-SYMLINK creates nothing" test ! -e "$TMP/elsewhere/nothing"
# mdc.yaml's snapshot: path is held to the same rule.
mkdir "$P/registry.db"
"$MDC" -C "$P" build >/dev/null 2>&1
check "build to a snapshot: path that is a directory exits 2" test $? = 2
rmdir "$P/registry.db"

# A regular file is replaced (by rename: a hard link elsewhere keeps the old bytes).
echo old >"$TMP/out.db"
ln "$TMP/out.db" "$TMP/out-hardlink"
"$MDC" -C "$P" build -o "$TMP/out.db" >/dev/null 2>&1
check "build -o FILE writes the snapshot" is_regular_snapshot "$TMP/out.db"
check "build -o FILE does not write through a hard link" test "$(cat "$TMP/out-hardlink")" = old

# -o -: stdout for postgres-sql, refused for sqlite (and no file named "-").
out=$(cd "$P" && "$MDC" build --format postgres-sql -o - 2>/dev/null)
rc=$?
check "build --format postgres-sql -o - exits 0 (got $rc)" test "$rc" = 0
check "build --format postgres-sql -o - writes SQL to stdout" grep -q '^COMMIT;$' <<<"$out"
check "build --format postgres-sql -o - creates no file named -" test ! -e "$P/-"
err=$(cd "$P" && "$MDC" build -o - 2>&1 >/dev/null)
rc=$?
check "build -o - (sqlite) exits 2 (got $rc)" test "$rc" = 2
check "build -o - (sqlite) says the format needs a file" grep -q "needs a file" <<<"$err"
check "build -o - (sqlite) creates no file named -" test ! -e "$P/-"
# ./- is a file named "-", as usual.
(cd "$P" && "$MDC" build -o ./- >/dev/null 2>&1)
check "build -o ./- writes a file named -" is_regular_snapshot "$P/-"
rm -f "$P/-"

# ------------------------------------------------------------------ 10: kill -9 during builds

B="$TMP/big"
python3 "$MDC_SRC/tests/sh/gen_many_models.py" "$B" 1500 4 || fail "generate the corpus"
"$MDC" -C "$B" build >/dev/null 2>&1 || fail "first build"
old_sum=$(sqlite3 "$B/registry.db" "SELECT value FROM registry_meta WHERE key = 'registry_checksum'")
# A second state, so that a killed build would replace the snapshot with different bytes.
printf 'kind: model\nname: Extra\ntable: extra\nfields:\n  id: {type: uuid, primary_key: true}\n' >"$B/models/extra.yaml"
# The kills land at random moments of a build's second half (the first is mostly parsing),
# until three of them have left temporary files behind (at most 40 kills).  A build
# removes the stale files of the builds killed before it, so they do not pile up.
for i in 1 2; do
    t0=$(date +%s%N)
    "$MDC" -C "$B" build -o "$TMP/timing.db" >/dev/null 2>&1
    t_ms=$((($(date +%s%N) - t0) / 1000000 + 1))
done
kills=0
seen=0
while [ "$kills" -lt 40 ] && [ "$seen" -lt 3 ]; do
    kills=$((kills + 1))
    "$MDC" -C "$B" build >/dev/null 2>&1 &
    pid=$!
    ms=$((t_ms / 2 + RANDOM % (t_ms * 7 / 10 + 1)))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    check "after kill $kills the snapshot is intact" is_regular_snapshot "$B/registry.db"
    [ "$(ls -A "$B" | grep -c -F ".registry.db.tmp-")" -gt 0 ] && seen=$((seen + 1))
done
check "kills left temporary files behind ($seen of $kills kills; build $t_ms ms)" test "$seen" -ge 1

# A temporary file that a running build holds (locked) must survive the next build; a
# stale one (nobody holds its lock) is removed.
live="$B/.registry.db.tmp-LIVE01"
: >"$live"
python3 -c 'import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)' "$live" &
holder=$!
for i in $(seq 50); do flock -n "$live" true || break; sleep 0.1; done # until it is held
"$MDC" -C "$B" build >/dev/null 2>&1
check "the build after the kills succeeds" test $? = 0
check "no stale temporary file remains" test -z "$(ls -A "$B" | grep -F ".registry.db.tmp-" | grep -v LIVE01)"
check "no journal remains" test -z "$(ls -A "$B" | grep -F -- "-journal")"
check "a temporary file locked by a running build is left alone" test -e "$live"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check "the snapshot after the kills is intact" is_regular_snapshot "$B/registry.db"
new_sum=$(sqlite3 "$B/registry.db" "SELECT value FROM registry_meta WHERE key = 'registry_checksum'")
check "the snapshot after the kills is the new state" test -n "$new_sum" -a "$new_sum" != "$old_sum"
"$MDC" -C "$B" build >/dev/null 2>&1
check "a build removes a temporary file once its lock is gone" test ! -e "$live"
# Other files that merely look alike are not ours: left alone.
: >"$B/.registry.db.tmp-notours-longer"
: >"$B/.other.db.tmp-ABCDEF"
"$MDC" -C "$B" build >/dev/null 2>&1
check "files that are not mdc's temporary files are left alone" test -e "$B/.registry.db.tmp-notours-longer" -a -e "$B/.other.db.tmp-ABCDEF"

# ------------------------------------------------------------------ 12: control characters

# no_raw_controls NAME FILE: FILE holds no byte < 0x20 but \n and \t, no DEL, no C1 (UTF-8
# C2 80..C2 9F) and no bidi override (E2 80 AA..AE, E2 81 A6..A9).
no_raw_controls() {
    local re='[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]'
    if LC_ALL=C grep -qaP "$re" "$2"; then
        LC_ALL=C grep -aP "$re" "$2" | head -3 | cat -v | sed 's/^/    raw control: /' >&2
        return 1
    fi
}

C="$TMP/ctl"
new_repo "$C" >/dev/null
mkdir -p "$C/models"
cat >"$C/mdc.yaml" <<'EOF'
project: shop
dialects: [postgres, sqlite]
EOF
# Hostile text where the language allows text: descriptions (ESC, BEL, CR, OSC, DEL, C1,
# a bidi override), an owner, tags, a source URI, enum values; and a file name with ESC.
cat >"$C/models/a${ESC}[2Jb.yaml" <<'EOF'
kind: model
name: Order
table: orders
description: "clear \e[2J\e[H title \e]0;pwned\a bell \a cr \r del \x7f c1 \u009b1m rlo \u202e end"
owner: "team \e[31m red"
tags: ["t\e]2;x\a"]
fields:
  id: {type: uuid, primary_key: true}
  status: {type: "enum(new, old)", description: "state \e[8m hidden"}
EOF
cat >"$C/models/src.yaml" <<'EOF'
kind: source
name: crm
type: postgres
uri: "postgresql://crm-db/crm\e[2J"
EOF
commit_all "$C" "hostile text"
# A second state for diff: the file with ESC in its name also holds a clean model.
cat >"$C/models/b${ESC}]0;t${ESC}\\.yaml" <<'EOF'
kind: model
name: Item
table: items
description: "an item"
fields:
  id: {type: uuid, primary_key: true}
EOF

n=0
run_all() { # run_all LABEL ARGS...: stdout and stderr of mdc ARGS, checked for controls
    local label=$1; shift
    n=$((n + 1))
    "$MDC" -C "$C" "$@" >"$TMP/out.$n" 2>"$TMP/err.$n"
    check "$label: stdout has no raw control character" no_raw_controls "$label" "$TMP/out.$n"
    check "$label: stderr has no raw control character" no_raw_controls "$label" "$TMP/err.$n"
    case " $* " in
    *" json "* | *" sarif "*)
        if [ -s "$TMP/out.$n" ]; then
            check "$label: stdout is valid JSON" python3 -m json.tool "$TMP/out.$n" >/dev/null
        fi ;;
    esac
}
for fmt in text json github sarif; do
    run_all "check --format $fmt" check --format "$fmt"
    run_all "check --rev HEAD --format $fmt" check --rev HEAD --format "$fmt"
    run_all "diff --format $fmt" diff --format "$fmt"
    run_all "diff HEAD~0 --format $fmt" diff HEAD --format "$fmt"
done
for fmt in text json; do
    run_all "hash --format $fmt" hash --format "$fmt"
    run_all "log --format $fmt" log --format "$fmt"
    run_all "show --format $fmt" show --format "$fmt"
    run_all "show Order --format $fmt" show Order --format "$fmt"
    run_all "show Item --format $fmt" show Item --format "$fmt"
done
run_all "build" build -o "$TMP/ctl.db"
run_all "build postgres-sql" build --format postgres-sql
run_all "migrate" migrate
run_all "migrate sqlite" migrate --dialect sqlite
run_all "show no such name" show "x${ESC}[2Jy"
run_all "log no such name" log "x${ESC}[2Jy"

# The same with the definitions made acceptable, so that show, build and log see them.
# Descriptions may hold a newline and a tab; file names anything (here ESC, OSC and a
# bidi override).
rm -f "$C/models/a${ESC}[2Jb.yaml" "$C/models/src.yaml"
cat >"$C/models/c${ESC}[2J${ESC}]0;x${ESC}\\$(printf '\u202e').yaml" <<'EOF'
kind: model
name: Order
table: orders
description: "two\n\tlines end"
fields:
  id: {type: uuid, primary_key: true}
EOF
"$MDC" -C "$C" check >/dev/null 2>&1
check "the cleaned project checks clean" test $? = 0
for fmt in text json github sarif; do
    run_all "clean check --format $fmt" check --format "$fmt"
    run_all "clean diff --format $fmt" diff --format "$fmt"
done
for fmt in text json; do
    run_all "clean show --format $fmt" show --format "$fmt"
    run_all "clean show Order --format $fmt" show Order --format "$fmt"
    run_all "clean hash --format $fmt" hash --format "$fmt"
done
run_all "clean build" build -o "$TMP/ctl.db"
check "the snapshot with hostile paths is written" is_regular_snapshot "$TMP/ctl.db"
for fmt in text json; do
    run_all "show --snapshot --format $fmt" show --snapshot "$TMP/ctl.db" --format "$fmt"
    run_all "show --snapshot Order --format $fmt" show --snapshot "$TMP/ctl.db" Order --format "$fmt"
done
# the escape is visible, not dropped
"$MDC" -C "$C" show >"$TMP/show.txt" 2>&1
check "show prints ESC in a path as \\x1b" grep -qF 'c\x1b[2J' "$TMP/show.txt"
check "show prints a bidi override in a path as \\u202e" grep -qF '\u202e.yaml' "$TMP/show.txt"

# GitHub annotations: ESC in file= is escaped; the annotation's own syntax is kept.
printf 'kind: model\nname: Bad\ntable: bad\nfields:\n  id: {type: nosuchtype, primary_key: true}\n' \
    >"$C/models/d${ESC}[2J.yaml"
"$MDC" -C "$C" check --format github >"$TMP/gh.txt" 2>&1
check "github: file= shows ESC as \\x1b" grep -qF 'file=models/d\x1b[2J.yaml' "$TMP/gh.txt"
check "github: no raw control" no_raw_controls github "$TMP/gh.txt"
rm -f "$C/models/d${ESC}[2J.yaml"

# ------------------------------------------------------------------ 18a: GITHUB_STEP_SUMMARY

"$MDC" -C "$P" diff >/dev/null 2>&1
want=$?
err=$(GITHUB_STEP_SUMMARY="$TMP/no/such/dir/summary.md" "$MDC" -C "$P" diff 2>&1 >/dev/null)
rc=$?
check "unwritable GITHUB_STEP_SUMMARY: exit status unchanged ($rc, want $want)" test "$rc" = "$want"
check "unwritable GITHUB_STEP_SUMMARY: a warning on stderr" grep -q "warning: cannot write GITHUB_STEP_SUMMARY" <<<"$err"
GITHUB_STEP_SUMMARY="$TMP/summary.md" "$MDC" -C "$P" diff >/dev/null 2>"$TMP/err.sum"
check "writable GITHUB_STEP_SUMMARY: written" test -s "$TMP/summary.md"
check "writable GITHUB_STEP_SUMMARY: no warning" test ! -s "$TMP/err.sum"

finish
