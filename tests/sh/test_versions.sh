#!/usr/bin/env bash
# test_versions.sh - versions and the CI side of `mdc diff` on real repositories (SPEC 5.3, 9):
#   A. `mdc bump` rewrites only the bytes of the version scalars (quoted, commented, flow
#      style, CRLF, several documents per file, mdc.yaml), to the smallest sufficient
#      versions (0.x: Cargo convention); afterwards `mdc diff` is clean and a second bump
#      changes nothing;
#   B. `mdc log` on a history with a merge: first-parent, the merge counts as one change
#      against its first parent, the branch's own commits are not listed;
#   C. `mdc diff --staged` inside a real pre-commit hook judges the staged content, not the
#      working tree;
#   D. a base commit missing from a shallow clone: exit 2 and how to fetch it;
#   E. `--format github` (annotations at the YAML position, GITHUB_STEP_SUMMARY markdown) and
#      `--format sarif` (2.1.0, the rule catalog as rule metadata, locations).
source "$(dirname "$0")/lib.sh"
eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }

# ================================================================== A. mdc bump
B="$TMP/bump"; new_repo "$B"; mkdir -p "$B/models/deep"
printf 'project: bp\nversion: "0.3.1"   # the registry\n' >"$B/mdc.yaml"
cat >"$B/models/item.yaml" <<'Y'
# Items: flow style, a single-quoted version with a comment
kind: model
name: Item
version: '1.2.3'  # declared, keep this comment
fields: {id: {type: int64, primary_key: true}, a: string}
---
kind: model   # a second document in the same file
name: Other
version: 2.0.0
fields:
  id: {type: int64, primary_key: true}
  gone: string
---
kind: model
name: Young
version: 0.4.2
fields:
  id: {type: int64, primary_key: true}
  size: int64
Y
printf 'kind: model\r\nname: Crlf\r\nversion:   "3.1.4"\r\nfields:\r\n  id: {type: int64, primary_key: true}\r\n' >"$B/models/deep/crlf.yaml"
commit_all "$B" "v1"
# minor (Item), major (Other: field removed, reserved), 0.x breaking (Young: narrowed),
# patch (Crlf: description)
sed -i 's/a: string}/a: string, b: string?}/' "$B/models/item.yaml"
python3 - "$B/models/item.yaml" "$B/models/deep/crlf.yaml" <<'PY'
import sys
p = sys.argv[1]; t = open(p).read()
t = t.replace("  gone: string\n", "reserved: [gone]\n").replace("  size: int64\n", "  size: int32\n")
open(p, "w").write(t)
p = sys.argv[2]; t = open(p, "rb").read()
t = t.replace(b"name: Crlf\r\n", b"name: Crlf\r\ndescription: now documented\r\n")
open(p, "wb").write(t)
PY
cp -r "$B/models" "$TMP/before-models"; cp "$B/mdc.yaml" "$TMP/before-mdc.yaml"
"$MDC" -C "$B" diff >"$TMP/d.out" 2>&1; rc=$?
eq "bump: diff before the bump exits 1" "$rc" 1
eq "bump: one VERSION_NOT_BUMPED per document and the registry" "$(grep -c 'VERSION_NOT_BUMPED' "$TMP/d.out")" 5
check "bump: runs" "$MDC" -C "$B" bump
# byte comparison: the files after the bump = the files before with only the version
# scalars' text replaced
check "bump: only the version scalars changed, byte for byte" python3 - "$TMP" "$B" <<'PY'
import sys
tmp, b = sys.argv[1:]
want = {
    "mdc.yaml": [(b'"0.3.1"', b'"0.4.0"')],
    "models/item.yaml": [(b"'1.2.3'", b"'1.3.0'"), (b"version: 2.0.0", b"version: 3.0.0"), (b"version: 0.4.2", b"version: 0.5.0")],
    "models/deep/crlf.yaml": [(b'"3.1.4"', b'"3.1.5"')],
}
bad = []
for path, subs in want.items():
    before = open(tmp + ("/before-mdc.yaml" if path == "mdc.yaml" else "/before-" + path), "rb").read()
    after = open(b + "/" + path, "rb").read()
    for old, new in subs:
        assert before.count(old) == 1, (path, old)
        before = before.replace(old, new)
    if before != after:
        bad.append("%s:\n--- want\n%r\n--- got\n%r" % (path, before, after))
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
check "bump: diff is clean afterwards" bash -c "'$MDC' -C '$B' diff >/dev/null"
cp -r "$B/models" "$TMP/after1"; cp "$B/mdc.yaml" "$TMP/after1.yaml"
"$MDC" -C "$B" bump >"$TMP/b2.out" 2>&1 || fail "bump: the second run fails"
check "bump: a second run changes nothing" bash -c "diff -r '$TMP/after1' '$B/models' && cmp '$TMP/after1.yaml' '$B/mdc.yaml'"
# a larger bump than needed is fine
sed -i "s/'1.3.0'/'2.0.0'/" "$B/models/item.yaml"
check "bump: a larger bump than needed passes diff" bash -c "'$MDC' -C '$B' diff >/dev/null"
sed -i "s/'2.0.0'/'1.2.0'/" "$B/models/item.yaml"
"$MDC" -C "$B" diff >"$TMP/d.out" 2>&1; rc=$?
eq "bump: a version below the base exits 1" "$rc" 1
check "bump: VERSION_DECREASED" grep -q 'VERSION_DECREASED' "$TMP/d.out"
sed -i "s/'1.2.0'/'1.2.4'/" "$B/models/item.yaml"
"$MDC" -C "$B" diff >"$TMP/d.out" 2>&1
check "bump: VERSION_BUMP_TOO_SMALL names the version needed" grep -q 'VERSION_BUMP_TOO_SMALL.*needs 1.3.0' "$TMP/d.out"

