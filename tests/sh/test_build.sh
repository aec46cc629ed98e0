#!/usr/bin/env bash
# test_build.sh - `mdc build` and `mdc show` end to end (SPEC 7, 8; issue 5):
#   A. determinism: the same commit built in two clones at different paths, at different
#      times and in different time zones gives byte-identical snapshots; `build REV` of the
#      checked-out commit equals the build of the clean working tree;
#   B. every stored checksum recomputed independently (Python's sqlite3 and `xxhsum -H2`, not
#      mdc) from the stored canonical JSON: models, sources, entities, contracts, table_meta,
#      documents, the structure checksums (from the documented structure subset), and the
#      registry checksum from the documents and the stored project JSON;
#   C. atomic output: a failing build leaves the old snapshot untouched and no temporary file;
#      a new build replaces the file by rename (a reader holding the old one keeps reading it);
#   D. `mdc show` from the snapshot and from the working tree agree; hostile snapshot files
#      (truncated, random, another app's SQLite file, tampered definition) exit 2, never crash;
#   E. `--format postgres-sql` on the real PostgreSQL server: applying a build twice, or a
#      newer build over an older one, leaves exactly the newer registry; other projects'
#      rows are untouched;
#   F. a large registry (1500 models, 9 commits): the 64 KiB page layout is reproducible and
#      passes SQLite's integrity_check; every document's model_versions rows follow
#      first-parent commit order, and its version is 1.k.0 after k changes;
#   G. the history compiled in stretches (one per thread, MDC_THREADS = 1, 2, 3, 5, 8) comes
#      out byte for byte the same, and as worked out independently, whatever commit a stretch
#      starts at: broken commits, commits that change no definition, renames, removals and
#      declared versions that move alone, at every position of the chain;
#   H. every commit compiled as a step from the last good one (compiler/compile_step.c) gives
#      the snapshot of compiling each commit in full (MDC_STEPS=0): on a history that makes
#      every case of a step happen (gen_step_history.py; each broken commit is checked to
#      fail for the reason it claims) and on two random histories of gen_history.py.
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

for tool in sqlite3 xxhsum python3; do
    command -v $tool >/dev/null 2>&1 || { fail "$tool is needed (scripts/deps.sh --test)"; finish; exit; }
done
eq() { if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi; }

# ------------------------------------------------------------------ a repository with history
R="$TMP/shop"
new_repo "$R"
cp -r "$MDC_SRC/examples/shop/." "$R/"
commit_all "$R" "shop v1"
# a second commit: a new field (and the declared version bumped by `mdc bump`), so that
# model_versions has more than one row
sed -i 's/^fields:$/fields:\n  nickname: string?/' "$R/models/identity/user.yaml"
"$MDC" -C "$R" bump >/dev/null || fail "mdc bump"
grep -q '^version: 1.1.0' "$R/models/identity/user.yaml" || fail "mdc bump did not move User to 1.1.0"
GIT_COMMITTER_DATE="2024-02-01T12:00:00Z" commit_all "$R" "User: nickname"
"$MDC" -C "$R" check >/dev/null || fail "the shop copy does not check clean"

# ================================================================== A. determinism
mkdir -p "$TMP/elsewhere/deeper"
git clone -q "$R" "$TMP/elsewhere/deeper/clone"
check "build in the first clone" "$MDC" -C "$R" build -o "$TMP/a.db"
sleep 1.1
check "build in the second clone, later, in another time zone" \
    env TZ=Pacific/Kiritimati "$MDC" -C "$TMP/elsewhere/deeper/clone" build -o "$TMP/b.db"
check "two clones, two times: identical bytes" cmp "$TMP/a.db" "$TMP/b.db"
check "build HEAD" "$MDC" -C "$R" build HEAD -o "$TMP/rev.db"
check "build HEAD in the other clone: identical bytes" bash -c "'$MDC' -C '$TMP/elsewhere/deeper/clone' build HEAD -o '$TMP/rev2.db' && cmp '$TMP/rev.db' '$TMP/rev2.db'"
# the clean working tree holds what HEAD holds: only git_tree differs (a working tree has none)
check "build HEAD = build of the clean working tree but for git_tree" \
    bash -c "diff <(sqlite3 '$TMP/a.db' .dump | grep -v \"'git_tree'\") <(sqlite3 '$TMP/rev.db' .dump | grep -v \"'git_tree'\")"
eq "build HEAD: git_tree is HEAD's tree" "$(sqlite3 "$TMP/rev.db" "SELECT value FROM registry_meta WHERE key = 'git_tree'")" \
    "$(git -C "$R" rev-parse 'HEAD^{tree}')"
