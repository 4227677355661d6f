// Attachments end to end: SDK Attach and Sync, the server's BlobService and
// blob store, and the refusals (scope, limits, damage), through the proxy.
#include "core/attachment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/coverage.h"
#include "gridsync/v1/blob_service.grpc.pb.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/feed_service.grpc.pb.h"
#include "tests/client_sdk/sdk_test.h"
#include "tools/common/client.h"
#include "tools/common/sample_data.h"

namespace gridsync::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int CountFiles(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    n += it->is_regular_file() ? 1 : 0;
  }
  return n;
}

class AttachmentTest : public SdkTest {
 protected:
  std::string ObjectPath(const std::string& sha) {
    return dir_ + "/blobs/objects/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
  }
  std::unique_ptr<gridsync::v1::BlobService::Stub> BlobStub() {
    return gridsync::v1::BlobService::NewStub(
        grpc::CreateChannel(addr(), grpc::InsecureChannelCredentials()));
  }
  // Restarts the server with other attachment limits.
  void RestartWithLimits(int64_t max_bytes, int64_t quota_bytes) {
    options_.max_attachment_bytes = max_bytes;
    options_.attachment_quota_bytes = quota_bytes;
    RestartServer();
  }
};

TEST_F(AttachmentTest, PhotoSyncsAfterItsRecordAndIsStoredOnceVerified) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string photo = tools::SampleJpeg(300 << 10, 1);
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, photo, {.file_name = "门口.jpg", .caption = "入户 𠮷"});
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->sha256(), core::Sha256Hex(photo));
  EXPECT_EQ(ref->content_type(), "image/jpeg");
  EXPECT_EQ(ref->size(), static_cast<int64_t>(photo.size()));
  ASSERT_EQ(a->PendingUploads().size(), 1u);

  std::vector<std::pair<int64_t, int64_t>> progress;
  auto r = a->Sync([&](const sdk::SyncProgress& p) {
    if (p.phase == sdk::SyncProgress::Phase::kUpload) {
      progress.emplace_back(p.upload_bytes_sent, p.upload_bytes_total);
    }
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attachments_uploaded, 1);
  EXPECT_EQ(r->attachment_bytes_sent, static_cast<int64_t>(photo.size()));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().first, static_cast<int64_t>(photo.size()));
  EXPECT_EQ(progress.back().second, static_cast<int64_t>(photo.size()));
  EXPECT_TRUE(a->PendingUploads().empty());
  EXPECT_EQ(ReadAll(ObjectPath(ref->sha256())), photo);
  const std::string page = server_->MetricsPage();
  EXPECT_NE(page.find("\ngridsync_attachments_stored_total 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("\ngridsync_attachment_bytes_received_total 307200\n"), std::string::npos);
  EXPECT_NE(page.find("\ngridsync_attachment_uploads_in_progress 0\n"), std::string::npos);
  // The record on the server references it, with its name and caption.
  const auto rec = GetRecord(visit).record();
  ASSERT_EQ(rec.visit().photos_size(), 1);
  EXPECT_EQ(rec.visit().photos(0).file_name(), "门口.jpg");
  EXPECT_EQ(rec.visit().photos(0).caption(), "入户 𠮷");

  // A second phone with the same photo on another visit: nothing sent, one blob.
  Phone b = NewPhone(kGridA, "李四");
  const std::string visit_b = NewVisit(b, kGridA, 2);
  ASSERT_TRUE(b->AttachBytes(visit_b, photo).ok());
  auto rb = b->Sync();
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->attachments_uploaded, 1);
  EXPECT_EQ(rb->attachment_bytes_sent, 0);
  EXPECT_EQ(CountFiles(dir_ + "/blobs/objects"), 1);
}

