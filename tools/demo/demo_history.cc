#include "tools/demo/demo_history.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/safety_figures.h"
#include "gridsync/v1/admin_service.grpc.pb.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "tools/common/client.h"

namespace gridsync::tools {
namespace {

using gridsync::v1::Mutation;
constexpr int64_t kDay = core::kDayMs;

const char* kTitles[] = {"宅基地边界纠纷", "邻里排水纠纷", "婚姻家庭矛盾", "务工人员讨要工资",
                         "土地承包纠纷",   "赡养老人纠纷", "噪音扰民纠纷", "交通事故赔偿"};
const gridsync::v1::DisputeCategory kCategories[] = {
    gridsync::v1::DISPUTE_CATEGORY_LAND_FOREST_WATER,
    gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS,
    gridsync::v1::DISPUTE_CATEGORY_MARRIAGE_FAMILY,
    gridsync::v1::DISPUTE_CATEGORY_UNPAID_WAGES,
    gridsync::v1::DISPUTE_CATEGORY_LAND_FOREST_WATER,
    gridsync::v1::DISPUTE_CATEGORY_MARRIAGE_FAMILY,
    gridsync::v1::DISPUTE_CATEGORY_NEIGHBOURS,
    gridsync::v1::DISPUTE_CATEGORY_OTHER};

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "孙"};
const char* kGiven[] = {"秀英", "桂兰", "玉梅", "海燕", "丽娟",
                        "红霞", "建军", "卫东", "志强", "国华"};

// How a village works: the share of households visited a month, and the
// share of checks made within their interval, of weeks with a night
// patrol; and how safe its people feel (the chance of each answer being
// one of the top two levels).
struct Diligence {
  double visits = 0.9, checks = 0.9, home = 0.9, patrols = 0.8, mood = 0.9;
};

// What people raise at the door, by topic.
const std::pair<gridsync::v1::OpinionTopic, const char*> kOpinions[] = {
    {gridsync::v1::OPINION_TOPIC_INFRASTRUCTURE, "希望村里路灯早点修好"},
    {gridsync::v1::OPINION_TOPIC_FRAUD, "老人常接到冒充客服的诈骗电话"},
    {gridsync::v1::OPINION_TOPIC_TRAFFIC, "村口路段车速太快，缺减速带"},
    {gridsync::v1::OPINION_TOPIC_PUBLIC_ORDER, "晚上有外来人员在村里转悠"},
    {gridsync::v1::OPINION_TOPIC_ENVIRONMENT, "垃圾清运不及时"}};

// One grid's worker writing the past weeks: mutations stamped when the
// work was done.
class GridHistory {
 public:
  GridHistory(Phone& phone, const std::string& grid,
              const gridsync::v1::ListHouseholdsResponse& reg, Diligence d, const HistoryOptions& o,
              std::mt19937_64& rng)
      : p_(phone), grid_(grid), reg_(reg), d_(d), o_(o), rng_(rng) {}

  void Visits(HistoryReport* r) {
    for (int64_t month = o_.from_ms; month < o_.until_ms;) {
      const auto range = *core::MonthRange(core::MonthName(core::MonthOf(month)));
      for (const auto& h : reg_.households()) {
        if (U() >= d_.visits) continue;
        int64_t t = range.first + Rand(range.second - range.first);
        bool home = U() < d_.home;
        for (int attempt = 0; attempt < 2 && t < o_.until_ms; ++attempt) {
          Mutation m = At(gridsync::v1::RECORD_KIND_VISIT, p_.NewRecordId(), t);
          m.mutable_create()->set_subject_id(h.household_id());
          AddCreateField(&m, "visited_at_ms", IntValue(t));
          AddCreateField(&m, "nobody_home", BoolValue(!home));
          if (home) {
            for (const char* f : {"talked_with_household", "open_letter_delivered",
                                  "questionnaire_done", "opinions_collected"}) {
              AddCreateField(&m, f, BoolValue(true));
            }
            if (U() < 0.2) AddCreateField(&m, "opinions", StrValue("希望村里路灯早点修好"));
          }
          const std::string visit_id = m.record_id();
          out_.push_back(std::move(m));
          ++r->visits;
          if (home && !o_.survey_form.empty() && U() < 0.4) Survey(h, visit_id, t, r);
          if (home) break;
          ++r->nobody_home;
          t += kDay + Rand(5 * kDay);  // went back a few days later
          home = U() < 0.8;
        }
      }
      month = range.second;
    }
  }

