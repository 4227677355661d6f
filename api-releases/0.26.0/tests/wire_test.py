#!/usr/bin/python3
"""gridsyncd from another language on the wire: Debian's python3-grpcio and
python3-protobuf, stubs made by protoc at test time, a real gridsyncd on
127.0.0.1. What a non-C++ client sees: text outside the BMP byte for byte, a
mutation whose text is not UTF-8 refused alone naming the field, a body that
is not protobuf answered INVALID_ARGUMENT saying so.

usage: wire_test.py GRIDSYNCD PROTO_DIR
"""
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True  # nothing left in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
GRIDSYNCD, PROTO_DIR = sys.argv[1], sys.argv[2]
try:
    import grpc
except ImportError:
    print("wire_test: python3-grpcio is not installed (scripts/setup.sh installs it); skipped")
    sys.exit(0)
import wire_harness as h
from wire_harness import check

srv = None
try:
    srv = h.Server(GRIDSYNCD, PROTO_DIR)
    from gridsync.v1 import admin_service_pb2 as admin
    from gridsync.v1 import common_pb2 as common
    from gridsync.v1 import mutation_pb2 as mutation
    from gridsync.v1 import records_pb2 as records
    from gridsync.v1 import registry_pb2 as registry
    from gridsync.v1 import sync_service_pb2 as sync
    from gridsync.v1 import feed_service_pb2 as feed
    from gridsync.v1 import blob_service_pb2 as blob
    from gridsync.v1 import coverage_service_pb2 as coverage
    admin_token = srv.admin_token
    call = srv.call
    channel = srv.channel

    county, town, village, grid = "410185000000", "410185001000", "410185001201", "410185001201001"
    household = grid + "0001"
    reg = admin.ImportRegistryRequest()
    for code, name, level, parent in [(county, "登封市", common.ORG_LEVEL_COUNTY, ""),
                                      (town, "嵩阳街道", common.ORG_LEVEL_TOWN, county),
                                      (village, "一村", common.ORG_LEVEL_VILLAGE, town),
                                      (grid, "网格", common.ORG_LEVEL_GRID, village)]:
        reg.org_units.add(code=code, name=name, level=level, parent_code=parent)
    reg.households.add(household_id=household, grid_code=grid, head_name="张𡒄")
    imported = call("/gridsync.v1.AdminService/ImportRegistry", reg, admin.ImportRegistryResponse, admin_token)
    check("registry imported", len(imported.rejections) == 0, imported)
    enrolled = call("/gridsync.v1.AdminService/EnrollDevice",
                    admin.EnrollDeviceRequest(role=registry.ROLE_GRID_WORKER, scope_codes=[grid], holder="王𠮷"),
                    admin.EnrollDeviceResponse, admin_token)
    token = enrolled.token

    now_ms = int(time.time() * 1000)
    texts = ["𠮷", "张𡒄𪚥", "👨\u200d👩\u200d👧 👍🏽", "مرحبا", "e\u0301", "\ufffd"]
    pieces = []
    for i, text in enumerate(texts + ["PLACEHOLDER!"]):
        m = mutation.Mutation(device_seq=i + 1, record_id="01JDQ5%020d" % i, kind=records.RECORD_KIND_VISIT,
                              grid_code=grid, hlc=now_ms << 16)
        m.create.subject_id = household
        m.create.fields.add(field="visited_at_ms").value.int_value = now_ms
        m.create.fields.add(field="notes").value.string_value = text
        pieces.append(m)
    body = sync.PushRequest(mutations=pieces).SerializeToString()
    # The last mutation's notes become JNI's modified UTF-8 of 𠮷 (two
    # surrogate halves), which Python's protobuf would refuse to build: the
    # bytes are swapped in place, the same length.
    bad = b"\xed\xa1\x82\xed\xbe\xb7"
    body = body.replace(b"PLACEHOLDER!", bad + b"......")
    pushed = call("/gridsync.v1.SyncService/Push", body, sync.PushResponse, token)
    outcomes = [r.outcome for r in pushed.results]
    check("every good mutation applied",
          outcomes[:len(texts)] == [sync.MUTATION_OUTCOME_APPLIED] * len(texts), outcomes)
    last = pushed.results[-1]
    check("the bad one rejected alone, naming the field",
          last.outcome == sync.MUTATION_OUTCOME_REJECTED and
          last.field == "mutations[%d].create.fields[1].value.string_value" % len(texts) and
          "notes" in last.message and "UTF-8" in last.message, last)

    pulled = call("/gridsync.v1.SyncService/Pull", sync.PullRequest(cursor=0), sync.PullResponse, token)
    notes = {}
    for state in pulled.records:
        for r in state.registers:
            if r.field == "notes":
                notes[state.record_id] = r.siblings[0].value.string_value
    check("text read back byte for byte",
          [notes.get("01JDQ5%020d" % i) for i in range(len(texts))] == texts, notes)
    got = call("/gridsync.v1.AdminService/GetRecord", admin.GetRecordRequest(record_id="01JDQ5%020d" % 1),
               admin.GetRecordResponse, admin_token)
    check("the server's view has the name as typed", got.record.visit.notes == "张𡒄𪚥", got.record.visit)

    # Refill (records sent back after a restore) from another language: this
    # server was never restored, so it takes none, saying why.
    try:
        call("/gridsync.v1.SyncService/Refill",
             sync.RefillRequest(store_epoch=pulled.store_epoch, records=pulled.records[:1]),
             sync.RefillResponse, token)
        check("Refill on a server never restored refused", False, "answered OK")
    except grpc.RpcError as e:
        check("Refill on a server never restored is FAILED_PRECONDITION saying so",
              e.code() == grpc.StatusCode.FAILED_PRECONDITION and "never restored" in e.details(),
              (e.code(), e.details()))

    for method in ["/gridsync.v1.SyncService/Push", "/gridsync.v1.SyncService/Pull",
                   "/gridsync.v1.SyncService/Refill"]:
        try:
            call(method, b"\xff\xff\xff\xff", sync.PushResponse, token)
            check(method + ": garbage refused", False, "answered OK")
        except grpc.RpcError as e:
            check(method + ": garbage is INVALID_ARGUMENT saying so",
                  e.code() == grpc.StatusCode.INVALID_ARGUMENT and "request body is not" in e.details(),
                  (e.code(), e.details()))

    # The change feed (server streaming): the backlog with its registry, and
    # a body that is not protobuf refused with INVALID_ARGUMENT saying so.
    def subscribe(body):
        rpc = channel.unary_stream("/gridsync.v1.FeedService/Subscribe",
                                   request_serializer=lambda m: m if isinstance(m, bytes) else m.SerializeToString(),
                                   response_deserializer=feed.FeedMessage.FromString)
        return list(rpc(body, metadata=[("authorization", "Bearer " + admin_token)], timeout=10))
    msgs = subscribe(feed.SubscribeRequest(scope_code=county))
    check("feed: the backlog, ending caught up", len(msgs) > 0 and msgs[-1].caught_up, len(msgs))
    try:
        subscribe(b"\xff\xff\xff\xff")
        check("feed: garbage refused", False, "answered OK")
    except grpc.RpcError as e:
        check("feed: garbage is INVALID_ARGUMENT saying so",
              e.code() == grpc.StatusCode.INVALID_ARGUMENT and "request body is not" in e.details(),
              (e.code(), e.details()))

    # The 安全感/满意度 questionnaire from another language: a form published
    # (a bad version refused naming the field), pulled by the worker, a
    # survey asked under it, counted by CoverageService.
    form = registry.SurveyForm(version="2026-Q4", title="民调", safety_question="安全吗？",
                               satisfaction_question="满意吗？")
    form.questions.add(id="q3", text="最担心？", choices=["𠮷家巷路灯", "诈骗"])
    published = call("/gridsync.v1.CoverageService/PublishSurveyForm",
                     coverage.PublishSurveyFormRequest(form=form), registry.SurveyForm, admin_token)
    check("a form published, stamped", published.published_at_ms > 0, published)
    try:
        call("/gridsync.v1.CoverageService/PublishSurveyForm",
             coverage.PublishSurveyFormRequest(form=registry.SurveyForm(version="Q 5")),
             registry.SurveyForm, admin_token)
        check("a form with a bad version refused", False, "answered OK")
    except grpc.RpcError as e:
        check("a form with a bad version is INVALID_ARGUMENT naming form.version",
              e.code() == grpc.StatusCode.INVALID_ARGUMENT and "form.version" in e.details(),
              (e.code(), e.details()))
    pulled = call("/gridsync.v1.SyncService/Pull", sync.PullRequest(cursor=0), sync.PullResponse, token)
    forms = [r.survey_form for r in pulled.registry if r.HasField("survey_form")]
    check("the worker pulls the form with its text", len(forms) == 1 and
          forms[0].questions[0].choices[0] == "𠮷家巷路灯", forms)
    survey_id = "01JDQ6%020d" % 0
    m = mutation.Mutation(device_seq=len(texts) + 10, record_id=survey_id, kind=records.RECORD_KIND_SURVEY,
                          grid_code=grid, hlc=(now_ms + 2) << 16)
    m.create.subject_id = household
    for field, value in [("outcome", records.SURVEY_OUTCOME_ANSWERED), ("asked_at_ms", now_ms),
                         ("safety", records.SAFETY_ANSWER_SAFE),
                         ("satisfaction", records.SATISFACTION_ANSWER_DISSATISFIED)]:
        m.create.fields.add(field=field).value.int_value = value
    m.create.fields.add(field="form_version").value.string_value = "2026-Q4"
    o = mutation.Mutation(device_seq=len(texts) + 11, record_id=survey_id, kind=records.RECORD_KIND_SURVEY,
                          grid_code=grid, hlc=(now_ms + 3) << 16)
    o.append_log.log = "opinions"
    o.append_log.element_id = "o1"
    o.append_log.payload = records.SurveyOpinion(topic=records.OPINION_TOPIC_FRAUD,
                                                 text="张𡒄家接到诈骗电话").SerializeToString()
    pushed = call("/gridsync.v1.SyncService/Push", sync.PushRequest(mutations=[m, o]), sync.PushResponse, token)
    check("a survey and its opinion applied",
          [r.outcome for r in pushed.results] == [sync.MUTATION_OUTCOME_APPLIED] * 2, pushed)
    cov = call("/gridsync.v1.CoverageService/GetCoverage",
               coverage.GetCoverageRequest(scope_code=village), coverage.Coverage, admin_token)
    check("counted: 1 respondent, 安全感率 1, 满意率 0, fraud raised once",
          cov.surveys.answered == 1 and cov.surveys.safety_rate == 1.0 and
          cov.surveys.satisfaction_rate == 0.0 and
          [(x.topic, x.count) for x in cov.surveys.opinions] == [(records.OPINION_TOPIC_FRAUD, 1)],
          cov.surveys)
    got = call("/gridsync.v1.AdminService/GetRecord", admin.GetRecordRequest(record_id=survey_id),
               admin.GetRecordResponse, admin_token)
    check("the survey reads back as said", got.record.survey.opinions[0].text == "张𡒄家接到诈骗电话" and
          got.record.survey.satisfaction == records.SATISFACTION_ANSWER_DISSATISFIED, got.record)

    # Attachments from another language: a photo referenced by a visit,
    # uploaded in two chunks with CRC-32C computed here (Castagnoli, as the
    # proto says), read back ranged; a hash without its record grants nothing.
    import hashlib
    import random

    crc32c = h.crc32c
    check("crc32c check value", crc32c(b"123456789") == 0xE3069283)
    photo = b"\x89PNG\r\n\x1a\n" + bytes(random.Random(5).getrandbits(8) for _ in range(40000))
    sha = hashlib.sha256(photo).hexdigest()
    visit_id = "01JDQ5%020d" % 0
    ref = records.PhotoRef(sha256=sha, size=len(photo), content_type="image/png",
                           file_name="门口𠮷.png", purpose=records.ATTACHMENT_PURPOSE_SCENE)
    m = mutation.Mutation(device_seq=len(texts) + 2, record_id=visit_id, kind=records.RECORD_KIND_VISIT,
                          grid_code=grid, hlc=(now_ms + 1) << 16)
    m.append_log.log = "photos"
    m.append_log.element_id = "p1"
    m.append_log.payload = ref.SerializeToString()
    pushed = call("/gridsync.v1.SyncService/Push", sync.PushRequest(mutations=[m]), sync.PushResponse, token)
    check("photo reference applied", pushed.results[0].outcome == sync.MUTATION_OUTCOME_APPLIED, pushed)
    begun = call("/gridsync.v1.BlobService/BeginUpload",
                 blob.BeginUploadRequest(record_id=visit_id, sha256=sha), blob.BeginUploadResponse, token)
    check("upload begins at 0", begun.offset == 0 and not begun.stored and begun.size == len(photo), begun)
    try:
        call("/gridsync.v1.BlobService/UploadChunk",
             blob.UploadChunkRequest(record_id=visit_id, sha256=sha, offset=0, data=photo[:20000],
                                     crc32c=crc32c(photo[:20000]) ^ 1),
             blob.UploadChunkResponse, token)
        check("a chunk with a wrong crc32c refused", False, "answered OK")
    except grpc.RpcError as e:
        check("a chunk with a wrong crc32c is DATA_LOSS", e.code() == grpc.StatusCode.DATA_LOSS,
              (e.code(), e.details()))
    acked = None
    half = len(photo) // 2
    for off, end in ((0, half), (half, len(photo))):
        part = photo[off:end]
        acked = call("/gridsync.v1.BlobService/UploadChunk",
                     blob.UploadChunkRequest(record_id=visit_id, sha256=sha, offset=off, data=part,
                                             crc32c=crc32c(part)),
                     blob.UploadChunkResponse, token)
    check("the last chunk stores it", acked.stored and acked.offset == len(photo), acked)
    read = call("/gridsync.v1.BlobService/ReadBlob",
                blob.ReadBlobRequest(record_id=visit_id, sha256=sha, offset=100, max_bytes=1000),
                blob.ReadBlobResponse, token)
    check("a ranged read gives the bytes", read.data == photo[100:1100] and read.size == len(photo))
    try:
        call("/gridsync.v1.BlobService/ReadBlob",
             blob.ReadBlobRequest(record_id="01JDQ5%020d" % 1, sha256=sha), blob.ReadBlobResponse, token)
        check("a record that does not reference the hash refused", False, "answered OK")
    except grpc.RpcError as e:
        check("a record that does not reference the hash is NOT_FOUND",
              e.code() == grpc.StatusCode.NOT_FOUND, (e.code(), e.details()))
except Exception:
    traceback.print_exc()
    h.results["failed"] += 1
finally:
    if srv is not None:
        srv.close()
h.finish()
