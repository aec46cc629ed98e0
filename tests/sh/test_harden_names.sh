#!/usr/bin/env bash
# test_harden_names.sh - the names the migrations create (DUPLICATE_OBJECT_NAME, validate.c):
#   A. every golden case tests/cases/name-clash-*/ is refused by `mdc check` and by
#      `mdc migrate` (no SQL is written for a project the database would refuse);
#   B. near misses that check accepts (tests/cases/name-near-miss*/: names one character or
#      one case apart, constraint names reused on other tables, one index name in two
#      schemas) apply cleanly with `psql -v ON_ERROR_STOP=1 -f` and `sqlite3 -bail`, and so
#      does a second migration that rebuilds a table in SQLite;
#   C. the identity sequence: for long table and field names PostgreSQL shortens the
#      sequence's name itself; the name the real server chose is the one check reserves
#      (an index of that name is refused, one byte shorter is accepted and applies).
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

need_sqlite3
pg_need

# case_repo CASE DIR: the golden case as a committed repository
case_repo() {
    rm -rf "$2"; cp -r "$MDC_SRC/tests/cases/$1" "$2"; rm -f "$2"/expected*.txt
    new_repo "$2" >/dev/null; commit_all "$2" "case $1"
}
dialects() { # DIR -> the dialects of its mdc.yaml (both when not set)
    if grep -q '^dialects: \[postgres\]' "$1/mdc.yaml"; then echo postgres
    elif grep -q '^dialects: \[sqlite\]' "$1/mdc.yaml"; then echo sqlite
    else echo postgres sqlite; fi
}
apply_pg() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >"$TMP/pg.out" 2>&1 || { cat "$TMP/pg.out" >&2; return 1; }; }
apply_sl() { sqlite3 -bail "$1" <"$2" >"$TMP/sl.out" 2>&1 || { cat "$TMP/sl.out" >&2; return 1; }; }
# migrate_apply DIR DB: migrate --write, then apply the newest file of each dialect
migrate_apply() {
    local dir=$1 db=$2 d f
    "$MDC" -C "$dir" migrate --write >/dev/null 2>"$TMP/mw.err" || { cat "$TMP/mw.err" >&2; return 1; }
    commit_all "$dir" "migrate"
    for d in $(dialects "$dir"); do
        f=$(ls "$dir/migrations/$d/"*.sql | sort | tail -1)
        if [ "$d" = postgres ]; then apply_pg "$db" "$f" || return 1
        else apply_sl "$TMP/$db.sqlite" "$f" || return 1; fi
    done
}

# ------------------------------------------------------------------ A. clashes refused

n=0
for dir in "$MDC_SRC"/tests/cases/name-clash-*/; do
    name=$(basename "$dir"); n=$((n + 1))
    w="$TMP/$name"; case_repo "$name" "$w"
    out=$("$MDC" -C "$w" check 2>&1); rc=$?
    if [ $rc -eq 1 ] && grep -q 'error \[DUPLICATE_OBJECT_NAME\]' <<<"$out"; then pass
    else fail "A $name: check exit $rc: $out"; fi
    for d in $(dialects "$w"); do
        if "$MDC" -C "$w" migrate --dialect "$d" >"$TMP/out.sql" 2>"$TMP/err"; then
            fail "A $name: migrate --dialect $d wrote SQL for a refused project"
        elif grep -q 'DUPLICATE_OBJECT_NAME' "$TMP/err"; then pass
        else fail "A $name: migrate --dialect $d failed for another reason: $(head -3 "$TMP/err")"; fi
    done
done
[ $n -ge 8 ] && pass || fail "A: only $n name-clash cases found"

# ------------------------------------------------------------------ B. near misses apply

for name in name-near-miss name-near-miss-pg; do
    w="$TMP/$name"; case_repo "$name" "$w"
    out=$("$MDC" -C "$w" check 2>&1) && pass || fail "B $name: check refused a near miss: $out"
    createdb "${name//-/_}"
    if migrate_apply "$w" "${name//-/_}"; then pass; else fail "B $name: the first migration did not apply"; fi
