#include "server/coverage_index.h"

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/be64.h"
#include "core/case_level.h"
#include "core/coverage_builder.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/registry.h"
#include "core/safety_figures.h"
#include "core/task.h"
#include "core/verification.h"
#include "server/registry_keys.h"
#include "server/rocks_util.h"

namespace gridsync::server {
namespace {

using core::Be32;
using core::Be64;
using core::FromBe32;
using core::FromBe64;
using gridsync::v1::CaseSummary;

std::string Month(int64_t ms) { return Be32(static_cast<uint32_t>(core::MonthOf(ms))); }
std::string GridOf(const std::string& household_or_person) {
  return household_or_person.substr(0, core::kGridCodeLen);
}

std::string VKey(const core::VisitMark& v) { return "V" + Month(v.at_ms) + v.household_id; }
std::string WKey(const core::VisitMark& v) {
  return "W" + Month(v.at_ms) + v.household_id + v.worker;
}
std::string GKey(const core::VisitMark& v) { return "G" + Month(v.at_ms) + GridOf(v.household_id); }
std::string gKey(const core::VisitMark& v) {
  return "g" + Month(v.at_ms) + GridOf(v.household_id) + v.worker;
}
// Counting visits with an attachment (evidence), per month and grid.
std::string PKey(const core::VisitMark& v) { return "P" + Month(v.at_ms) + GridOf(v.household_id); }
// A D entry's value: the worker, then "\0p" when the visit has a photo.
std::string DValue(const core::VisitMark& v) {
  return v.photo ? v.worker + std::string("\0p", 2) : v.worker;
}
std::string_view DWorker(std::string_view value) { return value.substr(0, value.find('\0')); }
bool DPhoto(std::string_view value) { return value.find('\0') != std::string_view::npos; }
std::string DKey(const core::VisitMark& v, const std::string& record_id) {
  return "D" + v.household_id + Be64(static_cast<uint64_t>(v.at_ms)) + record_id;
}
std::string CKey(const core::CheckMark& c, const std::string& record_id) {
  return "C" + c.person_id + Be64(static_cast<uint64_t>(c.at_ms)) + record_id;
}
std::string RKey(const core::CaseMark& c, const std::string& record_id) {
  return "R" + c.grid_code + Be64(static_cast<uint64_t>(c.registered_at_ms)) + record_id;
}
std::string OKey(const core::CaseMark& c, const std::string& record_id) {
  return "O" + c.grid_code + record_id;
}
// Every case escalated beyond its village (a town's or the county's 上交受理).
std::string EKey(const core::CaseMark& c, const std::string& record_id) {
  return "E" + c.grid_code + record_id;
}

std::string TKey(const core::PatrolMark& p, const std::string& record_id) {
  return "T" + Month(p.started_at_ms) + p.grid_code + Be64(static_cast<uint64_t>(p.started_at_ms)) +
         record_id;
}
// A screening report (排查上报), by the month it screened and its grid; the
// value is EncodeScreening's.
std::string SKey(const core::ScreeningMark& m, const std::string& record_id) {
  return "S" + Be32(static_cast<uint32_t>(m.month)) + m.grid_code + record_id;
}
std::string EncodeScreening(const core::ScreeningMark& m) {
  return Be32(static_cast<uint32_t>(m.disputes_found)) +
         Be32(static_cast<uint32_t>(m.hazards_found));
}
// A trouble spot on its grid's register (排查整治); the value holds when it
// was found, rectified (0: not) and its deadline, 8 bytes each.
std::string ZKey(const core::TroubleSpotMark& m, const std::string& record_id) {
  return "Z" + m.grid_code + record_id;
}
std::string EncodeTroubleSpot(const core::TroubleSpotMark& m) {
  return Be64(static_cast<uint64_t>(m.found_at_ms)) +
         Be64(static_cast<uint64_t>(m.rectified_at_ms)) +
         Be64(static_cast<uint64_t>(m.deadline_ms));
}
// A verified visit (复查), by the month it was made; the value holds when it
// was made (8 bytes), the verdict (a byte), the household (19) and the
// visit's worker (core::WorkerKey).
std::string KKey(const core::VerifyMark& m, const std::string& record_id) {
  return "K" + Month(m.visited_at_ms) + m.grid_code + record_id;
}
std::string EncodeVerification(const core::VerifyMark& m) {
  return Be64(static_cast<uint64_t>(m.visited_at_ms)) +
         std::string(1, static_cast<char>(m.confirmation)) + m.household_id + m.worker;
}
struct StoredVerification {
  core::VerifyMark mark;
  std::string record_id;
};
// REQUIRES: `key` is a K key.
std::optional<StoredVerification> DecodeVerification(std::string_view key, std::string_view v) {
  constexpr size_t kHead = 8 + 1 + core::kHouseholdIdLen;
  if (key.size() < 5 + core::kGridCodeLen || v.size() < kHead) return std::nullopt;
  StoredVerification out;
  out.mark.grid_code = std::string(key.substr(5, core::kGridCodeLen));
  out.record_id = std::string(key.substr(5 + core::kGridCodeLen));
  out.mark.visited_at_ms = static_cast<int64_t>(FromBe64(v.substr(0, 8)));
  out.mark.confirmation = static_cast<gridsync::v1::VisitConfirmation>(v[8]);
  out.mark.household_id = std::string(v.substr(9, core::kHouseholdIdLen));
  out.mark.worker = std::string(v.substr(kHead));
  return out;
}
// A task of the town office (督办), as core::TaskItemOf lists it.
std::string AKey(const core::TaskMark& m) { return "A" + m.item.grid_code() + m.item.record_id(); }
std::string QKey(const core::SurveyMark& m, const std::string& record_id) {
  return "Q" + Month(m.at_ms) + GridOf(m.household_id) + Be64(static_cast<uint64_t>(m.at_ms)) +
         record_id;
}

// A questionnaire as stored: the household; a byte each for the outcome,
// the two answers and the number of opinions; a byte per opinion's topic;
// the form version after its length byte; then each question's choice as
// the question id after its length byte and the choice in a byte (choices
// past 255 are stored as 255: no form has that many).
std::string EncodeSurvey(const core::SurveyMark& m) {
  std::string s = m.household_id;
  auto byte = [&](int64_t v) { s.push_back(static_cast<char>(std::clamp<int64_t>(v, 0, 255))); };
  auto text = [&](const std::string& t) {
    const std::string cut = t.substr(0, 255);
    byte(static_cast<int64_t>(cut.size()));
    s += cut;
  };
  byte(m.outcome);
  byte(m.safety);
  byte(m.satisfaction);
  byte(static_cast<int64_t>(std::min<size_t>(m.topics.size(), 255)));
  for (size_t i = 0; i < m.topics.size() && i < 255; ++i) byte(m.topics[i]);
  text(m.form_version);
  for (const auto& [question, choice] : m.choices) {
    text(question);
    byte(choice);
  }
  return s;
}
std::optional<core::SurveyMark> DecodeSurvey(std::string_view v, int64_t at_ms) {
  if (v.size() < core::kHouseholdIdLen + 4) return std::nullopt;
  core::SurveyMark m;
  m.household_id = std::string(v.substr(0, core::kHouseholdIdLen));
  m.at_ms = at_ms;
  size_t at = core::kHouseholdIdLen;
  auto byte = [&]() -> int { return at < v.size() ? static_cast<unsigned char>(v[at++]) : 0; };
  auto text = [&]() {
    const size_t len = static_cast<size_t>(byte());  // moves `at` past the length
    const size_t n = std::min(len, v.size() - at);
    std::string t(v.substr(at, n));
    at += n;
    return t;
  };
  m.outcome = static_cast<gridsync::v1::SurveyOutcome>(byte());
  m.safety = static_cast<gridsync::v1::SafetyAnswer>(byte());
  m.satisfaction = static_cast<gridsync::v1::SatisfactionAnswer>(byte());
  const int topics = byte();
  for (int i = 0; i < topics; ++i)
    m.topics.push_back(static_cast<gridsync::v1::OpinionTopic>(byte()));
  m.form_version = text();
  while (at < v.size()) {
    std::string question = text();
    m.choices.emplace_back(std::move(question), byte());
  }
  return m;
}

// The months (yyyymm) that [from_ms, to_ms) touches, in order.
std::vector<int32_t> MonthsIn(int64_t from_ms, int64_t to_ms) {
  std::vector<int32_t> out;
  for (int32_t m = core::MonthOf(from_ms), last = core::MonthOf(to_ms - 1); m <= last;
       m = m % 100 == 12 ? m + 89 : m + 1) {
    out.push_back(m);
  }
  return out;
}

// The check as stored: a CheckMark without the key's parts.
std::string EncodeCheck(const core::CheckMark& c) {
  std::string s(3, '\0');
  s[0] = static_cast<char>(c.risk_level + 1);  // 0: not recorded
  s[1] = c.absent ? 1 : 0;
  s[2] = c.out_of_contact ? 1 : 0;
  return s;
}

// Walks keys with `prefix`, from `start` (>= prefix) on.
template <typename Fn>
absl::Status Scan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snap,
                  const std::string& prefix, const std::string& start, Fn fn) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!fn(it->key(), it->value())) break;
  }
  return FromRocks(it->status(), "reading coverage");
}