check "build HEAD~1" "$MDC" -C "$R" build HEAD~1 -o "$TMP/old.db"
check "another commit: other bytes" bash -c "! cmp -s '$TMP/a.db' '$TMP/old.db'"
eq "application_id is MDCR" "$(sqlite3 "$TMP/a.db" 'PRAGMA application_id')" $((0x4D444352))
eq "user_version is the format version" "$(sqlite3 "$TMP/a.db" 'PRAGMA user_version')" \
    "$(sqlite3 "$TMP/a.db" "SELECT value FROM registry_meta WHERE key = 'format_version'")"
eq "compiled_at is the commit time" "$(sqlite3 "$TMP/a.db" "SELECT value FROM registry_meta WHERE key = 'compiled_at'")" \
    "2024-02-01T12:00:00Z"
eq "git_commit is HEAD" "$(sqlite3 "$TMP/a.db" "SELECT value FROM registry_meta WHERE key = 'git_commit'")" \
    "$(git -C "$R" rev-parse HEAD)"
eq "model_versions: User at 1.0.0 then 1.1.0" \
    "$(sqlite3 "$TMP/a.db" "SELECT group_concat(version, ' ') FROM (SELECT version FROM model_versions WHERE kind = 'model' AND name = 'User' ORDER BY seq)")" \
    "1.0.0 1.1.0"
check "build --no-history" "$MDC" -C "$R" build --no-history -o "$TMP/nohist.db"
eq "--no-history: no model_versions rows" "$(sqlite3 "$TMP/nohist.db" 'SELECT count(*) FROM model_versions')" 0

# ================================================================== B. independent checksums
check "every stored checksum recomputes from the stored JSON" python3 - "$TMP/a.db" "$R" <<'PY'
import json, sqlite3, subprocess, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
bad = []
def xxh(text):
    out = subprocess.run(["xxhsum", "-H2", "-"], input=text.encode(), capture_output=True, check=True).stdout
    return out.split()[0].decode()
def canon(v):
    # RFC 8785 for what the shop example holds (strings, integers, booleans, null)
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
def structure(kind, d):
    d = json.loads(d)
    if kind == "model":
        for k in ("description", "owner", "tags", "meta", "version"):
            d.pop(k, None)
        for f in d["fields"].values():
            f.pop("description", None); f.pop("meta", None)
    else:
        d.pop("description", None); d.pop("version", None)
    return canon(d)
n = 0
for table, kind in (("models", "model"), ("sources", "source"), ("entities", "entity"), ("contracts", "contract")):
    cols = "name, checksum, definition_json" + (", structure_checksum" if table == "models" else "")
    for row in db.execute("SELECT %s FROM %s ORDER BY name" % (cols, table)):
        name, cs, js = row[0], row[1], row[2]
        n += 1
        if xxh(js) != cs: bad.append("%s %s: checksum" % (kind, name))
        if canon(json.loads(js)) != js: bad.append("%s %s: stored JSON is not canonical" % (kind, name))
        doc = db.execute("SELECT checksum, structure_checksum FROM documents WHERE kind = ? AND name = ?", (kind, name)).fetchone()
        if not doc or doc[0] != cs: bad.append("%s %s: documents.checksum" % (kind, name))
        if doc and xxh(structure(kind, js)) != doc[1]: bad.append("%s %s: structure_checksum" % (kind, name))
        if table == "models" and row[3] != doc[1]: bad.append("%s %s: models.structure_checksum" % (kind, name))
for name, sj in db.execute("SELECT table_name, schema_json FROM table_meta WHERE source_id = (SELECT value FROM registry_meta WHERE key = 'project')"):
    if not db.execute("SELECT 1 FROM models WHERE table_name = ? AND definition_json = ?", (name, sj)).fetchone():
        bad.append("table_meta %s: schema_json is not the model's canonical JSON" % name)
lines = sorted("%s/%s %s\n" % r for r in db.execute("SELECT kind, name, checksum FROM documents"))
meta = dict(db.execute("SELECT key, value FROM registry_meta"))
reg = xxh("".join(lines) + "mdc.yaml " + meta["project_json"] + "\n")
if reg != meta["registry_checksum"]: bad.append("registry checksum: %s != %s" % (reg, meta["registry_checksum"]))
if meta["checksum_algorithm"] != "xxh3-128": bad.append("checksum_algorithm")
if n < 7: bad.append("only %d documents" % n)
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
eq "registry checksum = mdc hash" \
    "$(sqlite3 "$TMP/a.db" "SELECT value FROM registry_meta WHERE key = 'registry_checksum'")" \
    "$("$MDC" -C "$R" hash --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["registry"])')"

