#!/usr/bin/env bash
# test_migrate_safety.sh - migration safety beyond the property test (SPEC 6.1, 6.3):
#   A. two concurrent appliers on PostgreSQL serialise on pg_advisory_xact_lock(314159265):
#      exactly one applies, the other fails the checksum guard cleanly, the database is as if
#      the file ran once;
#   B. DataFlow compatibility: dataflow_migrations pre-created by DataFlow in both seed-000
#      shapes (base table; with the three registry columns and the view), DataFlow 0.4's
#      dataflow_model_registry TABLE (rows upserted per model), and two projects sharing a
#      database -- on PostgreSQL and SQLite;
#   C. hostile text (quotes, backslashes, `'; DROP TABLE canary; --`, $$, $mdc$, unicode,
#      newlines) in descriptions, defaults, check expressions and index predicates, odd enum
#      values, SQL keywords and mixed case as model/field/table/schema/index/check names: the
#      migrations apply, the text arrives verbatim (COMMENT, DEFAULT, recorded JSON) and a
#      canary table survives; raw SQL that is not one expression is rejected;
#   D. the max-risk gate, `mdc migrate --check` (missing migration, edited old migration,
#      clean), and the examples/metadata baseline on PostgreSQL and SQLite;
#   E. values that do not fit a narrowed or changed type stop the migration; values that fit
#      go through;
#   F. `mdc migrate --down` applied after its forward migration restores the baseline.
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

need_sqlite3
pg_want

# ------------------------------------------------------------------ helpers

# project DIR NAME [MAX_RISK]: a repository with mdc.yaml and models/
project() {
    rm -rf "$1"; new_repo "$1"; mkdir -p "$1/models"
    printf 'project: %s\ndialects: [postgres, sqlite]\nmax_risk: %s\n' "$2" "${3:-CRITICAL}" >"$1/mdc.yaml"
}
# mwrite DIR: mdc migrate --write and commit; prints mdc's stderr on failure
mwrite() {
    local err
    if ! err=$("$MDC" -C "$1" migrate --write 2>&1 >/dev/null); then
        echo "mdc migrate --write in $1 failed: $err" >&2; return 1
    fi
    commit_all "$1" "migrate"
}
newest() { ls "$1/migrations/$2/"*.sql 2>/dev/null | sort | tail -1; }
nth() { ls "$1/migrations/$2/"*.sql 2>/dev/null | sort | sed -n "${3}p"; }
pga() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >"$TMP/pga.out" 2>&1; }       # DB FILE
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }                         # DB SQL
sla() { sqlite3 -bail -cmd 'PRAGMA foreign_keys=ON' "$1" <"$2" >"$TMP/sla.out" 2>&1; } # DB FILE
slq() { sqlite3 -bail "$1" "$2"; }                                                    # DB SQL
apply_all_pg() { local f; for f in $(ls "$2/migrations/postgres/"*.sql | sort); do pga "$1" "$f" || { cat "$TMP/pga.out" >&2; return 1; }; done; }
apply_all_sl() { local f; for f in $(ls "$2/migrations/sqlite/"*.sql | sort); do sla "$1" "$f" || { cat "$TMP/sla.out" >&2; return 1; }; done; }
catalog() { python3 "$MDC_SRC/tests/migrate/catalog.py" --with-names "$@"; }
model_sum() { # DIR MODEL -> checksum of that model (mdc hash)
    "$MDC" -C "$1" hash --format json | python3 -c 'import json,sys
d=json.load(sys.stdin); print([x["checksum"] for x in d["documents"] if x["name"]==sys.argv[1]][0])' "$2"
}
registry_sum() { "$MDC" -C "$1" hash --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["registry"])'; }
# eq NAME GOT WANT
eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }

# ------------------------------------------------------------------ a small project, 2 migrations

P="$TMP/conc"; project "$P" conc
cat >"$P/models/account.yaml" <<'Y'
kind: model
name: Account
fields:
  id: {type: int64, primary_key: true}
  name: string
Y
cat >"$P/models/tag.yaml" <<'Y'
kind: model
name: Tag
fields:
  id: {type: int64, primary_key: true}
  account_id: {type: int64, references: Account, on_delete: cascade}
  label: {type: string(40), nullable: true}
Y
commit_all "$P" "v1"
check "conc: baseline written" mwrite "$P"
cat >>"$P/models/account.yaml" <<'Y'
  nickname: {type: string, nullable: true}
  score: {type: int32, default: 0}
Y
commit_all "$P" "v2"
check "conc: second migration written" mwrite "$P"
M1=$(nth "$P" postgres 1); M2=$(nth "$P" postgres 2)
S1=$(nth "$P" sqlite 1); S2=$(nth "$P" sqlite 2)
check "conc: two postgres files" test -f "$M2"
check "conc: two sqlite files" test -f "$S2"

if [ "$HAVE_PG" = 1 ]; then
# ================================================================== A. concurrent appliers
    pg_newdb conc_ref && pga conc_ref "$M1" && pga conc_ref "$M2"
    catalog pg conc_ref >"$TMP/conc_ref.json"
    for round in 1 2 3; do
        db=conc_$round
        pg_newdb $db
        pga $db "$M1" || fail "conc: baseline on $db"
        holder=
        if [ $round -le 2 ]; then
            # a third session (a DataFlow migrator, say) holds the lock for 2 s
            printf 'BEGIN;\nSELECT pg_advisory_xact_lock(314159265);\nSELECT pg_sleep(2);\nCOMMIT;\n' |
                psql -X -q -d $db >/dev/null 2>&1 &
            holder=$!
            sleep 0.5
        fi
        t0=$(date +%s%N)
        psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$M2" >"$TMP/c1.out" 2>&1 & a=$!
        psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$M2" >"$TMP/c2.out" 2>&1 & b=$!
        wait $a; ra=$?; wait $b; rb=$?
        t1=$(date +%s%N)
        [ -n "$holder" ] && wait $holder
        if { [ $ra = 0 ] && [ $rb != 0 ]; } || { [ $ra != 0 ] && [ $rb = 0 ]; }; then pass
        else fail "conc round $round: exit codes $ra and $rb, want exactly one success"; cat "$TMP/c1.out" "$TMP/c2.out" >&2; fi
        loser=$TMP/c1.out; [ $ra = 0 ] && loser=$TMP/c2.out
        if grep -qi "refusing\|checksum" "$loser"; then pass
        else fail "conc round $round: the loser did not fail on the checksum guard:"; cat "$loser" >&2; fi
        if [ -n "$holder" ]; then
            ms=$(( (t1 - t0) / 1000000 ))
            if [ $ms -ge 1200 ]; then pass; else fail "conc round $round: appliers did not wait for the advisory lock (${ms} ms)"; fi
        fi
        eq "conc round $round: one recorded row for the file" \
            "$(pgq $db "SELECT count(*) FROM dataflow_migrations WHERE name = '$(basename "$M2" .sql)'")" 1
        catalog pg $db >"$TMP/conc_$round.json"
        check "conc round $round: catalog as if applied once" catalog diff "$TMP/conc_ref.json" "$TMP/conc_$round.json"
    done

