// gridsyncctl: the operator's command line.
//
//   gridsyncctl --server ADDR --token-file F COMMAND ...
//     import-org FILE.csv              division CSV (shared/data format)
//     import-households FILE.csv       household_id,grid_code,address,head_name
//     import-persons FILE.csv          person_id,household_id,name,category,risk_level,guardian
//                                      [,supervised_since YYYY-MM-DD]
//     policy                           the check-interval table (category, risk level -> days)
//     set-policy FILE.csv              category,risk_level,interval_days, plus "default,,DAYS"
//                                      and "patrols_per_week,,N" (平安夜巡; 1 when absent),
//                                      "night,HH:MM,HH:MM" (夜巡 window; 20:00,06:00 when
//                                      absent), "satisfaction_points,,P1 P2 P3 P4" (满意度得分),
//                                      "backlog_days,,N" (积案: a case open longer; 90),
//                                      "survey_quota,,N" (民调: answered questionnaires a
//                                      village is to complete a month; none when absent),
//                                      "verification_sample,,N" (复查: households a village's
//                                      month's sample draws; 10), "cadre_quota,,N" and
//                                      "party_member_quota,,N" (干部参与率: households a month;
//                                      10 and 5)
//     survey-forms                     the 安全感/满意度 questionnaire's versions, newest first
//     publish-survey FORM.json         a new version (a SurveyForm in JSON) for every phone
//     report --scope CODE [--month YYYY-MM] [--weights FILE] [--out FILE]
//                                      a town or the county (--county CODE: the same)
//                                      monthly assessment: ranked towns and villages, and
//                                      report-CODE-YYYY-MM.html with SVG charts and
//                                      report-CODE-YYYY-MM.xlsx (one sheet per table)
//     coverage --scope CODE [--month YYYY-MM] [--json]
//                                      CoverageService's figures for a grid, village, town
//                                      or county; --json: the proto's JSON (as gridsync-phone)
//     sample --scope VILLAGE [--month YYYY-MM] [--json]
//                                      复查 / 电话抽查: the village's month's sample of
//                                      visited households to verify (reproducible: SHA-256)
//     backup --to DIR [--keep N]       a verified, incremental backup while the server serves
//                                      (DIR on the server's machine); keeps the newest N
//     backups --in DIR                 the backups there (read locally)
//     gen-sample [--min-grids N]       generated grids/households under imported villages
//     enroll --role ROLE --scope CODE[,CODE] [--holder NAME] [--cadre-kind cadre|party_member]
//                                      prints the device token (a cadre: on the village's
//                                      roster, 干部参与率)
//     console-user --name NAME --scope CODE   prints a console login's activation code
//     revoke --device DEVICE_ID
//     verify --ids FILE                exit 0 only if every id in FILE is stored
//     get --id RECORD_ID               a record with its conflicts
//     stats                            counts of what is stored
//     held-refills                     refills kept aside: writes naming others
//     apply-held --seq N               merge one of them, after review
//     wait-ready [--timeout SECONDS]   waits until the server answers
//     health                           the gRPC health service's answer; exit 0 when SERVING
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "core/assessment.h"
#include "core/coverage.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/refill.h"
#include "core/safety_figures.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "server/backup.h"
#include "tools/common/client.h"
#include "tools/common/day_print.h"
#include "tools/common/flags.h"
#include "tools/common/person_category.h"
#include "tools/common/progress.h"
#include "tools/common/report.h"
#include "tools/common/report_xlsx.h"
#include "tools/common/sample_data.h"
#include "tools/common/table_file.h"

