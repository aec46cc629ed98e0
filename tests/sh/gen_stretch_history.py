#!/usr/bin/env python3
"""gen_stretch_history.py DIR - a 32-commit history that puts every kind of history event
at every position of the chain, for test_build.sh G (the history is compiled in stretches,
one per thread, and must come out the same however the chain is cut).

Commit 0 adds models A00..A19, V and W01..W31 (declared `version: 1.0.0`) and Old.  Then, at commit c:
  - c % 6 == 5: only README.md changes (the same definitions as the commit before);
  - c % 6 == 2: models/broken.yaml holds an unknown type (the commit does not compile) and
    is removed again at c + 1;
  - every other commit adds a nullable field to A(c % 20), moves V's declared version to
    1.0.c without any other change, and moves W(c)'s from 1.0.0 to its last one, 1.1.0 (so
    the file is the same as at HEAD from then on: a stretch that starts there shares it
    from HEAD's compilation, yet its version moved at that very commit);
  - commit 13 also renames Old to New (renamed_from, a major bump); commit 21 removes A07.
Prints, one per line, "NAME VERSIONS..." - the versions model_versions must list for every
model (a removal as "VERSION-removed"), worked out here independently of mdc."""
import os
import subprocess
import sys

out = sys.argv[1]
os.makedirs(out + "/models", exist_ok=True)


def git(*args, env=None):
    subprocess.run(["git", "-C", out] + list(args), check=True, stdout=subprocess.DEVNULL, env=env)


git("init", "-q", "-b", "main")
git("config", "commit.gpgsign", "false")
with open(out + "/mdc.yaml", "w") as f:
    f.write("project: stretch\ndialects: [postgres, sqlite]\n")

extra = {i: 0 for i in range(20)}
versions = {"A%02d" % i: ["1.0.0"] for i in range(20)}
versions["V"] = ["1.0.0"]
versions["Old"] = ["1.0.0"]


def model(name, fields, version=None, renamed_from=None):
    lines = ["kind: model", "name: " + name]
    if version:
        lines.append("version: " + version)
    if renamed_from:
        lines.append("renamed_from: " + renamed_from)
    lines += ["fields:", "  id: {type: uuid, primary_key: true}"] + ["  %s: %s" % f for f in fields]
    return "\n".join(lines) + "\n"


def write(path, text):
    with open(out + "/" + path, "w") as f:
        f.write(text)


def write_a(i):
    write("models/a%02d.yaml" % i, model("A%02d" % i, [("note_%d" % k, "string?") for k in range(extra[i])]))


for i in range(20):
    write_a(i)
write("models/v.yaml", model("V", [("label", "string")], version="1.0.0"))
write("models/old.yaml", model("Old", [("label", "string")]))
for c in range(1, 32):
    write("models/w%02d.yaml" % c, model("W%02d" % c, [("label", "string")], version="1.0.0"))
    versions["W%02d" % c] = ["1.0.0"]
for c in range(32):
    if c and c % 6 == 5:
        write("README.md", "commit %d\n" % c)
    elif c and c % 6 == 2:
        write("models/broken.yaml", model("Broken", [("x", "strnig")]))
    elif c:
        if os.path.exists(out + "/models/broken.yaml"):
            os.remove(out + "/models/broken.yaml")
        i = c % 20
        if c >= 21 and i == 7:
            i = 8  # A07 is gone
        extra[i] += 1
        write_a(i)
        a = versions["A%02d" % i]
        a.append("1.%d.0" % extra[i])
        write("models/v.yaml", model("V", [("label", "string")], version="1.0.%d" % c))
        versions["V"].append("1.0.%d" % c)
        write("models/w%02d.yaml" % c, model("W%02d" % c, [("label", "string")], version="1.1.0"))
        versions["W%02d" % c].append("1.1.0")
        if c == 13:
            os.remove(out + "/models/old.yaml")
            write("models/new.yaml", model("New", [("label", "string")], renamed_from="Old"))
            versions["New"] = ["2.0.0"]  # continues Old's 1.0.0: a rename is major
        if c == 21:
            os.remove(out + "/models/a07.yaml")
            versions["A07"].append(versions["A07"][-1] + "-removed")
    date = "2024-03-%02dT%02d:00:00Z" % (c // 24 + 1, c % 24)
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "commit %d" % c,
        env=dict(os.environ, GIT_COMMITTER_DATE=date, GIT_AUTHOR_DATE=date))
for name in sorted(versions):
    print(name, " ".join(versions[name]))