int PageSize(int requested) { return requested <= 0 ? 100 : std::min(requested, 1000); }

int64_t Offset(const std::string& token) {
  int64_t off = 0;
  return token.empty() || !absl::SimpleAtoi(token, &off) || off < 0 ? 0 : off;
}

}  // namespace

// --- writes -------------------------------------------------------------------

absl::StatusOr<int64_t*> CoverageIndex::Update::Counter(const std::string& key) {
  auto it = counters_.find(key);
  if (it != counters_.end()) return Dirty(it);
  auto before = Before(key);
  if (!before.ok()) return before.status();
  return Dirty(counters_.emplace(key, std::pair<int64_t, bool>{*before, false}).first);
}

absl::StatusOr<int64_t> CoverageIndex::Update::Before(const std::string& key) const {
  if (fresh_) return 0;
  if (auto cached = index_.committed_.Find(key)) return *cached;
  std::string v;
  rocksdb::Status s = index_.db_->Get(rocksdb::ReadOptions(), index_.cov_, key, &v);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return FromRocks(s, "reading a coverage counter");
  return static_cast<int64_t>(FromBe64(v));
}

int64_t* CoverageIndex::Update::Dirty(Counters::iterator it) {
  if (!it->second.second) {
    it->second.second = true;
    dirty_.push_back(it);
  }
  return &it->second.first;
}

absl::Status CoverageIndex::Update::Visit(const std::string& record_id, const core::VisitMark& v,
                                          int delta) {
  // Per household (and per household and worker): when the count leaves or
  // reaches zero, the distinct count of its grid moves.
  for (auto [key, distinct] : {std::pair{VKey(v), GKey(v)}, std::pair{WKey(v), gKey(v)}}) {
    auto n = Counter(key);
    if (!n.ok()) return n.status();
    const int64_t before = **n;
    **n = std::max<int64_t>(0, before + delta);
    if ((before == 0) != (**n == 0)) {
      auto d = Counter(distinct);
      if (!d.ok()) return d.status();
      **d = std::max<int64_t>(0, **d + (**n == 0 ? -1 : 1));
    }
  }
  if (v.photo) {
    auto n = Counter(PKey(v));
    if (!n.ok()) return n.status();
    **n = std::max<int64_t>(0, **n + delta);
  }
  if (delta > 0) {
    batch_->Put(index_.cov_, DKey(v, record_id), DValue(v));
  } else {
    batch_->Delete(index_.cov_, DKey(v, record_id));
  }
  return absl::OkStatus();
}

