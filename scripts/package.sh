#!/usr/bin/env bash
# Builds the Debian package of the county server and its tools into build/:
#   scripts/package.sh        (after scripts/setup.sh)  -> build/gridsync_VERSION_ARCH.deb
# (cpack never builds: CMAKE_SKIP_INSTALL_ALL_DEPENDENCY). Install it with
#   sudo apt-get install ./build/gridsync_*.deb
set -euo pipefail
export PATH
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)" >/dev/null
(cd build && cpack -G DEB >/dev/null)
ls build/gridsync_*.deb
