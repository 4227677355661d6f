#include "server/rocks_registry.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/registry.h"
#include "server/registry_keys.h"
#include "server/rocks_util.h"

namespace gridsync::server {

namespace {

// One registry import, built up in a write batch: each entry is checked,
// compared with what is stored (or was imported earlier in the same
// request: an entry listed twice compares with the first), and written
// only when it changed; the answer counts what happened to each.
class RegistryImport {
 public:
  RegistryImport(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* registry, CoverageIndex* coverage)
      : db_(db), registry_(registry), coverage_(coverage) {}

  // Org units, parents first whatever order the request lists them in.
  absl::Status Units(const gridsync::v1::ImportRegistryRequest& req);
  // Households, each in a grid the registry holds. An imported household is
  // active: one that moved out or stood empty comes back into the
  // denominators (coverage's counts and inactive marks follow).
  absl::Status Households(const gridsync::v1::ImportRegistryRequest& req);
  // Supervised persons, each in a household the registry holds; one without
  // supervised_since_ms keeps when supervision began, or begins it `now_ms`.
  absl::Status Persons(const gridsync::v1::ImportRegistryRequest& req, int64_t now_ms);
  // The write to log: the batch, the changes and the administrative act.
  absl::StatusOr<LoggedWrite> Finish(const gridsync::v1::ImportRegistryRequest& req,
                                     const gridsync::v1::Actor& by);
  const gridsync::v1::ImportRegistryResponse& response() const { return resp_; }

 private:
  // The entry under `key` as this import sees it; nullopt if none.
  absl::StatusOr<std::optional<std::string>> Stored(const std::string& key);
  absl::StatusOr<bool> Exists(const std::string& key);
  // Writes `msg` under `key` unless it is stored as it is, counting it as
  // created, updated (naming a phone's approved proposal it overrode) or
  // unchanged.
  absl::Status Put(const std::string& key, const google::protobuf::Message& msg,
                   gridsync::v1::RegistryChange change);
  void Reject(const char* kind, int index, std::string msg);
  // The proposal that last changed the stored household or person `old`.
  static std::string ChangedByProposal(char kind, const std::string& old);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* registry_;
  CoverageIndex* coverage_;
  gridsync::v1::ImportRegistryResponse resp_;
  rocksdb::WriteBatch batch_;
  std::map<std::string, std::string> pending_;         // key -> value written in this batch
  std::map<std::string, int64_t> households_added_;    // per grid, for coverage
  std::vector<gridsync::v1::RegistryChange> changes_;  // logged in the change feed
};

template <typename Setter>
gridsync::v1::RegistryChange ChangeOf(Setter setter) {
  gridsync::v1::RegistryChange c;
  setter(&c);
  return c;
}

absl::StatusOr<std::optional<std::string>> RegistryImport::Stored(const std::string& key) {
  if (auto p = pending_.find(key); p != pending_.end()) return p->second;
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), registry_, key, &v);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading the registry");
  return v;
}

absl::StatusOr<bool> RegistryImport::Exists(const std::string& key) {
  auto v = Stored(key);
  if (!v.ok()) return v.status();
  return v->has_value();
}

std::string RegistryImport::ChangedByProposal(char kind, const std::string& old) {
  if (gridsync::v1::Household h; kind == 'h' && h.ParseFromString(old)) {
    return h.changed_by_proposal();
  }
  if (gridsync::v1::SupervisedPerson p; kind == 'p' && p.ParseFromString(old)) {
    return p.changed_by_proposal();
  }
  return "";
}

absl::Status RegistryImport::Put(const std::string& key, const google::protobuf::Message& msg,
                                 gridsync::v1::RegistryChange change) {
  const std::string value = core::SerializeCanonical(msg);
  auto before = Stored(key);
  if (!before.ok()) return before.status();
  if (before->has_value() && **before == value) {
    resp_.set_unchanged(resp_.unchanged() + 1);
    return absl::OkStatus();
  }
  if (before->has_value()) {
    resp_.set_updated(resp_.updated() + 1);
    // The county's data wins over a field change approved on a phone; the
    // answer names the proposal it overrode.
    if (std::string by = ChangedByProposal(key[0], **before); !by.empty()) {
      resp_.add_overrode_proposals(by);
    }
  } else {
    resp_.set_created(resp_.created() + 1);
  }
  pending_[key] = value;
  batch_.Put(registry_, key, value);
  changes_.push_back(std::move(change));
  return absl::OkStatus();
}

void RegistryImport::Reject(const char* kind, int index, std::string msg) {
  auto* r = resp_.add_rejections();
  r->set_kind(kind);
  r->set_index(index);
  r->set_message(std::move(msg));
}

