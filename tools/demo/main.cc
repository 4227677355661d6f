// gridsync-demo --server ADDR --token-file ADMIN_TOKEN_FILE --phones DIR
//
// Grid work in a real county against a running gridsyncd that has its
// division codes (shared/data): sample grids, households and persons under
// its real villages; the weeks before today as the phones synced them
// (tools/demo_history.h); one grid worker's day on the phone (the SDK, its
// replica in DIR) and the village secretary's view, each equal to the
// server's CoverageService; a worker and the secretary editing the same case
// at once, the conflict shown and resolved; a load run for throughput.
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/merge.h"
#include "core/view.h"
#include "gridsync/client.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "gridsync/v1/records.pb.h"
#include "tools/common/client.h"
#include "tools/common/day_print.h"
#include "tools/common/flags.h"
#include "tools/common/loadgen_lib.h"
#include "tools/common/sample_data.h"
#include "tools/demo/demo_history.h"

namespace gridsync::tools {
namespace {
using gridsync::v1::Mutation;

std::string Clock(uint64_t hlc) {
  const time_t secs = static_cast<time_t>(core::HlcWallMs(hlc) / 1000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[16];
  strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  return buf;
}

absl::Status Check(const absl::StatusOr<gridsync::v1::PushResponse>& r) {
  if (!r.ok()) return r.status();
  for (const auto& res : r->results()) {
    if (res.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
      return absl::InternalError(absl::StrCat("rejected: ", res.message()));
    }
  }
  return absl::OkStatus();
}

class Demo {
 public:
  Demo(std::string server, std::string token, std::string phones_dir)
      : server_(std::move(server)),
        token_(std::move(token)),
        phones_dir_(std::move(phones_dir)),
        ch_(Connect(server_)),
        admin_(gridsync::v1::AdminService::NewStub(ch_)) {}

  absl::Status Run() {
    if (auto st = WaitReady(ch_, std::chrono::seconds(10)); !st.ok()) return st;
    if (auto st = Registry(); !st.ok()) return st;
    if (auto st = History(); !st.ok()) return st;
    if (auto st = ChooseWorker(); !st.ok()) return st;
    if (auto st = WorkersDay(); !st.ok()) return st;
    if (auto st = SecretarysVillage(); !st.ok()) return st;
    if (auto st = TwoPhonesOneCase(); !st.ok()) return st;
    if (auto st = Throughput(); !st.ok()) return st;
    return Stored();
  }

 private:
  // Grids, households and persons generated under the county's real
  // villages; the demo's worker is in the first village (a 村, not a 居委会).
  absl::Status Registry() {
    auto grids = EnsureSampleGrids(admin_.get(), token_, 1, 7);
    if (!grids.ok()) return grids.status();
    grids_ = std::move(*grids);
    gridsync::v1::ListOrgUnitsResponse units;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->ListOrgUnits(ctx.get(), {}, &units)); !st.ok()) return st;
    int towns = 0, villages = 0;
    for (const auto& u : units.org_units()) {
      names_[u.code()] = u.name();
      towns += u.level() == gridsync::v1::ORG_LEVEL_TOWN;
      villages += u.level() == gridsync::v1::ORG_LEVEL_VILLAGE;
    }
    auto stats = Stats();
    if (!stats.ok()) return stats.status();
    printf(
        "== registry of %s: %d towns and %d villages (real codes and names, shared/data);\n"
        "   %zu grids and their households and supervised persons generated under them\n",
        names_["410185000000"].c_str(), towns, villages, grids_.size());
    return absl::OkStatus();
  }