namespace gridsync::tools {
namespace {

// The whole of a text file; NOT_FOUND naming it when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int Fail(const absl::Status& st) {
  fprintf(stderr, "gridsyncctl: %s: %s\n", absl::StatusCodeToString(st.code()).c_str(),
          std::string(st.message()).c_str());
  return 1;
}

const FlagSet& Flags() {
  static const FlagSet* flags = new FlagSet(WithTls(
      {"gridsyncctl",
       "usage: gridsyncctl --server ADDR --token-file FILE [FLAGS] COMMAND\n"
       "  import-org FILE | import-households FILE | import-persons FILE\n"
       "        a register as CSV (UTF-8 or GB18030/GBK, as Excel saves it) or .xlsx\n"
       "  policy | set-policy FILE | gen-sample [--min-grids N]\n"
       "  survey-forms | publish-survey FORM.json\n"
       "  report --scope TOWN|COUNTY [--month YYYY-MM] [--weights FILE] [--out FILE]\n"
       "  coverage --scope CODE [--month YYYY-MM] [--json]\n"
       "  sample --scope VILLAGE [--month YYYY-MM] [--json]   复查 / 电话抽查's households\n"
       "  backup --to DIR [--keep N] | backups --in DIR\n"
       "  enroll --role grid_worker|village_secretary|town_office|county_job|cadre\n"
       "        --scope CODE[,CODE] [--holder NAME] [--cadre-kind cadre|party_member]\n"
       "                                             prints the device's token\n"
       "  console-user --name NAME --scope TOWN|COUNTY|VILLAGE\n"
       "        prints an activation code for gridsync-web\n"
       "  revoke --device ID [--wipe] | reinstate --device ID\n"
       "  verify --ids FILE | get --id RECORD_ID | stats\n"
       "  held-refills | apply-held --seq N\n"
       "  wait-ready [--timeout S] | health\n",
       {{"--server", "ADDR", "gridsyncd's gRPC address, HOST:PORT"},
        {"--token-file", "FILE", "the admin token (gridsyncd init writes DATA/admin.token)"},
        {"--county", "CODE", "report: the same as --scope"},
        {"--device", "ID", "revoke, reinstate: the device"},
        {"--holder", "NAME", "enroll: who holds the phone"},
        {"--id", "RECORD_ID", "get: the record"},
        {"--ids", "FILE", "verify: record ids, one a line"},
        {"--in", "DIR", "backups: the folder of backups (read locally, no server needed)"},
        {"--keep", "N", "backup: keep the newest N backups (0: all)"},
        {"--min-grids", "N", "gen-sample: grids per village (10)"},
        {"--month", "YYYY-MM", "report, coverage, sample: the month (this month in China time)"},
        {"--name", "NAME", "console-user: the person's name, as they log in"},
        {"--out", "FILE", "report: where to write it (report-CODE-YYYY-MM.html)"},
        {"--role", "ROLE",
         "enroll: grid_worker, village_secretary, town_office, county_job or cadre (a village's "
         "cadre or party member, who visits households)"},
        {"--cadre-kind", "KIND", "enroll --role cadre: cadre (村干部) or party_member (党员)"},
        {"--scope", "CODE", "the division (grid, village, town, county) the command is about"},
        {"--seq", "N", "apply-held: the held refill, as held-refills lists it"},
        {"--timeout", "SECONDS", "wait-ready: how long to wait (10)"},
        {"--to", "DIR", "backup: the folder, on the server's machine"},
        {"--weights", "FILE", "report: the county's score weights (see README)"},
        {"--json", "", "coverage, sample: the proto's JSON"},
        {"--wipe", "", "revoke: the phone was lost; it erases its replica at its next contact"}}}));
  return *flags;
}

int Usage() { return UsageError(Flags()); }

class Ctl {
 public:
  Ctl(std::shared_ptr<grpc::Channel> ch, std::string token)
      : channel_(ch),
        admin_(gridsync::v1::AdminService::NewStub(ch)),
        coverage_(gridsync::v1::CoverageService::NewStub(ch)),
        token_(std::move(token)) {}

  int ImportOrg(const std::string& path) {
    auto csv = ReadDivisionCsv(path);
    if (!csv.ok()) return Fail(csv.status());
    for (const auto& e : csv->errors) fprintf(stderr, "%s: %s\n", path.c_str(), e.c_str());
    return SendImport("import-org", path, csv->request, csv->lines,
                      static_cast<int>(csv->errors.size()));
  }

  int ImportHouseholds(const std::string& path) {
    gridsync::v1::ImportRegistryRequest req;
    std::vector<int> lines;
    auto bad = ReadRows(
        path, 4, "household_id,grid_code,address,head_name",
        [&](const std::vector<std::string>& c) {
          auto* h = req.add_households();
          h->set_household_id(c[0]);
          h->set_grid_code(c[1]);
          h->set_address(c[2]);
          h->set_head_name(c[3]);
          return std::string();
        },
        &lines);
    if (!bad.ok()) return Fail(bad.status());
    return SendImport("import-households", path, req, lines, *bad);
  }

  int ImportPersons(const std::string& path) {
    gridsync::v1::ImportRegistryRequest req;
    std::vector<int> lines;
    auto bad = ReadRows(
        path, 6, "person_id,household_id,name,category,risk_level,guardian[,supervised_since]",
        [&](const std::vector<std::string>& c) -> std::string {
          gridsync::v1::PersonCategory category;
          if (!ParsePersonCategory(c[3], &category)) {
            return absl::StrCat("category '", c[3], "' is not one of ", PersonCategoryChoices());
          }
          int risk = 0;
          if (!c[4].empty() && (!absl::SimpleAtoi(c[4], &risk) || risk < 0 || risk > 5)) {
            return absl::StrCat("risk_level '", c[4], "' must be 0..5");
          }
          int64_t since_ms = 0;  // YYYY-MM-DD in China time; empty: the server's import time
          if (!c[6].empty()) {
            absl::CivilDay day;
            if (!absl::ParseCivilTime(c[6], &day)) {
              return absl::StrCat("supervised_since '", c[6], "' is not YYYY-MM-DD");
            }
            since_ms = (day - absl::CivilDay(1970, 1, 1)) * core::kDayMs - core::kChinaOffsetMs;
          }
          auto* p = req.add_persons();
          p->set_person_id(c[0]);
          p->set_household_id(c[1]);
          p->set_name(c[2]);
          p->set_category(category);
          p->set_risk_level(risk);
          p->set_guardian(c[5]);
          if (since_ms != 0) p->set_supervised_since_ms(since_ms);
          return "";
        },
        &lines, /*optional=*/1);
    if (!bad.ok()) return Fail(bad.status());
    return SendImport("import-persons", path, req, lines, *bad);
  }

  int ShowPolicy() {
    gridsync::v1::CheckPolicy policy;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(coverage_->GetCheckPolicy(ctx.get(), {}, &policy)); !st.ok())
      return Fail(st);
    PrintPolicy(policy);
    return 0;
  }