absl::Status RegistryImport::Units(const gridsync::v1::ImportRegistryRequest& req) {
  std::vector<int> order(req.org_units_size());
  for (int i = 0; i < req.org_units_size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return core::LevelOfCode(req.org_units(a).code()) < core::LevelOfCode(req.org_units(b).code());
  });
  for (int i : order) {
    gridsync::v1::OrgUnit u = req.org_units(i);
    if (auto bad = core::CheckOrgUnit(u)) {
      Reject("org_unit", i, *bad);
      continue;
    }
    u.set_level(core::LevelOfCode(u.code()));
    u.set_parent_code(core::ParentOf(u));
    if (!u.parent_code().empty()) {
      auto ok = Exists(RegistryKey(u.parent_code()));
      if (!ok.ok()) return ok.status();
      if (!*ok) {
        Reject("org_unit", i,
               absl::StrCat("parent ", u.parent_code(), " of ", u.code(),
                            " is not in the registry; import it first"));
        continue;
      }
    }
    auto st = Put(RegistryKey(u.code()), u, ChangeOf([&](auto* c) { *c->mutable_org_unit() = u; }));
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status RegistryImport::Households(const gridsync::v1::ImportRegistryRequest& req) {
  for (int i = 0; i < req.households_size(); ++i) {
    const auto& h = req.households(i);
    if (auto bad = core::CheckHousehold(h)) {
      Reject("household", i, *bad);
      continue;
    }
    auto ok = Exists(RegistryKey(h.grid_code()));
    if (!ok.ok()) return ok.status();
    if (!*ok) {
      Reject("household", i, absl::StrCat("grid ", h.grid_code(), " is not in the registry"));
      continue;
    }
    auto before = Stored(RegistryKey(h.household_id()));
    if (!before.ok()) return before.status();
    gridsync::v1::Household old;
    const bool known = before->has_value() && old.ParseFromString(**before);
    auto st = Put(RegistryKey(h.household_id()), h,
                  ChangeOf([&](auto* c) { *c->mutable_household() = h; }));
    if (!st.ok()) return st;
    const bool was_active = known && old.status() == gridsync::core::kHouseholdActive;
    const bool active = h.status() == gridsync::core::kHouseholdActive;
    if (active != was_active) households_added_[h.grid_code()] += active ? 1 : -1;
    if (known ? active != was_active : !active) {
      coverage_->SetInactive(h.household_id(), !active, &batch_);
    }
  }
  return absl::OkStatus();
}

absl::Status RegistryImport::Persons(const gridsync::v1::ImportRegistryRequest& req,
                                     int64_t now_ms) {
  for (int i = 0; i < req.persons_size(); ++i) {
    gridsync::v1::SupervisedPerson p = req.persons(i);
    if (auto bad = core::CheckPerson(p)) {
      Reject("person", i, *bad);
      continue;
    }
    auto ok = Exists(RegistryKey(p.household_id()));
    if (!ok.ok()) return ok.status();
    if (!*ok) {
      Reject("person", i, absl::StrCat("household ", p.household_id(), " is not in the registry"));
      continue;
    }
    if (p.supervised_since_ms() == 0) {
      auto before = Stored(RegistryKey(p.person_id()));
      if (!before.ok()) return before.status();
      gridsync::v1::SupervisedPerson old;
      const int64_t since =
          before->has_value() && old.ParseFromString(**before) ? old.supervised_since_ms() : 0;
      p.set_supervised_since_ms(since != 0 ? since : now_ms);
    }
    auto st =
        Put(RegistryKey(p.person_id()), p, ChangeOf([&](auto* c) { *c->mutable_person() = p; }));
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::StatusOr<LoggedWrite> RegistryImport::Finish(const gridsync::v1::ImportRegistryRequest& req,
                                                   const gridsync::v1::Actor& by) {
  if (auto st = coverage_->AddHouseholds(households_added_, &batch_); !st.ok()) return st;
  gridsync::v1::AdminAct act;
  act.set_action("registry_import");
  *act.mutable_by() = by;
  act.set_created(resp_.created());
  act.set_updated(resp_.updated());
  act.set_unchanged(resp_.unchanged());
  act.set_rejected(resp_.rejections_size());
  act.set_detail(absl::StrCat(req.org_units_size(), " org units, ", req.households_size(),
                              " households, ", req.persons_size(), " persons: ", resp_.created(),
                              " created, ", resp_.updated(), " updated, ", resp_.unchanged(),
                              " unchanged, ", resp_.rejections_size(), " rejected"));
  return LoggedWrite{&batch_, std::move(changes_), by, std::move(act), std::nullopt};
}

}  // namespace

absl::StatusOr<gridsync::v1::ImportRegistryResponse> RocksRegistry::ImportRegistry(
    const gridsync::v1::ImportRegistryRequest& req, const gridsync::v1::Actor& by) {
  absl::MutexLock lock(&mu_);
  RegistryImport import(db_, registry_, coverage_);
  if (auto st = import.Units(req); !st.ok()) return st;
  if (auto st = import.Households(req); !st.ok()) return st;
  if (auto st = import.Persons(req, core::SystemWallMs()); !st.ok()) return st;
  auto write = import.Finish(req, by);
  if (!write.ok()) return write.status();
  if (auto st = log_->Log(&*write); !st.ok()) return st;
  return import.response();
}

absl::StatusOr<std::vector<gridsync::v1::OrgUnit>> RocksRegistry::ListOrgUnits(
    const std::string& prefix, gridsync::v1::OrgLevel level) {
  std::vector<gridsync::v1::OrgUnit> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), registry_));
  const std::string start = "o" + prefix;
  for (it->Seek(start); it->Valid() && HasPrefix(it->key().ToStringView(), start); it->Next()) {
    gridsync::v1::OrgUnit u;
    if (!u.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (level == gridsync::v1::ORG_LEVEL_UNSPECIFIED || u.level() == level)
      out.push_back(std::move(u));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "listing org units");
  return out;
}

