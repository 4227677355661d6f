#include "server/admin_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/ids.h"
#include "core/record_limits.h"
#include "core/view.h"
#include "server/backup.h"
#include "server/grpc_edge.h"
#include "server/log.h"
#include "server/raw_unary.h"

namespace gridsync::server {

AdminServiceImpl::AdminServiceImpl(RecordStore* records, RegistryStore* registry,
                                   Authenticator* auth, std::string blob_objects)
    : records_(records), registry_(registry), blob_objects_(std::move(blob_objects)), auth_(auth) {
  using S = AdminServiceImpl;
  const Edge edge{auth_, &bad_requests_};
  AddMethod(Unary("/gridsync.v1.AdminService/EnrollDevice", this, Require::kAdmin, &S::EnrollDevice,
                  edge));
  AddMethod(Unary("/gridsync.v1.AdminService/RevokeDevice", this, Require::kAdmin, &S::RevokeDevice,
                  edge));
  AddMethod(Unary("/gridsync.v1.AdminService/ImportRegistry", this, Require::kAdmin,
                  &S::ImportRegistry, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/ListOrgUnits", this, Require::kAdmin, &S::ListOrgUnits,
                  edge));
  AddMethod(Unary("/gridsync.v1.AdminService/ListHouseholds", this, Require::kAdmin,
                  &S::ListHouseholds, edge));
  AddMethod(
      Unary("/gridsync.v1.AdminService/GetRecord", this, Require::kAdmin, &S::GetRecord, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/BatchGetRecords", this, Require::kAdmin,
                  &S::BatchGetRecords, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/GetStats", this, Require::kAdmin, &S::GetStats, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/Backup", this, Require::kAdmin, &S::Backup, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/ListHeldRefills", this, Require::kAdmin,
                  &S::ListHeldRefills, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/ApplyHeldRefill", this, Require::kAdmin,
                  &S::ApplyHeldRefill, edge));
  AddMethod(Unary("/gridsync.v1.AdminService/ReinstateDevice", this, Require::kAdmin,
                  &S::ReinstateDevice, edge));
}

grpc::Status AdminServiceImpl::Audit(gridsync::v1::AdminAct act, const gridsync::v1::Actor& by) {
  *act.mutable_by() = by;
  if (auto st = records_->LogAdminAct(act); !st.ok()) {
    LogError(act.action(), " of ", act.subject(), " done, but not logged: ", st.ToString());
    return ToGrpc(st);
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Roster(const std::string& device_id, const gridsync::v1::Actor& by) {
  auto d = auth_->DeviceById(device_id);
  if (!d.ok()) return ToGrpc(d.status());
  if (d->role() != gridsync::v1::ROLE_CADRE || d->scope_codes_size() != 1) return grpc::Status::OK;
  gridsync::v1::Cadre c;
  c.set_device_id(d->device_id());
  c.set_name(d->holder());
  c.set_village_code(d->scope_codes(0));
  c.set_kind(d->cadre_kind());
  c.set_active(!d->revoked());
  return ToGrpc(registry_->PutCadre(c, by));
}

grpc::Status AdminServiceImpl::EnrollDevice(grpc::ServerContext*, const Principal& who,
                                            const gridsync::v1::EnrollDeviceRequest& req,
                                            gridsync::v1::EnrollDeviceResponse* resp) {
  const gridsync::v1::Actor by = who.actor();
  auto enrolled = auth_->Enroll(req.role(), {req.scope_codes().begin(), req.scope_codes().end()},
                                req.holder(), req.cadre_kind());
  if (!enrolled.ok()) return ToGrpc(enrolled.status());
  if (auto st = Roster(enrolled->device_id, by); !st.ok()) return st;
  gridsync::v1::AdminAct act;
  act.set_action("enrol");
  act.set_subject(enrolled->device_id);
  act.set_detail(absl::StrCat(gridsync::v1::Role_Name(req.role()), " for [",
                              absl::StrJoin(req.scope_codes(), ","), "] held by '", req.holder(),
                              "'"));
  if (auto st = Audit(std::move(act), by); !st.ok()) return st;
  resp->set_device_id(enrolled->device_id);
  resp->set_token(enrolled->token);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::RevokeDevice(grpc::ServerContext*, const Principal& who,
                                            const gridsync::v1::RevokeDeviceRequest& req,
                                            gridsync::v1::RevokeDeviceResponse*) {
  const gridsync::v1::Actor by = who.actor();
  if (auto st = auth_->Revoke(req.device_id(), req.wipe()); !st.ok()) return ToGrpc(st);
  if (auto st = Roster(req.device_id(), by); !st.ok()) return st;
  gridsync::v1::AdminAct act;
  act.set_action(req.wipe() ? "revoke and wipe" : "revoke");
  act.set_subject(req.device_id());
  return Audit(std::move(act), by);
}

grpc::Status AdminServiceImpl::ListHeldRefills(grpc::ServerContext*, const Principal&,
                                               const gridsync::v1::ListHeldRefillsRequest& req,
                                               gridsync::v1::ListHeldRefillsResponse* resp) {
  constexpr int kDefault = 100, kMax = 1000;
  if (req.page_size() < 0 || req.page_size() > kMax) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size ", req.page_size(), " must be 1..", kMax));
  }
  const int size = req.page_size() == 0 ? kDefault : req.page_size();
  auto held = records_->HeldRefills(req.after_seq(), size + 1);
  if (!held.ok()) return ToGrpc(held.status());
  resp->set_done(static_cast<int>(held->size()) <= size);
  for (int i = 0; i < static_cast<int>(held->size()) && i < size; ++i) {
    *resp->add_held() = std::move((*held)[i]);
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ApplyHeldRefill(grpc::ServerContext*, const Principal& who,
                                               const gridsync::v1::ApplyHeldRefillRequest& req,
                                               gridsync::v1::ApplyHeldRefillResponse* resp) {
  const gridsync::v1::Actor by = who.actor();
  auto result = records_->ApplyHeldRefill(req.seq(), by);
  if (!result.ok()) return ToGrpc(result.status());
  *resp->mutable_result() = std::move(*result);
  gridsync::v1::AdminAct act;
  act.set_action("apply held refill");
  act.set_subject(absl::StrCat("change ", req.seq()));
  act.set_detail(absl::StrCat("record ", resp->result().record_id(), ": ",
                              gridsync::v1::RefillOutcome_Name(resp->result().outcome())));
  return Audit(std::move(act), by);
}

grpc::Status AdminServiceImpl::ReinstateDevice(grpc::ServerContext*, const Principal& who,
                                               const gridsync::v1::ReinstateDeviceRequest& req,
                                               gridsync::v1::ReinstateDeviceResponse*) {
  const gridsync::v1::Actor by = who.actor();
  if (auto st = auth_->Reinstate(req.device_id()); !st.ok()) return ToGrpc(st);
  if (auto st = Roster(req.device_id(), by); !st.ok()) return st;
  gridsync::v1::AdminAct act;
  act.set_action("reinstate");
  act.set_subject(req.device_id());
  return Audit(std::move(act), by);
}

grpc::Status AdminServiceImpl::ImportRegistry(grpc::ServerContext*, const Principal& who,
                                              const gridsync::v1::ImportRegistryRequest& req,
                                              gridsync::v1::ImportRegistryResponse* resp) {
  const gridsync::v1::Actor by = who.actor();
  auto result = registry_->ImportRegistry(req, by);
  if (!result.ok()) return ToGrpc(result.status());
  *resp = std::move(*result);
  LogInfo("registry import: ", resp->created(), " created, ", resp->updated(), " updated, ",
          resp->unchanged(), " unchanged, ", resp->rejections_size(), " rejected");
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListOrgUnits(grpc::ServerContext*, const Principal&,
                                            const gridsync::v1::ListOrgUnitsRequest& req,
                                            gridsync::v1::ListOrgUnitsResponse* resp) {
  if (!req.prefix().empty() && !core::IsDigits(req.prefix())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "prefix: digits only");
  }
  auto units = registry_->ListOrgUnits(req.prefix(), req.level());
  if (!units.ok()) return ToGrpc(units.status());
  for (auto& u : *units) *resp->add_org_units() = std::move(u);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListHouseholds(grpc::ServerContext*, const Principal&,
                                              const gridsync::v1::ListHouseholdsRequest& req,
                                              gridsync::v1::ListHouseholdsResponse* resp) {
  if (!core::IsGridCode(req.grid_code())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "grid_code: 15 digits");
  }
  auto list = registry_->ListHouseholds(req.grid_code());
  if (!list.ok()) return ToGrpc(list.status());
  *resp = std::move(*list);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetRecord(grpc::ServerContext*, const Principal&,
                                         const gridsync::v1::GetRecordRequest& req,
                                         gridsync::v1::GetRecordResponse* resp) {
  if (!core::IsValidRecordId(req.record_id())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "record_id: not a ULID or UUIDv7");
  }
  auto state = records_->GetRecord(req.record_id());
  if (!state.ok()) return ToGrpc(state.status());
  if (!*state) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no record ", req.record_id()));
  }
  for (std::string& over : core::OverLimits(**state)) resp->add_over_limits(std::move(over));
  core::TrimForReaders(&**state);
  *resp->mutable_record() = core::BuildView(**state);
  *resp->mutable_state() = std::move(**state);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::BatchGetRecords(grpc::ServerContext*, const Principal&,
                                               const gridsync::v1::BatchGetRecordsRequest& req,
                                               gridsync::v1::BatchGetRecordsResponse* resp) {
  if (req.record_ids_size() > kMaxBatchGet) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("at most ", kMaxBatchGet, " ids per call"));
  }
  std::vector<std::string> ids(req.record_ids().begin(), req.record_ids().end());
  auto exist = records_->RecordsExist(ids);
  if (!exist.ok()) return ToGrpc(exist.status());
  for (size_t i = 0; i < ids.size(); ++i) {
    *((*exist)[i] ? resp->add_found_ids() : resp->add_missing_ids()) = ids[i];
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetStats(grpc::ServerContext*, const Principal&,
                                        const gridsync::v1::GetStatsRequest&,
                                        gridsync::v1::GetStatsResponse* resp) {
  auto s = records_->Stats();
  if (!s.ok()) return ToGrpc(s.status());
  resp->set_last_change_seq(s->last_change_seq);
  resp->set_records(s->records);
  resp->set_visits(s->visits);
  resp->set_dispute_cases(s->dispute_cases);
  resp->set_special_checks(s->special_checks);
  resp->set_records_with_conflicts(s->records_with_conflicts);
  resp->set_devices(auth_->DeviceCount());
  auto units = registry_->ListOrgUnits("", gridsync::v1::ORG_LEVEL_UNSPECIFIED);
  if (units.ok()) resp->set_org_units(units->size());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Backup(grpc::ServerContext*, const Principal& who,
                                      const gridsync::v1::BackupRequest& req,
                                      gridsync::v1::BackupResponse* resp) {
  const gridsync::v1::Actor by = who.actor();
  if (req.keep() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "keep must be 0 (all) or more");
  }
  auto r = records_->Backup(req.dir(), req.keep());
  if (!r.ok()) {
    LogError("backup into ", req.dir(), " failed: ", r.status().ToString());
    return ToGrpc(r.status());
  }
  *resp = std::move(*r);
  if (!blob_objects_.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    auto copied = CopyBlobs(blob_objects_, absl::StrCat(req.dir(), "/blobs/objects"));
    if (!copied.ok()) {
      LogError("backup of attachments into ", req.dir(), " failed: ", copied.status().ToString());
      return ToGrpc(copied.status());
    }
    resp->set_blobs_copied(copied->copied);
    resp->set_blob_bytes_copied(copied->bytes);
    resp->set_blobs_total(copied->total);
    resp->set_blobs_repaired(copied->repaired);
    for (const std::string& d : copied->damaged) resp->add_damaged_blobs(d);
    if (!copied->damaged.empty()) {
      LogError("backup into ", req.dir(), ": ", copied->damaged.size(),
               " attachments on the server do not hash to their names (damaged on disk) and were "
               "not copied; the first: ",
               copied->damaged.front());
    }
    resp->set_took_ms(resp->took_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - t0)
                                            .count());
  }
  LogInfo("backup ", resp->backup_id(), " into ", req.dir(), ": ", resp->files(), " files, ",
          resp->size_bytes(), " bytes, ", resp->blobs_copied(), " new attachments (",
          resp->blob_bytes_copied(), " bytes) of ", resp->blobs_total(), ", in ", resp->took_ms(),
          " ms (last change ", resp->last_change_seq(), ")");
  gridsync::v1::AdminAct act;
  act.set_action("backup");
  act.set_subject(req.dir());
  act.set_detail(absl::StrCat("backup ", resp->backup_id(), ": ", resp->files(), " files, ",
                              resp->size_bytes(), " bytes, last change ", resp->last_change_seq(),
                              "; ", resp->blobs_copied(), " new attachments of ",
                              resp->blobs_total()));
  return Audit(std::move(act), by);
}

}  // namespace gridsync::server