absl::Status CoverageIndex::Update::Replace(const std::string& record_id,
                                            const core::CoverageMarks& old_marks,
                                            const core::CoverageMarks& new_marks) {
  if (old_marks == new_marks) return absl::OkStatus();
  if (old_marks.visit != new_marks.visit) {
    if (old_marks.visit) {
      if (auto st = Visit(record_id, *old_marks.visit, -1); !st.ok()) return st;
    }
    if (new_marks.visit) {
      if (auto st = Visit(record_id, *new_marks.visit, +1); !st.ok()) return st;
    }
  }
  if (old_marks.check != new_marks.check) {
    if (old_marks.check) batch_->Delete(index_.cov_, CKey(*old_marks.check, record_id));
    if (new_marks.check)
      batch_->Put(index_.cov_, CKey(*new_marks.check, record_id), EncodeCheck(*new_marks.check));
  }
  if (old_marks.dispute != new_marks.dispute) {
    if (old_marks.dispute) {
      batch_->Delete(index_.cov_, RKey(*old_marks.dispute, record_id));
      batch_->Delete(index_.cov_, OKey(*old_marks.dispute, record_id));
      batch_->Delete(index_.cov_, EKey(*old_marks.dispute, record_id));
    }
    if (new_marks.dispute) {
      const gridsync::v1::CaseSummary s = core::CaseSummaryOf(*new_marks.dispute, record_id);
      const std::string summary = s.SerializeAsString();
      batch_->Put(index_.cov_, RKey(*new_marks.dispute, record_id), summary);
      // Open at the level holding it (a case a town received is open there).
      if (core::IsOpen(core::CaseStatusAsOf(s, {INT64_MAX, false}))) {
        batch_->Put(index_.cov_, OKey(*new_marks.dispute, record_id), summary);
      }
      if (s.level() > gridsync::v1::CASE_LEVEL_VILLAGE) {
        batch_->Put(index_.cov_, EKey(*new_marks.dispute, record_id), summary);
      }
    }
  }
  if (old_marks.patrol != new_marks.patrol) {
    if (old_marks.patrol) batch_->Delete(index_.cov_, TKey(*old_marks.patrol, record_id));
    // The value: "p" when a police officer was on the patrol.
    if (new_marks.patrol)
      batch_->Put(index_.cov_, TKey(*new_marks.patrol, record_id),
                  new_marks.patrol->police ? "p" : "");
  }
  if (old_marks.trouble_spot != new_marks.trouble_spot) {
    if (old_marks.trouble_spot)
      batch_->Delete(index_.cov_, ZKey(*old_marks.trouble_spot, record_id));
    if (new_marks.trouble_spot)
      batch_->Put(index_.cov_, ZKey(*new_marks.trouble_spot, record_id),
                  EncodeTroubleSpot(*new_marks.trouble_spot));
  }
  if (old_marks.verification != new_marks.verification) {
    if (old_marks.verification)
      batch_->Delete(index_.cov_, KKey(*old_marks.verification, record_id));
    if (new_marks.verification)
      batch_->Put(index_.cov_, KKey(*new_marks.verification, record_id),
                  EncodeVerification(*new_marks.verification));
  }
  if (old_marks.task != new_marks.task) {
    if (old_marks.task) batch_->Delete(index_.cov_, AKey(*old_marks.task));
    if (new_marks.task)
      batch_->Put(index_.cov_, AKey(*new_marks.task), new_marks.task->item.SerializeAsString());
  }
  if (old_marks.screening != new_marks.screening) {
    if (old_marks.screening) batch_->Delete(index_.cov_, SKey(*old_marks.screening, record_id));
    if (new_marks.screening)
      batch_->Put(index_.cov_, SKey(*new_marks.screening, record_id),
                  EncodeScreening(*new_marks.screening));
  }
  if (old_marks.survey != new_marks.survey) {
    if (old_marks.survey) batch_->Delete(index_.cov_, QKey(*old_marks.survey, record_id));
    if (new_marks.survey)
      batch_->Put(index_.cov_, QKey(*new_marks.survey, record_id), EncodeSurvey(*new_marks.survey));
  }
  return absl::OkStatus();
}

void CoverageIndex::Update::Finish() {
  for (auto it : dirty_) {
    auto& [value, dirty] = it->second;
    if (value == 0) {
      batch_->Delete(index_.cov_, it->first);
    } else {
      batch_->Put(index_.cov_, it->first, Be64(static_cast<uint64_t>(value)));
    }
    dirty = false;
    if (!fresh_) finished_.emplace_back(it->first, value);
  }
  dirty_.clear();
}

void CoverageIndex::Update::Committed() {
  index_.committed_.Committed(finished_);
  finished_.clear();
}

std::optional<int64_t> CounterCache::Find(const std::string& key) const {
  absl::MutexLock l(&mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void CounterCache::Committed(const std::vector<std::pair<std::string, int64_t>>& values) {
  absl::MutexLock l(&mu_);
  if (values_.size() + values.size() > kMaxEntries) values_.clear();
  for (const auto& [key, value] : values) values_.insert_or_assign(key, value);
}

void CounterCache::Clear() {
  absl::MutexLock l(&mu_);
  values_.clear();
}

absl::Status CoverageIndex::AddHouseholds(const std::map<std::string, int64_t>& added,
                                          rocksdb::WriteBatch* batch) {
  for (const auto& [grid, n] : added) {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cov_, "H" + grid, &v);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading household counts");
    const int64_t now = (s.ok() ? static_cast<int64_t>(FromBe64(v)) : 0) + n;
    batch->Put(cov_, "H" + grid, Be64(static_cast<uint64_t>(now)));
  }
  return absl::OkStatus();
}

void CoverageIndex::SetInactive(const std::string& household_id, bool inactive,
                                rocksdb::WriteBatch* batch) {
  if (inactive) {
    batch->Put(cov_, "X" + household_id, "");
  } else {
    batch->Delete(cov_, "X" + household_id);
  }
}

absl::Status CoverageIndex::CountHouseholds(std::map<std::string, int64_t>* active,
                                            rocksdb::WriteBatch* batch) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), reg_));
  for (it->Seek("h"); it->Valid() && it->key().starts_with("h"); it->Next()) {
    gridsync::v1::Household h;
    if (!h.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (h.status() == gridsync::core::kHouseholdActive) {
      ++(*active)[h.grid_code()];
    } else {
      batch->Put(cov_, "X" + h.household_id(), "");
    }
  }
  return FromRocks(it->status(), "reading the registry");
}