# ================================================================== B. DataFlow compatibility (PostgreSQL)
    DF_BASE="CREATE TABLE dataflow_migrations (version VARCHAR(255) PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum VARCHAR(32) NOT NULL, applied_at TIMESTAMPTZ, status VARCHAR(50) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','applied','failed','rolled_back')), operations JSONB, created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP);
INSERT INTO dataflow_migrations (version, name, checksum, applied_at, status, operations) VALUES ('20240101_001', 'dataflow_init', 'd41d8cd98f00b204e9800998ecf8427e', now(), 'applied', '[]');"
    DF_EXT="ALTER TABLE dataflow_migrations ADD COLUMN IF NOT EXISTS model_definitions JSONB;
ALTER TABLE dataflow_migrations ADD COLUMN IF NOT EXISTS application_id VARCHAR(255);
ALTER TABLE dataflow_migrations ADD COLUMN IF NOT EXISTS model_registry_sync BOOLEAN DEFAULT FALSE;
CREATE VIEW dataflow_model_registry AS SELECT application_id, model_definitions, checksum as model_checksum, applied_at as registered_at, version as schema_version FROM dataflow_migrations WHERE model_registry_sync = TRUE AND status = 'applied' ORDER BY applied_at DESC;"
    # DataFlow 0.4+ model registry table (dataflow/core/model_registry.py, PostgreSQL variant)
    DF_REG="CREATE TABLE dataflow_model_registry (id SERIAL PRIMARY KEY, model_name VARCHAR(255) NOT NULL, model_checksum VARCHAR(64) NOT NULL, model_definitions JSONB NOT NULL, application_id VARCHAR(255), registered_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, status VARCHAR(50) DEFAULT 'active', version INTEGER DEFAULT 1, metadata JSONB, CONSTRAINT unique_model_per_app UNIQUE (model_name, application_id));
CREATE INDEX idx_model_registry_application ON dataflow_model_registry(application_id);
INSERT INTO dataflow_model_registry (model_name, model_checksum, model_definitions, application_id) VALUES ('Legacy', 'abc', '{}', 'otherapp');"

    for shape in base extended registry; do
        db=df_$shape
        pg_newdb $db
        case $shape in
            base) pgq $db "$DF_BASE" >/dev/null ;;
            extended) pgq $db "$DF_BASE $DF_EXT" >/dev/null ;;
            registry) pgq $db "$DF_BASE $DF_EXT" >/dev/null; pgq $db "DROP VIEW dataflow_model_registry; $DF_REG" >/dev/null ;;
        esac
        if pga $db "$M1" && pga $db "$M2"; then pass
        else fail "dataflow $shape (postgres): migrations do not apply:"; cat "$TMP/pga.out" >&2; continue; fi
        eq "dataflow $shape: DataFlow's own row kept" \
            "$(pgq $db "SELECT count(*) FROM dataflow_migrations WHERE name = 'dataflow_init'")" 1
        eq "dataflow $shape: mdc rows recorded with application_id" \
            "$(pgq $db "SELECT count(*) FROM dataflow_migrations WHERE application_id = 'conc' AND status = 'applied' AND model_registry_sync AND model_definitions IS NOT NULL")" 2
        eq "dataflow $shape: recorded checksum = registry checksum" \
            "$(pgq $db "SELECT checksum FROM dataflow_migrations WHERE name = '$(basename "$M2" .sql)'")" "$(registry_sum "$P")"
        if [ $shape = registry ]; then
            eq "dataflow registry: still a table" "$(pgq $db "SELECT relkind FROM pg_class WHERE relname = 'dataflow_model_registry'")" r
            eq "dataflow registry: one row per model" \
                "$(pgq $db "SELECT string_agg(model_name || '=' || model_checksum, ',' ORDER BY model_name) FROM dataflow_model_registry WHERE application_id = 'conc'")" \
                "Account=$(model_sum "$P" Account),Tag=$(model_sum "$P" Tag)"
            eq "dataflow registry: other applications untouched" \
                "$(pgq $db "SELECT count(*) FROM dataflow_model_registry WHERE application_id = 'otherapp'")" 1
            eq "dataflow registry: definitions are the canonical JSON" \
                "$(pgq $db "SELECT model_definitions->>'name' FROM dataflow_model_registry WHERE application_id = 'conc' AND model_name = 'Tag'")" Tag
        else
            eq "dataflow $shape: view lists the mdc registry" \
                "$(pgq $db "SELECT count(*) FROM dataflow_model_registry WHERE application_id = 'conc'")" 2
            eq "dataflow $shape: view's newest checksum" \
                "$(pgq $db "SELECT model_checksum FROM dataflow_model_registry WHERE application_id = 'conc' LIMIT 1")" "$(registry_sum "$P")"
        fi
    done

    # two projects in one database (every read filters on application_id)
    Q="$TMP/conc2"; project "$Q" other
    cat >"$Q/models/thing.yaml" <<'Y'
kind: model
name: Thing
fields:
  id: {type: int64, primary_key: true}
