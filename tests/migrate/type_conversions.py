#!/usr/bin/env python3
"""type_conversions.py - differential test of field type changes, PostgreSQL vs SQLite.

    type_conversions.py MDC WORKDIR [FROM[:TO] ...]

For every pair of types below (FROM != TO) it builds a repository whose model `T` has a
field `v` of type FROM, writes the baseline migration with `mdc migrate --write`, changes
`v` to TO and writes the next one.  Then, per dialect, on an emptied database: apply the
baseline (psql -f / sqlite3), insert the same rows (NULL, 0, negative, max, fractional,
unicode, empty string ... whatever FROM holds), apply the change, and read `v` back in a
normalised form of TO's values (bool true/false, integers and decimals as exact numbers,
floats as doubles (a PostgreSQL real as the double of its printed text: 0.1 is 0.1), text
as its exact bytes, json as parsed JSON, bytes as hex; SQLite values must also have TO's
storage class).

The outcome of a pair is one of
    same       both databases hold the same normalised values
    refused    mdc refused to write the change (the message is printed)
    both-fail  both databases rejected the change migration (a value that does not fit)
    DIFFERENT  the databases hold different values, or only one of them failed
and the script prints one line per pair, then "N pairs, N different", and exits 1 when any
pair is DIFFERENT.  PGHOST/PGPORT/PGUSER come from the environment (tests/pg.sh).

How the two databases hold each type (the representation mdc's SQLite columns use; rows
are inserted as such): bool INTEGER 0/1; int16/32/64 INTEGER; float32/64 REAL; decimal
NUMERIC (SQLite keeps an INTEGER or REAL when the text is a number it can hold, else TEXT);
string, enum, uuid TEXT; date 'YYYY-MM-DD', time 'HH:MM:SS[.ffffff]', timestamp
'YYYY-MM-DD HH:MM:SS[.ffffff]', timestamptz the same with '+00', interval PostgreSQL's
text -- all TEXT in SQLite, as PostgreSQL prints them (TimeZone UTC); json TEXT (compact);
bytes BLOB.
"""
import concurrent.futures
import decimal
import json
import os
import queue
import shutil
import sqlite3
import subprocess
import sys

MDC = sys.argv[1]
WORK = sys.argv[2]
ONLY = sys.argv[3:]

