#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster on a Unix socket (no TCP port), so the
# library tests also run against PostgreSQL through the same SQLAlchemy URL.
# Installs Debian's postgresql when missing; if no server can be started, says so loudly
# and runs the command anyway (the PostgreSQL tests then report themselves as skipped).
set -uo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's postgresql for the library tests" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
    || { command -v sudo >/dev/null && sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null'; }
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$PGBIN" ]; then
  echo "WARNING: no PostgreSQL server available: PostgreSQL library tests will be skipped" >&2
  exec "$@"
fi
PGPORT=54330
PGDIR=$(mktemp -d /tmp/forewarn-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
cleanup() { as_pg "$PGBIN/pg_ctl -D $PGDIR/data -m fast -w stop" >/dev/null 2>&1; rm -rf "$PGDIR"; }
trap cleanup EXIT
if as_pg "$PGBIN/initdb -D $PGDIR/data -A trust -U postgres -E UTF8 --no-locale >$PGDIR/initdb.log 2>&1" \
  && as_pg "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/server.log -w -o \"-c listen_addresses='' -k $PGDIR -p $PGPORT\" start >/dev/null" \
  && as_pg "$PGBIN/psql -q -h $PGDIR -p $PGPORT -U postgres -c 'CREATE DATABASE forewarn_test'"; then
  export FOREWARN_TEST_POSTGRES_URL="postgresql+psycopg://postgres@/forewarn_test?host=$PGDIR&port=$PGPORT"
else
  echo "WARNING: could not start PostgreSQL (see $PGDIR): PostgreSQL library tests will be skipped" >&2
fi
"$@"