Y
    commit_all "$Q" v1; mwrite "$Q"
    pg_newdb shared
    if pga shared "$M1" && pga shared "$(nth "$Q" postgres 1)" && pga shared "$M2"; then pass
    else fail "two projects in one postgres database: $(cat "$TMP/pga.out")"; fi
    eq "two projects: rows per application" \
        "$(pgq shared "SELECT string_agg(application_id || ':' || count, ',' ORDER BY application_id) FROM (SELECT application_id, count(*) FROM dataflow_migrations GROUP BY 1) x")" "conc:2,other:1"

# ================================================================== C. hostile text (PostgreSQL part below)
fi

# ------------------------------------------------------------------ B'. DataFlow compatibility (SQLite)
SL_BASE="CREATE TABLE dataflow_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT, status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','applied','failed','rolled_back')), operations TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP);
INSERT INTO dataflow_migrations (version, name, checksum, applied_at, status, operations) VALUES ('20240101_001', 'dataflow_init', 'd41d8cd98f00b204e9800998ecf8427e', '2024-01-01 00:00:00', 'applied', '[]');"
SL_EXT="ALTER TABLE dataflow_migrations ADD COLUMN model_definitions TEXT;
ALTER TABLE dataflow_migrations ADD COLUMN application_id TEXT;
ALTER TABLE dataflow_migrations ADD COLUMN model_registry_sync INTEGER DEFAULT 0;
CREATE VIEW dataflow_model_registry AS SELECT application_id, model_definitions, checksum as model_checksum, applied_at as registered_at, version as schema_version FROM dataflow_migrations WHERE model_registry_sync = 1 AND status = 'applied' ORDER BY applied_at DESC;"
SL_REG="CREATE TABLE dataflow_model_registry (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, model_checksum TEXT NOT NULL, model_definitions TEXT NOT NULL, application_id TEXT, registered_at TEXT DEFAULT CURRENT_TIMESTAMP, updated_at TEXT DEFAULT CURRENT_TIMESTAMP, status TEXT DEFAULT 'active', version INTEGER DEFAULT 1, metadata TEXT, UNIQUE(model_name, application_id));
INSERT INTO dataflow_model_registry (model_name, model_checksum, model_definitions, application_id) VALUES ('Legacy', 'abc', '{}', 'otherapp');"
# The same project written for DataFlow 0.4+'s registry table (mdc.yaml sqlite:
# {dataflow_registry: table}): SQLite has no conditional statements, so its files are
# written for the table or for the view and refuse the other.
PR="$TMP/conc_reg"; rm -rf "$PR"; cp -r "$P" "$PR"; rm -rf "$PR/migrations"
printf 'sqlite: {dataflow_registry: table}\n' >>"$PR/mdc.yaml"
commit_all "$PR" "table mode" && mwrite "$PR"
R1=$(nth "$PR" sqlite 1)
check "dataflow (sqlite): table-mode baseline differs from the view-mode one" bash -c "! cmp -s '$R1' '$S1'"
check "dataflow (sqlite): table-mode baseline fills the registry table" grep -q 'INSERT INTO "dataflow_model_registry"' "$R1"
df_rows() { slq "$1" "SELECT group_concat(model_name || '=' || model_checksum, ',') FROM (SELECT * FROM dataflow_model_registry WHERE application_id = 'conc' ORDER BY model_name)"; }
df_state() { slq "$1" "SELECT group_concat(type || ':' || name, ',') FROM (SELECT * FROM sqlite_master ORDER BY name)"; }
want_rows="Account=$(model_sum "$P" Account),Tag=$(model_sum "$P" Tag)"
for shape in base extended registry registry-mode registry-mode-view fresh-mode; do
    db=$TMP/df_$shape.db; rm -f "$db"
    case $shape in
        base) slq "$db" "$SL_BASE" ;;
        extended|registry-mode-view) slq "$db" "$SL_BASE $SL_EXT" ;;
        registry|registry-mode) slq "$db" "$SL_BASE $SL_EXT DROP VIEW dataflow_model_registry; $SL_REG" ;;
        fresh-mode) ;;
    esac
    A=$S1 B=$S2
    case $shape in (registry-mode*|fresh-mode) A=$R1 B= ;; esac
    before=$(df_state "$db")
    case $shape in
    base|registry|registry-mode-view)
        # refused with the way out, nothing changed
        if sla "$db" "$A"; then fail "dataflow $shape (sqlite): the file applies to a database it was not written for"; continue; fi
        case $shape in
            base) msg='lacks the registry columns.*ALTER TABLE dataflow_migrations ADD COLUMN model_definitions TEXT' ;;
            registry) msg='dataflow_model_registry is a table.*sqlite: {dataflow_registry: table}' ;;
            *) msg='written for a dataflow_model_registry table.*has a view' ;;
        esac
        check "dataflow $shape (sqlite): refusal says what to do" grep -q "$msg" "$TMP/sla.out"
        eq "dataflow $shape (sqlite): refusal changed nothing" "$(df_state "$db")" "$before"
        eq "dataflow $shape (sqlite): refusal recorded nothing" "$(slq "$db" "SELECT count(*) FROM dataflow_migrations")" 1
        [ $shape = base ] || continue
        # what the message says to run, then the files apply
        slq "$db" "ALTER TABLE dataflow_migrations ADD COLUMN model_definitions TEXT; ALTER TABLE dataflow_migrations ADD COLUMN application_id TEXT; ALTER TABLE dataflow_migrations ADD COLUMN model_registry_sync INTEGER DEFAULT 0;"
        ;;
    esac
    if sla "$db" "$A" && { [ -z "$B" ] || sla "$db" "$B"; }; then pass
    else fail "dataflow $shape (sqlite): migrations do not apply: $(cat "$TMP/sla.out")"; continue; fi
    [ $shape = fresh-mode ] ||
        eq "dataflow $shape (sqlite): DataFlow's own row kept" \
            "$(slq "$db" "SELECT count(*) FROM dataflow_migrations WHERE name = 'dataflow_init'")" 1
    eq "dataflow $shape (sqlite): mdc rows recorded" \
        "$(slq "$db" "SELECT count(*) FROM dataflow_migrations WHERE application_id = 'conc' AND status = 'applied' AND model_registry_sync = 1 AND model_definitions IS NOT NULL")" \
        "$([ -z "$B" ] && echo 1 || echo 2)"
    case $shape in
    registry-mode|fresh-mode)
        eq "dataflow $shape (sqlite): a table" "$(slq "$db" "SELECT type FROM sqlite_master WHERE name = 'dataflow_model_registry'")" table
        eq "dataflow $shape (sqlite): one row per model" "$(df_rows "$db")" "$want_rows"
        eq "dataflow $shape (sqlite): definitions are the canonical JSON" \
            "$(slq "$db" "SELECT json_extract(model_definitions, '$.name') FROM dataflow_model_registry WHERE application_id = 'conc' AND model_name = 'Tag'")" Tag
        [ $shape = fresh-mode ] && continue
        eq "dataflow $shape (sqlite): other applications untouched" \
            "$(slq "$db" "SELECT count(*) FROM dataflow_model_registry WHERE application_id = 'otherapp'")" 1
        if sla "$db" "$A"; then fail "dataflow $shape (sqlite): applied twice"; else pass; fi
        eq "dataflow $shape (sqlite): a second application changes no row" "$(df_rows "$db")" "$want_rows"
        ;;
    *)
        eq "dataflow $shape (sqlite): view lists the mdc registry" \
            "$(slq "$db" "SELECT count(*) FROM dataflow_model_registry WHERE application_id = 'conc'")" 2 ;;
    esac
