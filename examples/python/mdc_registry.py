#!/usr/bin/env python3
"""mdc_registry.py - read an mdc registry snapshot from Python with the standard library only.

The snapshot written by `mdc build` is a plain SQLite database; this module offers the
seed-002 registry calls on it (list_data_sources, list_tables, get_table_schema,
resolve_entity) plus model lookups, the same way libmdc does in C.

    from mdc_registry import Registry
    with Registry("registry.db") as reg:
        reg.verify()
        for src in reg.list_data_sources():
            print(src["id"], reg.list_tables(src["id"]))
        print(reg.get_table_schema("shop", "users")["fields"].keys())
        print(reg.resolve_entity("Customer"))

verify() checks what the standard library can: the SQLite header (application_id 'MDCR',
format version), PRAGMA quick_check, the presence of the tables, that the documents table and
the kind tables list the same documents with the same checksums, and that table_meta holds
the same definitions as models.  It does NOT recompute the XXH3-128 checksums (xxhash is not
in the standard library) nor derive the other tables (fields, indexes, ontology_mapping, ...)
from the definitions again.  For full verification use libmdc (mdc_snapshot_open with
MDC_OPEN_VERIFY) or `mdc show --snapshot FILE`.

Errors: every failure to read the file -- missing, not a snapshot, damaged, a missing table
or column, or a value that does not have its documented form (text that is not UTF-8, JSON
that does not parse or nests too deeply, the wrong JSON type, a number where text belongs)
-- raises RegistryError, and nothing else escapes (short of MemoryError or an interrupt).

Command line:  python3 mdc_registry.py SNAPSHOT [MODEL]
"""
import json
import sqlite3
import struct
import sys
import urllib.parse

APPLICATION_ID = 0x4D444352  # 'MDCR'
FORMAT_VERSIONS = (1,)
REQUIRED_TABLES = ("registry_meta", "data_sources", "table_meta", "ontology_mapping",
                   "models", "fields", "documents", "contracts", "entities", "sources")


class RegistryError(Exception):
    """The file is not a readable mdc snapshot, or a value in it is not of its documented form."""