  // The weeks before today, as the county's phones synced them.
  absl::Status History() {
    const int64_t now = core::SystemWallMs();
    today_ = now - (now + core::kChinaOffsetMs) % core::kDayMs;  // 00:00 in Beijing
    const auto this_month = *core::MonthRange(core::MonthName(core::MonthOf(now)));
    last_month_ = core::MonthName(core::MonthOf(this_month.first - 1));
    HistoryOptions o;
    o.channel = ch_;
    o.admin_token = token_;
    o.grids = grids_;
    o.from_ms = core::MonthRange(last_month_)->first;
    o.until_ms = today_;
    o.seed = 7;
    auto form = PublishSurveyForm();
    if (!form.ok()) return form.status();
    o.survey_form = *form;
    auto r = WriteHistory(o);
    if (!r.ok()) return r.status();
    printf(
        "\n== %s and this month until today, as %zu workers' phones synced it\n"
        "   %lld visits (%lld found nobody home and went back), %lld checks of supervised\n"
        "   persons, %lld dispute cases (%lld resolved, %lld escalated of which the town\n"
        "   resolved %lld, %lld follow-ups),\n"
        "   %lld night patrols, %lld questionnaires (安全感/满意度, form %s),\n"
        "   %lld screening reports (排查上报, %lld of them 零报告), %lld cases carried over "
        "(积案),\n"
        "   %lld trouble spots listed (排查整治, %lld rectified),\n"
        "   %lld tasks from the town offices (督办, %lld confirmed done, %lld sent back),\n"
        "   %lld sampled visits verified by phone (复查, %lld found not made),\n"
        "   %lld visits by %lld village cadres and party members (干部参与)\n"
        "   %lld mutations pushed in %.1f s (%.0f/s)\n",
        last_month_.c_str(), grids_.size(), static_cast<long long>(r->visits),
        static_cast<long long>(r->nobody_home), static_cast<long long>(r->checks),
        static_cast<long long>(r->cases), static_cast<long long>(r->resolved),
        static_cast<long long>(r->escalated), static_cast<long long>(r->town_resolved),
        static_cast<long long>(r->follow_ups), static_cast<long long>(r->patrols),
        static_cast<long long>(r->surveys), o.survey_form.c_str(),
        static_cast<long long>(r->screenings), static_cast<long long>(r->zero_reports),
        static_cast<long long>(r->old_cases), static_cast<long long>(r->trouble_spots),
        static_cast<long long>(r->rectified), static_cast<long long>(r->tasks),
        static_cast<long long>(r->tasks_confirmed), static_cast<long long>(r->tasks_returned),
        static_cast<long long>(r->verified), static_cast<long long>(r->not_made),
        static_cast<long long>(r->cadre_visits), static_cast<long long>(r->cadres),
        static_cast<long long>(r->mutations), r->seconds,
        static_cast<double>(r->mutations) / std::max(r->seconds, 1e-3));
    return absl::OkStatus();
  }

  // The county's questionnaire for this quarter (published once; a server
  // that has it already keeps it).
  absl::StatusOr<std::string> PublishSurveyForm() {
    const int32_t month = core::MonthOf(core::SystemWallMs());
    gridsync::v1::PublishSurveyFormRequest req;
    auto* f = req.mutable_form();
    f->set_version(absl::StrCat(month / 100, "-Q", (month % 100 + 2) / 3));
    f->set_title("群众安全感和满意度调查");
    f->set_safety_question("您觉得您所在的村（社区）安全吗？");
    f->set_satisfaction_question("您对本地平安建设工作满意吗？");
    auto* q = f->add_questions();
    q->set_id("worry");
    q->set_text("您最担心的安全问题是什么？");
    for (const char* c : {"盗窃", "电信网络诈骗", "交通安全", "邻里纠纷", "其他"})
      q->add_choices(c);
    auto marked = [&](const char* id, const char* text, gridsync::v1::QuestionPurpose purpose,
                      std::initializer_list<const char*> choices) {
      auto* m = f->add_questions();
      m->set_id(id);
      m->set_text(text);
      for (const char* c : choices) m->add_choices(c);
      m->set_purpose(purpose);
      m->add_counted_choices(1);
    };
    marked("know", "您知道本地正在开展平安建设吗？", gridsync::v1::QUESTION_PURPOSE_AWARENESS,
           {"知道", "不知道"});
    marked("joined", "您参加过平安建设活动（如义务巡逻、矛盾调解）吗？",
           gridsync::v1::QUESTION_PURPOSE_PARTICIPATION, {"参加过", "没参加过"});
    gridsync::v1::SurveyForm out;
    auto ctx = CallContext(token_);
    auto st = FromGrpc(
        gridsync::v1::CoverageService::NewStub(ch_)->PublishSurveyForm(ctx.get(), req, &out));
    if (!st.ok() && !absl::IsAlreadyExists(st)) return st;
    return f->version();
  }