done
# Switching an existing project from the view to the table: the next migration replaces
# mdc's view by the table and fills it.
PV="$TMP/conc_switch"; rm -rf "$PV"; cp -r "$P" "$PV"
printf 'sqlite: {dataflow_registry: table}\n' >>"$PV/mdc.yaml"; commit_all "$PV" "to the table"
if mwrite "$PV"; then pass; else fail "dataflow switch: no migration for the setting"; fi
db=$TMP/df_switch.db; rm -f "$db"
if apply_all_sl "$db" "$PV"; then pass; else fail "dataflow switch (sqlite): migrations do not apply"; fi
eq "dataflow switch (sqlite): a table now" "$(slq "$db" "SELECT type FROM sqlite_master WHERE name = 'dataflow_model_registry'")" table
eq "dataflow switch (sqlite): one row per model" "$(df_rows "$db")" "$want_rows"
check "dataflow switch: --check reads the table-mode state back" "$MDC" -C "$PV" migrate --check
check "dataflow (sqlite): table-mode project --check clean" "$MDC" -C "$PR" migrate --check
db=$TMP/shared.db
if sla "$db" "$S1" && sla "$db" "$(nth "$TMP/conc2" sqlite 1)" && sla "$db" "$S2"; then pass
else fail "two projects in one sqlite database: $(cat "$TMP/sla.out")"; fi

# ================================================================== C. hostile text
H="$TMP/hostile"; project "$H" hostile
# Everything here is valid input.  Texts are YAML double-quoted strings.
cat >"$H/models/select.yaml" <<'Y'
kind: model
name: Select
table: Order
schema: Group
description: "It's a \"quoted\" \\ backslash '; DROP TABLE canary; -- $$ $mdc$ E'\\x41' ünïcødé ☃ 𝄞\nsecond line"
fields:
  id: {type: int64, primary_key: true}
  from: {type: string, default: "it's '; DROP TABLE canary; -- $$ $mdc$ \\' \\\\ ☃", description: "col's \"desc\" $$; DROP TABLE canary; --"}
  Where: {type: "enum(a b, x.y, +1, 10:30, a/b, -)", default: "a b"}
  user: {type: string, nullable: true}
  limit: {type: int32, default: 5}
indexes:
  - {name: Table, fields: [user desc], where: "\"user\" <> 'x''; DROP TABLE canary; --'"}
  - {fields: [limit, Where]}
checks:
  - {name: drop, expr: "\"from\" <> 'bad''; DROP TABLE canary; -- $$'"}
  - {name: limit_ok, expr: "\"limit\" >= 0"}
---
kind: model
name: Grant
table: group
fields:
  id: {type: int64, primary_key: true}
  order_id: {type: int64, nullable: true, references: Select, on_delete: cascade}
  Mixed_Case: {type: string, default: "$mdc$'); DROP TABLE canary; --", description: "$mdc$"}
Y
commit_all "$H" v1
check "hostile: mdc check accepts the definitions" "$MDC" -C "$H" check
check "hostile: baseline written" mwrite "$H"

HOSTILE_VERIFY=$(cat <<'PY'
import json, subprocess, sys, re
dialect, target, step = sys.argv[1], sys.argv[2], sys.argv[3]
exp_desc = {"1": "It's a \"quoted\" \\ backslash '; DROP TABLE canary; -- $$ $mdc$ E'\\x41' \u00fcn\u00efc\u00f8d\u00e9 \u2603 \U0001D11E\nsecond line",
            "2": "Now: '' \"\" \\\\ $x$ $$ \u2603\t;--"}[step]
exp_def = {"1": "it's '; DROP TABLE canary; -- $$ $mdc$ \\' \\\\ \u2603",
           "2": "v2 '; DELETE FROM canary; -- $mdc$"}[step]
exp_cdesc = "col's \"desc\" $$; DROP TABLE canary; --"
bad = []
def q(sql):
    if dialect == "postgres":
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", target, "-c",
                            "SELECT to_jsonb(x) FROM (%s) x(v)" % sql], capture_output=True, text=True)
        if r.returncode: raise SystemExit("query failed: %s\n%s" % (sql, r.stderr))
        return json.loads(r.stdout)
    import sqlite3
    con = sqlite3.connect(target)
    row = con.execute(sql).fetchone()
    return {"v": row[0] if row else None}
