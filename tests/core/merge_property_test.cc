// Merge laws as randomized properties: any order and any duplication of the
// same mutations gives byte-identical state on every replica.
#include <algorithm>
#include <random>

#include "core/hlc.h"
#include "core/ids.h"
#include "core/merge.h"
#include "core/validate.h"
#include "gridsync/v1/records.pb.h"
#include "gtest/gtest.h"

namespace gridsync::core {
namespace {
using gridsync::v1::Mutation;
using gridsync::v1::RecordState;

constexpr uint64_t kSeed = 20261124;
constexpr int kCases = 10000;
const char* kGrid = "410185001201001";
// What random edits of a kind touch: five register edits (some twice, to
// collide more often), its logs, whether it has a status and a subject.
struct KindEdits {
  gridsync::v1::RecordKind kind;
  std::vector<std::string> fields;
  std::vector<std::string> logs;
  bool status;
  bool subject;
};
const KindEdits kCase{gridsync::v1::RECORD_KIND_DISPUTE_CASE,
                      {"title", "description", "urgent_major_hard", "mediator", "deadline_ms"},
                      {"mediation_sessions"},
                      true,
                      true};
// A patrol's registers and logs (issue 15): several phones add to one.
const KindEdits kPatrol{gridsync::v1::RECORD_KIND_PATROL,
                        {"route", "notes", "started_at_ms", "ended_at_ms", "route"},
                        {"members", "places", "problems"},
                        false,
                        false};
// A questionnaire (issue 15): answers corrected on two phones at once.
const KindEdits kSurvey{gridsync::v1::RECORD_KIND_SURVEY,
                        {"safety", "satisfaction", "outcome", "asked_at_ms", "form_version"},
                        {"answers", "opinions"},
                        false,
                        true};

struct Device {
  std::string id;
  uint64_t seq = 0;
  RecordState view;  // what this phone has seen
};

gridsync::v1::FieldValue RandomValue(const std::string& field, std::mt19937_64& rng) {
  gridsync::v1::FieldValue v;
  if (field == "urgent_major_hard") {
    v.set_bool_value(rng() % 2);
  } else if (field == "safety" || field == "satisfaction" || field == "outcome") {
    v.set_int_value(1 + static_cast<int64_t>(rng() % 3));
  } else if (field == "form_version") {
    v.set_string_value("2026-Q" + std::to_string(1 + rng() % 4));
  } else if (field == "deadline_ms" || field == "started_at_ms" || field == "ended_at_ms" ||
             field == "asked_at_ms") {
    v.set_int_value(1767225600000 + static_cast<int64_t>(rng() % 1000000));
  } else {
    v.set_string_value("v" + std::to_string(rng() % 1000));
  }
  return v;
}

// A random entry of a patrol's, a questionnaire's or a case's `log`,
// serialized.
std::string LogEntry(const std::string& log, std::mt19937_64& rng) {
  const std::string n = std::to_string(rng() % 100);
  if (log == "mediation_sessions") {
    gridsync::v1::MediationSession s;
    s.set_summary("session " + n);
    return s.SerializeAsString();
  }
  if (log == "answers") {
    gridsync::v1::SurveyAnswer e;
    e.set_question_id("q" + std::to_string(rng() % 3));
    e.set_choice(1 + static_cast<int32_t>(rng() % 4));
    return e.SerializeAsString();
  }
  if (log == "opinions") {
    gridsync::v1::SurveyOpinion e;
    e.set_topic(static_cast<gridsync::v1::OpinionTopic>(1 + rng() % 9));
    e.set_text("意见" + n);
    return e.SerializeAsString();
  }
  if (log == "members") {
    gridsync::v1::PatrolMember e;
    e.set_name("队员" + n);
    e.set_role(gridsync::v1::PATROL_ROLE_VOLUNTEER);
    return e.SerializeAsString();
  }
  if (log == "places") {
    gridsync::v1::PatrolPlace e;
    e.set_name("地点" + n);
    e.set_kind(gridsync::v1::PATROL_PLACE_KIND_KEY_AREA);
    return e.SerializeAsString();
  }
  gridsync::v1::PatrolProblem e;
  e.set_description("问题" + n);
  return e.SerializeAsString();
}

// One random edit by `d`, made against what d has seen, of a record of
// the kind `k`.
Mutation RandomEdit(Device& d, const std::string& record_id, uint64_t hlc, std::mt19937_64& rng,
                    const KindEdits& k) {
  const auto kind = k.kind;
  Mutation m;
  m.set_device_seq(++d.seq);
  m.set_record_id(record_id);
  m.set_kind(kind);
  m.set_grid_code(kGrid);
  m.set_hlc(hlc);
  m.set_device_id(d.id);
  m.set_author("author-" + d.id);
  // A kind without a status: its status edits are register edits.
  const uint64_t roll = rng() % 6;
  switch (!k.status && roll == 4 ? 0 : roll) {
    case 0:
    case 1:
    case 2: {
      const std::string field = k.fields[rng() % k.fields.size()];
      auto* sf = m.mutable_set_field();
      sf->set_field(field);
      *sf->mutable_value() = RandomValue(field, rng);
      for (const auto& r : d.view.registers()) {
        if (r.field() == field) *sf->mutable_seen() = r.context();
      }
      break;
    }
    case 3: {
      auto* al = m.mutable_append_log();
      al->set_element_id(d.id + "-" + std::to_string(d.seq));
      al->set_log(k.logs[rng() % k.logs.size()]);
      al->set_payload(LogEntry(al->log(), rng));
      break;
    }
    case 4: {
      auto* ss = m.mutable_set_status();
      ss->set_status(static_cast<gridsync::v1::CaseStatus>(1 + rng() % 7));
      ss->set_epoch(d.view.status().epoch());
      break;
    }
    default: {
      if (rng() % 4 == 0) {
        m.mutable_void_record()->set_reason("entered twice");
      } else {
        auto* c = m.mutable_create();
        if (k.subject) c->set_subject_id(std::string(kGrid) + "0001");  // a patrol has none
        auto* f = c->add_fields();
        f->set_field(k.fields[0]);
        *f->mutable_value() = RandomValue(f->field(), rng);
      }
    }
  }
  return m;
}

// A random history: three phones edit one case, patrol or questionnaire
// (a case in half the histories), now and then syncing pairwise.
std::vector<Mutation> RandomHistory(std::mt19937_64& rng) {
  const uint64_t pick = rng() % 4;
  const KindEdits& kind = pick == 0 ? kPatrol : pick == 1 ? kSurvey : kCase;
  std::vector<Device> devs(3);
  devs[0].id = "dev-a";
  devs[1].id = "dev-b";
  devs[2].id = "dev-c";
  const std::string id = NewUlid(1767225600000, rng);
  std::vector<Mutation> out;
  uint64_t t = PackHlc(1767225600000, 0);
  const int steps = 5 + static_cast<int>(rng() % 20);
  for (int i = 0; i < steps; ++i) {
    Device& d = devs[rng() % devs.size()];
    if (rng() % 3 == 0) {
      Device& other = devs[rng() % devs.size()];
      Join(&d.view, other.view);
      continue;
    }
    t += 1 + rng() % 5000;
    // dev-c's clock is an hour behind: its stamps lose ties it should win.
    const uint64_t stamp = d.id == "dev-c" ? t - (uint64_t{3600000} << kHlcLogicalBits) : t;
    Mutation m = RandomEdit(d, id, stamp, rng, kind);
    auto violation = ValidateMutation(m);
    EXPECT_FALSE(violation.has_value()) << violation->field << ": " << violation->message;
    Apply(&d.view, m);
    out.push_back(m);
  }
  return out;
}

std::string JoinAll(const std::vector<RecordState>& deltas) {
  RecordState s;
  for (const auto& d : deltas) Join(&s, d);
  return SerializeCanonical(s);
}

// Joins the deltas as a random binary tree: tests associativity.
RecordState JoinTree(std::vector<RecordState> parts, std::mt19937_64& rng) {
  if (parts.empty()) return RecordState();
  while (parts.size() > 1) {
    size_t i = rng() % (parts.size() - 1);
    RecordState merged = parts[i];
    Join(&merged, parts[i + 1]);
    parts[i] = std::move(merged);
    parts.erase(parts.begin() + static_cast<long>(i) + 1);
  }
  return parts[0];
}

TEST(MergeProperty, AnyOrderAndDuplicationGivesIdenticalBytes) {
  std::mt19937_64 rng(kSeed);
  int conflicts_seen = 0;
  for (int c = 0; c < kCases; ++c) {
    const std::vector<Mutation> history = RandomHistory(rng);
    std::vector<RecordState> deltas;
    for (const auto& m : history) deltas.push_back(ToDelta(m));
    const std::string reference = JoinAll(deltas);

    // Replica 1: shuffled. Replica 2: shuffled with duplicates. Replica 3: a
    // random tree of joins of partial states, each part itself shuffled.
    std::vector<RecordState> shuffled = deltas;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<RecordState> dup = deltas;
    for (size_t i = 0; i < deltas.size(); ++i) {
      if (rng() % 2) dup.push_back(deltas[rng() % deltas.size()]);
    }
    std::shuffle(dup.begin(), dup.end(), rng);
    std::vector<RecordState> tree = dup;
    std::shuffle(tree.begin(), tree.end(), rng);
    const RecordState tree_state = JoinTree(tree, rng);

    ASSERT_EQ(JoinAll(shuffled), reference) << "seed " << kSeed << " case " << c;
    ASSERT_EQ(JoinAll(dup), reference) << "seed " << kSeed << " case " << c;
    ASSERT_EQ(SerializeCanonical(tree_state), reference) << "seed " << kSeed << " case " << c;

    // Idempotence of the whole state.
    RecordState twice = tree_state;
    Join(&twice, tree_state);
    ASSERT_EQ(SerializeCanonical(twice), reference) << "seed " << kSeed << " case " << c;
    if (HasConflict(tree_state)) ++conflicts_seen;
  }
  // The generator must actually produce concurrent edits, or this test
  // proves nothing about conflicts.
  EXPECT_GT(conflicts_seen, kCases / 10);
}

TEST(MergeProperty, NoTypedValueIsLostWithoutBeingSeen) {
  // Every value written survives unless a later write by someone who had
  // seen it replaced it.
  std::mt19937_64 rng(kSeed + 1);
  for (int c = 0; c < 2000; ++c) {
    const std::vector<Mutation> history = RandomHistory(rng);
    RecordState s;
    for (const auto& m : history) Apply(&s, m);
    for (const auto& m : history) {
      if (!m.has_set_field()) continue;
      bool present = false, superseded = false;
      for (const auto& r : s.registers()) {
        if (r.field() != m.set_field().field()) continue;
        for (const auto& sib : r.siblings()) {
          present |=
              sib.dot().device_id() == m.device_id() && sib.dot().counter() == m.device_seq();
        }
      }
      for (const auto& later : history) {
        // A later write of the same field by the same phone saw this one.
        const bool writes_field =
            (later.has_set_field() && later.set_field().field() == m.set_field().field()) ||
            (later.has_create() &&
             std::any_of(later.create().fields().begin(), later.create().fields().end(),
                         [&](const auto& f) { return f.field() == m.set_field().field(); }));
        if (!writes_field) continue;
        superseded |= later.device_id() == m.device_id() && later.device_seq() > m.device_seq();
        if (!later.has_set_field()) continue;
        for (const auto& d : later.set_field().seen().entries()) {
          superseded |= d.device_id() == m.device_id() && d.counter() >= m.device_seq();
        }
      }
      ASSERT_TRUE(present || superseded) << "seed " << kSeed + 1 << " case " << c;
    }
  }
}

}  // namespace
}  // namespace gridsync::core