  // "20:00" as minutes after midnight; -1 if it is not HH:MM.
  static int Minutes(const std::string& hh_mm) {
    int h = 0, m = 0;
    if (hh_mm.size() != 5 || hh_mm[2] != ':' || !absl::SimpleAtoi(hh_mm.substr(0, 2), &h) ||
        !absl::SimpleAtoi(hh_mm.substr(3), &m) || h > 23 || m > 59 || h < 0 || m < 0)
      return -1;
    return h * 60 + m;
  }
  static std::string SetNightWindow(const std::string& from, const std::string& to,
                                    gridsync::v1::CheckPolicy* policy) {
    const int f = Minutes(from), t = Minutes(to);
    if (f < 0 || t < 0) return absl::StrCat("night '", from, "' to '", to, "' is not HH:MM,HH:MM");
    policy->set_night_from_minute(f);
    policy->set_night_to_minute(t);
    return "";
  }
  static std::string SetPoints(const std::string& text, gridsync::v1::CheckPolicy* policy) {
    std::vector<std::string> parts = absl::StrSplit(text, ' ', absl::SkipEmpty());
    for (const auto& p : parts) {
      int v = 0;
      if (!absl::SimpleAtoi(p, &v) || v < 0 || v > 100 || parts.size() != 4)
        return absl::StrCat("satisfaction_points '", text,
                            "' is not four points 0..100 (满意 基本满意 不太满意 不满意)");
      policy->add_satisfaction_points(v);
    }
    return "";
  }

  // The policy's numbers a row "NAME,,N" sets: "default" the interval of
  // categories without rows, "patrols_per_week" the patrols (平安夜巡) a
  // village needs a week (1 when absent), "survey_quota" the questionnaires
  // a village is to complete a month, "backlog_days" the age past which an
  // open case is 积案 (90 when absent), "verification_sample" the households
  // a village's month's 复查 sample draws (10 when absent).
  static inline const std::map<std::string, void (gridsync::v1::CheckPolicy::*)(int32_t)>
      kPolicyNumbers = {
          {"default", &gridsync::v1::CheckPolicy::set_default_interval_days},
          {"patrols_per_week", &gridsync::v1::CheckPolicy::set_patrols_per_week},
          {"survey_quota", &gridsync::v1::CheckPolicy::set_survey_quota},
          {"backlog_days", &gridsync::v1::CheckPolicy::set_backlog_days},
          {"verification_sample", &gridsync::v1::CheckPolicy::set_verification_sample},
          {"cadre_quota", &gridsync::v1::CheckPolicy::set_cadre_quota},
          {"party_member_quota", &gridsync::v1::CheckPolicy::set_party_member_quota},
  };