tbl = '"Group"."Order"' if dialect == "postgres" else '"Order"'
if dialect == "postgres":
    got = q("SELECT obj_description('\"Group\".\"Order\"'::regclass, 'pg_class')")["v"]
    if got != exp_desc: bad.append("table COMMENT: %r != %r" % (got, exp_desc))
    got = q("SELECT col_description('\"Group\".\"Order\"'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = '\"Group\".\"Order\"'::regclass AND attname = 'from'))")["v"]
    if got != exp_cdesc: bad.append("column COMMENT: %r != %r" % (got, exp_cdesc))
got = q('SELECT "from" FROM %s WHERE id = %s' % (tbl, step))["v"]
if got != exp_def: bad.append("DEFAULT of \"from\": %r != %r" % (got, exp_def))
got = q("SELECT count(*) FROM canary")["v"]
if got != 1: bad.append("canary has %r rows" % got)
defs = q("SELECT model_definitions FROM dataflow_migrations WHERE application_id = 'hostile' ORDER BY name DESC LIMIT 1")["v"]
if isinstance(defs, str): defs = json.loads(defs)
docs = {d["name"]: d for d in defs.get("documents", [])}
sel = docs.get("Select", {})
if sel.get("description") != exp_desc: bad.append("recorded description: %r" % sel.get("description"))
if sel.get("fields", {}).get("from", {}).get("default") != exp_def:
    bad.append("recorded default: %r" % sel.get("fields", {}).get("from", {}).get("default"))
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY
)
hostile_rows() { # STEP -> inserts row id=STEP, omitting "from" (to get the default)
    printf 'INSERT INTO %s (id, "Where", "user") VALUES (%s, %s, NULL);\n' "$1" "$2" "'a b'"
    local k=0 v
    for v in "x.y" "+1" "10:30" "a/b" "-"; do
        k=$((k + 1))
        printf 'INSERT INTO %s (id, "Where") VALUES (%s, %s);\n' "$1" "$(( $2 * 100 + k ))" "'$v'"
    done
}

# SQLite
HS=$TMP/hostile.db
slq "$HS" "CREATE TABLE canary (x INTEGER); INSERT INTO canary VALUES (1);"
if sla "$HS" "$(nth "$H" sqlite 1)"; then pass; else fail "hostile (sqlite): baseline does not apply: $(cat "$TMP/sla.out")"; fi
hostile_rows '"Order"' 1 | sqlite3 -bail "$HS" || fail "hostile (sqlite): enum values / default rows"
check "hostile (sqlite): enum rejects other values" bash -c "! sqlite3 '$HS' \"INSERT INTO \\\"Order\\\" (id, \\\"Where\\\") VALUES (999, 'zzz')\" 2>/dev/null"
out=$(python3 -c "$HOSTILE_VERIFY" sqlite "$HS" 1 2>&1) && pass || fail "hostile (sqlite) step 1: $out"

if [ "$HAVE_PG" = 1 ]; then
    pg_newdb hostile
    pgq hostile "CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);" >/dev/null
    if pga hostile "$(nth "$H" postgres 1)"; then pass; else fail "hostile (postgres): baseline does not apply: $(cat "$TMP/pga.out")"; fi
    hostile_rows '"Group"."Order"' 1 | psql -X -q -v ON_ERROR_STOP=1 -d hostile >/dev/null || fail "hostile (postgres): enum values / default rows"
    check "hostile (postgres): enum rejects other values" bash -c "! psql -X -q -d hostile -c \"INSERT INTO \\\"Group\\\".\\\"Order\\\" (id, \\\"Where\\\") VALUES (999, 'zzz')\" 2>/dev/null"
    out=$(python3 -c "$HOSTILE_VERIFY" postgres hostile 1 2>&1) && pass || fail "hostile (postgres) step 1: $out"
    eq "hostile (postgres): keyword/mixed-case names" \
        "$(pgq hostile "SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname IN ('Order', 'group', 'Table')")" \
        "Group.Order,Group.Table,public.group"
fi

# step 2: description, default changed to other hostile text; a value added to the enum
python3 - "$H/models/select.yaml" <<'PY'
import sys
p = sys.argv[1]; s = open(p, encoding="utf-8").read()
lines = s.split("\n")
for i, l in enumerate(lines):
    if l.startswith("description:") and i < 6:
        lines[i] = 'description: "Now: \'\' \\"\\" \\\\\\\\ $x$ $$ \u2603\\t;--"'
    if l.startswith("  from:"):
        lines[i] = '  from: {type: string, default: "v2 \'; DELETE FROM canary; -- $mdc$", description: "col\'s \\"desc\\" $$; DROP TABLE canary; --"}'
    if l.startswith("  Where:"):
        lines[i] = l.replace("a/b, -)", "a/b, -, z'z)").replace("z'z", "z_z")
open(p, "w", encoding="utf-8").write("\n".join(lines))
PY
commit_all "$H" v2
check "hostile: second migration written" mwrite "$H"
if sla "$HS" "$(nth "$H" sqlite 2)"; then pass; else fail "hostile (sqlite): step 2 does not apply: $(cat "$TMP/sla.out")"; fi
sqlite3 -bail "$HS" "INSERT INTO \"Order\" (id, \"Where\") VALUES (2, 'z_z')" || fail "hostile (sqlite): row after step 2"
out=$(python3 -c "$HOSTILE_VERIFY" sqlite "$HS" 2 2>&1) && pass || fail "hostile (sqlite) step 2: $out"
if [ "$HAVE_PG" = 1 ]; then
    if pga hostile "$(nth "$H" postgres 2)"; then pass; else fail "hostile (postgres): step 2 does not apply: $(cat "$TMP/pga.out")"; fi
    pgq hostile "INSERT INTO \"Group\".\"Order\" (id, \"Where\") VALUES (2, 'z_z')" >/dev/null || fail "hostile (postgres): row after step 2"
    out=$(python3 -c "$HOSTILE_VERIFY" postgres hostile 2 2>&1) && pass || fail "hostile (postgres) step 2: $out"
    # the migrated hostile database equals a fresh one
    pg_newdb hostile_fresh
    pgq hostile_fresh "CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);" >/dev/null
    F="$TMP/hostile_fresh"; project "$F" hostile; cp "$H/models/"*.yaml "$F/models/"; commit_all "$F" v; mwrite "$F"
    apply_all_pg hostile_fresh "$F" || fail "hostile (postgres): fresh baseline does not apply"
    catalog pg hostile >"$TMP/h1.json"; catalog pg hostile_fresh >"$TMP/h2.json"
    check "hostile (postgres): migrated catalog == fresh catalog" catalog diff "$TMP/h1.json" "$TMP/h2.json"