absl::Status CoverageIndex::Rebuild(rocksdb::ColumnFamilyHandle* records, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  committed_.Clear();
  {  // start empty
    rocksdb::WriteBatch clear;
    clear.DeleteRange(cov_, std::string(1, '\0'), std::string(1, '\xff'));
    if (auto st = FromRocks(db_->Write(wo, &clear), "clearing coverage"); !st.ok()) return st;
  }
  std::map<std::string, int64_t> households;
  rocksdb::WriteBatch batch;
  if (auto st = CountHouseholds(&households, &batch); !st.ok()) return st;
  if (auto st = AddHouseholds(households, &batch); !st.ok()) return st;
  std::unique_ptr<rocksdb::Iterator> it;
  Update up(*this, &batch, /*fresh=*/true);  // cleared above: nothing to read
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), records));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    gridsync::v1::RecordState s;
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (auto st = up.Replace(s.record_id(), {}, core::MarksOf(s)); !st.ok()) return st;
    if (batch.Count() > 10000) {  // counters stay cached across flushes
      up.Finish();
      if (auto st = FromRocks(db_->Write(wo, &batch), "rebuilding coverage"); !st.ok()) return st;
      batch.Clear();
    }
  }
  if (auto st = FromRocks(it->status(), "reading records"); !st.ok()) return st;
  up.Finish();
  return FromRocks(db_->Write(wo, &batch), "rebuilding coverage");
}

namespace {
// The coverage puts of a batch, as a map.
class Collect : public rocksdb::WriteBatch::Handler {
 public:
  explicit Collect(uint32_t cf) : cf_(cf) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    if (cf == cf_) kv[k.ToString()] = v.ToString();
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    if (cf == cf_) kv.erase(k.ToString());
    return rocksdb::Status::OK();
  }
  std::map<std::string, std::string> kv;

 private:
  uint32_t cf_;
};

std::string Printable(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}
}  // namespace

absl::StatusOr<std::vector<std::string>> CoverageIndex::Verify(
    rocksdb::ColumnFamilyHandle* records) const {
  // What the records and the registry add up to, counted from nothing.
  rocksdb::WriteBatch expected;
  std::map<std::string, int64_t> households;
  if (auto st = CountHouseholds(&households, &expected); !st.ok()) return st;
  std::unique_ptr<rocksdb::Iterator> it;
  for (const auto& [grid, n] : households) {
    expected.Put(cov_, "H" + grid, Be64(static_cast<uint64_t>(n)));
  }
  Update up(*this, &expected, /*fresh=*/true);
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), records));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    gridsync::v1::RecordState s;
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (auto st = up.Replace(s.record_id(), {}, core::MarksOf(s)); !st.ok()) return st;
  }
  if (auto st = FromRocks(it->status(), "reading records"); !st.ok()) return st;
  up.Finish();
  Collect want(cov_->GetID());
  if (auto st = FromRocks(expected.Iterate(&want), "recounting coverage"); !st.ok()) return st;

  // Against what is stored.
  std::vector<std::string> problems;
  int64_t differences = 0;
  auto note = [&](std::string line) {
    if (++differences <= 20) problems.push_back(std::move(line));
  };
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), cov_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    auto w = want.kv.find(key);
    if (w == want.kv.end()) {
      note(absl::StrCat("coverage key ", Printable(key), " is stored but no record counts for it"));
    } else {
      if (w->second != it->value().ToString()) {
        note(absl::StrCat("coverage key ", Printable(key), " differs from the records' count"));
      }
      want.kv.erase(w);
    }
  }
  if (auto st = FromRocks(it->status(), "reading coverage"); !st.ok()) return st;
  for (const auto& [key, value] : want.kv) {
    note(absl::StrCat("coverage key ", Printable(key), " is missing (the records count for it)"));
  }
  if (differences > 20) problems.push_back(absl::StrCat("... ", differences - 20, " more"));
  return problems;
}

// --- queries ------------------------------------------------------------------

namespace {

// One snapshot of the coverage index and the registry, as every query
// reads them.
struct IndexView {
  rocksdb::DB* db;
  rocksdb::ColumnFamilyHandle* cov;
  rocksdb::ColumnFamilyHandle* reg;
  const rocksdb::Snapshot* snap;

  // fn(key, value) for the index's keys with `prefix`, from `start` on,
  // while it returns true.
  template <typename Fn>
  absl::Status Scan(const std::string& prefix, Fn fn) const {
    return gridsync::server::Scan(db, cov, snap, prefix, prefix, fn);
  }
  template <typename Fn>
  absl::Status Scan(const std::string& prefix, const std::string& start, Fn fn) const {
    return gridsync::server::Scan(db, cov, snap, prefix, start, fn);
  }
  std::unique_ptr<rocksdb::Iterator> Iterator() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro, cov));
  }
};

// The registry entries of a kind ('o', 'h' or 'p') under a scope prefix.
template <typename Msg, typename Fn>
absl::Status ForEachRegistry(const IndexView& ix, char kind, const std::string& prefix,
                             const std::string& after, Fn fn) {
  const std::string p = std::string(1, kind) + prefix;
  const std::string start = after.empty() ? p : std::string(1, kind) + after + '\0';
  return Scan(ix.db, ix.reg, ix.snap, p, start,
              [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
                Msg m;
                if (!m.ParseFromArray(v.data(), static_cast<int>(v.size()))) return true;
                return fn(m);
              });
}

// Was the household visited (a counting visit) in [from, to)? Sets the
// workers who did.
bool VisitedInRange(rocksdb::Iterator* it, const std::string& household, int64_t from, int64_t to,
                    std::set<std::string>* workers, int64_t* photos = nullptr) {
  const std::string p = "D" + household;
  bool any = false;
  for (it->Seek(p + Be64(static_cast<uint64_t>(from))); it->Valid() && it->key().starts_with(p);
       it->Next()) {
    const int64_t at =
        static_cast<int64_t>(FromBe64(std::string_view(it->key().data() + p.size(), 8)));
    if (at >= to) break;
    any = true;
    if (photos != nullptr && DPhoto(it->value().ToStringView())) ++*photos;
    if (workers == nullptr && photos == nullptr) break;
    if (workers != nullptr) workers->insert(std::string(DWorker(it->value().ToStringView())));
  }
  return any;
}

