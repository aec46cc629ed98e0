#!/usr/bin/env python3
"""run_property.py - the migration property test of SPEC 6.4, for one seed.

    run_property.py --mdc MDC --seed 3 --steps 30 --work DIR [--dialects postgres,sqlite]
                    [--checkpoint-every 10] [--guard-every 5]

PostgreSQL is reached through PGHOST/PGPORT/PGUSER (tests/pg.sh sets them); databases named
p<seed>_* are created and dropped.  Prints one line per assertion: "ok: ..." or "not ok: ..."
followed by indented details, then "summary: N passed, N failed"; exits 1 when any failed.

For every step of a history from gen_history.py:
  1. the step's YAML tree is committed, `mdc migrate --write` runs, the migration files are
     committed; `mdc migrate --check` must then be clean;
  2. per dialect, database 1 ("chain") gets the step's new migration files applied
     (psql -v ON_ERROR_STOP=1 -f / sqlite3 -bail with PRAGMA foreign_keys=ON, as an app
     connection has it), then the step's rows are inserted, then the complete content of every
     table is compared with what the generator expects (rows from earlier steps survived with
     their values: kept, renamed, widened, cast);
  3. dataflow_migrations has the file's row (name = stem, status applied, application_id);
  4. every --guard-every steps: applying the newest file again, and the first file (out of
     order), must fail and change nothing (catalog and row counts of every table identical);
  5. every --checkpoint-every steps and at the last: database 2 ("fresh") is created from a
     separate repository holding only that step's YAML (`mdc migrate --write` once, apply);
     catalog(chain) must equal catalog(fresh), and both must record the same registry checksum.
Once per dialect: a fresh database given the chain's SECOND file first must refuse it.
"""
import argparse
import datetime
import decimal
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import catalog  # noqa: E402
import gen_history  # noqa: E402

D = decimal.Decimal
RESULTS = {"pass": 0, "fail": 0}
VERBOSE = False
WITH_NAMES = False


def ok(name):
    RESULTS["pass"] += 1
    if VERBOSE:
        print("ok: " + name, flush=True)


def not_ok(name, details=""):
    RESULTS["fail"] += 1
    print("not ok: " + name, flush=True)
    if details:
        for line in str(details).rstrip("\n").split("\n")[:80]:
            print("    " + line)
    sys.stdout.flush()


def run(args, cwd=None, input=None, check=False):
    r = subprocess.run(args, cwd=cwd, input=input, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


# ----------------------------------------------------------------------------- databases

class PG:
    name = "postgres"

    def __init__(self, db):
        self.db = db

    @staticmethod
    def create(db):
        run(["dropdb", "--if-exists", db])
        run(["createdb", db], check=True)
        return PG(db)

    def drop(self):
        run(["dropdb", "--if-exists", self.db])

    def apply(self, path):
        return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db, "-f", path])

    def exec_sql(self, sql):
        return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db], input=sql)

    def query_json(self, sql):
        r = run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.db, "-c", sql])
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return json.loads(r.stdout, parse_float=D)

    def catalog(self):
        return catalog.pg_catalog(self.db, WITH_NAMES)

    def fetch(self, table, cols, key):
        sql = "SELECT coalesce(jsonb_agg(jsonb_build_array(%s) ORDER BY %s), '[]') FROM %s" % (
            ", ".join('"%s"' % c for c in cols), ", ".join('"%s"' % k for k in key), table)
        return self.query_json(sql)

    def table_exists(self, table):
        return self.query_json("SELECT to_jsonb(to_regclass('%s') IS NOT NULL)" % table.replace("'", "''"))

    def row_counts(self):
        q = """SELECT coalesce(jsonb_object_agg(n.nspname || '.' || c.relname,
                   (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I',
                    n.nspname, c.relname), false, true, '')))[1]::text::int), '{}')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')
                 AND n.nspname !~ '^pg_'"""
        return self.query_json(q)

    def migrations(self):
        return self.query_json(
            "SELECT coalesce(jsonb_agg(jsonb_build_object('version', version, 'name', name, "
            "'checksum', checksum, 'status', status, 'application_id', application_id, "
            "'sync', model_registry_sync, 'has_defs', model_definitions IS NOT NULL) "
            "ORDER BY name), '[]') FROM dataflow_migrations")


