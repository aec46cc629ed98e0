#!/usr/bin/env bash
# test_harden_chain.sh - the migrations folder under abuse (issue 16: findings 3, 4, 5, 9, 10
# and the read-back of 7):
#   A. a chain that does not verify is never extended: an edited old migration, two files
#      with one number, a gap, a file with no mdc.sum line, an mdc.sum line with no file, a
#      malformed or missing mdc.sum -- each named by --check and by --write (exit 1, nothing
#      written, mdc.sum untouched); a good --write only appends to mdc.sum;
#   B. an interrupted --write (MDC_MIGRATE_FAULT at every step, then 40 real kill -9 at
#      random moments) leaves the old chain or the new one: --check says which, the next
#      --write converges to exactly the files of an uninterrupted run, no temp file remains;
#   C. 20 pairs of concurrent --write with different targets leave a valid chain; a held
#      lock makes --write wait, bounded by MDC_MIGRATE_LOCK_WAIT, then fail clearly;
#   D. a symlinked migrations folder, dialect folder, mdc.sum or migration file is refused
#      (exit 2, like a symlinked mdc.yaml) and nothing is written outside the repository;
#   E. temp files of an earlier crash (this mdc's and older mdc's names) are removed;
#   F. --write reads back the state it records before publishing it.
source "$(dirname "$0")/lib.sh"

eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }
# has NAME FILE TEXT: FILE contains TEXT (a fixed string)
has() { if grep -qF -- "$3" "$2"; then pass; else fail "$1: no [$3] in [$(cat "$2")]"; fi; }