# ================================================================== C. atomic output
cp "$TMP/a.db" "$TMP/keep.db"
printf 'kind: model\nname: Broken\nfields:\n  id: {type: strng, primary_key: true}\n' >"$R/models/broken.yaml"
"$MDC" -C "$R" build -o "$TMP/keep.db" >/dev/null 2>&1; rc=$?
eq "a build with errors exits 1" "$rc" 1
check "a failed build leaves the old snapshot" cmp "$TMP/a.db" "$TMP/keep.db"
rm "$R/models/broken.yaml"
eq "no temporary files left" "$(ls -A "$TMP" | grep -c -v -E '^(shop|elsewhere|home|[a-z0-9]+\.db)$')" 0
# a reader holding the old file keeps reading it while the new one is renamed into place
exec 7<"$TMP/old.db"
cp "$TMP/old.db" "$TMP/live.db"
python3 - "$TMP/live.db" "$MDC" "$R" <<'PY' || fail "a reader of the old snapshot broke during the replacement"
import sqlite3, subprocess, sys
path, mdc, repo = sys.argv[1:]
old = sqlite3.connect("file:%s?immutable=1" % path, uri=True)
before = old.execute("SELECT value FROM registry_meta WHERE key = 'registry_checksum'").fetchone()[0]
subprocess.run([mdc, "-C", repo, "build", "-o", path], check=True, capture_output=True)
after_old = old.execute("SELECT value FROM registry_meta WHERE key = 'registry_checksum'").fetchone()[0]
assert before == after_old, "the open handle saw the new file"
assert old.execute("SELECT count(*) FROM fields").fetchone()[0] > 0
new = sqlite3.connect("file:%s?immutable=1" % path, uri=True)
assert new.execute("SELECT value FROM registry_meta WHERE key = 'registry_checksum'").fetchone()[0] != before
PY
exec 7<&-
pass

# ================================================================== D. mdc show, hostile files
"$MDC" show User --snapshot "$TMP/a.db" --format json >"$TMP/show_snap.json" || fail "show User --snapshot"
"$MDC" -C "$R" show User --format json >"$TMP/show_tree.json" || fail "show User (working tree)"
check "show: snapshot and working tree give the same definition" cmp "$TMP/show_snap.json" "$TMP/show_tree.json"
eq "show: the stored canonical JSON" "$(cat "$TMP/show_snap.json")" \
    "$(sqlite3 "$TMP/a.db" "SELECT definition_json FROM models WHERE name = 'User'")"
"$MDC" show User --snapshot "$TMP/a.db" >"$TMP/show.txt" || fail "show User (text)"
check "show text: the new field is listed" grep -q nickname "$TMP/show.txt"
eq "show: every document listed" "$("$MDC" show --snapshot "$TMP/a.db" | grep -c -E '^(model|source|entity|contract)')" \
    "$(sqlite3 "$TMP/a.db" 'SELECT count(*) FROM documents')"
"$MDC" show NoSuchModel --snapshot "$TMP/a.db" >"$TMP/h.out" 2>&1; rc=$?
check "show: an unknown name is an error" test "$rc" -ne 0
check "show: an unknown name is named" grep -q NoSuchModel "$TMP/h.out"

size=$(stat -c %s "$TMP/a.db")
head -c $((size / 2)) "$TMP/a.db" >"$TMP/h_truncated.db"
head -c 65536 /dev/urandom >"$TMP/h_random.db"
sqlite3 "$TMP/h_foreign.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
cp "$TMP/a.db" "$TMP/h_appid.db"; sqlite3 "$TMP/h_appid.db" "PRAGMA application_id = 1234"
cp "$TMP/a.db" "$TMP/h_tampered.db"
sqlite3 "$TMP/h_tampered.db" "UPDATE models SET definition_json = replace(definition_json, '\"users\"', '\"uzers\"') WHERE name = 'User'"
: >"$TMP/h_empty.db"
for h in truncated random foreign appid tampered empty; do
    "$MDC" show User --snapshot "$TMP/h_$h.db" >"$TMP/h.out" 2>&1; rc=$?
    eq "hostile snapshot ($h): exit 2" "$rc" 2
    check "hostile snapshot ($h): says why" grep -q '^mdc: ' "$TMP/h.out"
done
"$MDC" show User --snapshot "$TMP/h_tampered.db" 2>&1 | grep -qi 'checksum' && pass || fail "tampered: no checksum in the message"

