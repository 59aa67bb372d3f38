#!/usr/bin/env bash
# A private PostgreSQL server on loopback for the tests of the shared store: started as the
# `postgres` user (the server refuses root) in a temporary folder, listening on 127.0.0.1
# only, on a free port; the machine's own cluster is left alone. Its administrator
# `subdesk` (the tests' own) logs in without a password; every other user needs its
# password, as on a real server, so that a test can tell a password used from one ignored.
#
# Sourced: `postgres_start` exports SUBDESK_TEST_POSTGRES_URL, `postgres_stop` stops the
# server and removes its folder. Run directly, it starts one, prints the URL and waits
# (Ctrl-C stops it) — for trying the shared store by hand.

postgres_bin() {
  local initdb
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
  [ -n "$initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
  dirname "$initdb"
}

postgres_free_port() {
  local p
  for p in $(seq 55432 55532); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

postgres_start() {
  local bin port
  bin=$(postgres_bin) || return 1
  port=$(postgres_free_port) || { echo "no free port for PostgreSQL" >&2; return 1; }
  SUBDESK_TEST_POSTGRES_DIR=$(mktemp -d)
  local as_postgres=(bash -c)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$SUBDESK_TEST_POSTGRES_DIR"
    as_postgres=(su postgres -s /bin/bash -c)
  fi
  "${as_postgres[@]}" "'$bin/initdb' -D '$SUBDESK_TEST_POSTGRES_DIR/data' -A trust -U subdesk >/dev/null &&
    printf '%s\n' 'local all all trust' 'host all subdesk 127.0.0.1/32 trust' 'host all all 127.0.0.1/32 scram-sha-256' \
      > '$SUBDESK_TEST_POSTGRES_DIR/data/pg_hba.conf' &&
    '$bin/pg_ctl' -D '$SUBDESK_TEST_POSTGRES_DIR/data' -l '$SUBDESK_TEST_POSTGRES_DIR/log' -w \
      -o \"-k '$SUBDESK_TEST_POSTGRES_DIR' -c listen_addresses=127.0.0.1 -p $port -c max_connections=200 -c fsync=off\" start >/dev/null" ||
    { cat "$SUBDESK_TEST_POSTGRES_DIR/log" >&2 2>/dev/null; return 1; }
  export SUBDESK_TEST_POSTGRES_DIR
  export SUBDESK_TEST_POSTGRES_URL="postgres://subdesk@127.0.0.1:$port/postgres"
  echo "PostgreSQL on loopback: $SUBDESK_TEST_POSTGRES_URL"
}

postgres_stop() {
  [ -n "${SUBDESK_TEST_POSTGRES_DIR:-}" ] || return 0
  local bin
  bin=$(postgres_bin) || return 0
  local as_postgres=(su postgres -s /bin/bash -c)
  [ "$(id -u)" -eq 0 ] || as_postgres=(bash -c)
  "${as_postgres[@]}" "'$bin/pg_ctl' -D '$SUBDESK_TEST_POSTGRES_DIR/data' -m fast stop >/dev/null" || true
  rm -rf "$SUBDESK_TEST_POSTGRES_DIR"
  unset SUBDESK_TEST_POSTGRES_DIR SUBDESK_TEST_POSTGRES_URL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  postgres_start
  trap postgres_stop EXIT
  echo "Ctrl-C stops it."
  sleep infinity
fi