TEST_F(AttachmentTest, FetchIsScopedByTheRecordNotTheHash) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string photo = tools::SampleJpeg(100 << 10, 2);
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, photo);
  ASSERT_TRUE(ref.ok());
  SyncOk(a);

  // Another phone of the grid holds the record and downloads the bytes.
  Phone sec = NewPhone(kGridA, "书记");
  SyncOk(sec);
  int64_t last = 0;
  auto path =
      sec->FetchAttachment(visit, ref->sha256(), [&](int64_t done, int64_t) { last = done; });
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(ReadAll(*path), photo);
  EXPECT_EQ(last, static_cast<int64_t>(photo.size()));

  // A worker of another village: the record is not on the phone, and the
  // server refuses the hash with the record named, or with one of its own.
  Phone other = NewPhone(kGridC, "王五");
  SyncOk(other);
  auto refused = other->FetchAttachment(visit, ref->sha256());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  std::string other_token = other.options.token;
  auto stub = BlobStub();
  gridsync::v1::ReadBlobRequest req;
  req.set_record_id(visit);
  req.set_sha256(ref->sha256());
  gridsync::v1::ReadBlobResponse resp;
  auto ctx = tools::CallContext(other_token);
  grpc::Status st = stub->ReadBlob(ctx.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_TRUE(resp.data().empty());
  const std::string own_visit = NewVisit(other, kGridC, 1);
  SyncOk(other);
  req.set_record_id(own_visit);  // a record of its own that does not reference the hash
  auto ctx2 = tools::CallContext(other_token);
  st = stub->ReadBlob(ctx2.get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();

  // Ranged: the second 1000 bytes, for the same grid's worker.
  req.set_record_id(visit);
  req.set_offset(1000);
  req.set_max_bytes(1000);
  auto ctx3 = tools::CallContext(a.options.token);
  st = stub->ReadBlob(ctx3.get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.data(), photo.substr(1000, 1000));
  EXPECT_EQ(resp.size(), static_cast<int64_t>(photo.size()));
}

TEST_F(AttachmentTest, AVoidedRecordsAttachmentsStayButAreNotSentToPhones) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, tools::SampleJpeg(50 << 10, 3));
  ASSERT_TRUE(ref.ok());
  SyncOk(a);
  ASSERT_TRUE(a->Void(visit, "录错了户").ok());
  SyncOk(a);
  Phone sec = NewPhone(kGridA, "书记");
  SyncOk(sec);
  auto refused = sec->FetchAttachment(visit, ref->sha256());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_TRUE(std::filesystem::exists(ObjectPath(ref->sha256())));
  // The county's job still reads it (audit).
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty}, "county");
  gridsync::v1::ReadBlobRequest req;
  req.set_record_id(visit);
  req.set_sha256(ref->sha256());
  gridsync::v1::ReadBlobResponse resp;
  auto ctx = tools::CallContext(job);
  auto st = BlobStub()->ReadBlob(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.data().size(), size_t{50} << 10);
}

TEST_F(AttachmentTest, SizeAndQuotaAreRefusedBeforeTheBytesAreSent) {
  RestartWithLimits(int64_t{1} << 20, int64_t{1500} << 10);
  Phone a = NewPhone(kGridA, "张三");
  // Over the server's size limit (the phone's own is 10 MB): refused for good.
  const std::string big_visit = NewVisit(a, kGridA, 1);
  ASSERT_TRUE(a->AttachBytes(big_visit, tools::SampleJpeg(2 << 20, 4)).ok());
  proxy_->ResetCounters();
  auto r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attachments_refused, 1);
  EXPECT_LT(proxy_->bytes_up(), 64 << 10) << "the refused photo's bytes were sent";
  auto pending = a->PendingUploads();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].refused_code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(pending[0].message().find("at most 1048576 bytes"), std::string::npos)
      << pending[0].message();

  // The day's quota: 1.5 MB; two photos of 900 KB: the second waits.
  const std::string v2 = NewVisit(a, kGridA, 2), v3 = NewVisit(a, kGridA, 3);
  ASSERT_TRUE(a->AttachBytes(v2, tools::SampleJpeg(900 << 10, 5)).ok());
  ASSERT_TRUE(a->AttachBytes(v3, tools::SampleJpeg(900 << 10, 6)).ok());
  r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attachments_uploaded, 1);
  EXPECT_EQ(r->attachments_waiting, 1);
  EXPECT_EQ(r->attachments_refused, 0);

  // The phone's own limit, and types: refused at attach.
  auto too_big = a->AttachBytes(v2, tools::SampleJpeg(11 << 20, 7));
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  auto gif = a->AttachBytes(v2, "GIF89a not a type we take");
  EXPECT_EQ(gif.status().code(), absl::StatusCode::kInvalidArgument) << gif.status();
  auto wrong = a->AttachBytes(v2, tools::SampleJpeg(1000, 8), {.content_type = "application/pdf"});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument) << wrong.status();
}