  void Checks(HistoryReport* r) {
    const auto policy = core::DefaultCheckPolicy();
    for (const auto& person : reg_.persons()) {
      const int64_t interval =
          core::RequiredIntervalDays(policy, person.category(), person.risk_level()) * kDay;
      // From two intervals before the window: everyone had a last check
      // before it (unless they came under supervision since).
      for (int64_t t = o_.from_ms - 2 * interval + Rand(interval);;) {
        // A diligent village checks a little before the interval ends.
        t += U() < d_.checks ? interval * 6 / 10 + Rand(interval * 35 / 100)
                             : interval + Rand(interval / 2);
        if (t >= o_.until_ms) break;
        if (t < person.supervised_since_ms()) continue;
        const bool absent = U() < 0.05;
        Mutation m = At(gridsync::v1::RECORD_KIND_SPECIAL_CHECK, p_.NewRecordId(), t);
        m.mutable_create()->set_subject_id(person.person_id());
        AddCreateField(&m, "checked_at_ms", IntValue(t));
        AddCreateField(&m, "risk_level", IntValue(person.risk_level()));
        AddCreateField(&m, "person_absent", BoolValue(absent));
        AddCreateField(&m, "guardian_present", BoolValue(!absent));
        AddCreateField(&m, "observed",
                       StrValue(absent ? "本人外出，已电话联系监护人" : "情绪稳定，按时服药"));
        out_.push_back(std::move(m));
        ++r->checks;
      }
    }
  }

  // The questionnaire asked at a visit: most answer, a few refuse; the
  // village's mood sets how many feel safe and are satisfied.
  void Survey(const gridsync::v1::Household& h, const std::string& visit_id, int64_t t,
              HistoryReport* r) {
    Mutation m = At(gridsync::v1::RECORD_KIND_SURVEY, p_.NewRecordId(), t + 600000);
    m.mutable_create()->set_subject_id(h.household_id());
    AddCreateField(&m, "form_version", StrValue(o_.survey_form));
    AddCreateField(&m, "asked_at_ms", IntValue(t + 600000));
    AddCreateField(&m, "visit_record_id", StrValue(visit_id));
    const bool refused = U() < 0.04;
    AddCreateField(&m, "outcome",
                   IntValue(refused ? gridsync::v1::SURVEY_OUTCOME_REFUSED
                                    : gridsync::v1::SURVEY_OUTCOME_ANSWERED));
    const std::string id = m.record_id();
    ++r->surveys;
    if (refused) {
      out_.push_back(std::move(m));
      return;
    }
    // On the official scale: 安全 (2) or 基本安全 (7) with the village's mood,
    // else 不太安全 (4), 不安全 (5), rarely 不清楚 (6).
    auto level = [&]() -> int64_t {
      if (U() < d_.mood) return U() < 0.6 ? 2 : 7;
      return U() < 0.1 ? 6 : 4 + Rand(2);
    };
    AddCreateField(&m, "safety", IntValue(level()));
    AddCreateField(&m, "satisfaction", IntValue(level()));
    out_.push_back(std::move(m));
    // 知晓 and 参与 (the form marks "know" and "joined"): most know of the
    // work, fewer took part.
    for (const auto& [question, yes] :
         {std::pair{"know", d_.mood}, std::pair{"joined", d_.mood / 2}}) {
      gridsync::v1::SurveyAnswer a;
      a.set_question_id(question);
      a.set_choice(U() < yes ? 1 : 2);
      Log(gridsync::v1::RECORD_KIND_SURVEY, id, "answers", t + 600000, a);
    }
    if (U() < 0.3) {
      const auto& [topic, text] = kOpinions[Rand(std::size(kOpinions))];
      gridsync::v1::SurveyOpinion o;
      o.set_topic(topic);
      o.set_text(text);
      Log(gridsync::v1::RECORD_KIND_SURVEY, id, "opinions", t + 600000, o);
    }
  }

  // A night patrol starting at `t`.
  void Patrol(int64_t t, HistoryReport* r) {
    Mutation m = At(gridsync::v1::RECORD_KIND_PATROL, p_.NewRecordId(), t);
    m.mutable_create();
    AddCreateField(&m, "started_at_ms", IntValue(t));
    AddCreateField(&m, "ended_at_ms", IntValue(t + 5400000));
    AddCreateField(&m, "route", StrValue("村委会—学校—重点场所—村口"));
    const std::string id = m.record_id();
    out_.push_back(std::move(m));
    gridsync::v1::PatrolMember member;
    member.set_name(WorkerName(grid_));
    member.set_role(gridsync::v1::PATROL_ROLE_GRID_WORKER);
    member.set_device_id(p_.device_id());
    Log(gridsync::v1::RECORD_KIND_PATROL, id, "members", t, member);
    member.set_name("义务巡逻队");
    member.set_role(gridsync::v1::PATROL_ROLE_PATROL_TEAM);
    member.clear_device_id();
    Log(gridsync::v1::RECORD_KIND_PATROL, id, "members", t, member);
    if (U() < 0.4) {  // the police station's officer came along (民警参与)
      member.set_name("派出所民警");
      member.set_role(gridsync::v1::PATROL_ROLE_POLICE);
      Log(gridsync::v1::RECORD_KIND_PATROL, id, "members", t, member);
    }
    ++r->patrols;
  }

