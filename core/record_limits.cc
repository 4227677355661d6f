#include "core/record_limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/schema.h"

namespace gridsync::core {
namespace {

const gridsync::v1::LogSet* FindLog(const gridsync::v1::RecordState& s, const std::string& log) {
  for (const auto& l : s.logs()) {
    if (l.log() == log) return &l;
  }
  return nullptr;
}

bool HasElement(const gridsync::v1::LogSet& l, const std::string& id) {
  // Elements are sorted by id (core/merge.h).
  auto it = std::lower_bound(
      l.elements().begin(), l.elements().end(), id,
      [](const gridsync::v1::LogElement& e, const std::string& v) { return e.element_id() < v; });
  return it != l.elements().end() && it->element_id() == id;
}

// Drops the bytes a log element's payload carries beyond its schema.
void StripUnknown(const KindSchema& schema, gridsync::v1::LogSet* l) {
  const FieldSpec* spec = schema.Find(l->log());
  if (spec == nullptr || spec->role != FieldRole::kLog) return;
  for (auto& e : *l->mutable_elements()) {
    std::unique_ptr<google::protobuf::Message> element = NewLogElement(*spec);
    if (!element->ParseFromString(e.payload())) continue;
    element->DiscardUnknownFields();
    std::string clean = element->SerializeAsString();
    if (clean.size() < e.payload().size()) e.set_payload(std::move(clean));
  }
}

}  // namespace

absl::Status CheckRecordLimits(const gridsync::v1::RecordState& current,
                               const gridsync::v1::Mutation& m) {
  if (!m.has_create() && !m.has_set_field() && !m.has_append_log()) return absl::OkStatus();
  if (m.has_append_log()) {
    const auto* log = FindLog(current, m.append_log().log());
    if (log != nullptr && log->elements_size() >= kMaxLogElements &&
        !HasElement(*log, m.append_log().element_id())) {
      return absl::ResourceExhaustedError(
          absl::StrCat("record ", m.record_id(), " holds ", log->elements_size(), " entries in ",
                       m.append_log().log(), ", the most a log may hold (", kMaxLogElements,
                       "); start a new record for what follows, or void entries made in error"));
    }
  }
  const size_t after = current.ByteSizeLong() + m.ByteSizeLong();
  if (after > kMaxRecordBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("record ", m.record_id(), " is ", current.ByteSizeLong(),
                     " bytes; this write would take it past the most a record may hold (",
                     kMaxRecordBytes, " bytes): start a new record for what follows"));
  }
  return absl::OkStatus();
}

std::vector<std::string> OverLimits(const gridsync::v1::RecordState& s) {
  std::vector<std::string> out;
  if (const size_t bytes = s.ByteSizeLong(); bytes > kMaxRecordBytes) {
    out.push_back(absl::StrCat(bytes, " bytes (at most ", kMaxRecordBytes, ")"));
  }
  for (const auto& l : s.logs()) {
    if (l.elements_size() > kMaxLogElements) {
      out.push_back(absl::StrCat(l.log(), ": ", l.elements_size(), " entries (at most ",
                                 kMaxLogElements, ")"));
    }
  }
  return out;
}

bool TrimForReaders(gridsync::v1::RecordState* s) {
  if (OverLimits(*s).empty()) return false;
  const KindSchema* schema = SchemaFor(s->header().kind());
  for (auto& l : *s->mutable_logs()) {
    if (schema != nullptr) StripUnknown(*schema, &l);
    if (l.elements_size() > kMaxLogElements) {
      l.mutable_elements()->DeleteSubrange(kMaxLogElements, l.elements_size() - kMaxLogElements);
    }
  }
  // The largest log gives up its last element until the state fits; each
  // step is O(1) by keeping the sizes.
  std::vector<size_t> log_bytes;
  for (const auto& l : s->logs()) log_bytes.push_back(l.ByteSizeLong());
  size_t total = s->ByteSizeLong();
  while (total > kMaxRecordBytes) {
    auto largest = std::max_element(log_bytes.begin(), log_bytes.end());
    if (largest == log_bytes.end() || *largest == 0) break;  // registers alone too large
    auto* l = s->mutable_logs(static_cast<int>(largest - log_bytes.begin()));
    if (l->elements_size() == 0) break;
    const size_t dropped = l->elements(l->elements_size() - 1).ByteSizeLong() + 3;
    l->mutable_elements()->RemoveLast();
    *largest -= std::min(*largest, dropped);
    total -= std::min(total, dropped);
  }
  return true;
}

}  // namespace gridsync::core
