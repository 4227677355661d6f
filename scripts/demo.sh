#!/usr/bin/env bash
# The demo: a fresh gridsyncd on an embedded RocksDB in demo-data/, the real
# towns and villages of 登封市 (Dengfeng, Henan) from shared/data, the weeks
# of grid work before today, a worker's day and a secretary's village on
# their phones, and last month's assessment report.
set -euo pipefail
# Under `env -i` (a service manager, a minimal container) bash has a default
# PATH but does not export it, and cmake run by name cannot find its own
# modules without it.
export PATH
cd "$(dirname "$0")/.."
B=build
DATA=demo-data
CSV=../shared/data/henan-zhengzhou-dengfeng.csv
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
"$B/gridsync-demo" --server "$ADDR" --token-file "$TOKEN" --phones "$DATA/phones"
# Last month in China time (UTC+8), whatever the machine's time zone.
LAST=$(date -u -d "$(date -u -d '+8 hours' +%Y-%m-01) -1 day" +%Y-%m)
echo
echo "== last month's assessment report (gridsyncctl report --month $LAST), made after it closed"
"$B/gridsyncctl" --server "$ADDR" --token-file "$TOKEN" report --scope 410185000000 \
  --month "$LAST" --out "$DATA/report-410185000000-$LAST.html"

# The township's console on the demo's data: a login for 大金店镇's office
# and one for the county, activated as a person would on the login page.
echo
echo "== the township's console (gridsync-web)"
PASSWORD=gridsync-demo
for who in "王芳 410185100000" "李明 410185000000"; do
  set -- $who
  CODE=$("$B/gridsyncctl" --server "$ADDR" --token-file "$TOKEN" console-user --name "$1" --scope "$2" 2>/dev/null)
  echo "$PASSWORD" | "$B/gridsync-web" activate --server "$ADDR" --data "$DATA/web" --name "$1" --code "$CODE"
done
"$B/gridsync-web" --server "$ADDR" --listen 127.0.0.1:0 --data "$DATA/web" --port-file "$DATA/web.port" \
  2>"$DATA/web.log" &
WEB=$!
trap 'kill $WEB $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DATA/web.port" ] && break; kill -0 $WEB 2>/dev/null || break; sleep 0.1; done
[ -s "$DATA/web.port" ] || { echo "gridsync-web did not start:"; cat "$DATA/web.log"; exit 1; }
URL="http://127.0.0.1:$(cat "$DATA/web.port")"
JAR=$(mktemp)
curl -sf -c "$JAR" --data-urlencode "name=王芳" --data-urlencode "password=$PASSWORD" "$URL/api/login" >/dev/null
ROWS=$(curl -sf -b "$JAR" "$URL/view/overview?month=$LAST" | grep -o '<tr data-code=' | wc -l)
rm -f "$JAR"
echo "console at $URL/#/overview?month=$LAST: 大金店镇 ranks $ROWS villages for $LAST"
echo "  log in as 王芳 (大金店镇综治中心) or 李明 (county), password $PASSWORD"
if [ -t 0 ] && [ -z "${CI:-}" ]; then
  read -r -p "  the console serves until you press Enter " _ || true
fi
kill -TERM $WEB
wait $WEB || true
kill -TERM $PID
wait $PID
trap - EXIT
echo "gridsyncd drained and stopped (exit 0)"