  // One dispute case registered at `t`, and what became of it by until_ms.
  void Case(int64_t t, HistoryReport* r) {
    std::vector<std::string> parties;
    const std::string id = Register(t, &parties, r);
    if (id.empty()) return;
    const double fate = U();
    if (fate < 0.07) {  // beyond the village: escalated to the town
      const int64_t escalated = t + 2 * kDay + Rand(4 * kDay);
      if (Status(id, gridsync::v1::CASE_STATUS_ESCALATED, escalated)) {
        ++r->escalated;
        TownTakesOver(id, escalated, parties, r);
      }
      return;
    }
    const int64_t mediating = t + kDay / 4 + Rand(kDay);
    if (!Status(id, gridsync::v1::CASE_STATUS_MEDIATING, mediating) || fate > 0.9) return;
    // Resolved: most in a few days, some near the 15-day deadline, a few after it.
    const int64_t resolved = mediating + kDay / 2 +
                             Rand(fate < 0.7    ? 5 * kDay
                                  : fate < 0.82 ? 14 * kDay
                                                : 25 * kDay);
    if (resolved >= o_.until_ms) return;
    Resolve(id, resolved, gridsync::v1::MEDIATION_TYPE_PEOPLES, "村人民调解委员会",
            "双方达成调解协议，当场履行", 0);
    ++r->resolved;
    FollowUps(id, resolved, parties, 0.95, r);
  }

  // The village's screening report (排查上报) for `month`, made at `t`:
  // `found` disputes, a 零报告 when 0.
  void Screening(int32_t month, int found, int64_t t, HistoryReport* r) {
    Mutation m = At(gridsync::v1::RECORD_KIND_SCREENING_REPORT, p_.NewRecordId(), t);
    AddCreateField(&m, "month", IntValue(month));
    AddCreateField(&m, "disputes_found", IntValue(found));
    AddCreateField(&m, "reported_at_ms", IntValue(t));
    if (found == 0) AddCreateField(&m, "notes", StrValue("本月排查未发现矛盾纠纷"));
    out_.push_back(std::move(m));
    ++r->screenings;
    if (found == 0) ++r->zero_reports;
  }

  // A trouble spot a patrol found at `t` (排查整治), a step taken two days
  // later, and rectified at `rectified` unless that is 0 or not yet.
  void TroubleSpot(int64_t t, int64_t rectified, HistoryReport* r) {
    static const std::pair<const char*, const char*> kSpots[] = {
        {"村东砖厂路口", "夜间照明不足，多次发生电动车被盗"},
        {"村委会后空院", "夜间聚众赌博"},
        {"集贸市场东口", "摊点占道，车辆乱停，纠纷多发"}};
    const auto& [place, problem] = kSpots[rng_() % std::size(kSpots)];
    const std::string id = p_.NewRecordId();
    Mutation m = At(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, id, t);
    AddCreateField(&m, "place", StrValue(place));
    AddCreateField(&m, "problem", StrValue(problem));
    AddCreateField(&m, "source", IntValue(gridsync::v1::TROUBLE_SPOT_SOURCE_PATROL));
    AddCreateField(&m, "found_at_ms", IntValue(t));
    AddCreateField(&m, "deadline_ms", IntValue(t + 30 * kDay));
    AddCreateField(&m, "responsible", StrValue("村综治中心、派出所"));
    AddCreateField(&m, "state", IntValue(gridsync::v1::RECTIFICATION_STATE_RECTIFYING));
    out_.push_back(std::move(m));
    ++r->trouble_spots;
    gridsync::v1::RectificationStep step;
    step.set_at_ms(t + 2 * kDay);
    step.set_action("增设路灯和监控探头，安排夜间巡逻");
    step.set_by(WorkerName(grid_));
    if (step.at_ms() < o_.until_ms)
      Log(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, id, "steps", step.at_ms(), step);
    if (rectified == 0 || rectified >= o_.until_ms) return;
    Mutation done = At(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, id, rectified);
    done.mutable_set_field()->set_field("state");
    done.mutable_set_field()->mutable_value()->set_int_value(
        gridsync::v1::RECTIFICATION_STATE_RECTIFIED);
    out_.push_back(std::move(done));
    ++r->rectified;
  }