# ================================================================== E. --format postgres-sql
if ! pg_start; then fail "PostgreSQL test server did not start: postgres-sql not tested"; finish; exit; fi
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
pga() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >"$TMP/pga.out" 2>&1; }
# every row of every registry table, as text, in a fixed order
dump() {
    local t out=""
    for t in $(pgq "$1" "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE (table_schema = 'mdc_registry' OR table_name IN ('data_sources', 'table_meta', 'ontology_mapping')) AND table_type = 'BASE TABLE' ORDER BY 1"); do
        out+="== $t"$'\n'"$(pgq "$1" "SELECT x::text FROM $t x ORDER BY x::text")"$'\n'
    done
    printf '%s' "$out"
}
"$MDC" -C "$R" build --format postgres-sql -o "$TMP/new.sql" || fail "build --format postgres-sql"
"$MDC" -C "$R" build HEAD~1 --format postgres-sql -o "$TMP/old.sql" || fail "build HEAD~1 --format postgres-sql"
check "postgres-sql: identical text on a second build" bash -c "'$MDC' -C '$R' build --format postgres-sql -o '$TMP/new2.sql' && cmp '$TMP/new.sql' '$TMP/new2.sql'"
# another project in the same database
O="$TMP/other"; new_repo "$O"; mkdir -p "$O/models"
printf 'project: other\n' >"$O/mdc.yaml"
printf 'kind: model\nname: Thing\nfields:\n  id: {type: int64, primary_key: true}\n' >"$O/models/thing.yaml"
commit_all "$O" "other"
"$MDC" -C "$O" build --format postgres-sql -o "$TMP/otherp.sql" || fail "build other project"
for db in once twice over; do
    pg_newdb $db
    pga $db "$TMP/otherp.sql" || fail "other project's registry on $db: $(cat "$TMP/pga.out")"
done
pga once "$TMP/new.sql" || fail "postgres-sql applies: $(cat "$TMP/pga.out")"
pga twice "$TMP/new.sql" && pga twice "$TMP/new.sql" || fail "postgres-sql applies twice: $(cat "$TMP/pga.out")"
pga over "$TMP/old.sql" && pga over "$TMP/new.sql" || fail "postgres-sql over an older build: $(cat "$TMP/pga.out")"
dump once >"$TMP/once.txt"
dump twice >"$TMP/twice.txt"
dump over >"$TMP/over.txt"
check "postgres-sql: applied twice = applied once" cmp "$TMP/once.txt" "$TMP/twice.txt"
check "postgres-sql: newer over older = newer alone" cmp "$TMP/once.txt" "$TMP/over.txt"
eq "postgres-sql: the newer registry checksum" \
    "$(pgq once "SELECT value FROM mdc_registry.registry_meta WHERE application_id = 'shop' AND key = 'registry_checksum'")" \
    "$(sqlite3 "$TMP/a.db" "SELECT value FROM registry_meta WHERE key = 'registry_checksum'")"
eq "postgres-sql: the same models as the snapshot" \
    "$(pgq once "SELECT string_agg(name || '=' || checksum, ',' ORDER BY name) FROM mdc_registry.models WHERE application_id = 'shop'")" \
    "$(sqlite3 "$TMP/a.db" "SELECT group_concat(name || '=' || checksum, ',') FROM (SELECT * FROM models ORDER BY name)")"
eq "postgres-sql: the same fields as the snapshot" \
    "$(pgq once "SELECT count(*) FROM mdc_registry.fields WHERE application_id = 'shop'")" \
    "$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM fields")"
eq "postgres-sql: the other project untouched" \
    "$(pgq over "SELECT string_agg(name, ',') FROM mdc_registry.models WHERE application_id = 'other'")" Thing
eq "postgres-sql: the newer history" \
    "$(pgq over "SELECT string_agg(version, ' ' ORDER BY seq) FROM mdc_registry.model_versions WHERE application_id = 'shop' AND kind = 'model' AND name = 'User'")" \
    "1.0.0 1.1.0"
pg_stop

# ================================================================== F. a large registry
B="$TMP/big"
python3 "$MDC_SRC/tests/sh/gen_many_models.py" "$B" 1500 8 || fail "generate the large repository"
check "large: build" "$MDC" -C "$B" build -o "$TMP/big1.db"
check "large: built again, identical bytes" \
    bash -c "'$MDC' -C '$B' build -o '$TMP/big2.db' 2>/dev/null && cmp '$TMP/big1.db' '$TMP/big2.db'"
