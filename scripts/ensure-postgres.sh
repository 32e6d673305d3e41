#!/usr/bin/env bash
# Makes sure a PostgreSQL server accepts connections, for ./test.sh (the tests create and drop a database of
# their own per test class, see io.github.microkit.testing.database.TestDatabase).
#
# - DATABASE_URL set (a JDBC URL, jdbc:postgresql://host:port/db, with DATABASE_USERNAME / DATABASE_PASSWORD):
#   that server is used as it is; we only check that it answers.
# - else the local server on 127.0.0.1:5432: started if stopped, installed with apt-get if absent and we may
#   (root or passwordless sudo); after a fresh install the postgres role's password is set to postgres (a fresh
#   Debian cluster asks for a password over TCP).
# - else it stops with a message that says how to get one.
#
# Source it (". scripts/ensure-postgres.sh") or run it; it exits non-zero when no server can be had.
set -euo pipefail

ENSURE_TAG=postgres
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# accepts_connections HOST PORT: pg_isready when the client tools are there, else an open port
accepts_connections() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2"
  else
    port_open "$1" "$2"
  fi
}

how_to_get_one() {
  cat >&2 <<'TXT'
[postgres] No PostgreSQL server could be had. Either
  - start one on 127.0.0.1:5432 whose user postgres may log in with password postgres and create databases
    (Debian/Ubuntu: sudo apt-get install -y postgresql
     && sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | tail -1) main start
     && sudo -u postgres psql -c "ALTER ROLE postgres PASSWORD 'postgres'"), or
  - point the tests at an existing server whose user may create databases:
    export DATABASE_URL=jdbc:postgresql://host:5432/postgres DATABASE_USERNAME=... DATABASE_PASSWORD=...
TXT
}

if [ -n "${DATABASE_URL:-}" ]; then
  hostport=$(echo "$DATABASE_URL" | sed -E 's#^jdbc:postgresql://([^/:?,]+)(:([0-9]+))?.*#\1 \3#')
  use_given DATABASE_URL "$hostport" 5432 server "does not accept connections" accepts_connections
fi

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -n -u postgres sh -c "$*"; fi; }

if wait_until 1 accepts_connections 127.0.0.1 5432; then
  log "server ready on 127.0.0.1:5432"
  exit 0 2>/dev/null || return 0
fi

installed_now=false
if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
  if may_apt_install; then
    apt_install postgresql # we start the cluster ourselves below
    installed_now=true
  fi
fi
if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
  give_up
fi

version=$(ls /etc/postgresql | sort -V | tail -1)
log "starting the local cluster $version/main"
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
if ! wait_until 60 accepts_connections 127.0.0.1 5432; then
  give_up "the local server did not accept connections on 127.0.0.1:5432"
fi

if [ "$installed_now" = true ]; then
  # fresh Debian clusters use scram over TCP: give the tests the documented password (ignored under trust auth)
  as_postgres "psql -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null \
    || log "could not set the postgres role's password; set it yourself if the tests cannot log in"
fi
log "server ready on 127.0.0.1:5432"