// Every supervised person in scope with their check status as of as_of.
absl::StatusOr<std::vector<core::PersonDue>> PersonStatuses(
    const IndexView& ix, const CoverageQuery& q, const gridsync::v1::CheckPolicy& policy) {
  std::vector<core::PersonDue> out;
  auto it = ix.Iterator();
  auto st = ForEachRegistry<gridsync::v1::SupervisedPerson>(
      ix, 'p', q.prefix, "", [&](const gridsync::v1::SupervisedPerson& p) {
        // The last check before as_of.
        const std::string key_prefix = "C" + p.person_id();
        it->SeekForPrev(key_prefix + Be64(static_cast<uint64_t>(q.as_of_ms - 1)) +
                        std::string(1, '\xff'));
        std::optional<core::CheckMark> last;
        if (it->Valid() && it->key().starts_with(key_prefix) && it->value().size() >= 3) {
          const rocksdb::Slice v = it->value();
          last = core::CheckMark{.person_id = p.person_id(),
                                 .at_ms = static_cast<int64_t>(FromBe64(
                                     std::string_view(it->key().data() + key_prefix.size(), 8))),
                                 .risk_level = static_cast<unsigned char>(v[0]) - 1,
                                 .absent = v[1] != 0,
                                 .out_of_contact = v[2] != 0};
        }
        out.push_back(core::EvaluatePerson(p, last ? &*last : nullptr, policy, q.as_of_ms));
        return true;
      });
  if (!st.ok()) return st;
  if (auto s = FromRocks(it->status(), "reading checks"); !s.ok()) return s;
  return out;
}

// Calls fn(summary) for every case of `grid` registered in [from, to).
template <typename Fn>
absl::Status ForEachCase(const IndexView& ix, const std::string& grid, int64_t from, int64_t to,
                         Fn fn) {
  const std::string p = "R" + grid;
  return ix.Scan(
      p, p + Be64(static_cast<uint64_t>(std::max<int64_t>(from, 0))),
      [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
        if (static_cast<int64_t>(FromBe64(std::string_view(k.data() + p.size(), 8))) >= to)
          return false;
        CaseSummary s;
        if (s.ParseFromArray(v.data(), static_cast<int>(v.size()))) fn(s);
        return true;
      });
}

// Calls fn(summary) for every case under `prefix` open at as_of: the open
// index while the period runs; for a past time, every case registered by
// then whose history says it was open.
template <typename Fn>
absl::Status ForEachOpenCase(const IndexView& ix, const std::string& prefix, core::AsOf as_of,
                             Fn fn) {
  if (!as_of.ended) {
    return ix.Scan("O" + prefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
      CaseSummary s;
      if (s.ParseFromArray(v.data(), static_cast<int>(v.size()))) fn(s);
      return true;
    });
  }
  return ix.Scan("R" + prefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
    CaseSummary s;
    if (s.ParseFromArray(v.data(), static_cast<int>(v.size())) && s.registered_at_ms() < as_of.ms &&
        core::IsOpen(core::CaseStatusAsOf(s, as_of))) {
      fn(s);
    }
    return true;
  });
}

// Calls fn(summary) for every case under `prefix` registered before
// `before`, whatever its status (the backlog's candidates: R keys hold the
// grid, then the registration time).
template <typename Fn>
absl::Status ForEachCaseBefore(const IndexView& ix, const std::string& prefix, int64_t before,
                               Fn fn) {
  const size_t at = 1 + core::kGridCodeLen;
  return ix.Scan("R" + prefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    if (k.size() < at + 8 ||
        static_cast<int64_t>(FromBe64(std::string_view(k.data() + at, 8))) >= before)
      return true;
    CaseSummary s;
    if (s.ParseFromArray(v.data(), static_cast<int>(v.size()))) fn(s);
    return true;
  });
}

// Calls fn(summary) for every case under `prefix` escalated beyond its
// village (by now: the caller filters by the time it reached a level).
template <typename Fn>
absl::Status ForEachEscalatedCase(const IndexView& ix, const std::string& prefix, Fn fn) {
  return ix.Scan("E" + prefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
    CaseSummary s;
    if (s.ParseFromArray(v.data(), static_cast<int>(v.size()))) fn(s);
    return true;
  });
}

int64_t CounterOf(const rocksdb::Slice& v) {
  return static_cast<int64_t>(FromBe64(v.ToStringView()));
}

// A calendar month's visits from its running counters: households visited
// per grid (G), per worker (g) and visits with photos (P). A household that
// moved out or stands empty (X) is out of the figures: its visits of the
// month are taken back out of them.
absl::Status AddMonthVisits(const IndexView& ix, int32_t month, core::CoverageBuilder* b) {
  const std::string m = Be32(static_cast<uint32_t>(month));
  const std::string& prefix = b->prefix();
  auto st = ix.Scan("G" + m + prefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    b->AddVisited(k.ToString().substr(5), CounterOf(v));
    return true;
  });
  if (st.ok())
    st = ix.Scan("g" + m + prefix, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
      b->AddWorkerHouseholds(k.ToString().substr(5 + core::kGridCodeLen), CounterOf(v));
      return true;
    });
  if (st.ok())
    st = ix.Scan("P" + m + prefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
      b->AddPhotoVisits(CounterOf(v));
      return true;
    });
  if (!st.ok()) return st;
  std::vector<std::string> inactive;  // visited this month
  st = ix.Scan("X" + prefix, [&](const rocksdb::Slice& k, const rocksdb::Slice&) {
    std::string household = k.ToString().substr(1), v;
    rocksdb::ReadOptions ro;
    ro.snapshot = ix.snap;
    if (ix.db->Get(ro, ix.cov, "V" + m + household, &v).ok()) inactive.push_back(household);
    return true;
  });
  auto it = ix.Iterator();
  for (const auto& household : inactive) {
    if (!st.ok()) break;
    b->AddVisited(GridOf(household), -1);
    int64_t photos = 0;
    VisitedInRange(it.get(), household, b->period().from_ms, b->period().to_ms, nullptr, &photos);
    b->AddPhotoVisits(-photos);
    const std::string p = "W" + m + household;
    st = ix.Scan(p, [&](const rocksdb::Slice& k, const rocksdb::Slice&) {
      b->AddWorkerHouseholds(k.ToString().substr(p.size()), -1);
      return true;
    });
  }
  return st;
}

