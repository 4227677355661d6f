#!/usr/bin/python3
"""Every service gridsyncd lists through server reflection can be called by a
client that knows the schema only from reflection: buf curl, a Go program
(npm @bufbuild/buf), as grpcurl-style checks and load balancers use it.

usage: reflection_test.py BUF GRIDSYNCD

Each listed method is called with an empty message: the answer must be the
method's own (a response, or a status such as UNAUTHENTICATED from gridsync's
edge), never "failed to find service" from a schema reflection cannot give.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

BUF, GRIDSYNCD = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def curl(url, *args, timeout=20):
    """buf curl's stdout and stderr; a stream still open at `timeout` is cut."""
    cmd = [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args, url]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() + (e.stderr or b"").decode()
        return None, out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "store")
        subprocess.run([GRIDSYNCD, "init", "--data", data], check=True, capture_output=True)
        port_file = os.path.join(tmp, "port")
        log = open(os.path.join(tmp, "log"), "w")
        server = subprocess.Popen([GRIDSYNCD, "--data", data, "--listen", "127.0.0.1:0",
                                   "--port-file", port_file], stdout=log, stderr=log)
        try:
            for _ in range(300):
                if os.path.exists(port_file):
                    break
                time.sleep(0.1)
            base = "http://127.0.0.1:%s" % open(port_file).read().strip()
            run(base, open(os.path.join(data, "admin.token")).read().strip())
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("reflection: %d failures" % len(failures))
    sys.exit(1 if failures else 0)


def run(base, admin_token):
    code, out = curl(base, "--list-methods")
    methods = out.split()
    check(code == 0 and len(methods) >= 30, "%d methods listed through reflection" % len(methods))
    services = sorted({m.split("/")[0] for m in methods})
    for s in ["grpc.health.v1.Health", "gridsync.v1.SyncService", "gridsync.v1.FeedService",
              "gridsync.v1.AdminService", "gridsync.v1.CoverageService",
              "gridsync.v1.BlobService"]:
        check(s in services, "%s listed" % s)
    for m in methods:
        if m.startswith("grpc.reflection."):
            continue  # the reflection stream itself: what buf curl just used
        code, out = curl(base + "/" + m, "-d", "{}", timeout=5)
        check(out.strip() != "" and "failed to find" not in out,
              "%s callable (%s)" % (m, out.strip().replace("\n", " ")[:90]))
    code, out = curl(base + "/grpc.health.v1.Health/Check", "-d", "{}")
    check(code == 0 and json.loads(out).get("status") == "SERVING", "Health/Check: SERVING")
    code, out = curl(base + "/grpc.health.v1.Health/Watch", "-d", "{}", timeout=3)
    check('"SERVING"' in out, "Health/Watch streams SERVING")
    code, out = curl(base + "/gridsync.v1.SyncService/Pull", "-d", "{}")
    check(code != 0 and '"unauthenticated"' in out, "Pull without a token: unauthenticated")
    code, out = curl(base + "/gridsync.v1.AdminService/GetStats", "-d", "{}",
                     "-H", "authorization: Bearer " + admin_token)
    check(code == 0 and json.loads(out).get("devices") == "1",
          "AdminService/GetStats with the admin token, answered in JSON from reflection")


if __name__ == "__main__":
    main()