def _json(value, what, want):
    """Parses a JSON column; `want` is dict or list (of strings).  Anything else: RegistryError."""
    if not isinstance(value, str):
        raise RegistryError(f"{what} is {type(value).__name__}, not JSON text")
    try:
        doc = json.loads(value, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
        raise RegistryError(f"{what} is not valid JSON: {str(e)[:100]}") from None
    if want is dict and not isinstance(doc, dict):
        raise RegistryError(f"{what} is not a JSON object")
    if want is list and not (isinstance(doc, list) and all(isinstance(x, str) for x in doc)):
        raise RegistryError(f"{what} is not a JSON array of strings")
    return doc


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def _text(value, what):
    if not isinstance(value, str):
        raise RegistryError(f"{what} is {type(value).__name__}, not text")
    return value


class Registry:
    def __init__(self, path):
        self.path = path
        self._check_header()
        # immutable=1: snapshots are replaced by rename, never modified in place.
        uri = "file:" + urllib.parse.quote(str(path)) + "?immutable=1"
        try:
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as e:
            raise RegistryError(f"cannot open {path}: {e}") from None
        self.conn.row_factory = sqlite3.Row
        try:
            present = {r[0] for r in self._query(
                "SELECT name FROM sqlite_schema WHERE type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in present]
            if missing:
                raise RegistryError(f"{path}: not an mdc snapshot (no table {missing[0]})")
            self.meta = {r["key"]: r["value"] for r in self._query(
                "SELECT key, value FROM registry_meta")}
        except RegistryError:
            self.conn.close()
            raise

    def _query(self, sql, params=()):
        """All rows of a query; a damaged file or value is a RegistryError."""
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:  # corrupt pages, a missing column, text that is not UTF-8
            raise RegistryError(f"{self.path}: cannot read the snapshot: {e}") from None

    def _check_header(self):
        try:
            with open(self.path, "rb") as f:
                header = f.read(100)
        except OSError as e:
            raise RegistryError(f"cannot open {self.path}: {e}") from e
        if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
            raise RegistryError(f"{self.path}: not an mdc snapshot (not a SQLite database)")
        user_version, = struct.unpack(">I", header[60:64])
        application_id, = struct.unpack(">I", header[68:72])
        if application_id != APPLICATION_ID:
            raise RegistryError(f"{self.path}: not an mdc snapshot "
                                f"(application_id 0x{application_id:08X})")
        if user_version not in FORMAT_VERSIONS:
            raise RegistryError(f"{self.path}: unsupported snapshot format {user_version}")

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- seed 002 -------------------------------------------------------------------------

    def list_data_sources(self):
        return [dict(r) for r in self._query(
            "SELECT id, uri, type, version, updated_at FROM data_sources ORDER BY id")]

    def list_tables(self, source_id):
        return [_text(r["table_name"], "table_meta.table_name") for r in self._query(
            "SELECT table_name FROM table_meta WHERE source_id = ? ORDER BY table_name",
            (source_id,))]

    def get_table_schema(self, source_id, table_name):
        rows = self._query(
            "SELECT schema_json FROM table_meta WHERE source_id = ? AND table_name = ?",
            (source_id, table_name))
        return _json(rows[0]["schema_json"], "table_meta.schema_json", dict) if rows else None

    def resolve_entity(self, entity_name):
        rows = self._query(
            "SELECT source_tables FROM ontology_mapping WHERE entity_name = ?", (entity_name,))
        if not rows:
            return None
        return sorted(_json(rows[0]["source_tables"], "ontology_mapping.source_tables", list))

    # -- models ---------------------------------------------------------------------------

    def list_models(self):
        return [_text(r["name"], "models.name") for r in self._query(
            "SELECT name FROM models ORDER BY name")]

    MODEL_COLUMNS = ("name", "table_name", "schema_name", "source_id", "version", "checksum",
                     "structure_checksum", "definition_json", "path", "blob_oid", "description",
                     "table_key")
    FIELD_COLUMNS = ("model", "name", "position", "type", "pg_type", "sqlite_type", "nullable",
                     "default_json", "default_expr", "primary_key", "is_unique",
                     "references_model", "references_field", "on_delete", "on_update",
                     "description", "identity")

    def get_model(self, name):
        rows = self._query(f"SELECT {', '.join(self.MODEL_COLUMNS)} FROM models WHERE name = ?",
                           (name,))
        if not rows:
            return None
        model = dict(rows[0])
        model["definition"] = _json(model.pop("definition_json"), "models.definition_json", dict)
        model["fields"] = [dict(f) for f in self._query(
            f"SELECT {', '.join(self.FIELD_COLUMNS)} FROM fields WHERE model = ? "
            "ORDER BY position", (name,))]
        return model

    # -- verification (no XXH3 in the standard library: see the module docstring) --------

    def verify(self):
        result = self._query("PRAGMA quick_check")[0][0]
        if result != "ok":
            raise RegistryError(f"{self.path}: corrupt: {result}")
        for key in ("format_version", "project", "registry_checksum", "registry_version"):
            if not isinstance(self.meta.get(key), str):
                raise RegistryError(f"{self.path}: registry_meta has no {key}")
        docs = {(r["kind"], r["name"]): r["checksum"] for r in self._query(
            "SELECT kind, name, checksum FROM documents")}
        for table, kind in (("models", "model"), ("contracts", "contract"),
                            ("entities", "entity"), ("sources", "source")):
            rows = {r["name"]: r["checksum"] for r in self._query(
                f"SELECT name, checksum FROM {table}")}
            want = {n: c for (k, n), c in docs.items() if k == kind}
            if rows != want:
                raise RegistryError(f"{self.path}: {table} differs from documents")
        schemas = {(r["source_id"], r["table_key"]): r["definition_json"] for r in self._query(
            "SELECT source_id, table_key, definition_json FROM models")}
        for r in self._query("SELECT source_id, table_name, schema_json FROM table_meta"):
            if schemas.get((r["source_id"], r["table_name"])) != r["schema_json"]:
                raise RegistryError(f"{self.path}: table_meta differs from models")
        return True


def main(argv):
    if len(argv) < 2:
        print(f"usage: {argv[0]} SNAPSHOT [MODEL]", file=sys.stderr)
        return 2
    try:
        with Registry(argv[1]) as reg:
            reg.verify()
            print(f"project {reg.meta['project']} version {reg.meta['registry_version']} "
                  f"checksum {reg.meta['registry_checksum']} (structure verified; "
                  f"checksums need libmdc)")
            for src in reg.list_data_sources():
                print(f"source {src['id']} ({src['type']}): {' '.join(reg.list_tables(src['id']))}")
            entities = [r[0] for r in reg._query(
                "SELECT entity_name FROM ontology_mapping ORDER BY entity_name")]
            for e in entities:
                print(f"entity {e} -> {' '.join(reg.resolve_entity(e))}")
            if len(argv) > 2:
                model = reg.get_model(argv[2])
                if model is None:
                    print(f"no model {argv[2]}", file=sys.stderr)
                    return 1
                schema = reg.get_table_schema(model["source_id"], model["table_key"])
                if schema != model["definition"]:
                    raise RegistryError(f"{argv[1]}: table_meta differs from models")
                print(f"model {model['name']} table {model['schema_name']}.{model['table_name']}")
                for f in model["fields"]:
                    print(f"  field {f['name']} {f['type']}"
                          f"{' null' if f['nullable'] else ' not-null'}"
                          f"{' primary-key' if f['primary_key'] else ''}")
    except RegistryError as e:
        print(f"mdc_registry: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