  // 督办: the town office gives the grid's village a task at `t`, due
  // within one to three weeks; the village accepts it within days and
  // reports most done (a few after the deadline, some not yet); the office
  // confirms within days, or sends about one in eight back, done again a
  // few days later. Each party's writes are pushed from its own phone, in
  // the order they happened. REQUIRES: SetTown.
  absl::Status Task(int64_t t, HistoryReport* r) {
    static const std::pair<const char*, gridsync::v1::TaskCategory> kTasks[] = {
        {"核查村内出租房屋登记情况", gridsync::v1::TASK_CATEGORY_HAZARD},
        {"复访上月未见面的独居老人户", gridsync::v1::TASK_CATEGORY_REVISIT},
        {"跟进镇里转来的土地纠纷线索", gridsync::v1::TASK_CATEGORY_DISPUTE},
        {"排查沿河路段护栏缺损隐患", gridsync::v1::TASK_CATEGORY_HAZARD},
        {"核实社区矫正对象近期去向", gridsync::v1::TASK_CATEGORY_PERSON}};
    const auto& [title, category] = kTasks[rng_() % std::size(kTasks)];
    const std::string id = p_.NewRecordId();
    const int64_t deadline = t + (7 + Rand(14)) * kDay;
    as_town_ = true;
    Mutation m = At(gridsync::v1::RECORD_KIND_TASK, id, t);
    AddCreateField(&m, "title", StrValue(title));
    AddCreateField(&m, "category", IntValue(category));
    AddCreateField(&m, "whole_village", BoolValue(true));
    AddCreateField(&m, "deadline_ms", IntValue(deadline));
    town_out_.push_back(std::move(m));
    as_town_ = false;
    ++r->tasks;
    const int64_t accepted = t + kDay / 2 + Rand(2 * kDay);
    TaskStep(id, gridsync::v1::TASK_ACTION_ACCEPT, accepted, "");
    const double fate = U();
    int64_t done = fate < 0.75   ? accepted + Rand(std::max<int64_t>(deadline - accepted, 1))
                   : fate < 0.88 ? deadline + kDay + Rand(5 * kDay)
                                 : 0;
    for (int round = 0; done > 0 && round < 2; ++round) {
      TaskStep(id, gridsync::v1::TASK_ACTION_REPORT_DONE, done, "已按要求办理，照片已上传");
      const int64_t answered = done + kDay / 4 + Rand(3 * kDay);
      const bool back = round == 0 && U() < 0.125;
      as_town_ = true;
      TaskStep(id, back ? gridsync::v1::TASK_ACTION_SEND_BACK : gridsync::v1::TASK_ACTION_CONFIRM,
               answered, back ? "缺少现场照片，请补充后重报" : "");
      as_town_ = false;
      if (answered < o_.until_ms) (back ? r->tasks_returned : r->tasks_confirmed) += 1;
      done = back ? answered + 2 * kDay + Rand(4 * kDay) : 0;
    }
    // The office's create, then each party's steps in the order made.
    if (auto st = PushAll(*town_, &town_out_, r, 1); !st.ok()) return st;
    while (!out_.empty() || !town_out_.empty()) {
      const bool village_next =
          !out_.empty() && (town_out_.empty() || out_.front().hlc() < town_out_.front().hlc());
      if (auto st = village_next ? PushAll(p_, &out_, r, 1) : PushAll(*town_, &town_out_, r, 1);
          !st.ok())
        return st;
    }
    return absl::OkStatus();
  }
  void TaskStep(const std::string& id, gridsync::v1::TaskAction action, int64_t at,
                const char* note) {
    if (at >= o_.until_ms) return;
    gridsync::v1::TaskStep step;
    step.set_action(action);
    step.set_note(note);
    Log(gridsync::v1::RECORD_KIND_TASK, id, "steps", at, step);
  }

  // 积案 carried over: a case registered at `t`, long before the history,
  // in mediation since; resolved at `cleared` unless that is 0 (积案化解).
  void OldCase(int64_t t, int64_t cleared, HistoryReport* r) {
    std::vector<std::string> parties;
    const std::string id = Register(t, &parties, r);
    if (id.empty() || !Status(id, gridsync::v1::CASE_STATUS_MEDIATING, t + 2 * kDay)) return;
    ++r->old_cases;
    if (cleared == 0 || cleared >= o_.until_ms) return;
    Resolve(id, cleared, gridsync::v1::MEDIATION_TYPE_PEOPLES, "村人民调解委员会",
            "多次调解，双方终于达成协议", 0);
    ++r->resolved;
    FollowUps(id, cleared, parties, 0.8, r);
  }

  // Registers a case at `t` between two households of the grid, its parties
  // in `parties`; its id, or "" when the grid has fewer than two.
  std::string Register(int64_t t, std::vector<std::string>* parties, HistoryReport* r) {
    if (reg_.households_size() < 2) return "";
    const std::string id = p_.NewRecordId();
    const int kind = static_cast<int>(rng_() % std::size(kTitles));
    const auto& a = reg_.households(static_cast<int>(rng_() % reg_.households_size()));
    const auto& b = reg_.households(static_cast<int>(rng_() % reg_.households_size()));
    Mutation c = At(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, t);
    c.mutable_create()->set_subject_id(a.household_id());
    AddCreateField(&c, "category", IntValue(kCategories[kind]));
    AddCreateField(&c, "title", StrValue(kTitles[kind]));
    AddCreateField(&c, "registered_at_ms", IntValue(t));
    AddCreateField(&c, "deadline_ms", IntValue(t + 15 * kDay));
    out_.push_back(std::move(c));
    ++r->cases;
    for (const auto* h : {&a, &b}) {
      gridsync::v1::Party party;
      party.set_name(absl::StrCat(h->head_name().empty() ? h->household_id() : h->head_name(),
                                  parties->empty() ? "（申请人）" : "（被申请人）"));
      party.set_household_id(h->household_id());
      parties->push_back(party.name());
      Log(id, "parties", t, party);
    }
    return id;
  }

  // The town office (司法所) takes an escalated case over in the next
  // epoch: accepts it within days, resolves most within three weeks, and
  // follows up with the parties.
  void TownTakesOver(const std::string& id, int64_t escalated,
                     const std::vector<std::string>& parties, HistoryReport* r) {
    if (town_ == nullptr) return;
    as_town_ = true;  // written and pushed by the town office's phone
    TownWork(id, escalated, parties, r);
    as_town_ = false;
  }
  void TownWork(const std::string& id, int64_t escalated, const std::vector<std::string>& parties,
                HistoryReport* r) {
    const int64_t accepted = escalated + kDay / 2 + Rand(2 * kDay);
    if (!Status(id, gridsync::v1::CASE_STATUS_ACCEPTED, accepted, 1) || U() < 0.25) return;
    const int64_t resolved = accepted + 3 * kDay + Rand(18 * kDay);
    if (resolved >= o_.until_ms) return;
    Resolve(id, resolved, gridsync::v1::MEDIATION_TYPE_ADMINISTRATIVE, "镇司法所",
            "镇综治中心组织双方调解，达成协议", 1);
    ++r->town_resolved;
    FollowUps(id, resolved, parties, 0.9, r);
  }

