#!/usr/bin/env bash
# The Debian package as a county's IT person meets it, in a clean Debian 12
# made here with debootstrap (minbase):
#   scripts/package_test.sh BUILD_DIR
#  1. the previous package (this one with an older version: the install and
#     upgrade paths are the maintainer scripts') installs with apt-get, which
#     fetches its dependencies: the gridsync user, /var/lib/gridsync/data and
#     its admin token are made, /etc/default/gridsyncd is in place;
#  2. gridsyncd started as gridsyncd.service starts it (its ExecStart, its
#     EnvironmentFile, as User=gridsync, NOTIFY_SOCKET set) says READY=1 only
#     once it answers health, and STOPPING=1 on SIGTERM, exiting 0;
#  3. data imported, the package upgraded to this one: the edited conffile and
#     the data are kept, the new release runs and finds the same data.
# Needs root (chroot) and Debian's mirror; exit 77 (skipped) when not root.
# The chroot is made once in BUILD_DIR/deb-chroot-base and copied per run.
set -euo pipefail
export PATH
build=$(cd "${1:?BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "package_test: needs root (chroot); skipped"; exit 77; }
rm -f "$build"/gridsync_*_*.deb
(cd "$build" && cpack -G DEB >"$build/package_test_cpack.log" 2>&1) ||
  { tail -20 "$build/package_test_cpack.log"; exit 1; }
deb=$(ls "$build"/gridsync_*_*.deb | head -1)
version=$(dpkg-deb -f "$deb" Version)

base=$build/deb-chroot-base
if [ ! -x "$base/usr/bin/apt-get" ]; then
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" http://deb.debian.org/debian >"$build/debootstrap.log" 2>&1 ||
    { tail -20 "$build/debootstrap.log"; exit 1; }
fi
root=$(mktemp -d /tmp/gridsync-deb.XXXXXX)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  [ -n "${KEEP_ROOT:-}" ] || rm -rf "$root"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; }

# The previous package: the same files, an older version.
prev=$root/tmp/gridsync_prev.deb
work=$(mktemp -d "$root/tmp/prev.XXXXXX")
dpkg-deb -R "$deb" "$work/pkg"
sed -i "s/^Version: .*/Version: ${version}~prev1/" "$work/pkg/DEBIAN/control"
dpkg-deb -b -Zgzip "$work/pkg" "$prev" >/dev/null
cp "$deb" "$root/tmp/gridsync_new.deb"

apt_install() {
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confold "$1" >"$build/package_test_apt.log" 2>&1 ||
    { tail -30 "$build/package_test_apt.log"; fail "apt-get install $1"; }
}
in_root apt-get update -q >/dev/null 2>&1 || fail "apt-get update in the chroot"
apt_install /tmp/gridsync_prev.deb
[ "$(in_root dpkg-query -W -f='${Version}' gridsync)" = "${version}~prev1" ] || fail "installed"
ok "the previous package installed with its dependencies"
in_root getent passwd gridsync | grep -q nologin || fail "gridsync user"
[ "$(in_root stat -c %U:%a /var/lib/gridsync)" = "gridsync:700" ] || fail "/var/lib/gridsync"
[ -s "$root/var/lib/gridsync/data/admin.token" ] || fail "no store made"
[ "$(in_root stat -c %U /var/lib/gridsync/data/admin.token)" = gridsync ] || fail "token owner"
ok "the gridsync user, /var/lib/gridsync (0700) and a store with its admin token"
for f in /usr/sbin/gridsyncd /usr/bin/gridsyncctl /usr/bin/gridsync-export /usr/bin/gridsync-web \
         /lib/systemd/system/gridsyncd.service /lib/systemd/system/gridsync-backup.timer; do
  [ -e "$root$f" ] || fail "missing $f"
done
grep -q '^Type=notify' "$root/lib/systemd/system/gridsyncd.service" || fail "Type=notify"
ok "programs and units in place; gridsyncd.service is Type=notify"

# The county's port, as an operator would set it: a free one for this test.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
web_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127.0.0.1:7443/127.0.0.1:$port/g; s/--metrics-listen 127.0.0.1:9464 //;
        s/127.0.0.1:8080/127.0.0.1:$web_port/" "$root/etc/default/gridsyncd"

