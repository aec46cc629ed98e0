#!/usr/bin/env bash
# test_harden_state.sh - a recorded registry state that the loader accepted is read back by
# every later `mdc migrate` (issue 16, finding 7).  `default: {}` on a json field (and its
# relatives: nested json, json[] of objects, 1.0 in json and meta, `meta: {}`) used to pass
# check/diff/build/`migrate --write` and then stop every `migrate` and `migrate --check`
# with `"default" must be a literal`.  Here: write the baseline, check it, change the model,
# see --check name the missing migration (and nothing else), write it, check again, print
# the next migration, and apply both files to SQLite (and PostgreSQL when available) to see
# the defaults arrive.  tests/unit/test_state_roundtrip.c is the property over the language.
source "$(dirname "$0")/lib.sh"

P="$TMP/repo"
new_repo "$P"
mkdir -p "$P/models"
printf 'project: jsondefaults\ndialects: [postgres, sqlite]\n' >"$P/mdc.yaml"
cat >"$P/models/doc.yaml" <<'Y'
kind: model
name: Doc
meta: {ratio: 1.0, empty: {}}
fields:
  id: {type: int64, primary_key: true}
  body: {type: json, default: {}}
  tags: {type: "json[]", default: [{}, {a: [1.0, {}]}]}
  nested: {type: json, default: {a: {b: [], c: "\u00e9\"\\"}, n: 1.0}}
  note: {type: string, nullable: true, meta: {}}
Y
commit_all "$P" "baseline"

run() { "$MDC" -C "$P" "$@" >"$TMP/out" 2>"$TMP/err"; echo $?; }
lacks() { ! grep -q "$2" "$1"; } # FILE PATTERN

check "baseline --write" [ "$(run migrate --write)" = 0 ]
commit_all "$P" "migrate baseline"
rc=$(run migrate --check)
check "--check after the baseline exits 0 (got $rc: $(cat "$TMP/err"))" [ "$rc" = 0 ]
check "no reader error" lacks "$TMP/err" "recorded registry state"
rc=$(run migrate)
check "migrate with nothing to do exits 0 (got $rc: $(cat "$TMP/err"))" [ "$rc" = 0 ]
check "no phantom default change" lacks "$TMP/out" "DEFAULT"

# a model change
sed -i 's/^  note: .*/&\n  extra: {type: int32, nullable: true}/' "$P/models/doc.yaml"
commit_all "$P" "add extra"
rc=$(run migrate --check)
check "--check sees the missing migration (exit 1, got $rc)" [ "$rc" = 1 ]
check "--check fails for the missing migration, not the state" lacks "$TMP/err" "recorded registry state"
rc=$(run migrate --dialect postgres)
check "the next migration prints (got $rc: $(cat "$TMP/err"))" [ "$rc" = 0 ]
check "it adds the column" grep -q 'ADD COLUMN "extra"' "$TMP/out"
grep '^--   model' "$TMP/out" >"$TMP/changes"
check "its only change is the new field ($(cat "$TMP/changes"))" [ "$(grep -c . "$TMP/changes")" = 1 ]
grep -v "^--" "$TMP/out" | grep "ALTER COLUMN" >"$TMP/alter" || true
check "and changes no default (1.0 and {} read back as written)" lacks "$TMP/alter" "DEFAULT"
rc=$(run migrate --write)
check "second --write (got $rc: $(cat "$TMP/err"))" [ "$rc" = 0 ]
commit_all "$P" "migrate extra"
rc=$(run migrate --check)
check "--check after the second --write exits 0 (got $rc: $(cat "$TMP/err"))" [ "$rc" = 0 ]
check "two migrations per dialect" [ "$(ls "$P"/migrations/sqlite/*.sql | wc -l)" = 2 ]

# the defaults arrive in a database
if command -v sqlite3 >/dev/null 2>&1; then
    db="$TMP/a.db"
    ok=1
    for f in $(ls "$P"/migrations/sqlite/*.sql | sort); do
        sqlite3 -bail "$db" <"$f" >"$TMP/sl.out" 2>&1 || { ok=0; cat "$TMP/sl.out" >&2; }
    done
    check "SQLite applies both" [ "$ok" = 1 ]
    sqlite3 "$db" 'INSERT INTO docs (id) VALUES (1)'
    got=$(sqlite3 "$db" 'SELECT body || " " || tags || " " || nested FROM docs')
    check "SQLite defaults (got $got)" [ "$got" = '{} [{},{"a":[1,{}]}] {"a":{"b":[],"c":"é\"\\"},"n":1}' ]
else
    fail "sqlite3 is needed"
fi
source "$MDC_SRC/tests/pg.sh"
if pg_start >/dev/null 2>&1; then
    pg_newdb s7
    ok=1
    for f in $(ls "$P"/migrations/postgres/*.sql | sort); do
        pg_psql s7 -f "$f" >"$TMP/pg.out" 2>&1 || { ok=0; cat "$TMP/pg.out" >&2; }
    done
    check "PostgreSQL applies both" [ "$ok" = 1 ]
    pg_psql s7 -c 'INSERT INTO docs (id) VALUES (1)'
    got=$(pg_psql s7 -At -c 'SELECT body::text || $$ $$ || tags::text || $$ $$ || nested::text FROM docs')
    check "PostgreSQL defaults (got $got)" [ "$got" = '{} {"{}","{\"a\": [1, {}]}"} {"a": {"b": [], "c": "é\"\\"}, "n": 1}' ]
else
    fail "PostgreSQL test server did not start"
fi
finish
