#!/usr/bin/env bash
# Fails when a C, C++ or header file of the tree is not as clang-format (the
# project's .clang-format: Google style, 100 columns) would write it, naming
# the files and the command that fixes them.
set -euo pipefail
export PATH
cd "$(dirname "$0")/.."
mapfile -t files < <(find common core server client_sdk tools tests \
  \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) -type f | sort)
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "format: ${#bad[@]} files are not clang-formatted: ${bad[*]}" >&2
  echo "format: run  clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files clang-formatted (.clang-format, 100 columns)"
