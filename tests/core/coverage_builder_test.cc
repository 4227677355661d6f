#include "core/coverage_builder.h"

#include "core/ids.h"
#include "gtest/gtest.h"

namespace gridsync::core {
namespace {

constexpr char kVillage[] = "410185001201";
constexpr char kGridA[] = "410185001201001";
constexpr char kGridB[] = "410185001201002";
constexpr char kOtherGrid[] = "410185001202001";  // the next village

ResolvedPeriod November() {
  auto m = MonthRange("2026-11");
  return {m->first, m->second, {m->second, true}, 202611, m->second + kDayMs};
}

gridsync::v1::CaseSummary CaseAt(const std::string& grid, int64_t registered_at_ms) {
  gridsync::v1::CaseSummary c;
  c.set_record_id(grid + std::to_string(registered_at_ms));
  c.set_grid_code(grid);
  c.set_registered_at_ms(registered_at_ms);
  c.set_status(gridsync::v1::CASE_STATUS_REGISTERED);
  return c;
}

TEST(CoverageBuilder, GridsRollUpIntoTheScopesVisitsAndRate) {
  CoverageBuilder b(ScopePrefix(kVillage), November(), DefaultCheckPolicy());
  b.AddHouseholds(kGridA, 10);
  b.AddHouseholds(kGridB, 10);
  b.AddVisited(kGridA, 4);
  b.AddVisited(kGridB, 1);
  b.AddWorkerHouseholds("dev-1", 4);
  b.AddWorkerHouseholds("dev-2", 1);
  b.AddPhotoVisits(3);
  EXPECT_EQ(b.Grids(), (std::vector<std::string>{kGridA, kGridB}));
  const auto c = std::move(b).Finish();
  EXPECT_EQ(c.visits().households(), 20);
  EXPECT_EQ(c.visits().visited(), 5);
  EXPECT_DOUBLE_EQ(c.visits().rate(), 0.25);
  EXPECT_EQ(c.visits().with_photos(), 3);
  ASSERT_EQ(c.visits().by_grid_size(), 2);
  EXPECT_EQ(c.visits().by_grid(0).grid_code(), kGridA);
  EXPECT_EQ(c.visits().by_grid(0).visited(), 4);
  ASSERT_EQ(c.visits().by_worker_size(), 2);
  EXPECT_EQ(c.visits().by_worker(1).households_visited(), 1);
}

TEST(CoverageBuilder, AWorkersCounterTakenBackToNothingLeavesNoRow) {
  CoverageBuilder b(ScopePrefix(kVillage), November(), DefaultCheckPolicy());
  b.AddHouseholds(kGridA, 2);
  b.AddVisited(kGridA, 2);
  b.AddWorkerHouseholds("dev-1", 1);
  b.AddWorkerHouseholds("dev-2", 1);
  // dev-2's household moved out: the server's month counters take it back.
  b.AddVisited(kGridA, -1);
  b.AddWorkerHouseholds("dev-2", -1);
  const auto c = std::move(b).Finish();
  EXPECT_EQ(c.visits().visited(), 1);
  ASSERT_EQ(c.visits().by_worker_size(), 1);
  EXPECT_EQ(c.visits().by_worker(0).households_visited(), 1);
  EXPECT_EQ(c.visits().workers_visiting(), 1);
}

TEST(CoverageBuilder, ARegisteredCaseCountsInThePeriodInAGridWithHouseholds) {
  const auto nov = November();
  CoverageBuilder b(ScopePrefix(kVillage), nov, DefaultCheckPolicy());
  b.AddHouseholds(kGridA, 5);
  b.AddRegisteredCase(CaseAt(kGridA, nov.from_ms));          // counts
  b.AddRegisteredCase(CaseAt(kGridA, nov.from_ms - 1));      // October
  b.AddRegisteredCase(CaseAt(kGridA, nov.to_ms));            // December
  b.AddRegisteredCase(CaseAt(kGridB, nov.from_ms + 1000));   // no households there
  b.AddRegisteredCase(CaseAt(kOtherGrid, nov.from_ms + 1));  // another village
  for (const char* g : {kGridA, kGridB, kOtherGrid}) b.AddOpenCase(CaseAt(g, nov.from_ms + 5));
  const auto c = std::move(b).Finish();
  EXPECT_EQ(c.cases().registered(), 1);
  // Open at the month's end: every case of the village's grids, households
  // or not; not the other village's.
  EXPECT_EQ(c.cases().open_now(), 2);
}

TEST(CoverageBuilder, PatrolsCountForVillagesOfTheScopeWithinTheirSpan) {
  const auto nov = November();
  CoverageBuilder b(ScopePrefix(kGridA), nov, DefaultCheckPolicy());
  EXPECT_EQ(b.village_prefix(), kVillage);
  b.AddVillage(kVillage);
  const auto [from, to] = b.patrol_span();
  b.AddPatrol(kGridA, {from + 20 * 3600 * 1000, false});
  b.AddPatrol(kGridA, {to, false});                          // after the span
  b.AddPatrol(kGridB, {from + 21 * 3600 * 1000, true});      // not the scope (grid A)
  b.AddPatrol(kOtherGrid, {from + 22 * 3600 * 1000, true});  // nor its village
  const auto c = std::move(b).Finish();
  ASSERT_EQ(c.patrols().by_village_size(), 1);
  EXPECT_EQ(c.patrols().patrols(), 1);
}

TEST(CoverageBuilder, QuestionnairesOutsideThePeriodOrScopeAreNotCounted) {
  const auto nov = November();
  CoverageBuilder b(ScopePrefix(kVillage), nov, DefaultCheckPolicy());
  SurveyMark m;
  m.household_id = std::string(kGridA) + "0001";
  m.at_ms = nov.from_ms;
  m.outcome = gridsync::v1::SURVEY_OUTCOME_ANSWERED;
  b.AddSurvey(m);
  m.at_ms = nov.to_ms;
  b.AddSurvey(m);
  m.at_ms = nov.from_ms;
  m.household_id = std::string(kOtherGrid) + "0001";
  b.AddSurvey(m);
  const auto c = std::move(b).Finish();
  EXPECT_EQ(c.surveys().asked(), 1);
  EXPECT_EQ(c.surveys().answered(), 1);
}

// 排查上报: each village owes a report for every month that begins within
// the period; one with nothing found is a 零报告; one from another
// village, another month, or of a village not added counts for nothing.
TEST(CoverageBuilder, EveryVillageOwesAScreeningReportForEachMonth) {
  constexpr char kVillage2[] = "410185001202";
  CoverageBuilder b(ScopePrefix("410185001000"), November(), DefaultCheckPolicy());
  EXPECT_EQ(b.screening_months(), std::vector<int32_t>{202611});
  b.AddVillage(kVillage);
  b.AddVillage(kVillage2);
  b.AddScreening({kGridA, 202611, 0, 0});  // 零报告, with grid B's below
  b.AddScreening({kGridB, 202611, 0, 0});
  b.AddScreening({kGridA, 202610, 5, 0});             // October's
  b.AddScreening({"410185001203001", 202611, 9, 9});  // a village not added
  const auto c = std::move(b).Finish();
  const auto& s = c.screening();
  EXPECT_EQ(s.villages(), 2);
  EXPECT_EQ(s.village_months(), 2);
  EXPECT_EQ(s.reported(), 1);
  EXPECT_EQ(s.zero_reports(), 1);
  EXPECT_EQ(s.villages_not_reported(), 1);
  EXPECT_DOUBLE_EQ(s.rate(), 0.5);
  EXPECT_EQ(s.disputes_found(), 0);
  ASSERT_EQ(s.by_village_size(), 2);
  EXPECT_EQ(s.by_village(0).reports(), 2);
  EXPECT_EQ(s.by_village(1).village_code(), kVillage2);
  EXPECT_EQ(s.by_village(1).months_reported(), 0);

  // A quarter owes three months; a period from mid-month owes none of it.
  auto q = November();
  q.from_ms = MonthRange("2026-09")->first;
  q.month = 0;
  CoverageBuilder quarter(ScopePrefix(kVillage), q, DefaultCheckPolicy());
  EXPECT_EQ(quarter.screening_months(), (std::vector<int32_t>{202609, 202610, 202611}));
  quarter.AddVillage(kVillage);
  quarter.AddScreening({kGridA, 202610, 2, 1});
  const auto three = std::move(quarter).Finish().screening();
  EXPECT_EQ(three.village_months(), 3);
  EXPECT_EQ(three.reported(), 1);
  EXPECT_EQ(three.zero_reports(), 0);
  EXPECT_EQ(three.hazards_found(), 1);
  q.from_ms += kDayMs;
  EXPECT_EQ(CoverageBuilder(ScopePrefix(kVillage), q, DefaultCheckPolicy()).screening_months(),
            (std::vector<int32_t>{202610, 202611}));
}

// 排查整治: the register in a period is what was found before as_of and not
// rectified before it began; rectified by as_of, or open (past deadline).
TEST(CoverageBuilder, TroubleSpotsOnTheRegisterInThePeriod) {
  const auto nov = November();
  const int64_t from = nov.from_ms, to = nov.to_ms;
  CoverageBuilder b(ScopePrefix(kVillage), nov, DefaultCheckPolicy());
  b.AddTroubleSpot({kGridA, from - 10 * kDayMs, from - 1, 0});       // rectified before: out
  b.AddTroubleSpot({kGridA, from - 10 * kDayMs, from, 0});           // rectified in it
  b.AddTroubleSpot({kGridA, from - 10 * kDayMs, 0, from + kDayMs});  // open, past deadline
  b.AddTroubleSpot({kGridB, from + kDayMs, to, 0});                  // found in it, rectified after
  b.AddTroubleSpot({kGridB, to, 0, 0});                              // found after: out
  b.AddTroubleSpot({kOtherGrid, from + kDayMs, 0, 0});               // another village
  const auto t = std::move(b).Finish().trouble_spots();
  EXPECT_EQ(t.spots(), 3);
  EXPECT_EQ(t.rectified(), 1);
  EXPECT_EQ(t.open(), 2);
  EXPECT_EQ(t.open_past_deadline(), 1);
  EXPECT_EQ(t.found(), 1);
  EXPECT_DOUBLE_EQ(t.rate(), 1.0 / 3);
}

// 干部参与率: each active cadre of the scope's villages against its quota
// (a cadre's 10, a party member's 5 by default, or the county's), from the
// households its device visited.
TEST(CoverageBuilder, CadresMeetTheirQuotaByHouseholdsVisited) {
  gridsync::v1::CheckPolicy policy = DefaultCheckPolicy();
  policy.set_party_member_quota(3);
  CoverageBuilder b(ScopePrefix(kVillage), November(), policy);
  auto cadre = [](const char* device, const char* name, gridsync::v1::CadreKind kind,
                  const char* village = kVillage, bool active = true) {
    gridsync::v1::Cadre c;
    c.set_device_id(device);
    c.set_name(name);
    c.set_village_code(village);
    c.set_kind(kind);
    c.set_active(active);
    return c;
  };
  b.AddWorkerHouseholds(WorkerKey("dev-a", "干部甲"), 10);
  b.AddWorkerHouseholds(WorkerKey("dev-b", "干部乙"), 9);
  b.AddWorkerHouseholds(WorkerKey("dev-c", "党员丙"), 3);
  b.AddCadre(cadre("dev-a", "干部甲", gridsync::v1::CADRE_KIND_CADRE));
  b.AddCadre(cadre("dev-b", "干部乙", gridsync::v1::CADRE_KIND_CADRE));
  b.AddCadre(cadre("dev-c", "党员丙", gridsync::v1::CADRE_KIND_PARTY_MEMBER));
  b.AddCadre(cadre("dev-d", "党员丁", gridsync::v1::CADRE_KIND_PARTY_MEMBER));  // visited none
  b.AddCadre(cadre("dev-e", "已撤销", gridsync::v1::CADRE_KIND_CADRE, kVillage, false));
  b.AddCadre(cadre("dev-f", "外村", gridsync::v1::CADRE_KIND_CADRE, "410185001202"));
  const auto c = std::move(b).Finish().cadres();
  EXPECT_EQ(c.cadre_quota(), 10);
  EXPECT_EQ(c.party_member_quota(), 3);
  EXPECT_EQ(c.cadres(), 4);
  EXPECT_EQ(c.met(), 2);  // 干部甲 (10 of 10), 党员丙 (3 of 3)
  EXPECT_EQ(c.households_visited(), 22);
  EXPECT_DOUBLE_EQ(c.rate(), 0.5);
  ASSERT_EQ(c.by_cadre_size(), 4);
  for (const auto& row : c.by_cadre()) {
    if (row.name() == "干部乙") EXPECT_FALSE(row.met()) << "one short of 10";
    if (row.name() == "党员丙") EXPECT_EQ(row.quota(), 3);
  }
}

}  // namespace
}  // namespace gridsync::core
