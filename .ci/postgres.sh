#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the storage tests and print its SQLAlchemy URL.
#
# Usage (as root, Debian 12):
#   export JOBMATCH_TEST_POSTGRES_URL=$(bash .ci/postgres.sh)
#   .venv/bin/pytest tests/test_storage.py
#
# Installs the `postgresql` Debian package if no server binaries are present, creates a cluster
# in a scratch folder (fsync off: for tests only), serves it on 127.0.0.1 only, and creates a
# test user and database. Idempotent: a second run reuses the running server.
# The only line written to stdout is the URL; everything else goes to stderr.
#
# Environment (all optional):
#   JOBMATCH_PG_DIR   data folder, default /tmp/jobmatch-postgres
#   JOBMATCH_PG_PORT  TCP port, default 55432
#   JOBMATCH_PG_USER / JOBMATCH_PG_PASSWORD / JOBMATCH_PG_DB
#                     default jobmatch / jobmatch / jobmatch_test
set -euo pipefail
exec 3>&1 1>&2  # keep stdout for the URL alone

PGDIR=${JOBMATCH_PG_DIR:-/tmp/jobmatch-postgres}
PORT=${JOBMATCH_PG_PORT:-55432}
DB_USER=${JOBMATCH_PG_USER:-jobmatch}
DB_PASSWORD=${JOBMATCH_PG_PASSWORD:-jobmatch}
DB_NAME=${JOBMATCH_PG_DB:-jobmatch_test}

if [[ $(id -u) -ne 0 ]]; then
    echo "postgres.sh: run as root (it installs packages and switches to the postgres user)" >&2
    exit 1
fi

find_bin() {
    find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null \
        | sort -V | tail -n 1 || true
}

PG_BIN=$(find_bin)
if [[ -z $PG_BIN || ! -x $PG_BIN/pg_ctl ]]; then
    echo "postgres.sh: installing the postgresql package..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql
    PG_BIN=$(find_bin)
fi

# pgvector (the batch jobs' optional vector store) where Debian packages it for this server
# (not for Debian 12's PostgreSQL 15: there its tests skip).
PG_MAJOR=$(basename "$(dirname "$PG_BIN")")
if [[ ! -f /usr/share/postgresql/$PG_MAJOR/extension/vector.control ]] \
    && apt-cache show "postgresql-$PG_MAJOR-pgvector" >/dev/null 2>&1; then
    echo "postgres.sh: installing postgresql-$PG_MAJOR-pgvector..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_MAJOR-pgvector" \
        || echo "postgres.sh: pgvector could not be installed: its tests will skip" >&2
fi

as_postgres() {
    runuser -u postgres -- "$@"
}

if [[ ! -f $PGDIR/PG_VERSION ]]; then
    echo "postgres.sh: creating a cluster in $PGDIR" >&2
    mkdir -p "$PGDIR"
    chown postgres:postgres "$PGDIR"
    chmod 700 "$PGDIR"
    as_postgres "$PG_BIN/initdb" -D "$PGDIR" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
fi

if as_postgres "$PG_BIN/pg_ctl" status -D "$PGDIR" >/dev/null 2>&1; then
    echo "postgres.sh: server already running in $PGDIR" >&2
else
    echo "postgres.sh: starting the server on 127.0.0.1:$PORT" >&2
    # The server outlives this script: it must not inherit the caller's pipes (our stdout,
    # captured by $(...), or any other open descriptor), or the caller would wait forever.
    (
        for fd in "/proc/$BASHPID/fd"/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-"; fi
        done
        exec runuser -u postgres -- "$PG_BIN/pg_ctl" start -D "$PGDIR" -l "$PGDIR/server.log" \
            -w -t 60 -o "-c listen_addresses=127.0.0.1 -c port=$PORT \
            -c unix_socket_directories=$PGDIR -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off" </dev/null >/dev/null
    ) || { tail -n 20 "$PGDIR/server.log" >&2; exit 1; }
fi

PORT=$(sed -n 4p "$PGDIR/postmaster.pid")  # the running server's port, whoever started it

# Role and database, created once; the password is (re)set every time.
as_postgres "$PG_BIN/psql" -h "$PGDIR" -p "$PORT" -d postgres -q -v ON_ERROR_STOP=1 \
    -v user="$DB_USER" -v password="$DB_PASSWORD" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'user', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL

# A superuser creates pgvector in the test database when the server has it (it is not a
# trusted extension: the test user may not).
as_postgres "$PG_BIN/psql" -h "$PGDIR" -p "$PORT" -d "$DB_NAME" -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE EXTENSION IF NOT EXISTS vector'
WHERE EXISTS (SELECT FROM pg_available_extensions WHERE name = 'vector') \gexec
SQL

echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME" >&3
