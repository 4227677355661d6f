#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (Debian's postgresql package):
#   scripts/pg_sandbox.sh start DIR   initdb in DIR, start it on 127.0.0.1 and a
#                                     free port; prints the libpq conninfo
#   scripts/pg_sandbox.sh stop DIR    stops it and removes DIR
# As root, the server runs as the postgres user (PostgreSQL refuses root).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg_sandbox: no PostgreSQL server; apt-get install postgresql" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # A free port: PostgreSQL cannot take port 0, so try random ones.
    started=""
    for _ in $(seq 1 20); do
      port=$((20000 + RANDOM % 40000))
      if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=100" start >/dev/null 2>&1; then
        started=1; break
      fi
    done
    [ -n "$started" ] || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
