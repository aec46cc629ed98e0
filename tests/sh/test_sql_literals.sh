#!/usr/bin/env bash
# test_sql_literals.sh - string literals in PostgreSQL migrations mean the same whatever the
# server's standard_conforming_strings: a description ending in `\`, holding `\n`, `\\`,
# quotes and a real line break, and a string default holding backslashes, arrive verbatim
# (COMMENT, DEFAULT, the recorded state) on a database where the setting is off by default;
# and on SQLite.  Text without a backslash is written exactly as before: '...'.
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

need_sqlite3
pg_need
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }

P=$TMP/lit; new_repo "$P"; mkdir -p "$P/models"
printf 'project: lit\ndialects: [postgres, sqlite]\n' >"$P/mdc.yaml"
# YAML double-quoted, so \\ is one backslash.  The texts (TABLE_DESC etc. below) end in a
# backslash and hold \n (two characters), \\, \' and quotes; the table's also a line break.
cat >"$P/models/m.yaml" <<'Y'
kind: model
name: Lit
description: "It's \"a\" \\n \\\\ back\\slash\nsecond line \\"
fields:
  id: {type: int64, primary_key: true}
  s: {type: string, default: "C:\\temp\\ 'x' \\", description: "a\\'b' \\\\' \\"}
  plain: {type: string, nullable: true, description: "no backslash here: it's plain"}
Y
commit_all "$P" v1
"$MDC" -C "$P" migrate --write >/dev/null 2>"$TMP/err" || { fail "migrate --write: $(cat "$TMP/err")"; finish; exit; }
PGF=$(ls "$P"/migrations/postgres/*.sql); SLF=$(ls "$P"/migrations/sqlite/*.sql)

TABLE_DESC=$'It\'s "a" \\n \\\\ back\\slash\nsecond line \\'
COL_DESC=$'a\\\'b\' \\\\\' \\'
DEFAULT=$'C:\\temp\\ \'x\' \\'
PLAIN="no backslash here: it's plain"

# the file itself: a literal without a backslash is still '...'
check "a literal without a backslash is written '...'" grep -qF "IS 'no backslash here: it''s plain';" "$PGF"

# Applied by psql -f (psql follows the file's SET LOCAL) and as one request (psql -c with the
# whole text, as a driver's simple query does: the server parses every statement before the
# SET LOCAL runs, so only the text itself can make it mean the same under both settings).
for scs in off on; do
    for how in file request; do
        db=lit_${scs}_$how
        pg_newdb $db
        pgq $db "ALTER DATABASE $db SET standard_conforming_strings = $scs" >/dev/null
        eq "$db: the setting holds for new sessions" "$(pgq $db "SHOW standard_conforming_strings")" $scs
        if [ $how = file ]; then
            psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$PGF" >"$TMP/pg.out" 2>&1
        else
            psql -X -q -v ON_ERROR_STOP=1 -d $db -c "$(cat "$PGF")" >"$TMP/pg.out" 2>&1
        fi
        if [ $? = 0 ]; then pass; else fail "$db: applying the file failed: $(head -5 "$TMP/pg.out")"; continue; fi
        eq "$db: table comment verbatim" "$(pgq $db "SELECT obj_description('public.lits'::regclass, 'pg_class')")" "$TABLE_DESC"
        eq "$db: column comment verbatim" "$(pgq $db "SELECT col_description('public.lits'::regclass, 2)")" "$COL_DESC"
        eq "$db: plain comment verbatim" "$(pgq $db "SELECT col_description('public.lits'::regclass, 3)")" "$PLAIN"
        pgq $db "INSERT INTO lits (id) VALUES (1)" >/dev/null
        eq "$db: default verbatim" "$(pgq $db "SELECT s FROM lits")" "$DEFAULT"
        eq "$db: recorded description verbatim" \
            "$(pgq $db "SELECT d->>'description' FROM dataflow_migrations, jsonb_array_elements(model_definitions->'documents') d WHERE application_id = 'lit' AND d->>'name' = 'Lit'")" \
            "$TABLE_DESC"
    done
done

# mdc reads back the state it recorded in the PostgreSQL file: nothing to migrate
"$MDC" -C "$P" migrate --check >"$TMP/out" 2>&1 && pass || fail "migrate --check after the first file: $(cat "$TMP/out")"
commit_all "$P" migrate >/dev/null
printf '  more: {type: string, nullable: true, description: "x\\\\"}\n' >>"$P/models/m.yaml"
commit_all "$P" v2
"$MDC" -C "$P" migrate --write --dialect postgres >"$TMP/out" 2>&1 && pass || fail "second migrate --write: $(cat "$TMP/out")"
PGF2=$(ls "$P"/migrations/postgres/*.sql | sort | tail -1)
check "the second file only adds the column" grep -q 'ADD COLUMN "more"' "$PGF2"
check "the second file does not recreate the table" bash -c "! grep -q 'CREATE TABLE \"public\".\"lits\"' '$PGF2'"
if psql -X -q -v ON_ERROR_STOP=1 -d lit_off_request -f "$PGF2" >"$TMP/pg.out" 2>&1; then pass
else fail "scs off: second file: $(head -5 "$TMP/pg.out")"; fi
eq "scs off: second column comment" "$(pgq lit_off_request "SELECT col_description('public.lits'::regclass, 4)")" 'x\'

# SQLite: the same texts (SQLite has no escapes in '...')
SL=$TMP/lit.db
if sqlite3 "$SL" <"$SLF" >"$TMP/sl.out" 2>&1; then pass; else fail "sqlite3: $(head -5 "$TMP/sl.out")"; fi
sqlite3 "$SL" "INSERT INTO lits (id) VALUES (1)"
eq "sqlite: default verbatim" "$(sqlite3 "$SL" "SELECT s FROM lits")" "$DEFAULT"
eq "sqlite: recorded description verbatim" \
    "$(sqlite3 "$SL" "SELECT json_extract(d.value, '$.description') FROM dataflow_migrations, json_each(model_definitions, '$.documents') d WHERE application_id = 'lit' AND json_extract(d.value, '$.name') = 'Lit'")" \
    "$TABLE_DESC"

finish
