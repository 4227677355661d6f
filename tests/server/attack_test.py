#!/usr/bin/python3
"""An attacker holding one ordinary grid worker's token, from another
language (Debian's python3-grpcio), against a real gridsyncd: each attack of
issue 24 that once worked, and what the server must answer now.

 1. one record grown until its scope cannot sync (padding bytes, a flood of
    log entries, entries at the size limit): refused alone, naming the
    limit; the grid, the county feed and GetRecord still answer;
 2. a refill after a restore carrying forged writes: a decision under the
    secretary's name and a visit "created by" another town's worker are held
    for review, not merged; the worker's own decision, a visit dated 2099
    and a household not in the registry are refused as Push refuses them;
 3. a town office's feed stream left open after a revoke ends, and one
    device cannot open a fifth stream;
 4. another village's photo read through a forged reference to its hash;
 5. the day's attachment quota passed with references that lie about size;
 6. device_seq 2^64-1, page sizes out of range, the wipe order read as a
    google.rpc.Status with an ErrorInfo.

usage: attack_test.py GRIDSYNCD PROTO_DIR
"""
import hashlib
import os
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True  # nothing left in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import grpc  # noqa: F401
except ImportError:
    print("attack_test: python3-grpcio is not installed (scripts/setup.sh installs it); skipped")
    sys.exit(0)
import wire_harness as h
from wire_harness import check, refused

