#!/usr/bin/env bash
# Run by the postgres image's entrypoint once, when the data directory is empty (a later change here
# needs a fresh volume or the same statements run by hand). For each name in SERVICE_DATABASES: a login
# role and a database of that name, owned by the role and closed to every other role, so that each
# service reaches only its own tables. The role's password is read from
# ${PASSWORD_DIR:-/var/run/secrets/postgres}/<name>.password by psql itself: it appears in no
# command line and no log line.
set -euo pipefail

: "${SERVICE_DATABASES:?SERVICE_DATABASES must list the databases to create}"
password_dir=${PASSWORD_DIR:-/var/run/secrets/postgres}

for name in $SERVICE_DATABASES; do
  file="$password_dir/$name.password"
  [ -r "$file" ] || { echo "init-databases: $file is missing: the role $name needs a password" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v name="$name" -v password_file="$file" <<'SQL'
\set password `cat :'password_file'`
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
  echo "init-databases: created role and database $name" >&2
done
