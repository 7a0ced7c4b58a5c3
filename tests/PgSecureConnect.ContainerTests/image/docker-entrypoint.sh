#!/bin/sh
# Entrypoint of the locally built PostgreSQL image (build-image.sh). It keeps the parts of the official image's
# contract that Testcontainers.PostgreSql and these tests rely on (docker-library/postgres, docker-entrypoint.sh):
# - arguments that start with '-' are options for `postgres` (`-c fsync=off`, `-c ssl=on` ...);
# - started as root, it prepares PGDATA and the socket directory, then re-runs itself as `postgres`;
# - on first start, initdb with POSTGRES_USER (default postgres) and POSTGRES_PASSWORD (required unless
#   POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_INITDB_ARGS, then POSTGRES_DB (default: the user name) is created;
# - the server listens on all addresses and pg_hba.conf ends with `host all all all scram-sha-256`;
# - the server that answers `pg_isready --host localhost` is the final one: the database is created in single-user
#   mode, never by a temporary server on TCP (Testcontainers' wait strategy runs exactly that pg_isready).
# - `docker stop` ends the server with a fast shutdown (SIGINT), as the official image's STOPSIGNAL does.
# Not kept: /docker-entrypoint-initdb.d scripts, POSTGRES_INITDB_WALDIR, Docker secrets (*_FILE variables).
set -eu

if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo "error: POSTGRES_PASSWORD is not set; set it (or POSTGRES_HOST_AUTH_METHOD=trust, for tests only)" >&2
    exit 1
  fi

  user="${POSTGRES_USER:-postgres}"
  database="${POSTGRES_DB:-$user}"
  password_file="/tmp/pgsecure-initdb-password.$$"
  (umask 077 && printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$password_file")
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
  initdb --username="$user" --pwfile="$password_file" --auth-local=trust --auth-host="$auth" \
    --locale=C --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA" > /dev/null
  rm -f "$password_file"

  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  # jit=off: the image leaves out llvmjit (and its 100 MB LLVM library).
  printf "\nlisten_addresses = '*'\njit = off\n" >> "$PGDATA/postgresql.conf"

  if [ "$database" != postgres ]; then
    quoted=$(printf '%s' "$database" | sed 's/"/""/g')
    printf 'CREATE DATABASE "%s";\n' "$quoted" | postgres --single -D "$PGDATA" -c listen_addresses='' postgres > /dev/null
  fi

  echo "PostgreSQL init process complete; ready for start up."
fi

if [ "$1" = postgres ]; then
  # The official image stops with SIGINT (fast shutdown: sessions are ended); `docker import` cannot set STOPSIGNAL,
  # so the SIGTERM of `docker stop` is passed on as SIGINT.
  "$@" &
  server=$!
  trap 'kill -INT "$server" 2>/dev/null || true' TERM INT
  status=0
  wait "$server" || status=$?
  while kill -0 "$server" 2>/dev/null; do
    wait "$server" || status=$?
  done
  exit "$status"
fi

exec "$@"