fi

# raw SQL that is not a single expression is refused (by mdc check or mdc migrate), never
# applied; lines marked "ok" are single expressions: mdc may accept them, and then they must be
# harmless (the canary survives)
i=0
while IFS= read -r line; do
    i=$((i + 1))
    expr=${line#ok }
    must_refuse=1; [ "$expr" != "$line" ] && must_refuse=0
    R="$TMP/raw$i"; project "$R" raw
    for where in check index default; do
        case $where in
            check) body="checks:
  - {name: c, expr: $expr}" ; extra= ;;
            index) body="indexes:
  - {fields: [n], where: $expr}" ; extra= ;;
            default) body= ; extra="  d: {type: int32, default_expr: {postgres: $expr, sqlite: $expr}}" ;;
        esac
        cat >"$R/models/m.yaml" <<Y
kind: model
name: Raw
fields:
  id: {type: int64, primary_key: true}
  n: {type: int32, nullable: true}
$extra
$body
Y
        commit_all "$R" "$where $i" >/dev/null 2>&1
        if "$MDC" -C "$R" migrate --write >"$TMP/raw.out" 2>&1; then
            # accepted: then it must be harmless
            f=$(newest "$R" sqlite)
            db=$TMP/raw$i$where.db
            slq "$db" "CREATE TABLE canary (x INTEGER); INSERT INTO canary VALUES (1);"
            sla "$db" "$f"
            eq "raw SQL #$i in $where accepted by mdc: canary survives (sqlite)" "$(slq "$db" "SELECT count(*) FROM canary" 2>&1)" 1
            if [ "$HAVE_PG" = 1 ]; then
                pg_newdb raw
                pgq raw "CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);" >/dev/null
                pga raw "$(newest "$R" postgres)"
                eq "raw SQL #$i in $where accepted by mdc: canary survives (postgres)" "$(pgq raw "SELECT count(*) FROM canary" 2>&1)" 1
            fi
            if [ $must_refuse = 1 ]; then
                fail "raw SQL #$i in $where ($expr) is accepted; it is not a single expression"
            fi
            git -C "$R" rm -rq --cached migrations >/dev/null 2>&1; rm -rf "$R/migrations"
        elif [ $must_refuse = 1 ]; then
            pass
        fi
    done
done <<'EXPRS'
"n > 0); DROP TABLE canary; --"
"n > 0; DROP TABLE canary"
"n > 0 -- trailing comment"
"n > 0 /* comment */"
"n > 0) OR (1 = 1"
"'unterminated"
ok "n > 0 AND 'a;b' <> 'c--d'"
"n > (SELECT 1); DROP TABLE canary"
"n > 0 \\; DROP TABLE canary"
ok "n > $$x$$"
ok "n <> ';'"
EXPRS

# ================================================================== D. the max-risk gate, --check
G="$TMP/gate"; project "$G" gate MEDIUM
cat >"$G/models/item.yaml" <<'Y'
kind: model
name: Item
fields:
  id: {type: int64, primary_key: true}
  qty: int64
  note: string?
  old: string?
Y
commit_all "$G" v1
check "gate: baseline" mwrite "$G"
check "gate: --check clean" "$MDC" -C "$G" migrate --check
sed -i 's/  qty: int64/  qty: int32/' "$G/models/item.yaml"
commit_all "$G" narrow
n0=$(ls "$G/migrations/postgres" | wc -l)
"$MDC" -C "$G" migrate >"$TMP/gate.out" 2>"$TMP/gate.err"; rc=$?
eq "gate: narrowing above MEDIUM refused (exit)" "$rc" 1
check "gate: the refusal names the operation" grep -q "FIELD_TYPE_NARROWED" "$TMP/gate.err"
check "gate: the refusal names the risk" grep -q "HIGH" "$TMP/gate.err"
"$MDC" -C "$G" migrate --write >/dev/null 2>&1; rc=$?
eq "gate: --write refused too" "$rc" 1
eq "gate: nothing written" "$(ls "$G/migrations/postgres" | wc -l)" "$n0"
"$MDC" -C "$G" migrate --check >/dev/null 2>&1; rc=$?
eq "gate: --check reports the missing migration" "$rc" 1
"$MDC" -C "$G" migrate --max-risk LOW --write >/dev/null 2>&1; rc=$?
eq "gate: --max-risk LOW refuses" "$rc" 1
"$MDC" -C "$G" migrate --max-risk HIGH --write >/dev/null 2>"$TMP/gate.err"; rc=$?
eq "gate: --max-risk HIGH writes" "$rc" 0
commit_all "$G" "narrow migration"
check "gate: --check clean again" "$MDC" -C "$G" migrate --check
# a reserved removal (CRITICAL) is not held back by max_risk
python3 - "$G/models/item.yaml" <<'PY'
import sys; p = sys.argv[1]; s = open(p).read()
s = s.replace("  old: string?\n", "") + "reserved: [old]\n"; open(p, "w").write(s)
PY
commit_all "$G" "remove old"
"$MDC" -C "$G" migrate --write >/dev/null 2>"$TMP/gate.err"; rc=$?
eq "gate: reserved removal passes the MEDIUM gate" "$rc" 0
commit_all "$G" "remove migration"
# an unreserved removal is an error, whatever --max-risk says
sed -i '/  note: string?/d' "$G/models/item.yaml"; commit_all "$G" "remove note unreserved"
"$MDC" -C "$G" migrate --max-risk CRITICAL --write >/dev/null 2>"$TMP/gate.err"; rc=$?
eq "gate: unreserved removal refused" "$rc" 1
git -C "$G" reset -q --hard HEAD~1
check "gate: --check clean after reset" "$MDC" -C "$G" migrate --check
# an edited old migration is caught by mdc.sum
f=$(nth "$G" postgres 1)
printf -- '-- edited\n' >>"$f"
"$MDC" -C "$G" migrate --check >/dev/null 2>"$TMP/gate.err"; rc=$?
eq "gate: edited old migration fails --check" "$rc" 1
check "gate: the message names mdc.sum" grep -q "mdc.sum" "$TMP/gate.err"
git -C "$G" checkout -q -- "$f"
f=$(nth "$G" sqlite 1)
sed -i 's/BEGIN;/BEGIN; -- x/' "$f"
"$MDC" -C "$G" migrate --check >/dev/null 2>&1; rc=$?
eq "gate: edited old sqlite migration fails --check" "$rc" 1
git -C "$G" checkout -q -- "$f"
check "gate: --check clean after restore" "$MDC" -C "$G" migrate --check
# a deleted migration file (mdc.sum still lists it)
f=$(nth "$G" postgres 2); rm "$f"
"$MDC" -C "$G" migrate --check >/dev/null 2>&1; rc=$?
eq "gate: a deleted migration fails --check" "$rc" 1
git -C "$G" checkout -q -- "$f"
# the applied chain on PostgreSQL and SQLite
if [ "$HAVE_PG" = 1 ]; then
    pg_newdb gate
    check "gate: chain applies (postgres)" apply_all_pg gate "$G"
