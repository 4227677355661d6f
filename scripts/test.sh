#!/usr/bin/env bash
# Builds (installing packages when missing) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cd build
ctest --output-on-failure -j2 --timeout 600
