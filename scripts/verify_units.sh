#!/bin/sh
# Checks packaging/'s systemd units with systemd-analyze, with the programs
# where this build put them (the units name where the package installs them,
# /usr/sbin and /usr/bin). Fails on any warning as on an error.
set -eu
src=$1 bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for u in "$src"/packaging/*.service "$src"/packaging/*.timer; do
  sed "s|/usr/sbin/gridsyncd|$bin/gridsyncd|g; s|/usr/bin/gridsyncctl|$bin/gridsyncctl|g;
       s|/usr/bin/gridsync-web|$bin/gridsync-web|g" "$u" \
    >"$tmp/$(basename "$u")"
done
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$tmp"/*.service "$tmp"/*.timer 2>&1) || {
  echo "$out"
  exit 1
}
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "systemd units verified: $(ls "$tmp" | tr '\n' ' ')"