  // FILE: category,risk_level,interval_days, and the rows of kPolicyNumbers,
  // "night" and "satisfaction_points". Replaces the whole policy.
  int SetPolicy(const std::string& path) {
    gridsync::v1::CheckPolicy policy;
    std::vector<int> lines;
    auto bad = ReadRows(
        path, 3, "category,risk_level,interval_days",
        [&](const std::vector<std::string>& c) -> std::string {
          int days = 0, risk = 0;
          if (c[0] == "night") return SetNightWindow(c[1], c[2], &policy);
          if (c[0] == "satisfaction_points") return SetPoints(c[2], &policy);
          if (!absl::SimpleAtoi(c[2], &days))
            return absl::StrCat("interval_days '", c[2], "' is not a number");
          if (auto set = kPolicyNumbers.find(c[0]); set != kPolicyNumbers.end()) {
            (policy.*(set->second))(days);
            return "";
          }
          gridsync::v1::PersonCategory category;
          if (!ParsePersonCategory(c[0], &category)) {
            return absl::StrCat("category '", c[0], "' is not one of ", PersonCategoryChoices(),
                                ", default, patrols_per_week, survey_quota, backlog_days, "
                                "verification_sample, cadre_quota, party_member_quota, night, "
                                "satisfaction_points");
          }
          if (!absl::SimpleAtoi(c[1], &risk))
            return absl::StrCat("risk_level '", c[1], "' is not a number");
          auto* row = policy.add_intervals();
          row->set_category(category);
          row->set_risk_level(risk);
          row->set_interval_days(days);
          return "";
        },
        &lines);
    if (!bad.ok()) return Fail(bad.status());
    if (*bad > 0)
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(path, ": ", *bad, " rows unreadable; nothing changed")));
    if (policy.default_interval_days() == 0) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(path, ": needs a row 'default,,DAYS'; nothing changed")));
    }
    gridsync::v1::SetCheckPolicyRequest req;
    *req.mutable_policy() = policy;
    gridsync::v1::CheckPolicy now;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(coverage_->SetCheckPolicy(ctx.get(), req, &now)); !st.ok())
      return Fail(st);
    printf("set-policy %s: %d rows; the check policy is now:\n", path.c_str(),
           policy.intervals_size() + 1);
    PrintPolicy(now);
    return 0;
  }

  // The questionnaire's versions, newest first.
  int SurveyForms() {
    gridsync::v1::ListSurveyFormsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(coverage_->ListSurveyForms(ctx.get(), {}, &resp)); !st.ok())
      return Fail(st);
    if (resp.forms().empty()) printf("no questionnaire published\n");
    for (const auto& f : resp.forms()) {
      printf("%-16s %s  %d questions  %s\n", f.version().c_str(),
             absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(f.published_at_ms()),
                              absl::FixedTimeZone(8 * 3600))
                 .c_str(),
             f.questions_size() + 2, f.title().c_str());
    }
    return 0;
  }

  // FILE: a SurveyForm in protobuf JSON (version, title, safety_question,
  // satisfaction_question, questions [{id, text, choices}]).
  int PublishSurvey(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Fail(absl::NotFoundError(absl::StrCat("cannot read ", path)));
    const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gridsync::v1::PublishSurveyFormRequest req;
    if (auto st = google::protobuf::util::JsonStringToMessage(json, req.mutable_form()); !st.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(path, " is not a questionnaire form in JSON: ", st.ToString())));
    }
    gridsync::v1::SurveyForm now;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(coverage_->PublishSurveyForm(ctx.get(), req, &now)); !st.ok())
      return Fail(st);
    printf("publish-survey %s: version %s with %d questions, sent to every phone\n", path.c_str(),
           now.version().c_str(), now.questions_size() + 2);
    return 0;
  }

  // The monthly assessment: a ranked table on stdout and an HTML page.
  int Coverage(const std::string& scope, const std::string& month, bool json) {
    gridsync::v1::GetCoverageRequest req;
    req.set_scope_code(scope);
    req.mutable_period()->set_month(month);
    gridsync::v1::GetCoverageResponse c;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(coverage_->GetCoverage(ctx.get(), req, &c)); !st.ok()) return Fail(st);
    if (json) {
      printf("%s\n", StableJson(c).c_str());
      return 0;
    }
    std::map<std::string, std::string> names;
    gridsync::v1::ListScopeUnitsRequest units_req;
    units_req.set_scope_code(scope);
    gridsync::v1::ListScopeUnitsResponse units;
    auto ctx2 = CallContext(token_);
    if (coverage_->ListScopeUnits(ctx2.get(), units_req, &units).ok()) {
      for (const auto& u : units.org_units()) names[u.code()] = u.name();
    }
    printf("%s", CoverageText(c, names).c_str());
    return 0;
  }

  // 复查: the village's sample, a household a line, those not yet verified
  // marked to call.
  int Sample(const std::string& village, const std::string& month, bool json) {
    gridsync::v1::DrawVerificationSampleRequest req;
    req.set_village_code(village);
    req.set_month(month);
    gridsync::v1::DrawVerificationSampleResponse s;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(coverage_->DrawVerificationSample(ctx.get(), req, &s)); !st.ok())
      return Fail(st);
    if (json) {
      printf("%s\n", StableJson(s).c_str());
      return 0;
    }
    printf("%s %s: %d of %lld households visited, drawn by SHA-256 of village|yyyymm|household\n",
           s.village_code().c_str(), s.month().c_str(), s.visits_size(),
           static_cast<long long>(s.households_visited()));
    for (const auto& v : s.visits()) {
      const char* said = v.confirmation() == gridsync::v1::VISIT_CONFIRMATION_CONFIRMED ? "属实"
                         : v.confirmation() == gridsync::v1::VISIT_CONFIRMATION_NOT_MADE ? "未入户"
                         : v.confirmation() == gridsync::v1::VISIT_CONFIRMATION_UNSURE ? "记不清"
                                                                                       : "待核实";
      printf("%s  %-10s %-24s visit %s by %s on %s: %s\n", v.household_id().c_str(),
             v.head_name().c_str(), v.address().c_str(), v.visit_record_id().c_str(),
             v.worker().c_str(),
             absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(v.visited_at_ms()),
                              absl::FixedTimeZone(8 * 3600))
                 .c_str(),
             said);
    }
    return 0;
  }

  int Backup(const std::string& dir, int keep) {
    gridsync::v1::BackupRequest req;
    req.set_dir(dir);
    req.set_keep(keep);
    gridsync::v1::BackupResponse resp;
    auto ctx = CallContext(token_, std::chrono::seconds(3600));
    if (auto st = FromGrpc(admin_->Backup(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    printf("backup %u in %s: %u files, %.1f MB, verified, in %.1f s (last change %llu); %d kept\n",
           resp.backup_id(), dir.c_str(), resp.files(),
           static_cast<double>(resp.size_bytes()) / 1e6, static_cast<double>(resp.took_ms()) / 1000,
           static_cast<unsigned long long>(resp.last_change_seq()), resp.backups_kept());
    printf(
        "attachments: %llu new files (%.1f MB) copied into %s/blobs, %llu in all, every "
        "one hashed; %llu damaged copies there copied again\n",
        static_cast<unsigned long long>(resp.blobs_copied()),
        static_cast<double>(resp.blob_bytes_copied()) / 1e6, dir.c_str(),
        static_cast<unsigned long long>(resp.blobs_total()),
        static_cast<unsigned long long>(resp.blobs_repaired()));
    for (const auto& d : resp.damaged_blobs()) {
      fprintf(stderr, "DAMAGED on the server, not backed up: %s\n", d.c_str());
    }
    // A backup that could not copy a photo is not a good backup.
    return resp.damaged_blobs().empty() ? 0 : 1;
  }

  int Report(const std::string& scope, const std::string& month,
             const gridsync::core::ScoreWeights& weights, std::string out_file) {
    auto report = BuildMonthlyReport(channel_, token_, scope, month, weights);
    if (!report.ok()) return Fail(report.status());
    printf("%s", RenderReportTable(*report).c_str());
    if (out_file.empty()) out_file = absl::StrCat("report-", scope, "-", month, ".html");
    std::ofstream f(out_file, std::ios::binary | std::ios::trunc);
    f << RenderReportHtml(*report);
    f.close();
    if (!f) return Fail(absl::PermissionDeniedError(absl::StrCat("cannot write ", out_file)));
    // The spreadsheet beside it: report-….html -> report-….xlsx.
    const std::string xlsx =
        (absl::EndsWith(out_file, ".html") ? out_file.substr(0, out_file.size() - 5) : out_file) +
        ".xlsx";
    if (auto st = WriteReportXlsx(*report, xlsx); !st.ok()) return Fail(st);
    printf("\nwrote %s and %s\n", out_file.c_str(), xlsx.c_str());
    return 0;
  }

  int GenSample(int min_grids) {
    auto grids = EnsureSampleGrids(admin_.get(), token_, min_grids, 1);
    if (!grids.ok()) return Fail(grids.status());
    printf("gen-sample: %zu grids with households\n", grids->size());
    return 0;
  }

  int Enroll(const std::string& role_name, const std::string& scope, const std::string& holder,
             const std::string& cadre_kind) {
    gridsync::v1::Role role;
    if (!gridsync::v1::Role_Parse("ROLE_" + absl::AsciiStrToUpper(role_name), &role)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "unknown role '", role_name,
          "'; one of grid_worker, village_secretary, town_office, county_job, cadre, admin")));
    }
    gridsync::v1::EnrollDeviceRequest req;
    req.set_role(role);
    if (!cadre_kind.empty()) {
      gridsync::v1::CadreKind kind;
      if (!gridsync::v1::CadreKind_Parse("CADRE_KIND_" + absl::AsciiStrToUpper(cadre_kind),
                                         &kind)) {
        return Fail(absl::InvalidArgumentError(absl::StrCat(
            "--cadre-kind '", cadre_kind, "' is cadre (村干部) or party_member (党员)")));
      }
      req.set_cadre_kind(kind);
    }
    for (auto code : absl::StrSplit(scope, ',', absl::SkipEmpty()))
      req.add_scope_codes(std::string(code));
    req.set_holder(holder);
    gridsync::v1::EnrollDeviceResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->EnrollDevice(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    fprintf(stderr, "enrolled %s\n", resp.device_id().c_str());
    printf("%s\n", resp.token().c_str());
    return 0;
  }

  // A person's login to the township's console (gridsync-web): a device
  // enrolled in their name, a town office for a town code or a county job
  // for the county's, and its activation code ("<device>.<token>"), which
  // they enter once with a password of their own.
  int ConsoleUser(const std::string& name, const std::string& scope) {
    if (name.empty() || scope.find(',') != std::string::npos) {
      return Fail(absl::InvalidArgumentError("console-user: --name NAME --scope ONE_CODE"));
    }
    const auto level = gridsync::core::LevelOfCode(scope);
    gridsync::v1::Role role =
        level == gridsync::v1::ORG_LEVEL_TOWN      ? gridsync::v1::ROLE_TOWN_OFFICE
        : level == gridsync::v1::ORG_LEVEL_COUNTY  ? gridsync::v1::ROLE_COUNTY_JOB
        : level == gridsync::v1::ORG_LEVEL_VILLAGE ? gridsync::v1::ROLE_VILLAGE_SECRETARY
                                                   : gridsync::v1::ROLE_UNSPECIFIED;
    if (role == gridsync::v1::ROLE_UNSPECIFIED) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("console-user: --scope ", scope.substr(0, 32),
                       " is not a county, town or village code (12 digits)")));
    }
    auto enrolled = EnrollDevice(admin_.get(), token_, role, scope, name);
    if (!enrolled.ok()) return Fail(enrolled.status());
    fprintf(stderr, "enrolled %s for %s (%s of %s); give them this activation code:\n",
            enrolled->device_id().c_str(), name.c_str(), gridsync::v1::Role_Name(role).c_str(),
            scope.c_str());
    printf("%s.%s\n", enrolled->device_id().c_str(), enrolled->token().c_str());
    return 0;
  }

  int Reinstate(const std::string& device) {
    gridsync::v1::ReinstateDeviceRequest req;
    req.set_device_id(device);
    gridsync::v1::ReinstateDeviceResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->ReinstateDevice(ctx.get(), req, &resp)); !st.ok()) {
      return Fail(st);
    }
    printf("reinstated %s: it syncs again (revoke it again once its unsent work is in)\n",
           device.c_str());
    return 0;
  }

  // With `wipe` the device is lost: its phone erases its replica at its
  // next contact.
  int Revoke(const std::string& device, bool wipe) {
    gridsync::v1::RevokeDeviceRequest req;
    req.set_device_id(device);
    req.set_wipe(wipe);
    gridsync::v1::RevokeDeviceResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->RevokeDevice(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    printf(wipe ? "revoked %s as lost: its phone erases its replica at its next contact\n"
                : "revoked %s (its phone keeps its replica and unsent work)\n",
           device.c_str());
    return 0;
  }

  int Verify(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Fail(absl::NotFoundError(absl::StrCat("cannot read ", path)));
    std::vector<std::string> ids;
    std::string line;
    while (std::getline(in, line)) {
      std::string id(absl::StripAsciiWhitespace(line));
      if (!id.empty()) ids.push_back(id);
    }
    long found = 0;
    std::vector<std::string> missing;
    for (size_t i = 0; i < ids.size(); i += 10000) {
      gridsync::v1::BatchGetRecordsRequest req;
      for (size_t j = i; j < std::min(ids.size(), i + 10000); ++j) req.add_record_ids(ids[j]);
      gridsync::v1::BatchGetRecordsResponse resp;
      auto ctx = CallContext(token_);
      if (auto st = FromGrpc(admin_->BatchGetRecords(ctx.get(), req, &resp)); !st.ok())
        return Fail(st);
      found += resp.found_ids_size();
      missing.insert(missing.end(), resp.missing_ids().begin(), resp.missing_ids().end());
    }
    for (size_t i = 0; i < missing.size() && i < 20; ++i) {
      fprintf(stderr, "missing: %s\n", missing[i].c_str());
    }
    printf("verify %s: %ld of %zu ids stored, %zu missing\n", path.c_str(), found, ids.size(),
           missing.size());
    return missing.empty() ? 0 : 1;
  }

  int Get(const std::string& id) {
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetRecord(ctx.get(), req, &resp)); !st.ok()) return Fail(st);
    google::protobuf::TextFormat::Printer printer;
    printer.SetUseUtf8StringEscaping(true);
    std::string text;
    printer.PrintToString(resp.record(), &text);
    printf("%s", text.c_str());
    return 0;
  }

  int ApplyHeld(uint64_t seq) {
    gridsync::v1::ApplyHeldRefillRequest req;
    req.set_seq(seq);
    gridsync::v1::ApplyHeldRefillResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->ApplyHeldRefill(ctx.get(), req, &resp)); !st.ok()) {
      return Fail(st);
    }
    printf("change %lu: record %s %s\n", static_cast<unsigned long>(seq),
           resp.result().record_id().c_str(),
           resp.result().outcome() == gridsync::v1::REFILL_OUTCOME_MERGED
               ? "merged"
               : "already held all of it (nothing changed)");
    return 0;
  }

  // The refills held for review, a line each: when, who sent it, the
  // record, and the writes in it that name other devices.
  int HeldRefills() {
    gridsync::v1::ListHeldRefillsRequest req;
    req.set_page_size(1000);
    size_t n = 0;
    for (int page = 0; page < 1000000; ++page) {
      gridsync::v1::ListHeldRefillsResponse resp;
      auto ctx = CallContext(token_);
      if (auto st = FromGrpc(admin_->ListHeldRefills(ctx.get(), req, &resp)); !st.ok()) {
        return Fail(st);
      }
      for (const auto& c : resp.held()) {
        const auto& rf = c.refill();
        printf("change %lu at %s: %s (%s) sent record %s (grid %s); not merged: %s\n", c.seq(),
               absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(c.committed_at_ms()),
                                absl::FixedTimeZone(8 * 3600))
                   .c_str(),
               rf.author().c_str(), rf.device_id().c_str(), rf.state().record_id().c_str(),
               rf.state().header().grid_code().c_str(),
               OthersOf(rf.state(), rf.device_id(), rf.author()).c_str());
        req.set_after_seq(c.seq());
        ++n;
      }
      if (resp.done()) break;
    }
    printf("%zu refills held for review\n", n);
    return 0;
  }

  int Stats() {
    gridsync::v1::GetStatsResponse resp;
    auto ctx = CallContext(token_);
    if (auto st = FromGrpc(admin_->GetStats(ctx.get(), {}, &resp)); !st.ok()) return Fail(st);
    printf(
        "records %lu (visits %lu, dispute cases %lu, special checks %lu), with conflicts %lu, "
        "last change %lu, devices %lu, org units %lu\n",
        resp.records(), resp.visits(), resp.dispute_cases(), resp.special_checks(),
        resp.records_with_conflicts(), resp.last_change_seq(), resp.devices(), resp.org_units());
    return 0;
  }

 private:
  // The writes of a held state that `device_id` did not make: "field
  // decision by dev-… (王支书)", "log photos: 3 entries by …".
  static std::string OthersOf(const gridsync::v1::RecordState& s, const std::string& device_id,
                              const std::string& author) {
    const gridsync::core::RefillSplit split = gridsync::core::SplitByWriter(s, device_id, author);
    std::vector<std::string> out;
    const auto& h = split.others.header();
    if (h.created_hlc() != 0) {
      out.push_back(absl::StrCat("created by ", h.created_by_device(), " (", h.created_by(), ")"));
    }
    for (const auto& r : split.others.registers()) {
      for (const auto& sib : r.siblings()) {
        out.push_back(absl::StrCat("field ", r.field(), " by ", sib.dot().device_id(), " (",
                                   sib.author(), ")"));
      }
    }
    for (const auto& l : split.others.logs()) {
      out.push_back(absl::StrCat("log ", l.log(), ": ", l.elements_size(), " entries"));
    }
    if (split.others.has_void_mark()) {
      out.push_back(absl::StrCat("void by ", split.others.void_mark().device_id()));
    }
    return absl::StrJoin(out, "; ");
  }

  static void PrintPolicy(const gridsync::v1::CheckPolicy& p) {
    printf("%-26s %10s %14s\n", "category", "risk level", "interval days");
    for (const auto& r : p.intervals()) {
      printf("%-26s %10d %14d\n", PersonCategoryWord(r.category()), r.risk_level(),
             r.interval_days());
    }
    printf("%-26s %10s %14d\n", "default (other categories)", "", p.default_interval_days());
    printf("patrols a village needs a week (平安夜巡): %d\n", core::PatrolsPerWeek(p));
    const core::NightWindow night = core::NightWindowOf(p);
    printf("a patrol is 夜巡 when it starts from %02d:%02d to %02d:%02d (China time)\n",
           night.from_minute / 60, night.from_minute % 60, night.to_minute / 60,
           night.to_minute % 60);
    const auto points = core::SatisfactionPoints(p);
    printf("满意度得分: 满意 %d, 基本满意 %d, 不太满意 %d, 不满意 %d points\n", points[0],
           points[1], points[2], points[3]);
    printf("积案: a case open longer than %d days after it was registered\n", core::BacklogDays(p));
  }

  static bool IsHeader(absl::string_view header, const std::string& first_cell) {
    if (absl::StartsWith(header, first_cell + ",")) return true;
    const absl::string_view first_name = header.substr(0, header.find(','));
    return absl::EndsWith(first_name, "_id") &&
           std::none_of(first_cell.begin(), first_cell.end(), absl::ascii_isdigit);
  }

  // Reads a table (CSV or .xlsx, table_file.h) whose first line may be a
  // header: `header`'s own names, or, when the first column holds ids (its
  // name ends in _id), any first line whose first cell has no digit (a
  // township's sheet headed 户编号, 网格编码, ...). `row` turns each line's `ncols` fields
  // (and up to `optional` more, given as "" when absent) into request
  // entries, or returns why it cannot. Prints unreadable lines by number;
  // returns how many there were. `lines` gets the line number of every entry
  // made, in order.
  absl::StatusOr<int> ReadRows(
      const std::string& path, size_t ncols, const char* header,
      const std::function<std::string(const std::vector<std::string>&)>& row,
      std::vector<int>* lines, size_t optional = 0) {
    auto table = ReadTableFile(path);
    if (!table.ok()) return table.status();
    fprintf(stderr, "%s: read as %s\n", path.c_str(), table->format.c_str());
    int bad = 0;
    for (size_t i = 0; i < table->rows.size(); ++i) {
      auto& [n, c] = table->rows[i];
      if (i == 0 && IsHeader(header, c[0])) {
        fprintf(stderr, "%s: line %d taken as the header (%s)\n", path.c_str(), n,
                absl::StrJoin(c, ",").c_str());
        continue;
      }
      if (c.size() < ncols || c.size() > ncols + optional) {
        fprintf(stderr, "%s: line %d: expected %zu fields (%s), found %zu\n", path.c_str(), n,
                ncols, header, c.size());
        ++bad;
        continue;
      }
      c.resize(ncols + optional);
      const std::string why = row(c);
      if (!why.empty()) {
        fprintf(stderr, "%s: line %d: %s\n", path.c_str(), n, why.c_str());
        ++bad;
        continue;
      }
      lines->push_back(n);
    }
    return bad;
  }

  // Sends an import in calls of kChunk entries (each list in order), with a
  // progress bar on a terminal; prints every rejection by line number and
  // a summary. Exit code 1 when anything was rejected.
  int SendImport(const char* cmd, const std::string& path,
                 const gridsync::v1::ImportRegistryRequest& req, const std::vector<int>& lines,
                 int unreadable) {
    constexpr int kChunk = 2000;
    const int total = req.org_units_size() + req.households_size() + req.persons_size();
    Progress progress(absl::StrCat(cmd, " ", path));
    int created = 0, updated = 0, unchanged = 0, rejected = 0, sent = 0;
    std::vector<std::string> rejections, overrode;
    while (sent < total) {
      gridsync::v1::ImportRegistryRequest chunk;
      const int from = sent;
      for (int i = sent; i < total && i < from + kChunk; ++i, ++sent) {
        if (i < req.org_units_size()) {
          *chunk.add_org_units() = req.org_units(i);
        } else if (i < req.org_units_size() + req.households_size()) {
          *chunk.add_households() = req.households(i - req.org_units_size());
        } else {
          *chunk.add_persons() = req.persons(i - req.org_units_size() - req.households_size());
        }
      }
      gridsync::v1::ImportRegistryResponse resp;
      auto ctx = CallContext(token_, std::chrono::seconds(120));
      if (auto st = FromGrpc(admin_->ImportRegistry(ctx.get(), chunk, &resp)); !st.ok()) {
        progress.Done();
        fprintf(stderr,
                "%s: stopped after %d of %d entries (those are stored; importing again is safe)\n",
                path.c_str(), from, total);
        return Fail(st);
      }
      created += resp.created(), updated += resp.updated(), unchanged += resp.unchanged();
      rejected += resp.rejections_size();
      overrode.insert(overrode.end(), resp.overrode_proposals().begin(),
                      resp.overrode_proposals().end());
      // A rejection's index counts within its kind's list of this chunk.
      for (const auto& r : resp.rejections()) {
        int offset = r.index();
        if (r.kind() == "household") offset += chunk.org_units_size();
        if (r.kind() == "person") offset += chunk.org_units_size() + chunk.households_size();
        rejections.push_back(
            absl::StrCat(path, ": line ", lines[from + offset], ": ", r.message()));
      }
      progress.Update(sent, total);
    }
    progress.Done();
    for (const auto& r : rejections) fprintf(stderr, "%s\n", r.c_str());
    printf("%s %s: %d read; %d created, %d updated, %d unchanged, %d rejected\n", cmd, path.c_str(),
           total + unreadable, created, updated, unchanged, rejected + unreadable);
    if (!overrode.empty()) {  // the county's data wins over changes approved on phones
      printf("%s: %zu of the updates overrode field changes approved on phones (proposals %s)\n",
             cmd, overrode.size(), absl::StrJoin(overrode, ", ").c_str());
    }
    return rejected + unreadable == 0 ? 0 : 1;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gridsync::v1::AdminService::Stub> admin_;
  std::unique_ptr<gridsync::v1::CoverageService::Stub> coverage_;
  std::string token_;
};

}  // namespace
}  // namespace gridsync::tools

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  Args args = ParseArgs(argc, argv, Flags());
  if (!args.error.empty()) return UsageError(Flags(), args.error);
  if (args.positional.empty()) return UsageError(Flags(), "which command?");
  const std::string cmd = args.positional[0];
  if (cmd == "backups" && args.Has("--in")) {  // local: no server needed
    auto list = gridsync::server::ListBackups(args.Get("--in"));
    if (!list.ok()) return Fail(list.status());
    printf("%-6s %-20s %12s %7s %16s\n", "backup", "made (UTC)", "bytes", "files", "last change");
    for (const auto& b : *list) {
      printf("%-6u %-20s %12llu %7u %16llu\n", b.id,
             absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(b.created_unix_s),
                              absl::UTCTimeZone())
                 .c_str(),
             static_cast<unsigned long long>(b.size_bytes), b.files,
             static_cast<unsigned long long>(b.last_change_seq));
    }
    return 0;
  }
  if (!args.Has("--server")) return UsageError(Flags(), "--server is needed");
  auto connected = Connect(args.Get("--server"), TlsFromArgs(args));
  if (!connected.ok()) return Fail(connected.status());
  auto ch = *connected;
  if (cmd == "wait-ready") {
    int timeout = 10;
    if (!absl::SimpleAtoi(args.Get("--timeout", "10"), &timeout)) return Usage();
    auto st = WaitReady(ch, std::chrono::seconds(timeout));
    if (!st.ok()) return Fail(st);
    return 0;
  }
  if (cmd == "health") {
    auto stub = grpc::health::v1::Health::NewStub(ch);
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auto st = gridsync::FromGrpc(stub->Check(&ctx, req, &resp));
    if (!st.ok()) return Fail(st);
    printf("%s\n",
           grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()).c_str());
    return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  if (!args.Has("--token-file")) return UsageError(Flags(), "--token-file is needed");
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) return Fail(token.status());
  Ctl ctl(ch, *token);
  if (cmd == "import-org" && args.positional.size() == 2) return ctl.ImportOrg(args.positional[1]);
  if (cmd == "import-households" && args.positional.size() == 2) {
    return ctl.ImportHouseholds(args.positional[1]);
  }
  if (cmd == "import-persons" && args.positional.size() == 2)
    return ctl.ImportPersons(args.positional[1]);
  if (cmd == "policy") return ctl.ShowPolicy();
  if (cmd == "report" && (args.Has("--scope") || args.Has("--county"))) {
    std::string month = args.Get("--month");
    if (month.empty())
      month = gridsync::core::MonthName(gridsync::core::MonthOf(gridsync::core::SystemWallMs()));
    if (!gridsync::core::MonthRange(month).ok()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("--month '", month, "' is not YYYY-MM")));
    }
    gridsync::core::ScoreWeights weights;
    if (args.Has("--weights")) {
      auto text = ReadFile(args.Get("--weights"));
      if (!text.ok()) return Fail(text.status());
      auto parsed = gridsync::core::ParseWeights(*text);
      if (!parsed.ok()) return Fail(parsed.status());
      weights = *parsed;
    }
    return ctl.Report(args.Has("--scope") ? args.Get("--scope") : args.Get("--county"), month,
                      weights, args.Get("--out"));
  }
  if (cmd == "backup" && args.Has("--to")) {
    int keep = 0;
    if (!absl::SimpleAtoi(args.Get("--keep", "0"), &keep) || keep < 0) return Usage();
    return ctl.Backup(args.Get("--to"), keep);
  }
  if (cmd == "coverage" && args.Has("--scope")) {
    return ctl.Coverage(args.Get("--scope"), args.Get("--month"), args.Has("--json"));
  }
  if (cmd == "set-policy" && args.positional.size() == 2) return ctl.SetPolicy(args.positional[1]);
  if (cmd == "sample" && args.Has("--scope")) {
    return ctl.Sample(args.Get("--scope"), args.Get("--month"), args.Has("--json"));
  }
  if (cmd == "survey-forms") return ctl.SurveyForms();
  if (cmd == "publish-survey" && args.positional.size() == 2)
    return ctl.PublishSurvey(args.positional[1]);
  if (cmd == "gen-sample") {
    int n = 0;
    if (!absl::SimpleAtoi(args.Get("--min-grids", "10"), &n)) return Usage();
    return ctl.GenSample(n);
  }
  if (cmd == "enroll" && args.Has("--role")) {
    return ctl.Enroll(args.Get("--role"), args.Get("--scope"), args.Get("--holder"),
                      args.Get("--cadre-kind"));
  }
  if (cmd == "console-user" && args.Has("--name") && args.Has("--scope")) {
    return ctl.ConsoleUser(args.Get("--name"), args.Get("--scope"));
  }
  if (cmd == "revoke" && args.Has("--device"))
    return ctl.Revoke(args.Get("--device"), args.Has("--wipe"));
  if (cmd == "reinstate" && args.Has("--device")) return ctl.Reinstate(args.Get("--device"));
  if (cmd == "verify" && args.Has("--ids")) return ctl.Verify(args.Get("--ids"));
  if (cmd == "get" && args.Has("--id")) return ctl.Get(args.Get("--id"));
  if (cmd == "stats") return ctl.Stats();
  if (cmd == "held-refills") return ctl.HeldRefills();
  if (cmd == "apply-held" && args.Has("--seq")) {
    uint64_t seq = 0;
    if (!absl::SimpleAtoi(args.Get("--seq"), &seq) || seq == 0) return Usage();
    return ctl.ApplyHeld(seq);
  }
  return Usage();
}
