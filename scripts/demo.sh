#!/usr/bin/env bash
# The demo: a fresh gridsyncd on an embedded RocksDB in demo-data/, the org
# data of 登封市 (Dengfeng, Henan) from shared/data, a day of grid work.
set -euo pipefail
# Under `env -i` (a service manager, a minimal container) bash has a default
# PATH but does not export it, and cmake run by name cannot find its own
# modules without it.
export PATH
cd "$(dirname "$0")/.."
B=build
DATA=demo-data
CSV=../shared/data/henan-zhengzhou-dengfeng-towns.csv
rm -rf "$DATA" && mkdir -p "$DATA"
"$B/gridsyncd" init --data "$DATA/store" >/dev/null 2>>"$DATA/gridsyncd.log"
"$B/gridsyncd" --data "$DATA/store" --listen 127.0.0.1:0 --port-file "$DATA/port" 2>"$DATA/gridsyncd.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DATA/port" ] && break; kill -0 $PID 2>/dev/null || break; sleep 0.1; done
[ -s "$DATA/port" ] || { echo "gridsyncd did not start:"; cat "$DATA/gridsyncd.log"; exit 1; }
ADDR="127.0.0.1:$(cat "$DATA/port")"
TOKEN="$DATA/store/admin.token"
echo "gridsyncd listening on $ADDR, data in $DATA/store (log: $DATA/gridsyncd.log)"
"$B/gridsyncctl" --server "$ADDR" wait-ready --timeout 10
"$B/gridsyncctl" --server "$ADDR" --token-file "$TOKEN" import-org "$CSV"
"$B/gridsync-demo" --server "$ADDR" --token-file "$TOKEN"
echo
echo "== the month's assessment report (gridsyncctl report)"
"$B/gridsyncctl" --server "$ADDR" --token-file "$TOKEN" report --county 410185000000 \
  --out "$DATA/report-410185000000.html"
kill -TERM $PID
wait $PID
trap - EXIT
echo "gridsyncd drained and stopped (exit 0)"
