# tests/pg.sh - a throw-away PostgreSQL server for the shell tests (sourced).
#
#   source tests/pg.sh
#   pg_start            # initdb + start on a free 127.0.0.1 port; exports PGHOST PGPORT PGUSER PGDATABASE
#   pg_newdb NAME       # createdb NAME
#   psql -v ON_ERROR_STOP=1 -d NAME -f file.sql
#   pg_stop             # stop (-m fast) and remove the data directory
#
# The server is stopped on exit even when the test fails: pg_start registers its cleanup
# with pg_at_exit, which composes with whatever EXIT trap is already set (tests/sh/lib.sh
# sets `trap 'rm -rf "$TMP"' EXIT`): the registered commands run first (newest first), then
# the trap that was there before.  INT and TERM exit through the same path.
#
# When running as root the cluster belongs to the `postgres` user (initdb refuses root);
# otherwise to the current user.  The data directory lives directly under ${TMPDIR:-/tmp}
# (not inside a private 0700 test dir, which the postgres user could not enter).
# A distribution cluster on 5432 (Debian's postgresql package starts one) is ignored.
#
# Environment: PG_BIN overrides the directory holding initdb/pg_ctl/postgres; PG_SERVER_OPTS
# adds server options (e.g. "-c max_locks_per_transaction=1024" for a 10,000-table baseline).

_PG_EXIT_CMDS=()
_PG_PREV_EXIT_TRAP=
_PG_TRAP_SET=0

_pg_run_exit() {
    local rc=$? i
    for ((i = ${#_PG_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
        eval "${_PG_EXIT_CMDS[$i]}" || true
    done
    _PG_EXIT_CMDS=()
    if [ -n "$_PG_PREV_EXIT_TRAP" ]; then eval "$_PG_PREV_EXIT_TRAP"; fi
    return $rc
}

# pg_at_exit CMD: run CMD (a shell string) when the script exits.
pg_at_exit() {
    local cmd=$1
    if [ "$_PG_TRAP_SET" = 0 ]; then
        local cur
        cur=$(trap -p EXIT)
        if [ -n "$cur" ]; then
            # cur is: trap -- 'command' EXIT
            eval "set -- $cur"
            _PG_PREV_EXIT_TRAP=$3
        fi
        trap _pg_run_exit EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        _PG_TRAP_SET=1
    fi
    _PG_EXIT_CMDS+=("$cmd")
}

_pg_find_bin() {
    if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return 0; fi
    local d best= bestv=-1 v
    for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
        v=$(basename "$(dirname "$d")")
        case $v in (*[!0-9]*|'') v=0 ;; esac
        if [ "$v" -gt "$bestv" ]; then bestv=$v; best=$d; fi
    done
    if [ -z "$best" ]; then
        d=$(command -v initdb 2>/dev/null) && best=$(dirname "$d")
    fi
    [ -n "$best" ] || return 1
    echo "$best"
}

_pg_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local p
    for ((p = 54320; p < 54420; p++)); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    return 1
}

# _pg_as CMD...: run as the cluster owner.
_pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

PG_DIR=
PG_LOG=

pg_start() {
    if [ -n "$PG_DIR" ]; then echo "pg_start: already running ($PG_DIR)" >&2; return 1; fi
    local bin
    bin=$(_pg_find_bin) || { echo "pg_start: no PostgreSQL server binaries (initdb) found" >&2; return 1; }
    PG_BIN=$bin
    export PG_BIN
    export PATH="$PG_BIN:$PATH"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "pg_start: running as root but there is no 'postgres' user" >&2; return 1
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mdc-pg.XXXXXX") || return 1
    chmod 755 "$PG_DIR"
    pg_at_exit 'pg_stop'
    mkdir -p "$PG_DIR/data"
    PG_LOG=$PG_DIR/server.log
    : > "$PG_LOG"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$PG_DIR"; fi
    if ! _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync \
            -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1; then
        echo "pg_start: initdb failed:" >&2; cat "$PG_DIR/initdb.log" >&2
        pg_stop; return 1
    fi
    local try port ok=0
    for try in 1 2 3 4 5; do
        port=$(_pg_free_port) || break
        if _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_LOG" -w -t 60 \
                -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR -c fsync=off -c full_page_writes=off -c synchronous_commit=off ${PG_SERVER_OPTS:-}" \
                start >"$PG_DIR/pg_ctl.log" 2>&1; then
            ok=1; break
        fi
        # port raced away? try another one
        grep -q 'could not bind\|Address already in use' "$PG_LOG" || break
    done
    if [ "$ok" != 1 ]; then
        echo "pg_start: server did not start:" >&2
        cat "$PG_DIR/pg_ctl.log" "$PG_LOG" >&2
        pg_stop; return 1
    fi
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
    unset PGPASSWORD PGSERVICE PGSSLMODE PGOPTIONS
    local i
    for ((i = 0; i < 100; i++)); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
        sleep 0.1
    done
    echo "pg_start: server not ready on port $port:" >&2
    cat "$PG_LOG" >&2
    pg_stop; return 1
}

pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

# pg_newdb NAME: create a database (dropping an existing one of that name).
# pg_need: pg_start, or end the test here with one failure; then the client settings every
# test uses (UTC, warnings only).
pg_need() {
    pg_start || { fail "PostgreSQL test server did not start"; finish; exit; }
    export PGTZ=UTC PGOPTIONS="-c client_min_messages=warning"
}

# pg_want: pg_start, or one failure and HAVE_PG=0 so that the test goes on with its SQLite
# parts; HAVE_PG=1 when the server runs.
pg_want() {
    HAVE_PG=1
    pg_start || { fail "PostgreSQL test server did not start: PostgreSQL parts skipped"; HAVE_PG=0; }
    export PGTZ=UTC PGOPTIONS="-c client_min_messages=warning"
}

pg_newdb() {
    "$PG_BIN/dropdb" --if-exists "$1" >/dev/null 2>&1 || true
    "$PG_BIN/createdb" "$1"
}

# pg_psql DB ARGS...: psql on DB, quiet, stop on the first error.
pg_psql() {
    local db=$1; shift
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}
