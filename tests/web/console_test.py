#!/usr/bin/python3
"""The township's console (gridsync-web) in a real browser: Debian's
chromium, headless, driven over the DevTools protocol (cdp.py), against a
real gridsyncd and a phone on the command line (gridsync-phone).

A town office's person activates her login with the code gridsyncctl
console-user printed and logs in; every village's figures on the overview
equal `gridsyncctl coverage --json` for that village; she drills down to a
village and a worker; a note holding <script> shows as text; she approves a
phone's proposal and the household leaves the unvisited list; a figure
changes on the open page when a phone pushes a visit; the .xlsx downloads
and reads back; the 通报 prints to PDF on A4 with a Chinese font; another
town's village is refused by gridsyncd; a POST without the CSRF token is
refused; logout ends the session. A screenshot of each main page goes to
SHOTS_DIR.

usage: console_test.py BUILD_DIR PROTO_DIR SHOTS_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "server"))
try:
    import grpc  # noqa: F401
except ImportError:
    print("console_test: python3-grpcio is not installed (scripts/setup.sh installs it); skipped")
    sys.exit(0)
if not os.path.exists("/usr/bin/chromium"):
    print("console_test: chromium is not installed (scripts/setup.sh installs it); skipped")
    sys.exit(0)
import cdp
import wire_harness as h
from wire_harness import check

BUILD, PROTO_DIR, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
CTL = os.path.join(BUILD, "gridsyncctl")
PHONE = os.path.join(BUILD, "gridsync-phone")
WEB = os.path.join(BUILD, "gridsync-web")
READ_XLSX = os.path.join(HERE, "..", "tools", "read_xlsx.py")

COUNTY = "410185000000"
TOWN_A, TOWN_B = "410185100000", "410185101000"
VILLAGES_A = ["410185100201", "410185100202", "410185100203"]
VILLAGE_B = "410185101201"
SCRIPT_NOTE = "<script>alert('x')</script> 𠮷 家门口"


def png(width, height):
    """A small red PNG, made without an imaging library."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kw)