GRIDSYNCD, PROTO_DIR = sys.argv[1], sys.argv[2]
srv = None
try:
    # A 1 MB daily attachment quota, so that three photos of 0.45 MB pass it.
    srv = h.Server(GRIDSYNCD, PROTO_DIR, ["--attachment-quota-mb", "1"])
    from gridsync.v1 import admin_service_pb2 as admin
    from gridsync.v1 import blob_service_pb2 as blob
    from gridsync.v1 import common_pb2 as common
    from gridsync.v1 import coverage_service_pb2 as coverage
    from gridsync.v1 import feed_service_pb2 as feed
    from gridsync.v1 import mutation_pb2 as mutation
    from gridsync.v1 import record_state_pb2 as state_pb
    from gridsync.v1 import records_pb2 as records
    from gridsync.v1 import registry_pb2 as registry
    from gridsync.v1 import sync_service_pb2 as sync
    from google.rpc import error_details_pb2 as error_details
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from google.rpc import status_pb2 as rpc_status

    A = srv.admin_token
    county = "410185000000"
    town_a, village_a, grid_a = "410185001000", "410185001201", "410185001201001"
    town_b, village_b, grid_b = "410185002000", "410185002201", "410185002201001"
    reg = admin.ImportRegistryRequest()
    for code, name, level, parent in [(county, "登封市", common.ORG_LEVEL_COUNTY, ""),
                                      (town_a, "嵩阳街道", common.ORG_LEVEL_TOWN, county),
                                      (village_a, "一村", common.ORG_LEVEL_VILLAGE, town_a),
                                      (grid_a, "一村网格", common.ORG_LEVEL_GRID, village_a),
                                      (town_b, "少林街道", common.ORG_LEVEL_TOWN, county),
                                      (village_b, "二村", common.ORG_LEVEL_VILLAGE, town_b),
                                      (grid_b, "二村网格", common.ORG_LEVEL_GRID, village_b)]:
        reg.org_units.add(code=code, name=name, level=level, parent_code=parent)
    for g in (grid_a, grid_b):
        for n in range(1, 4):
            reg.households.add(household_id="%s%04d" % (g, n), grid_code=g, head_name="张𡒄")
    srv.call("/gridsync.v1.AdminService/ImportRegistry", reg, admin.ImportRegistryResponse, A)

    def enroll(role, scope, holder):
        return srv.call("/gridsync.v1.AdminService/EnrollDevice",
                        admin.EnrollDeviceRequest(role=role, scope_codes=[scope], holder=holder),
                        admin.EnrollDeviceResponse, A)
    worker = enroll(registry.ROLE_GRID_WORKER, grid_a, "王𠮷")
    other = enroll(registry.ROLE_GRID_WORKER, grid_b, "赵六")
    secretary = enroll(registry.ROLE_VILLAGE_SECRETARY, village_a, "李书记")
    office = enroll(registry.ROLE_TOWN_OFFICE, town_a, "嵩阳综治中心")
    W = worker.token
    now_ms = int(time.time() * 1000)
    seq = [0]
    ids = [0]

    def new_id():
        ids[0] += 1
        return "01JDQ7%020d" % ids[0]

    def mut(record_id, kind, grid, **op):
        seq[0] += 1
        m = mutation.Mutation(device_seq=seq[0], record_id=record_id, kind=kind, grid_code=grid,
                              hlc=(now_ms + seq[0]) << 16)
        for name, value in op.items():
            getattr(m, name).CopyFrom(value)
        return m

    def push(token, ms):
        return srv.call("/gridsync.v1.SyncService/Push", sync.PushRequest(mutations=ms),
                        sync.PushResponse, token).results

    def new_case(token, grid):
        rid = new_id()
        c = mutation.CreateRecord(subject_id=grid + "0001")
        c.fields.add(field="title").value.string_value = "邻里纠纷"
        r = push(token, [mut(rid, records.RECORD_KIND_DISPUTE_CASE, grid, create=c)])
        assert r[0].outcome == sync.MUTATION_OUTCOME_APPLIED, r
        return rid

    def append(rid, kind, grid, log, eid, payload):
        return mut(rid, kind, grid, append_log=mutation.AppendLog(log=log, element_id=eid,
                                                                   payload=payload))

    def details_of(err):
        """The google.rpc.Status in an error's trailer, or None."""
        for key, value in (err.trailing_metadata() or ()):
            if key == "grpc-status-details-bin":
                return rpc_status.Status.FromString(value)
        return None

    # --- 1. One record grown until its scope cannot sync -------------------
    case_id = new_case(W, grid_a)
    session = records.MediationSession(held_at_ms=now_ms, mediator="调解员", summary="甲" * 1300)
    padded = session.SerializeToString() + b"\xba\x3e\x90\x4e" + b"x" * 10000  # field 999, 10,000 bytes
    r = push(W, [append(case_id, records.RECORD_KIND_DISPUTE_CASE, grid_a, "mediation_sessions",
                        "pad", padded)])[0]
    check("1a. a payload padded with unknown fields is refused, naming append_log.payload",
          r.outcome == sync.MUTATION_OUTCOME_REJECTED and r.code == 3 and
          r.field.endswith("append_log.payload") and "does not have" in r.message, r)
    # Entries of ~8 KB (two fields of 4,000 bytes, the most each may hold):
    # the record reaches 1 MiB after about 128 of them.
    big = records.MediationSession(held_at_ms=now_ms, mediator="调" * 1333, summary="解" * 1333)
    outcomes = []
    for batch in range(4):
        ms = [append(case_id, records.RECORD_KIND_DISPUTE_CASE, grid_a, "mediation_sessions",
                     "s%03d" % (batch * 40 + i), big.SerializeToString()) for i in range(40)]
        outcomes += push(W, ms)
    applied = sessions = sum(1 for x in outcomes if x.outcome == sync.MUTATION_OUTCOME_APPLIED)
    limited = [x for x in outcomes if x.outcome == sync.MUTATION_OUTCOME_REJECTED]
    check("1b. entries past 1 MiB are refused alone, RESOURCE_EXHAUSTED naming the limit",
          100 < applied < 140 and len(limited) == 160 - applied and
          all(x.code == 8 and "1048576" in x.message for x in limited), (applied, limited[:1]))
    # Another case flooded with small follow-ups: 500 entries, no more.
    flood_id = new_case(W, grid_a)
    follow = records.FollowUp(at_ms=now_ms, party_name="甲", satisfied=True).SerializeToString()
    outcomes = []
    for batch in range(6):
        outcomes += push(W, [append(flood_id, records.RECORD_KIND_DISPUTE_CASE, grid_a, "follow_ups",
                                    "f%04d" % (batch * 100 + i), follow) for i in range(100)])
    applied = sum(1 for x in outcomes if x.outcome == sync.MUTATION_OUTCOME_APPLIED)
    check("1c. a log takes 500 entries and refuses the 501st, naming the limit",
          applied == 500 and all(x.code == 8 and "500" in x.message
                                 for x in outcomes if x.outcome != sync.MUTATION_OUTCOME_APPLIED),
          applied)
    # A closed case can still move on: status writes are never refused.
    r = push(W, [mut(case_id, records.RECORD_KIND_DISPUTE_CASE, grid_a,
                     set_status=mutation.SetStatus(status=records.CASE_STATUS_RESOLVED))])[0]
    check("1d. the full case can still be resolved", r.outcome == sync.MUTATION_OUTCOME_APPLIED, r)
    # Everyone in scope still syncs, and no answer passes 4 MiB.
    for label, token, scope in [("grid", W, ""), ("village", secretary.token, ""),
                                ("town", office.token, ""), ("county", A, "")]:
        cursor, pages, biggest = 0, 0, 0
        while pages < 100:
            resp, call = srv.call("/gridsync.v1.SyncService/Pull", sync.PullRequest(cursor=cursor),
                                  sync.PullResponse, token, with_call=True)
            biggest = max(biggest, resp.ByteSize())
            cursor, pages = resp.next_cursor, pages + 1
            if resp.caught_up:
                break
        check("1e. the %s pulls to the end in pages under 4 MiB" % label,
              resp.caught_up and biggest < (4 << 20), (pages, biggest))
    msgs = list(srv.stream("/gridsync.v1.FeedService/SubscribeBatched",
                           feed.SubscribeBatchedRequest(scope_code=county), feed.SubscribeBatchedResponse, A))
    states = sum(1 for b in msgs for m in b.messages if m.HasField("state") and
                 m.state.record_id == flood_id)
    check("1f. the county feed reads it all, the flooded case's state once a page",
          msgs and msgs[-1].messages[-1].caught_up and 0 < states <= 3, states)
    got = srv.call("/gridsync.v1.AdminService/GetRecord", admin.GetRecordRequest(record_id=case_id),
                   admin.GetRecordResponse, A)
    check("1g. GetRecord answers the full case whole, within the limits",
          got.state.ByteSize() <= (1 << 20) and not got.over_limits and
          len(got.record.dispute_case.mediation_sessions) == sessions, got.state.ByteSize())

    # --- 1h. A case the village escalated, moved on by its own phone ------
    esc_id = new_case(W, grid_a)

    def status(token, rid, st, epoch):
        return push(token, [mut(rid, records.RECORD_KIND_DISPUTE_CASE, grid_a,
                                set_status=mutation.SetStatus(status=st, epoch=epoch))])[0]

    r = status(W, esc_id, records.CASE_STATUS_ESCALATED, 0)
    check("1h. the grid worker escalates its case", r.outcome == sync.MUTATION_OUTCOME_APPLIED, r)
    moves = [status(W, esc_id, records.CASE_STATUS_RESOLVED, 1),
             status(W, esc_id, records.CASE_STATUS_ESCALATED, 1),
             push(W, [mut(esc_id, records.RECORD_KIND_DISPUTE_CASE, grid_a,
                          reopen=mutation.ReopenCase(seen_status=records.CASE_STATUS_MEDIATING,
                                                     seen_epoch=1,
                                                     to_status=records.CASE_STATUS_REGISTERED,
                                                     reason="自己收回"))])[0]]
    check("1i. then its resolve, escalate and reopen in the town's epoch are PERMISSION_DENIED",
          all(x.outcome == sync.MUTATION_OUTCOME_REJECTED and x.code == 7 and "上交" in x.message
              for x in moves), moves)
    r = status(W, esc_id, records.CASE_STATUS_RESOLVED, 7)
    check("1j. a made-up epoch is refused", r.outcome == sync.MUTATION_OUTCOME_REJECTED, r)
    r = status(office.token, esc_id, records.CASE_STATUS_ACCEPTED, 1)
    check("1k. the town office accepts it", r.outcome == sync.MUTATION_OUTCOME_APPLIED, r)
    got = srv.call("/gridsync.v1.AdminService/GetRecord", admin.GetRecordRequest(record_id=esc_id),
                   admin.GetRecordResponse, A)
    check("1l. the case is the town's, accepted, and the village's writes left no trace",
          got.record.case_level == records.CASE_LEVEL_TOWN and
          got.record.dispute_case.status == records.CASE_STATUS_ACCEPTED and
          not any(s.stage == records.CASE_STATUS_RESOLVED for s in got.state.status.history),
          got.record)

    # --- 1m. Answers someone else asked in the worker's grid --------------
    sid = new_id()
    c = mutation.CreateRecord(subject_id=grid_a + "0002")
    c.fields.add(field="form_version").value.string_value = "2026-Q4"
    c.fields.add(field="asked_at_ms").value.int_value = now_ms
    c.fields.add(field="outcome").value.int_value = records.SURVEY_OUTCOME_ANSWERED
    c.fields.add(field="safety").value.int_value = records.SAFETY_ANSWER_UNSAFE
    r = push(office.token, [mut(sid, records.RECORD_KIND_SURVEY, grid_a, create=c)])[0]
    check("1m. the town's survey team records an answer in grid A",
          r.outcome == sync.MUTATION_OUTCOME_APPLIED, r)

    def pulled_ids(token):
        ids, cursor = set(), 0
        for _ in range(100):
            resp = srv.call("/gridsync.v1.SyncService/Pull", sync.PullRequest(cursor=cursor),
                            sync.PullResponse, token)
            ids |= {x.record_id for x in resp.records}
            cursor = resp.next_cursor
            if resp.caught_up:
                break
        return ids

    check("1n. the grid's worker never pulls it; the secretary does",
          sid not in pulled_ids(W) and sid in pulled_ids(secretary.token))

    # --- 4. Another village's photo through a forged reference ------------
    photo = b"\xff\xd8\xff\xe0" + os.urandom(450 * 1024)
    sha = hashlib.sha256(photo).hexdigest()

    crc32c = h.crc32c

    def visit_with_photo(token, grid, photo_sha, size, ctype, household_n=1):
        rid = new_id()
        c = mutation.CreateRecord(subject_id="%s%04d" % (grid, household_n))
        c.fields.add(field="visited_at_ms").value.int_value = now_ms
        ref = records.PhotoRef(sha256=photo_sha, size=size, content_type=ctype,
                               purpose=records.ATTACHMENT_PURPOSE_SCENE)
        r = push(token, [mut(rid, records.RECORD_KIND_VISIT, grid, create=c),
                         append(rid, records.RECORD_KIND_VISIT, grid, "photos", "p1",
                                ref.SerializeToString())])
        assert all(x.outcome == sync.MUTATION_OUTCOME_APPLIED for x in r), r
        return rid

    def upload(token, rid, data, photo_sha):
        begun = srv.call("/gridsync.v1.BlobService/BeginUpload",
                         blob.BeginUploadRequest(record_id=rid, sha256=photo_sha),
                         blob.BeginUploadResponse, token)
        off = begun.offset
        while not begun.stored and off < len(data):
            part = data[off:off + (256 << 10)]
            ack = srv.call("/gridsync.v1.BlobService/UploadChunk",
                           blob.UploadChunkRequest(record_id=rid, sha256=photo_sha, offset=off,
                                                   data=part, crc32c=crc32c(part)),
                           blob.UploadChunkResponse, token)
            off = ack.offset
        return off

    owner_visit = visit_with_photo(other.token, grid_b, sha, len(photo), "image/jpeg")
    check("4a. the other village uploads its photo", upload(other.token, owner_visit, photo, sha) ==
          len(photo))
    forged = visit_with_photo(W, grid_a, sha, 10, "image/png", household_n=2)
    e = refused(lambda: srv.call("/gridsync.v1.BlobService/BeginUpload",
                                 blob.BeginUploadRequest(record_id=forged, sha256=sha),
                                 blob.BeginUploadResponse, W))
    check("4b. a reference that lies about the size is no key: BeginUpload refused",
          e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT and
          "size and type" in e.details(), e and (e.code(), e.details()))
    e = refused(lambda: srv.call("/gridsync.v1.BlobService/ReadBlob",
                                 blob.ReadBlobRequest(record_id=forged, sha256=sha),
                                 blob.ReadBlobResponse, W))
    check("4c. nor does ReadBlob give the other village's photo",
          e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT, e and e.code())

    # ReadRecord (a console's record page) gives no more than Pull: the
    # other village's visit is NOT_FOUND to this worker, as a record that
    # does not exist is; the owner and the county read it.
    def read(token, rid):
        return srv.call("/gridsync.v1.SyncService/ReadRecord", sync.ReadRecordRequest(record_id=rid),
                        sync.ReadRecordResponse, token)
    e = refused(lambda: read(W, owner_visit))
    e2 = refused(lambda: read(W, "01JDQ7%020d" % 99999))
    check("4d. ReadRecord of another village's record is NOT_FOUND, as of one that does not exist",
          e is not None and e2 is not None and e.code() == e2.code() == grpc.StatusCode.NOT_FOUND,
          e and (e.code(), e.details()))
    e = refused(lambda: read(W, "not-an-id"))
    check("4e. ReadRecord of a malformed id is INVALID_ARGUMENT",
          e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT, e and e.code())
    job = enroll(registry.ROLE_COUNTY_JOB, county, "县数据")
    got = read(job.token, owner_visit)
    check("4f. the county reads it, with its view and state",
          got.record.record_id == owner_visit and got.state.header.grid_code == grid_b, got.record)

    # --- 5. The quota charged by the bytes received -----------------------
    # Each photo is first referenced as 8 bytes (admitted, and once charged
    # so), then referenced again with its true size and sent whole.
    uploads = []
    for k in range(3):
        p = b"\xff\xd8\xff\xe0" + bytes([10 + k]) * (450 * 1024)
        p_sha = hashlib.sha256(p).hexdigest()
        small = visit_with_photo(W, grid_a, p_sha, 8, "image/jpeg", household_n=3)
        srv.call("/gridsync.v1.BlobService/BeginUpload",
                 blob.BeginUploadRequest(record_id=small, sha256=p_sha), blob.BeginUploadResponse, W)
        e = refused(lambda: upload(W, small, p, p_sha))
        uploads.append(e.code() if e else "stored")
        whole = visit_with_photo(W, grid_a, p_sha, len(p), "image/jpeg", household_n=3)
        e = refused(lambda: upload(W, whole, p, p_sha))
        uploads.append(e.code() if e else "stored")
    check("5. three photos of 450 KB claimed as 8 bytes pass a 1 MB day's quota only twice",
          uploads == [grpc.StatusCode.INVALID_ARGUMENT, "stored"] * 2 +
          [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED], uploads)

    # --- 6. Bounds and error details ---------------------------------------
    m = mutation.Mutation(device_seq=2 ** 64 - 1, record_id=new_id(), kind=records.RECORD_KIND_VISIT,
                          grid_code=grid_a, hlc=now_ms << 16)
    m.create.subject_id = grid_a + "0001"
    r = push(W, [m])[0]
    check("6a. device_seq 2^64-1 is refused naming device_seq",
          r.code == 3 and r.field.endswith("device_seq"), r)
    m = mutation.Mutation(device_seq=seq[0] + 1, record_id=new_id(), kind=42, grid_code=grid_a,
                          hlc=now_ms << 16)
    r = push(W, [m])[0]
    check("6b. an unknown kind's message names every kind, 1 to 9",
          all(k in r.message for k in ("survey", "patrol", "screening report", "trouble spot",
                                       "task", "RecordKind 1-9")), r.message)
    # Signing keys and signatures (core/write_proof.h).
    e = refused(lambda: srv.call("/gridsync.v1.SyncService/Push",
                                 sync.PushRequest(signing_key=b"short"), sync.PushResponse, W))
    d = details_of(e) if e else None
    bad = error_details.BadRequest()
    if d is not None:
        for any_detail in d.details:
            if any_detail.Is(error_details.BadRequest.DESCRIPTOR):
                any_detail.Unpack(bad)
    check("6e. a signing key that is not 32 bytes is INVALID_ARGUMENT naming signing_key",
          e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT and
          [v.field for v in bad.field_violations] == ["signing_key"], e and e.details())
    m = mut(new_id(), records.RECORD_KIND_VISIT, grid_a,
            create=mutation.CreateRecord(subject_id=grid_a + "0001"))
    m.signatures.extend([os.urandom(64), os.urandom(64)])  # one write, two signatures
    r = push(W, [m])[0]
    check("6f. two signatures for one write are refused naming signatures",
          r.code == 3 and r.field.endswith("signatures"), r)
    # The secretary's phone registers its key (a push of nothing). It is
    # made here, in Python, so that a write it signs checks the wire format
    # of the proof (core/write_proof.h) from outside.
    secretary_key = Ed25519PrivateKey.generate()
    srv.call("/gridsync.v1.SyncService/Push",
             sync.PushRequest(signing_key=secretary_key.public_key().public_bytes(
                 serialization.Encoding.Raw, serialization.PublicFormat.Raw)),
             sync.PushResponse, secretary.token)
    for size in (-5, 10 ** 9):
        e = refused(lambda: srv.call("/gridsync.v1.CoverageService/ListUnvisitedHouseholds",
                                     coverage.ListUnvisitedHouseholdsRequest(scope_code=grid_a,
                                                                             page_size=size),
                                     coverage.ListUnvisitedHouseholdsResponse, W))
        d = details_of(e) if e else None
        bad = [x for x in (d.details if d else []) if x.Is(error_details.BadRequest.DESCRIPTOR)]
        check("6c. ListUnvisitedHouseholds page_size %d is INVALID_ARGUMENT with a BadRequest" % size,
              e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT and len(bad) == 1,
              e and (e.code(), e.details()))

    # --- 3. Streams: a bound per device, and revocation ends them ----------
    def pull_epoch(token):
        return srv.call("/gridsync.v1.SyncService/Pull", sync.PullRequest(cursor=0, page_size=1),
                        sync.PullResponse, token).store_epoch
    streams = [srv.stream("/gridsync.v1.FeedService/Subscribe",
                          feed.SubscribeRequest(scope_code=town_a, follow=True), feed.SubscribeResponse,
                          office.token, timeout=60) for _ in range(5)]
    ended = {}

    def drain(i, s):
        try:
            for _ in s:
                pass
            ended[i] = "OK"
        except grpc.RpcError as err:
            ended[i] = (err.code(), err.details(), time.monotonic())
    threads = [threading.Thread(target=drain, args=(i, s)) for i, s in enumerate(streams)]
    for t in threads:
        t.start()
    for _ in range(100):  # four open, the fifth refused: at most 5 s
        if len(ended) >= 1:
            break
        time.sleep(0.05)
    refused_streams = [v for v in ended.values() if v[0] == grpc.StatusCode.RESOURCE_EXHAUSTED]
    check("3a. a device's fifth feed stream is RESOURCE_EXHAUSTED", len(refused_streams) == 1, ended)
    revoked_at = time.monotonic()
    srv.call("/gridsync.v1.AdminService/RevokeDevice",
             admin.RevokeDeviceRequest(device_id=office.device_id), admin.RevokeDeviceResponse, A)
    push(W, [mut(new_id(), records.RECORD_KIND_VISIT, grid_a,
                 create=mutation.CreateRecord(subject_id=grid_a + "0002"))])
    for t in threads:
        t.join(timeout=10)
    after = [v for v in ended.values() if v[0] == grpc.StatusCode.UNAUTHENTICATED]
    check("3b. the four open streams end UNAUTHENTICATED within 2 s of the revoke",
          len(after) == 4 and all(v[2] - revoked_at < 2.0 for v in after), ended)

    # The wipe order, as any gRPC client reads it.
    srv.call("/gridsync.v1.AdminService/RevokeDevice",
             admin.RevokeDeviceRequest(device_id=other.device_id, wipe=True),
             admin.RevokeDeviceResponse, A)
    e = refused(lambda: pull_epoch(other.token))
    d = details_of(e) if e else None
    infos = []
    for x in (d.details if d else []):
        info = error_details.ErrorInfo()
        if x.Unpack(info):
            infos.append((info.domain, info.reason))
    check("6d. the wipe order is a google.rpc.Status with ErrorInfo DEVICE_LOST_WIPE_REPLICA",
          e is not None and e.code() == grpc.StatusCode.PERMISSION_DENIED and
          ("gridsync.v1", "DEVICE_LOST_WIPE_REPLICA") in infos, (e and e.code(), infos))

    # --- 2. Refill after a restore, with forged writes ----------------------
    backups = os.path.join(srv.scratch, "backups")
    srv.call("/gridsync.v1.AdminService/Backup", admin.BackupRequest(dir=backups),
             admin.BackupResponse, A)
    srv.restore(backups)
    epoch = pull_epoch(W)

    def dot(device, counter):
        return common.Dot(device_id=device, counter=counter)

    def visit_state(rid, grid, household, visited_at, by_device, by_author):
        s = state_pb.RecordState(record_id=rid)
        s.header.kind = records.RECORD_KIND_VISIT
        s.header.grid_code = grid
        s.header.subject_id = household
        s.header.created_hlc = (now_ms - 60000) << 16
        s.header.created_by_device = by_device
        s.header.created_by = by_author
        r = s.registers.add(field="visited_at_ms")
        r.siblings.add(dot=dot(by_device, 1), hlc=s.header.created_hlc, author=by_author,
                       value=common.FieldValue(int_value=visited_at))
        r.context.entries.add(device_id=by_device, counter=1)
        return s

    def proposal_state(rid, decider_device, decider):
        s = state_pb.RecordState(record_id=rid)
        s.header.kind = records.RECORD_KIND_REGISTRY_PROPOSAL
        s.header.grid_code = grid_a
        s.header.subject_id = grid_a + "0003"
        s.header.created_hlc = (now_ms - 60000) << 16
        s.header.created_by_device = worker.device_id
        s.header.created_by = "王𠮷"
        for field, value, device, author in [
                ("action", common.FieldValue(int_value=records.PROPOSAL_ACTION_MOVED_OUT),
                 worker.device_id, "王𠮷"),
                ("decision", common.FieldValue(int_value=records.PROPOSAL_DECISION_APPROVED),
                 decider_device, decider),
                ("reason", common.FieldValue(string_value="已搬走"), worker.device_id, "王𠮷")]:
            r = s.registers.add(field=field)
            r.siblings.add(dot=dot(device, 1 if device != worker.device_id else 2),
                           hlc=s.header.created_hlc, author=author, value=value)
            for d in sorted({worker.device_id, device}):
                r.context.entries.add(device_id=d, counter=1 if d != worker.device_id else 2)
        return s

    def sign_siblings(s, device, key):
        """Signs `device`'s siblings in `s` as its phone would: the WriteClaim,
        serialized deterministically, after the domain line."""
        for r in s.registers:
            for sib in r.siblings:
                if sib.dot.device_id != device:
                    continue
                claim = state_pb.WriteClaim(record_id=s.record_id, kind=s.header.kind,
                                            grid_code=s.header.grid_code, place=r.field)
                claim.sibling.CopyFrom(sib)
                claim.sibling.ClearField("author")
                claim.sibling.ClearField("signature")
                sib.signature = key.sign(b"gridsync.v1.WriteClaim\n" +
                                         claim.SerializeToString(deterministic=True))

    forged_decision = proposal_state(new_id(), secretary.device_id, "李书记")
    approved = proposal_state(new_id(), secretary.device_id, "李书记")
    sign_siblings(approved, secretary.device_id, secretary_key)
    signed_decision = proposal_state(new_id(), secretary.device_id, "李书记")
    for r in signed_decision.registers:  # a signature of the right size, not the secretary's
        for sib in r.siblings:
            sib.signature = os.urandom(64)
    own_decision = proposal_state(new_id(), worker.device_id, "王𠮷")
    in_2099 = visit_state(new_id(), grid_a, grid_a + "0001", 4070908800000, worker.device_id, "王𠮷")
    not_registered = visit_state(new_id(), grid_a, grid_a + "0099", now_ms - 1000, worker.device_id,
                                 "王𠮷")
    someone_else = visit_state(new_id(), grid_a, grid_a + "0001", now_ms - 1000, "dev-0123456789abcdef",
                               "赵六")
    own_visit = visit_state(new_id(), grid_a, grid_a + "0002", now_ms - 1000, worker.device_id, "王𠮷")
    states = [forged_decision, own_decision, in_2099, not_registered, someone_else, own_visit,
              signed_decision, approved]
    resp = srv.call("/gridsync.v1.SyncService/Refill",
                    sync.RefillRequest(store_epoch=epoch, records=states), sync.RefillResponse, W)
    res = resp.results
    check("2a. a decision under the secretary's name is held for review, not merged",
          res[0].held_for_review and res[0].outcome != sync.REFILL_OUTCOME_REJECTED, res[0])
    check("2b. the worker's own decision is refused as Push refuses it",
          res[1].outcome == sync.REFILL_OUTCOME_REJECTED and res[1].code == 7 and
          "decides" in res[1].message, res[1])
    check("2c. a visit dated 2099 is refused naming the time",
          res[2].outcome == sync.REFILL_OUTCOME_REJECTED and res[2].code == 3 and
          "visited_at_ms" in res[2].message, res[2])
    check("2d. a household not in the registry is refused",
          res[3].outcome == sync.REFILL_OUTCOME_REJECTED and "not in the registry" in res[3].message,
          res[3])
    check("2e. a visit created by another town's worker is held, not merged",
          res[4].held_for_review and res[4].outcome == sync.REFILL_OUTCOME_UNCHANGED, res[4])
    check("2f. the worker's own visit comes back",
          res[5].outcome == sync.REFILL_OUTCOME_MERGED and not res[5].held_for_review, res[5])
    check("2k. a decision signed by a key that is not the secretary's is held, not merged",
          res[6].held_for_review and res[6].outcome != sync.REFILL_OUTCOME_REJECTED, res[6])
    got = srv.call("/gridsync.v1.AdminService/GetRecord",
                   admin.GetRecordRequest(record_id=approved.record_id), admin.GetRecordResponse, A)
    check("2m. the secretary's approval signed by its key (in Python) comes back through the "
          "worker's phone, merged under the secretary's name",
          res[7].outcome == sync.REFILL_OUTCOME_MERGED and not res[7].held_for_review and
          got.record.registry_proposal.decision == records.PROPOSAL_DECISION_APPROVED,
          (res[7], got.record.registry_proposal))
    got = srv.call("/gridsync.v1.AdminService/GetRecord",
                   admin.GetRecordRequest(record_id=forged_decision.record_id),
                   admin.GetRecordResponse, A)
    check("2g. the proposal stands undecided on the server",
          got.record.registry_proposal.decision == records.PROPOSAL_DECISION_UNSPECIFIED,
          got.record.registry_proposal)
    e = refused(lambda: srv.call("/gridsync.v1.AdminService/GetRecord",
                                 admin.GetRecordRequest(record_id=someone_else.record_id),
                                 admin.GetRecordResponse, A))
    check("2h. the forged visit is not a record", e is not None and
          e.code() == grpc.StatusCode.NOT_FOUND, e and e.code())
    held = srv.call("/gridsync.v1.AdminService/ListHeldRefills", admin.ListHeldRefillsRequest(),
                    admin.ListHeldRefillsResponse, A)
    check("2i. all three are listed for the county, naming who sent them",
          sorted(c.refill.state.record_id for c in held.held) ==
          sorted([forged_decision.record_id, someone_else.record_id,
                  signed_decision.record_id]) and
          all(c.refill.device_id == worker.device_id and c.refill.held for c in held.held), held)
    feed_msgs = list(srv.stream("/gridsync.v1.FeedService/Subscribe",
                                feed.SubscribeRequest(scope_code=county), feed.SubscribeResponse, A))
    check("2j. and in the county's feed as held refills",
          sum(1 for m in feed_msgs if m.change.refill.held) == 3, len(feed_msgs))

    # A refill of 40 cases of 500 sessions each, every one "signed" by the
    # secretary (random bytes shaped so that each needs a full Ed25519
    # check): 20,000 signatures, past the bound of one call
    # (kMaxRefillVerifications). All are held, and the call ends.
    flood = []
    for n in range(40):
        s = state_pb.RecordState(record_id=new_id())
        s.header.kind = records.RECORD_KIND_DISPUTE_CASE
        s.header.grid_code = grid_a
        log = s.logs.add(log="mediation_sessions")
        for e in range(500):
            session = records.MediationSession(held_at_ms=now_ms - 60000, mediator="李书记")
            log.elements.add(element_id="s%04d" % e, hlc=(now_ms - 60000) << 16,
                             device_id=secretary.device_id, author="李书记",
                             payload=session.SerializeToString(),
                             signature=os.urandom(63) + b"\x0f")  # S < L: no early out
        flood.append(s)
    began = time.monotonic()
    resp = srv.call("/gridsync.v1.SyncService/Refill",
                    sync.RefillRequest(store_epoch=epoch, records=flood), sync.RefillResponse, W)
    took = time.monotonic() - began
    print("     a refill of 20,000 forged signatures answered in %.2f s" % took)
    check("2l. 20,000 forged signatures in one refill: every case held, none merged",
          len(resp.results) == 40 and
          all(r.held_for_review and r.outcome != sync.REFILL_OUTCOME_MERGED for r in resp.results),
          [r for r in resp.results if not r.held_for_review][:1])

    # --- 7. 排查上报 from the wire: another village's, a bad month, a 零报告 --
    china = time.gmtime(now_ms // 1000 + 8 * 3600)
    this_month = china.tm_year * 100 + china.tm_mon

    def screening(grid, month, found):
        c = mutation.CreateRecord()
        c.fields.add(field="month").value.int_value = month
        c.fields.add(field="disputes_found").value.int_value = found
        return mut(new_id(), records.RECORD_KIND_SCREENING_REPORT, grid, create=c)
    r = push(W, [screening(grid_b, this_month, 0), screening(grid_a, 202613, 0),
                 screening(grid_a, this_month, 0)])
    check("7a. a worker's screening report for another village is PERMISSION_DENIED",
          r[0].outcome == sync.MUTATION_OUTCOME_REJECTED and r[0].code == 7, r[0])
    check("7b. month 202613 is INVALID_ARGUMENT naming the field and the form",
          r[1].outcome == sync.MUTATION_OUTCOME_REJECTED and r[1].code == 3 and
          r[1].field.endswith("create.fields[0].value") and "yyyymm" in r[1].message, r[1])
    check("7c. a 零报告 of its own village is applied", r[2].outcome == sync.MUTATION_OUTCOME_APPLIED,
          r[2])
    cov = srv.call("/gridsync.v1.CoverageService/GetCoverage",
                   coverage.GetCoverageRequest(scope_code=county), coverage.GetCoverageResponse, A)
    s = cov.screening
    check("7d. the county counts 1 of 2 villages reported, a 零报告, the other named unreported",
          s.villages == 2 and s.reported == 1 and s.zero_reports == 1 and
          s.villages_not_reported == 1 and
          [v.village_code for v in s.by_village if v.months_reported == 0] == [village_b], s)
    # A trouble spot (排查整治): another village's refused; a step padded with
    # unknown bytes refused, naming the payload; the spot itself unchanged.
    spot_id = new_id()
    spot = mutation.CreateRecord()
    spot.fields.add(field="place").value.string_value = "𠮷家巷口"
    other_spot = mutation.CreateRecord()
    other_spot.fields.add(field="place").value.string_value = "二村路口"
    step = records.RectificationStep(at_ms=now_ms, action="装灯").SerializeToString()
    r = push(W, [mut(spot_id, records.RECORD_KIND_TROUBLE_SPOT, grid_a, create=spot),
                 mut(new_id(), records.RECORD_KIND_TROUBLE_SPOT, grid_b, create=other_spot),
                 append(spot_id, records.RECORD_KIND_TROUBLE_SPOT, grid_a, "steps", "s1",
                        step + b"\xba\x3e\x04abcd")])
    check("7e. a spot in its own grid applied, another village's PERMISSION_DENIED",
          r[0].outcome == sync.MUTATION_OUTCOME_APPLIED and
          r[1].outcome == sync.MUTATION_OUTCOME_REJECTED and r[1].code == 7, r[:2])
    check("7f. a 整治 step with unknown bytes is INVALID_ARGUMENT naming append_log.payload",
          r[2].outcome == sync.MUTATION_OUTCOME_REJECTED and r[2].code == 3 and
          r[2].field.endswith("append_log.payload"), r[2])
    got = srv.call("/gridsync.v1.AdminService/GetRecord", admin.GetRecordRequest(record_id=spot_id),
                   admin.GetRecordResponse, A)
    check("7g. the spot reads back as written, no step", got.record.trouble_spot.place == "𠮷家巷口" and
          len(got.record.trouble_spot.steps) == 0, got.record)

    # --- 8. 督办 from the wire: only the office gives and confirms a task ----
    TASK = records.RECORD_KIND_TASK
    desk = enroll(registry.ROLE_TOWN_OFFICE, town_a, "嵩阳综治中心")  # section 3 revoked the first

    def task_create(title):
        c = mutation.CreateRecord()
        c.fields.add(field="title").value.string_value = title
        c.fields.add(field="deadline_ms").value.int_value = now_ms + 7 * 86400000
        return c

    def task_step(rid, action, eid):
        return append(rid, TASK, grid_a, "steps", eid,
                      records.TaskStep(action=action, note="𠮷").SerializeToString())
    task_id = new_id()
    r = push(W, [mut(new_id(), TASK, grid_a, create=task_create("自己派的"))])
    check("8a. a grid worker cannot give a task: PERMISSION_DENIED, saying who does",
          r[0].outcome == sync.MUTATION_OUTCOME_REJECTED and r[0].code == 7 and
          "town office" in r[0].message, r[0])
    r = push(desk.token, [mut(task_id, TASK, grid_a, create=task_create("核查路灯")),
                            mut(new_id(), TASK, grid_b, create=task_create("别镇的")),
                            task_step(task_id, records.TASK_ACTION_ACCEPT, "o1")])
    check("8b. the town office gives its village a task, not another town's, and does not "
          "accept it for the village",
          r[0].outcome == sync.MUTATION_OUTCOME_APPLIED and r[1].code == 7 and r[2].code == 7 and
          r[2].field.endswith("append_log.payload.action"), r)
    r = push(W, [task_step(task_id, records.TASK_ACTION_CONFIRM, "w1"),
                 mut(task_id, TASK, grid_a, void_record=mutation.VoidRecord(reason="不想做")),
                 task_step(task_id, records.TASK_ACTION_REPORT_DONE, "w2"),
                 task_step(task_id, 0, "w3")])
    check("8c. the worker's confirmation and void are PERMISSION_DENIED; its report applied; a "
          "step without an action INVALID_ARGUMENT",
          r[0].code == 7 and r[1].code == 7 and r[2].outcome == sync.MUTATION_OUTCOME_APPLIED and
          r[3].code == 3, r)
    r = push(desk.token, [task_step(task_id, records.TASK_ACTION_CONFIRM, "o2")])
    check("8d. the office confirms it", r[0].outcome == sync.MUTATION_OUTCOME_APPLIED, r[0])
    listed = srv.call("/gridsync.v1.CoverageService/ListTasks",
                      coverage.ListTasksRequest(scope_code=grid_a), coverage.ListTasksResponse, W)
    check("8e. the grid's list: one task, confirmed, the report's note kept",
          listed.total == 1 and listed.tasks[0].state == records.TASK_STATE_CONFIRMED and
          listed.tasks[0].last_note == "𠮷" and listed.tasks[0].issued_by == "嵩阳综治中心", listed)
    e = refused(lambda: srv.call("/gridsync.v1.CoverageService/ListTasks",
                                 coverage.ListTasksRequest(scope_code=grid_a),
                                 coverage.ListTasksResponse, other.token))
    check("8f. another village's worker cannot list this grid's tasks",
          e is not None and e.code() == grpc.StatusCode.PERMISSION_DENIED, e and e.code())
    # A refill after the restore carrying a task the worker "gave" itself:
    # refused as the push was.
    forged = state_pb.RecordState(record_id=new_id())
    forged.header.kind = TASK
    forged.header.grid_code = grid_a
    forged.header.created_hlc = (now_ms - 60000) << 16
    forged.header.created_by_device = worker.device_id
    forged.header.created_by = "王𠮷"
    for n, (field, value) in enumerate([("deadline_ms", common.FieldValue(int_value=now_ms)),
                                        ("title", common.FieldValue(string_value="自己派的"))]):
        reg = forged.registers.add(field=field)
        reg.siblings.add(dot=dot(worker.device_id, n + 1), hlc=forged.header.created_hlc,
                         author="王𠮷", value=value)
        reg.context.entries.add(device_id=worker.device_id, counter=n + 1)
    resp = srv.call("/gridsync.v1.SyncService/Refill",
                    sync.RefillRequest(store_epoch=pull_epoch(W), records=[forged]),
                    sync.RefillResponse, W)
    check("8g. a task the worker gave itself, sent back in a refill, is refused as a push is",
          resp.results[0].outcome == sync.REFILL_OUTCOME_REJECTED and resp.results[0].code == 7,
          resp.results[0])

    # --- 9. 复查 from the wire: only the office or the secretary, never one's own visit
    visit_id = new_id()
    vc = mutation.CreateRecord(subject_id=grid_a + "0002")
    # The month's first visit of its household (China time), so the sample takes it.
    import calendar
    month_start_ms = (calendar.timegm((china.tm_year, china.tm_mon, 1, 0, 0, 0)) - 8 * 3600) * 1000
    vc.fields.add(field="visited_at_ms").value.int_value = month_start_ms + 1000
    r = push(W, [mut(visit_id, records.RECORD_KIND_VISIT, grid_a, create=vc)])
    check("9a. the worker records a visit", r[0].outcome == sync.MUTATION_OUTCOME_APPLIED, r[0])

    def verification(rid, grid, eid, said, extra=b""):
        v = records.VisitVerification(method=records.VERIFICATION_METHOD_PHONE, reached=True,
                                      confirmation=said, remark="𠮷")
        return append(rid, records.RECORD_KIND_VISIT, grid, "verifications", eid,
                      v.SerializeToString() + extra)
    r = push(W, [verification(visit_id, grid_a, "w1", records.VISIT_CONFIRMATION_CONFIRMED)])
    check("9b. a worker confirming its own visit is PERMISSION_DENIED",
          r[0].code == 7 and r[0].field.endswith("append_log.log"), r[0])
    e = refused(lambda: srv.call("/gridsync.v1.CoverageService/DrawVerificationSample",
                                 coverage.DrawVerificationSampleRequest(village_code=village_a),
                                 coverage.DrawVerificationSampleResponse, W))
    check("9c. nor may it see the sample beforehand",
          e is not None and e.code() == grpc.StatusCode.PERMISSION_DENIED, e and e.code())
    sec = secretary.token
    own_id = new_id()
    oc = mutation.CreateRecord(subject_id=grid_a + "0003")
    r = push(sec, [mut(own_id, records.RECORD_KIND_VISIT, grid_a, create=oc),
                   verification(own_id, grid_a, "s1", records.VISIT_CONFIRMATION_CONFIRMED)])
    check("9d. a secretary verifying a visit of her own device is PERMISSION_DENIED",
          r[0].outcome == sync.MUTATION_OUTCOME_APPLIED and r[1].code == 7, r)
    r = push(desk.token, [verification(visit_id, grid_a, "d0", records.VISIT_CONFIRMATION_NOT_MADE,
                                       b"\xba\x3e\x04abcd"),
                          verification(new_id(), grid_a, "d1", records.VISIT_CONFIRMATION_NOT_MADE),
                          verification(visit_id, grid_a, "d2", records.VISIT_CONFIRMATION_NOT_MADE)])
    check("9e. unknown bytes INVALID_ARGUMENT, a visit that does not exist NOT_FOUND, the office's "
          "answer applied",
          r[0].code == 3 and r[1].code == 5 and r[2].outcome == sync.MUTATION_OUTCOME_APPLIED, r)
    sample = srv.call("/gridsync.v1.CoverageService/DrawVerificationSample",
                      coverage.DrawVerificationSampleRequest(village_code=village_a),
                      coverage.DrawVerificationSampleResponse, desk.token)
    check("9f. the office's sample names the household, its visit found not made",
          any(v.visit_record_id == visit_id and
              v.confirmation == records.VISIT_CONFIRMATION_NOT_MADE for v in sample.visits), sample)
    cov = srv.call("/gridsync.v1.CoverageService/GetCoverage",
                   coverage.GetCoverageRequest(scope_code=village_a), coverage.GetCoverageResponse, A)
    check("9g. the village's figures: 1 verified, 1 not made, the visit out of 入户",
          cov.verification.verified == 1 and cov.verification.not_made == 1, cov.verification)
    e = refused(lambda: srv.call("/gridsync.v1.CoverageService/DrawVerificationSample",
                                 coverage.DrawVerificationSampleRequest(village_code=village_b),
                                 coverage.DrawVerificationSampleResponse, desk.token))
    check("9h. another town's village's sample is refused",
          e is not None and e.code() == grpc.StatusCode.PERMISSION_DENIED, e and e.code())

    # --- 10. A cadre's token: visits only, no sample
    cadre = srv.call("/gridsync.v1.AdminService/EnrollDevice",
                     admin.EnrollDeviceRequest(role=registry.ROLE_CADRE, scope_codes=[village_a],
                                               holder="村干部𠮷",
                                               cadre_kind=registry.CADRE_KIND_CADRE),
                     admin.EnrollDeviceResponse, A)
    e = refused(lambda: srv.call("/gridsync.v1.AdminService/EnrollDevice",
                                 admin.EnrollDeviceRequest(role=registry.ROLE_CADRE,
                                                           scope_codes=[village_a], holder="无类"),
                                 admin.EnrollDeviceResponse, A))
    check("10a. a cadre enrolled without its kind is INVALID_ARGUMENT",
          e is not None and e.code() == grpc.StatusCode.INVALID_ARGUMENT, e and e.details())
    cc = mutation.CreateRecord(subject_id=grid_a + "0001")
    cc.fields.add(field="title").value.string_value = "干部登记的纠纷"
    cv = mutation.CreateRecord(subject_id=grid_a + "0001")
    cv.fields.add(field="visited_at_ms").value.int_value = now_ms
    r = push(cadre.token, [mut(new_id(), records.RECORD_KIND_DISPUTE_CASE, grid_a, create=cc),
                           mut(new_id(), records.RECORD_KIND_VISIT, grid_a, create=cv)])
    check("10b. a cadre's case is PERMISSION_DENIED, its visit applied",
          r[0].code == 7 and r[1].outcome == sync.MUTATION_OUTCOME_APPLIED, r)
    e = refused(lambda: srv.call("/gridsync.v1.CoverageService/DrawVerificationSample",
                                 coverage.DrawVerificationSampleRequest(village_code=village_a),
                                 coverage.DrawVerificationSampleResponse, cadre.token))
    check("10c. nor does a cadre see the verification sample",
          e is not None and e.code() == grpc.StatusCode.PERMISSION_DENIED, e and e.code())
    cov = srv.call("/gridsync.v1.CoverageService/GetCoverage",
                   coverage.GetCoverageRequest(scope_code=village_a), coverage.GetCoverageResponse, A)
    check("10d. the village's roster has the cadre, one household visited of 10",
          cov.cadres.cadres == 1 and cov.cadres.by_cadre[0].households_visited == 1 and
          cov.cadres.by_cadre[0].name == "村干部𠮷", cov.cadres)
except Exception:
    traceback.print_exc()
    h.results["failed"] += 1
finally:
    if srv is not None:
        srv.close()
h.finish()