  // The demo's worker: of the first grids of the county's first 40 real
  // villages (村, not 居委会), the one with the most to do today.
  absl::Status ChooseWorker() {
    auto cov = gridsync::v1::CoverageService::NewStub(ch_);
    int64_t best = -1, seen = 0;
    for (const auto& g : grids_) {
      const std::string village = g.substr(0, 12);
      if (g != village + "001" || !absl::StrContains(names_[village], "村")) continue;
      if (++seen > 40) break;
      gridsync::v1::GetCoverageRequest req;
      req.set_scope_code(g);
      gridsync::v1::GetCoverageResponse c;
      auto ctx = CallContext(token_);
      if (auto st = FromGrpc(cov->GetCoverage(ctx.get(), req, &c)); !st.ok()) return st;
      const int64_t todo = c.checks().overdue() + c.cases().open_now();
      if (todo > best) best = todo, grid_ = g, village_ = village;
    }
    if (grid_.empty()) grid_ = grids_.front(), village_ = grid_.substr(0, 12);
    worker_ = WorkerName(grid_);
    return absl::OkStatus();
  }

  // One grid worker's day on the phone: the lists in the morning, the day's
  // work offline, the lists after, the evening sync, the figures = the
  // server's.
  absl::Status WorkersDay() {
    auto phone = SdkPhone(gridsync::v1::ROLE_GRID_WORKER, grid_, worker_);
    if (!phone.ok()) return phone.status();
    sdk::Client& c = **phone;
    auto first = c.Sync();
    if (!first.ok()) return first.status();
    printf("\n== a grid worker's day: %s, %s %s %s\n", worker_.c_str(), names_[village_].c_str(),
           names_[grid_].c_str(), grid_.c_str());
    printf("   the phone's first sync: %lld records and the grid's registry\n",
           static_cast<long long>(first->pulled));
    auto before = c.ListHouseholds(grid_, "", 0, 1000);
    auto due = c.ListDueChecks(grid_, 7, 0, 1000);
    auto cases = c.ListOpenCases(grid_, 0, 1000);
    if (!before.ok() || !due.ok() || !cases.ok()) {
      return !before.ok() ? before.status() : !due.ok() ? due.status() : cases.status();
    }
    printf("   this morning: %lld of %lld households visited this month; %s to check; %s, %s due\n",
           static_cast<long long>(before->visited()), static_cast<long long>(before->total()),
           Count(due->total(), "person", "persons").c_str(),
           Count(cases->open(), "open case", "open cases").c_str(),
           Count(cases->follow_ups_due(), "follow-up", "follow-ups").c_str());
    for (int i = 0; i < before->households_size() && i < 3; ++i) {
      const auto& h = before->households(i);
      printf("     to visit: %s %s %s\n", h.household().household_id().c_str(),
             h.household().head_name().c_str(), h.household().address().c_str());
    }
    for (int i = 0; i < due->persons_size() && i < 3; ++i) {
      const auto& p = due->persons(i);
      printf("     to check: %s %s, %s\n", p.person().person_id().c_str(),
             p.person().name().c_str(),
             p.days_overdue() > 0 ? absl::StrCat(p.days_overdue(), " days overdue").c_str()
                                  : "due this week");
    }

    // The day, offline: ten households (one nobody home), the due checks,
    // a case resolved.
    const int64_t now = c.NowMs();
    int visited = 0, writes = 0;
    for (const auto& h : before->households()) {
      if (h.state() == gridsync::v1::VISIT_STATE_VISITED || visited == 10) break;
      const bool home = visited != 2;
      auto id = c.Create(gridsync::v1::RECORD_KIND_VISIT, grid_, h.household().household_id(),
                         {{"visited_at_ms", IntValue(now - (10 - visited) * 1200000)},
                          {"nobody_home", BoolValue(!home)},
                          {"talked_with_household", BoolValue(home)},
                          {"questionnaire_done", BoolValue(home)}});
      if (!id.ok()) return id.status();
      if (visited == 0) {  // evidence (留痕): a photo at the first household's door
        auto ref = c.AttachBytes(*id, SampleJpeg(400 << 10, 1),
                                 {.file_name = "门口.jpg", .caption = "入户走访"});
        if (!ref.ok()) return ref.status();
        photo_visit_ = *id;
        photo_ = *ref;
        printf("     visited with a photo: %s (%s, %lld KB, uploads after the records)\n",
               id->c_str(), ref->file_name().c_str(), static_cast<long long>(ref->size() >> 10));
        ++writes;
      }
      ++visited, ++writes;
    }
    int checked = 0;
    for (const auto& p : due->persons()) {
      if (checked == 3) break;
      auto id = c.Create(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, grid_, p.person().person_id(),
                         {{"checked_at_ms", IntValue(now - 600000 * (checked + 1))},
                          {"risk_level", IntValue(p.risk_level())},
                          {"guardian_present", BoolValue(true)},
                          {"observed", StrValue("情绪稳定，按时服药")}});
      if (!id.ok()) return id.status();
      ++checked, ++writes;
    }
    for (const auto& item : cases->cases()) {
      if (item.summary().status() != gridsync::v1::CASE_STATUS_MEDIATING) continue;
      if (auto st = c.SetStatus(item.summary().record_id(), gridsync::v1::CASE_STATUS_RESOLVED);
          !st.ok()) {
        return st;
      }
      auto agreement =
          c.AttachBytes(item.summary().record_id(), SampleJpeg(250 << 10, 2),
                        {.file_name = "调解协议书.jpg",
                         .purpose = gridsync::v1::ATTACHMENT_PURPOSE_SIGNED_AGREEMENT});
      if (!agreement.ok()) return agreement.status();
      printf("     resolved: %s %s, the signed agreement (调解协议书) photographed\n",
             item.summary().record_id().c_str(), item.summary().title().c_str());
      writes += 2;
      break;
    }
    // A family moved into the grid: registered once the secretary approves.
    gridsync::v1::RegistryProposal arrived;
    arrived.set_action(gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD);
    arrived.set_head_name("赵𠮷祥");
    arrived.set_address("5组新建房");
    arrived.set_reason("从郑州返乡，新建房屋已入住");
    if (auto proposal = c.Propose(grid_, arrived); !proposal.ok()) return proposal.status();
    printf(
        "     proposed: a new household, 赵𠮷祥, 5组新建房 (新迁入), for the secretary to "
        "approve\n");
    ++writes;
    auto after = c.ListHouseholds(grid_, "", 0, 1000);
    auto due_after = c.ListDueChecks(grid_, 7, 0, 1000);
    if (!after.ok() || !due_after.ok()) return !after.ok() ? after.status() : due_after.status();
    printf(
        "   by evening, offline (%d writes in the outbox): %lld of %lld households visited, %s "
        "to check\n",
        writes, static_cast<long long>(after->visited()), static_cast<long long>(after->total()),
        Count(due_after->total(), "person", "persons").c_str());
    auto evening = c.Sync();
    if (!evening.ok()) return evening.status();
    printf("   evening sync: %lld pushed, %lld pulled, then %lld photos uploaded (%lld KB)\n",
           static_cast<long long>(evening->pushed), static_cast<long long>(evening->pulled),
           static_cast<long long>(evening->attachments_uploaded),
           static_cast<long long>(evening->attachment_bytes_sent >> 10));
    // A grid worker's phone is not sent the questionnaires others asked in
    // its grid (core::SentToPhone): the rest is compared.
    return SameAsServer(c, grid_, "", "the grid's month", /*worker=*/true);
  }

