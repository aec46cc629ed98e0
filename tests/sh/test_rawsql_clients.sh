#!/usr/bin/env bash
# test_rawsql_clients.sh - raw SQL from definitions (check `expr:`, index `where:`, custom
# `default_expr`) against the real clients: `psql -v ON_ERROR_STOP=1 -f` and
# `sqlite3 db < file`.
#
#   A. hostile texts (dollar quotes, escape strings, SQLite [..] and `..` names, Tcl-style
#      parameters, comments, `;`, psql meta-commands and variables, dot-commands at the start
#      of a line, control characters) in every position: `mdc check` and `mdc migrate --write`
#      refuse each with a diagnostic at file:line:col and write nothing.  Should one be
#      accepted, its migration is applied with both clients and the damage is reported.
#   B. accepted expressions, including multi-line ones and literals holding `;`, `--`, `$$`,
#      backslashes, `:name` and line breaks followed by `.` or `\`: both clients apply the
#      files and exactly the intended statements ran: the canary table untouched, no file
#      created by a shell escape, the tables of the database exactly the expected ones, and
#      the check / partial index / default present in the catalog.
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
    fail "the sqlite3 command-line shell is needed (apt-get install sqlite3)"; finish; exit
fi
HAVE_PG=1
pg_start || { fail "PostgreSQL test server did not start: PostgreSQL parts skipped"; HAVE_PG=0; }
export PGTZ=UTC PGOPTIONS="-c client_min_messages=warning"
[ "$HAVE_PG" = 1 ] && pg_newdb raw_db

PWNED=$TMP/pwned

# yaml_str JSON: the JSON string as a YAML double-quoted scalar, with PWNED replaced
yaml_str() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]).replace("PWNED", sys.argv[2]), ensure_ascii=True))' "$1" "$PWNED"; }

# project DIR WHERE EXPR_YAML: a repository whose model holds EXPR_YAML at WHERE, which
# starts at line LINE, column COL of models/m.yaml
project() {
    local dir=$1 where=$2 e=$3
    if [ ! -d "$dir/.git" ]; then # mdc reads the working tree: no commit needed
        new_repo "$dir"; mkdir -p "$dir/models"
        printf 'project: raw\ndialects: [postgres, sqlite]\nmax_risk: CRITICAL\n' >"$dir/mdc.yaml"
    fi
    rm -rf "$dir/migrations"
    {
        printf 'kind: model\nname: Raw\nfields:\n  id: {type: int64, primary_key: true}\n'
        printf '  n: {type: int32, nullable: true}\n  email: {type: string, nullable: true}\n'
        printf '  go: {type: int32, nullable: true}\n'
        case $where in
            check) printf 'checks:\n  - {name: c, expr: %s}\n' "$e"; LINE=9 COL=21 ;;
            index) printf 'indexes:\n  - {name: ix, fields: [n], where: %s}\n' "$e"; LINE=9 COL=36 ;;
            default) printf '  d: {type: int32, nullable: true, default_expr: {postgres: %s, sqlite: %s}}\n' "$e" "$e"
                     LINE=8 COL="\\(61\\|$((61 + ${#e} + 10))\\)" ;; # the postgres or the sqlite text
        esac
    } >"$dir/models/m.yaml"
}

pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
slq() { sqlite3 -bail "$1" "$2"; }

# apply DIR NAME: creates the canary in a fresh PostgreSQL database and a fresh SQLite file,
# applies the newest migration of each dialect with the real clients; sets PG_RC, SL_RC
apply() {
    local dir=$1 name=$2
    rm -f "$PWNED"
    SLDB=$TMP/$name.db; rm -f "$SLDB"
    slq "$SLDB" "CREATE TABLE canary (x INTEGER); INSERT INTO canary VALUES (1);"
    sqlite3 "$SLDB" <"$(ls "$dir"/migrations/sqlite/*.sql | sort | tail -1)" >"$TMP/sl.out" 2>&1; SL_RC=$?
    PG_RC=0
    if [ "$HAVE_PG" = 1 ]; then
        pgq raw_db "DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);" >/dev/null
        psql -X -v ON_ERROR_STOP=1 -d raw_db -f "$(ls "$dir"/migrations/postgres/*.sql | sort | tail -1)" >"$TMP/pg.out" 2>&1; PG_RC=$?
    fi
}