  // The session that reached an agreement at `at`, and the case resolved
  // in `epoch` just after.
  void Resolve(const std::string& id, int64_t at, gridsync::v1::MediationType type,
               const char* mediator, const char* summary, uint32_t epoch) {
    gridsync::v1::MediationSession s;
    s.set_held_at_ms(at);
    s.set_mediation_type(type);
    s.set_mediator(mediator);
    s.set_summary(summary);
    s.set_agreement_reached(true);
    Log(id, "mediation_sessions", at, s);
    Status(id, gridsync::v1::CASE_STATUS_RESOLVED, at + 1, epoch);
  }

  // 回访: most parties a week or so after `resolved`, satisfied with
  // probability `satisfied`.
  void FollowUps(const std::string& id, int64_t resolved, const std::vector<std::string>& parties,
                 double satisfied, HistoryReport* r) {
    for (const auto& name : parties) {
      const int64_t at = resolved + 3 * kDay + Rand(9 * kDay);
      if (at >= o_.until_ms || U() > 0.9) continue;
      gridsync::v1::FollowUp f;
      f.set_at_ms(at);
      f.set_party_name(name);
      f.set_satisfied(U() < satisfied);
      Log(id, "follow_ups", at, f);
      ++r->follow_ups;
    }
  }

  // The town office's phone, which moves on the cases escalated to it.
  void SetTown(Phone* town) { town_ = town; }

  // The village's work, then the town's on what it escalated.
  absl::Status Push(HistoryReport* r) {
    if (auto st = PushAll(p_, &out_, r); !st.ok()) return st;
    return town_ == nullptr ? absl::OkStatus() : PushAll(*town_, &town_out_, r);
  }

 private:
  // Pushes the first `n` of *out (all by default) in batches, and drops them.
  absl::Status PushAll(Phone& p, std::vector<Mutation>* out, HistoryReport* r,
                       size_t n = SIZE_MAX) {
    n = std::min(n, out->size());
    for (size_t i = 0; i < n; i += 500) {
      std::vector<Mutation> batch(out->begin() + i, out->begin() + std::min(n, i + 500));
      auto resp = p.Push(batch);
      if (!resp.ok()) return resp.status();
      for (const auto& res : resp->results()) {
        if (res.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED) {
          return absl::InternalError(absl::StrCat("history of ", grid_, ": ", res.message()));
        }
      }
      r->mutations += static_cast<int64_t>(batch.size());
    }
    out->erase(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(n));
    return absl::OkStatus();
  }

  double U() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int64_t Rand(int64_t n) {
    return n > 0 ? static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)) : 0;
  }

  Mutation At(gridsync::v1::RecordKind kind, const std::string& id, int64_t t) {
    Mutation m = (as_town_ ? *town_ : p_).Begin(kind, id, grid_);
    m.set_hlc(core::PackHlc(t, logical_++));
    return m;
  }
  void Log(const std::string& id, const char* log, int64_t t,
           const google::protobuf::Message& msg) {
    Log(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, log, t, msg);
  }
  void Log(gridsync::v1::RecordKind kind, const std::string& id, const char* log, int64_t t,
           const google::protobuf::Message& msg) {
    Mutation m = At(kind, id, t);
    m.mutable_append_log()->set_log(log);
    m.mutable_append_log()->set_element_id(p_.NewRecordId());
    m.mutable_append_log()->set_payload(msg.SerializeAsString());
    (as_town_ ? town_out_ : out_).push_back(std::move(m));
  }
  // False when `t` is not before until_ms (it has not happened yet).
  bool Status(const std::string& id, gridsync::v1::CaseStatus s, int64_t t, uint32_t epoch = 0) {
    if (t >= o_.until_ms) return false;
    Mutation m = At(gridsync::v1::RECORD_KIND_DISPUTE_CASE, id, t);
    m.mutable_set_status()->set_status(s);
    m.mutable_set_status()->set_epoch(epoch);
    (as_town_ ? town_out_ : out_).push_back(std::move(m));
    return true;
  }

  Phone& p_;
  const std::string grid_;
  const gridsync::v1::ListHouseholdsResponse& reg_;
  const Diligence d_;
  const HistoryOptions& o_;
  std::mt19937_64& rng_;
  std::vector<Mutation> out_;
  Phone* town_ = nullptr;
  bool as_town_ = false;
  std::vector<Mutation> town_out_;
  uint32_t logical_ = 0;
};