# ================================================================== B. mdc log with a merge
L="$TMP/log"; new_repo "$L"; mkdir -p "$L/models"
printf 'project: lg\n' >"$L/mdc.yaml"
printf 'kind: model\nname: Item\nfields:\n  id: {type: int64, primary_key: true}\n' >"$L/models/item.yaml"
GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" commit_all "$L" "one"
git -C "$L" checkout -q -b feat
printf '  note: string?\n' >>"$L/models/item.yaml"; GIT_COMMITTER_DATE="2024-01-02T00:00:00Z" commit_all "$L" "feat 1"
printf '  size: {type: int32, default: 0}\n' >>"$L/models/item.yaml"; GIT_COMMITTER_DATE="2024-01-03T00:00:00Z" commit_all "$L" "feat 2"
git -C "$L" checkout -q main
printf '  id: {type: int64, primary_key: true}\n  other: string?\n' >"$TMP/tail"
printf 'kind: model\nname: Item\nfields:\n' | cat - "$TMP/tail" >"$L/models/item.yaml"
GIT_COMMITTER_DATE="2024-01-04T00:00:00Z" commit_all "$L" "main 2"
git -C "$L" merge -q --no-commit feat >/dev/null 2>&1 || true
printf 'kind: model\nname: Item\nfields:\n  id: {type: int64, primary_key: true}\n  other: string?\n  note: string?\n  size: {type: int32, default: 0}\n' >"$L/models/item.yaml"
GIT_COMMITTER_DATE="2024-01-05T00:00:00Z" commit_all "$L" "merge feat"
check "log: a merge commit" test "$(git -C "$L" rev-list --count --merges HEAD)" = 1
"$MDC" -C "$L" log Item --format json >"$TMP/log.json" || fail "log: exits non-zero"
eq "log: first-parent timeline (commit version bump rules)" "$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    print(e["commit"][:12], e["date"], e["version"], e["bump"], ",".join(e["rules"]))' "$TMP/log.json")" \
"$(printf '%s 2024-01-01T00:00:00Z 1.0.0 none MODEL_ADDED\n%s 2024-01-04T00:00:00Z 1.1.0 minor FIELD_ADDED_NULLABLE\n%s 2024-01-05T00:00:00Z 1.2.0 minor FIELD_ADDED_NULLABLE,FIELD_ADDED_WITH_DEFAULT' \
    "$(git -C "$L" rev-parse --short=12 HEAD~2)" "$(git -C "$L" rev-parse --short=12 HEAD~1)" "$(git -C "$L" rev-parse --short=12 HEAD)")"
"$MDC" -C "$L" log Item >"$TMP/log.txt" || fail "log (text)"
eq "log: the branch's own commits are not listed" "$(grep -c -E "$(git -C "$L" rev-parse --short=12 feat)|$(git -C "$L" rev-parse --short=12 feat~1)" "$TMP/log.txt")" 0
eq "log: three entries in text" "$(grep -c -E '^  [0-9a-f]{12} ' "$TMP/log.txt")" 3
# Commits that do not touch the definitions are passed over without compiling them; a
# change of mdc.yaml alone is not one of them.
for i in 1 2 3; do echo "$i" >>"$L/README"; commit_all "$L" "docs $i"; done
printf 'postgres: {schema: app}\n' >>"$L/mdc.yaml"; GIT_COMMITTER_DATE="2024-01-06T00:00:00Z" commit_all "$L" "schema"
echo 4 >>"$L/README"; commit_all "$L" "docs 4"
"$MDC" -C "$L" log Item --format json >"$TMP/log2.json" || fail "log after docs-only commits"
eq "log: docs-only commits add nothing, mdc.yaml's change is seen" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["commits"], " ".join(e["version"] + ":" + ",".join(e["rules"]) for e in d["entries"]))' "$TMP/log2.json")" \
    "8 1.0.0:MODEL_ADDED 1.1.0:FIELD_ADDED_NULLABLE 1.2.0:FIELD_ADDED_NULLABLE,FIELD_ADDED_WITH_DEFAULT 2.0.0:SCHEMA_CHANGED"

