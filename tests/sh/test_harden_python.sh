#!/usr/bin/env bash
# test_harden_python.sh - the Python reader (examples/python/mdc_registry.py) raises only its
# documented RegistryError on a tampered snapshot (issue 16, finding 17).
#
# Every column the reader parses or hands out as structure (models.definition_json,
# table_meta.schema_json, ontology_mapping.source_tables, registry_meta values, the rows of
# fields / data_sources) gets hostile values: invalid JSON, 100,000 levels of nesting, the
# wrong JSON type (list for object, object for list, null, numbers, a list of non-strings),
# SQL NULL, numbers, a blob, invalid UTF-8; then 200 seeded random byte mutations of each
# JSON column.  After each, every public call (verify, the seed-002 calls, list_models,
# get_model, main) must either succeed or raise RegistryError; anything else escaping is a
# failure.  The good snapshot must read cleanly.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing"; echo "0 passed, 1 failed"; exit 1; }

P="$TMP/shop"
cp -r "$MDC_SRC/examples/shop" "$P"
new_repo "$P" >/dev/null 2>&1 || true
commit_all "$P" init
"$MDC" -C "$P" build -o "$TMP/good.db" >"$TMP/build.out" 2>&1 || { cat "$TMP/build.out"; fail "build"; finish; exit; }

PYTHONPATH="$MDC_SRC/examples/python" python3 - "$TMP/good.db" "$TMP/t.db" >"$TMP/py.out" 2>&1 <<'EOF'
import io, random, shutil, sqlite3, sys, contextlib
import mdc_registry
from mdc_registry import Registry, RegistryError

good, t = sys.argv[1], sys.argv[2]
passed = failed = 0

def exercise(path):
    """Every public call; returns None or the unexpected exception."""
    try:
        with Registry(path) as reg:
            for call in (reg.verify, reg.list_data_sources, reg.list_models):
                try:
                    call()
                except RegistryError:
                    pass
            for src in (reg.list_data_sources() if _safe(reg.list_data_sources) else []):
                for tab in _try(lambda: reg.list_tables(src["id"])) or []:
                    _try(lambda: reg.get_table_schema(src["id"], tab))
            for e in ("Customer", "Ghost"):
                _try(lambda: reg.resolve_entity(e))
            for m in ("User", "Task", "Project", "Ghost"):
                _try(lambda: reg.get_model(m))
    except RegistryError:
        pass
    except BaseException as e:  # noqa: anything else is the defect under test
        return e
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = mdc_registry.main(["mdc_registry.py", path, "Task"])
        if rc not in (0, 1):
            return AssertionError(f"main returned {rc}")
    except BaseException as e:
        return e
    return None

def _try(f):
    try:
        return f()
    except RegistryError:
        return None

def _safe(f):
    try:
        f()
        return True
    except RegistryError:
        return False

impossible = 0

def case(name, sql, params=()):
    global passed, failed, impossible
    shutil.copyfile(good, t)
    db = sqlite3.connect(t)
    try:
        db.execute(sql, params)
    except sqlite3.IntegrityError:  # e.g. NULL in a NOT NULL column: no such file exists
        impossible += 1
        db.close()
        return
    db.commit()
    db.close()
    e = exercise(t)
    if e is None:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {type(e).__name__}: {str(e)[:200]}")

# The good file reads cleanly, and main prints the model.
out = io.StringIO()
with contextlib.redirect_stdout(out):
    rc = mdc_registry.main(["mdc_registry.py", good, "Task"])
if rc == 0 and "model Task" in out.getvalue():
    passed += 1
else:
    failed += 1
    print(f"FAIL: good snapshot: rc {rc}: {out.getvalue()[:300]}")