absl::StatusOr<gridsync::v1::ListHouseholdsResponse> RocksRegistry::ListHouseholds(
    const std::string& grid_code) {
  gridsync::v1::ListHouseholdsResponse out;
  for (const char* kind : {"h", "p"}) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), registry_));
    const std::string start = kind + grid_code;
    for (it->Seek(start); it->Valid() && HasPrefix(it->key().ToStringView(), start); it->Next()) {
      const auto data = it->value().data();
      const int size = static_cast<int>(it->value().size());
      if (*kind == 'h') {
        out.add_households()->ParseFromArray(data, size);
      } else {
        out.add_persons()->ParseFromArray(data, size);
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "listing households");
  }
  return out;
}

absl::StatusOr<std::vector<bool>> RocksRegistry::RegistryHas(const std::vector<std::string>& ids) {
  std::vector<std::string> k;
  for (const auto& id : ids) k.push_back(RegistryKey(id));
  auto values = MultiGetIn(db_, registry_, {k.begin(), k.end()}, "reading the registry");
  if (!values.ok()) return values.status();
  return Present(*values);
}

absl::StatusOr<gridsync::v1::CheckPolicy> RocksRegistry::GetCheckPolicy() {
  return ReadCheckPolicy(db_, registry_);
}

absl::Status RocksRegistry::SetCheckPolicy(const gridsync::v1::CheckPolicy& policy,
                                           const gridsync::v1::Actor& by) {
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch batch;
  batch.Put(registry_, kPolicyKey, policy.SerializeAsString());
  gridsync::v1::AdminAct act;
  act.set_action("check_policy");
  *act.mutable_by() = by;
  act.set_detail(absl::StrCat("default every ", policy.default_interval_days(), " days, ",
                              policy.intervals_size(), " intervals by category and risk"));
  LoggedWrite r{&batch, {}, by, std::move(act), std::nullopt};
  *r.changes.emplace_back().mutable_check_policy() = policy;
  return log_->Log(&r);
}

absl::StatusOr<std::vector<gridsync::v1::SurveyForm>> RocksRegistry::ListSurveyForms() {
  return ReadSurveyForms(db_, registry_);
}

absl::StatusOr<gridsync::v1::SurveyForm> RocksRegistry::PublishSurveyForm(
    gridsync::v1::SurveyForm form, int64_t now_ms, const gridsync::v1::Actor& by) {
  absl::MutexLock lock(&mu_);
  const std::string key = absl::StrCat(kSurveyFormPrefix, form.version());
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), registry_, key, &v);
  if (s.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("questionnaire version ", form.version(),
                     " was published before and answers may be under it; publish a new version"));
  }
  if (!s.IsNotFound()) return FromRocks(s, "reading questionnaire forms");
  // Publication times are distinct and increasing, so "newest first" is one
  // order everywhere, even for two versions published in one millisecond.
  auto forms = ReadSurveyForms(db_, registry_);
  if (!forms.ok()) return forms.status();
  const int64_t latest = forms->empty() ? 0 : forms->front().published_at_ms();
  form.set_published_at_ms(std::max(now_ms, latest + 1));
  rocksdb::WriteBatch batch;
  batch.Put(registry_, key, form.SerializeAsString());
  gridsync::v1::AdminAct act;
  act.set_action("survey_form");
  *act.mutable_by() = by;
  act.set_detail(absl::StrCat("questionnaire ", form.version(), " with ", form.questions_size() + 2,
                              " questions"));
  LoggedWrite r{&batch, {}, by, std::move(act), std::nullopt};
  *r.changes.emplace_back().mutable_survey_form() = form;
  if (auto st = log_->Log(&r); !st.ok()) return st;
  return form;
}

absl::Status RocksRegistry::PutCadre(const gridsync::v1::Cadre& cadre,
                                     const gridsync::v1::Actor& by) {
  absl::MutexLock lock(&mu_);
  rocksdb::WriteBatch batch;
  gridsync::v1::RegistryChange change;
  *change.mutable_cadre() = cadre;
  batch.Put(registry_, RegistryPlace(change).second, cadre.SerializeAsString());
  gridsync::v1::AdminAct act;
  act.set_action("cadre");
  act.set_subject(cadre.device_id());
  *act.mutable_by() = by;
  act.set_detail(absl::StrCat(cadre.active() ? "on" : "off", " the roster of ",
                              cadre.village_code(), ": ", cadre.name(), " (",
                              gridsync::v1::CadreKind_Name(cadre.kind()), ")"));
  LoggedWrite r{&batch, {}, by, std::move(act), std::nullopt};
  r.changes.push_back(std::move(change));
  return log_->Log(&r);
}

}  // namespace gridsync::server
