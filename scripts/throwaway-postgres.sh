#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's `postgresql` package) in a
# temp folder on a free port, and prints the admin URL on stdout.
#   url=$(scripts/throwaway-postgres.sh start DIR)   # DIR will be created
#   scripts/throwaway-postgres.sh stop DIR
#   scripts/throwaway-postgres.sh down DIR   # the server stopped (fast shutdown), its data kept
#   scripts/throwaway-postgres.sh up DIR     # started again, same data and port
set -euo pipefail

usage="usage: throwaway-postgres.sh start|stop|down|up DIR"
cmd=${1:?$usage}
dir=${2:?$usage}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries not found: install Debian's 'postgresql' package" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: run it as the 'postgres' system user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

serve() {
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    serve "$port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  down)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  up)
    serve "$(cat "$dir/port")"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