fi
check "gate: chain applies (sqlite)" apply_all_sl "$TMP/gate.db" "$G"

# ================================================================== D'. examples/metadata
E="$TMP/metadata"; rm -rf "$E"; new_repo "$E"
cp -r "$MDC_SRC/examples/metadata/." "$E/"; rm -rf "$E/migrations"
commit_all "$E" "metadata example"
check "metadata: baseline written" mwrite "$E"
nmodels=$(cat "$E"/models/*.yaml | grep -c '^kind: model')
if [ "$HAVE_PG" = 1 ]; then
    pg_newdb metadata
    check "metadata: baseline applies (postgres)" apply_all_pg metadata "$E"
    eq "metadata: one table per model in schema metadata" \
        "$(pgq metadata "SELECT count(*) FROM pg_tables WHERE schemaname = 'metadata'")" "$nmodels"
    check "metadata: applying it twice is refused" bash -c "! psql -X -q -v ON_ERROR_STOP=1 -d metadata -f '$(nth "$E" postgres 1)' >/dev/null 2>&1"
fi
check "metadata: baseline applies (sqlite)" apply_all_sl "$TMP/metadata.db" "$E"
eq "metadata: one table per model (sqlite)" \
    "$(slq "$TMP/metadata.db" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'dataflow_%'")" "$nmodels"
check "metadata: --check clean" "$MDC" -C "$E" migrate --check

# ================================================================== E. values that do not fit (SPEC 6.3)
# Narrowing and casting changes: when a stored value does not fit, the migration fails, rolls
# back and changes nothing.  SQLite has no int16 or varchar(n) (INTEGER, TEXT), so there only
# the cast of a non-numeric string to an integer is a value that does not fit (CAST('abc' AS
# INTEGER) is 0: silently storing 0 would lose the value).
N="$TMP/nofit"; project "$N" nofit
cat >"$N/models/m.yaml" <<'Y'
kind: model
name: Item
fields:
  id: {type: int64, primary_key: true}
  big: int64
  s: string(10)
  t: string
Y
commit_all "$N" v1; mwrite "$N"
for change in "big: int64/big: int16" "s: string(10)/s: string(4)" "t: string/t: int32"; do
    git -C "$N" reset -q --hard HEAD
    from=${change%%/*}; to=${change#*/}
    sed -i "s/  $from\$/  $to/" "$N/models/m.yaml"
    commit_all "$N" "$to"
    if ! mwrite "$N"; then fail "nofit: no migration for $to"; continue; fi
    for d in postgres sqlite; do
        [ $d = postgres ] && [ "$HAVE_PG" = 0 ] && continue
        [ $d = sqlite ] && [ "$to" != "t: int32" ] && continue
        row="INSERT INTO items VALUES (1, 100000, 'longvalue', 'abc');"
        if [ $d = postgres ]; then
            pg_newdb nofit; pga nofit "$(nth "$N" postgres 1)"; pgq nofit "$row" >/dev/null
            catalog pg nofit >"$TMP/nf0.json"; b0=$(pgq nofit "SELECT big || '|' || s || '|' || t FROM items")
            pga nofit "$(newest "$N" postgres)"; rc=$?
            catalog pg nofit >"$TMP/nf1.json"; b1=$(pgq nofit "SELECT big || '|' || s || '|' || t FROM items")
        else
            rm -f "$TMP/nofit.db"; sla "$TMP/nofit.db" "$(nth "$N" sqlite 1)"; slq "$TMP/nofit.db" "$row"
            catalog sqlite "$TMP/nofit.db" >"$TMP/nf0.json"; b0=$(slq "$TMP/nofit.db" "SELECT big || '|' || s || '|' || t FROM items")
            sla "$TMP/nofit.db" "$(newest "$N" sqlite)"; rc=$?
            catalog sqlite "$TMP/nofit.db" >"$TMP/nf1.json"; b1=$(slq "$TMP/nofit.db" "SELECT big || '|' || s || '|' || t FROM items")
        fi
        if [ $rc != 0 ]; then pass; else fail "nofit ($d): '$to' applies although a stored value does not fit (row now: $b1)"; fi
        eq "nofit ($d): '$to' left the row unchanged" "$b1" "$b0"
        check "nofit ($d): '$to' left the schema unchanged" catalog diff "$TMP/nf0.json" "$TMP/nf1.json"
        [ $d = postgres ] && [ "$to" = "s: string(4)" ] &&
            check "nofit ($d): '$to' names the column that does not fit" grep -q 'mdc: a value of items\.[a-z]* does not fit' "$TMP/pga.out"
        # The same migration over a row whose values fit applies and keeps them.
        row="INSERT INTO items VALUES (1, 7, 'abc', '42');"
        if [ $d = postgres ]; then
            pg_newdb fits; pga fits "$(nth "$N" postgres 1)"; pgq fits "$row" >/dev/null
            if pga fits "$(newest "$N" postgres)"; then pass; else fail "fits ($d): '$to' refused although every value fits: $(cat "$TMP/pga.out")"; fi
            b1=$(pgq fits "SELECT big || '|' || s || '|' || t FROM items")
        else
            rm -f "$TMP/fits.db"; sla "$TMP/fits.db" "$(nth "$N" sqlite 1)"; slq "$TMP/fits.db" "$row"
            if sla "$TMP/fits.db" "$(newest "$N" sqlite)"; then pass; else fail "fits ($d): '$to' refused although every value fits: $(cat "$TMP/sla.out")"; fi
            b1=$(slq "$TMP/fits.db" "SELECT big || '|' || s || '|' || t || '|' || typeof(t) FROM items")
            [ "$to" = "t: int32" ] && eq "fits ($d): '$to' stores an integer" "${b1##*|}" integer && b1=${b1%|*}
        fi
        eq "fits ($d): '$to' keeps the values" "$b1" "7|abc|42"
    done
    git -C "$N" reset -q --hard HEAD~2
