#!/usr/bin/env python3
"""gen_step_history.py DIR - a history that makes every case of a history step happen
(compiler/compile_step.c), for test_build.sh H: the snapshot built with steps must be the
one built by compiling every commit in full (MDC_STEPS=0).

Each commit changes one thing a step must get right: a primary key renamed under a model
that references it by default (its canonical form changes though its file does not), a
duplicate name, a table two models map to, a changed source, a removed model still
referenced, reserved names, dialects, model folders and the default schema changed in
mdc.yaml, a file moved, a skipped (non-YAML, symlink) file, a multi-document file, broken
contracts and entities, a load error; broken commits are fixed by the next one.

Prints the commits that must not compile, one "INDEX WHY" per line (test_build.sh checks
`mdc check --rev` fails on each, so that every case really is what it claims)."""
import os
import subprocess
import sys

out = sys.argv[1]
os.makedirs(out + "/models/sub", exist_ok=True)
broken = []
n = 0


def git(*args):
    subprocess.run(["git", "-C", out] + list(args), check=True, stdout=subprocess.DEVNULL)


def write(path, text):
    os.makedirs(os.path.dirname(out + "/" + path), exist_ok=True)
    with open(out + "/" + path, "w") as f:
        f.write(text)


def remove(path):
    os.remove(out + "/" + path)


def commit(msg, why_broken=None):
    global n
    git("add", "-A")
    git("commit", "-q", "--allow-empty", "-m", msg)
    if why_broken:
        broken.append("%d %s" % (n, why_broken))
    n += 1


def project(version, extra=""):
    write("mdc.yaml", "project: steps\nversion: %s\ndialects: [postgres, sqlite]\n%s" % (version, extra))


def p_model(pk="id", pk_type="uuid", extra=""):
    return ("kind: model\nname: P\nfields:\n  %s: {type: %s, primary_key: true}\n"
            "  code: {type: string, unique: true}\n%s" % (pk, pk_type, extra))


def filler(i, k=0):
    fields = "".join("  note_%d: string?\n" % j for j in range(k))
    return "kind: model\nname: F%02d\nfields:\n  id: {type: uuid, primary_key: true}\n%s" % (i, fields)


git("init", "-q", "-b", "main")
git("config", "commit.gpgsign", "false")
git("config", "user.name", "t")
git("config", "user.email", "t@example.com")

# 0: the start
project("1.0.0")
write("models/p.yaml", p_model())
write("models/r1.yaml", "kind: model\nname: R1\nfields:\n  id: {type: uuid, primary_key: true}\n"
      "  p_id: {type: uuid, references: P}\n")
write("models/r2.yaml", "kind: model\nname: R2\nfields:\n  id: {type: uuid, primary_key: true}\n"
      "  p_id: {type: uuid, references: P.id}\n")
write("models/t1.yaml", "kind: model\nname: T1\ntable: things\nfields:\n  id: {type: uuid, primary_key: true}\n")
write("models/shared.yaml",
      "kind: source\nname: crm\ntype: postgres\nuri: postgresql://crm-db:5432/crm\n---\n"
      "kind: entity\nname: Customer\nmaps_to: [P, crm.contacts]\n---\n"
      "kind: contract\nname: reads-p\nconsumer: job\nmodel: P\nfields:\n  code: string\n")
write("models/m1.yaml", "kind: model\nname: M1\nsource: crm\nfields:\n  id: {type: uuid, primary_key: true}\n")
for i in range(10):
    write("models/f%02d.yaml" % i, filler(i))
commit("start")

# 1: P's key renamed: R1 (references: P) resolves to the new key, R2 names it
write("models/p.yaml", p_model(pk="pid"))
write("models/r2.yaml", "kind: model\nname: R2\nfields:\n  id: {type: uuid, primary_key: true}\n"
      "  p_id: {type: uuid, references: P.pid}\n")
commit("rename P's key")
# 2: P's key type changes: both references mismatch
write("models/p.yaml", p_model(pk="pid", pk_type="int64"))
commit("P key type", "REFERENCE_TYPE_MISMATCH")
# 3: fixed by changing the references too
write("models/p.yaml", p_model(pk="pid", pk_type="int64"))
write("models/r1.yaml", "kind: model\nname: R1\nfields:\n  id: {type: uuid, primary_key: true}\n"
      "  p_id: {type: int64, references: P}\n")
write("models/r2.yaml", "kind: model\nname: R2\nfields:\n  id: {type: uuid, primary_key: true}\n"
      "  p_id: {type: int64, references: P.pid}\n")
commit("references follow")
# 4: a second F03 in another file
write("models/sub/dup.yaml", filler(3, 2))
commit("duplicate", "DUPLICATE_MODEL")
# 5: gone again, and F04 changes
remove("models/sub/dup.yaml")
write("models/f04.yaml", filler(4, 1))
commit("no duplicate")
# 6: a new model on T1's table
write("models/t2.yaml", "kind: model\nname: T2\ntable: THINGS\nfields:\n  id: {type: uuid, primary_key: true}\n")
commit("same table", "DUPLICATE_TABLE")
# 7: its own table
write("models/t2.yaml", "kind: model\nname: T2\ntable: other_things\nfields:\n  id: {type: uuid, primary_key: true}\n")
commit("own table")
# 8: the source changes (M1 and the entity depend on it)
write("models/shared.yaml",
      "kind: source\nname: crm\ntype: postgres\nuri: postgresql://crm-db:5433/crm\n---\n"
      "kind: entity\nname: Customer\nmaps_to: [P, crm.contacts]\n---\n"
      "kind: contract\nname: reads-p\nconsumer: job\nmodel: P\nfields:\n  code: string\n")
