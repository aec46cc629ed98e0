#!/usr/bin/env bash
# test_harden_snapshot.sh - full verification (MDC_OPEN_VERIFY, which `mdc show --snapshot`
# uses) refuses a snapshot whose derived rows were tampered with (issue 16, finding 16).
#
# One good snapshot of examples/shop plus a model with the rarer field kinds (identity, a
# json default, a custom default_expr, an array, a nullable reference); then one tampering
# per derived table and column kind, each applied with the sqlite3 CLI to a fresh copy:
# changed values of every column kind, a foreign key pointed at a missing model, deleted
# rows, added orphan rows (also many), duplicated rows, changed index columns and check
# expressions, document table changes, registry-level tables.  Each must exit 2 with
# "verification failed" (libmdc's MDC_ECORRUPT message).  The untouched copy must still be
# shown (exit 0), so a refusal is never a blanket one.
. "$(dirname "$0")/lib.sh"
need_sqlite3

P="$TMP/shop"
cp -r "$MDC_SRC/examples/shop" "$P"
cat >"$P/models/work/extra.yaml" <<'EOF'
kind: model
name: Extra
fields:
  n:
    type: int64
    primary_key: true
    identity: true
  doc:
    type: json
    default: {"a": [1, 2.5, "x\u00e9"], "b": null}
  stamp:
    type: timestamptz
    default_expr: {postgres: "now()", sqlite: "CURRENT_TIMESTAMP"}
  tags:
    type: string[]
  owner:
    type: uuid?
    references: User
    on_delete: set_null
EOF
new_repo "$P" >/dev/null 2>&1 || true
commit_all "$P" init
GOOD="$TMP/good.db"
"$MDC" -C "$P" build -o "$GOOD" >"$TMP/build.out" 2>&1 || { cat "$TMP/build.out"; fail "build"; finish; exit; }

"$MDC" show --snapshot "$GOOD" >/dev/null 2>"$TMP/err" && pass || fail "good snapshot refused: $(cat "$TMP/err")"
"$MDC" show Extra --snapshot "$GOOD" >/dev/null 2>"$TMP/err" && pass || fail "good snapshot: show Extra: $(cat "$TMP/err")"

# refused NAME SQL: the tampered copy is refused by verification.
n=0
refused() {
    local name=$1 sql=$2 t="$TMP/t.db"
    n=$((n + 1))
    cp "$GOOD" "$t"
    if ! sqlite3 "$t" "$sql" 2>"$TMP/sqlerr"; then fail "$name: tampering failed: $(cat "$TMP/sqlerr")"; return; fi
    "$MDC" show --snapshot "$t" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    if [ "$rc" -eq 2 ] && grep -q 'verification failed' "$TMP/err"; then
        pass
    else
        fail "$name: accepted or wrong refusal (exit $rc): $(head -c 300 "$TMP/err")"
    fi
}
U="WHERE model = 'User' AND name = 'email'"

