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

absl::StatusOr<gridsync::v1::ImportRegistryResponse> RocksRegistry::ImportRegistry(
    const gridsync::v1::ImportRegistryRequest& req, const gridsync::v1::Actor& by) {
  std::lock_guard<std::mutex> lock(mu_);
  gridsync::v1::ImportRegistryResponse resp;
  rocksdb::WriteBatch batch;
  std::map<std::string, std::string> pending;       // key -> value written in this batch
  std::map<std::string, int64_t> households_added;  // per grid, for coverage

  // The entry under `key`: as written earlier in this import (an entry listed
  // twice compares with the first), else as stored; nullopt if none.
  auto stored = [&](const std::string& key) -> absl::StatusOr<std::optional<std::string>> {
    if (auto p = pending.find(key); p != pending.end()) return p->second;
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions(), registry_, key, &v);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, "reading the registry");
    return v;
  };
  auto exists = [&](const std::string& key) -> absl::StatusOr<bool> {
    auto v = stored(key);
    if (!v.ok()) return v.status();
    return v->has_value();
  };
  std::vector<gridsync::v1::RegistryChange> changes;  // logged in the change feed
  auto put = [&](const std::string& key, const google::protobuf::Message& msg,
                 gridsync::v1::RegistryChange change) -> absl::Status {
    const std::string value = core::SerializeCanonical(msg);
    auto before = stored(key);
    if (!before.ok()) return before.status();
    const bool found = before->has_value();
    const std::string old = before->value_or("");
    if (found && old == value) {
      resp.set_unchanged(resp.unchanged() + 1);
      return absl::OkStatus();
    }
    if (found) {
      resp.set_updated(resp.updated() + 1);
      // The county's data wins over a field change approved on a phone; the
      // summary names the proposal it overrode.
      std::string by;
      if (gridsync::v1::Household h; key[0] == 'h' && h.ParseFromString(old)) {
        by = h.changed_by_proposal();
      } else if (gridsync::v1::SupervisedPerson p; key[0] == 'p' && p.ParseFromString(old)) {
        by = p.changed_by_proposal();
      }
      if (!by.empty()) resp.add_overrode_proposals(by);
    } else {
      resp.set_created(resp.created() + 1);
    }
    pending[key] = value;
    batch.Put(registry_, key, value);
    changes.push_back(std::move(change));
    return absl::OkStatus();
  };
  auto change_of = [](auto setter) {
    gridsync::v1::RegistryChange c;
    setter(&c);
    return c;
  };
  auto reject = [&](const char* kind, int index, std::string msg) {
    auto* r = resp.add_rejections();
    r->set_kind(kind);
    r->set_index(index);
    r->set_message(std::move(msg));
  };

  // Parents first, whatever order the request lists units in.
  std::vector<int> order(req.org_units_size());
  for (int i = 0; i < req.org_units_size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return core::LevelOfCode(req.org_units(a).code()) < core::LevelOfCode(req.org_units(b).code());
  });
  for (int i : order) {
    gridsync::v1::OrgUnit u = req.org_units(i);
    if (auto bad = core::CheckOrgUnit(u)) {
      reject("org_unit", i, *bad);
      continue;
    }
    u.set_level(core::LevelOfCode(u.code()));
    u.set_parent_code(core::ParentOf(u));
    if (!u.parent_code().empty()) {
      auto ok = exists(RegistryKey(u.parent_code()));
      if (!ok.ok()) return ok.status();
      if (!*ok) {
        reject("org_unit", i,
               absl::StrCat("parent ", u.parent_code(), " of ", u.code(),
                            " is not in the registry; import it first"));
        continue;
      }
    }
    if (auto st =
            put(RegistryKey(u.code()), u, change_of([&](auto* c) { *c->mutable_org_unit() = u; }));
        !st.ok()) {
      return st;
    }
  }
  // The household stored under `key` (or imported earlier in this request).
  auto stored_household =
      [&](const std::string& key) -> absl::StatusOr<std::optional<gridsync::v1::Household>> {
    auto v = stored(key);
    if (!v.ok()) return v.status();
    gridsync::v1::Household h;
    if (!v->has_value() || !h.ParseFromString(**v)) return std::nullopt;
    return h;
  };
  for (int i = 0; i < req.households_size(); ++i) {
    const auto& h = req.households(i);
    if (auto bad = core::CheckHousehold(h)) {
      reject("household", i, *bad);
      continue;
    }
    auto ok = exists(RegistryKey(h.grid_code()));
    if (!ok.ok()) return ok.status();
    if (!*ok) {
      reject("household", i, absl::StrCat("grid ", h.grid_code(), " is not in the registry"));
      continue;
    }
    // An imported household is active: one that moved out or stood empty
    // comes back into the denominators.
    auto stored = stored_household(RegistryKey(h.household_id()));
    if (!stored.ok()) return stored.status();
    if (auto st = put(RegistryKey(h.household_id()), h,
                      change_of([&](auto* c) { *c->mutable_household() = h; }));
        !st.ok()) {
      return st;
    }
    const bool was_active =
        stored->has_value() && (*stored)->status() == gridsync::core::kHouseholdActive;
    const bool active = h.status() == gridsync::core::kHouseholdActive;
    if (active && !was_active) ++households_added[h.grid_code()];
    if (!active && was_active) --households_added[h.grid_code()];
    if (stored->has_value() && active != was_active)
      coverage_->SetInactive(h.household_id(), !active, &batch);
    if (!stored->has_value() && !active) coverage_->SetInactive(h.household_id(), true, &batch);
  }
  const int64_t now = core::SystemWallMs();
  auto stored_since = [&](const std::string& key) -> absl::StatusOr<int64_t> {
    auto v = stored(key);
    if (!v.ok()) return v.status();
    gridsync::v1::SupervisedPerson old;
    return v->has_value() && old.ParseFromString(**v) ? old.supervised_since_ms() : 0;
  };
  for (int i = 0; i < req.persons_size(); ++i) {
    gridsync::v1::SupervisedPerson p = req.persons(i);
    if (auto bad = core::CheckPerson(p)) {
      reject("person", i, *bad);
      continue;
    }
    auto ok = exists(RegistryKey(p.household_id()));
    if (!ok.ok()) return ok.status();
    if (!*ok) {
      reject("person", i, absl::StrCat("household ", p.household_id(), " is not in the registry"));
      continue;
    }
    if (p.supervised_since_ms() == 0) {  // keep when supervision began, or begin it now
      auto since = stored_since(RegistryKey(p.person_id()));
      if (!since.ok()) return since.status();
      p.set_supervised_since_ms(*since != 0 ? *since : now);
    }
    if (auto st = put(RegistryKey(p.person_id()), p,
                      change_of([&](auto* c) { *c->mutable_person() = p; }));
        !st.ok()) {
      return st;
    }
  }
  if (auto st = coverage_->AddHouseholds(households_added, &batch); !st.ok()) return st;
  gridsync::v1::AdminAct act;
  act.set_action("registry_import");
  *act.mutable_by() = by;
  act.set_created(resp.created());
  act.set_updated(resp.updated());
  act.set_unchanged(resp.unchanged());
  act.set_rejected(resp.rejections_size());
  act.set_detail(absl::StrCat(req.org_units_size(), " org units, ", req.households_size(),
                              " households, ", req.persons_size(), " persons: ", resp.created(),
                              " created, ", resp.updated(), " updated, ", resp.unchanged(),
                              " unchanged, ", resp.rejections_size(), " rejected"));
  LoggedWrite r{&batch, std::move(changes), by, std::move(act), std::nullopt};
  if (auto st = log_->Log(&r); !st.ok()) return st;
  return resp;
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
  std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
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

}  // namespace gridsync::server