TEST_F(AttachmentTest, ADamagedChunkOrWrongBytesAreRefusedAndNothingIsKept) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string photo = tools::SampleJpeg(200 << 10, 9);
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, photo);
  ASSERT_TRUE(ref.ok());
  a.options.attachments_unmetered_only = true;
  Reopen(a);
  a->SetNetworkMetered(true);
  auto r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attachments_waiting, 1);  // records went; the photo waits for Wi-Fi
  EXPECT_EQ(r->attachments_uploaded, 0);

  auto stub = BlobStub();
  const std::string token = a.options.token;
  auto chunk = [&](int64_t offset, std::string data, uint32_t crc) {
    gridsync::v1::UploadChunkRequest req;
    req.set_record_id(visit);
    req.set_sha256(ref->sha256());
    req.set_offset(offset);
    req.set_data(std::move(data));
    req.set_crc32c(crc);
    gridsync::v1::UploadChunkResponse resp;
    auto ctx = tools::CallContext(token);
    return stub->UploadChunk(ctx.get(), req, &resp);
  };
  std::string first = photo.substr(0, 64 << 10);
  std::string damaged = first;
  damaged[1000] ^= 0x40;
  grpc::Status st = chunk(0, damaged, core::Crc32c(first));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DATA_LOSS) << st.error_message();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/blobs/partial/" + ref->sha256()));
  // Bytes of another type at the start.
  std::string png("\x89PNG\r\n\x1A\n", 8);
  png.resize(1000, 'x');
  st = chunk(0, png, core::Crc32c(png));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  // A whole of the right size whose hash is not the reference's: discarded.
  std::string forged = photo;
  forged[150000] ^= 1;
  ASSERT_TRUE(
      chunk(0, forged.substr(0, 100 << 10), core::Crc32c(forged.substr(0, 100 << 10))).ok());
  st = chunk(100 << 10, forged.substr(100 << 10), core::Crc32c(forged.substr(100 << 10)));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DATA_LOSS) << st.error_message();
  EXPECT_FALSE(std::filesystem::exists(ObjectPath(ref->sha256())));
  // A chunk at an offset the server does not hold.
  st = chunk(4096, photo.substr(4096, 4096), core::Crc32c(photo.substr(4096, 4096)));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();

  // On Wi-Fi the phone sends it whole.
  a->SetNetworkMetered(false);
  r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attachments_uploaded, 1);
  EXPECT_EQ(ReadAll(ObjectPath(ref->sha256())), photo);
}

TEST_F(AttachmentTest, FiveMegabytesThroughANetworkCutEvery256KB) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string photo = tools::SampleJpeg(5 << 20, 10);
  const std::string visit = NewVisit(a, kGridA, 1);
  SyncOk(a);
  auto ref = a->AttachBytes(visit, photo);
  ASSERT_TRUE(ref.ok());
  proxy_->ResetCounters();
  proxy_->set_cut_after_bytes(256 << 10);
  int syncs = 0;
  absl::StatusOr<sdk::SyncReport> r = absl::UnknownError("not yet");
  int64_t uploaded = 0;
  for (; syncs < 60 && uploaded == 0; ++syncs) {
    r = a->Sync();
    if (r.ok()) uploaded = r->attachments_uploaded;
  }
  ASSERT_EQ(uploaded, 1) << r.status();
  const double ratio = static_cast<double>(proxy_->bytes_up()) / static_cast<double>(photo.size());
  printf("5 MB photo, cut every 256 KB: %d syncs, %lld connections cut, %lld bytes up (%.3f x)\n",
         syncs, static_cast<long long>(proxy_->cuts()), static_cast<long long>(proxy_->bytes_up()),
         ratio);
  EXPECT_LE(ratio, 1.2);
  EXPECT_GE(proxy_->cuts(), 15);
  EXPECT_EQ(ReadAll(ObjectPath(ref->sha256())), photo);
}

TEST_F(AttachmentTest, ADownloadCutEvery256KBResumesWhereItStopped) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string photo = tools::SampleJpeg(5 << 20, 13);
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, photo);
  ASSERT_TRUE(ref.ok());
  SyncOk(a);
  Phone b = NewPhone(kGridA, "李四");
  SyncOk(b);
  proxy_->ResetCounters();
  proxy_->set_cut_after_bytes(256 << 10);
  auto path = b->FetchAttachment(visit, ref->sha256());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(ReadAll(*path), photo);
  const double ratio =
      static_cast<double>(proxy_->bytes_down()) / static_cast<double>(photo.size());
  printf("5 MB download, cut every 256 KB: %lld connections cut, %.3f x the photo received\n",
         static_cast<long long>(proxy_->cuts()), ratio);
  EXPECT_LE(ratio, 1.3);
  EXPECT_GE(proxy_->cuts(), 15);
}