  // The village secretary's phone: the whole village, offline after one sync.
  absl::Status SecretarysVillage() {
    auto phone = SdkPhone(gridsync::v1::ROLE_VILLAGE_SECRETARY, village_, "村书记 李国华");
    if (!phone.ok()) return phone.status();
    sdk::Client& c = **phone;
    const auto t0 = std::chrono::steady_clock::now();
    auto first = c.Sync();
    if (!first.ok()) return first.status();
    printf(
        "\n== the village secretary's phone: %s, first sync %lld records in %.0f ms\n",
        names_[village_].c_str(), static_cast<long long>(first->pulled),
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    auto cov = c.GetCoverage(village_);
    auto due = c.ListDueChecks(village_, 0, 0, 1000);
    auto cases = c.ListOpenCases(village_, 0, 1000);
    if (!cov.ok() || !due.ok() || !cases.ok()) {
      return !cov.ok() ? cov.status() : !due.ok() ? due.status() : cases.status();
    }
    std::string text = CoverageText(*cov, names_);
    absl::StrReplaceAll({{"\n", "\n   "}}, &text);
    printf("   %s", text.c_str());
    printf("%s to check now; %s, %s due\n", Count(due->total(), "person", "persons").c_str(),
           Count(cases->open(), "open case", "open cases").c_str(),
           Count(cases->follow_ups_due(), "follow-up", "follow-ups").c_str());
    if (auto st = SameAsServer(c, village_, "", "this month"); !st.ok()) return st;
    if (auto st = SameAsServer(c, village_, last_month_, last_month_ + " (closed)"); !st.ok()) {
      return st;
    }
    // Part of the secretary's day: the registry proposals from the grids.
    auto pending = c.ListProposals(village_, /*pending_only=*/true);
    if (!pending.ok()) return pending.status();
    for (const auto& item : pending->proposals()) {
      printf("   to decide: %s by %s, %s %s (%s)\n",
             gridsync::v1::ProposalAction_Name(item.proposal().action()).substr(16).c_str(),
             item.proposed_by().c_str(), item.proposal().head_name().c_str(),
             item.proposal().address().c_str(), item.proposal().reason().c_str());
      if (auto st = c.Decide(item.record_id(), true, "已入户核实"); !st.ok()) return st;
    }
    if (!photo_visit_.empty()) {  // on demand, never in a sync
      auto path = c.FetchAttachment(photo_visit_, photo_.sha256());
      if (!path.ok()) return path.status();
      printf("   opened the worker's photo %s of visit %s: %lld KB, hash verified\n",
             photo_.file_name().c_str(), photo_visit_.c_str(),
             static_cast<long long>(photo_.size() >> 10));
    }
    const int64_t households = cov->visits().households();
    if (auto r = c.Sync(); !r.ok()) return r.status();
    auto now = c.GetCoverage(village_);
    if (!now.ok()) return now.status();
    printf(
        "   approved and synced: the village has %lld households (was %lld); the new one is on\n"
        "   the worker's list after the next sync\n",
        static_cast<long long>(now->visits().households()), static_cast<long long>(households));
    return SameAsServer(c, village_, "", "after the approval");
  }

  // Prints a scope's figures on the phone next to CoverageService's; a
  // grid `worker`'s without the questionnaires, which its phone is not sent
  // unless it asked them.
  absl::Status SameAsServer(sdk::Client& c, const std::string& scope, const std::string& month,
                            const std::string& what, bool worker = false) {
    auto phone = c.GetCoverage(scope, month);
    if (!phone.ok()) return phone.status();
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(scope);
    req.mutable_period()->set_month(month);
    gridsync::v1::GetCoverageResponse server;
    auto ctx = CallContext(token_);
    auto cov = gridsync::v1::CoverageService::NewStub(ch_);
    if (auto st = FromGrpc(cov->GetCoverage(ctx.get(), req, &server)); !st.ok()) return st;
    phone->clear_as_of_ms();
    server.clear_as_of_ms();
    if (worker) {
      phone->clear_surveys();
      server.clear_surveys();
    }
    const bool same = phone->SerializeAsString() == server.SerializeAsString();
    printf(
        "   %s on the phone: 入户率 %.1f%%, 管控率 %.1f%%, 关爱率 %.1f%%, 调处率 %.1f%%, 回访率 "
        "%.1f%% — %s\n",
        what.c_str(), 100 * phone->visits().rate(), 100 * phone->checks().rate(),
        100 * phone->care().rate(), 100 * phone->cases().mediation_rate(),
        100 * phone->cases().follow_up_rate(),
        same ? "the same as the server's CoverageService" : "DIFFERENT from the server's");
    if (!same) {
      return absl::InternalError(absl::StrCat("phone and server disagree on ", scope, " ", month,
                                              ":\nphone: ", phone->DebugString(),
                                              "\nserver: ", server.DebugString()));
    }
    return absl::OkStatus();
  }

  absl::Status Throughput() {
    LoadgenConfig cfg;
    cfg.server = server_;
    cfg.admin_token = token_;
    cfg.devices = 40;
    cfg.records_per_device = 1000;
    cfg.conflict_rate = 0.02;
    cfg.seed = 11;
    printf("\n== sync throughput: %d simulated phones x %d records, pushed in batches of %d\n",
           cfg.devices, cfg.records_per_device, cfg.batch);
    auto report = RunLoadgen(cfg);
    if (!report.ok()) return report.status();
    printf("   %s\n", report->Summary().c_str());
    return absl::OkStatus();
  }

  absl::Status Stored() {
    auto stats = Stats();
    if (!stats.ok()) return stats.status();
    printf(
        "\n== stored: %lu records (%lu visits, %lu dispute cases, %lu special checks); %lu "
        "records with\n   open conflicts; %lu changes in the log; %lu enrolled devices\n",
        stats->records(), stats->visits(), stats->dispute_cases(), stats->special_checks(),
        stats->records_with_conflicts(), stats->last_change_seq(), stats->devices());
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<sdk::Client>> SdkPhone(gridsync::v1::Role role,
                                                        const std::string& scope,
                                                        const std::string& holder) {
    auto resp = EnrollDevice(admin_.get(), token_, role, scope, holder);
    if (!resp.ok()) return resp.status();
    sdk::ClientOptions o;
    o.data_dir = phones_dir_ + "/" + resp->device_id();
    o.server_address = server_;
    o.device_id = resp->device_id();
    o.token = resp->token();
    o.holder = holder;
    return sdk::Client::Open(o);
  }

 private:
  absl::Status TwoPhonesOneCase() {
    const std::string grid = grid_;
    const std::string village = village_;
    auto w = EnrollPhone(gridsync::v1::ROLE_GRID_WORKER, grid, worker_);
    if (!w.ok()) return w.status();
    Phone& worker = **w;
    auto sec = EnrollPhone(gridsync::v1::ROLE_VILLAGE_SECRETARY, village, "村书记 李国华");
    if (!sec.ok()) return sec.status();
    Phone& secretary = **sec;
    auto reg = Households(grid);
    if (!reg.ok()) return reg.status();

    Mutation c = worker.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, worker.NewRecordId(), grid);
    c.mutable_create()->set_subject_id(reg->households(1).household_id());
    AddCreateField(&c, "category", IntValue(gridsync::v1::DISPUTE_CATEGORY_LAND_FOREST_WATER));
    AddCreateField(&c, "title", StrValue("宅基地边界纠纷"));
    AddCreateField(&c, "registered_at_ms", IntValue(worker.clock().WallMs()));
    worker.Record(c);
    if (auto st = Check(worker.Push({c})); !st.ok()) return st;
    if (auto st = secretary.PullAll(); !st.ok()) return st.status();
    const std::string id = c.record_id();

    // Both offline: the worker retitles and logs a mediation session; the
    // secretary retitles differently and moves the case to mediating.
    Mutation w1 = worker.SetField(*worker.Find(id), "title", StrValue("王家与张家宅基地院墙纠纷"));
    worker.Record(w1);
    gridsync::v1::MediationSession session;
    session.set_held_at_ms(worker.clock().WallMs());
    session.set_mediation_type(gridsync::v1::MEDIATION_TYPE_PEOPLES);
    session.set_mediator("村调解委员会");
    session.set_summary("双方到场，同意重新丈量");
    Mutation w2 = worker.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
    w2.mutable_append_log()->set_log("mediation_sessions");
    w2.mutable_append_log()->set_element_id(worker.NewRecordId());
    w2.mutable_append_log()->set_payload(session.SerializeAsString());
    Mutation s1 = secretary.SetField(*secretary.Find(id), "title",
                                     StrValue("宅基地界址争议（需镇司法所协助）"));
    secretary.Record(s1);
    Mutation s2 = secretary.Begin(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, grid);
    s2.mutable_set_status()->set_status(gridsync::v1::CASE_STATUS_MEDIATING);
    if (auto st = Check(worker.Push({w1, w2})); !st.ok()) return st;
    if (auto st = Check(secretary.Push({s1, s2})); !st.ok()) return st;

    auto rec = GetRecord(id);
    if (!rec.ok()) return rec.status();
    printf("\n== one dispute case edited on two phones at once (%s)\n", id.c_str());
    printf("   status %s, %d mediation session(s) — merged without conflict\n",
           gridsync::v1::CaseStatus_Name(rec->dispute_case().status()).c_str(),
           rec->dispute_case().mediation_sessions_size());
    for (const auto& conflict : rec->conflicts()) {
      printf("   CONFLICT on %s: %d values kept, the app shows the first and flags the rest\n",
             conflict.field().c_str(), conflict.siblings_size());
      for (const auto& s : conflict.siblings()) {
        printf("     %s \"%s\"  by %s at %s\n", &s == &conflict.siblings(0) ? "winner " : "sibling",
               s.value().string_value().c_str(), s.author().c_str(), Clock(s.hlc()).c_str());
      }
    }
    // The secretary, having pulled both, writes the agreed title.
    if (auto st = secretary.PullAll(); !st.ok()) return st.status();
    Mutation fix =
        secretary.SetField(*secretary.Find(id), "title", StrValue("王家与张家宅基地界址纠纷"));
    if (auto st = Check(secretary.Push({fix})); !st.ok()) return st;
    rec = GetRecord(id);
    if (!rec.ok()) return rec.status();
    printf("   resolved by %s: title \"%s\", conflicts left: %d\n", "村书记 李国华",
           rec->dispute_case().title().c_str(), rec->conflicts_size());
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Phone>> EnrollPhone(gridsync::v1::Role role,
                                                     const std::string& scope,
                                                     const std::string& holder) {
    auto resp = EnrollDevice(admin_.get(), token_, role, scope, holder);
    if (!resp.ok()) return resp.status();
    return std::make_unique<Phone>(ch_, resp->token(), resp->device_id(), holder,
                                   std::hash<std::string>()(resp->device_id()));
  }

  absl::StatusOr<gridsync::v1::ListHouseholdsResponse> Households(const std::string& grid) {
    gridsync::v1::ListHouseholdsRequest req;
    req.set_grid_code(grid);
    gridsync::v1::ListHouseholdsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->ListHouseholds(ctx.get(), req, &resp)); !st.ok()) return st;
    return resp;
  }

