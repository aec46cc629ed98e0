#!/usr/bin/env bash
# test_migrate_property.sh - the property of SPEC 6.4 on random model histories.
#
# For each seed, tests/migrate/gen_history.py generates a history of valid model changes (every
# kind the migration engine handles) with rows to insert after each step; run_property.py then,
# step by step, commits the YAML, runs `mdc migrate --write`, applies the new files to a
# PostgreSQL database and an SQLite file ("chain"), inserts the rows and checks that every row
# inserted so far survived with its values.  At checkpoints and at the end the chain's catalog
# must equal that of a database built from a fresh baseline of the same state; applying a
# migration twice, out of order or after a skipped one must fail on the checksum guard and
# change nothing.  See tests/migrate/run_property.py for the full list.
#
# Environment: MDC_PROPERTY_STEPS (default 30), MDC_PROPERTY_SEEDS (default "1 2 3 4 5"),
# MDC_PROPERTY_KEEP=DIR keeps the work directories (repositories, plans, SQLite files) there,
# MDC_PROPERTY_VERBOSE=1 prints every passing assertion too.
# Reproduce one seed by hand (after `source tests/pg.sh; pg_start`):
#   python3 tests/migrate/run_property.py --mdc build/mdc --seed 3 --steps 30 --work /tmp/p3
source "$(dirname "$0")/lib.sh"
source "$MDC_SRC/tests/pg.sh"

STEPS=${MDC_PROPERTY_STEPS:-30}
SEEDS=${MDC_PROPERTY_SEEDS:-"1 2 3 4 5"}
DIALECTS=postgres,sqlite

need_sqlite3
if ! pg_start; then
    fail "PostgreSQL test server did not start (see above); testing SQLite only"
    DIALECTS=sqlite
fi

verbose=()
[ -n "${MDC_PROPERTY_VERBOSE:-}" ] && verbose=(-v)

for seed in $SEEDS; do
    work="$TMP/seed$seed"
    out=$(python3 "$MDC_SRC/tests/migrate/run_property.py" --mdc "$MDC" --seed "$seed" \
        --steps "$STEPS" --work "$work" --dialects "$DIALECTS" "${verbose[@]}" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -v '^summary:'
    sum=$(printf '%s\n' "$out" | sed -n 's/^summary: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -1)
    if [ -z "$sum" ]; then
        fail "seed $seed: run_property.py ended without a summary (exit $rc)"
    else
        set -- $sum
        T_PASS=$((T_PASS + $1))
        T_FAIL=$((T_FAIL + $2))
        if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then fail "seed $seed: exit $rc"; fi
    fi
    if [ -n "${MDC_PROPERTY_KEEP:-}" ]; then
        mkdir -p "$MDC_PROPERTY_KEEP" && rm -rf "$MDC_PROPERTY_KEEP/seed$seed" &&
            cp -r "$work" "$MDC_PROPERTY_KEEP/seed$seed"
    fi
done

pg_stop
finish
