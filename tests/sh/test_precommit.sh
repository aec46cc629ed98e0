#!/usr/bin/env bash
# test_precommit.sh - the installed pre-commit hook on a real repository: the hook judges
# the STAGED content (not the working tree) and blocks a bad commit, lets a good one
# through, and `mdc hook install` never silently overwrites a foreign hook.
source "$(dirname "$0")/lib.sh"

R="$TMP/repo"
new_repo "$R"
mkdir -p "$R/models"
cat >"$R/mdc.yaml" <<'Y'
project: hooktest
Y
good='kind: model
name: User
fields:
  id: {type: uuid, primary_key: true}
  email: string(320)
'
bad='kind: model
name: User
fields:
  id: {type: uuid, primary_key: true}
  email: strng
'
printf '%s' "$good" >"$R/models/user.yaml"
commit_all "$R" "initial"

check "hook install" "$MDC" -C "$R" hook install
check "hook is executable" test -x "$R/.git/hooks/pre-commit"
check "hook install is idempotent" "$MDC" -C "$R" hook install

# 1. staged bad, working tree good: the commit must be blocked.
printf '%s' "$bad" >"$R/models/user.yaml"
git -C "$R" add models/user.yaml
printf '%s' "$good" >"$R/models/user.yaml"
if git -C "$R" commit -q -m "bad staged" >"$TMP/out1" 2>&1; then
    fail "commit with a bad staged file went through"
else
    pass
fi
check "hook output names the staged error" grep -q 'models/user.yaml:5:10: error \[UNKNOWN_TYPE\]' "$TMP/out1"
check "did-you-mean note" grep -q 'did you mean `string`' "$TMP/out1"

# 2. staged good, working tree bad: the commit must go through.
printf '%s' "$good" >"$R/models/user.yaml"
printf '%s' "$(printf '%s' "$good" | sed 's/320/400/')" >"$R/models/user.yaml"
git -C "$R" add models/user.yaml
printf '%s' "$bad" >"$R/models/user.yaml"
if git -C "$R" commit -q -m "good staged" >"$TMP/out2" 2>&1; then pass; else
    fail "commit with a good staged file was blocked"; cat "$TMP/out2" >&2
fi
check "the good content was committed" sh -c "git -C '$R' show HEAD:models/user.yaml | grep -q 'string(400)'"

# 3. `git commit -a` stages the bad working tree into index.lock: blocked.
if git -C "$R" commit -q -a -m "commit -a bad" >"$TMP/out3" 2>&1; then
    fail "commit -a with a bad file went through"
else
    pass
fi

# 4. `git commit PATH` uses next-index-*.lock: bad file named on the command line: blocked.
if git -C "$R" commit -q -m "commit path bad" models/user.yaml >"$TMP/out4" 2>&1; then
    fail "commit PATH with a bad file went through"
else
    pass
fi

# 5. a foreign hook is never silently overwritten.
R2="$TMP/repo2"
new_repo "$R2"
printf 'project: other\n' >"$R2/mdc.yaml"
printf '#!/bin/sh\necho foreign\n' >"$R2/.git/hooks/pre-commit"
chmod +x "$R2/.git/hooks/pre-commit"
if "$MDC" -C "$R2" hook install >"$TMP/out5" 2>&1; then
    fail "hook install overwrote a foreign hook"
else
    pass
fi
check "foreign hook untouched" grep -q foreign "$R2/.git/hooks/pre-commit"
check "hook install --force" "$MDC" -C "$R2" hook install --force
check "backup kept" grep -q foreign "$R2/.git/hooks/pre-commit.mdc-backup"

finish
