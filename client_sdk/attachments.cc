#include "client_sdk/attachments.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/attachment.h"
#include "core/schema.h"

namespace gridsync::sdk {

absl::StatusOr<std::unique_ptr<Attachments>> Attachments::Open(const ClientOptions& o,
                                                               const ReplicaDisk& disk,
                                                               Replica* replica, ServerLink* link) {
  auto files =
      AttachmentFiles::Open(o.data_dir + "/attachments", disk.files, disk.attachment_name_key);
  if (!files.ok()) return files.status();
  auto blobs = std::make_unique<AttachmentSync>(
      link->channel(),
      [link](absl::string_view what, const ServerLink::Rpc& rpc) { return link->Call(what, rpc); },
      files->get(), o.upload_chunk_bytes);
  return std::unique_ptr<Attachments>(
      new Attachments(o, replica, std::move(*files), std::move(blobs)));
}

Attachments::Attachments(const ClientOptions& o, Replica* replica,
                         std::unique_ptr<AttachmentFiles> files,
                         std::unique_ptr<AttachmentSync> blobs)
    : max_bytes_(o.max_attachment_bytes),
      cache_bytes_(o.attachment_cache_bytes),
      unmetered_only_(o.attachments_unmetered_only),
      replica_(replica),
      files_(std::move(files)),
      blobs_(std::move(blobs)) {}

absl::Status Attachments::CheckSize(int64_t size) const {
  if (size == 0) return absl::InvalidArgumentError("the file to attach is empty");
  if (size <= max_bytes_) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("the file is ", size, " bytes; attachments are at most ", max_bytes_, " bytes (",
                   max_bytes_ >> 20, " MB): take the photo at a lower resolution"));
}

absl::StatusOr<std::string> Attachments::PhotoLog(const std::string& record_id) const {
  auto view = replica_->View(record_id);
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return absl::NotFoundError(absl::StrCat("record ", record_id, " is not on this phone"));
  }
  const core::KindSchema* schema = core::SchemaFor((*view)->header().kind());
  std::string log;
  for (const auto& [name, spec] : schema ? schema->fields : decltype(schema->fields){}) {
    if (spec.role == core::FieldRole::kLog &&
        spec.field->message_type() == gridsync::v1::PhotoRef::descriptor()) {
      log = name;
    }
  }
  if (log.empty()) return absl::InvalidArgumentError("this kind of record takes no attachments");
  return log;
}

absl::StatusOr<gridsync::v1::PhotoRef> Attachments::Attach(const std::string& record_id,
                                                           std::string_view bytes,
                                                           const AttachOptions& o) {
  if (auto st = CheckSize(static_cast<int64_t>(bytes.size())); !st.ok()) return st;
  const std::string sniffed = core::SniffContentType(bytes.substr(0, 16));
  if (sniffed.empty()) {
    return absl::InvalidArgumentError("only JPEG and PNG photos and PDF documents can be attached");
  }
  if (!o.content_type.empty() && o.content_type != sniffed) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file is ", sniffed, ", not ", o.content_type.substr(0, 64)));
  }
  auto log = PhotoLog(record_id);
  if (!log.ok()) return log.status();

  gridsync::v1::PhotoRef ref;
  ref.set_size(static_cast<int64_t>(bytes.size()));
  ref.set_content_type(sniffed);
  ref.set_file_name(std::filesystem::path(o.file_name).filename().string());
  ref.set_caption(o.caption);
  ref.set_purpose(o.purpose);
  ref.set_taken_at_ms(o.taken_at_ms > 0 ? o.taken_at_ms : replica_->NowMs());
  auto sha = files_->Put(bytes);
  if (!sha.ok()) return sha.status();
  ref.set_sha256(*sha);
  if (auto bad = core::CheckPhotoRef(ref)) return absl::InvalidArgumentError(*bad);
  gridsync::v1::UploadEntry entry;
  entry.set_record_id(record_id);
  entry.set_sha256(*sha);
  entry.set_size(ref.size());
  entry.set_content_type(ref.content_type());
  entry.set_attached_at_ms(replica_->NowMs());
  if (auto st = replica_->store().PutUpload(entry); !st.ok()) return st;
  if (auto appended = replica_->AppendLog(record_id, *log, ref); !appended.ok()) {
    replica_->store().DeleteUpload(*sha).IgnoreError();
    return appended.status();
  }
  return ref;
}