  absl::StatusOr<gridsync::v1::Record> GetRecord(const std::string& id) {
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetRecord(ctx.get(), req, &resp)); !st.ok()) return st;
    return resp.record();
  }

  absl::StatusOr<gridsync::v1::GetStatsResponse> Stats() {
    gridsync::v1::GetStatsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetStats(ctx.get(), {}, &resp)); !st.ok()) return st;
    return resp;
  }

  std::string server_, token_, phones_dir_;
  std::shared_ptr<grpc::Channel> ch_;
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
  std::vector<std::string> grids_;
  std::map<std::string, std::string> names_;          // org unit code -> name
  std::string village_, grid_, worker_, last_month_;  // the demo's village, grid and worker
  std::string photo_visit_;                           // the worker's visit with a photo
  gridsync::v1::PhotoRef photo_;
  int64_t today_ = 0;
};

}  // namespace
}  // namespace gridsync::tools

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  const FlagSet kFlags = {
      "gridsync-demo",
      "usage: gridsync-demo --server ADDR --token-file ADMIN_TOKEN_FILE --phones DIR\n"
      "  a month of grid work in the county of shared/data, on a running gridsyncd that\n"
      "  has its divisions (scripts/demo.sh runs it)\n",
      {{"--server", "ADDR", "gridsyncd's gRPC address"},
       {"--token-file", "FILE", "the admin token"},
       {"--phones", "DIR", "the folder of the demo phones' replicas"}}};
  Args args = ParseArgs(argc, argv, kFlags);
  if (!args.error.empty()) return UsageError(kFlags, args.error);
  if (!args.Has("--server") || !args.Has("--token-file") || !args.Has("--phones")) {
    return UsageError(kFlags, "--server, --token-file and --phones are needed");
  }
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) {
    fprintf(stderr, "gridsync-demo: %s\n", std::string(token.status().message()).c_str());
    return 1;
  }
  Demo demo(args.Get("--server"), *token, args.Get("--phones"));
  if (auto st = demo.Run(); !st.ok()) {
    fprintf(stderr, "gridsync-demo: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