deep_list = "[" * 100000 + "]" * 100000
deep_obj = '{"a":' * 100000 + "1" + "}" * 100000
values = {
    "invalid JSON": '{"a":',
    "trailing garbage": '{"a":1} x',
    "deep list": deep_list,
    "deep object": deep_obj,
    "deep unclosed": "[" * 100000,
    "list": "[1,2]",
    "object": '{"a":"b"}',
    "null JSON": "null",
    "number JSON": "12",
    "string JSON": '"x"',
    "list of numbers": "[1, 2.5, null, {}]",
    "list of mixed": '["a", 1]',
    "NaN": "NaN",
    "huge number": "1e999999",
    "empty": "",
}
columns = [
    ("models.definition_json", "UPDATE models SET definition_json = ? WHERE name = 'Task'"),
    ("table_meta.schema_json", "UPDATE table_meta SET schema_json = ? WHERE table_name = 'tasks'"),
    ("ontology_mapping.source_tables", "UPDATE ontology_mapping SET source_tables = ?"),
]
for col, sql in columns:
    for vname, v in values.items():
        case(f"{col} = {vname}", sql, (v,))
    case(f"{col} = NULL", sql, (None,))
    case(f"{col} = 7", sql, (7,))
    case(f"{col} = 2.5", sql, (2.5,))
    case(f"{col} = blob", sql, (b'{"a":1}',))
    case(f"{col} = bad UTF-8 blob", sql, (b'["\xff\xfe"]',))
    case(f"{col} = bad UTF-8 text", sql.replace("?", "CAST(x'5b22ff22' AS TEXT)"))

# registry_meta values and the plain rows the reader hands out.
for key in ("project", "registry_version", "format_version", "registry_checksum"):
    case(f"registry_meta.{key} = NULL", "UPDATE registry_meta SET value = NULL WHERE key = ?", (key,))
    case(f"registry_meta.{key} = 5", "UPDATE registry_meta SET value = 5 WHERE key = ?", (key,))
    case(f"registry_meta.{key} bad UTF-8", "UPDATE registry_meta SET value = CAST(x'ff' AS TEXT) WHERE key = ?", (key,))
case("registry_meta deleted", "DELETE FROM registry_meta")
case("fields.name = NULL", "UPDATE fields SET name = NULL WHERE model = 'Task'")
case("fields.type = 5", "UPDATE fields SET type = 5 WHERE model = 'Task'")
case("fields.name bad UTF-8", "UPDATE fields SET name = CAST(x'ff' AS TEXT) WHERE model = 'Task'")
case("data_sources.id = NULL", "UPDATE data_sources SET id = NULL")
case("data_sources.type = 5", "UPDATE data_sources SET type = 5")
case("data_sources.id bad UTF-8", "UPDATE data_sources SET id = CAST(x'ff' AS TEXT)")
case("models.name = 5", "UPDATE models SET name = 5 WHERE name = 'Task'")
case("table_meta.table_name = 5", "UPDATE table_meta SET table_name = 5")
case("ontology_mapping.entity_name bad UTF-8", "UPDATE ontology_mapping SET entity_name = CAST(x'ff' AS TEXT)")
case("table fields dropped", "DROP TABLE fields")
case("table contracts dropped", "DROP TABLE contracts")
case("models.schema_name dropped", "ALTER TABLE models DROP COLUMN schema_name")

# Seeded random mutations of each JSON column (bounded: 200 each).
rng = random.Random(16)
db = sqlite3.connect(good)
originals = {
    "models.definition_json": db.execute("SELECT definition_json FROM models WHERE name = 'Task'").fetchone()[0],
    "table_meta.schema_json": db.execute("SELECT schema_json FROM table_meta WHERE table_name = 'tasks'").fetchone()[0],
    "ontology_mapping.source_tables": db.execute("SELECT source_tables FROM ontology_mapping").fetchone()[0],
}
db.close()
alphabet = '{}[]",:0123456789-.eEtrufalsn\\ \x00\x1f\u00e9'
for col, sql in columns:
    s0 = originals[col]
    for i in range(200):
        s = list(s0)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(3)
            pos = rng.randrange(len(s) + 1)
            if op == 0 and s and pos < len(s):
                del s[pos]
            elif op == 1:
                s.insert(pos, rng.choice(alphabet))
            elif s and pos < len(s):
                s[pos] = rng.choice(alphabet)
        case(f"{col} mutation {i}", sql, ("".join(s),))

print(f"({impossible} tamperings refused by the schema itself)")
print(f"{passed} passed, {failed} failed")
EOF
rc=$?
grep -v " passed, " "$TMP/py.out" | head -n 80 >&2
line=$(tail -n 1 "$TMP/py.out")
case "$line" in
*" passed, 0 failed") pass ;;
*) fail "python reader: $line (exit $rc)" ;;
esac
finish
