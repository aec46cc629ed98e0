#!/usr/bin/env python3
"""catalog.py - a normalised, sorted JSON dump of a database schema (SPEC 6.4).

    catalog.py pg DBNAME            # PostgreSQL via psql (PGHOST/PGPORT/PGUSER from the env)
    catalog.py sqlite FILE.db       # SQLite via the stdlib sqlite3 module
    catalog.py diff A.json B.json   # exit 1 and print a unified diff when they differ

Options: --with-names keeps constraint and index names (see "Names" below).

What is compared (SPEC 6.4: tables, columns, types, nullability, defaults, keys, FKs, indexes,
checks), per table keyed "schema.table" (SQLite: "main.table"):
  columns      name -> {type, notnull, default, identity}; keyed by name, NOT by position:
               PostgreSQL can only append columns, so a field added or re-typed later legitimately
               sits at another position than in a database created directly at the final state.
  primary_key  ordered column list
  unique       sorted list of column lists (PG: UNIQUE constraints and unique indexes without a
               predicate/expression are both "unique keys"; an engine may pick either form, and a
               fresh baseline and an ALTER path may legitimately differ in that choice -- so both
               are folded into `unique` and kept out of `indexes`)
  foreign_keys sorted {columns, ref_table, ref_columns, on_delete, on_update}
  checks       sorted {name, expr} with the expression deparsed by the server
               (pg_get_constraintdef) or, on SQLite, cut from the CREATE TABLE text and
               whitespace/quote-normalised
  indexes      sorted non-constraint indexes: {unique, columns (with DESC), where, method}
  comments     PG only: table and column COMMENTs (descriptions, SPEC 6.2)
mdc's own bookkeeping (dataflow_migrations, dataflow_model_registry) is excluded.

Names.  Check names come from the YAML (`checks: - {name: ...}`) and are always compared.
Constraint and index names chosen by the engine are NOT compared by default: PostgreSQL keeps
an index/constraint name when its table or column is renamed (users_email_key stays after
users -> accounts), and SQLite auto-indexes are named after the table's creation order, so a
migrated database and a fresh one can differ in names without differing in schema.  Whether a
stale name breaks a LATER migration (e.g. DROP INDEX by a recomputed name) is exercised by the
property test itself: that later migration fails to apply.  --with-names keeps the names for
a strict comparison; the property test (run_property.py) uses it by default, because mdc
names constraints and indexes deterministically and renames them along with their tables, so
there a name difference IS a defect (checked against the engine's output: table renames emit
ALTER INDEX/ALTER TABLE ... RENAME CONSTRAINT).
"""
import json
import os
import re
import subprocess
import sys

EXCLUDED = {"dataflow_migrations", "dataflow_model_registry"}

# ----------------------------------------------------------------------------- PostgreSQL

PG_QUERIES = {
    "tables": """
        SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','p','v','m','f')
          AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'""",
    "columns": """
        SELECT n.nspname AS schema, c.relname AS tbl, a.attname AS name,
               format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
               pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS identity,
               a.attgenerated::text AS generated, col_description(c.oid, a.attnum) AS comment
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f')
          AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'""",
    "constraints": """
        SELECT n.nspname AS schema, c.relname AS tbl, k.conname AS name, k.contype::text AS type,
               ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
                     ORDER BY u.ord) AS columns,
               fn.nspname AS ref_schema, fc.relname AS ref_table,
               ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
                     ORDER BY u.ord) AS ref_columns,
               k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update,
               k.condeferrable AS deferrable, k.condeferred AS deferred,
               pg_get_constraintdef(k.oid) AS def
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_class fc ON fc.oid = k.confrelid
             LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'""",
    "indexes": """
        SELECT n.nspname AS schema, c.relname AS tbl, ic.relname AS name,
               i.indisunique AS is_unique, i.indisprimary AS is_primary,
               EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                       AND k.conrelid = i.indrelid) AS backs_constraint,
               pg_get_indexdef(i.indexrelid) AS def,
               pg_get_expr(i.indpred, i.indrelid) AS pred,
               am.amname AS method,
               ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                     FROM generate_series(1, i.indnkeyatts) k) AS keys,
               i.indoption::int2[] AS options,
               i.indexprs IS NOT NULL AS has_exprs
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_am am ON am.oid = ic.relam
        WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'""",
    "table_comments": """
        SELECT n.nspname AS schema, c.relname AS tbl, obj_description(c.oid, 'pg_class') AS comment
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','p','v','m','f')
          AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'""",
}