# ---- fields: every column
refused "fields.type changed"           "UPDATE fields SET type = 'int64' $U"
refused "fields.pg_type changed"        "UPDATE fields SET pg_type = 'TEXT' $U"
refused "fields.sqlite_type changed"    "UPDATE fields SET sqlite_type = 'BLOB' $U"
refused "fields.nullable changed"       "UPDATE fields SET nullable = 1 $U"
refused "fields.nullable as text"       "UPDATE fields SET nullable = 'no' $U"
refused "fields.default_json changed"   "UPDATE fields SET default_json = 'false' WHERE model = 'User' AND name = 'active'"
refused "fields.default_json added"     "UPDATE fields SET default_json = '\"x\"' $U"
refused "fields.json default changed"   "UPDATE fields SET default_json = '{\"a\":1}' WHERE model = 'Extra' AND name = 'doc'"
refused "fields.default_expr changed"   "UPDATE fields SET default_expr = 'now' WHERE model = 'User' AND name = 'id'"
refused "fields.custom default_expr"    "UPDATE fields SET default_expr = '{\"postgres\":\"1\",\"sqlite\":\"1\"}' WHERE model = 'Extra' AND name = 'stamp'"
refused "fields.primary_key changed"    "UPDATE fields SET primary_key = 1 $U"
refused "fields.is_unique changed"      "UPDATE fields SET is_unique = 0 $U"
refused "fields FK at a missing model"  "UPDATE fields SET references_model = 'Nope' WHERE model = 'Task' AND name = 'project_id'"
refused "fields.references_field"       "UPDATE fields SET references_field = 'email' WHERE model = 'Task' AND name = 'project_id'"
refused "fields.on_delete changed"      "UPDATE fields SET on_delete = 'no_action' WHERE model = 'Task' AND name = 'project_id'"
refused "fields.on_update changed"      "UPDATE fields SET on_update = 'cascade' WHERE model = 'Task' AND name = 'project_id'"
refused "fields.description changed"    "UPDATE fields SET description = 'x' $U"
refused "fields.identity changed"       "UPDATE fields SET identity = 0 WHERE model = 'Extra' AND name = 'n'"
refused "fields.position out of range"  "UPDATE fields SET position = 99 $U"
refused "fields.positions swapped out"  "UPDATE fields SET position = position + 1 WHERE model = 'User'"
refused "fields row deleted"            "DELETE FROM fields $U"
refused "fields row added"              "INSERT INTO fields SELECT model, 'email2', position + 100, type, pg_type, sqlite_type, nullable, default_json, default_expr, primary_key, is_unique, references_model, references_field, on_delete, on_update, description, identity FROM fields $U"
refused "fields orphan row"             "INSERT INTO fields SELECT 'Ghost', name, position, type, pg_type, sqlite_type, nullable, default_json, default_expr, primary_key, is_unique, references_model, references_field, on_delete, on_update, description, identity FROM fields $U"
refused "fields orphan row (last)"      "INSERT INTO fields SELECT 'ZZZ', name, position, type, pg_type, sqlite_type, nullable, default_json, default_expr, primary_key, is_unique, references_model, references_field, on_delete, on_update, description, identity FROM fields $U"
refused "fields 100k orphan rows"       "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999) INSERT INTO fields SELECT 'Ghost' || i, 'f', 0, 'string', 'TEXT', 'TEXT', 0, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, 0 FROM c"
refused "fields row duplicated (no key)" "ALTER TABLE fields RENAME TO f_old; CREATE TABLE fields AS SELECT * FROM f_old; INSERT INTO fields SELECT * FROM f_old $U; DROP TABLE f_old"

# ---- indexes
refused "indexes columns changed"       "UPDATE indexes SET fields_json = '[{\"name\":\"name\",\"order\":\"desc\"}]' WHERE model = 'User'"
refused "indexes order changed"         "UPDATE indexes SET fields_json = replace(fields_json, 'desc', 'asc') WHERE model = 'User'"
refused "indexes where changed"         "UPDATE indexes SET where_sql = 'true' WHERE model = 'User'"
refused "indexes unique changed"        "UPDATE indexes SET is_unique = 1 WHERE model = 'User'"
refused "indexes name changed"          "UPDATE indexes SET name = 'other' WHERE model = 'User'"
refused "indexes row deleted"           "DELETE FROM indexes WHERE model = 'User'"
refused "indexes row duplicated"        "INSERT INTO indexes SELECT model, name, position + 1, fields_json, is_unique, where_sql FROM indexes WHERE model = 'User'"
refused "indexes orphan row"            "INSERT INTO indexes SELECT 'Ghost', name, position, fields_json, is_unique, where_sql FROM indexes WHERE model = 'User'"
refused "indexes position out of range" "UPDATE indexes SET position = 7 WHERE model = 'User'"

# ---- unique_constraints
refused "unique columns changed"        "UPDATE unique_constraints SET fields_json = '[\"owner_id\"]'"
refused "unique row deleted"            "DELETE FROM unique_constraints"
refused "unique row duplicated"         "INSERT INTO unique_constraints SELECT model, position + 1, fields_json FROM unique_constraints"
refused "unique orphan row"             "INSERT INTO unique_constraints SELECT 'Ghost', position, fields_json FROM unique_constraints"

