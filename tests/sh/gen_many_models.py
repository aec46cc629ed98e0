#!/usr/bin/env python3
"""gen_many_models.py DIR N COMMITS - a git repository with N models and a history.

The first commit adds N models (one file each); each of the COMMITS later commits adds one
nullable field to N/20 models drawn at random (seeded), so a model changed k times is at
version 1.k.0.  Commit i is dated 2024-01-(i+1).  Used by test_build.sh for a registry large
enough for the 64 KiB page layout and a history whose entries fill many arena blocks."""
import os
import random
import subprocess
import sys

out, n, commits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(5)
os.makedirs(out + "/models", exist_ok=True)


def git(*args, env=None):
    subprocess.run(["git", "-C", out] + list(args), check=True, stdout=subprocess.DEVNULL, env=env)


git("init", "-q", "-b", "main")
git("config", "user.email", "test@example.com")
git("config", "user.name", "test")
git("config", "commit.gpgsign", "false")
with open(out + "/mdc.yaml", "w") as f:
    f.write("project: big\ndialects: [postgres, sqlite]\n")
extra = [0] * n


def write(i):
    lines = ["kind: model", "name: M%05d" % i, "fields:", "  id: {type: uuid, primary_key: true}",
             "  title: string(200)", "  amount: decimal(12,2)?"]
    lines += ["  note_%d: string?" % k for k in range(extra[i])]
    with open(out + "/models/m%05d.yaml" % i, "w") as f:
        f.write("\n".join(lines) + "\n")


for i in range(n):
    write(i)
for c in range(commits + 1):
    if c:
        for i in random.sample(range(n), n // 20):
            extra[i] += 1
            write(i)
    date = "2024-01-%02dT00:00:00Z" % (c + 1)
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "commit %d" % c,
        env=dict(os.environ, GIT_COMMITTER_DATE=date, GIT_AUTHOR_DATE=date))
