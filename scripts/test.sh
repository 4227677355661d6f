#!/usr/bin/env bash
# Builds (installing packages when missing) and runs the whole test suite.
# The export tests get a throwaway PostgreSQL server of their own on
# 127.0.0.1 (scripts/pg_sandbox.sh), unless GRIDSYNC_TEST_PG names one.
set -euo pipefail
# Under `env -i` (a service manager, a minimal container) bash has a default
# PATH but does not export it, and cmake run by name cannot find its own
# modules without it.
export PATH
cd "$(dirname "$0")/.."
root=$(pwd)
./scripts/setup.sh
./scripts/check_format.sh
# The fuzzers for a bounded time (25 s each, under two minutes in all); a
# person runs scripts/fuzz.sh SECONDS for longer.
./scripts/fuzz.sh 25
if [ -z "${GRIDSYNC_TEST_PG:-}" ]; then
  pgdir=$(mktemp -d /tmp/gridsync-pg.XXXXXX)
  trap '"$root/scripts/pg_sandbox.sh" stop "$pgdir"' EXIT
  GRIDSYNC_TEST_PG=$("$root/scripts/pg_sandbox.sh" start "$pgdir")
  export GRIDSYNC_TEST_PG
  echo "test: PostgreSQL for the export tests at $GRIDSYNC_TEST_PG"
fi
cd build
ctest --output-on-failure -j2 --timeout 600
