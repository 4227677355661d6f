#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/) for a bounded time each:
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 25; scripts/test.sh runs it
#                                           so; a person runs it for longer)
# Built with clang into build-fuzz/, with ASan and UBSan. Skips cleanly, exit
# 0, where clang or its libFuzzer runtime is absent. Seeds are the text
# PushRequests in tests/fuzz/seeds/ and the tables in tests/fuzz/table_seeds/; inputs found are kept in
# build-fuzz/corpus/ across runs, crashes in build-fuzz/crash-*.
set -euo pipefail
# Under `env -i` (a service manager, a minimal container) bash has a default
# PATH but does not export it, and cmake run by name cannot find its own
# modules without it.
export PATH
cd "$(dirname "$0")/.."
secs="${1:-25}"
if ! command -v clang++ >/dev/null || ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
     clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "fuzz: clang++ with libFuzzer not found (packages clang, libclang-rt-14-dev); skipped"
  exit 0
fi
cmake -S . -B build-fuzz -DGRIDSYNC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
targets=(push_decode_fuzzer mutation_fuzzer refill_fuzzer table_file_fuzzer)
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/push" "$seeds/table"
for f in tests/fuzz/seeds/*.txtpb; do
  protoc -I proto --encode=gridsync.v1.PushRequest proto/gridsync/v1/sync_service.proto \
    <"$f" >"$seeds/push/$(basename "$f" .txtpb)" 2>/dev/null
done
# The table reader's seeds: CSVs, and a workbook made by openpyxl (shared
# strings, a date, a number) where Debian's python3-openpyxl is installed.
cp tests/fuzz/table_seeds/* "$seeds/table/"
/usr/bin/python3 - "$seeds/table/register.xlsx" <<'PY' 2>/dev/null || true
import datetime, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["person_id", "household_id", "name", "risk_level", "supervised_since"])
ws.append(["4101851", "41018510", "赵𠮷\n父", 3, datetime.date(2026, 3, 1)])
wb.save(sys.argv[1])
PY
export ASAN_OPTIONS=detect_leaks=1:detect_container_overflow=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  log=build-fuzz/$target.log
  seed_dir="$seeds/push"
  [ "$target" = table_file_fuzzer ] && seed_dir="$seeds/table"
  if ! build-fuzz/$target "$corpus" "$seed_dir" -max_total_time="$secs" -max_len=65536 \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix=build-fuzz/ >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target FAILED (log $log; the input is build-fuzz/crash-* or leak-*)"
    exit 1
  fi
  echo "fuzz: $target ran $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') inputs in ${secs} s, no crash, no sanitizer finding"
done