# type -> [(PostgreSQL literal, SQLite literal)], NULL is added to every list
ROWS = {
    "bool": [("TRUE", "1"), ("FALSE", "0")],
    "int16": [("0", "0"), ("-1", "-1"), ("32767", "32767"), ("-32768", "-32768"), ("1", "1")],
    "int32": [("0", "0"), ("-7", "-7"), ("2147483647", "2147483647"), ("-2147483648", "-2147483648"), ("1", "1")],
    "int64": [("0", "0"), ("-7", "-7"), ("9223372036854775807", "9223372036854775807"),
              ("-9223372036854775808", "-9223372036854775808"), ("1", "1")],
    "float32": [("0", "0.0"), ("-1.5", "-1.5"), ("0.1", "0.1"), ("1", "1.0"), ("3e38", "3e38"), ("2.5", "2.5")],
    "float64": [("0", "0.0"), ("-1.5", "-1.5"), ("0.1", "0.1"), ("1", "1.0"), ("1e300", "1e300"),
                ("123456789.125", "123456789.125"), ("2.5", "2.5")],
    "decimal": [("0", "0"), ("-0.01", "-0.01"), ("12.50", "12.50"), ("1", "1"), ("123456.125", "123456.125"),
                ("2.5", "2.5")],
    "decimal(5,2)": [("0", "0"), ("-0.01", "-0.01"), ("12.50", "12.50"), ("999.99", "999.99"), ("1", "1")],
    "string": [("''", "''"), ("'abc'", "'abc'"), ("'é漢😀'", "'é漢😀'"), ("'42'", "'42'"), ("'-7'", "'-7'"),
               ("'true'", "'true'"), ("'1'", "'1'"), ("'0'", "'0'"), ("'2.5'", "'2.5'"), ("'a''b'", "'a''b'"),
               ("' 7 '", "' 7 '"), ("'2024-02-29'", "'2024-02-29'"), ("'a'", "'a'")],
    "string(40)": [("''", "''"), ("'abc'", "'abc'"), ("'é漢😀'", "'é漢😀'"), ("'42'", "'42'")],
    # numbers as text: in their plain form (both convert them alike), and in forms only
    # PostgreSQL reads as numbers (both must refuse them)
    "string(20)": [("'42'", "'42'"), ("'-7'", "'-7'"), ("'0'", "'0'"), ("'2147483647'", "'2147483647'")],
    "string(30)": [("' 7'", "' 7'"), ("'+7'", "'+7'"), ("'007'", "'007'")],
    "enum(a,b)": [("'a'", "'a'"), ("'b'", "'b'")],
    "uuid": [("'550e8400-e29b-41d4-a716-446655440000'", "'550e8400-e29b-41d4-a716-446655440000'")],
    "date": [("'2024-02-29'", "'2024-02-29'"), ("'0001-01-01'", "'0001-01-01'"), ("'9999-12-31'", "'9999-12-31'")],
    "time": [("'12:30:00'", "'12:30:00'"), ("'23:59:59.999999'", "'23:59:59.999999'"), ("'00:00:00'", "'00:00:00'")],
    "timestamp": [("'2024-02-29 12:30:00'", "'2024-02-29 12:30:00'"),
                  ("'2024-02-29 12:30:00.5'", "'2024-02-29 12:30:00.5'")],
    "timestamptz": [("'2024-02-29 12:30:00+00'", "'2024-02-29 12:30:00+00'")],
    "interval": [("'1 day'", "'1 day'"), ("'01:02:03'", "'01:02:03'")],
    "json": [("'{\"a\": 1}'", "'{\"a\":1}'"), ("'[]'", "'[]'"), ("'\"x\"'", "'\"x\"'"), ("'1'", "'1'"),
             ("'{\"b\": [1, 2.5], \"a\": \"é\"}'", "'{\"a\":\"é\",\"b\":[1,2.5]}'")],
    "bytes": [("'\\x00ff'::bytea", "X'00FF'"), ("''::bytea", "X''")],
    "int32[]": [("ARRAY[1,2]::INTEGER[]", "'[1,2]'"), ("ARRAY[]::INTEGER[]", "'[]'")],
    "string[]": [("ARRAY['a','é']::TEXT[]", "'[\"a\",\"é\"]'"), ("ARRAY[]::TEXT[]", "'[]'")],
}
TYPES = list(ROWS)

INTS = {"int16", "int32", "int64"}
FLOATS = {"float32", "float64"}
TEXTS = {"string", "string(40)", "enum(a,b)", "uuid", "date", "time", "timestamp", "timestamptz", "interval"}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def git(repo, *args):
    r = run(["git", "-C", repo] + list(args))
    if r.returncode:
        raise SystemExit("git %s: %s" % (args, r.stderr))


def model(t):
    return "kind: model\nname: T\nfields:\n  id: {type: int64, primary_key: true}\n  v: {type: \"%s\", nullable: true}\n" % t


def baseline(frm):
    d = os.path.join(WORK, "base-" + frm.replace("(", "_").replace(")", "").replace(",", "_").replace("[]", "_arr"))
    if os.path.isdir(d):
        return d
    os.makedirs(os.path.join(d, "models"))
    git(d, "init", "-q", "-b", "main")
    with open(os.path.join(d, "mdc.yaml"), "w") as f:
        f.write("project: conv\ndialects: [postgres, sqlite]\nmax_risk: CRITICAL\n")
    with open(os.path.join(d, "models", "t.yaml"), "w") as f:
        f.write(model(frm))
    git(d, "add", "-A")
    git(d, "commit", "-q", "--no-verify", "-m", "base")
    r = run([MDC, "-C", d, "migrate", "--write"])
    if r.returncode:
        raise SystemExit("baseline %s: %s" % (frm, r.stderr))
    git(d, "add", "-A")
    git(d, "commit", "-q", "--no-verify", "-m", "migrate")
    return d


def pg(db, *args):
    return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db] + list(args))