done

# a second migration of the near-miss project: a field made nullable (a rebuild through
# mdc_new_accounts in SQLite), a new index named one byte away from an existing one
w="$TMP/name-near-miss"
sed -i 's/^  bc: {type: string, unique: true}$/  bc: {type: string, nullable: true, unique: true}/' "$w/models/a.yaml"
sed -i 's/^  - {name: dataflow_migration, fields: \[at\]}$/&\n  - {name: dataflow_migrationz, fields: [at, id]}/' "$w/models/a.yaml"
grep -q 'dataflow_migrationz' "$w/models/a.yaml" && grep -q 'bc: {type: string, nullable' "$w/models/a.yaml" || fail "B: edit did not apply"
commit_all "$w" "v2"
"$MDC" -C "$w" check >/dev/null 2>&1 && pass || fail "B v2: check refused"
if migrate_apply "$w" name_near_miss; then pass; else fail "B v2: the second migration did not apply"; fi
grep -q 'mdc_new_accounts' "$(ls "$w/migrations/sqlite/"*.sql | sort | tail -1)" && pass ||
    fail "B v2: the SQLite migration did not rebuild accounts"
got=$(psql -X -At -d name_near_miss -c "SELECT count(*) FROM pg_class WHERE relname IN ('accounts_bc_key', 'accounts_b_c_key', 'users_pkey', 'accounts_id_seq', 'accounts_id_seq2')")
[ "$got" = 5 ] && pass || fail "B: PostgreSQL has $got of the 5 near-miss relations"
got=$(sqlite3 "$TMP/name_near_miss.sqlite" "SELECT count(*) FROM sqlite_master WHERE name IN ('dataflow_migration', 'dataflow_migrationz', 'accounts_id_seq2')")
[ "$got" = 3 ] && pass || fail "B: SQLite has $got of the 3 near-miss indexes"

# ------------------------------------------------------------------ C. identity sequences

T=a_table_name_of_fifty_bytes_abcdefghijklmnopqrstuv   # 50 bytes
F=an_identity_field_of_thirty_xx                       # 30 bytes
[ ${#T} -eq 50 ] && [ ${#F} -eq 30 ] || fail "C: name lengths"
seqproj() { # DIR INDEX_NAME
    rm -rf "$1"; new_repo "$1" >/dev/null; mkdir -p "$1/models"
    printf 'project: seq\ndialects: [postgres]\n' >"$1/mdc.yaml"
    cat >"$1/models/a.yaml" <<Y
kind: model
name: Long
table: $T
fields:
  $F: {type: int64, primary_key: true, identity: true}
  n: int64
---
kind: model
name: Other
fields:
  id: {type: int64, primary_key: true}
  n: int64
indexes:
  - {name: $2, fields: [n]}
Y
    commit_all "$1" "seq"
}
seqproj "$TMP/seq" other_n
createdb seq
migrate_apply "$TMP/seq" seq && pass || fail "C: the long identity did not apply"
seq=$(psql -X -At -d seq -c "SELECT pg_get_serial_sequence('public.$T', '$F')")
seq=${seq#public.}
[ ${#seq} -le 63 ] && [ -n "$seq" ] && [ "$seq" != "${T}_${F}_seq" ] && pass ||
    fail "C: PostgreSQL did not shorten the sequence name ($seq)"
seqproj "$TMP/seq2" "$seq"
out=$("$MDC" -C "$TMP/seq2" check 2>&1)
grep -q "name \`$seq\` of an index of model \`Other\` is already taken by the sequence" <<<"$out" && pass ||
    fail "C: the sequence name PostgreSQL chose ($seq) is not the one check reserves: $out"
seqproj "$TMP/seq3" "${seq%?}"
"$MDC" -C "$TMP/seq3" check >/dev/null 2>&1 && pass || fail "C: a near miss of the sequence name was refused"
createdb seq3
migrate_apply "$TMP/seq3" seq3 && pass || fail "C: the near miss of the sequence name did not apply"

finish