FK_ACTIONS = {"a": "no_action", "r": "restrict", "c": "cascade", "n": "set_null", "d": "set_default"}


def pg_query_all(db):
    """Runs every catalog query in one psql session; returns {name: [row dicts]}."""
    names = sorted(PG_QUERIES)
    args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db]
    for n in names:
        args += ["-c", "SELECT coalesce(jsonb_agg(q), '[]'::jsonb) FROM (%s) q" % PG_QUERIES[n]]
    out = subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, PGOPTIONS="-c search_path=pg_catalog")).stdout
    lines = [l for l in out.split("\n") if l.strip()]
    if len(lines) != len(names):
        raise SystemExit("catalog: unexpected psql output:\n" + out)
    return {n: json.loads(l) for n, l in zip(names, lines)}


def pg_catalog(db, with_names=False):
    r = pg_query_all(db)
    tables = {}

    def key(row):
        return "%s.%s" % (row["schema"], row.get("tbl", row.get("name")))

    for t in r["tables"]:
        if t["name"] in EXCLUDED:
            continue
        tables[key(t)] = {"kind": {"r": "table", "p": "table", "v": "view", "m": "matview",
                                   "f": "foreign"}[t["kind"]],
                          "columns": {}, "primary_key": None, "unique": [], "foreign_keys": [],
                          "checks": [], "indexes": [], "comments": {}}
    for c in r["columns"]:
        t = tables.get(key(c))
        if t is None:
            continue
        t["columns"][c["name"]] = {"type": c["type"], "notnull": c["notnull"],
                                   "default": c["dflt"], "identity": c["identity"] or None,
                                   "generated": c["generated"] or None}
        if c["comment"] is not None:
            t["comments"][c["name"]] = c["comment"]
    for c in r["table_comments"]:
        t = tables.get(key(c))
        if t is not None and c["comment"] is not None:
            t["comments"][""] = c["comment"]
    for k in r["constraints"]:
        t = tables.get(key(k))
        if t is None:
            continue
        nm = {"name": k["name"]} if with_names else {}
        if k["type"] == "p":
            t["primary_key"] = k["columns"]
            if with_names:
                t["primary_key_name"] = k["name"]
        elif k["type"] == "u":
            t["unique"].append(dict(nm, columns=k["columns"], deferrable=k["deferrable"]))
        elif k["type"] == "f":
            t["foreign_keys"].append(dict(nm, columns=k["columns"],
                                          ref_table="%s.%s" % (k["ref_schema"], k["ref_table"]),
                                          ref_columns=k["ref_columns"],
                                          on_delete=FK_ACTIONS.get(k["on_delete"], k["on_delete"]),
                                          on_update=FK_ACTIONS.get(k["on_update"], k["on_update"]),
                                          deferrable=k["deferrable"], deferred=k["deferred"]))
        elif k["type"] == "c":
            t["checks"].append({"name": k["name"], "expr": k["def"]})
        else:  # exclusion, trigger constraints: keep verbatim
            t.setdefault("other_constraints", []).append(dict(nm, type=k["type"], def_=k["def"]))
    for i in r["indexes"]:
        t = tables.get(key(i))
        if t is None or i["backs_constraint"]:
            continue
        cols = []
        for kdef, opt in zip(i["keys"], i["options"] or []):
            cols.append(kdef + (" DESC" if (opt & 1) else "") + (" NULLS FIRST" if (opt & 1) == 0 and (opt & 2) else "")
                        + (" NULLS LAST" if (opt & 1) and not (opt & 2) else ""))
        if i["is_unique"] and not i["pred"] and not i["has_exprs"] and i["method"] == "btree" \
                and not any(" DESC" in c or "NULLS" in c for c in cols) and not with_names:
            # a plain unique index is a unique key (see the module comment)
            t["unique"].append({"columns": i["keys"], "deferrable": False})
            continue
        t["indexes"].append(dict({"name": i["name"]} if with_names else {},
                                 unique=i["is_unique"], columns=cols, where=i["pred"],
                                 method=i["method"]))
    for t in tables.values():
        t["unique"].sort(key=lambda u: json.dumps(u, sort_keys=True))
        t["foreign_keys"].sort(key=lambda u: json.dumps(u, sort_keys=True))
        t["checks"].sort(key=lambda u: json.dumps(u, sort_keys=True))
        t["indexes"].sort(key=lambda u: json.dumps(u, sort_keys=True))
    return {"dialect": "postgres", "tables": tables}


