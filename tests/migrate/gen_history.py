#!/usr/bin/env python3
"""gen_history.py - seeded random model histories for the migration property test (SPEC 6.4).

    gen_history.py --seed 7 --steps 30 --out DIR [--max-risk CRITICAL] [--no-git]

writes DIR/repo (a git repository: one commit per step, tagged step-NNNN, holding mdc.yaml and
models/) and DIR/plan.json:

    {"seed", "steps": [{"step", "ops": [{"op", "rules": [...], "model", ...}],
                        "files": {path: text},            # the complete YAML tree of the step
                        "inserts": {"postgres": [sql], "sqlite": [sql]},
                        "expect": [{"model", "table": {"postgres": qualified, "sqlite": qualified},
                                    "key": [pk column], "columns": [{"name", "kind"}],
                                    "rows": [[canonical value, ...]]}],
                        "cascade_rebuild": bool}]}

Step 0 creates the starting models (a parent with a cascading child, an FK cycle, a
self-reference); every later step is one (occasionally two) random change(s) of a kind the
migration engine handles (SPEC 5.2), chosen among those valid for the current state and data:

  add model / nullable field / field with default (literal, now, uuid) / required field (only on
  an empty table) / FK field (cycles and self-references included); rename field / model /
  table (renamed_from, table:); schema change; remove field (reserved) / model (reserved_models);
  widen (int16->int32->int64, float32->float64, string(n)->string(2n)->string, decimal);
  narrow (only when every stored value fits); change type with a cast that works (int <->
  digit-only string); make nullable / required (only without NULLs); default added / changed /
  removed; enum value added / removed (only when no row holds it); unique added / removed
  (field and multi-column, only on distinct data); check added / changed / removed; foreign key
  added / removed / action changed (cascade included); index added / changed / removed (desc,
  partial where, unique).

"inserts" are the rows to insert after applying the step's migration (literal values only; the
same statements on both dialects except the schema qualifier and bytea literals); they respect
every constraint of the current and all later states (values are drawn from a global counter,
so int/string/... values are pairwise distinct; FK values point at existing rows).
"expect" is the complete content every table must have after the step (rows inserted in
earlier steps included, as they must have survived: renamed fields carry values, widened or
cast types keep them).  Values are canonical: int, float, decimal as a string, bool, text,
json (parsed), bytes as hex, timestamptz as "YYYY-MM-DD HH:MM:SS+00:00";
{"any": "nonnull"} is a value a volatile default (now(), uuid) produced.
"""
import argparse
import copy
import datetime
import decimal
import json
import os
import random
import subprocess
import sys

D = decimal.Decimal

WORDS1 = ["Blue", "Red", "Green", "Amber", "Silver", "Gold", "Iron", "Stone", "Coral", "Ivory",
          "Jade", "Olive", "Plum", "Rust", "Sand", "Teal", "Umber", "Violet", "Azure", "Cedar"]
WORDS2 = ["Widget", "Ticket", "Comment", "Project", "Event", "Account", "Product", "Report",
          "Sensor", "Channel", "Folder", "Member", "Team", "Label", "Invoice", "Device",
          "Record", "Item", "Order", "Plan"]
FWORDS = ["qty", "note", "code", "score", "title", "size", "rank", "label", "flag", "amount",
          "ref", "stamp", "day", "tag", "level", "price", "ratio", "blob", "doc", "kind"]
ENUM_WORDS = ["red", "green", "blue", "cyan", "magenta", "yellow", "black", "white", "gray",
              "pink"]
SCHEMAS = ["sa", "sb", "sc"]
FK_ACTIONS = ["no_action", "restrict", "cascade", "set_null"]

INT_KINDS = ["int16", "int32", "int64"]


class Type:
    """kind: int16 int32 int64 float32 float64 decimal string bool uuid date timestamptz json
    enum bytes; n (string length or None), p/s (decimal), values (enum)."""

    def __init__(self, kind, n=None, p=None, s=None, values=None):
        self.kind, self.n, self.p, self.s, self.values = kind, n, p, s, list(values or [])

    def yaml(self):
        if self.kind == "string" and self.n:
            return "string(%d)" % self.n
        if self.kind == "decimal":
            return "decimal(%d,%d)" % (self.p, self.s)
        if self.kind == "enum":
            return "enum(%s)" % ", ".join(self.values)
        if self.kind == "array":
            return self.n + "[]"
        return self.kind

    def canon_kind(self):
        """The comparison kind of values of this type."""
        if self.kind in INT_KINDS:
            return "int"
        if self.kind in ("float32", "float64"):
            return "float"
        if self.kind in ("string", "enum", "uuid", "date", "time"):
            return "text"
        if self.kind == "array":
            return "json"
        return self.kind  # decimal bool timestamptz timestamp json bytes

    def copy(self):
        return copy.deepcopy(self)


class Field:
    def __init__(self, fid, name, typ, nullable=False):
        self.fid, self.name, self.type, self.nullable = fid, name, typ, nullable
        self.default = None        # python value (literal default), or None
        self.default_expr = None   # "now" | "uuid"
        self.pk = False
        self.identity = False
        self.unique = False
        self.ref = None            # mid of the referenced model (FK declared)
        self.shadow = None         # mid whose ids this (plain int64) field holds: FK candidate
        self.on_delete = None
        self.on_update = None
        self.renamed_from = None
        self.description = None
        self.numtext = False       # string field holding only digits (castable to int)