// Any other range: each active household's visit index (D).
absl::Status AddRangeVisits(const IndexView& ix, core::CoverageBuilder* b) {
  auto it = ix.Iterator();
  const auto& q = b->period();
  return ForEachRegistry<gridsync::v1::Household>(
      ix, 'h', b->prefix(), "", [&](const gridsync::v1::Household& h) {
        if (h.status() != gridsync::core::kHouseholdActive) return true;
        std::set<std::string> workers;
        int64_t photos = 0;
        if (VisitedInRange(it.get(), h.household_id(), q.from_ms, q.to_ms, &workers, &photos)) {
          b->AddVisited(h.grid_code(), 1);
          b->AddPhotoVisits(photos);
          for (const auto& w : workers) b->AddWorkerHouseholds(w, 1);
        }
        return true;
      });
}

// 入户: households per grid (H), then the period's visits.
absl::Status AddVisits(const IndexView& ix, core::CoverageBuilder* b) {
  auto st = ix.Scan("H" + b->prefix(), [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    b->AddHouseholds(k.ToString().substr(1), CounterOf(v));
    return true;
  });
  if (!st.ok()) return st;
  if (b->period().month != 0) return AddMonthVisits(ix, b->period().month, b);
  return AddRangeVisits(ix, b);
}

// Cases registered in the period, per grid with households (R); every case
// open at as_of; those old enough to be 积案 (R); and, for a town or the
// county, those escalated to it (E).
absl::Status AddCases(const IndexView& ix, core::CoverageBuilder* b) {
  const auto& q = b->period();
  for (const auto& grid : b->Grids()) {
    auto st = ForEachCase(ix, grid, q.from_ms, q.to_ms,
                          [&](const CaseSummary& s) { b->AddRegisteredCase(s); });
    if (!st.ok()) return st;
  }
  auto st =
      ForEachOpenCase(ix, b->prefix(), q.as_of, [&](const CaseSummary& s) { b->AddOpenCase(s); });
  if (st.ok()) {
    st = ForEachCaseBefore(ix, b->prefix(), b->aged_before(),
                           [&](const CaseSummary& s) { b->AddAgedCase(s); });
  }
  if (!st.ok() || b->receiving_level() == gridsync::v1::CASE_LEVEL_UNSPECIFIED) return st;
  return ForEachEscalatedCase(ix, b->prefix(),
                              [&](const CaseSummary& s) { b->AddEscalatedCase(s); });
}

// 平安夜巡: every village in scope (a grid's is its village), then the
// patrols recorded in its grids over the period's weeks (T, by month).
absl::Status AddPatrols(const IndexView& ix, core::CoverageBuilder* b) {
  auto st = ForEachRegistry<gridsync::v1::OrgUnit>(
      ix, 'o', b->village_prefix(), "", [&](const gridsync::v1::OrgUnit& u) {
        if (u.level() == gridsync::v1::ORG_LEVEL_VILLAGE) b->AddVillage(u.code());
        return true;
      });
  const auto [from, to] = b->patrol_span();
  for (int32_t month : MonthsIn(from, to)) {
    if (!st.ok()) return st;
    const std::string p = "T" + Be32(static_cast<uint32_t>(month)) + b->prefix();
    st = ix.Scan(p, [&](const rocksdb::Slice& k, const rocksdb::Slice& value) {
      const std::string_view key = k.ToStringView();
      const size_t at = 5 + core::kGridCodeLen;
      if (key.size() < at + 8) return true;
      b->AddPatrol(
          std::string(key.substr(5, core::kGridCodeLen)),
          {static_cast<int64_t>(FromBe64(key.substr(at, 8))), value.ToStringView() == "p"});
      return true;
    });
  }
  return st;
}

// 排查上报: the reports of the months the villages (added by AddPatrols)
// are to report for (S, by month).
absl::Status AddScreenings(const IndexView& ix, core::CoverageBuilder* b) {
  absl::Status st;
  for (int32_t month : b->screening_months()) {
    if (!st.ok()) return st;
    const std::string p = "S" + Be32(static_cast<uint32_t>(month)) + b->prefix();
    st = ix.Scan(p, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
      const std::string_view key = k.ToStringView(), value = v.ToStringView();
      if (key.size() < 5 + core::kGridCodeLen || value.size() != 8) return true;
      b->AddScreening({std::string(key.substr(5, core::kGridCodeLen)), month,
                       static_cast<int32_t>(FromBe32(value.substr(0, 4))),
                       static_cast<int32_t>(FromBe32(value.substr(4, 4)))});
      return true;
    });
  }
  return st;
}

// 排查整治: the scope's register of trouble spots (Z), counted whole.
absl::Status AddTroubleSpots(const IndexView& ix, core::CoverageBuilder* b) {
  return ix.Scan("Z" + b->prefix(), [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    const std::string_view key = k.ToStringView(), value = v.ToStringView();
    if (key.size() < 1 + core::kGridCodeLen || value.size() != 24) return true;
    auto at = [&](size_t i) { return static_cast<int64_t>(FromBe64(value.substr(8 * i, 8))); };
    b->AddTroubleSpot({std::string(key.substr(1, core::kGridCodeLen)), at(0), at(1), at(2)});
    return true;
  });
}

// 复查: the verified visits of the scope made in the period's months (K).
template <typename Fn>
absl::Status ForEachVerification(const IndexView& ix, const std::string& prefix, int64_t from,
                                 int64_t to, Fn fn) {
  absl::Status st;
  for (int32_t month : MonthsIn(from, to)) {
    if (!st.ok()) break;
    st = ix.Scan("K" + Be32(static_cast<uint32_t>(month)) + prefix,
                 [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
                   if (auto s = DecodeVerification(k.ToStringView(), v.ToStringView())) fn(*s);
                   return true;
                 });
  }
  return st;
}