TEST_F(AttachmentTest, TheFeedCarriesTheReferenceAndTheArrival) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, tools::SampleJpeg(10 << 10, 11),
                            {.purpose = gridsync::v1::ATTACHMENT_PURPOSE_SIGNATURE});
  ASSERT_TRUE(ref.ok());
  SyncOk(a);
  const std::string job = Enroll(gridsync::v1::ROLE_COUNTY_JOB, {kCounty}, "county");
  auto feed = gridsync::v1::FeedService::NewStub(
      grpc::CreateChannel(addr(), grpc::InsecureChannelCredentials()));
  gridsync::v1::SubscribeRequest req;
  auto ctx = tools::CallContext(job);
  auto reader = feed->Subscribe(ctx.get(), req);
  gridsync::v1::SubscribeResponse msg;
  bool referenced = false, arrived = false;
  for (int i = 0; i < 100000 && reader->Read(&msg); ++i) {
    const auto& c = msg.change();
    if (c.has_mutation() && c.mutation().has_append_log()) {
      gridsync::v1::PhotoRef got;
      ASSERT_TRUE(got.ParseFromString(c.mutation().append_log().payload()));
      referenced = got.sha256() == ref->sha256() &&
                   got.purpose() == gridsync::v1::ATTACHMENT_PURPOSE_SIGNATURE;
    }
    if (c.has_blob()) {
      arrived = c.blob().sha256() == ref->sha256() && c.blob().grid_code() == kGridA &&
                c.blob().device_id() == a.options.device_id;
    }
    if (msg.caught_up() && msg.cursor() >= msg.head()) break;
  }
  ctx->TryCancel();
  EXPECT_TRUE(referenced);
  EXPECT_TRUE(arrived);
}

TEST_F(AttachmentTest, BackupsCarryTheBlobsAndARestoreBringsThemBack) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string photo = tools::SampleJpeg(70 << 10, 12);
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, photo);
  ASSERT_TRUE(ref.ok());
  SyncOk(a);
  const std::string backups = BackUpServer();
  EXPECT_EQ(CountFiles(backups + "/blobs/objects"), 1);
  RestoreServer(backups);
  EXPECT_EQ(ReadAll(ObjectPath(ref->sha256())), photo);
  Phone sec = NewPhone(kGridA, "书记");
  SyncOk(sec);
  auto path = sec->FetchAttachment(visit, ref->sha256());
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(ReadAll(*path), photo);
}

TEST_F(AttachmentTest, PhotosARestoreLostComeBackFromThePhonesCache) {
  Phone a = NewPhone(kGridA, "张三");
  // Outside the server's folder, which the restore below moves away.
  a.options.data_dir = dir_ + "-restore-phone";
  Reopen(a);
  SyncOk(a);
  const std::string backups = BackUpServer();  // before the photo
  const std::string photo = tools::SampleJpeg(80 << 10, 14);
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, photo);
  ASSERT_TRUE(ref.ok());
  SyncOk(a);
  ASSERT_TRUE(std::filesystem::exists(ObjectPath(ref->sha256())));
  RestoreServer(backups);  // the record and the photo are gone from the server
  ASSERT_FALSE(std::filesystem::exists(ObjectPath(ref->sha256())));
  auto r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->refilled, 1);
  EXPECT_EQ(r->attachments_uploaded, 1);
  EXPECT_EQ(ReadAll(ObjectPath(ref->sha256())), photo);
  Phone b = NewPhone(kGridA, "李四");
  SyncOk(b);
  auto path = b->FetchAttachment(visit, ref->sha256());
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(ReadAll(*path), photo);
  a.client.reset();
  std::filesystem::remove_all(a.options.data_dir);
}

TEST_F(AttachmentTest, TheCacheKeepsUnsentFilesAndEvictsTheOldestFetched) {
  Phone a = NewPhone(kGridA, "张三");
  std::vector<std::string> visits, hashes;
  for (int i = 0; i < 3; ++i) {
    visits.push_back(NewVisit(a, kGridA, i + 1));
    auto ref = a->AttachBytes(visits.back(), tools::SampleJpeg(100 << 10, 20 + i));
    ASSERT_TRUE(ref.ok());
    hashes.push_back(ref->sha256());
  }
  SyncOk(a);
  Phone sec = NewPhone(kGridA, "书记");
  sec.options.attachment_cache_bytes = 250 << 10;  // two of the three
  Reopen(sec);
  SyncOk(sec);
  const std::string cache = sec.options.data_dir + "/attachments/";
  EXPECT_EQ(CountFiles(cache), 0) << "a first sync downloads no attachment";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(sec->FetchAttachment(visits[i], hashes[i]).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // distinct use times
  }
  EXPECT_FALSE(std::filesystem::exists(cache + hashes[0]));
  EXPECT_TRUE(std::filesystem::exists(cache + hashes[1]));
  EXPECT_TRUE(std::filesystem::exists(cache + hashes[2]));
  // Not yet uploaded stays, whatever the limit.
  const std::string mine = NewVisit(sec, kGridA, 9);
  auto unsent = sec->AttachBytes(mine, tools::SampleJpeg(300 << 10, 30));
  ASSERT_TRUE(unsent.ok());
  ASSERT_TRUE(sec->FetchAttachment(visits[0], hashes[0]).ok());
  EXPECT_TRUE(std::filesystem::exists(cache + unsent->sha256()));
}