def pg_side(n, frm, to, files, db):
    # one database per worker, emptied before each pair: cheaper than a new database
    vals = ", ".join("(%d, %s)" % (i + 1, p) for i, (p, _) in enumerate(ROWS[frm]))
    r = pg(db, "-c", "DROP SCHEMA public CASCADE", "-c", "CREATE SCHEMA public", "-f", files[0],
           "-c", "INSERT INTO ts (id, v) VALUES %s, (%d, NULL)" % (vals, len(ROWS[frm]) + 1))
    if r.returncode:
        raise SystemExit("PostgreSQL baseline and rows %s: %s" % (frm, r.stderr))
    r = pg(db, "-f", files[1])
    if r.returncode:
        return ("fail", r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "error")
    r = pg(db, "-At", "-F", "\x1f", "-R", "\x1e", "-c",
           "SELECT id, v IS NULL, %s FROM ts ORDER BY id" % ("encode(v, 'hex')" if to == "bytes" else "v::text"))
    if r.returncode:
        raise SystemExit("PostgreSQL read: " + r.stderr)
    out = []
    for rec in r.stdout.split("\x1e"):
        if not rec.strip("\n"):
            continue
        i, isnull, text = rec.split("\x1f")
        out.append(None if isnull == "t" else text)
    return ("ok", out)


def sqlite_side(n, frm, to, files):
    db = os.path.join(WORK, "conv%d.db" % n)
    if os.path.exists(db):
        os.remove(db)
    with open(files[0]) as f:
        r = run(["sqlite3", "-bail", db], stdin=f)
    if r.returncode:
        raise SystemExit("SQLite baseline %s: %s" % (frm, r.stderr))
    vals = ", ".join("(%d, %s)" % (i + 1, s) for i, (_, s) in enumerate(ROWS[frm]))
    r = run(["sqlite3", "-bail", db, "INSERT INTO ts (id, v) VALUES %s, (%d, NULL)" % (vals, len(ROWS[frm]) + 1)])
    if r.returncode:
        raise SystemExit("SQLite rows %s: %s" % (frm, r.stderr))
    before = sqlite3.connect(db).execute("SELECT count(*) FROM dataflow_migrations").fetchone()[0]
    with open(files[1]) as f:
        r = run(["sqlite3", db], stdin=f)  # as documented: `sqlite3 db < file`, no -bail
    c = sqlite3.connect(db)
    after = c.execute("SELECT count(*) FROM dataflow_migrations").fetchone()[0]
    if after == before:
        return ("fail", (r.stderr.strip().splitlines() or ["error"])[-1])
    rows = c.execute("SELECT typeof(v), v FROM ts ORDER BY id").fetchall()
    c.close()
    os.remove(db)
    return ("ok", rows)


def num(text):
    d = decimal.Decimal(text)
    return "0" if d == 0 else str(d.normalize())


def norm_pg(to, v):
    if v is None:
        return None
    base = to.split("(")[0]
    if to == "bool":
        return {"t": "true", "f": "false"}.get(v, "BAD:" + v)
    if to in INTS:
        return str(int(v))
    if to in FLOATS:
        return repr(float(v))  # a real prints its shortest text: 0.1, as SQLite holds it
    if base == "decimal":
        return num(v)
    if to == "json":
        return json.dumps(json.loads(v), sort_keys=True, ensure_ascii=False)
    if to.endswith("[]"):
        return "pgarray:" + v
    return v  # text types, bytes as hex


def norm_lite(to, typ, v):
    if typ == "null":
        return None
    base = to.split("(")[0]
    if to == "bool":
        return {1: "true", 0: "false"}.get(v, "BAD:%s:%r" % (typ, v)) if typ == "integer" else "BAD:%s:%r" % (typ, v)
    if to in INTS:
        return str(v) if typ == "integer" else "BAD:%s:%r" % (typ, v)
    if to in FLOATS:
        if typ not in ("real", "integer"):
            return "BAD:%s:%r" % (typ, v)
        return repr(float(v))
    if base == "decimal":
        if typ == "integer":
            return num(str(v))
        if typ == "real":
            return num(repr(v))
        if typ == "text":
            try:
                return num(v)
            except decimal.InvalidOperation:
                pass
        return "BAD:%s:%r" % (typ, v)
    if to == "json":
        try:
            return json.dumps(json.loads(v), sort_keys=True, ensure_ascii=False) if typ == "text" else "BAD"
        except ValueError:
            return "BAD:%s:%r" % (typ, v)
    if to == "bytes":
        return v.hex() if typ == "blob" else "BAD:%s:%r" % (typ, v)
    if to.endswith("[]"):
        # SQLite holds a JSON array: compare with PostgreSQL's {..} text by elements
        try:
            items = json.loads(v)
        except (ValueError, TypeError):
            return "BAD:%s:%r" % (typ, v)
        if not isinstance(items, list):
            return "BAD:%s:%r" % (typ, v)
        return "pgarray:{" + ",".join(pg_array_elem(x) for x in items) + "}"
    return v if typ == "text" else "BAD:%s:%r" % (typ, v)


