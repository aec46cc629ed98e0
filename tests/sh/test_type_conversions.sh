#!/usr/bin/env bash
# test_type_conversions.sh - every type change leaves the same values in PostgreSQL and SQLite
# (issue 16, finding 19).  tests/migrate/type_conversions.py applies each pair of types
# (bool, the ints, floats, decimals, strings, enum, uuid, date, time, timestamps, interval,
# json, bytes, arrays) to the same rows on a real PostgreSQL and a real SQLite file through
# the migrations mdc writes, and compares the values read back.  A pair passes when both
# databases hold the same values, when both refuse the rows, or when mdc refuses to write the
# change (emit/sql_common.c: mdc_sql_type_change_refusal says why); it fails when the values
# differ or only one database accepts them.  Before the fix, bool -> string left 'true' in
# PostgreSQL and '1' in SQLite.
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

need_sqlite3
pg_need

python3 "$MDC_SRC/tests/migrate/type_conversions.py" "$MDC" "$TMP/conv" >"$TMP/pairs" 2>"$TMP/err"
rc=$?
[ -s "$TMP/err" ] && cat "$TMP/err" >&2
check "the driver ran to the end (exit $rc)" grep -q "pairs, [0-9]* different$" "$TMP/pairs"

while IFS= read -r line; do
    case $line in
        DIFFERENT*) fail "$line" ;;
        same*|refused*|both-fail*) pass ;;
    esac
done <"$TMP/pairs"

# what the pairs must come out as (the table in emit/sql_common.c)
outcome() { awk -v f="$1" -v t="$2" '$2 == f && $3 == "->" && ($4 == t || $4 == t ":") {print $1}' "$TMP/pairs"; }
expect() { # FROM TO OUTCOME...
    local got; got=$(outcome "$1" "$2")
    local w; for w in "${@:3}"; do [ "$got" = "$w" ] && { pass; return; }; done
    fail "$1 -> $2: got [$got], want ${*:3}"
}
expect bool string same
expect bool "string(40)" same
expect bool int64 same
expect bool float64 same
expect int16 int32 same
expect int32 int64 same
expect int32 string same
expect int64 int32 both-fail          # out-of-range rows stop both
expect "string(40)" string same
expect string "string(40)" same
expect float32 float64 same
expect date string same
expect float64 string refused
expect decimal string refused
expect string int32 both-fail          # 'abc' stops both
expect "string(20)" int64 same          # '42', '-7': the same integers
expect "string(30)" int32 both-fail     # ' 7', '+7', '007': PostgreSQL would read them
expect "string(20)" float64 refused
expect string date refused
expect json string refused
expect int32 bool refused
expect "int32[]" "string[]" refused
expect timestamptz string refused
# the refusal: exit 1, the field and the reason, whatever max_risk says; a project with one
# dialect keeps PostgreSQL's cast
for dialects in "postgres, sqlite" "postgres"; do
    P="$TMP/one-$dialects"; P=${P// /}; P=${P//,/-}
    new_repo "$P"; mkdir -p "$P/models"
    printf 'project: r\ndialects: [%s]\nmax_risk: CRITICAL\n' "$dialects" >"$P/mdc.yaml"
    printf 'kind: model\nname: T\nfields:\n  id: {type: int64, primary_key: true}\n  v: float64?\n' >"$P/models/t.yaml"
    commit_all "$P" base
    "$MDC" -C "$P" migrate --write >/dev/null 2>&1 && commit_all "$P" migrate
    sed -i 's/v: float64?/v: string?/' "$P/models/t.yaml"; commit_all "$P" change
    "$MDC" -C "$P" migrate --write >"$TMP/out" 2>"$TMP/err"; rc=$?
    if [ "$dialects" = "postgres" ]; then
        check "one dialect: float64 -> string is written (exit $rc)" [ "$rc" = 0 ]
        check "one dialect: with PostgreSQL's cast" grep -q 'USING "v"::TEXT' "$P"/migrations/postgres/0002_*.sql
    else
        check "two dialects: float64 -> string is refused (exit $rc)" [ "$rc" = 1 ]
        check "two dialects: the refusal names the field and says why" \
            grep -q 'refused: model T: FIELD_TYPE_CHANGED on v: .*print floating-point numbers differently' "$TMP/err"
        check "two dialects: nothing written" [ ! -e "$(ls "$P"/migrations/postgres/0002_*.sql 2>/dev/null | head -1)" ]
    fi
done

n=$(grep -c . "$TMP/pairs")
check "many pairs were tried ($n)" [ "$n" -ge 400 ]
finish