TEST_F(AttachmentTest, AFileGoneFromThePhoneIsRefusedAndDoesNotBlockSync) {
  Phone a = NewPhone(kGridA, "张三");
  const std::string visit = NewVisit(a, kGridA, 1);
  auto ref = a->AttachBytes(visit, tools::SampleJpeg(20000, 50));
  ASSERT_TRUE(ref.ok());
  std::filesystem::remove(a.options.data_dir + "/attachments/" + ref->sha256());
  const std::string later = NewVisit(a, kGridA, 2);
  auto r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();  // the records went; the sync is not stuck on the photo
  EXPECT_EQ(r->attachments_refused, 1);
  auto pending = a->PendingUploads();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].refused_code(), static_cast<int>(absl::StatusCode::kDataLoss));
  EXPECT_NE(pending[0].message().find("gone"), std::string::npos) << pending[0].message();
  EXPECT_EQ(GetRecord(later).record().record_id(), later);
  r = a->Sync();  // and the next sync does not try it again
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attachments_refused, 0);
}

TEST_F(AttachmentTest, EvidenceIsCountedAlikeOnTheServerAndThePhone) {
  Phone a = NewPhone(kGridA, "张三");
  SyncOk(a);  // the registry
  const std::string with_photo = NewVisit(a, kGridA, 1);
  NewVisit(a, kGridA, 2);  // no photo
  const std::string voided = NewVisit(a, kGridA, 3);
  ASSERT_TRUE(a->AttachBytes(with_photo, tools::SampleJpeg(5000, 40)).ok());
  ASSERT_TRUE(a->AttachBytes(voided, tools::SampleJpeg(5000, 41)).ok());
  ASSERT_TRUE(a->Void(voided, "走错了户").ok());
  const std::string signed_case = NewCase(a, kGridA);
  const std::string plain_case = NewCase(a, kGridA);
  ASSERT_TRUE(a->AttachBytes(signed_case, tools::SampleJpeg(6000, 42),
                             {.purpose = gridsync::v1::ATTACHMENT_PURPOSE_SIGNED_AGREEMENT})
                  .ok());
  ASSERT_TRUE(a->AttachBytes(plain_case, tools::SampleJpeg(6000, 43)).ok());  // a scene photo only
  auto on_phone = a->GetCoverage(kGridA);  // before the writes sync: the phone's own count
  ASSERT_TRUE(on_phone.ok()) << on_phone.status();
  EXPECT_EQ(on_phone->visits().with_photos(), 1);
  EXPECT_EQ(on_phone->cases().with_signed_agreement(), 1);
  EXPECT_EQ(on_phone->cases().registered(), 2);
  SyncOk(a);

  auto coverage = gridsync::v1::CoverageService::NewStub(
      grpc::CreateChannel(addr(), grpc::InsecureChannelCredentials()));
  for (const bool month : {true, false}) {
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(kVillageAB);
    if (month) {
      req.mutable_period()->set_month(core::MonthName(core::MonthOf(core::SystemWallMs())));
    } else {  // a range: the last 3 days
      req.mutable_period()->set_from_ms(core::SystemWallMs() - 3 * core::kDayMs);
      req.mutable_period()->set_to_ms(core::SystemWallMs() + 60000);
    }
    gridsync::v1::GetCoverageResponse c;
    auto ctx = tools::CallContext(admin_token_);
    ASSERT_TRUE(coverage->GetCoverage(ctx.get(), req, &c).ok());
    EXPECT_EQ(c.visits().with_photos(), 1) << (month ? "month" : "range");
    EXPECT_EQ(c.cases().with_signed_agreement(), 1) << (month ? "month" : "range");
  }
  auto after = a->GetCoverage(kGridA);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->visits().with_photos(), 1);
  EXPECT_EQ(after->cases().with_signed_agreement(), 1);
}

}  // namespace
}  // namespace gridsync::testing