// Pushes `ms` from `phone` in one request (a village's worth); the first
// refusal fails the history (it is valid by construction), named by `what`.
absl::Status PushAccepted(Phone& phone, const std::vector<Mutation>& ms, const std::string& what,
                          HistoryReport* r) {
  if (ms.empty()) return absl::OkStatus();
  auto resp = phone.Push(ms);
  if (!resp.ok()) return resp.status();
  for (const auto& res : resp->results()) {
    if (res.outcome() == gridsync::v1::MUTATION_OUTCOME_REJECTED)
      return absl::InternalError(absl::StrCat(what, ": ", res.message()));
  }
  r->mutations += static_cast<int64_t>(ms.size());
  return absl::OkStatus();
}

// 干部参与率: a cadre (干部挂点) and a party member of the village, each on
// a phone of their own, visit households of the village's first grid each
// month: the cadre 8 to 13 of them (its quota is 10), the member 3 to 7 (5).
absl::Status CadreVisits(const HistoryOptions& o, const std::string& village,
                         const gridsync::v1::ListHouseholdsResponse& reg, std::mt19937_64& rng,
                         HistoryReport* r) {
  auto admin = gridsync::v1::AdminService::NewStub(o.channel);
  for (const auto& [kind, name, least] :
       {std::tuple{gridsync::v1::CADRE_KIND_CADRE, "村干部 王建国", 8},
        std::tuple{gridsync::v1::CADRE_KIND_PARTY_MEMBER, "党员 李秀兰", 3}}) {
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(gridsync::v1::ROLE_CADRE);
    req.add_scope_codes(village);
    req.set_holder(name);
    req.set_cadre_kind(kind);
    gridsync::v1::EnrollDeviceResponse enrolled;
    auto ctx = CallContext(o.admin_token);
    if (auto st = FromGrpc(admin->EnrollDevice(ctx.get(), req, &enrolled)); !st.ok()) return st;
    Phone phone(o.channel, enrolled.token(), enrolled.device_id(), name, rng());
    std::vector<Mutation> visits;
    for (int64_t month = o.from_ms; month < o.until_ms;) {
      const auto range = *core::MonthRange(core::MonthName(core::MonthOf(month)));
      const int n = least + static_cast<int>(rng() % 6);
      for (int i = 0; i < n && i < reg.households_size(); ++i) {
        const int64_t t =
            range.first +
            static_cast<int64_t>(rng() % static_cast<uint64_t>(range.second - range.first));
        if (t >= o.until_ms) continue;
        const auto& h = reg.households(static_cast<int>(rng() % reg.households_size()));
        Mutation m =
            phone.Begin(gridsync::v1::RECORD_KIND_VISIT, phone.NewRecordId(), h.grid_code());
        m.set_hlc(core::PackHlc(t, 0));
        m.mutable_create()->set_subject_id(h.household_id());
        AddCreateField(&m, "visited_at_ms", IntValue(t));
        AddCreateField(&m, "talked_with_household", BoolValue(true));
        visits.push_back(std::move(m));
      }
      month = range.second;
    }
    r->cadre_visits += static_cast<int64_t>(visits.size());
    if (auto st = PushAccepted(phone, visits, "cadre visit in " + village, r); !st.ok()) return st;
    ++r->cadres;
  }
  return absl::OkStatus();
}

// 复查 / 电话抽查: the town office draws `village`'s sample of the month
// starting at `month_start` (from gridsyncd, as the console does) and calls
// each household a few days after the month: most confirm the visit, about
// one in thirty says nobody came, a few do not answer.
absl::Status VerifySample(const HistoryOptions& o, const std::string& village, int64_t month_start,
                          Phone& town, std::mt19937_64& rng, HistoryReport* r) {
  const auto range = *core::MonthRange(core::MonthName(core::MonthOf(month_start)));
  if (range.second >= o.until_ms) return absl::OkStatus();
  gridsync::v1::DrawVerificationSampleRequest req;
  req.set_village_code(village);
  req.set_month(core::MonthName(core::MonthOf(month_start)));
  gridsync::v1::DrawVerificationSampleResponse sample;
  auto ctx = CallContext(o.admin_token);
  auto stub = gridsync::v1::CoverageService::NewStub(o.channel);
  if (auto st = FromGrpc(stub->DrawVerificationSample(ctx.get(), req, &sample)); !st.ok())
    return st;
  std::vector<Mutation> said;
  for (const auto& v : sample.visits()) {
    const int64_t at =
        std::min(range.second + static_cast<int64_t>(rng() % (4 * core::kDayMs)), o.until_ms - 1);
    const double fate = std::uniform_real_distribution<double>(0, 1)(rng);
    gridsync::v1::VisitVerification f;
    f.set_method(gridsync::v1::VERIFICATION_METHOD_PHONE);
    f.set_reached(fate < 0.95);
    f.set_verified_at_ms(at);
    if (f.reached()) {
      const bool made = fate < 0.917;
      f.set_confirmation(made ? gridsync::v1::VISIT_CONFIRMATION_CONFIRMED
                              : gridsync::v1::VISIT_CONFIRMATION_NOT_MADE);
      f.set_talk_confirmed(made);
      f.set_letter_confirmed(made);
      f.set_satisfaction(made ? gridsync::v1::SATISFACTION_ANSWER_SATISFIED
                              : gridsync::v1::SATISFACTION_ANSWER_UNSPECIFIED);
      f.set_remark(made ? "网格员来过, 发了明白纸" : "本月没见网格员上门");
      ++r->verified;
      if (!made) ++r->not_made;
    }
    Mutation m = town.Begin(gridsync::v1::RECORD_KIND_VISIT, v.visit_record_id(),
                            v.household_id().substr(0, core::kGridCodeLen));
    m.set_hlc(core::PackHlc(at, 0));
    m.mutable_append_log()->set_log("verifications");
    m.mutable_append_log()->set_element_id(town.NewRecordId());
    m.mutable_append_log()->set_payload(f.SerializeAsString());
    said.push_back(std::move(m));
  }
  return PushAccepted(town, said, "verification in " + village, r);
}

}  // namespace

