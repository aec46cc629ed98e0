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

need_sqlite3
pg_want
[ "$HAVE_PG" = 1 ] && pg_newdb raw_db

PWNED=$TMP/pwned

# yaml_str JSON: the JSON string as a YAML double-quoted scalar, with PWNED replaced
yaml_str() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]).replace("PWNED", sys.argv[2]), ensure_ascii=True))' "$1" "$PWNED"; }

# expected WHERE JSON sqlite|pg|pgref: a query printing 1 when the catalog holds the expression as
# written.  SQLite keeps the statement's text: it must hold "(text)" with the line breaks
# outside quoted strings as spaces (how mdc lays it out).  PostgreSQL keeps a parsed form:
# it must equal that of a reference object made from the same text in schema ref (pgref:
# the statements making it).
expected() {
    python3 - "$@" "$PWNED" <<'PY'
import json, sys
where, text, db, pwned = sys.argv[1], json.loads(sys.argv[2]).replace("PWNED", sys.argv[4]), sys.argv[3], sys.argv[4]
out, q = [], None
for ch in text:  # accepted texts here quote with '...' and "..." only
    if q is None and ch in "'\"": q = ch
    elif ch == q: q = None
    out.append(" " if ch == "\n" and q is None else ch)
expr = "(" + "".join(out) + ")"
lit = lambda s: "'" + s.replace("'", "''") + "'"
if db == "sqlite":
    kw = {"check": "CHECK ", "index": "WHERE ", "default": "DEFAULT "}[where]
    print("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'raws' AND instr(sql, %s) > 0" % lit(kw + expr))
    sys.exit()
ref = "DROP SCHEMA IF EXISTS ref CASCADE; CREATE SCHEMA ref; CREATE TABLE ref.raws (id bigint, n int, email text, go int, d int"
if where == "check":
    ref += ", CONSTRAINT c CHECK %s);" % expr
    q = "SELECT count(DISTINCT pg_get_constraintdef(oid)) = 1 AND count(*) = 2 FROM pg_constraint WHERE conname = 'c'"
elif where == "index":
    ref += "); CREATE INDEX ix ON ref.raws (n) WHERE %s;" % expr
    q = "SELECT count(DISTINCT pg_get_expr(x.indpred, x.indrelid)) = 1 AND count(*) = 2 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relname = 'ix'"
else:
    ref += " DEFAULT %s);" % expr
    q = "SELECT count(DISTINCT pg_get_expr(d.adbin, d.adrelid)) = 1 AND count(*) = 2 FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum JOIN pg_class c ON c.oid = d.adrelid WHERE c.relname = 'raws' AND a.attname = 'd'"
print(ref if db == "pgref" else "SELECT (%s)::int" % q)
PY
}

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
        if [ $rc = 1 ] && grep -q "^models/m.yaml:$LINE:$COL: error \[BAD_VALUE\] .*\(must be a single SQL expression: \|contains the control character U+\)" "$TMP/out"; then
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

# accepted WHERE JSON: the expression is accepted, both clients apply the file, exactly the
# intended statements ran, and each catalog holds the expression (see expected)
accepted() {
    local where=$1 json=$2 slcat pgcat
    slcat=$(expected "$where" "$json" sqlite)
    i=$((i + 1))
    local R=$TMP/ok_$where e
    e=$(yaml_str "$json")
    project "$R" "$where" "$e"
    if ! "$MDC" -C "$R" migrate --write >"$TMP/out" 2>&1; then
        fail "accepted #$i ($json) in $where: refused: $(head -3 "$TMP/out")"; return
    fi
    apply "$R" "ok$i"
    local what="accepted #$i ($json) in $where"
    [ $SL_RC = 0 ] && pass || fail "$what: sqlite3 exit $SL_RC: $(head -5 "$TMP/sl.out")"
    [ -e "$PWNED" ] && fail "$what: $PWNED was created"
    # one query: the canary's rows | the tables and views | the catalog entry (1)
    eq "$what: sqlite canary, tables, catalog" \
        "$(slq "$SLDB" "SELECT (SELECT group_concat(x) FROM canary) || '|' || (SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name)) || '|' || ($slcat)")" \
        "1|$TABLES|1"
    if [ "$HAVE_PG" = 1 ]; then
        [ $PG_RC = 0 ] && pass || fail "$what: psql exit $PG_RC: $(head -5 "$TMP/pg.out")"
        [ -e "$PWNED" ] && fail "$what: $PWNED was created (psql)"
        pgq raw_db "$(expected "$where" "$json" pgref)" >/dev/null || fail "$what: the reference object"
        pgcat=$(expected "$where" "$json" pg)
        eq "$what: postgres canary, tables, catalog" \
            "$(pgq raw_db "SELECT (SELECT string_agg(x::text, ',') FROM canary) || '|' || (SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public' AND c.relkind IN ('r', 'v')) || '|' || ($pgcat)")" \
            "1|$TABLES|1"
    fi
}
TABLES="canary dataflow_migrations dataflow_model_registry raws"
eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }
i=0
while IFS= read -r json; do
    [ -z "$json" ] && continue
    accepted check "$json"
    accepted index "$json"
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
    accepted default "$json"
done <<'EXPRS'
"1"
"(2 + 3)"
"length('a;b--c$$d')"
"abs(-4)\n  + 1"
EXPRS

finish