# ================================================================== C. diff --staged in a hook
H="$TMP/hook"; new_repo "$H"; mkdir -p "$H/models"
printf 'project: hk\n' >"$H/mdc.yaml"
printf 'kind: model\nname: Item\nfields:\n  id: {type: int64, primary_key: true}\n' >"$H/models/item.yaml"
commit_all "$H" "one"
cat >"$H/.git/hooks/pre-commit" <<EOF
#!/bin/sh
exec "$MDC" diff --staged --format json >"$TMP/hook.json"
EOF
chmod +x "$H/.git/hooks/pre-commit"
printf '  staged_field: string?\n' >>"$H/models/item.yaml"
git -C "$H" add models/item.yaml
printf '  unstaged_field: string\n' >>"$H/models/item.yaml"
if git -C "$H" commit -q -m "staged only"; then pass; else fail "hook: the commit was blocked"; fi
check "hook: the staged field is in the diff" grep -q '"field":"staged_field"' "$TMP/hook.json"
check "hook: the unstaged field is not" bash -c "! grep -q unstaged_field '$TMP/hook.json'"
# a removal staged without reservation blocks the commit
git -C "$H" checkout -q -- models/item.yaml
printf 'kind: model\nname: Item\nfields:\n  id: {type: int64, primary_key: true}\n' >"$H/models/item.yaml"
git -C "$H" add models/item.yaml
printf '  staged_field: string?\n' >>"$H/models/item.yaml"   # the working tree still has it
if git -C "$H" commit -q -m "remove" 2>/dev/null; then fail "hook: a staged unreserved removal was committed"; else pass; fi
check "hook: REMOVAL_NOT_RESERVED from the index" grep -q REMOVAL_NOT_RESERVED "$TMP/hook.json"

# ================================================================== D. shallow clone
S="$TMP/shallow"
git clone -q --depth 1 "file://$L" "$S"
"$MDC" -C "$S" diff HEAD~1 >"$TMP/sh.out" 2>&1; rc=$?
eq "shallow: a missing base exits 2" "$rc" 2
check "shallow: says how to fetch it" grep -qi 'fetch' "$TMP/sh.out"
check "shallow: says the clone is shallow" grep -qi 'shallow' "$TMP/sh.out"

# ================================================================== E. github and sarif
G="$TMP/gh"; cp -r "$B" "$G"
git -C "$G" checkout -q -- . && git -C "$G" clean -qfd
sed -i 's/a: string}/a: string, b: string?}/' "$G/models/item.yaml"
: >"$TMP/summary.md"
GITHUB_STEP_SUMMARY="$TMP/summary.md" "$MDC" -C "$G" diff --format github >"$TMP/gh.out" 2>&1; rc=$?
eq "github: exit 1 (version not bumped)" "$rc" 1
check "github: an error annotation at the version scalar" \
    grep -q '^::error file=models/item.yaml,line=4,col=10,.*title=VERSION_NOT_BUMPED' "$TMP/gh.out"
check "github: a notice for the change at its field" grep -q '^::[a-z]* file=models/item.yaml,line=5,.*FIELD_ADDED_NULLABLE' "$TMP/gh.out"
check "github: a markdown summary" grep -q 'FIELD_ADDED_NULLABLE' "$TMP/summary.md"
check "github: the summary is a table" grep -q '^|' "$TMP/summary.md"
"$MDC" -C "$G" diff --format sarif >"$TMP/sarif.json" 2>/dev/null
check "sarif: a valid 2.1.0 log with the rule catalog and located results" python3 - "$TMP/sarif.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0", s.get("version")
run = s["runs"][0]
rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
for r in ("FIELD_ADDED_NULLABLE", "MODEL_REMOVED", "VERSION_NOT_BUMPED", "CONTRACT_BROKEN", "UNKNOWN_TYPE"):
    assert r in rules, r
res = run["results"]
ids = {r["ruleId"] for r in res}
assert {"VERSION_NOT_BUMPED", "FIELD_ADDED_NULLABLE"} <= ids, ids
for r in res:
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] and loc["region"]["startLine"] >= 1, r
assert any(r["level"] == "error" for r in res)
PY

finish