# ------------------------------------------------------------------ A. hostile texts

# One JSON string a line; PWNED becomes a path that a shell escape would create.
i=0
while IFS= read -r json; do
    [ -z "$json" ] && continue
    i=$((i + 1))
    e=$(yaml_str "$json")
    for where in check index default; do
        R=$TMP/hostile_$where
        project "$R" $where "$e"
        "$MDC" -C "$R" check >"$TMP/out" 2>&1; rc=$?
        if [ $rc = 1 ] && grep -q "^models/m.yaml:$LINE:$COL: error \[BAD_VALUE\] .*must be a single SQL expression: " "$TMP/out"; then
            pass
        else
            fail "hostile #$i ($json) in $where: mdc check exit $rc, want 1 with a diagnostic at models/m.yaml:$LINE:$COL; got: $(head -3 "$TMP/out")"
        fi
        "$MDC" -C "$R" migrate --write >"$TMP/out" 2>&1; rc=$?
        if [ $rc != 0 ] && [ ! -d "$R/migrations" ]; then pass; continue; fi
        fail "hostile #$i ($json) in $where: mdc migrate --write exit $rc and wrote migrations"
        # accepted: what does it do to a database?
        apply "$R" "h$i$where"
        [ "$(slq "$SLDB" "SELECT count(*) FROM canary" 2>&1)" = 1 ] || fail "  ... sqlite3 (exit $SL_RC): the canary is gone"
        [ -e "$PWNED" ] && fail "  ... a shell escape ran: $PWNED exists"
        if [ "$HAVE_PG" = 1 ]; then
            [ "$(pgq raw_db "SELECT count(*) FROM canary" 2>&1)" = 1 ] || fail "  ... psql (exit $PG_RC): the canary is gone"
            [ -e "$PWNED" ] && fail "  ... a shell escape ran (psql): $PWNED exists"
        fi
    done
done <<'EXPRS'
"$$'$$ IS NOT NULL); DROP TABLE canary; SELECT ($$'$$ IS NOT NULL"
"$x$'$x$ IS NOT NULL); DROP TABLE canary; SELECT ($x$'$x$ IS NOT NULL"
"n > $$x$$"
"E'\\'' IS NOT NULL); DROP TABLE canary; SELECT (E'\\'' IS NOT NULL"
"e'\\'' IS NOT NULL); DROP TABLE canary; SELECT (e'\\'' IS NOT NULL"
"email <> 'a\\' OR email <> '); DROP TABLE canary; SELECT ('"
"[a'] IS NOT NULL); DROP TABLE canary; SELECT ([a'] IS NOT NULL"
"`a'` IS NOT NULL); DROP TABLE canary; SELECT (`a'` IS NOT NULL"
"n > 0 OR [x;y] IS NULL"
"@a(');DROP TABLE canary;') IS NULL"
"n > 0); DROP TABLE canary; --"
"n > 0; DROP TABLE canary"
"n > 0 -- trailing comment"
"n > 0 /* comment */"
"n > 0 /* /* nested */ */"
"n > 0) OR (1 = 1"
"'unterminated"
"n > (SELECT 1); DROP TABLE canary"
"n > 0 \\; DROP TABLE canary"
"email IS NOT NULL \\! touch PWNED"
"n > 0 \\! touch PWNED"
"n > 0 \\o PWNED"
"email <> :'DBNAME'"
"email <> :DBNAME"
"email <> :\"DBNAME\""
"n > 0\n.system touch PWNED"
"n > 0\n.shell touch PWNED"
"n > 0\n\\! touch PWNED"
"email <> 'a\n.system touch PWNED\n'"
"n > 0\r\n.system touch PWNED"
"email <> 'a\u001b]0;title\u0007'"
"n > $1"
""
EXPRS

# ------------------------------------------------------------------ B. accepted expressions