srv = web = browser = None
scratch = tempfile.mkdtemp(prefix="gridsync-web-test-")
os.chmod(scratch, 0o700)
try:
    srv = h.Server(os.path.join(BUILD, "gridsyncd"), PROTO_DIR)
    from gridsync.v1 import admin_service_pb2 as admin
    from gridsync.v1 import common_pb2 as common
    from gridsync.v1 import feed_service_pb2 as feed
    from gridsync.v1 import mutation_pb2 as mutation
    from gridsync.v1 import records_pb2 as records
    from gridsync.v1 import sync_service_pb2 as sync
    from gridsync.v1 import registry_pb2 as registry

    port = int(open(os.path.join(srv.scratch, "port")).read())
    addr = "127.0.0.1:%d" % port
    token_file = os.path.join(srv.data, "admin.token")

    # The registry: two towns of 登封市, three villages in the first, one
    # grid each with five households and a supervised person.
    reg = admin.ImportRegistryRequest()
    units = [(COUNTY, "登封市", common.ORG_LEVEL_COUNTY, ""),
             (TOWN_A, "大金店镇", common.ORG_LEVEL_TOWN, COUNTY),
             (TOWN_B, "颍阳镇", common.ORG_LEVEL_TOWN, COUNTY)]
    names = {VILLAGES_A[0]: "大金店村", VILLAGES_A[1]: "𡒄庄村", VILLAGES_A[2]: "老庄村",
             VILLAGE_B: "颍阳村"}
    for v, n in names.items():
        town = TOWN_B if v == VILLAGE_B else TOWN_A
        units += [(v, n, common.ORG_LEVEL_VILLAGE, town),
                  (v + "001", n + "第一网格", common.ORG_LEVEL_GRID, v)]
    for code, name, level, parent in units:
        reg.org_units.add(code=code, name=name, level=level, parent_code=parent)
    for v in names:
        g = v + "001"
        for n in range(1, 6):
            reg.households.add(household_id="%s%04d" % (g, n), grid_code=g,
                               address="%s %d 号" % (names[v], n), head_name="张𠮷%d" % n)
        reg.persons.add(person_id="%s%04d01" % (g, 1), household_id="%s%04d" % (g, 1),
                        name="李𡒄", category=records.PERSON_CATEGORY_COMMUNITY_CORRECTIONS,
                        risk_level=1)
    r = srv.call("/gridsync.v1.AdminService/ImportRegistry", reg, admin.ImportRegistryResponse,
                 srv.admin_token)
    check("the registry imports", len(r.rejections) == 0, r.rejections)

    # A grid worker's phone in the first village: two visits, one with a
    # note an attacker would like run, and a proposal that a household left.
    grid1 = VILLAGES_A[0] + "001"
    worker = srv.call("/gridsync.v1.AdminService/EnrollDevice",
                      admin.EnrollDeviceRequest(role=registry.ROLE_GRID_WORKER,
                                                scope_codes=[grid1], holder="赵𠮷"),
                      admin.EnrollDeviceResponse, srv.admin_token)
    worker_token = os.path.join(scratch, "worker.token")
    with open(worker_token, "w") as f:
        f.write(worker.token)
    os.chmod(worker_token, 0o600)
    phone = [PHONE, "--data", os.path.join(scratch, "phone"), "--server", addr, "--device",
             worker.device_id, "--token-file", worker_token, "--holder", "赵𠮷"]
    run(phone + ["sync"])
    photo = os.path.join(scratch, "door.png")
    with open(photo, "wb") as f:
        f.write(png(40, 30))
    visit_id = run(phone + ["visit", "--household", grid1 + "0002", "--notes", SCRIPT_NOTE,
                            "--photo", photo]).stdout.split()[-1]
    run(phone + ["visit", "--household", grid1 + "0003"])
    moved = grid1 + "0005"
    run(phone + ["propose", "moved-out", "--household", moved, "--reason", "全家外出务工, 已迁出"])
    # 排查整治: a spot the worker listed, its problem written to run in a browser.
    run(phone + ["trouble-spot", "--place", "𠮷家巷口", "--problem", SCRIPT_NOTE])
    run(phone + ["sync"])

    # A case another village's worker registered and escalated to the town,
    # its title written to run in a browser.
    grid2 = VILLAGES_A[1] + "001"
    case_worker = srv.call("/gridsync.v1.AdminService/EnrollDevice",
                           admin.EnrollDeviceRequest(role=registry.ROLE_GRID_WORKER,
                                                     scope_codes=[grid2], holder="钱𡒄"),
                           admin.EnrollDeviceResponse, srv.admin_token)
    case_id = "01JDQ7%020d" % 1
    now_ms = int(time.time() * 1000)
    create = mutation.CreateRecord(subject_id=grid2 + "0001")
    create.fields.add(field="title").value.string_value = "<img src=x onerror=alert(1)>宅基地纠纷"
    muts = [mutation.Mutation(device_seq=1, record_id=case_id, kind=records.RECORD_KIND_DISPUTE_CASE,
                              grid_code=grid2, hlc=(now_ms - 5000) << 16, create=create),
            mutation.Mutation(device_seq=2, record_id=case_id, kind=records.RECORD_KIND_DISPUTE_CASE,
                              grid_code=grid2, hlc=(now_ms - 4000) << 16,
                              set_status=mutation.SetStatus(status=records.CASE_STATUS_ESCALATED, epoch=0))]
    pushed = srv.call("/gridsync.v1.SyncService/Push", sync.PushRequest(mutations=muts),
                      sync.PushResponse, case_worker.token).results
    check("a village escalates a case to the town",
          all(r.outcome == sync.MUTATION_OUTCOME_APPLIED for r in pushed), pushed)

    # Her login: an activation code from gridsyncctl console-user.
    code = run([CTL, "--server", addr, "--token-file", token_file, "console-user", "--name",
                "王芳", "--scope", TOWN_A]).stdout.strip()
    check("console-user prints an activation code", re.fullmatch(r"dev-[0-9a-f]+\.[0-9a-f]{64}", code), code)
    web_port_file = os.path.join(scratch, "web.port")
    web_log = open(os.path.join(scratch, "web.log"), "w")
    web = subprocess.Popen([WEB, "--server", addr, "--listen", "127.0.0.1:0", "--data",
                            os.path.join(scratch, "web"), "--port-file", web_port_file],
                           stderr=web_log)
    for _ in range(200):
        if os.path.exists(web_port_file):
            break
        time.sleep(0.05)
    base = "http://127.0.0.1:%s" % open(web_port_file).read().strip()
    refused = subprocess.run([WEB, "--server", addr, "--listen", "0.0.0.0:0", "--data",
                              os.path.join(scratch, "web2")], capture_output=True, text=True, timeout=30)
    check("plaintext is refused off loopback", refused.returncode != 0 and "--tls-cert" in refused.stderr,
          refused.stderr)
    # HTTPS with --tls-cert/--tls-key: served over TLS, the same headers.
    cert, key = os.path.join(scratch, "web.pem"), os.path.join(scratch, "web.key")
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"])
    tls_port_file = os.path.join(scratch, "web-tls.port")
    tls_web = subprocess.Popen([WEB, "--server", addr, "--listen", "127.0.0.1:0", "--data",
                                os.path.join(scratch, "web-tls"), "--tls-cert", cert, "--tls-key", key,
                                "--port-file", tls_port_file], stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(tls_port_file):
                break
            time.sleep(0.05)
        import ssl
        import urllib.request
        ctx = ssl.create_default_context(cafile=cert)
        tls_url = "https://127.0.0.1:%s/" % open(tls_port_file).read().strip()
        r = urllib.request.urlopen(tls_url, context=ctx, timeout=10)
        check("--tls-cert serves the console over HTTPS with its policy",
              r.status == 200 and "script-src 'self'" in r.headers.get("Content-Security-Policy", ""),
              r.headers)
    finally:
        tls_web.terminate()
        tls_web.wait(timeout=20)

    browser = b = cdp.Browser()
    b.goto(base + "/")
    b.wait("!!document.querySelector('#activate-form')", what="the login page")
    b.screenshot(os.path.join(SHOTS, "login.png"))
    b.eval("""(() => { const f = document.querySelector('#activate-form');
        f.name.value = '王芳'; f.code.value = %s; f.password.value = 'gridsync-2026';
        f.password2.value = 'gridsync-2026'; f.requestSubmit(); return 1; })()""" % json.dumps(code))
    t0 = time.time()
    b.wait("!!document.querySelector('#rank tbody tr')", timeout=30, what="the overview")
    check("activation logs her in and shows the town", "大金店镇" in b.eval("document.body.innerText"))
    cookie = b.call("Network.getCookies", {"urls": [base]}, session=True)["cookies"]
    check("the session cookie is HttpOnly and SameSite=Strict",
          len(cookie) == 1 and cookie[0]["httpOnly"] and cookie[0]["sameSite"] == "Strict", cookie)
    b.screenshot(os.path.join(SHOTS, "overview.png"))
    month = b.eval("document.querySelector('input.month').value")

    # Every village's figures equal gridsyncctl coverage --json for it.
    def page_figures():
        return b.eval("""Array.from(document.querySelectorAll('#rank tbody tr')).map(tr => [tr.dataset.code,
            Object.fromEntries(Array.from(tr.querySelectorAll('td[data-fig]')).map(td =>
              [td.dataset.fig, [Number(td.dataset.num), Number(td.dataset.den), td.textContent]]))])""")

    def server_figures(code):
        c = json.loads(run([CTL, "--server", addr, "--token-file", token_file, "coverage", "--scope", code,
                            "--month", month, "--json"]).stdout)
        n = lambda d, k: int(d.get(k, 0))  # noqa: E731
        v, ch, ca, cs, p, s = c["visits"], c["checks"], c["care"], c["cases"], c["patrols"], c["surveys"]
        sc = c.get("screening", {})
        tk, vf, ts = c.get("tasks", {}), c.get("verification", {}), c.get("trouble_spots", {})
        lv = lambda k: [int(x) for x in s.get(k, [])] + [0, 0]  # noqa: E731
        return {"visit": (n(v, "visited"), n(v, "households")),
                "check": (n(ch, "persons") - n(ch, "overdue"), n(ch, "persons")),
                "care": (n(ca, "persons") - n(ca, "overdue"), n(ca, "persons")),
                "grassroots": (n(cs, "resolved"), n(cs, "registered")),
                "follow_up": (n(cs, "followed_up_both"), n(cs, "resolved")),
                "backlog": (n(cs, "backlog_cleared"), n(cs, "backlog")),
                "screening": (n(sc, "reported"), n(sc, "village_months")),
                "trouble_spot": (n(ts, "rectified"), n(ts, "spots")),
                "task": (n(tk, "on_time"), n(tk, "due")),
                "verification": (n(vf, "confirmed"), n(vf, "verified")),
                "cadre": (n(c.get("cadres", {}), "met"), n(c.get("cadres", {}), "cadres")),
                "patrol": (n(p, "weeks_patrolled"), n(p, "weeks")),
                "safety": (lv("safety_levels")[0] + lv("safety_levels")[1], n(s, "safety_answers")),
                "satisfaction": (lv("satisfaction_levels")[0] + lv("satisfaction_levels")[1],
                                 n(s, "satisfaction_answers")),
                "awareness": (n(s, "aware"), n(s, "awareness_answers"))}

    rows = dict(page_figures())
    check("the overview ranks the town's three villages", sorted(rows) == sorted(VILLAGES_A), rows.keys())
    mismatches = []
    for code in VILLAGES_A:
        want = server_figures(code)
        for fig, (num, den) in want.items():
            got = rows.get(code, {}).get(fig)
            if got is None or (got[0], got[1]) != (num, den):
                mismatches.append((code, fig, got, (num, den)))
            elif den > 0 and got[2] != "%.1f%%" % (100.0 * num / den):
                mismatches.append((code, fig, got, "rate"))
    check("every village's figures equal gridsyncctl coverage --json", not mismatches, mismatches)
    unreported = b.eval("document.querySelector('p.unreported').innerText")
    check("the overview names the villages that did not report their screening (排查零报告)",
          unreported.startswith("矛盾纠纷排查未上报 (3 个村)"), unreported)
    check("入户率 of the first village is 2 of 5", rows[VILLAGES_A[0]]["visit"][:2] == [2, 5],
          rows[VILLAGES_A[0]]["visit"])

    # Drill down: the village, its worker, the visit with the hostile note.
    b.eval("document.querySelector('#rank a[href*=\"%s\"]').click()" % VILLAGES_A[0])
    b.wait("!!document.querySelector('#workers tbody tr')", what="the village page")
    b.screenshot(os.path.join(SHOTS, "village.png"))
    unvisited = b.eval("Array.from(document.querySelectorAll('#unvisited tr[data-household]')).map(r => r.dataset.household)")
    check("the village lists its unvisited households", moved in unvisited and grid1 + "0002" not in unvisited,
          unvisited)
    b.eval("document.querySelector('#workers a').click()")
    b.wait("!!document.querySelector('#visits tbody tr')", what="the worker page")
    check("the worker's page lists the visits the phone recorded",
          b.eval("document.querySelectorAll('#visits tbody tr').length") == 2)
    check("and the households of its grid not yet visited",
          b.eval("Array.from(document.querySelectorAll('#unvisited-%s tr[data-household]'))"
                 ".map(r => r.dataset.household).sort().join(',')" % grid1) ==
          ",".join(grid1 + "%04d" % n for n in (1, 4, 5)))
    b.screenshot(os.path.join(SHOTS, "worker.png"))
    b.goto(base + "/#/record?id=" + visit_id)
    b.wait("document.querySelector('#view h1') && document.querySelector('#view h1').textContent.includes('%s')"
           % visit_id, what="the record page")
    text = b.eval("document.querySelector('#view').innerText")
    check("a note holding <script> is shown as text", SCRIPT_NOTE in text, text[:400])
    check("a name outside the BMP is drawn with the console's own Ext B font",
          b.wait("Array.from(document.fonts).some(f => f.family.includes('ExtB') && "
                 "f.status === 'loaded')", what="the Ext B font"))
    check("the visit's photo is shown, fetched through the attachment rules",
          b.wait("document.querySelector('img.photo') && document.querySelector('img.photo').complete && "
                 "document.querySelector('img.photo').naturalWidth", what="the photo") == 40)
    check("and nothing from it runs", b.eval("document.querySelectorAll('#view script').length") == 0 and
          not b.dialogs(), b.dialogs())
    b.screenshot(os.path.join(SHOTS, "record.png"))

    # A proposal approved: the household leaves the unvisited list.
    b.goto(base + "/#/proposals")
    b.wait("!!document.querySelector('#proposals button[data-approve=\"1\"]')", what="the pending proposal")
    b.screenshot(os.path.join(SHOTS, "proposals.png"))
    b.eval("document.querySelector('input.note').value = '核实无误'; "
           "document.querySelector('#proposals button[data-approve=\"1\"]').click()")
    b.wait("document.querySelector('#msg').textContent.includes('已批准')", timeout=30, what="the approval")
    check("the approval is shown as decided by her",
          "王芳" in b.wait("document.querySelector('#proposals').innerText.includes('已批准') && "
                          "document.querySelector('#proposals').innerText"))
    b.goto(base + "/#/unit?code=%s&month=%s" % (VILLAGES_A[0], month))
    b.wait("!!document.querySelector('#unvisited')", what="the village page again")
    unvisited = b.eval("Array.from(document.querySelectorAll('#unvisited tr[data-household]')).map(r => r.dataset.household)")
    check("the approved household left the unvisited list", moved not in unvisited, unvisited)

    # The town's queue: the escalated case, acted on; the act is in the
    # change log under her name.
    b.goto(base + "/#/queue")
    b.wait("!!document.querySelector('#queue tbody tr')", what="the escalated case in the queue")
    text = b.eval("document.querySelector('#queue').innerText")
    check("the town's queue holds the escalated case, its title as text",
          "<img src=x onerror=alert(1)>宅基地纠纷" in text and "镇" in text, text[:300])
    b.screenshot(os.path.join(SHOTS, "queue.png"))
    b.eval("document.querySelector('#queue button[data-status=\"ACCEPTED\"]').click()")
    b.wait("document.querySelector('#msg').textContent.includes('已受理')", timeout=30,
           what="the case accepted")
    b.wait("!!document.querySelector('#queue button[data-status=\"RESOLVED\"]')")
    b.eval("document.querySelector('#queue button[data-status=\"RESOLVED\"]').click()")
    b.wait("document.querySelector('#msg').textContent.includes('已化解')", timeout=30,
           what="the case resolved")
    b.wait("!document.querySelector('#queue').innerText.includes('宅基地纠纷')",
           what="the resolved case gone from the queue")
    check("the town resolves the case and it leaves its queue", True)
    by = {}
    for m in srv.stream("/gridsync.v1.FeedService/Subscribe", feed.SubscribeRequest(cursor=0),
                        feed.SubscribeResponse, srv.admin_token):
        if m.change.mutation.record_id == case_id:
            by[m.change.mutation.author] = by.get(m.change.mutation.author, 0) + 1
        if m.caught_up:
            break
    check("her acts are in the change log under her name", by.get("王芳", 0) >= 2, by)
    check("no dialog was opened by a title", not b.dialogs(), b.dialogs())

    # Live: the overview's figure moves when a phone pushes a visit.
    b.goto(base + "/#/overview")
    b.wait("!!document.querySelector('#rank tbody tr')")
    b.eval("window.__same_page = true")
    cell = "document.querySelector('#rank tr[data-code=\"%s\"] td[data-fig=\"visit\"]').dataset.num" % VILLAGES_A[0]
    before = int(b.eval(cell))
    run(phone + ["visit", "--household", grid1 + "0004"])
    t_push = time.time()
    run(phone + ["sync"])
    after = int(b.wait("Number(%s) > %d && %s" % (cell, before, cell), timeout=20, what="the live update"))
    check("a phone's visit shows on the open page without a reload",
          after == before + 1 and b.eval("window.__same_page === true"), (before, after))
    print("live update %.2f s after the push" % (time.time() - t_push))
    check("the page says how fresh it is", "数据同步于" in b.eval("document.querySelector('#fresh').textContent"))

    # The spreadsheet, downloaded and read back.
    b.eval("document.querySelector('a[href^=\"/report.xlsx\"]').click()")
    xlsx = None
    for _ in range(200):
        done = [f for f in os.listdir(b.downloads) if f.endswith(".xlsx")]
        if done:
            xlsx = os.path.join(b.downloads, done[0])
            break
        time.sleep(0.05)
    time.sleep(0.2)
    cells = run(["/usr/bin/python3", READ_XLSX, xlsx]).stdout if xlsx else ""
    check("the .xlsx downloads and reads back with the town's villages",
          xlsx is not None and all(n in cells for n in ("大金店村", "𡒄庄村", "老庄村")), cells[:300])

    # The 通报 printed to PDF.
    b.goto(base + "/report.html?month=" + month)
    b.wait("document.body.innerText.includes('大金店镇')", what="the report")
    b.screenshot(os.path.join(SHOTS, "report.png"))
    pdf_path = os.path.join(SHOTS, "report.pdf")
    b.pdf(pdf_path)
    pdf = open(pdf_path, "rb").read()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    check("the 通报 prints on a few A4 pages", 1 <= pages <= 6, pages)
    check("with a Chinese font embedded", b"WenQuanYi" in pdf or b"CJK" in pdf)

    # The week's 夜巡 通报 and the month's 民调 通报: pages to print, workbooks.
    b.goto(base + "/print/patrols")
    b.wait("document.body.innerText.includes('平安夜巡情况通报')", what="the patrol notice")
    b.screenshot(os.path.join(SHOTS, "patrol-notice.png"))
    check("the week's patrol notice names the villages short of the mark",
          all(n in b.eval("document.body.innerText") for n in ("未达标", "老庄村")))
    b.goto(base + "/print/survey?month=" + month)
    b.wait("document.body.innerText.includes('民调情况通报')", what="the survey notice")
    b.screenshot(os.path.join(SHOTS, "survey-notice.png"))
    b.goto(base + "/")  # the print pages' policy lets them fetch nothing
    b.wait("!!document.querySelector('#view h1')")
    data = b.eval("fetch('/print/survey.xlsx?month=%s').then(r => r.arrayBuffer()).then(buf => {"
                  "let s = ''; new Uint8Array(buf).forEach(c => s += String.fromCharCode(c));"
                  "return btoa(s); })" % month)
    notice_xlsx = os.path.join(scratch, "survey.xlsx")
    with open(notice_xlsx, "wb") as f:
        f.write(__import__("base64").b64decode(data))
    cells = run(["/usr/bin/python3", READ_XLSX, notice_xlsx]).stdout
    check("the survey notice downloads as a workbook that reads back",
          "民调情况通报" in cells and "𡒄庄村" in cells, cells[:300])

    # Another town is refused by gridsyncd, not only hidden.
    b.goto(base + "/")
    b.wait("!!document.querySelector('#rank')")
    other = b.eval("fetch('/view/unit?code=%s').then(async r => [r.status, await r.text()])" % VILLAGE_B)
    check("another town's village is refused", other[0] == 403, other)
    forged = b.eval("fetch('/api/act', {method: 'POST', body: new URLSearchParams({what: 'decide', id: 'x', approve: '1'})})"
                    ".then(r => r.status)")
    check("a POST without the CSRF token is refused", forged == 403, forged)
    headers = b.eval("fetch('/').then(r => r.headers.get('content-security-policy'))")
    check("pages carry a content security policy without inline script",
          headers and "script-src 'self'" in headers and "unsafe-inline" not in headers.split("style-src")[0], headers)
    b.goto(base + "/#/overdue")
    b.wait("!!document.querySelector('#overdue')", what="the overdue lists")
    check("逾期督办 has the 积案 list", b.eval("!!document.querySelector('table#backlog')"))
    spots = b.eval("Array.from(document.querySelectorAll('#spots tbody tr')).map(tr => tr.innerText)")
    check("and the 排查整治 register, the worker's spot waiting, its problem as text",
          len(spots) == 1 and "𠮷家巷口" in spots[0] and "待整治" in spots[0] and
          "<script>" in spots[0], spots)
    b.screenshot(os.path.join(SHOTS, "overdue.png"))

    # 督办: she gives 大金店村 a task in the form; the worker's phone reports
    # it done offline and syncs; the open page shows it waiting on her, and
    # she confirms it.
    b.goto(base + "/#/tasks")
    b.wait("!!document.querySelector('form.give')", what="the task page")
    b.eval("""(() => { const f = document.querySelector('form.give');
        f.village.value = %s; f.title.value = %s; f.category.value = '1';
        f.deadline.value = '2030-01-31'; f.requestSubmit(); return 1; })()"""
           % (json.dumps(VILLAGES_A[0]), json.dumps(SCRIPT_NOTE + "核查路灯")))
    b.wait("document.querySelector('#tasks tbody') && "
           "document.querySelector('#tasks tbody').innerText.includes('待签收')", what="the task given")
    rows = b.eval("Array.from(document.querySelectorAll('#tasks tbody tr')).map(tr => tr.innerText)")
    check("she gives a village a task; its title shows as text",
          len(rows) == 1 and "<script>" in rows[0] and "大金店村" in rows[0], rows)
    run(phone + ["sync"])
    listed = json.loads(run(phone + ["tasks", "--json"]).stdout)
    task_id = listed["tasks"][0]["record_id"]
    refused = subprocess.run(phone + ["task-step", "--id", task_id, "--step", "confirm"],
                             capture_output=True, text=True, timeout=60)
    check("the worker's phone may not confirm it",
          refused.returncode == 1 and "PERMISSION_DENIED" in refused.stderr, refused.stderr)
    run(phone + ["task-step", "--id", task_id, "--step", "done", "--note", "已装路灯 𠮷"])
    run(phone + ["sync"])
    b.wait("document.querySelector('#tasks tbody').innerText.includes('待确认')", timeout=20,
           what="the village's report, live")
    check("the page shows the village's report and its note",
          "已装路灯 𠮷" in b.eval("document.querySelector('#tasks tbody').innerText"))
    b.screenshot(os.path.join(SHOTS, "tasks.png"))
    b.eval("document.querySelector('#tasks button[data-step=\"confirm\"]').click()")
    b.wait("document.querySelector('#tasks tbody').innerText.includes('已办结')", what="the task confirmed")
    run(phone + ["sync"])
    mine = json.loads(run(phone + ["tasks", "--json"]).stdout)["tasks"][0]
    check("she confirms it, and the phone sees it done", mine["state"] == "TASK_STATE_CONFIRMED", mine)

    # 复查: she draws 大金店村's sample, and a household says nobody came: the
    # visit leaves 入户率, as gridsyncctl coverage says too.
    def coverage_json(code):
        return json.loads(run([CTL, "--server", addr, "--token-file", token_file, "coverage",
                               "--scope", code, "--month", month, "--json"]).stdout)
    visited_before = int(coverage_json(VILLAGES_A[0])["visits"]["visited"])
    b.goto(base + "/#/verify?village=%s&month=%s" % (VILLAGES_A[0], month))
    b.wait("document.querySelectorAll('#sample tbody tr').length > 0", what="the sample")
    rows = b.eval("Array.from(document.querySelectorAll('#sample tbody tr')).map(tr => tr.innerText)")
    sample = json.loads(run([CTL, "--server", addr, "--token-file", token_file, "sample", "--scope",
                             VILLAGES_A[0], "--month", month, "--json"]).stdout)
    check("the page's sample is gridsyncctl sample's, in its order",
          len(rows) == len(sample["visits"]) and
          all(r.startswith(v["household_id"]) for r, v in zip(rows, sample["visits"])), (rows, sample))
    first = sample["visits"][0]["visit_record_id"]
    b.eval("document.querySelector('#sample tr[data-id=\"%s\"] input.note').value = '住户说没人来过'" % first)
    b.eval("document.querySelector('#sample tr[data-id=\"%s\"] button[data-said=\"not-made\"]').click()" % first)
    b.wait("document.querySelector('#sample tr[data-id=\"%s\"]').innerText.includes('未入户')" % first,
           what="the answer recorded")
    b.screenshot(os.path.join(SHOTS, "verify.png"))
    after = coverage_json(VILLAGES_A[0])
    check("a visit found not made leaves 入户率 and counts in 核实率",
          int(after["visits"]["visited"]) == visited_before - 1 and
          int(after["verification"]["not_made"]) == 1 and int(after["verification"]["verified"]) == 1,
          (visited_before, after["visits"], after["verification"]))
    b.goto(base + "/#/overdue")
    b.wait("!!document.querySelector('#overdue')", what="the overdue lists again")

    b.eval("document.querySelector('#logout').click()")
    b.wait("!!document.querySelector('#login-form')", what="the login page after logout")
    status = b.eval("fetch('/api/me').then(r => r.status)")
    check("logout ends the session", status == 401, status)
    b.eval("""(() => { const f = document.querySelector('#login-form');
        f.name.value = '王芳'; f.password.value = 'wrong-password'; f.requestSubmit(); return 1; })()""")
    b.wait("document.querySelector('#msg').textContent.includes('密码不对')", what="a wrong password refused")
    check("a wrong password is refused", True)
    b.eval("""(() => { const f = document.querySelector('#login-form');
        f.name.value = '王芳'; f.password.value = 'gridsync-2026'; f.requestSubmit(); return 1; })()""")
    b.wait("!!document.querySelector('#overdue')", what="the page she was on, after logging in again")
    check("she logs in again with her password and is back where she was", True)

    # The county's login: every town ranked, a record read from gridsyncd
    # (it keeps no replica: a county's records would be gigabytes), no acts.
    county_code = run([CTL, "--server", addr, "--token-file", token_file, "console-user", "--name",
                       "李明", "--scope", COUNTY]).stdout.strip()
    b.eval("document.querySelector('#logout').click()")
    b.wait("!!document.querySelector('#activate-form')")
    b.eval("""(() => { const f = document.querySelector('#activate-form');
        f.name.value = '李明'; f.code.value = %s; f.password.value = 'county-2026';
        f.password2.value = 'county-2026'; f.requestSubmit(); return 1; })()""" % json.dumps(county_code))
    b.wait("document.querySelector('#who').textContent.includes('登封市')", timeout=30, what="the county login")
    b.goto(base + "/#/overview")
    b.wait("!!document.querySelector('#rank tbody tr')", what="the county's overview")
    towns = b.eval("Array.from(document.querySelectorAll('#rank tbody tr')).map(r => r.dataset.code)")
    check("the county sees its towns ranked", sorted(towns) == sorted([TOWN_A, TOWN_B]), towns)
    b.screenshot(os.path.join(SHOTS, "county.png"))
    b.goto(base + "/#/record?id=" + visit_id)
    b.wait("document.querySelector('#view').innerText.includes('家门口')", what="a record for the county")
    check("the county reads a record through gridsyncd", "赵" in b.eval("document.querySelector('#history').innerText"))
    replicas = os.listdir(os.path.join(scratch, "web", "replicas"))
    check("the county's login keeps no replica", len(replicas) == 1, replicas)
    acted = b.eval("fetch('/api/me').then(r => r.json()).then(me => fetch('/api/act', {method: 'POST', "
                   "headers: {'X-CSRF-Token': me.csrf}, body: new URLSearchParams({what: 'case', id: %s, "
                   "status: 'CLOSED'})})).then(async r => [r.status, await r.text()])" % json.dumps(case_id))
    check("the county's login cannot act", acted[0] == 403, acted)

    # Revoked: the open page is told at once and logged out, with why.
    b.goto(base + "/#/overview")
    b.wait("!!document.querySelector('#rank tbody tr')")
    run([CTL, "--server", addr, "--token-file", token_file, "revoke", "--device",
         county_code.split(".")[0]])
    b.wait("document.querySelector('#msg').textContent.includes('不再接受') && "
           "!!document.querySelector('#login-form')", timeout=30, what="the revoked login ended")
    status = b.eval("fetch('/api/me').then(r => r.status)")
    check("a revoked login's open page is ended with the reason", status == 401, status)
    print("screenshots in " + SHOTS)
except Exception:  # noqa: BLE001 - any failure is reported and fails the test
    traceback.print_exc()
    check("the console test ran to its end", False)
    try:
        print(open(os.path.join(scratch, "web.log")).read()[-3000:])
    except OSError:
        pass
finally:
    if browser is not None:
        browser.close()
    if web is not None:
        web.terminate()
        web.wait(timeout=20)
    if srv is not None:
        srv.close()
    subprocess.run(["rm", "-rf", scratch])
h.finish()