done

# ================================================================== F. --down on real databases
# `mdc migrate --down` prints the reverse of the migration `--write` is about to write.
# Applied after it, the database is back at the baseline: the same catalog, the forward
# row gone (the guard accepts the forward file again), DataFlow's registry table back to the
# baseline's models.
D="$TMP/down"; project "$D" downp
cat >"$D/models/m.yaml" <<'Y'
kind: model
name: Item
fields:
  id: {type: int64, primary_key: true}
  name: string
Y
commit_all "$D" v1; mwrite "$D"
cat >>"$D/models/m.yaml" <<'Y'
  note: {type: string, nullable: true}
indexes:
  - {fields: [note]}
---
kind: model
name: Tag
fields:
  id: {type: int64, primary_key: true}
  item_id: {type: int64, references: Item, on_delete: cascade}
Y
commit_all "$D" v2
"$MDC" -C "$D" migrate --down --dialect postgres >"$TMP/down_pg.sql" 2>/dev/null || fail "down: --down (postgres)"
"$MDC" -C "$D" migrate --down --dialect sqlite >"$TMP/down_sl.sql" 2>/dev/null || fail "down: --down (sqlite)"
mwrite "$D"
check "down (postgres): says what it cannot restore" grep -q 'irreversible' "$TMP/down_pg.sql"
for d in postgres sqlite; do
    [ $d = postgres ] && [ "$HAVE_PG" = 0 ] && continue
    if [ $d = postgres ]; then
        pg_newdb down_ref; pga down_ref "$(nth "$D" postgres 1)"; catalog pg down_ref >"$TMP/down0.json"
        pg_newdb down; pgq down "$DF_BASE $DF_EXT DROP VIEW dataflow_model_registry; $DF_REG" >/dev/null
        pga down "$(nth "$D" postgres 1)" && pga down "$(nth "$D" postgres 2)" || fail "down (postgres): forward: $(cat "$TMP/pga.out")"
        eq "down (postgres): registry rows after the forward migration" \
            "$(pgq down "SELECT string_agg(model_name, ',' ORDER BY model_name) FROM dataflow_model_registry WHERE application_id = 'downp'")" "Item,Tag"
        if pga down "$TMP/down_pg.sql"; then pass; else fail "down (postgres): the reverse does not apply: $(cat "$TMP/pga.out")"; fi
        catalog pg down >"$TMP/down1.json"
        eq "down (postgres): the forward row is gone" "$(pgq down "SELECT count(*) FROM dataflow_migrations WHERE application_id = 'downp'")" 1
        eq "down (postgres): registry rows back at the baseline" \
            "$(pgq down "SELECT string_agg(model_name || '=' || model_checksum || '/' || (model_definitions->>'name'), ',' ORDER BY model_name) FROM dataflow_model_registry WHERE application_id = 'downp'")" \
            "Item=$("$MDC" -C "$D" hash --rev HEAD~2 --format json | python3 -c 'import json,sys; print([x["checksum"] for x in json.load(sys.stdin)["documents"] if x["name"]=="Item"][0])')/Item"
        if pga down "$TMP/down_pg.sql"; then fail "down (postgres): the reverse applied twice"; else pass; fi
        if pga down "$(nth "$D" postgres 2)"; then pass; else fail "down (postgres): the forward file does not apply again: $(cat "$TMP/pga.out")"; fi
    else
        rm -f "$TMP/down_ref.db" "$TMP/down.db"
        sla "$TMP/down_ref.db" "$(nth "$D" sqlite 1)"; catalog sqlite "$TMP/down_ref.db" >"$TMP/down0.json"
        sla "$TMP/down.db" "$(nth "$D" sqlite 1)" && sla "$TMP/down.db" "$(nth "$D" sqlite 2)" || fail "down (sqlite): forward: $(cat "$TMP/sla.out")"
        if sla "$TMP/down.db" "$TMP/down_sl.sql"; then pass; else fail "down (sqlite): the reverse does not apply: $(cat "$TMP/sla.out")"; fi
        catalog sqlite "$TMP/down.db" >"$TMP/down1.json"
        eq "down (sqlite): the forward row is gone" "$(slq "$TMP/down.db" "SELECT count(*) FROM dataflow_migrations WHERE application_id = 'downp'")" 1
        if sla "$TMP/down.db" "$TMP/down_sl.sql"; then fail "down (sqlite): the reverse applied twice"; else pass; fi
        if sla "$TMP/down.db" "$(nth "$D" sqlite 2)"; then pass; else fail "down (sqlite): the forward file does not apply again: $(cat "$TMP/sla.out")"; fi
    fi
    check "down ($d): the catalog is the baseline's" catalog diff "$TMP/down0.json" "$TMP/down1.json"
done

pg_stop
finish