# ----------------------------------------------------------------------------- SQLite

def _norm_sql(s):
    """Whitespace- and quote-insensitive form of an SQL fragment written by the engine or
    rewritten by SQLite (RENAME COLUMN/TABLE rewrite identifiers inside stored CREATE text)."""
    if s is None:
        return None
    out, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "'":  # string literal: verbatim
            j = i + 1
            while j < n:
                if s[j] == "'" and j + 1 < n and s[j + 1] == "'":
                    j += 2
                    continue
                if s[j] == "'":
                    break
                j += 1
            out.append(s[i:j + 1])
            i = j + 1
        elif ch in '"`[':  # quoted identifier: unquote when it is a plain identifier
            close = {'"': '"', '`': '`', '[': ']'}[ch]
            j = i + 1
            buf = []
            while j < n:
                if s[j] == close and close != ']' and j + 1 < n and s[j + 1] == close:
                    buf.append(close)
                    j += 2
                    continue
                if s[j] == close:
                    break
                buf.append(s[j])
                j += 1
            ident = "".join(buf)
            if re.fullmatch(r"[a-z_][a-z0-9_]*", ident):
                out.append(ident)
            else:
                out.append('"' + ident.replace('"', '""') + '"')
            i = j + 1
        elif ch.isspace():
            out.append(" ")
            while i < n and s[i].isspace():
                i += 1
        else:
            out.append(ch.lower() if ch.isalpha() else ch)
            i += 1
    t = "".join(out).strip()
    t = re.sub(r" ?([(),]) ?", r"\1", t)
    t = re.sub(r" +", " ", t)
    return t


def _balanced(sql, start):
    """sql[start] == '(' -> index after its matching ')' (quotes respected)."""
    depth, i, n = 0, start, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and sql[j] != ch:
                j += 1
            i = j + 1
            continue
        if ch == "[":
            i = sql.index("]", i) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _sqlite_checks(sql):
    """CHECK constraints of a CREATE TABLE statement: [(name or None, body)]."""
    res = []
    # scan tokens outside quotes
    i, n = 0, len(sql)
    last_constraint_name = None
    tokens_since_name = 0
    while i < n:
        ch = sql[i]
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            j = i + 1
            while j < n:
                if sql[j] == close and close != "]" and j + 1 < n and sql[j + 1] == close:
                    j += 2
                    continue
                if sql[j] == close:
                    break
                j += 1
            tok = sql[i:j + 1]
            i = j + 1
            if last_constraint_name == "":
                last_constraint_name = tok
                tokens_since_name = 0
            else:
                tokens_since_name += 1
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_$]*", sql[i:])
        if m:
            word = m.group(0)
            i += len(word)
            up = word.upper()
            if up == "CONSTRAINT":
                last_constraint_name = ""
                continue
            if last_constraint_name == "":
                last_constraint_name = word
                tokens_since_name = 0
                continue
            if up == "CHECK":
                k = i
                while k < n and sql[k].isspace():
                    k += 1
                if k < n and sql[k] == "(":
                    end = _balanced(sql, k)
                    name = last_constraint_name if tokens_since_name == 0 else None
                    res.append((_norm_sql(name) if name else None, _norm_sql(sql[k + 1:end - 1])))
                    i = end
                    last_constraint_name = None
                    continue
            tokens_since_name += 1
            continue
        if ch == "(" or ch == ")" or ch == ",":
            if ch == ",":
                last_constraint_name = None
            tokens_since_name += 1
        i += 1
    return res