// 督办: every task of the scope (A), each counted by core.
template <typename Fn>
absl::Status ForEachTask(const IndexView& ix, const std::string& prefix, Fn fn) {
  return ix.Scan("A" + prefix, [&](const rocksdb::Slice&, const rocksdb::Slice& v) {
    gridsync::v1::TaskItem t;
    if (t.ParseFromArray(v.data(), static_cast<int>(v.size()))) fn(std::move(t));
    return true;
  });
}

// 安全感/满意度: the forms, then the questionnaires asked in the period (Q,
// by month).
absl::Status AddSurveys(const IndexView& ix, core::CoverageBuilder* b) {
  auto forms = ReadSurveyForms(ix.db, ix.reg);
  if (!forms.ok()) return forms.status();
  for (const auto& f : *forms) b->AddForm(f);
  absl::Status st;
  for (int32_t month : MonthsIn(b->period().from_ms, b->period().to_ms)) {
    if (!st.ok()) return st;
    const std::string p = "Q" + Be32(static_cast<uint32_t>(month)) + b->prefix();
    st = ix.Scan(p, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
      const std::string_view key = k.ToStringView();
      const size_t at = 5 + core::kGridCodeLen;
      if (key.size() < at + 8) return true;
      if (auto m =
              DecodeSurvey(v.ToStringView(), static_cast<int64_t>(FromBe64(key.substr(at, 8)))))
        b->AddSurvey(*m);
      return true;
    });
  }
  return st;
}

}  // namespace

// The index's entities, each offered to core's builder as the phone offers
// its replica's (client_sdk/day_view.cc).
absl::StatusOr<gridsync::v1::GetCoverageResponse> CoverageIndex::GetCoverage(
    const CoverageQuery& q) {
  auto policy = ReadCheckPolicy(db_, reg_);
  if (!policy.ok()) return policy.status();
  ScopedSnapshot snap(db_);
  const IndexView ix{db_, cov_, reg_, snap.get()};
  core::CoverageBuilder b(q.prefix, q.period(), *policy);
  auto st = AddVisits(ix, &b);
  if (st.ok()) {
    auto persons = PersonStatuses(ix, q, *policy);
    if (!persons.ok()) return persons.status();
    for (const auto& p : *persons) b.AddPerson(p);
  }
  if (st.ok()) st = AddCases(ix, &b);
  if (st.ok()) st = AddPatrols(ix, &b);
  if (st.ok()) st = AddScreenings(ix, &b);
  if (st.ok()) st = AddTroubleSpots(ix, &b);
  if (st.ok())
    st = ForEachTask(ix, b.prefix(), [&](const gridsync::v1::TaskItem& t) { b.AddTask(t); });
  if (st.ok())
    st = ForEachVerification(ix, b.prefix(), q.from_ms, q.to_ms,
                             [&](const StoredVerification& s) { b.AddVerification(s.mark); });
  if (st.ok())  // 干部参与率: the rosters of the scope's villages
    st = ForEachRegistry<gridsync::v1::Cadre>(ix, kCadrePrefix[0], b.village_prefix(), "",
                                              [&](const gridsync::v1::Cadre& c) {
                                                b.AddCadre(c);
                                                return true;
                                              });
  if (st.ok()) st = AddSurveys(ix, &b);
  if (!st.ok()) return st;
  return std::move(b).Finish();
}