absl::StatusOr<std::string> Attachments::Fetch(
    const std::string& record_id, const std::string& sha256,
    const std::function<void(int64_t, int64_t)>& progress) {
  auto view = replica_->View(record_id);
  if (!view.ok()) return view.status();
  std::optional<gridsync::v1::PhotoRef> ref;
  if (view->has_value()) {
    for (auto& r : core::AttachmentsOf(**view)) {
      if (r.sha256() == sha256) ref = std::move(r);
    }
  }
  if (!ref) {
    return absl::NotFoundError(absl::StrCat(
        "record ", record_id, " on this phone has no attachment ", sha256.substr(0, 64)));
  }
  absl::MutexLock one_at_a_time(&fetch_mu_);
  if (files_->Has(sha256)) {
    if (files_->Intact(sha256)) {  // handed out only as the record names it
      files_->Touch(sha256);
      return files_->Path(sha256);
    }
    files_->Remove(sha256);  // damaged or changed on the phone: fetched again
  }
  if (auto st = blobs_->Download(record_id, *ref, progress); !st.ok()) return st;
  TrimCache(sha256);
  return files_->Path(sha256);
}

absl::Status Attachments::UploadAll(SyncReport* report,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  std::vector<gridsync::v1::UploadEntry> queue;
  int64_t total = 0;
  for (auto& e : replica_->store().ListUploads()) {
    if (e.refused_code() != 0) continue;
    if (replica_->HasUnacked(e.record_id())) {  // the server must hold the reference first
      ++report->attachments_waiting;
      continue;
    }
    total += e.size();
    queue.push_back(std::move(e));
  }
  if (unmetered_only_ && metered_) {
    report->attachments_waiting += static_cast<int64_t>(queue.size());
    return absl::OkStatus();
  }
  int64_t sent = 0;
  for (size_t i = 0; i < queue.size(); ++i) {
    auto& e = queue[i];
    absl::Status st = blobs_->Upload(e, [&](int64_t n) {
      sent += n;
      report->attachment_bytes_sent += n;
      progress(sent, total);
    });
    if (st.ok()) {
      ++report->attachments_uploaded;
      if (auto d = replica_->store().DeleteUpload(e.sha256()); !d.ok()) return d;
      continue;
    }
    if (IsBreak(st) || absl::IsCancelled(st)) {
      report->attachments_waiting += static_cast<int64_t>(queue.size() - i);
      return st;
    }
    if (absl::IsResourceExhausted(st)) {  // the day's quota, or the server's disk: later
      report->attachments_waiting += static_cast<int64_t>(queue.size() - i);
      break;
    }
    // Lasting: a type or size the server does not take, a record it
    // refused, a damaged copy here. Kept for the app to show.
    ++report->attachments_refused;
    e.set_refused_code(static_cast<int32_t>(st.code()));
    e.set_message(std::string(st.message()));
    if (auto put = replica_->store().PutUpload(e); !put.ok()) return put;
  }
  TrimCache();
  return absl::OkStatus();
}

absl::Status Attachments::RequeueCached() {
  std::set<std::string> queued = Queued();
  std::vector<gridsync::v1::UploadEntry> entries;
  auto st = replica_->store().ForEachState([&](const gridsync::v1::RecordState& held) {
    for (const auto& ref : core::AttachmentsOf(held)) {
      if (!files_->Has(ref.sha256()) || !queued.insert(ref.sha256()).second) continue;
      auto& e = entries.emplace_back();
      e.set_record_id(held.record_id());
      e.set_sha256(ref.sha256());
      e.set_size(ref.size());
      e.set_content_type(ref.content_type());
      e.set_attached_at_ms(replica_->NowMs());
    }
  });
  if (!st.ok()) return st;
  for (const auto& e : entries) {
    if (auto put = replica_->store().PutUpload(e); !put.ok()) return put;
  }
  return absl::OkStatus();
}

std::set<std::string> Attachments::Queued() const {
  std::set<std::string> out;
  for (const auto& e : replica_->store().ListUploads()) out.insert(e.sha256());
  return out;
}

void Attachments::Remove(const std::set<std::string>& sha256s) {
  for (const auto& sha : sha256s) files_->Remove(sha);
}

void Attachments::TrimCache(const std::string& keep) {
  std::set<std::string> pinned = Queued();
  if (!keep.empty()) pinned.insert(keep);
  files_->Evict(pinned, cache_bytes_);
}

}  // namespace gridsync::sdk
