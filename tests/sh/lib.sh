# lib.sh - helpers for the shell tests (sourced).  Every test gets a private temp dir,
# a git identity and no user/system git config, and reports "N passed, N failed".
set -u
: "${MDC:?MDC must point at the mdc binary}"
: "${MDC_SRC:?MDC_SRC must point at the source tree}"

T_PASS=0
T_FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mdc-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$TMP/home" NO_COLOR=1
export GIT_AUTHOR_NAME="mdc test" GIT_AUTHOR_EMAIL="test@mdc.invalid"
export GIT_COMMITTER_NAME="mdc test" GIT_COMMITTER_EMAIL="test@mdc.invalid"
export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
mkdir -p "$HOME"

pass() { T_PASS=$((T_PASS + 1)); }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $*" >&2; }

# check NAME COND...: runs the command; passes when it exits 0.
check() {
    local name=$1; shift
    if "$@"; then pass; else fail "$name"; fi
}

# new_repo DIR: an empty repository with one branch "main".
new_repo() {
    git init -q -b main "$1"
    git -C "$1" config commit.gpgsign false
}

# commit_all DIR MESSAGE
commit_all() {
    git -C "$1" add -A && git -C "$1" commit -q --no-verify -m "$2"
}

finish() {
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
}

# need_sqlite3: the test applies files with the real sqlite3 shell; without it the test ends
# here with one failure (never a silent pass).
need_sqlite3() {
    command -v sqlite3 >/dev/null 2>&1 && return 0
    fail "the sqlite3 command-line shell is needed (apt-get install sqlite3)"; finish; exit
}