class Model:
    def __init__(self, mid, name):
        self.mid, self.name = mid, name
        self.table = None          # explicit table name
        self.schema = None
        self.renamed_from = None
        self.description = None
        self.fields = []
        self.reserved = []
        self.uniques = []          # [[fid, fid]]
        self.indexes = []          # {"name", "cols": [[fid, desc]], "unique", "where": None|[kind, fid]}
        self.checks = []           # {"name", "fid", "kind"}
        self.rows = []             # [{fid: value}]
        self.fill = True           # rows get inserted into it

    def field(self, fid):
        for f in self.fields:
            if f.fid == fid:
                return f
        raise KeyError(fid)

    def by_name(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        return None


def snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


VOLATILE = {"any": "nonnull"}


class Gen:
    def __init__(self, seed, max_risk="CRITICAL"):
        self.r = random.Random(seed)
        self.seed = seed
        self.max_risk = max_risk
        self.models = []
        self.reserved_models = []
        self.ctr = 100
        self.mid_ctr = 0
        self.fid_ctr = 0
        self.name_ctr = 0
        self.used_model_names = set()
        self.used_tables = set()
        self.step = 0
        self.project_schema = "public"
        self.protected = set()     # fids ops must leave alone (until the cascade step)

    # ------------------------------------------------------------------ names and values

    def next(self):
        self.ctr += 1
        return self.ctr

    def model_name(self):
        while True:
            n = self.r.choice(WORDS1) + self.r.choice(WORDS2)
            if n not in self.used_model_names:
                self.used_model_names.add(n)
                return n

    def field_name(self, hint=None):
        self.name_ctr += 1
        return "%s_%d" % (hint or self.r.choice(FWORDS), self.name_ctr)

    def table_name(self):
        self.name_ctr += 1
        return "t_%s_%d" % (self.r.choice(FWORDS), self.name_ctr)

    def default_table(self, m):
        return snake(m.name) + "s"

    def table_of(self, m):
        return m.table or self.default_table(m)

    def value_for(self, m, f):
        """A fresh value for a new row of model m (respects every constraint by construction)."""
        t = f.type
        tgt = f.ref if f.ref is not None else f.shadow
        if tgt is not None:
            pm = self.model(tgt)
            ids = [row[pm.fields[0].fid] for row in pm.rows] if pm else []
            if m.mid == tgt:
                ids = ids[:]  # self reference: earlier rows only (the row itself is not there yet)
            if not ids or (f.nullable and self.r.random() < 0.25 and f.fid not in self.protected):
                return None
            return self.r.choice(ids)
        if f.nullable and not f.unique and self.r.random() < 0.2:
            return None
        k = self.next()
        if t.kind in INT_KINDS:
            return k
        if t.kind in ("float32", "float64"):
            return k + 0.5
        if t.kind == "decimal":
            return str((D(k % (10 ** (t.p - t.s - 1))) + D("0.25")).quantize(D(1).scaleb(-t.s)))
        if t.kind == "string":
            return str(k) if f.numtext else "v%d" % k
        if t.kind == "bool":
            return k % 2 == 0
        if t.kind == "uuid":
            return "00000000-0000-4000-8000-%012d" % k
        if t.kind == "date":
            return (datetime.date(2024, 1, 1) + datetime.timedelta(days=k)).isoformat()
        if t.kind == "timestamptz":
            return (datetime.datetime(2024, 1, 1) + datetime.timedelta(minutes=k)).strftime(
                "%Y-%m-%d %H:%M:%S+00:00")
        if t.kind == "timestamp":
            return (datetime.datetime(2024, 1, 1) + datetime.timedelta(minutes=k)).strftime(
                "%Y-%m-%d %H:%M:%S")
        if t.kind == "time":
            return "%02d:%02d:%02d" % ((k // 3600) % 24, (k // 60) % 60, k % 60)
        if t.kind == "array":
            return [k, k + 1] if t.n == "int32" else ["a%d" % k, "b,%d" % k]
        if t.kind == "json":
            return {"k": k, "s": "x%d" % k}
        if t.kind == "enum":
            return self.r.choice(t.values)
        if t.kind == "bytes":
            return "%02x%02x" % (k % 256, (k // 256) % 256)
        raise ValueError(t.kind)

    def literal(self, f, v, dialect):
        if v is None:
            return "NULL"
        t = f.type
        if t.kind == "bool":
            return "TRUE" if v else "FALSE"
        if t.kind in INT_KINDS or t.kind in ("float32", "float64"):
            return repr(v)
        if t.kind == "decimal":
            return v
        if t.kind == "json":
            v = json.dumps(v, sort_keys=True)
        if t.kind == "array":
            if dialect == "postgres":
                v = "{" + ",".join(json.dumps(x) for x in v) + "}"
            else:
                v = json.dumps(v)
        if t.kind == "bytes":
            return ("'\\x%s'" % v) if dialect == "postgres" else ("X'%s'" % v)
        return "'" + str(v).replace("'", "''") + "'"

    # ------------------------------------------------------------------ state helpers

    def model(self, mid):
        for m in self.models:
            if m.mid == mid:
                return m
        return None

    def new_field(self, typ, nullable=False, name=None):
        self.fid_ctr += 1
        return Field(self.fid_ctr, name or self.field_name(), typ, nullable)

    def random_type(self, allow=None):
        kinds = allow or ["int16", "int32", "int64", "float32", "float64", "decimal", "string",
                          "string_n", "bool", "uuid", "date", "timestamptz", "json", "enum",
                          "bytes", "timestamp", "time", "int_array", "string_array"]
        k = self.r.choice(kinds)
        if k == "int_array":
            return Type("array", n="int32")
        if k == "string_array":
            return Type("array", n="string")
        if k == "string_n":
            return Type("string", n=self.r.choice([16, 32]))
        if k == "decimal":
            return Type("decimal", p=self.r.choice([8, 10]), s=2)
        if k == "enum":
            vals = self.r.sample(ENUM_WORDS, 3)
            return Type("enum", values=vals)
        return Type(k)

    def referenced_by(self, m):
        """Fields (model, field) of other or the same model that reference / shadow m."""
        out = []
        for o in self.models:
            for f in o.fields:
                if f.ref == m.mid or f.shadow == m.mid:
                    out.append((o, f))
        return out

    def expr_bound(self, m, f):
        """Field appears in a check, an index predicate, a multi-column unique or index."""
        if any(c["fid"] == f.fid for c in m.checks):
            return True
        for ix in m.indexes:
            if ix["where"] and ix["where"][1] == f.fid:
                return True
        return False

    def in_composite(self, m, f):
        if any(f.fid in u for u in m.uniques):
            return True
        return any(any(c[0] == f.fid for c in ix["cols"]) for ix in m.indexes) or \
            any(c["fid"] == f.fid for c in m.checks) or \
            any(ix["where"] and ix["where"][1] == f.fid for ix in m.indexes)

    def col_values(self, m, f):
        return [row.get(f.fid) for row in m.rows]

    def distinct_data(self, m, fids):
        seen = set()
        for row in m.rows:
            vals = tuple(row.get(fid) for fid in fids)
            if any(v is None for v in vals):
                continue
            if any(isinstance(v, dict) for v in vals):
                return False
            if vals in seen:
                return False
            seen.add(vals)
        return True

    def unique_eligible(self, m, f):
        return (not f.pk and f.ref is None and f.shadow is None and
                f.type.kind in INT_KINDS + ["string", "uuid", "decimal", "date", "float32", "float64"]
                and f.default is None and f.default_expr is None and self.distinct_data(m, [f.fid]))

    def plain_fields(self, m):
        return [f for f in m.fields if not f.pk]

    # ------------------------------------------------------------------ YAML

    def yaml_str(self, s):
        return json.dumps(s, ensure_ascii=False)

    def yaml_default(self, f):
        v = f.default
        t = f.type
        if t.kind == "bool":
            return "true" if v else "false"
        if t.kind in INT_KINDS:
            return str(v)
        if t.kind in ("float32", "float64"):
            return repr(v)
        if t.kind == "decimal":
            return str(v)
        return self.yaml_str(str(v))

    def render_model(self, m):
        L = ["kind: model", "name: " + m.name]
        if m.renamed_from:
            L.append("renamed_from: " + m.renamed_from)
        if m.table:
            L.append("table: " + m.table)
        if m.schema:
            L.append("schema: " + m.schema)
        if m.description:
            L.append("description: " + self.yaml_str(m.description))
        L.append("fields:")
        for f in m.fields:
            kv = ["type: " + self.yaml_str(f.type.yaml())]
            if f.pk:
                kv.append("primary_key: true")
            if f.identity:
                kv.append("identity: true")
            if f.nullable:
                kv.append("nullable: true")
            if f.default is not None:
                kv.append("default: " + self.yaml_default(f))
            if f.default_expr:
                kv.append("default_expr: " + f.default_expr)
            if f.unique:
                kv.append("unique: true")
            if f.ref is not None:
                kv.append("references: " + self.model(f.ref).name)
                if f.on_delete:
                    kv.append("on_delete: " + f.on_delete)
                if f.on_update:
                    kv.append("on_update: " + f.on_update)
            if f.renamed_from:
                kv.append("renamed_from: " + f.renamed_from)
            if f.description:
                kv.append("description: " + self.yaml_str(f.description))
            L.append("  %s: {%s}" % (f.name, ", ".join(kv)))
        if m.reserved:
            L.append("reserved: [%s]" % ", ".join(m.reserved))
        if m.uniques:
            L.append("unique: [%s]" % ", ".join(
                "[%s]" % ", ".join(m.field(fid).name for fid in u) for u in m.uniques))
        if m.indexes:
            L.append("indexes:")
            for ix in m.indexes:
                kv = []
                if ix.get("name"):
                    kv.append("name: " + ix["name"])
                kv.append("fields: [%s]" % ", ".join(
                    m.field(fid).name + (" desc" if desc else "") for fid, desc in ix["cols"]))
                if ix["unique"]:
                    kv.append("unique: true")
                if ix["where"]:
                    kv.append("where: " + self.yaml_str(self.render_pred(m, ix["where"])))
                L.append("  - {%s}" % ", ".join(kv))
        if m.checks:
            L.append("checks:")
            for c in m.checks:
                L.append("  - {name: %s, expr: %s}" % (c["name"], self.yaml_str(self.render_check(m, c))))
        return "\n".join(L) + "\n"

    def render_pred(self, m, w):
        kind, fid = w
        n = m.field(fid).name
        return {"notnull": "%s IS NOT NULL" % n, "pos": "%s > 0" % n}[kind]

    def render_check(self, m, c):
        n = m.field(c["fid"]).name
        return {"ge0": "%s >= 0" % n, "gem1": "%s >= -1" % n, "lt": "%s < 1000000" % n,
                "lenpos": "length(%s) > 0" % n, "lenge1": "length(%s) >= 1" % n}[c["kind"]]

    def files(self):
        fs = {}
        L = ["project: prop", "dialects: [postgres, sqlite]", "max_risk: " + self.max_risk]
        if self.project_schema != "public":
            L.append("postgres: {schema: %s}" % self.project_schema)
        if self.reserved_models:
            L.append("reserved_models: [%s]" % ", ".join(self.reserved_models))
        fs["mdc.yaml"] = "\n".join(L) + "\n"
        for m in self.models:
            fs["models/m%03d.yaml" % m.mid] = self.render_model(m)
        return fs

    # ------------------------------------------------------------------ rows

    def insert_rows(self):
        ins = {"postgres": [], "sqlite": []}
        cands = [m for m in self.models if m.fill]
        if not cands:
            return ins
        chosen = self.r.sample(cands, min(len(cands), self.r.choice([1, 2, 2, 3])))
        if self.step == 0:  # the cascading pair first: child rows then point at parent rows
            chosen = [m for m in self.models if m.mid in self.initial_pair] + \
                [m for m in chosen if m.mid not in self.initial_pair]
        for m in chosen:
            for _ in range(self.r.choice([1, 2, 3]) if m.mid not in self.initial_pair else 3):
                row = {}
                for f in m.fields:
                    if f.pk:
                        row[f.fid] = self.next()
                    else:
                        row[f.fid] = self.value_for(m, f)
                m.rows.append(row)
                for d in ("postgres", "sqlite"):
                    ins[d].append("INSERT INTO %s (%s) VALUES (%s);" % (
                        self.qual(m, d), ", ".join('"%s"' % f.name for f in m.fields),
                        ", ".join(self.literal(f, row[f.fid], d) for f in m.fields)))
        return ins

    def qual(self, m, d):
        t = '"%s"' % self.table_of(m)
        if d == "postgres":
            return '"%s".%s' % (m.schema or self.project_schema, t)
        return t

    def canon(self, f, v):
        if v is None or isinstance(v, dict) and v == VOLATILE:
            return v
        k = f.type.canon_kind()
        if k == "int":
            return int(v)
        if k == "float":
            return float(v)
        if k == "decimal":
            return str(D(v).normalize())
        if k == "bool":
            return bool(v)
        if k == "json":
            return v
        if k == "timestamp":
            return str(v)
        return str(v)

    def expect(self):
        out = []
        for m in self.models:
            pk = m.fields[0]
            out.append({"model": m.name,
                        "table": {d: self.qual(m, d) for d in ("postgres", "sqlite")},
                        "key": [pk.name],
                        "columns": [{"name": f.name, "kind": f.type.canon_kind()} for f in m.fields],
                        "rows": sorted(([self.canon(f, row.get(f.fid)) for f in m.fields]
                                        for row in m.rows), key=lambda r: r[0])})
        return out

    # ------------------------------------------------------------------ initial state

    def make_model(self, nfields=None, fill=True, plain=False):
        m = Model(self.mid_ctr + 1, self.model_name())
        self.mid_ctr += 1
        pk = self.new_field(Type("int64"), name="id")
        pk.pk = True
        pk.identity = self.r.random() < 0.3
        m.fields.append(pk)
        for _ in range(nfields if nfields is not None else self.r.randint(1, 3)):
            f = self.new_field(self.random_type(), nullable=self.r.random() < 0.5)
            if f.type.kind == "string" and f.type.n is None and self.r.random() < 0.3:
                f.numtext = True
            if not plain and self.r.random() < 0.2:
                f.description = "Field %s of %s." % (f.name, m.name)
            m.fields.append(f)
        if not plain:
            if self.r.random() < 0.2:
                m.table = self.table_name()
            if self.r.random() < 0.15:
                m.schema = self.r.choice(SCHEMAS)
            if self.r.random() < 0.3:
                m.description = "Model %s." % m.name
        m.fill = fill
        return m

    def ref_field(self, target, nullable=True, action=None):
        f = self.new_field(Type("int64"), nullable=True, name=self.field_name(snake(target.name)[:12] + "_id"))
        f.ref = target.mid
        f.on_delete = action
        return f

    def initial(self):
        parent = self.make_model(2, plain=True)
        parent.fields.append(self.new_field(Type("string", n=32), nullable=False))
        self.protected_later = parent.fields[-1].fid  # stays NOT NULL until the cascade step
        self.models.append(parent)
        child = self.make_model(1)
        child.fields.append(self.ref_field(parent, action="cascade"))
        self.protected.add(child.fields[-1].fid)
        self.protected.add(self.protected_later)
        child.fields[-1].nullable = True
        self.initial_pair = (parent.mid, child.mid)
        self.models.append(child)
        a = self.make_model(1)
        b = self.make_model(1)
        self.models += [a, b]
        a.fields.append(self.ref_field(b))
        b.fields.append(self.ref_field(a, action=self.r.choice(FK_ACTIONS)))
        a.fields.append(self.ref_field(a, action="set_null"))  # self reference
        empty = self.make_model(2, fill=False)
        self.models.append(empty)
        # a few starting constraints
        for m in (a, b, child):
            f = self.r.choice(self.plain_fields(m))
            if f.type.kind in INT_KINDS:
                m.checks.append({"name": "ck_%d" % self.fid_ctr, "fid": f.fid, "kind": "ge0"})
        return [{"op": "initial", "rules": ["MODEL_ADDED"]}]

    # ------------------------------------------------------------------ operations
    # Each op_* returns a description dict or None when not applicable.

    def pick_model(self, pred=lambda m: True):
        c = [m for m in self.models if pred(m)]
        return self.r.choice(c) if c else None

    def pick_field(self, m, pred):
        c = [f for f in m.fields if pred(f)]
        return self.r.choice(c) if c else None

    def pick_mf(self, fpred, mpred=lambda m: True):
        c = [(m, f) for m in self.models if mpred(m) for f in m.fields if fpred(m, f)]
        return self.r.choice(c) if c else (None, None)

    def op_add_model(self):
        m = self.make_model(fill=self.r.random() < 0.7)
        if self.models and self.r.random() < 0.6:
            tgt = self.r.choice(self.models)
            m.fields.append(self.ref_field(tgt, action=self.r.choice(FK_ACTIONS + [None])))
        self.models.append(m)
        return {"op": "add_model", "model": m.name, "rules": ["MODEL_ADDED"]}

    def op_add_field_nullable(self):
        m = self.pick_model()
        if not m:
            return None
        f = self.new_field(self.random_type(), nullable=True)
        m.fields.append(f)
        for row in m.rows:
            row[f.fid] = None
        return {"op": "add_field_nullable", "model": m.name, "field": f.name,
                "rules": ["FIELD_ADDED_NULLABLE"]}

    def op_add_fk_field(self):
        m = self.pick_model()
        if not m:
            return None
        tgt = self.r.choice(self.models)
        f = self.ref_field(tgt, action=self.r.choice(FK_ACTIONS + [None]))
        m.fields.append(f)
        for row in m.rows:
            row[f.fid] = None
        return {"op": "add_fk_field", "model": m.name, "field": f.name, "target": tgt.name,
                "cycle": any(g.ref == m.mid for g in tgt.fields),
                "rules": ["FIELD_ADDED_NULLABLE"]}

    def op_add_shadow_field(self):
        """A plain int64 field holding ids of another model: a later FOREIGN_KEY_ADDED target."""
        m = self.pick_model()
        if not m:
            return None
        tgt = self.r.choice(self.models)
        f = self.new_field(Type("int64"), nullable=True, name=self.field_name(snake(tgt.name)[:10] + "_ref"))
        f.shadow = tgt.mid
        m.fields.append(f)
        for row in m.rows:
            row[f.fid] = None
        return {"op": "add_shadow_field", "model": m.name, "field": f.name,
                "rules": ["FIELD_ADDED_NULLABLE"]}

    def op_add_field_default(self):
        m = self.pick_model()
        if not m:
            return None
        kind = self.r.choice(["int32", "int64", "string", "string_n", "bool", "decimal", "enum",
                              "float64", "date", "now", "uuid", "current_date"])
        if kind == "current_date":
            f = self.new_field(Type("date"), nullable=self.r.random() < 0.3)
            f.default_expr = "current_date"
        elif kind == "now":
            f = self.new_field(Type("timestamptz"), nullable=self.r.random() < 0.3)
            f.default_expr = "now"
        elif kind == "uuid":
            f = self.new_field(Type("uuid"), nullable=self.r.random() < 0.3)
            f.default_expr = "uuid"
        else:
            f = self.new_field(self.random_type([kind]), nullable=self.r.random() < 0.3)
            f.default = self.default_value(f)
        m.fields.append(f)
        for row in m.rows:
            row[f.fid] = VOLATILE if f.default_expr else f.default
        return {"op": "add_field_default", "model": m.name, "field": f.name,
                "rules": ["FIELD_ADDED_WITH_DEFAULT|FIELD_ADDED_NULLABLE" if f.nullable
                          else "FIELD_ADDED_WITH_DEFAULT"]}

    def default_value(self, f):
        t = f.type
        if t.kind in INT_KINDS:
            return 7
        if t.kind in ("float32", "float64"):
            return 1.5
        if t.kind == "decimal":
            return "2.50"
        if t.kind == "string":
            return "7" if f.numtext else "dflt"
        if t.kind == "bool":
            return True
        if t.kind == "enum":
            return t.values[0]
        if t.kind == "date":
            return "2024-06-01"
        return None

    def op_add_field_required(self):
        m = self.pick_model(lambda m: not m.rows)
        if not m:
            return None
        f = self.new_field(self.random_type(["int32", "string", "bool", "date", "decimal"]))
        m.fields.append(f)
        if self.r.random() < 0.5:
            m.fill = True
        return {"op": "add_field_required", "model": m.name, "field": f.name,
                "rules": ["FIELD_ADDED_REQUIRED"]}

    def op_rename_field(self):
        m, f = self.pick_mf(lambda m, f: not f.pk and f.fid not in self.renamed_now)
        if not m:
            return None
        self.renamed_now.add(f.fid)
        old = f.name
        f.renamed_from = old
        f.name = self.field_name(old.rsplit("_", 1)[0])
        rules = ["FIELD_RENAMED"]
        if self.expr_bound(m, f):
            rules.append("CHECK_CHANGED?")
        return {"op": "rename_field", "model": m.name, "field": f.name, "from": old, "rules": rules}

    def op_rename_model(self):
        m = self.pick_model(lambda m: ("m", m.mid) not in self.renamed_now)
        if not m:
            return None
        self.renamed_now.add(("m", m.mid))
        old = m.name
        m.renamed_from = old
        m.name = self.model_name()
        return {"op": "rename_model", "model": m.name, "from": old, "rules": ["MODEL_RENAMED"]}

    def op_rename_table(self):
        m = self.pick_model()
        if not m:
            return None
        m.table = self.table_name()
        return {"op": "rename_table", "model": m.name, "table": m.table, "rules": ["TABLE_RENAMED"]}

    def op_change_schema(self):
        m = self.pick_model()
        if not m:
            return None
        choices = [s for s in SCHEMAS + [None] if s != m.schema]
        m.schema = self.r.choice(choices)
        return {"op": "change_schema", "model": m.name, "schema": m.schema,
                "rules": ["SCHEMA_CHANGED"]}

    def op_remove_field(self):
        m, f = self.pick_mf(lambda m, f: not f.pk and not self.in_composite(m, f)
                            and f.fid not in self.protected)
        if not m:
            return None
        m.fields.remove(f)
        m.reserved.append(f.name)
        if f.renamed_from:
            m.reserved.append(f.renamed_from)  # never reuse either name
        for row in m.rows:
            row.pop(f.fid, None)
        return {"op": "remove_field", "model": m.name, "field": f.name, "rules": ["FIELD_REMOVED"]}

    def op_remove_model(self):
        m = self.pick_model(lambda m: all(o is m for o, f in self.referenced_by(m) if f.ref == m.mid)
                            and not any(f.fid in self.protected for f in m.fields))
        if not m or len(self.models) < 3:
            return None
        for o, f in self.referenced_by(m):
            if f.shadow == m.mid:
                f.shadow = None  # values stay, no longer constrained
        self.models.remove(m)
        self.reserved_models.append(m.name)
        return {"op": "remove_model", "model": m.name, "mid": m.mid, "rules": ["MODEL_REMOVED"]}

    def op_remove_bound_field(self):
        """Remove a field that an index, a multi-column unique or a check uses, together with
        those objects (one reviewed change)."""
        m, f = self.pick_mf(lambda m, f: not f.pk and self.in_composite(m, f)
                            and f.fid not in self.protected and f.fid != getattr(self, "protected_later", None))
        if not m:
            return None
        m.indexes = [ix for ix in m.indexes if not any(c[0] == f.fid for c in ix["cols"])
                     and not (ix["where"] and ix["where"][1] == f.fid)]
        m.uniques = [u for u in m.uniques if f.fid not in u]
        m.checks = [c for c in m.checks if c["fid"] != f.fid]
        m.fields.remove(f)
        m.reserved.append(f.name)
        for row in m.rows:
            row.pop(f.fid, None)
        return {"op": "remove_bound_field", "model": m.name, "field": f.name,
                "rules": ["FIELD_REMOVED"]}

    def op_rename_pk(self):
        m = self.pick_model(lambda m: ("m", m.mid) not in self.renamed_now)
        if not m:
            return None
        f = m.fields[0]
        if f.fid in self.renamed_now:
            return None
        self.renamed_now.add(f.fid)
        old = f.name
        f.renamed_from = old
        f.name = self.field_name("key")
        return {"op": "rename_pk", "model": m.name, "field": f.name, "from": old,
                "rules": ["FIELD_RENAMED"]}

    def op_add_cycle(self):
        """Two new models referencing each other (a cycle created by a later migration)."""
        a = self.make_model(fill=True)
        b = self.make_model(fill=True)
        self.models += [a, b]
        a.fields.append(self.ref_field(b, action=self.r.choice(FK_ACTIONS + [None])))
        b.fields.append(self.ref_field(a, action=self.r.choice(FK_ACTIONS + [None])))
        return {"op": "add_cycle", "model": a.name, "other": b.name, "mids": [a.mid, b.mid],
                "rules": ["MODEL_ADDED"]}

    def op_remove_cycle(self):
        """Remove two models that reference each other (and nothing else references)."""
        for a in self.r.sample(self.models, len(self.models)):
            for o, f in self.referenced_by(a):
                if o is a or f.ref != a.mid:
                    continue
                b = o
                if not any(g.ref == b.mid for g in a.fields):
                    continue
                pair = {a.mid, b.mid}
                if any(x.mid not in pair for m in (a, b) for x, g in self.referenced_by(m) if g.ref == m.mid):
                    continue
                if any(g.fid in self.protected for m in (a, b) for g in m.fields):
                    continue
                if len(self.models) < 4:
                    return None
                for m in (a, b):
                    for x, g in self.referenced_by(m):
                        if g.shadow == m.mid:
                            g.shadow = None
                    self.models.remove(m)
                    self.reserved_models.append(m.name)
                return {"op": "remove_cycle", "model": a.name, "other": b.name, "mid": a.mid,
                        "mids": [a.mid, b.mid], "rules": ["MODEL_REMOVED"]}
        return None

    def op_project_schema(self):
        """Change the project's default PostgreSQL schema (mdc.yaml postgres.schema): every
        model without its own schema moves."""
        movers = [m for m in self.models if not m.schema]
        if not movers:
            return None
        self.project_schema = self.r.choice([x for x in ["public", "app", "core"] if x != self.project_schema])
        return {"op": "project_schema", "model": movers[0].name, "schema": self.project_schema,
                "rules": ["SCHEMA_CHANGED"]}

    def typable(self, m, f):
        return not f.pk and f.ref is None and f.shadow is None

    def op_widen(self):
        def ok(m, f):
            if not self.typable(m, f):
                return False
            k = f.type.kind
            return k in ("int16", "int32", "float32", "decimal") or (k == "string" and f.type.n)
        m, f = self.pick_mf(ok)
        if not m:
            return None
        t = f.type
        old = t.yaml()
        if t.kind == "int16":
            t.kind = self.r.choice(["int32", "int64"])
        elif t.kind == "int32":
            t.kind = "int64"
        elif t.kind == "float32":
            t.kind = "float64"
        elif t.kind == "decimal":
            if self.r.random() < 0.5:
                t.p += 2
            else:
                t.p += 1
                t.s += 1
        elif t.kind == "string":
            t.n = None if self.r.random() < 0.3 else t.n * 2
        return {"op": "widen", "model": m.name, "field": f.name, "from": old, "to": t.yaml(),
                "rules": ["FIELD_TYPE_WIDENED"]}

    def maxlen(self, m, f):
        vals = [v for v in self.col_values(m, f) if v is not None and v != VOLATILE]
        if f.default is not None:
            vals.append(f.default)
        return max([len(str(v)) for v in vals] + [0])

    def op_narrow(self):
        def ok(m, f):
            if not self.typable(m, f):
                return False
            k = f.type.kind
            if k == "int64":
                return True
            if k == "int32":
                return all(v is None or v == VOLATILE or abs(v) < 32000 for v in self.col_values(m, f))
            if k == "string" and not self.expr_bound(m, f):
                return (f.type.n is None or f.type.n > 8) and self.maxlen(m, f) <= 8
            return False
        m, f = self.pick_mf(ok)
        if not m:
            return None
        t = f.type
        old = t.yaml()
        if t.kind == "int64":
            t.kind = "int32"
        elif t.kind == "int32":
            t.kind = "int16"
        else:
            t.n = 8 if t.n is None or t.n <= 16 else t.n // 2
        return {"op": "narrow", "model": m.name, "field": f.name, "from": old, "to": t.yaml(),
                "rules": ["FIELD_TYPE_NARROWED"]}

    def op_change_type(self):
        def ok(m, f):
            if not self.typable(m, f) or self.expr_bound(m, f):
                return False
            if f.type.kind in ("int32", "int64"):
                return True
            return f.type.kind == "string" and f.numtext and f.type.n is None
        m, f = self.pick_mf(ok)
        if not m:
            return None
        old = f.type.yaml()
        if f.type.kind in INT_KINDS:
            f.type = Type("string")
            f.numtext = True
            conv = lambda v: str(v)
        else:
            f.type = Type("int64")
            f.numtext = False
            conv = lambda v: int(v)
        for row in m.rows:
            v = row.get(f.fid)
            if v is not None and v != VOLATILE:
                row[f.fid] = conv(v)
        if f.default is not None:
            f.default = conv(f.default)
        return {"op": "change_type", "model": m.name, "field": f.name, "from": old,
                "to": f.type.yaml(), "rules": ["FIELD_TYPE_CHANGED"]}

    def op_make_nullable(self, m=None):
        if m is None:
            m, f = self.pick_mf(lambda m, f: not f.pk and not f.nullable and f.fid not in self.protected)
        else:
            f = self.pick_field(m, lambda f: not f.pk and not f.nullable)
        if not m or not f:
            return None
        f.nullable = True
        return {"op": "make_nullable", "model": m.name, "field": f.name,
                "rules": ["FIELD_MADE_NULLABLE"]}

    def op_make_required(self, m=None):
        pred = lambda m, f: (not f.pk and f.nullable and f.ref is None and f.shadow is None and
                             all(v is not None for v in self.col_values(m, f)))
        if m is None:
            m, f = self.pick_mf(pred)
        else:
            f = self.pick_field(m, lambda f: pred(m, f))
        if not m or not f:
            return None
        f.nullable = False
        return {"op": "make_required", "model": m.name, "field": f.name,
                "rules": ["FIELD_MADE_REQUIRED"]}

    def op_default(self, only=None):
        def ok(m, f):
            return ((only is None or m is only) and not f.pk and f.ref is None and f.shadow is None and
                    (self.default_value(f) is not None or f.default is not None or f.default_expr))
        m, f = self.pick_mf(ok)
        if not m:
            return None
        if f.default_expr:
            f.default_expr = None
            rule = "FIELD_DEFAULT_REMOVED"
        elif f.default is None:
            if f.unique or any(f.fid in u for u in m.uniques):
                return None
            f.default = self.default_value(f)
            rule = "FIELD_DEFAULT_ADDED"
        elif self.r.random() < 0.5:
            f.default = None
            rule = "FIELD_DEFAULT_REMOVED"
        else:
            t = f.type
            d = f.default
            if t.kind in INT_KINDS:
                f.default = 8 if d != 8 else 9
            elif t.kind in ("float32", "float64"):
                f.default = 2.5 if d != 2.5 else 3.5
            elif t.kind == "decimal":
                f.default = "3.75" if d != "3.75" else "4.25"
            elif t.kind == "string":
                f.default = ("8" if d != "8" else "9") if f.numtext else ("other" if d != "other" else "dflt")
            elif t.kind == "bool":
                f.default = not d
            elif t.kind == "enum":
                c = [v for v in t.values if v != d]
                f.default = self.r.choice(c)
            elif t.kind == "date":
                f.default = "2025-01-01" if d != "2025-01-01" else "2024-06-01"
            rule = "FIELD_DEFAULT_CHANGED"
        return {"op": "default", "model": m.name, "field": f.name, "rules": [rule]}

    def op_enum(self):
        m, f = self.pick_mf(lambda m, f: f.type.kind == "enum")
        if not m:
            return None
        used = set(v for v in self.col_values(m, f) if v is not None)
        removable = [v for v in f.type.values if v not in used and v != f.default]
        if removable and len(f.type.values) > 2 and self.r.random() < 0.5:
            v = self.r.choice(removable)
            f.type.values.remove(v)
            return {"op": "enum_remove", "model": m.name, "field": f.name, "value": v,
                    "rules": ["ENUM_VALUE_REMOVED"]}
        c = [w for w in ENUM_WORDS if w not in f.type.values]
        if not c:
            return None
        v = self.r.choice(c)
        f.type.values.append(v)
        return {"op": "enum_add", "model": m.name, "field": f.name, "value": v,
                "rules": ["ENUM_VALUE_ADDED"]}

    def op_unique_field(self):
        m, f = self.pick_mf(lambda m, f: f.unique or self.unique_eligible(m, f))
        if not m:
            return None
        f.unique = not f.unique
        return {"op": "unique_field", "model": m.name, "field": f.name,
                "rules": ["UNIQUE_ADDED" if f.unique else "UNIQUE_REMOVED"]}

    def op_unique_multi(self):
        m = self.pick_model()
        if not m:
            return None
        if m.uniques and self.r.random() < 0.4:
            u = self.r.choice(m.uniques)
            m.uniques.remove(u)
            return {"op": "unique_multi_remove", "model": m.name, "rules": ["UNIQUE_REMOVED"]}
        el = [f for f in m.fields if self.unique_eligible(m, f)]
        if len(el) < 2:
            return None
        a, b = self.r.sample(el, 2)
        if any(set(u) == {a.fid, b.fid} for u in m.uniques):
            return None
        m.uniques.append([a.fid, b.fid])
        return {"op": "unique_multi_add", "model": m.name, "rules": ["UNIQUE_ADDED"]}

    def op_check(self, m=None):
        if m is None:
            m = self.pick_model()
        if not m:
            return None
        if m.checks and self.r.random() < 0.5:
            c = self.r.choice(m.checks)
            if self.r.random() < 0.4:
                m.checks.remove(c)
                return {"op": "check_remove", "model": m.name, "rules": ["CHECK_REMOVED"]}
            alt = {"ge0": ["gem1", "lt"], "gem1": ["ge0", "lt"], "lt": ["ge0", "gem1"],
                   "lenpos": ["lenge1"], "lenge1": ["lenpos"]}[c["kind"]]
            c["kind"] = self.r.choice(alt)
            return {"op": "check_change", "model": m.name, "check": c["name"],
                    "rules": ["CHECK_CHANGED"]}
        f = self.pick_field(m, lambda f: not f.pk and f.ref is None and f.shadow is None and
                            not any(c["fid"] == f.fid for c in m.checks) and
                            (f.type.kind in INT_KINDS or (f.type.kind == "string" and not f.numtext)))
        if not f:
            return None
        if f.type.kind == "string":
            if any(v is not None and v != VOLATILE and len(v) == 0 for v in self.col_values(m, f)):
                return None
            kind = "lenpos"
        else:
            kind = self.r.choice(["ge0", "lt"])
        self.name_ctr += 1
        m.checks.append({"name": "ck_%s_%d" % (f.name.split("_")[0], self.name_ctr),
                         "fid": f.fid, "kind": kind})
        return {"op": "check_add", "model": m.name, "field": f.name, "rules": ["CHECK_ADDED"]}

    def op_fk(self):
        choices = []
        for m in self.models:
            for f in m.fields:
                if f.fid in self.protected:
                    continue
                if f.shadow is not None:
                    choices.append((m, f, "add"))
                if f.ref is not None:
                    choices.append((m, f, "action"))
                    choices.append((m, f, "remove"))
        if not choices:
            return None
        m, f, what = self.r.choice(choices)
        if what == "add":
            f.ref, f.shadow = f.shadow, None
            f.on_delete = self.r.choice(FK_ACTIONS + [None])
            return {"op": "fk_add", "model": m.name, "field": f.name, "rules": ["FOREIGN_KEY_ADDED"]}
        if what == "remove":
            f.shadow, f.ref = f.ref, None
            f.on_delete = f.on_update = None
            return {"op": "fk_remove", "model": m.name, "field": f.name,
                    "rules": ["FOREIGN_KEY_REMOVED"]}
        cur = f.on_delete or "no_action"
        f.on_delete = self.r.choice([a for a in FK_ACTIONS if a != cur])
        if self.r.random() < 0.3:
            f.on_update = self.r.choice(["cascade", "no_action", "restrict"])
        return {"op": "fk_action", "model": m.name, "field": f.name,
                "rules": ["FOREIGN_KEY_ACTION_CHANGED"]}

    def op_index(self):
        m = self.pick_model()
        if not m:
            return None
        if m.indexes and self.r.random() < 0.5:
            ix = self.r.choice(m.indexes)
            if self.r.random() < 0.4:
                m.indexes.remove(ix)
                return {"op": "index_remove", "model": m.name, "rules": ["INDEX_REMOVED"]}
            # change: flip an order, or toggle the predicate
            if self.r.random() < 0.5 or not ix["where"] and not self.pred_for(m, ix["cols"][0][0]):
                i = self.r.randrange(len(ix["cols"]))
                ix["cols"][i][1] = not ix["cols"][i][1]
            else:
                ix["where"] = None if ix["where"] else self.pred_for(m, ix["cols"][0][0])
            return {"op": "index_change", "model": m.name, "rules": ["INDEX_CHANGED"]}
        cands = [f for f in m.fields if not f.pk and f.type.kind not in ("json", "bytes", "array")]
        if not cands:
            return None
        cols = self.r.sample(cands, min(len(cands), self.r.choice([1, 1, 2])))
        unique = all(self.unique_eligible(m, f) for f in cols) and self.r.random() < 0.4
        if unique:
            unique = self.distinct_data(m, [f.fid for f in cols])
        ix = {"name": None, "cols": [[f.fid, self.r.random() < 0.4] for f in cols],
              "unique": unique, "where": None}
        if self.r.random() < 0.5:
            self.name_ctr += 1
            ix["name"] = "ix_%d" % self.name_ctr
        if self.r.random() < 0.4:
            ix["where"] = self.pred_for(m, cols[0].fid)
        # unnamed indexes are matched by their field list: keep those distinct
        key = [c[0] for c in ix["cols"]]
        if any([c[0] for c in o["cols"]] == key for o in m.indexes):
            return None
        m.indexes.append(ix)
        return {"op": "index_add", "model": m.name, "rules": ["INDEX_ADDED"]}

    def pred_for(self, m, fid):
        f = m.field(fid)
        if f.type.kind in INT_KINDS and not f.shadow and f.ref is None:
            return ["pos", fid] if self.r.random() < 0.5 else ["notnull", fid]
        return ["notnull", fid]

    def op_doc(self):
        m = self.pick_model()
        if not m:
            return None
        if self.r.random() < 0.5:
            m.description = "Model %s, revised at step %d." % (m.name, self.step)
        else:
            f = self.r.choice(m.fields)
            f.description = "Field %s, revised at step %d." % (f.name, self.step)
        return {"op": "doc", "model": m.name, "rules": ["DOC_CHANGED"]}

    def cascade_candidates(self):
        """(parent, child, field): child rows point at parent rows through ON DELETE CASCADE."""
        out = []
        for c in self.models:
            for f in c.fields:
                if f.ref is None or f.on_delete != "cascade" or f.ref == c.mid:
                    continue
                p = self.model(f.ref)
                if p and p.rows and any(row.get(f.fid) is not None for row in c.rows):
                    out.append((p, c, f))
        return out

    def op_cascade_rebuild(self):
        """Force a SQLite rebuild of a parent table whose rows have children behind an
        ON DELETE CASCADE foreign key (DROP TABLE of the parent with foreign_keys on would
        delete them)."""
        cands = self.cascade_candidates()
        self.r.shuffle(cands)
        cands.sort(key=lambda x: x[0].mid != self.initial_pair[0])
        for p, c, f in cands:
            d = self.op_make_nullable(p) or self.op_make_required(p) or self.op_check(p) or \
                self.op_default(p)
            if d:
                d["cascade_rebuild"] = True
                d["cascade_child"] = c.name
                return d
        return None

    OPS = [("add_model", 3), ("add_field_nullable", 4), ("add_fk_field", 2),
           ("add_shadow_field", 2), ("add_field_default", 4), ("add_field_required", 2),
           ("rename_field", 3), ("rename_model", 2), ("rename_table", 2), ("change_schema", 2),
           ("remove_field", 2), ("remove_model", 1), ("widen", 3), ("narrow", 2),
           ("change_type", 2), ("make_nullable", 2), ("make_required", 2), ("default", 3),
           ("enum", 2), ("unique_field", 2), ("unique_multi", 2), ("check", 3), ("fk", 3),
           ("index", 4), ("doc", 1), ("remove_bound_field", 1), ("rename_pk", 1),
           ("add_cycle", 1), ("remove_cycle", 1), ("project_schema", 1)]

    def random_op(self):
        names = [n for n, w in self.OPS for _ in range(w)]
        for _ in range(50):
            d = getattr(self, "op_" + self.r.choice(names))()
            if d:
                break
        else:
            d = self.op_add_model()
        if "mid" not in d:
            m = [x for x in self.models if x.name == d.get("model")]
            d["mid"] = m[0].mid if m else -1
        return d

    # ------------------------------------------------------------------ driver

    def run(self, steps):
        plan = []
        for i in range(steps):
            self.step = i
            self.renamed_now = set()
            before = copy.deepcopy(self.models), copy.deepcopy(self.reserved_models)
            # rename hints are kept on later steps too (as users leave them), except that a
            # model/field renamed again carries only its newest old name.
            if i == 0:
                ops = self.initial()
            elif i == max(2, steps // 3):
                ops = [self.op_cascade_rebuild() or self.random_op()]
                self.protected.clear()
            else:
                ops = [self.random_op()]
                while len(ops) < 3 and self.r.random() < 0.25:
                    ops.append(self.random_op())
            touched = [m for o in ops for m in (o.get("mids") or [o.get("mid")])]
            if o_project := [o for o in ops if o["op"] == "project_schema"]:
                touched += [m.mid for m in self.models if not m.schema] * 2
            if len(ops) > 1 and len(set(touched)) < len(touched):
                # two changes to one model: the diff reports their combination
                # (added+changed = added, changed twice = one change of another kind)
                for o in ops:
                    o["rules"] = [r if r.endswith("?") else r + "?" for r in o["rules"]]
            cascade = any(o.get("cascade_rebuild") for o in ops)
            st = {"step": i, "ops": ops, "files": self.files(), "cascade_rebuild": cascade}
            st["inserts"] = self.insert_rows()
            st["expect"] = self.expect()
            plan.append(st)
        return plan


def write_repo(plan, out, git=True):
    repo = os.path.join(out, "repo")
    if os.path.exists(repo):
        import shutil
        shutil.rmtree(repo)
    os.makedirs(repo)
    env = dict(os.environ)
    if git:
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True, env=env)
    prev = set()
    for st in plan:
        for p in prev - set(st["files"]):
            os.remove(os.path.join(repo, p))
        for p, text in st["files"].items():
            fp = os.path.join(repo, p)
            os.makedirs(os.path.dirname(fp), exist_ok=True)
            with open(fp, "w") as fh:
                fh.write(text)
        prev = set(st["files"])
        if git:
            subprocess.run(["git", "-C", repo, "add", "-A", "mdc.yaml", "models"], check=True, env=env)
            subprocess.run(["git", "-C", repo, "commit", "-q", "--no-verify", "--allow-empty", "-m",
                            "step %d: %s" % (st["step"], ", ".join(o["op"] for o in st["ops"]))],
                           check=True, env=env)
            subprocess.run(["git", "-C", repo, "tag", "step-%04d" % st["step"]], check=True, env=env)
    return repo


def verify(plan, repo, mdc):
    """Every step passes `mdc check`, and `mdc diff` from the previous step reports the rules
    the generator intended (a self-test of the generator; '?'-suffixed rules are optional).
    Returns a list of problems."""
    problems = []
    for st in plan:
        tag = "step-%04d" % st["step"]
        r = subprocess.run([mdc, "-C", repo, "check", "--rev", tag], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 or " error " in r.stdout:
            problems.append("%s: mdc check failed (%d):\n%s" % (tag, r.returncode, r.stdout))
            continue
        if st["step"] == 0:
            continue
        r = subprocess.run([mdc, "-C", repo, "diff", "step-%04d" % (st["step"] - 1), tag,
                            "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        try:
            d = json.loads(r.stdout)
        except ValueError:
            problems.append("%s: mdc diff gave no JSON (%d): %s" % (tag, r.returncode, r.stderr))
            continue
        got = set(ch["rule"] for doc in d.get("documents", []) for ch in doc.get("changes", []))
        errs = [x for x in d.get("diagnostics", []) if x.get("severity") == "error"]
        if errs:
            problems.append("%s: mdc diff errors: %s" % (tag, json.dumps(errs)))
        for o in st["ops"]:
            for rule in o["rules"]:
                if rule.endswith("?"):
                    continue
                if not any(alt in got for alt in rule.split("|")):
                    problems.append("%s: op %s expected rule %s, diff reported %s" % (
                        tag, json.dumps(o), rule, sorted(got)))
    return problems


def generate(seed, steps, max_risk="CRITICAL"):
    return Gen(seed, max_risk).run(steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-risk", default="CRITICAL")
    ap.add_argument("--no-git", action="store_true")
    ap.add_argument("--verify", metavar="MDC", help="check every step with this mdc binary")
    a = ap.parse_args()
    plan = generate(a.seed, a.steps, a.max_risk)
    os.makedirs(a.out, exist_ok=True)
    repo = write_repo(plan, a.out, git=not a.no_git)
    with open(os.path.join(a.out, "plan.json"), "w") as fh:
        json.dump({"seed": a.seed, "steps": plan}, fh, indent=1, sort_keys=True)
    if a.verify:
        problems = verify(plan, repo, a.verify)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
