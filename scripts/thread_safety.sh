#!/usr/bin/env bash
# Checks the lock annotations (ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED:
# absl/base/thread_annotations.h) with clang's -Wthread-safety: every source
# that includes them is compiled, syntax only, with the flags the build gave
# it (BUILD/compile_commands.json), and a warning fails the check. g++, which
# builds the programs, does not read the annotations.
#   thread_safety.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: thread_safety.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
command -v clang++ >/dev/null || { echo "thread_safety: clang++ not found (package clang)"; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "thread_safety: $build/compile_commands.json missing"; exit 1; }
mapfile -t files < <(grep -rlE 'ABSL_GUARDED_BY|ABSL_EXCLUSIVE_LOCKS_REQUIRED' \
  "$src/core" "$src/server" "$src/client_sdk" "$src/common" "$src/tools" --include='*.cc' --include='*.h' |
  sed "s#^$src/##" | sort)
[ ${#files[@]} -gt 0 ] || { echo "thread_safety: no annotated sources: the check would prove nothing"; exit 1; }
/usr/bin/python3 - "$build/compile_commands.json" "$src" "${files[@]}" <<'PY'
import json, os, shlex, subprocess, sys
db, src, files = sys.argv[1], sys.argv[2], sys.argv[3:]
commands = {os.path.relpath(e["file"], src): e for e in json.load(open(db))}
def includers(header):
    return [f for f in commands if f.endswith(".cc") and ("#include \"%s\"" % header) in open(os.path.join(src, f), errors="replace").read()]
# A header's annotations are read through its own .cc (which includes it),
# else through the first source that includes it: once is enough.
sources = set()
for f in files:
    if f.endswith(".cc"):
        sources.add(f)
    elif os.path.exists(os.path.join(src, f[:-2] + ".cc")):
        sources.add(f[:-2] + ".cc")
    else:
        sources.update(sorted(includers(f))[:1])
failed = 0
for f in sorted(sources):
    e = commands.get(f)
    if e is None:
        print("thread_safety: %s is not in the build" % f); failed += 1; continue
    args = shlex.split(e["command"]) if "command" in e else e["arguments"]
    keep, skip = [], False
    for a in args[1:]:
        if skip: skip = False; continue
        if a == "-o": skip = True; continue
        if a == "-c" or a.startswith("-fno-semantic-interposition"): continue
        keep.append(a)
    cmd = ["clang++", "-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety",
           "-Wno-unknown-warning-option"] + keep
    r = subprocess.run(cmd, cwd=e["directory"], capture_output=True, text=True)
    warnings = [l for l in r.stderr.splitlines() if "thread-safety" in l or "error:" in l]
    if r.returncode != 0:
        failed += 1
        print("\n".join(warnings[:20]) or r.stderr[-2000:])
    print("thread_safety: %s %s" % (f, "ok" if r.returncode == 0 else "FAILED"))
print("thread_safety: %d sources checked, %d failed" % (len(sources), failed))
sys.exit(1 if failed else 0)
PY