def sqlite_catalog(path, with_names=False):
    import sqlite3
    if not os.path.exists(path):
        raise SystemExit("catalog: no such database: " + path)
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    con.row_factory = sqlite3.Row
    q = lambda s, *a: con.execute(s, a).fetchall()
    tables = {}
    strict = {}
    try:
        for r in q("PRAGMA table_list"):
            if r["schema"] == "main":
                strict[r["name"]] = {"strict": bool(r["strict"]), "without_rowid": bool(r["wr"])}
    except sqlite3.DatabaseError:
        pass
    objs = q("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    for o in objs:
        if o["name"].startswith("sqlite_") or o["tbl_name"] in EXCLUDED:
            continue
        if o["type"] not in ("table", "view"):
            continue
        name = o["name"]
        t = {"kind": o["type"], "columns": {}, "primary_key": None, "unique": [],
             "foreign_keys": [], "checks": [], "indexes": []}
        t.update(strict.get(name, {}))
        tables["main." + name] = t
        cols = q('PRAGMA table_xinfo("%s")' % name.replace('"', '""'))
        pk = []
        for c in cols:
            t["columns"][c["name"]] = {"type": c["type"].upper(), "notnull": bool(c["notnull"]),
                                       "default": _norm_sql(c["dflt_value"]),
                                       "hidden": c["hidden"] or None}
            if c["pk"]:
                pk.append((c["pk"], c["name"]))
        t["primary_key"] = [n for _, n in sorted(pk)] or None
        if o["type"] != "table":
            continue
        for ix in q('PRAGMA index_list("%s")' % name.replace('"', '""')):
            xi = q('PRAGMA index_xinfo("%s")' % ix["name"].replace('"', '""'))
            keys = [x for x in xi if x["key"]]
            cols = [(x["name"] if x["name"] is not None else "<expr>") + (" DESC" if x["desc"] else "")
                    for x in sorted(keys, key=lambda x: x["seqno"])]
            if ix["origin"] == "pk":
                continue  # the primary key is reported from table_xinfo
            if ix["origin"] == "u":
                t["unique"].append(dict({"name": ix["name"]} if with_names else {},
                                        columns=[c for c in cols]))
                continue
            sqlrow = q("SELECT sql FROM sqlite_master WHERE type='index' AND name=?", ix["name"])
            isql = sqlrow[0]["sql"] if sqlrow else None
            where = None
            if isql:
                m = re.search(r"\)\s*WHERE\s+(.*)$", isql, re.S | re.I)
                where = _norm_sql(m.group(1)) if m else None
            if ix["unique"] and not ix["partial"] and "<expr>" not in cols \
                    and not any(c.endswith(" DESC") for c in cols) and not with_names:
                t["unique"].append({"columns": cols})
                continue
            t["indexes"].append(dict({"name": ix["name"]} if with_names else {},
                                     unique=bool(ix["unique"]), columns=cols, where=where))
        fks = {}
        for f in q('PRAGMA foreign_key_list("%s")' % name.replace('"', '""')):
            e = fks.setdefault(f["id"], {"columns": [], "ref_table": "main." + f["table"],
                                         "ref_columns": [],
                                         "on_delete": f["on_delete"].lower().replace(" ", "_"),
                                         "on_update": f["on_update"].lower().replace(" ", "_"),
                                         "match": f["match"]})
            e["columns"].append(f["from"])
            e["ref_columns"].append(f["to"])
        t["foreign_keys"] = list(fks.values())
        t["checks"] = [{"name": n, "expr": e} for n, e in _sqlite_checks(o["sql"] or "")]
        for k in ("unique", "foreign_keys", "checks", "indexes"):
            t[k].sort(key=lambda u: json.dumps(u, sort_keys=True))
    # triggers are part of the schema too
    for o in objs:
        if o["type"] == "trigger" and o["tbl_name"] not in EXCLUDED:
            tables.setdefault("main." + o["tbl_name"], {}).setdefault("triggers", []).append(
                _norm_sql(o["sql"]) if with_names else _norm_sql(re.sub(
                    r"(?i)^\s*CREATE\s+TRIGGER\s+(IF\s+NOT\s+EXISTS\s+)?(\"[^\"]*\"|\S+)", "CREATE TRIGGER", o["sql"] or "")))
    con.close()
    return {"dialect": "sqlite", "tables": tables}


def dump(obj):
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False)


def main(argv):
    with_names = "--with-names" in argv
    argv = [a for a in argv if a != "--with-names"]
    if len(argv) == 3 and argv[0] == "diff":
        import difflib
        a, b = open(argv[1]).read(), open(argv[2]).read()
        if json.loads(a) == json.loads(b):
            return 0
        sys.stdout.writelines(difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                                   argv[1], argv[2]))
        return 1
    if len(argv) != 2 or argv[0] not in ("pg", "postgres", "sqlite"):
        sys.stderr.write(__doc__)
        return 2
    if argv[0] == "sqlite":
        cat = sqlite_catalog(argv[1], with_names)
    else:
        cat = pg_catalog(argv[1], with_names)
    print(dump(cat))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