class SQLite:
    name = "sqlite"

    def __init__(self, path):
        self.path = path

    @staticmethod
    def create(path):
        if os.path.exists(path):
            os.remove(path)
        return SQLite(path)

    def drop(self):
        if os.path.exists(self.path):
            os.remove(self.path)

    def apply(self, path):
        with open(path) as fh:
            sql = fh.read()
        return run(["sqlite3", "-bail", "-cmd", "PRAGMA foreign_keys=ON", self.path], input=sql)

    def exec_sql(self, sql):
        return run(["sqlite3", "-bail", "-cmd", "PRAGMA foreign_keys=ON", self.path], input=sql)

    def _con(self):
        import sqlite3
        return sqlite3.connect(self.path)

    def catalog(self):
        return catalog.sqlite_catalog(self.path, WITH_NAMES)

    def fetch(self, table, cols, key):
        con = self._con()
        try:
            return [list(r) for r in con.execute("SELECT %s FROM %s ORDER BY %s" % (
                ", ".join('"%s"' % c for c in cols), table, ", ".join('"%s"' % k for k in key)))]
        finally:
            con.close()

    def row_counts(self):
        con = self._con()
        try:
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            return {n: con.execute('SELECT count(*) FROM "%s"' % n.replace('"', '""')).fetchone()[0]
                    for n in names}
        finally:
            con.close()

    def migrations(self):
        con = self._con()
        try:
            cols = [r[1] for r in con.execute("PRAGMA table_info(dataflow_migrations)")]
            if not cols:
                return []
            rows = con.execute("SELECT version, name, checksum, status, application_id, "
                               "model_registry_sync, model_definitions IS NOT NULL "
                               "FROM dataflow_migrations ORDER BY name").fetchall()
            return [{"version": r[0], "name": r[1], "checksum": r[2], "status": r[3],
                     "application_id": r[4], "sync": bool(r[5]) if r[5] is not None else None,
                     "has_defs": bool(r[6])} for r in rows]
        finally:
            con.close()


# ----------------------------------------------------------------------------- values

def norm(kind, v):
    if v is None:
        return None
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    if kind == "decimal":
        return str(D(str(v)).normalize())
    if kind == "bool":
        if isinstance(v, str):
            return v.lower() in ("t", "true", "1")
        return bool(v)
    if kind == "json":
        return json.loads(v) if isinstance(v, str) else v
    if kind == "bytes":
        if isinstance(v, (bytes, bytearray)):
            return bytes(v).hex()
        return v[2:] if v.startswith("\\x") else v
    if kind == "timestamp":
        return str(v).replace("T", " ")
    if kind == "timestamptz":
        s = str(v).replace("T", " ")
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        if len(s) >= 3 and s[-3] in "+-" and s[-3:][1:].isdigit():
            s += ":00"
        try:
            dt = datetime.datetime.fromisoformat(s)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=datetime.timezone.utc)
            return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")
        except ValueError:
            return s
    return str(v)


def compare_rows(db, exp):
    """Returns None when the table holds exactly the expected rows, else a description."""
    cols = [c["name"] for c in exp["columns"]]
    kinds = [c["kind"] for c in exp["columns"]]
    try:
        got = db.fetch(exp["table"][db.name], cols, exp["key"])
    except Exception as e:  # noqa: BLE001
        return "cannot read %s: %s" % (exp["table"][db.name], str(e).strip())
    got = [[norm(k, v) for k, v in zip(kinds, row)] for row in got]
    want = exp["rows"]
    if len(got) != len(want):
        return "%s: %d rows, expected %d\n got:  %s\n want: %s" % (
            exp["table"][db.name], len(got), len(want), json.dumps(got, default=str)[:2000],
            json.dumps(want, default=str)[:2000])
    for g, w in zip(got, want):
        for c, gv, wv in zip(cols, g, w):
            if isinstance(wv, dict) and wv == gen_history.VOLATILE:
                if gv is None:
                    return "%s.%s of row %s: NULL, expected a generated value" % (
                        exp["table"][db.name], c, g[0])
                continue
            if gv != wv:
                return "%s.%s of row id=%s: got %r, expected %r" % (
                    exp["table"][db.name], c, g[0], gv, wv)
    return None


