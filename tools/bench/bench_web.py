#!/usr/bin/python3
"""gridsync-bench-web: the township console's budgets (issue 26), measured on
a county store (the demo's, by default demo-data/store; run ./scripts/demo.sh
first), printed as figures:

  1. a town's and the county's main page ready (data shown) in headless
     chromium, from navigation to the ranked table: first (the report built)
     and again (cached until a change);
  2. the console's scripts and styles, compressed as served (gzip);
  3. N office users (default 50, a town office login each, spread over the
     county's towns) each with the page open (its event stream) refreshing
     the overview every 10 s for a while, with a phone pushing a visit every
     2 s: gridsyncd's CPU over that time as a share of one core, and
     gridsync-web's.

The store is copied first; nothing in it changes.

usage: bench_web.py [--store DIR] [--build DIR] [--users N] [--seconds S]
"""
import argparse
import gzip
import http.cookiejar
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "web"))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
sys.dont_write_bytecode = True
import cdp  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_port(path, proc, what):
    for _ in range(600):
        if os.path.exists(path) and open(path).read().strip():
            return int(open(path).read())
        if proc.poll() is not None:
            sys.exit("%s did not start" % what)
        time.sleep(0.05)
    sys.exit("%s did not start in 30 s" % what)


class Session:
    def __init__(self, base, name, password):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        body = urllib.parse.urlencode({"name": name, "password": password}).encode()
        self.opener.open(base + "/api/login", body, timeout=60).read()

    def get(self, path, timeout=60):
        return self.opener.open(self.base + path, timeout=timeout).read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default=os.path.join(ROOT, "demo-data", "store"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--month", default="")
    ap.add_argument("--perf", action="store_true", help="perf record gridsyncd during step 3")
    args = ap.parse_args()
    if not os.path.isdir(args.store):
        sys.exit("no store at %s: run ./scripts/demo.sh first, or give --store" % args.store)
    B = args.build
    scratch = tempfile.mkdtemp(prefix="gridsync-bench-web-")
    procs = []
    try:
        store = os.path.join(scratch, "store")
        shutil.copytree(args.store, store)
        token_file = os.path.join(store, "admin.token")
        d = subprocess.Popen([os.path.join(B, "gridsyncd"), "--data", store, "--listen", "127.0.0.1:0",
                              "--port-file", os.path.join(scratch, "port")],
                             stderr=open(os.path.join(scratch, "gridsyncd.log"), "w"))
        procs.append(d)
        addr = "127.0.0.1:%d" % wait_port(os.path.join(scratch, "port"), d, "gridsyncd")
        ctl = [os.path.join(B, "gridsyncctl"), "--server", addr, "--token-file", token_file]
        subprocess.run(ctl + ["wait-ready", "--timeout", "30"], check=True, capture_output=True)
        import grpc
        import wire_harness as h
        out = os.path.join(scratch, "py")
        os.mkdir(out)
        h.make_stubs(os.path.join(ROOT, "proto"), out)
        from gridsync.v1 import admin_service_pb2 as admin
        from gridsync.v1 import common_pb2 as common
        from gridsync.v1 import coverage_service_pb2 as coverage
        from gridsync.v1 import mutation_pb2 as mutation
        from gridsync.v1 import records_pb2 as records
        from gridsync.v1 import registry_pb2 as registry
        from gridsync.v1 import sync_service_pb2 as sync
        ch = grpc.insecure_channel(addr)
        admin_md = [("authorization", "Bearer " + open(token_file).read().strip())]

        def rpc(method, req, resp, md=admin_md):
            return ch.unary_unary(method, request_serializer=lambda m: m.SerializeToString(),
                                  response_deserializer=resp.FromString)(req, metadata=md, timeout=60)

        def units(scope, level):
            return [u.code for u in rpc("/gridsync.v1.CoverageService/ListScopeUnits",
                                        coverage.ListScopeUnitsRequest(scope_code=scope, level=level),
                                        coverage.ListScopeUnitsResponse).org_units]
        towns = units("410185000000", common.ORG_LEVEL_TOWN)
        web_data = os.path.join(scratch, "web")
        logins = [("镇%02d" % i, towns[i % len(towns)]) for i in range(args.users)]
        logins.append(("县里", "410185000000"))
        t0 = time.time()
        for name, scope in logins:
            code = subprocess.run(ctl + ["console-user", "--name", name, "--scope", scope], check=True,
                                  capture_output=True, text=True).stdout.strip()
            subprocess.run([os.path.join(B, "gridsync-web"), "activate", "--server", addr, "--data", web_data,
                            "--name", name, "--code", code], input="bench-password\n", check=True,
                           capture_output=True, text=True)
        print("activated %d logins over %d towns and the county in %.1f s" %
              (len(logins), len(set(s for _, s in logins)) - 1, time.time() - t0))
        w = subprocess.Popen([os.path.join(B, "gridsync-web"), "--server", addr, "--listen", "127.0.0.1:0",
                              "--data", web_data, "--port-file", os.path.join(scratch, "web.port")],
                             stderr=open(os.path.join(scratch, "web.log"), "w"))
        procs.append(w)
        base = "http://127.0.0.1:%d" % wait_port(os.path.join(scratch, "web.port"), w, "gridsync-web")
        month = args.month or time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))

        # 1. Pages ready in a real browser.
        b = cdp.Browser()
        try:
            for name, label in (("镇00", "a town"), ("县里", "the county")):
                b.goto(base + "/")
                b.wait("!!document.querySelector('#login-form')")
                b.eval("""(() => { const f = document.querySelector('#login-form');
                    f.name.value = %r; f.password.value = 'bench-password'; f.requestSubmit(); })()""" % name)
                b.wait("!!document.querySelector('#rank tbody tr')", timeout=60)
                for run in ("first", "again"):
                    b.goto("about:blank")
                    t = time.time()
                    b.goto(base + "/#/overview?month=" + month)
                    b.wait("!!document.querySelector('#rank tbody tr')", timeout=60)
                    rows = b.eval("document.querySelectorAll('#rank tbody tr').length")
                    print("%s's main page ready (%s, %d units ranked): %.0f ms" %
                          (label, run, rows, (time.time() - t) * 1000))
                    if run == "first":
                        pass
                b.eval("document.querySelector('#logout').click()")
                b.wait("!!document.querySelector('#login-form')")
        finally:
            b.close()

        # 2. Scripts and styles, compressed as served.
        total = 0
        for path in ("/", "/static/app.js", "/static/app.css"):
            req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
            r = urllib.request.urlopen(req, timeout=30)
            body = r.read()
            enc = r.headers.get("Content-Encoding", "")
            size = len(body) if enc == "gzip" else len(gzip.compress(body))
            total += size
            print("  %-16s %6d bytes %s" % (path, size, "(gzip as served)" if enc else "(gzip'd here)"))
        print("the console's page, scripts and styles: %.1f KB compressed" % (total / 1024), flush=True)

        # 3. N users refreshing every 10 s, a phone pushing a visit every 2 s.
        sessions = [Session(base, name, "bench-password") for name, _ in logins[:args.users]]
        for s in sessions:
            s.get("/view/overview?month=" + month, timeout=120)  # each office's first report
        stop = threading.Event()
        times = []
        lock = threading.Lock()

        def user(s, offset):
            time.sleep(offset)
            while not stop.is_set():
                t = time.time()
                s.get("/view/overview?month=" + month, timeout=120)
                with lock:
                    times.append(time.time() - t)
                stop.wait(10)

        def events(s):
            try:
                s.opener.open(base + "/api/events", timeout=args.seconds + 30).read()
            except Exception:
                pass

        def phone():
            grid = units(towns[0], common.ORG_LEVEL_GRID)[0]
            enr = rpc("/gridsync.v1.AdminService/EnrollDevice",
                      admin.EnrollDeviceRequest(role=registry.ROLE_GRID_WORKER, scope_codes=[grid],
                                                holder="压测"), admin.EnrollDeviceResponse)
            hh = rpc("/gridsync.v1.AdminService/ListHouseholds", admin.ListHouseholdsRequest(grid_code=grid),
                     admin.ListHouseholdsResponse).households
            n = 0
            while not stop.is_set():
                n += 1
                now = int(time.time() * 1000)
                c = mutation.CreateRecord(subject_id=hh[n % len(hh)].household_id)
                c.fields.add(field="visited_at_ms").value.int_value = now
                c.fields.add(field="talked_with_household").value.bool_value = True
                m = mutation.Mutation(device_seq=n, record_id="01K%023d" % n,
                                      kind=records.RECORD_KIND_VISIT, grid_code=grid, hlc=now << 16, create=c)
                r = rpc("/gridsync.v1.SyncService/Push", sync.PushRequest(mutations=[m]), sync.PushResponse,
                        [("authorization", "Bearer " + enr.token)])
                pushed[0] += sum(x.outcome == sync.MUTATION_OUTCOME_APPLIED for x in r.results)
                stop.wait(2)

        pushed = [0]
        threads = [threading.Thread(target=events, args=(s,), daemon=True) for s in sessions]
        threads += [threading.Thread(target=user, args=(s, 10.0 * i / len(sessions)), daemon=True)
                    for i, s in enumerate(sessions)]
        threads.append(threading.Thread(target=phone, daemon=True))
        perf = None
        if args.perf:
            perf = subprocess.Popen(["perf", "record", "-g", "-p", str(d.pid), "-o",
                                     os.path.join(ROOT, "build", "bench_web.perf"), "--", "sleep",
                                     str(args.seconds)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        d0, w0, t0 = cpu_seconds(d.pid), cpu_seconds(w.pid), time.time()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        d1, w1, t1 = cpu_seconds(d.pid), cpu_seconds(w.pid), time.time()
        if perf is not None:
            perf.wait(timeout=120)
        stop.set()
        times.sort()
        print("%d office users refreshing every 10 s for %.0f s, a visit pushed every 2 s:" %
              (len(sessions), t1 - t0))
        print("  visits pushed and applied: %d" % pushed[0], flush=True)
        print("  refreshes: %d, median %.0f ms, p95 %.0f ms" %
              (len(times), 1000 * times[len(times) // 2] if times else 0,
               1000 * times[int(len(times) * 0.95)] if times else 0))
        print("  gridsyncd CPU: %.1f%% of one core" % (100 * (d1 - d0) / (t1 - t0)), flush=True)
        print("  gridsync-web CPU: %.1f%% of one core" % (100 * (w1 - w0) / (t1 - t0)), flush=True)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