std::string WorkerName(const std::string& grid) {
  const size_t h = std::hash<std::string>()(grid);
  return absl::StrCat("网格员 ", kSurnames[h % std::size(kSurnames)],
                      kGiven[(h / 16) % std::size(kGiven)]);
}

absl::StatusOr<HistoryReport> WriteHistory(const HistoryOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  auto admin = gridsync::v1::AdminService::NewStub(o.channel);
  std::map<std::string, std::vector<std::string>> by_village;
  for (const auto& g : o.grids) by_village[g.substr(0, 12)].push_back(g);
  std::vector<std::string> villages;
  for (const auto& [v, gs] : by_village) villages.push_back(v);

  // Villages in parallel (the server groups concurrent commits), each from
  // its own seed, so the history does not depend on the threads.
  HistoryReport total;
  std::mutex mu;
  absl::Status failed;
  std::atomic<size_t> next{0};
  auto work = [&]() {
    // Each town office's phone, enrolled when this thread first needs it.
    std::map<std::string, std::unique_ptr<Phone>> towns;
    std::mt19937_64 town_rng(o.seed);
    auto town_of = [&](const std::string& village) -> absl::StatusOr<Phone*> {
      const std::string code = village.substr(0, core::kTownPrefixLen) + "000";
      auto& phone = towns[code];
      if (!phone) {
        auto enrolled = EnrollDevice(admin.get(), o.admin_token, gridsync::v1::ROLE_TOWN_OFFICE,
                                     code, "镇综治中心");
        if (!enrolled.ok()) return enrolled.status();
        phone = std::make_unique<Phone>(o.channel, enrolled->token(), enrolled->device_id(),
                                        "镇综治中心", town_rng());
      }
      return phone.get();
    };
    for (size_t i; (i = next.fetch_add(1)) < villages.size();) {
      const std::string& village = villages[i];
      std::mt19937_64 rng(o.seed ^ std::hash<std::string>()(village));
      Diligence d;
      d.visits = std::uniform_real_distribution<double>(0.70, 0.99)(rng);
      d.checks = std::uniform_real_distribution<double>(0.55, 1.0)(rng);
      d.home = std::uniform_real_distribution<double>(0.82, 0.95)(rng);
      d.patrols = std::uniform_real_distribution<double>(0.5, 1.0)(rng);
      d.mood = std::uniform_real_distribution<double>(0.75, 0.98)(rng);
      HistoryReport r;
      absl::Status st;
      const auto& grids = by_village[village];
      std::vector<std::unique_ptr<Phone>> phones;
      std::vector<gridsync::v1::ListHouseholdsResponse> regs(grids.size());
      for (size_t g = 0; g < grids.size() && st.ok(); ++g) {
        gridsync::v1::ListHouseholdsRequest lreq;
        lreq.set_grid_code(grids[g]);
        auto ctx = CallContext(o.admin_token);
        st = FromGrpc(admin->ListHouseholds(ctx.get(), lreq, &regs[g]));
        auto enrolled = EnrollDevice(admin.get(), o.admin_token, gridsync::v1::ROLE_GRID_WORKER,
                                     grids[g], WorkerName(grids[g]));
        if (st.ok()) st = enrolled.status();
        if (!st.ok()) break;
        phones.push_back(std::make_unique<Phone>(
            o.channel, enrolled->token(), enrolled->device_id(), WorkerName(grids[g]), rng()));
      }
      for (size_t g = 0; g < grids.size() && st.ok(); ++g) {
        GridHistory h(*phones[g], grids[g], regs[g], d, o, rng);
        h.Visits(&r);
        h.Checks(&r);
        st = h.Push(&r);
      }
      // A few cases a month in the village, each in one of its grids (none
      // in about one village-month in eight); at the end of a month, the
      // village reports its screening (排查上报), but for about one in fifteen.
      for (int64_t month = o.from_ms; month < o.until_ms && st.ok();) {
        const auto range = *core::MonthRange(core::MonthName(core::MonthOf(month)));
        const int n = rng() % 8 == 0 ? 0 : 2 + static_cast<int>(rng() % 4);
        if (range.second <= o.until_ms && rng() % 15 != 0) {
          GridHistory h(*phones[0], grids[0], regs[0], d, o, rng);
          h.Screening(core::MonthOf(range.first), n,
                      range.second - core::kDayMs - static_cast<int64_t>(rng() % 36000000), &r);
          st = h.Push(&r);
        }
        for (int c = 0; c < n; ++c) {
          const size_t g = rng() % grids.size();
          const int64_t t =
              range.first +
              static_cast<int64_t>(rng() % static_cast<uint64_t>(range.second - range.first));
          if (t >= o.until_ms) continue;
          auto town = town_of(village);
          if (!town.ok()) {
            st = town.status();
            break;
          }
          GridHistory h(*phones[g], grids[g], regs[g], d, o, rng);
          h.SetTown(*town);
          h.Case(t, &r);
          st = h.Push(&r);
          if (!st.ok()) break;
        }
        month = range.second;
      }
      // 排查整治: about one village in five lists a trouble spot its patrol
      // found, and rectifies about two in three within three weeks.
      if (st.ok() && std::uniform_real_distribution<double>(0, 1)(rng) < 0.2) {
        const size_t g = rng() % grids.size();
        const int64_t t =
            o.from_ms + static_cast<int64_t>(rng() % static_cast<uint64_t>(o.until_ms - o.from_ms));
        const int64_t rectified =
            rng() % 3 != 0 ? t + (3 + static_cast<int64_t>(rng() % 18)) * core::kDayMs : 0;
        GridHistory h(*phones[g], grids[g], regs[g], d, o, rng);
        h.TroubleSpot(t, rectified, &r);
        st = h.Push(&r);
      }
      // 督办: each month the town office gives the village one or two tasks.
      for (int64_t month = o.from_ms; month < o.until_ms && st.ok();) {
        const auto range = *core::MonthRange(core::MonthName(core::MonthOf(month)));
        for (int k = 1 + static_cast<int>(rng() % 2); k > 0 && st.ok(); --k) {
          const int64_t t = std::max(range.first, o.from_ms) +
                            static_cast<int64_t>(rng() % static_cast<uint64_t>(20 * core::kDayMs));
          if (t >= o.until_ms) continue;
          auto town = town_of(village);
          st = town.status();
          if (!st.ok()) break;
          const size_t g = rng() % grids.size();
          GridHistory h(*phones[g], grids[g], regs[g], d, o, rng);
          h.SetTown(*town);
          st = h.Task(t, &r);
        }
        month = range.second;
      }
      // 积案: about one village in four carries a case over from months
      // before (registered 100 to 200 days before the history), which the
      // village settles within it about half the time.
      if (st.ok() && std::uniform_real_distribution<double>(0, 1)(rng) < 0.25) {
        const size_t g = rng() % grids.size();
        const int64_t t = o.from_ms - (100 + static_cast<int64_t>(rng() % 100)) * core::kDayMs;
        const int64_t cleared =
            rng() % 2
                ? o.from_ms +
                      static_cast<int64_t>(rng() % static_cast<uint64_t>(o.until_ms - o.from_ms))
                : 0;
        GridHistory h(*phones[g], grids[g], regs[g], d, o, rng);
        h.OldCase(t, cleared, &r);
        st = h.Push(&r);
      }
      // 平安夜巡: most weeks an evening patrol, recorded in one of its grids.
      for (int64_t week = core::WeekStart(o.from_ms); week < o.until_ms && st.ok();
           week += 7 * core::kDayMs) {
        if (std::uniform_real_distribution<double>(0, 1)(rng) >= d.patrols) continue;
        const int64_t t = week + static_cast<int64_t>(rng() % 7) * core::kDayMs + 20 * 3600000 +
                          static_cast<int64_t>(rng() % 7200000);
        if (t < o.from_ms || t >= o.until_ms) continue;
        const size_t g = rng() % grids.size();
        GridHistory h(*phones[g], grids[g], regs[g], d, o, rng);
        h.Patrol(t, &r);
        st = h.Push(&r);
      }
      if (st.ok()) st = CadreVisits(o, village, regs[0], rng, &r);
      // 复查: the town office verifies the village's sample of the first month.
      if (st.ok()) {
        auto town = town_of(village);
        st = town.ok() ? VerifySample(o, village, o.from_ms, **town, rng, &r) : town.status();
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!st.ok() && failed.ok()) failed = st;
      total.mutations += r.mutations;
      total.visits += r.visits;
      total.nobody_home += r.nobody_home;
      total.checks += r.checks;
      total.cases += r.cases;
      total.old_cases += r.old_cases;
      total.screenings += r.screenings;
      total.trouble_spots += r.trouble_spots;
      total.rectified += r.rectified;
      total.tasks += r.tasks;
      total.tasks_confirmed += r.tasks_confirmed;
      total.tasks_returned += r.tasks_returned;
      total.verified += r.verified;
      total.cadres += r.cadres;
      total.cadre_visits += r.cadre_visits;
      total.not_made += r.not_made;
      total.zero_reports += r.zero_reports;
      total.resolved += r.resolved;
      total.escalated += r.escalated;
      total.town_resolved += r.town_resolved;
      total.follow_ups += r.follow_ups;
      total.patrols += r.patrols;
      total.surveys += r.surveys;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (!failed.ok()) return failed;
  total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return total;
}

}  // namespace gridsync::tools