# accept WHERE JSON CATALOG_SQLITE CATALOG_PG: the expression is accepted, both clients apply
# the file, exactly the intended statements ran, and each catalog query prints 1
accepted() {
    local where=$1 json=$2 slcat=$3 pgcat=$4
    i=$((i + 1))
    local R=$TMP/ok_$where e
    e=$(yaml_str "$json")
    project "$R" "$where" "$e"
    if ! "$MDC" -C "$R" migrate --write >"$TMP/out" 2>&1; then
        fail "accepted #$i ($json) in $where: refused: $(head -3 "$TMP/out")"; return
    fi
    apply "$R" "ok$i"
    [ $SL_RC = 0 ] && pass || fail "accepted #$i ($json) in $where: sqlite3 exit $SL_RC: $(head -5 "$TMP/sl.out")"
    [ -e "$PWNED" ] && fail "accepted #$i ($json) in $where: $PWNED was created"
    [ "$(slq "$SLDB" "SELECT group_concat(x) FROM canary")" = 1 ] && pass || fail "accepted #$i ($json) in $where: sqlite canary changed"
    [ "$(slq "$SLDB" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name)")" = \
        "canary dataflow_migrations dataflow_model_registry raws" ] && pass || fail "accepted #$i ($json) in $where: sqlite tables differ"
    [ "$(slq "$SLDB" "$slcat")" = 1 ] && pass || fail "accepted #$i ($json) in $where: sqlite catalog: $slcat"
    if [ "$HAVE_PG" = 1 ]; then
        [ $PG_RC = 0 ] && pass || fail "accepted #$i ($json) in $where: psql exit $PG_RC: $(head -5 "$TMP/pg.out")"
        [ -e "$PWNED" ] && fail "accepted #$i ($json) in $where: $PWNED was created (psql)"
        [ "$(pgq raw_db "SELECT string_agg(x::text, ',') FROM canary")" = 1 ] && pass || fail "accepted #$i ($json) in $where: postgres canary changed"
        [ "$(pgq raw_db "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public' AND c.relkind IN ('r', 'v')")" = \
            "canary dataflow_migrations dataflow_model_registry raws" ] && pass || fail "accepted #$i ($json) in $where: postgres tables differ"
        [ "$(pgq raw_db "$pgcat")" = 1 ] && pass || fail "accepted #$i ($json) in $where: postgres catalog: $pgcat"
    fi
}
check_sl="SELECT count(*) FROM sqlite_master WHERE name = 'raws' AND sql LIKE '%CONSTRAINT \"c\" CHECK (%'"
check_pg="SELECT count(*) FROM pg_constraint WHERE conname = 'c' AND contype = 'c'"
index_sl="SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix' AND sql LIKE '% WHERE (%'"
index_pg="SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relname = 'ix' AND x.indpred IS NOT NULL"
default_sl="SELECT count(*) FROM pragma_table_info('raws') WHERE name = 'd' AND dflt_value IS NOT NULL"
default_pg="SELECT count(*) FROM information_schema.columns WHERE table_name = 'raws' AND column_name = 'd' AND column_default IS NOT NULL"

i=0
while IFS= read -r json; do
    [ -z "$json" ] && continue
    accepted check "$json" "$check_sl" "$check_pg"
    accepted index "$json" "$index_sl" "$index_pg"
done <<'EXPRS'
"n > 0"
"email LIKE '%@%'"
"n > 0 AND 'a;b' <> 'c--d'"
"email <> ';' AND email <> '$$' AND email <> ':DBNAME' AND email <> '\\! touch PWNED'"
"email <> 'x''; DROP TABLE canary; --'"
"\"n\" >= 0"
"email <> 'a\\\\b'"
"n > 0\nAND n < 10"
"n > 0\n\tAND n < 10"
"n > 0 AND\ngo\nIS NULL"
"n\n/\n2 > 0"
"email <> 'two\nlines'"
"email <> 'x\ngo\n'"
"email <> '\n/\n'"
"email IS NULL OR email <> 'ünïcødé ☃'"
"(n IN (1, 2, 3)) OR (n IS NULL)"
"CASE WHEN n > 0 THEN 1 ELSE 0 END = 1 OR n IS NULL"
EXPRS
while IFS= read -r json; do
    [ -z "$json" ] && continue
    accepted default "$json" "$default_sl" "$default_pg"
done <<'EXPRS'
"1"
"(2 + 3)"
"length('a;b--c$$d')"
"abs(-4)\n  + 1"
EXPRS

finish
