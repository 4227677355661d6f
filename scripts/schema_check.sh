#!/usr/bin/env bash
# The schema's rules (proto/buf.yaml), with buf from npm (scripts/setup.sh):
#   scripts/schema_check.sh [BUF]
# buf lint: the protobuf API style. buf breaking: nothing a released client
# relies on changed since the newest release in api-releases/ (its .proto
# files as they were released). README, "Evolving the schema".
set -euo pipefail
export PATH
cd "$(dirname "$0")/.."
buf=$(realpath "${1:-build/npm/node_modules/.bin/buf}")
last=$(ls api-releases | sort -V | tail -1)
(cd proto && "$buf" lint)
echo "schema: buf lint: clean (STANDARD)"
"$buf" breaking proto --against "api-releases/$last"
echo "schema: buf breaking: nothing breaks a client of release $last (WIRE_JSON)"