# ---- foreign_keys
refused "FK at a missing model"         "UPDATE foreign_keys SET references_model = 'Nope' WHERE model = 'Task' AND field = 'project_id'"
refused "FK field changed"              "UPDATE foreign_keys SET references_field = 'owner_id' WHERE model = 'Task' AND field = 'project_id'"
refused "FK on_delete changed"          "UPDATE foreign_keys SET on_delete = 'restrict' WHERE model = 'Task' AND field = 'project_id'"
refused "FK row deleted"                "DELETE FROM foreign_keys WHERE model = 'Task'"
refused "FK row added"                  "INSERT INTO foreign_keys VALUES ('User', 'name', 'Task', 'id', 'cascade', 'cascade')"
refused "FK orphan row"                 "INSERT INTO foreign_keys VALUES ('Ghost', 'x', 'User', 'id', 'cascade', 'cascade')"

# ---- checks
refused "checks expr changed"           "UPDATE checks SET expr = 'true' WHERE model = 'User'"
refused "checks name changed"           "UPDATE checks SET name = NULL WHERE model = 'User'"
refused "checks row deleted"            "DELETE FROM checks WHERE model = 'User'"
refused "checks row duplicated"         "INSERT INTO checks SELECT model, name, expr, position + 1 FROM checks WHERE model = 'User'"
refused "checks orphan row"             "INSERT INTO checks VALUES ('Ghost', 'c', 'true', 0)"

# ---- models (the columns next to definition_json)
refused "models.table_name changed"     "UPDATE models SET table_name = 'people' WHERE name = 'User'"
refused "models.schema_name changed"    "UPDATE models SET schema_name = 'other' WHERE name = 'User'"
refused "models.source_id changed"      "UPDATE models SET source_id = 'crm_postgres' WHERE name = 'User'"
refused "models.description changed"    "UPDATE models SET description = 'x' WHERE name = 'User'"
refused "models.table_key changed"      "UPDATE models SET table_key = 'public.users' WHERE name = 'User'"
refused "models.path changed"           "UPDATE models SET path = 'x.yaml' WHERE name = 'User'"
refused "models.blob_oid changed"       "UPDATE models SET blob_oid = '0000' WHERE name = 'User'"

# ---- contracts, contract_fields
refused "contracts.consumer changed"    "UPDATE contracts SET consumer = 'x' WHERE name = 'billing-reads-users'"
refused "contracts.model changed"       "UPDATE contracts SET model = 'Task' WHERE name = 'billing-reads-users'"
refused "contracts.compatibility"       "UPDATE contracts SET compatibility = 'none' WHERE name = 'billing-reads-users'"
refused "contracts.version changed"     "UPDATE contracts SET version = '9.9.9' WHERE name = 'billing-reads-users'"
refused "contract_fields type changed"  "UPDATE contract_fields SET type = 'int64' WHERE contract = 'reporting-reads-tasks' AND field = 'id'"
refused "contract_fields type added"    "UPDATE contract_fields SET type = 'uuid' WHERE contract = 'billing-reads-users' AND field = 'id'"
refused "contract_fields row deleted"   "DELETE FROM contract_fields WHERE contract = 'billing-reads-users' AND field = 'id'"
refused "contract_fields orphan row"    "INSERT INTO contract_fields VALUES ('ghost', 'id', NULL)"

refused "contracts row duplicated (no key)" "ALTER TABLE contracts RENAME TO c_old; CREATE TABLE contracts AS SELECT * FROM c_old; INSERT INTO contracts SELECT * FROM c_old WHERE name = 'billing-reads-users'; DROP TABLE c_old"
refused "entities row duplicated (no key)" "ALTER TABLE entities RENAME TO e_old; CREATE TABLE entities AS SELECT * FROM e_old; INSERT INTO entities SELECT * FROM e_old; DROP TABLE e_old"

