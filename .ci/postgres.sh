#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server on loopback for the Postgres tests.
#
#   eval "$(bash .ci/postgres.sh start)"   # or no argument; prints two export lines
#   bash .ci/postgres.sh stop              # stops it and deletes its folder
#
# `start` prints, on stdout and nothing else:
#   export ADLOOM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/adloom_test
#   export ADLOOM_TEST_POSTGRES_DIR=/tmp/adloom-pg.XXXXXX
# `stop` reads ADLOOM_TEST_POSTGRES_DIR (or takes the folder as its second argument).
#
# The server listens only on 127.0.0.1 on a free port, trusts every local connection
# (it holds nothing but test data) and runs with fsync off, because it lives for one
# test session. As root it runs as the `postgres` OS user: Postgres refuses to run as root.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DATABASE=adloom_test

fail() {
    echo "postgres.sh: $*" >&2
    exit 1
}

# Runs a command as the server's OS user, from a folder that user can enter.
as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    [[ -x $PG_BIN/postgres ]] || fail "no PostgreSQL 15 at $PG_BIN (install postgresql-15, or set PG_BIN)"
    if [[ $(id -u) -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
        fail "running as root but there is no 'postgres' OS user to run the server as (the postgresql-15 package creates it; or: useradd --system postgres)"
    fi
    command -v python3 >/dev/null || fail "python3 is needed to pick a free port"

    local dir port
    dir=$(mktemp -d /tmp/adloom-pg.XXXXXX)
    chmod 755 "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir"
    fi

    if ! as_server_user "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
            --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        fail "initdb failed in $dir/data (log above)"
    fi

    port=$(free_port)
    if ! as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >&2; then
        cat "$dir/server.log" >&2 || true
        fail "the server did not start on 127.0.0.1:$port (log above; data in $dir)"
    fi

    if ! as_server_user "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DATABASE" >&2; then
        as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
        fail "createdb $DATABASE failed on 127.0.0.1:$port"
    fi

    echo "export ADLOOM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/$DATABASE"
    echo "export ADLOOM_TEST_POSTGRES_DIR=$dir"
}

stop() {
    local dir=${1:-${ADLOOM_TEST_POSTGRES_DIR:-}}
    [[ -n $dir ]] || fail "stop: which server? set ADLOOM_TEST_POSTGRES_DIR or pass its folder"
    # Refuse anything this script did not create, since the folder is deleted below.
    [[ $dir == /tmp/adloom-pg.* ]] || fail "stop: $dir is not a folder made by this script"
    if [[ -f $dir/data/postmaster.pid ]]; then
        as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    fi
    rm -rf -- "$dir"
}

case "${1:-start}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) fail "usage: bash .ci/postgres.sh [start|stop [DIR]]" ;;
esac