# A unit's command as systemd runs it, in the background: its ExecStart with
# /etc/default/gridsyncd's variables split into words, as User=gridsync, in
# an environment of ENV only.   run_unit UNIT LOG [ENV...]
run_unit() {
  local unit=$1 log=$2 exec uid gid
  shift 2
  exec=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/$unit")
  uid=$(in_root id -u gridsync) gid=$(in_root id -g gridsync)
  # shellcheck disable=SC2086
  (set -a; . "$root/etc/default/gridsyncd"; set +a
   eval "exec chroot --userspec=$uid:$gid \"$root\" env -i $* $exec") >"$log" 2>&1 &
}

# gridsyncd as its unit starts it, with a notify socket.
start_service() {
  rm -f "$root/run/notify.sock" "$root/tmp/notify.log"
  python3 - "$root/run/notify.sock" "$root/tmp/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
import os; os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a") as log:
    for _ in range(20):
        msg = s.recv(4096).decode()
        log.write(msg.replace("\n", " ") + "\n"); log.flush()
        if "STOPPING=1" in msg: break
PY
  notify_pid=$!
  for _ in $(seq 50); do [ -S "$root/run/notify.sock" ] && break; sleep 0.1; done
  run_unit gridsyncd.service "$build/package_test_gridsyncd.log" NOTIFY_SOCKET=/run/notify.sock
  server_pid=$!
  for _ in $(seq 300); do grep -q 'READY=1' "$root/tmp/notify.log" 2>/dev/null && break; sleep 0.1; done
  grep -q 'READY=1' "$root/tmp/notify.log" 2>/dev/null ||
    { cat "$build/package_test_gridsyncd.log"; fail "no READY=1 from gridsyncd"; }
}
stop_service() {
  kill -TERM "$server_pid"
  wait "$server_pid" || fail "gridsyncd exited $? on SIGTERM"
  server_pid=
  wait "$notify_pid" || true
  grep -q 'STOPPING=1' "$root/tmp/notify.log" || fail "no STOPPING=1"
}
# The township's console as gridsync-web.service starts it (Type=simple): its
# login page answers.
check_console() {
  run_unit gridsync-web.service "$build/package_test_web.log"
  local web_pid=$! page=""
  for _ in $(seq 100); do
    page=$(curl -fsS "http://127.0.0.1:$web_port/" 2>/dev/null) && break
    sleep 0.1
  done
  kill -TERM "$web_pid"; wait "$web_pid" || true
  echo "$page" | grep -q '<html' ||
    { cat "$build/package_test_web.log"; fail "gridsync-web's page did not answer"; }
}
ctl() { in_root gridsyncctl --server "127.0.0.1:$port" --token-file /var/lib/gridsync/data/admin.token "$@"; }

start_service
[ "$(ctl health)" = SERVING ] || fail "health after READY=1"
ok "gridsyncd.service's command said READY=1 ($(grep -o 'STATUS=serving[^ ]* on port [0-9]*' "$root/tmp/notify.log" | head -1)) and answers health: SERVING"
cp "$src/../shared/data/henan-zhengzhou-dengfeng-towns.csv" "$root/tmp/towns.csv"
ctl import-org /tmp/towns.csv 2>/dev/null | grep -q '16 created' || fail "import"
stop_service
ok "16 towns imported; SIGTERM: STOPPING=1, exit 0"

apt_install /tmp/gridsync_new.deb
[ "$(in_root dpkg-query -W -f='${Version}' gridsync)" = "$version" ] || fail "upgraded"
grep -q "127.0.0.1:$port" "$root/etc/default/gridsyncd" || fail "the edited conffile was replaced"
ok "upgraded to $version; the edited /etc/default/gridsyncd kept"
[ "$(in_root gridsyncd --version)" = "gridsyncd $version" ] || fail "version after upgrade"
start_service
[ "$(ctl health)" = SERVING ] || fail "health after upgrade"
ctl import-org /tmp/towns.csv 2>/dev/null | grep -q '0 created, 0 updated, 16 unchanged' ||
  fail "the data did not survive the upgrade"
check_console
stop_service
ok "after the upgrade: READY=1, SERVING, the 16 towns still there; gridsync-web.service's command serves its page"

in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gridsync >/dev/null 2>&1 || fail "purge"
[ -s "$root/var/lib/gridsync/data/admin.token" ] || fail "purge removed the county's data"
[ ! -e "$root/etc/default/gridsyncd" ] || fail "purge left the conffile"
ok "purged: the conffile gone, the store kept"
echo "package_test: $(basename "$deb") installs, serves, upgrades and purges in Debian 12"