# ----------------------------------------------------------------------------- repo

def write_tree(repo, files, prev):
    for p in prev - set(files):
        os.remove(os.path.join(repo, p))
    for p, text in files.items():
        fp = os.path.join(repo, p)
        os.makedirs(os.path.dirname(fp), exist_ok=True)
        with open(fp, "w") as fh:
            fh.write(text)
    return set(files)


def git(repo, *args):
    return run(["git", "-C", repo] + list(args), check=True)


def mig_files(repo, dialect):
    d = os.path.join(repo, "migrations", dialect)
    if not os.path.isdir(d):
        return []
    return sorted(f for f in os.listdir(d) if f.endswith(".sql"))


# ----------------------------------------------------------------------------- main

def main():
    global VERBOSE, WITH_NAMES
    ap = argparse.ArgumentParser()
    ap.add_argument("--mdc", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--work", required=True)
    ap.add_argument("--dialects", default="postgres,sqlite")
    ap.add_argument("--checkpoint-every", type=int, default=10)
    ap.add_argument("--guard-every", type=int, default=5)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--ignore-names", action="store_true",
                    help="compare schemas without engine-chosen constraint/index names")
    a = ap.parse_args()
    VERBOSE = a.verbose
    # Names are compared by default: mdc names constraints and indexes deterministically
    # (<table>_pkey, <table>_<col>_fkey, <table>_<cols>_idx, ...) and renames them along with
    # their table, so a migrated database must carry exactly the names a fresh one has; a stale
    # name would make a later DROP CONSTRAINT/INDEX by the recomputed name fail.
    WITH_NAMES = not a.ignore_names
    os.environ["PGTZ"] = "UTC"
    os.environ.setdefault("PGOPTIONS", "-c client_min_messages=warning")
    mdc = os.path.abspath(a.mdc)
    dialects = a.dialects.split(",")
    work = os.path.abspath(a.work)
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    S = "seed %d" % a.seed
    t0 = time.time()

    plan = gen_history.generate(a.seed, a.steps)
    with open(os.path.join(work, "plan.json"), "w") as fh:
        json.dump({"seed": a.seed, "steps": plan}, fh, indent=1, sort_keys=True)

    repo = os.path.join(work, "repo")
    run(["git", "init", "-q", "-b", "main", repo], check=True)
    git(repo, "config", "commit.gpgsign", "false")

    chain = {}
    for d in dialects:
        chain[d] = PG.create("p%d_chain" % a.seed) if d == "postgres" else \
            SQLite.create(os.path.join(work, "chain.db"))
    applied = {d: [] for d in dialects}
    broken = {d: False for d in dialects}  # once the chain fails, later comparisons are noise
    prev = set()
    cascade_checked = False
    last = len(plan) - 1

    for st in plan:
        i = st["step"]
        ops = ", ".join(o["op"] for o in st["ops"])
        tag = "%s step %d (%s)" % (S, i, ops)
        prev = write_tree(repo, st["files"], prev)
        git(repo, "add", "-A", "mdc.yaml", "models")
        git(repo, "commit", "-q", "--no-verify", "--allow-empty", "-m", "step %d: %s" % (i, ops))
        before = {d: mig_files(repo, d) for d in dialects}
        r = run([mdc, "-C", repo, "migrate", "--write"])
        if r.returncode != 0:
            not_ok("%s: mdc migrate --write exits %d" % (tag, r.returncode),
                   r.stderr + r.stdout[-3000:] + "\nrepro: plan in %s" % work)
            break
        ok("%s: migrate --write" % tag)
        git(repo, "add", "-A", "migrations")
        git(repo, "commit", "-q", "--no-verify", "--allow-empty", "-m", "migrations for step %d" % i)
        r = run([mdc, "-C", repo, "migrate", "--check"])
        if r.returncode != 0:
            not_ok("%s: migrate --check after --write exits %d" % (tag, r.returncode), r.stderr + r.stdout)
        else:
            ok("%s: migrate --check clean" % tag)
        new = {d: [f for f in mig_files(repo, d) if f not in before[d]] for d in dialects}
        for d in dialects:
            if not new[d] and i == 0:
                not_ok("%s: no %s migration written for the initial state" % (tag, d))
                broken[d] = True

        for d in dialects:
            if broken[d]:
                continue
            db = chain[d]
            for f in new[d]:
                path = os.path.join(repo, "migrations", d, f)
                r = db.apply(path)
                if r.returncode != 0:
                    not_ok("%s: %s: applying %s fails" % (tag, d, f),
                           (r.stderr + r.stdout)[-3000:] + "\nfile: %s\nwork dir: %s" % (path, work))
                    broken[d] = True
                    break
                applied[d].append(f)
                ok("%s: %s: %s applies" % (tag, d, f))
            if broken[d]:
                continue
            # the recording table
            if new[d]:
                recs = db.migrations()
                stem = new[d][-1][:-4]
                mine = [x for x in recs if x["name"] == stem]
                if not mine:
                    not_ok("%s: %s: dataflow_migrations has no row named %s" % (tag, d, stem),
                           json.dumps(recs)[:1500])
                elif mine[0]["status"] != "applied" or mine[0]["application_id"] != "prop" \
                        or not mine[0]["sync"] or not mine[0]["has_defs"]:
                    not_ok("%s: %s: dataflow_migrations row %s" % (tag, d, stem), json.dumps(mine[0]))
                else:
                    ok("%s: %s: recorded" % (tag, d))
            # rows
            ins = st["inserts"][d]
            if ins:
                sql = ("BEGIN;\n" + "\n".join(ins) + "\nCOMMIT;\n")
                r = db.exec_sql(sql)
                if r.returncode != 0:
                    not_ok("%s: %s: inserting the step's rows fails" % (tag, d),
                           r.stderr + "\n" + "\n".join(ins)[:3000])
                    broken[d] = True
                    continue
            bad = [x for x in (compare_rows(db, e) for e in st["expect"]) if x]
            if bad:
                not_ok("%s: %s: rows did not survive" % (tag, d), "\n".join(bad))
            else:
                ok("%s: %s: rows" % (tag, d))
                if st.get("cascade_rebuild") and d == "sqlite":
                    cascade_checked = True

            # the checksum guard: twice / out of order changes nothing
            if (i % a.guard_every == 0 or i == last) and applied[d]:
                cat0, cnt0 = db.catalog(), db.row_counts()
                probes = [("again", applied[d][-1])]
                if len(applied[d]) > 1:
                    probes.append(("out of order", applied[d][0]))
                for what, f in probes:
                    r = db.apply(os.path.join(repo, "migrations", d, f))
                    cat1, cnt1 = db.catalog(), db.row_counts()
                    if r.returncode == 0:
                        not_ok("%s: %s: applying %s %s succeeds (the checksum guard must refuse)" % (
                            tag, d, f, what), r.stdout[-1000:])
                    elif cat1 != cat0 or cnt1 != cnt0:
                        not_ok("%s: %s: refused %s (%s) changed the database" % (tag, d, f, what),
                               diff_json(cat0, cat1) + "\ncounts %s -> %s" % (cnt0, cnt1))
                    else:
                        ok("%s: %s: %s %s refused, nothing changed" % (tag, d, what, f))

        # fresh baseline at checkpoints
        if i == last or (i > 0 and i % a.checkpoint_every == 0):
            fresh_repo = os.path.join(work, "fresh%d" % i)
            run(["git", "init", "-q", "-b", "main", fresh_repo], check=True)
            git(fresh_repo, "config", "commit.gpgsign", "false")
            write_tree(fresh_repo, st["files"], set())
            git(fresh_repo, "add", "-A")
            git(fresh_repo, "commit", "-q", "--no-verify", "-m", "final state")
            r = run([mdc, "-C", fresh_repo, "migrate", "--write"])
            if r.returncode != 0:
                not_ok("%s: fresh baseline: mdc migrate --write exits %d" % (tag, r.returncode),
                       r.stderr + r.stdout[-2000:])
                continue
            for d in dialects:
                if broken[d]:
                    continue
                files = mig_files(fresh_repo, d)
                fdb = PG.create("p%d_fresh%d" % (a.seed, i)) if d == "postgres" else \
                    SQLite.create(os.path.join(work, "fresh%d.db" % i))
                failed = False
                for f in files:
                    r = fdb.apply(os.path.join(fresh_repo, "migrations", d, f))
                    if r.returncode != 0:
                        not_ok("%s: %s: fresh baseline %s fails" % (tag, d, f), r.stderr[-3000:])
                        failed = True
                        break
                if failed:
                    fdb.drop()
                    continue
                c1, c2 = chain[d].catalog(), fdb.catalog()
                if c1 != c2:
                    not_ok("%s: %s: catalog(migrated) != catalog(fresh baseline)" % (tag, d),
                           diff_json(c1, c2, "migrated", "fresh") +
                           "\nchain files: %s\nfresh: %s\nwork dir: %s" % (
                               ", ".join(applied[d]), os.path.join(fresh_repo, "migrations", d), work))
                else:
                    ok("%s: %s: catalog(migrated) == catalog(fresh)" % (tag, d))
                m1, m2 = chain[d].migrations(), fdb.migrations()
                if m1 and m2 and m1[-1]["checksum"] != m2[-1]["checksum"]:
                    not_ok("%s: %s: migrated and fresh record different registry checksums" % (tag, d),
                           "%s vs %s" % (m1[-1], m2[-1]))
                elif m1 and m2:
                    ok("%s: %s: same recorded checksum" % (tag, d))
                # skipped migration: a fresh database refuses the chain's second file first
                if i == last and len(applied[d]) > 1:
                    sdb = PG.create("p%d_skip" % a.seed) if d == "postgres" else \
                        SQLite.create(os.path.join(work, "skip.db"))
                    r = sdb.apply(os.path.join(repo, "migrations", d, applied[d][1]))
                    cnt = sdb.row_counts()
                    user_tables = {k: v for k, v in cnt.items() if "dataflow_" not in k}
                    if r.returncode == 0:
                        not_ok("%s: %s: %s applies to an empty database (skipped %s)" % (
                            tag, d, applied[d][1], applied[d][0]))
                    elif user_tables:
                        not_ok("%s: %s: refused skipped migration left tables %s" % (
                            tag, d, sorted(user_tables)))
                    else:
                        ok("%s: %s: skipping a migration is refused" % (tag, d))
                    sdb.drop()
                fdb.drop()

    if "sqlite" in dialects and not broken["sqlite"]:
        if not any(st.get("cascade_rebuild") for st in plan):
            not_ok("%s: the history has no step rebuilding a parent with cascading children "
                   "(generator; use more steps)" % S)
        elif cascade_checked:
            ok("%s: sqlite: cascade children survived a parent rebuild" % S)
    for d in dialects:
        if d == "postgres":
            chain[d].drop()
    print("seed %d: %d steps in %.1fs" % (a.seed, len(plan), time.time() - t0))
    print("summary: %d passed, %d failed" % (RESULTS["pass"], RESULTS["fail"]))
    return 1 if RESULTS["fail"] else 0


def diff_json(a, b, la="before", lb="after"):
    import difflib
    sa = catalog.dump(a).splitlines(True)
    sb = catalog.dump(b).splitlines(True)
    return "".join(difflib.unified_diff(sa, sb, la, lb, n=4))[:6000]


if __name__ == "__main__":
    sys.exit(main())