def pg_array_elem(x):
    s = json.dumps(x, ensure_ascii=False) if not isinstance(x, str) else x
    if isinstance(x, str) and (s == "" or any(ch in s for ch in ' ,{}"\\') or s.upper() == "NULL"):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def pair(n, frm, to, db):
    base = baseline(frm)
    d = os.path.join(WORK, "pair%d" % n)
    if os.path.isdir(d):
        shutil.rmtree(d)
    shutil.copytree(base, d)
    with open(os.path.join(d, "models", "t.yaml"), "w") as f:
        f.write(model(to))
    git(d, "add", "-A")
    git(d, "commit", "-q", "--no-verify", "-m", "change")
    r = run([MDC, "-C", d, "migrate", "--write"])
    if r.returncode:
        msg = " ".join(l for l in r.stderr.splitlines() if "refused" in l or "error" in l)
        shutil.rmtree(d)
        return "refused", msg or r.stderr.strip()
    out = {}
    for dialect in ("postgres", "sqlite"):
        files = sorted(os.path.join(d, "migrations", dialect, x)
                       for x in os.listdir(os.path.join(d, "migrations", dialect)) if x.endswith(".sql"))
        out[dialect] = pg_side(n, frm, to, files, db) if dialect == "postgres" else sqlite_side(n, frm, to, files)
    shutil.rmtree(d)
    p, s = out["postgres"], out["sqlite"]
    if p[0] == "fail" and s[0] == "fail":
        return "both-fail", "postgres: %s | sqlite: %s" % (p[1], s[1])
    if p[0] != s[0]:
        return "DIFFERENT", "postgres %s, sqlite %s: %s" % (p[0], s[0], p[1] if p[0] == "fail" else s[1])
    pv = [norm_pg(to, v) for v in p[1]]
    sv = [norm_lite(to, t, v) for t, v in s[1]]
    if pv != sv:
        diffs = ["row %d: pg %r sqlite %r" % (i + 1, a, b) for i, (a, b) in enumerate(zip(pv, sv)) if a != b]
        return "DIFFERENT", "; ".join(diffs)
    return "same", ""


def main():
    os.makedirs(WORK, exist_ok=True)
    os.environ["PGTZ"] = "UTC"
    pairs = []
    for frm in TYPES:
        for to in TYPES:
            if frm == to:
                continue
            if ONLY and frm not in ONLY and "%s:%s" % (frm, to) not in ONLY:
                continue
            pairs.append((frm, to))
    for frm in sorted({frm for frm, _ in pairs}):
        baseline(frm)  # made once, before the workers share them
    # WORKERS pairs at a time, each worker with its own database; lines printed in pair order
    workers = int(os.environ.get("MDC_CONV_WORKERS", "2"))
    dbs = queue.Queue()
    for w in range(workers):
        db = "conv%d" % w
        pg("postgres", "-c", "DROP DATABASE IF EXISTS %s" % db)
        r = pg("postgres", "-c", "CREATE DATABASE %s" % db)
        if r.returncode:
            raise SystemExit("createdb: " + r.stderr)
        dbs.put(db)

    def one(job):
        n, (frm, to) = job
        db = dbs.get()
        try:
            return pair(n, frm, to, db)
        finally:
            dbs.put(db)

    ndiff = 0
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        for (frm, to), (outcome, detail) in zip(pairs, ex.map(one, enumerate(pairs))):
            if outcome == "DIFFERENT":
                ndiff += 1
            print("%-10s %s -> %s%s" % (outcome, frm, to, (": " + detail) if detail else ""), flush=True)
    print("%d pairs, %d different" % (len(pairs), ndiff))
    return 1 if ndiff else 0


if __name__ == "__main__":
    sys.exit(main())