absl::StatusOr<gridsync::v1::ListUnvisitedHouseholdsResponse> CoverageIndex::ListUnvisited(
    const CoverageQuery& q, int page_size, const std::string& page_token) {
  ScopedSnapshot snap(db_);
  const IndexView ix{db_, cov_, reg_, snap.get()};
  gridsync::v1::ListUnvisitedHouseholdsResponse out;
  const int n = PageSize(page_size);
  auto it = ix.Iterator();
  std::string last;
  auto st = ForEachRegistry<gridsync::v1::Household>(
      ix, 'h', q.prefix, page_token, [&](const gridsync::v1::Household& h) {
        if (out.households_size() == n) {
          out.set_next_page_token(last);
          return false;
        }
        last = h.household_id();
        if (h.status() == gridsync::core::kHouseholdActive &&
            !VisitedInRange(it.get(), h.household_id(), q.from_ms, q.to_ms, nullptr)) {
          *out.add_households() = h;
        }
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<gridsync::v1::ListOverduePersonsResponse> CoverageIndex::ListOverdue(
    const CoverageQuery& q, gridsync::v1::PersonGroup group, int page_size,
    const std::string& page_token) {
  auto policy = ReadCheckPolicy(db_, reg_);
  if (!policy.ok()) return policy.status();
  ScopedSnapshot snap(db_);
  auto persons = PersonStatuses({db_, cov_, reg_, snap.get()}, q, *policy);
  if (!persons.ok()) return persons.status();
  std::vector<const core::PersonDue*> rows;
  for (const auto& p : *persons) {
    if (p.NeedsAttention() && core::InGroup(p.row.person().category(), group)) {
      rows.push_back(&p);
    }
  }
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return core::OverdueFirst(*a, *b); });
  gridsync::v1::ListOverduePersonsResponse out;
  out.set_total(static_cast<int64_t>(rows.size()));
  const int64_t off = Offset(page_token);
  const int64_t end =
      std::min<int64_t>(off + PageSize(page_size), static_cast<int64_t>(rows.size()));
  for (int64_t i = off; i < end; ++i) *out.add_persons() = rows[i]->row;
  if (end < static_cast<int64_t>(rows.size())) out.set_next_page_token(std::to_string(end));
  return out;
}

absl::StatusOr<gridsync::v1::ListOpenCasesResponse> CoverageIndex::ListOpenCases(
    const std::string& prefix, core::AsOf as_of, gridsync::v1::CaseLevel level, int page_size,
    const std::string& page_token) {
  auto policy = ReadCheckPolicy(db_, reg_);
  if (!policy.ok()) return policy.status();
  const int64_t backlog_age = core::BacklogAgeMs(*policy);
  ScopedSnapshot snap(db_);
  std::vector<CaseSummary> open;
  auto st =
      ForEachOpenCase({db_, cov_, reg_, snap.get()}, prefix, as_of, [&](const CaseSummary& s) {
        const auto held = core::CaseLevelAsOf(s, as_of);
        if (level != gridsync::v1::CASE_LEVEL_UNSPECIFIED && held != level) return;
        open.push_back(s);
        open.back().set_level(held);
        open.back().set_status(core::CaseStatusAsOf(s, as_of));  // there
      });
  if (!st.ok()) return st;
  auto rank = [&](const CaseSummary& s) {
    const bool past = core::PastDeadline(s, as_of.ms);
    return std::make_tuple(!past, past ? s.deadline_ms() : 0, s.registered_at_ms(),
                           std::string_view(s.record_id()));
  };
  std::sort(open.begin(), open.end(),
            [&](const CaseSummary& a, const CaseSummary& b) { return rank(a) < rank(b); });
  gridsync::v1::ListOpenCasesResponse out;
  out.set_total(static_cast<int64_t>(open.size()));
  const int64_t off = Offset(page_token);
  const int64_t end =
      std::min<int64_t>(off + PageSize(page_size), static_cast<int64_t>(open.size()));
  for (int64_t i = off; i < end; ++i) {
    out.add_past_deadline(core::PastDeadline(open[i], as_of.ms));
    out.add_backlog(core::IsBacklog(open[i], open[i].level(), as_of, backlog_age));
    *out.add_cases() = std::move(open[i]);
  }
  if (end < static_cast<int64_t>(open.size())) out.set_next_page_token(std::to_string(end));
  return out;
}

absl::StatusOr<gridsync::v1::ListTasksResponse> CoverageIndex::ListTasks(
    const std::string& prefix, int64_t now_ms, bool open_only, int page_size,
    const std::string& page_token) {
  ScopedSnapshot snap(db_);
  std::vector<gridsync::v1::TaskItem> tasks;
  auto st = ForEachTask({db_, cov_, reg_, snap.get()}, prefix,
                        [&](gridsync::v1::TaskItem t) { tasks.push_back(std::move(t)); });
  if (!st.ok()) return st;
  const int64_t off = Offset(page_token);
  auto out = core::TaskListOf(std::move(tasks), now_ms, open_only, off, PageSize(page_size));
  if (off + out.tasks_size() < out.total()) {
    out.set_next_page_token(std::to_string(off + out.tasks_size()));
  }
  return out;
}

namespace {

// A household's visits of the month, by record id: the counting ones (D)
// and the verified ones (K, which hold those found not made).
using MonthVisits = std::map<std::string, gridsync::v1::SampledVisit>;

void AddCountingVisits(rocksdb::Iterator* it, const std::string& household, int64_t from,
                       int64_t to, MonthVisits* out) {
  const std::string p = "D" + household;
  for (it->Seek(p + Be64(static_cast<uint64_t>(from))); it->Valid() && it->key().starts_with(p);
       it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const int64_t at = static_cast<int64_t>(FromBe64(key.substr(p.size(), 8)));
    if (at >= to) break;
    auto& v = (*out)[std::string(key.substr(p.size() + 8))];
    v.set_visited_at_ms(at);
    v.set_worker(std::string(DWorker(it->value().ToStringView())));
  }
}

// The visit the sample takes for a household: its first of the month.
gridsync::v1::SampledVisit FirstOf(const MonthVisits& visits) {
  gridsync::v1::SampledVisit first;
  for (const auto& [id, v] : visits) {
    if (first.visit_record_id().empty() || v.visited_at_ms() < first.visited_at_ms()) {
      first = v;
      first.set_visit_record_id(id);
    }
  }
  gridsync::v1::WorkerVisits who;
  core::SetWorker(first.worker(), &who);
  first.set_worker(who.worker());
  return first;
}

}  // namespace

absl::StatusOr<gridsync::v1::DrawVerificationSampleResponse> CoverageIndex::DrawSample(
    const std::string& village_code, const CoverageQuery& q) {
  auto policy = ReadCheckPolicy(db_, reg_);
  if (!policy.ok()) return policy.status();
  ScopedSnapshot snap(db_);
  const IndexView ix{db_, cov_, reg_, snap.get()};
  std::map<std::string, MonthVisits> by_household;
  auto st =
      ForEachVerification(ix, village_code, q.from_ms, q.to_ms, [&](const StoredVerification& s) {
        auto& v = by_household[s.mark.household_id][s.record_id];
        v.set_visited_at_ms(s.mark.visited_at_ms);
        v.set_worker(s.mark.worker);
        v.set_confirmation(s.mark.confirmation);
      });
  if (!st.ok()) return st;
  auto it = ix.Iterator();
  std::vector<std::pair<uint64_t, gridsync::v1::SampledVisit>> ranked;
  st = ForEachRegistry<gridsync::v1::Household>(
      ix, 'h', village_code, "", [&](const gridsync::v1::Household& h) {
        MonthVisits& visits = by_household[h.household_id()];
        AddCountingVisits(it.get(), h.household_id(), q.from_ms, q.to_ms, &visits);
        if (visits.empty()) return true;
        gridsync::v1::SampledVisit v = FirstOf(visits);
        v.set_household_id(h.household_id());
        v.set_head_name(h.head_name());
        v.set_address(h.address());
        ranked.emplace_back(core::SampleRank(village_code, q.month, h.household_id()),
                            std::move(v));
        return true;
      });
  if (!st.ok()) return st;
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  gridsync::v1::DrawVerificationSampleResponse out;
  out.set_village_code(village_code);
  out.set_month(core::MonthName(q.month));
  out.set_sample_size(core::VerificationSample(*policy));
  out.set_households_visited(static_cast<int64_t>(ranked.size()));
  for (size_t i = 0; i < ranked.size() && i < static_cast<size_t>(out.sample_size()); ++i) {
    *out.add_visits() = std::move(ranked[i].second);
  }
  return out;
}

}  // namespace gridsync::server