eq "large: 64 KiB pages" "$(sqlite3 "$TMP/big1.db" 'PRAGMA page_size')" 65536
eq "large: integrity_check" "$(sqlite3 "$TMP/big1.db" 'PRAGMA integrity_check')" ok
eq "small: 4 KiB pages" "$(sqlite3 "$TMP/a.db" 'PRAGMA page_size')" 4096
eq "small: integrity_check" "$(sqlite3 "$TMP/a.db" 'PRAGMA integrity_check')" ok
eq "large: every field row" "$(sqlite3 "$TMP/big1.db" 'SELECT count(*) FROM fields')" \
    "$(cat "$B"/models/*.yaml | grep -c '^  [a-z_0-9]*:')"
cat >"$TMP/order.py" <<'PY'
import sqlite3, subprocess, sys
db = sqlite3.connect(sys.argv[1])
commits = subprocess.check_output(["git", "-C", sys.argv[2], "rev-list", "--first-parent", "--reverse", "HEAD"], text=True).split()
pos = {c: i for i, c in enumerate(commits)}
bad, runs = [], {}
for kind, name, seq, commit, version in db.execute(
        "SELECT kind, name, seq, git_commit, version FROM model_versions ORDER BY kind, name, seq"):
    runs.setdefault(name, []).append((seq, pos[commit], version))
for name, run in runs.items():
    if [p for _, p, _ in run] != sorted(set(p for _, p, _ in run)):
        bad.append(name + ": not in commit order")
    if [v for _, _, v in run] != ["1.%d.0" % k for k in range(len(run))]:
        bad.append(name + ": versions " + " ".join(v for _, _, v in run))
for name, version in db.execute("SELECT name, version FROM models"):
    if version != "1.%d.0" % (len(runs.get(name, [])) - 1):
        bad.append(name + ": snapshot version " + version)
print("%d models with history, %d problems %s" % (len(runs), len(bad), "; ".join(bad[:5])))
PY
eq "large: history in commit order, versions 1.k.0" "$(python3 "$TMP/order.py" "$TMP/big1.db" "$B")" \
    "1500 models with history, 0 problems "

# ================================================================== G. history in stretches
S="$TMP/stretch"
python3 "$MDC_SRC/tests/sh/gen_stretch_history.py" "$S" >"$TMP/stretch.want" || fail "generate the stretch history"
versions_of() {
    sqlite3 -separator ' ' "$1" "SELECT name, group_concat(version || CASE removed WHEN 1 THEN '-removed' ELSE '' END, ' ')
        FROM (SELECT * FROM model_versions ORDER BY name, seq) GROUP BY name ORDER BY name"
}
for t in 1 2 3 5 8; do
    check "stretches: build with MDC_THREADS=$t" env MDC_THREADS=$t "$MDC" -C "$S" build -o "$TMP/st$t.db"
    eq "stretches: model_versions with MDC_THREADS=$t" "$(versions_of "$TMP/st$t.db")" "$(cat "$TMP/stretch.want")"
    check "stretches: MDC_THREADS=$t gives the bytes of MDC_THREADS=1" cmp "$TMP/st1.db" "$TMP/st$t.db"
done
# ================================================================== H. history steps
H="$TMP/steps"
python3 "$MDC_SRC/tests/sh/gen_step_history.py" "$H" >"$TMP/steps.broken" || fail "generate the step history"
commits=($(git -C "$H" rev-list --reverse HEAD))
while read -r idx why; do
    out=$("$MDC" -C "$H" check --rev "${commits[$idx]}" 2>&1)
    case "$out" in *"error [$why]"*) pass ;; *) fail "steps: commit $idx should fail with $why: $out" ;; esac
done <"$TMP/steps.broken"
for t in 1 2 3; do
    check "steps: build (MDC_THREADS=$t)" env MDC_THREADS=$t "$MDC" -C "$H" build -o "$TMP/steps$t.db"
    check "steps: build in full (MDC_THREADS=$t)" env MDC_STEPS=0 MDC_THREADS=$t "$MDC" -C "$H" build -o "$TMP/full$t.db"
    check "steps: MDC_THREADS=$t, steps and full compilations give the same bytes" cmp "$TMP/steps$t.db" "$TMP/full$t.db"
done
for seed in 3 8; do
    python3 "$MDC_SRC/tests/migrate/gen_history.py" --seed $seed --steps 30 --out "$TMP/gh$seed" >/dev/null ||
        fail "gen_history seed $seed"
    check "steps: gen_history $seed build" "$MDC" -C "$TMP/gh$seed/repo" build -o "$TMP/gh$seed.db"
    check "steps: gen_history $seed build in full" env MDC_STEPS=0 "$MDC" -C "$TMP/gh$seed/repo" build -o "$TMP/gh${seed}f.db"
    check "steps: gen_history $seed, steps and full compilations give the same bytes" cmp "$TMP/gh$seed.db" "$TMP/gh${seed}f.db"
done
finish