commit("source moved")
# 9: P removed while R1, R2, the entity and the contract use it
remove("models/p.yaml")
commit("P removed", "UNKNOWN_REFERENCE")
# 10: back, with a new field
write("models/p.yaml", p_model(pk="pid", pk_type="int64", extra="  label: string?\n"))
commit("P back")
# 11: F05 becomes a reserved name
project("1.1.0", "reserved_models: [F05]\n")
commit("reserve F05", "RESERVED_NAME_USED")
# 12: another reserved name, another registry version
project("1.2.0", "reserved_models: [Gone]\n")
commit("reserve Gone")
# 13: only the registry version moves, and F06 changes
project("1.3.0", "reserved_models: [Gone]\n")
write("models/f06.yaml", filler(6, 1))
commit("version only")
# 14: a second model folder
project("1.4.0", "reserved_models: [Gone]\nmodels: [models, extra]\n")
write("extra/x.yaml", "kind: model\nname: X\nfields:\n  id: {type: uuid, primary_key: true}\n")
commit("second folder")
# 15: a file moves to another folder, unchanged
os.rename(out + "/models/f01.yaml", out + "/models/sub/f01.yaml")
commit("move f01")
# 16: files mdc skips: a text file and a symbolic link
write("models/notes.txt", "not a model\n")
os.symlink("f02.yaml", out + "/models/link.yaml")
commit("skipped files")
# 17: the text file and F02 change
write("models/notes.txt", "still not a model\n")
write("models/f02.yaml", filler(2, 1))
commit("notes and F02")
# 18: the contract pins a type P does not have
write("models/shared.yaml",
      "kind: source\nname: crm\ntype: postgres\nuri: postgresql://crm-db:5433/crm\n---\n"
      "kind: entity\nname: Customer\nmaps_to: [P, crm.contacts]\n---\n"
      "kind: contract\nname: reads-p\nconsumer: job\nmodel: P\nfields:\n  code: int32\n")
commit("contract type", "CONTRACT_TYPE_MISMATCH")
# 19: fixed; the entity maps to a model that does not exist
write("models/shared.yaml",
      "kind: source\nname: crm\ntype: postgres\nuri: postgresql://crm-db:5433/crm\n---\n"
      "kind: entity\nname: Customer\nmaps_to: [P, Nobody]\n---\n"
      "kind: contract\nname: reads-p\nconsumer: job\nmodel: P\nfields:\n  code: string\n")
commit("entity target", "UNKNOWN_REFERENCE")
# 20: fixed
write("models/shared.yaml",
      "kind: source\nname: crm\ntype: postgres\nuri: postgresql://crm-db:5433/crm\n---\n"
      "kind: entity\nname: Customer\nmaps_to: [P, T2]\n---\n"
      "kind: contract\nname: reads-p\nconsumer: job\nmodel: P\nfields:\n  code: string\n")
commit("entity fixed")
# 21: SQLite dropped from the dialects; a table in another schema takes T1's name
write("mdc.yaml", "project: steps\nversion: 1.5.0\ndialects: [postgres]\nreserved_models: [Gone]\n"
      "models: [models, extra]\n")
write("models/t3.yaml", "kind: model\nname: T3\ntable: things\nschema: archive\n"
      "fields:\n  id: {type: uuid, primary_key: true}\n")
commit("postgres only, another schema")
# 22: T3 changes (its table still has T1's name)
write("models/t3.yaml", "kind: model\nname: T3\ntable: things\nschema: archive\n"
      "fields:\n  id: {type: uuid, primary_key: true}\n  at: timestamptz?\n")
commit("T3 changes")
# 23: SQLite back: T3 and T1 are one table there
write("mdc.yaml", "project: steps\nversion: 1.6.0\ndialects: [postgres, sqlite]\nreserved_models: [Gone]\n"
      "models: [models, extra]\n")
commit("sqlite again", "DUPLICATE_TABLE")
# 24: T3 goes; another default schema
remove("models/t3.yaml")
write("mdc.yaml", "project: steps\nversion: 1.7.0\ndialects: [postgres, sqlite]\nreserved_models: [Gone]\n"
      "models: [models, extra]\npostgres: {schema: app}\n")
commit("default schema")
# 25: a model that does not load
write("models/bad.yaml", "kind: model\nname: Bad\nfields:\n  id: {type: nosuchtype, primary_key: true}\n")
commit("unknown type", "UNKNOWN_TYPE")
# 26: it loads; a model references R1 by default
write("models/bad.yaml", "kind: model\nname: Bad\nfields:\n  id: {type: uuid, primary_key: true}\n"
      "  r1: {type: uuid, references: R1}\n")
commit("bad fixed")
# 27: R1's key renamed under Bad, in the same commit as an unrelated change
write("models/r1.yaml", "kind: model\nname: R1\nfields:\n  rid: {type: uuid, primary_key: true}\n"
      "  p_id: {type: int64, references: P}\n")
write("models/f07.yaml", filler(7, 2))
commit("R1 key renamed")
# 28: nothing but a README
write("README.md", "steps\n")
commit("readme")
# 29: the extra folder dropped from mdc.yaml
write("mdc.yaml", "project: steps\nversion: 1.8.0\ndialects: [postgres, sqlite]\nreserved_models: [Gone, X]\n"
      "postgres: {schema: app}\n")
commit("one folder again")
# 30: several files at once
for i in (0, 8, 9):
    write("models/f%02d.yaml" % i, filler(i, 3))
commit("fillers")

print("\n".join(broken))
