#!/usr/bin/env bash
# Installs the Debian 12 packages gridsync builds with (when missing) and
# builds into build/. Safe to run again.
set -euo pipefail
# Under `env -i` (a service manager, a minimal container) bash has a default
# PATH but does not export it, and cmake run by name cannot find its own
# modules without it.
export PATH
cd "$(dirname "$0")/.."
PKGS=(g++ cmake make pkg-config libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev
      protobuf-compiler librocksdb-dev libjemalloc-dev libabsl-dev libgtest-dev libgmock-dev libssl-dev openssl
      openjdk-17-jdk-headless junit4 libprotobuf-java libpq-dev postgresql clang clang-format libclang-rt-14-dev
      python3-grpcio python3-protobuf python3-cryptography systemd libcpp-httplib-dev
      libxlsxwriter-dev python3-openpyxl chromium fonts-wqy-microhei fonts-hanazono curl
      libcli11-dev libzip-dev libexpat1-dev libsystemd-dev debootstrap proguard-cli)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# buf, from npm (@bufbuild/buf, a Go program): the tests' client that knows the
# schema only through server reflection, and the schema's lint and
# breaking-change checks. Kept in build/npm, pinned.
BUF_VERSION=1.75.0
if [ "$(build/npm/node_modules/.bin/buf --version 2>/dev/null)" != "$BUF_VERSION" ]; then
  if ! command -v npm >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
  fi
  mkdir -p build/npm
  # Node trusts its own CA list, not the system's: behind a TLS-inspecting
  # proxy (a county network, this project's machines) it must be given
  # Debian's, where the proxy's CA is installed.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  npm install --prefix build/npm --no-audit --no-fund --loglevel=error --fetch-retries=2 \
    "@bufbuild/buf@$BUF_VERSION" >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)"