# ---- entities, ontology_mapping, sources, data_sources
refused "entities.description changed" "UPDATE entities SET description = 'x'"
refused "entities.version changed"     "UPDATE entities SET version = '2.0.0'"
refused "ontology targets changed"     "UPDATE ontology_mapping SET source_tables = '[\"shop.users\"]'"
refused "ontology invalid JSON"        "UPDATE ontology_mapping SET source_tables = '[\"a\",'"
refused "ontology row deleted"         "DELETE FROM ontology_mapping"
refused "ontology orphan row"          "INSERT INTO ontology_mapping VALUES ('Ghost', '[]')"
refused "sources.uri changed"          "UPDATE sources SET uri = 'postgresql://evil/'"
refused "sources.type changed"         "UPDATE sources SET type = 'sqlite'"
refused "sources.version changed"      "UPDATE sources SET version = '2.0.0'"
refused "data_sources.uri changed"     "UPDATE data_sources SET uri = 'postgresql://evil/' WHERE id = 'crm_postgres'"
refused "data_sources project type"    "UPDATE data_sources SET type = 'sqlite' WHERE id = 'shop'"
refused "data_sources version"         "UPDATE data_sources SET version = '9.9.9' WHERE id = 'shop'"
refused "data_sources updated_at"      "UPDATE data_sources SET updated_at = 1 WHERE id = 'shop'"
refused "data_sources row deleted"     "DELETE FROM data_sources WHERE id = 'crm_postgres'"
refused "data_sources orphan row"      "INSERT INTO data_sources VALUES ('ghost', 'x', 'postgres', '1.0.0', 0)"

# ---- documents, table_meta
refused "documents.version changed"    "UPDATE documents SET version = '9.9.9' WHERE name = 'Task'"
refused "documents.path changed"       "UPDATE documents SET path = 'x.yaml' WHERE name = 'Task'"
refused "documents.blob_oid changed"   "UPDATE documents SET blob_oid = '00' WHERE name = 'Task'"
refused "documents.structure_checksum" "UPDATE documents SET structure_checksum = '00000000000000000000000000000000' WHERE name = 'Customer'"
refused "documents and models.structure_checksum" "UPDATE documents SET structure_checksum = '00000000000000000000000000000000' WHERE name = 'Task'; UPDATE models SET structure_checksum = '00000000000000000000000000000000' WHERE name = 'Task'"
refused "documents version of a model" "UPDATE documents SET version = '9.9.9' WHERE name = 'Task'; UPDATE models SET version = '9.9.9' WHERE name = 'Task'"
refused "table_meta.version changed"   "UPDATE table_meta SET version = '9.9.9' WHERE table_name = 'users'"
refused "table_meta.updated_at"        "UPDATE table_meta SET updated_at = 5 WHERE table_name = 'users'"
refused "table_meta orphan row"        "INSERT INTO table_meta SELECT source_id, 'ghosts', schema_json, version, updated_at FROM table_meta WHERE table_name = 'users'"

# ---- registry_meta, dataflow_migrations
refused "registry_meta extra key"      "INSERT INTO registry_meta VALUES ('evil', 'x')"
refused "registry_meta algorithm"      "UPDATE registry_meta SET value = 'md5' WHERE key = 'checksum_algorithm'"
refused "registry_meta project"        "UPDATE registry_meta SET value = 'other' WHERE key = 'project'"
refused "registry_meta compiled_at"    "UPDATE registry_meta SET value = '2001-01-01T00:00:00Z' WHERE key = 'compiled_at'"
refused "registry_meta registry_version" "UPDATE registry_meta SET value = '7.0.0' WHERE key = 'registry_version'"
refused "registry_meta history"        "UPDATE registry_meta SET value = 'off' WHERE key = 'history'"
refused "dataflow_migrations status"   "UPDATE dataflow_migrations SET status = 'failed'"
refused "dataflow_migrations version"  "UPDATE dataflow_migrations SET version = '0.0.1'"
refused "dataflow_migrations applied_at" "UPDATE dataflow_migrations SET applied_at = '2001-01-01T00:00:00Z'"
refused "dataflow_migrations operations" "UPDATE dataflow_migrations SET operations = '[{\"drop\":1}]'"
refused "dataflow_migrations sync"     "UPDATE dataflow_migrations SET model_registry_sync = 0"
refused "dataflow_migrations defs tail" "UPDATE dataflow_migrations SET model_definitions = model_definitions || ' '"
refused "dataflow_migrations defs cut"  "UPDATE dataflow_migrations SET model_definitions = substr(model_definitions, 1, length(model_definitions) - 2) || '}'"
refused "dataflow_migrations 2nd row"  "INSERT INTO dataflow_migrations SELECT '0.0.0', name, checksum, applied_at, status, operations, created_at, model_definitions, application_id, model_registry_sync FROM dataflow_migrations"
refused "dataflow_migrations deleted"  "DELETE FROM dataflow_migrations"

finish