# base DIR N: a repository with N models and their committed baseline migrations
base() {
    rm -rf "$1"; new_repo "$1"; mkdir -p "$1/models"
    printf 'project: chain\ndialects: [postgres, sqlite]\n' >"$1/mdc.yaml"
    local i
    for i in $(seq 1 "$2"); do
        printf 'kind: model\nname: M%s\nfields:\n  id: {type: int64, primary_key: true}\n  name: string\n' \
            "$i" >"$1/models/m$i.yaml"
    done
    commit_all "$1" v1
    "$MDC" -C "$1" migrate --write >/dev/null || return 1
    commit_all "$1" baseline
}
# change DIR FIELD: adds a nullable field to M1 (working tree only)
change() { printf '  %s: string?\n' "$2" >>"$1/models/m1.yaml"; }
# snap DIR: every file under DIR/migrations (dot files included) with its hash
snap() { (cd "$1/migrations" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# ================================================================== A. no laundering
A="$TMP/a"; base "$A" 3
change "$A" note; "$MDC" -C "$A" migrate --write >/dev/null; commit_all "$A" note
PG="$A/migrations/postgres"
N2=$(basename "$(ls "$PG"/0002_*.sql)")
cp -a "$A" "$TMP/a.clean"
reset_a() { rm -rf "$A"; cp -a "$TMP/a.clean" "$A"; }

# refused NAME TEXT...: --check and --write exit 1 and name every TEXT; --write writes nothing
refused() {
    local name=$1 t rc before
    shift
    before=$(snap "$A")
    "$MDC" -C "$A" migrate --check >/dev/null 2>"$TMP/a.err"; rc=$?
    eq "$name: --check fails" "$rc" 1
    for t; do has "$name: --check names it" "$TMP/a.err" "$t"; done
    change "$A" later
    "$MDC" -C "$A" migrate --write >/dev/null 2>"$TMP/a.err"; rc=$?
    eq "$name: --write refuses" "$rc" 1
    for t; do has "$name: --write names it" "$TMP/a.err" "$t"; done
    has "$name: --write says nothing was written" "$TMP/a.err" "nothing written"
    eq "$name: nothing written, mdc.sum untouched" "$(snap "$A")" "$before"
    "$MDC" -C "$A" migrate --check >/dev/null 2>&1; rc=$?
    eq "$name: --check still fails" "$rc" 1
    reset_a
}

printf 'DROP TABLE "m2" CASCADE;\n' >>"$PG/0001_baseline.sql"
refused "edited old migration" "migrations/postgres/0001_baseline.sql" "mdc.sum"
sed -i 's/BEGIN;/BEGIN; DELETE FROM "m3";/' "$A/migrations/sqlite/$N2"
refused "edited newest sqlite migration" "migrations/sqlite/$N2" "line 2 of mdc.sum"
cp "$PG/$N2" "$PG/0002_second.sql"
refused "two files numbered 0002" "0002_second.sql" "$N2" "no line in mdc.sum"
cp "$PG/$N2" "$PG/0002_second.sql"; echo "0002_second.sql 0123456789abcdef0123456789abcdef" >>"$PG/mdc.sum"
refused "two 0002 files, both in mdc.sum (a merge)" "0002_second.sql" "$N2" "same number"
cp "$PG/$N2" "$PG/0003_hand.sql"
refused "a file with no mdc.sum line" "migrations/postgres/0003_hand.sql: no line in mdc.sum"
echo "0003_ghost.sql 0123456789abcdef0123456789abcdef" >>"$PG/mdc.sum"
refused "an mdc.sum line with no file" "mdc.sum:3: lists 0003_ghost.sql, which does not exist"
rm "$PG/$N2"
refused "the newest file deleted" "mdc.sum:2: lists $N2, which does not exist"
rm "$PG/0001_baseline.sql"
refused "the first file deleted" "no migration numbered 0001" "mdc.sum:1: lists 0001_baseline.sql"
mv "$PG/$N2" "$PG/0003_${N2#0002_}"; sed -i "s/^$N2 /0003_${N2#0002_} /" "$PG/mdc.sum"
refused "a gap" "no migration numbered 0002 (0001_baseline.sql is followed by 0003_${N2#0002_})"
echo "garbage" >>"$PG/mdc.sum"
refused "a malformed mdc.sum line" "mdc.sum:3: not a line of mdc.sum"
rm "$PG/mdc.sum"
refused "mdc.sum missing" "migrations/postgres/mdc.sum: missing"

# a good --write only appends a line to mdc.sum
cp "$PG/mdc.sum" "$TMP/sum0"
change "$A" more
"$MDC" -C "$A" migrate --write >/dev/null 2>&1; rc=$?
eq "append: --write" "$rc" 0
check "append: the old mdc.sum is a prefix of the new one" cmp -s -n "$(stat -c %s "$TMP/sum0")" "$TMP/sum0" "$PG/mdc.sum"
eq "append: one line more" "$(wc -l <"$PG/mdc.sum")" 3
check "append: --check clean" "$MDC" -C "$A" migrate --check

# ================================================================== B. interrupted --write
B="$TMP/b"; base "$B" 40; change "$B" note
rm -rf "$TMP/b.ref"; cp -a "$B" "$TMP/b.ref"
"$MDC" -C "$TMP/b.ref" migrate --write >/dev/null
REF=$(snap "$TMP/b.ref")

# after_crash NAME DIR: --check sees the old chain (models ahead) or the new one (to be
# finished); the next --write converges to the uninterrupted result with no file left over
after_crash() {
    local rc bad
    "$MDC" -C "$2" migrate --check >/dev/null 2>"$TMP/c.err"; rc=$?
    bad=$(grep -v -e ': models are ahead of migrations: run mdc migrate --write$' \
        -e ': an interrupted mdc migrate --write left it unfinished' "$TMP/c.err")
    eq "$1: --check sees the old or the new chain" "$bad" ""
    "$MDC" -C "$2" migrate --write >/dev/null 2>"$TMP/w.err"; rc=$?
    eq "$1: the next --write converges [$(cat "$TMP/w.err")]" "$rc" 0
    "$MDC" -C "$2" migrate --check >/dev/null 2>&1; rc=$?
    eq "$1: --check clean after" "$rc" 0
    eq "$1: exactly the files of an uninterrupted run" "$(snap "$2")" "$REF"
}
for step in temp read-back sum-temp sum link done; do
    K="$TMP/fault"; rm -rf "$K"; cp -a "$B" "$K"
    MDC_MIGRATE_FAULT=$step "$MDC" -C "$K" migrate --write >/dev/null 2>&1; rc=$?
    eq "fault $step: the run stops there" "$rc" 86
    after_crash "fault $step" "$K"
done
# the window between mdc.sum and the file: --check names the file and what to do
K="$TMP/fault"; rm -rf "$K"; cp -a "$B" "$K"
MDC_MIGRATE_FAULT=sum "$MDC" -C "$K" migrate --write >/dev/null 2>&1
"$MDC" -C "$K" migrate --check >/dev/null 2>"$TMP/c.err"
has "pending: --check names the file" "$TMP/c.err" "migrations/postgres/$(basename "$(ls "$TMP/b.ref/migrations/postgres/"0002_*)")"
has "pending: --check says how to finish" "$TMP/c.err" "run mdc migrate --write to finish it"
"$MDC" -C "$K" migrate >/dev/null 2>&1; rc=$?
eq "pending: printing refuses too" "$rc" 1

# real kill -9 at random moments of a run
t0=$(date +%s%N); "$MDC" -C "$TMP/b.ref" migrate --check >/dev/null; t1=$(date +%s%N)
span=$(( (t1 - t0) / 1000 * 3 / 2 )) # microseconds; a --write takes a bit longer than --check
[ "$span" -gt 2000 ] || span=2000
for i in $(seq 1 40); do
    K="$TMP/kill"; rm -rf "$K"; cp -a "$B" "$K"
    "$MDC" -C "$K" migrate --write >/dev/null 2>&1 &
    pid=$!
    us=$(( (RANDOM * 32768 + RANDOM) % span ))
    sleep "$(printf '0.%06d' "$us")"
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    after_crash "kill $i after ${us}us" "$K"
done

# ================================================================== C. concurrent --write
C="$TMP/conc"; base "$C" 5
change "$C" a; commit_all "$C" r1; R1=$(git -C "$C" rev-parse HEAD)
change "$C" b; commit_all "$C" r2; R2=$(git -C "$C" rev-parse HEAD)
for i in $(seq 1 20); do
    K="$TMP/pair"; rm -rf "$K"; cp -a "$C" "$K"
    "$MDC" -C "$K" migrate --write --to "$R1" >/dev/null 2>"$TMP/p1.err" & p1=$!
    "$MDC" -C "$K" migrate --write --to "$R2" >/dev/null 2>"$TMP/p2.err" & p2=$!
    wait "$p1"; r1=$?; wait "$p2"; r2=$?
    # a writer that comes second migrates from what the first wrote; r2 -> r1 drops field b
    # unreserved, which is refused (exit 1): both outcomes are fine, a broken chain is not
    [ "$r1" -le 1 ] && [ "$r2" -le 1 ] && [ $((r1 + r2)) -le 1 ] && pass ||
        fail "pair $i: exits $r1 $r2: $(cat "$TMP/p1.err" "$TMP/p2.err")"
    "$MDC" -C "$K" migrate --check --to "$R2" >/dev/null 2>"$TMP/c.err"
    bad=$(grep -v ': models are ahead of migrations: run mdc migrate --write$' "$TMP/c.err")
    eq "pair $i: the chain verifies" "$bad" ""
    for d in postgres sqlite; do
        eq "pair $i: $d: one mdc.sum line per file" "$(ls "$K/migrations/$d" | grep -c '\.sql$')" \
            "$(wc -l <"$K/migrations/$d/mdc.sum")"
    done
done
# a held lock: --write waits, then fails clearly (exit 2); --check waits for a writer too
K="$TMP/locked"; rm -rf "$K"; cp -a "$C" "$K"
: >"$TMP/hold" # the lock is held until this file is removed
flock "$K/migrations" sh -c 'while [ -e "$1" ]; do sleep 0.05; done' _ "$TMP/hold" & holder=$!
for _ in $(seq 100); do flock -n "$K/migrations" true || break; sleep 0.05; done # until it holds it
s0=$(date +%s)
MDC_MIGRATE_LOCK_WAIT=1 "$MDC" -C "$K" migrate --write >/dev/null 2>"$TMP/l.err"; rc=$?
eq "lock: --write gives up" "$rc" 2
has "lock: and says why" "$TMP/l.err" "migrations is locked by another mdc migrate"
check "lock: --write's wait is bounded" [ $(( $(date +%s) - s0 )) -le 6 ]
s0=$(date +%s)
MDC_MIGRATE_LOCK_WAIT=1 "$MDC" -C "$K" migrate --check >/dev/null 2>"$TMP/l.err"; rc=$?
eq "lock: --check gives up too" "$rc" 2
check "lock: --check's wait is bounded" [ $(( $(date +%s) - s0 )) -le 6 ]
rm -f "$TMP/hold"
wait "$holder"
"$MDC" -C "$K" migrate --write >/dev/null 2>&1; rc=$?
eq "lock: --write once the lock is free" "$rc" 0

# ================================================================== D. symlinks
D="$TMP/d"; base "$D" 2; change "$D" x
O="$TMP/outside"
# linked NAME: --write and --check refuse with exit 2 naming the link; nothing changes outside
linked() {
    local before rc
    before=$(cd "$O" && find . -print0 | sort -z | xargs -0 ls -ld --time-style=+%s.%N 2>/dev/null; find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
    "$MDC" -C "$K" migrate --write >/dev/null 2>"$TMP/d.err"; rc=$?
    eq "$1: --write refuses" "$rc" 2
    has "$1: --write says it is a symlink" "$TMP/d.err" "$2 is a symlink"
    "$MDC" -C "$K" migrate --check >/dev/null 2>"$TMP/d.err"; rc=$?
    eq "$1: --check refuses" "$rc" 2
    has "$1: --check says it is a symlink" "$TMP/d.err" "$2 is a symlink"
    eq "$1: nothing changed outside" "$(cd "$O" && find . -print0 | sort -z | xargs -0 ls -ld --time-style=+%s.%N 2>/dev/null; find . -type f -print0 | sort -z | xargs -0 -r sha256sum)" "$before"
}
newk() { K="$TMP/dk"; rm -rf "$K" "$O"; cp -a "$D" "$K"; mkdir -p "$O"; }
newk; mv "$K/migrations" "$O/m"; ln -s "$O/m" "$K/migrations"
linked "migrations folder" "migrations"
newk; mv "$K/migrations/sqlite" "$O/s"; ln -s "$O/s" "$K/migrations/sqlite"
linked "dialect folder" "migrations/sqlite"
newk; mv "$K/migrations/postgres/mdc.sum" "$O/mdc.sum"; ln -s "$O/mdc.sum" "$K/migrations/postgres/mdc.sum"
linked "mdc.sum" "migrations/postgres/mdc.sum"
newk; mv "$K/migrations/postgres/0001_baseline.sql" "$O/"; ln -s "$O/0001_baseline.sql" "$K/migrations/postgres/"
linked "a migration file" "migrations/postgres/0001_baseline.sql"
newk; rm -rf "$K/migrations"; mkdir "$O/db"; ln -s "$O/db" "$K/db"; printf 'migrations: db/migrations\n' >>"$K/mdc.yaml"
linked "a folder on the way (migrations: db/migrations)" "db"
newk; mkdir -p "$K/migrations/postgres/0009_dir.sql"
"$MDC" -C "$K" migrate --check >/dev/null 2>"$TMP/d.err"; rc=$?
eq "a folder named like a migration: refused" "$rc" 2
has "a folder named like a migration: named" "$TMP/d.err" "migrations/postgres/0009_dir.sql is not a regular file"

# ================================================================== E. temp files of a crash
E="$TMP/e"; base "$E" 2; change "$E" y
for d in postgres sqlite; do
    : >"$E/migrations/$d/.0002_m1-add-y.sql.tmp-AbC123"  # older mdc's names
    : >"$E/migrations/$d/.mdc.sum.tmp-XyZ789"
    : >"$E/migrations/$d/.mdc-tmp.0002_other.sql"        # this mdc's
    : >"$E/migrations/$d/.mdc-tmp.mdc.sum"
done
: >"$E/migrations/$d/.keep-me"
"$MDC" -C "$E" migrate --write >/dev/null 2>&1; rc=$?
eq "temps: --write" "$rc" 0
eq "temps: every temp file removed, nothing else" "$(cd "$E/migrations" && find . -name '.*' -type f | sort)" "./sqlite/.keep-me"

# ================================================================== F. read back before publishing
F="$TMP/f"; base "$F" 2
change "$F" z
before=$(snap "$F")
MDC_MIGRATE_FAULT=short-write "$MDC" -C "$F" migrate --write >/dev/null 2>"$TMP/f.err"; rc=$?
eq "read-back: a state that does not read back is refused" "$rc" 1
has "read-back: the reason" "$TMP/f.err" "would not read back"
eq "read-back: nothing written, no temp left" "$(snap "$F")" "$before"
unset MDC_MIGRATE_FAULT
# a json default {} (finding 7): --write refuses it, or it reads back
printf 'kind: model\nname: J\nfields:\n  id: {type: int64, primary_key: true}\n  j: {type: json, default: {}}\n' >"$F/models/j.yaml"
"$MDC" -C "$F" migrate --write >/dev/null 2>"$TMP/f.err"; rc=$?
if [ "$rc" = 0 ]; then
    check "json {}: what --write wrote reads back" "$MDC" -C "$F" migrate --check
else
    eq "json {}: refused with exit 1" "$rc" 1
    has "json {}: because it would not read back" "$TMP/f.err" "would not read back"
    eq "json {}: nothing written" "$(snap "$F")" "$before"
fi

finish
