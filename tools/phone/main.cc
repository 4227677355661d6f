// gridsync-phone: a phone on the command line, on the client SDK, for
// support staff, scripts and tests. Its replica lives in --data; every
// command but sync works offline on what the last sync brought, with the
// phone's unsent writes counted.
//
//   gridsync-phone --data DIR --server ADDR --device ID --token-file FILE [--holder NAME]
//                  [--tls-ca FILE] [--upload-chunk-kb N] [--key-file FILE] COMMAND
//     sync                                      push the outbox, pull, upload attachments; what
//     moved households [--grid|--scope CODE] [--month YYYY-MM] [--all] [--json]
//                                               unvisited first; the first 100 unless --all
//     due [--scope CODE] [--within DAYS] [--json]   persons to check (default within 7 days)
//     cases [--scope CODE] [--json]             open cases, then follow-ups due
//     coverage [--scope CODE] [--month YYYY-MM] [--json]
//                                               the month's figures; --json as gridsyncctl's
//     visit --household ID [--nobody-home] [--notes TEXT] [--photo FILE]...
//                                               a visit now, with photos; prints its id
//     screening --month YYYY-MM --found N [--hazards N] [--notes TEXT] [--grid CODE]
//                                               the village's 矛盾纠纷排查 report for the month,
//                                               0 found is a 零报告; prints its id
//     trouble-spot --place TEXT --problem TEXT [--grid CODE]
//                                               lists a trouble spot (排查整治); prints its id
//     rectified --id ID                         the spot is rectified (整治销号) now
//     tasks [--scope CODE] [--open] [--json]    the town office's tasks (督办), overdue first
//     task --title TEXT --deadline YYYY-MM-DD (--grid CODE | --village CODE) [--household ID]
//          [--category hazard|revisit|dispute|person|other] [--description TEXT]
//                                               a town office gives a task; prints its id
//     task-step --id ID --step accept|done|confirm|send-back [--note TEXT]
//                                               签收, 报结 (the village); 确认, 退回 (the office)
//     verify --visit ID --said confirmed|not-made|unsure|unreached [--method phone|on-site]
//            [--confirms talk,letter,questionnaire,opinions] [--remark TEXT]
//                                               复查 / 电话抽查 of a visit (office, secretary)
//     fetch --record ID --out DIR               the record's attachments into DIR, under
//                                               their file names (or <sha256>.<ext>)
//     status                                    outbox, rejections, cursor, scope
//     rekey --new-key-file FILE                 re-encrypt the replica under a new key
//     propose new-household --grid CODE (--head NAME | --address TEXT) [--reason TEXT]
//     propose moved-out|empty --household ID [--reason TEXT]
//     propose correct --household ID [--head NAME] [--address TEXT] [--reason TEXT]
//     propose new-person --household ID --name NAME --category CAT [--risk N] [--guardian NAME]
//     propose person --person ID [--guardian NAME] [--contact-lost] [--moved-away]
//                                               a registry change; prints the proposal's id
//     proposals [--scope CODE] [--pending] [--json]
//     approve|reject --id ID [--note TEXT]      a village secretary's or town office's phone
//
// --key-file: the replica's key (32 random bytes, or 64 hex digits): the
// replica is encrypted at rest, and a plain one is encrypted on this run.
// --scope defaults to the device's scope when it is one code (a grid, or a
// secretary's village). Exit 0 on success, 1 on an error (with its reason),
// 2 on bad usage.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "core/attachment.h"
#include "core/coverage.h"
#include "core/ids.h"
#include "gridsync/client.h"
#include "tools/common/client.h"
#include "tools/common/day_print.h"
#include "tools/common/flags.h"
#include "tools/common/person_category.h"

namespace gridsync::tools {
namespace {

int Fail(const absl::Status& st) {
  fprintf(stderr, "gridsync-phone: %s: %s\n", absl::StatusCodeToString(st.code()).c_str(),
          std::string(st.message()).c_str());
  return 1;
}

// A replica key from a file: 32 bytes as they are, or 64 hex digits (a
// trailing newline allowed).
absl::StatusOr<std::string> ReadKeyFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
  std::string k((std::istreambuf_iterator<char>(in)), {});
  if (k.size() == 32) return k;
  while (!k.empty() && (k.back() == '\n' || k.back() == '\r')) k.pop_back();
  if (k.size() == 64 && k.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    std::string raw(32, '\0');
    for (size_t i = 0; i < 32; ++i)
      raw[i] = static_cast<char>(std::stoi(k.substr(2 * i, 2), nullptr, 16));
    return raw;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": ", path, " holds ", k.size(), " bytes; a replica key is 32 bytes or 64 hex digits"));
}

const FlagSet& Flags() {
  static const auto* flags = new FlagSet{
      "gridsync-phone",
      "usage: gridsync-phone --data DIR --server ADDR --device ID --token-file FILE [FLAGS] "
      "COMMAND\n"
      "  sync | status | rekey --new-key-file FILE\n"
      "  households [--grid|--scope CODE] [--month YYYY-MM] [--all] [--json]\n"
      "  due [--scope CODE] [--within DAYS] [--json]\n"
      "  cases [--scope CODE] [--json]\n"
      "  coverage [--scope CODE] [--month YYYY-MM] [--json]\n"
      "  visit --household ID [--nobody-home] [--notes TEXT] [--photo FILE]...\n"
      "  screening --month YYYY-MM --found N [--hazards N] [--notes TEXT] [--grid CODE]\n"
      "  trouble-spot --place TEXT --problem TEXT [--grid CODE] | rectified --id ID\n"
      "  tasks [--scope CODE] [--open] [--json]\n"
      "  task --title TEXT --deadline YYYY-MM-DD (--grid CODE | --village CODE) [--household ID]\n"
      "       [--category hazard|revisit|dispute|person|other] [--description TEXT]\n"
      "  task-step --id ID --step accept|done|confirm|send-back [--note TEXT]\n"
      "  verify --visit ID --said confirmed|not-made|unsure|unreached [--method phone|on-site]\n"
      "         [--confirms talk,letter,questionnaire,opinions] [--remark TEXT]\n"
      "  fetch --record ID --out DIR\n"
      "  propose new-household --grid CODE (--head NAME | --address TEXT) [--reason TEXT]\n"
      "  propose moved-out|empty --household ID [--reason TEXT]\n"
      "  propose correct --household ID [--head NAME] [--address TEXT] [--reason TEXT]\n"
      "  propose new-person --household ID --name NAME --category CAT [--risk N] "
      "[--guardian NAME]\n"
      "  propose person --person ID [--guardian NAME] [--contact-lost] [--moved-away]\n"
      "  proposals [--scope CODE] [--pending] [--json] | approve|reject --id ID [--note TEXT]\n"
      "Every command but sync works offline on what the last sync brought.\n",
      {{"--data", "DIR", "the phone's replica"},
       {"--server", "ADDR", "gridsyncd's gRPC address"},
       {"--device", "ID", "the device id gridsyncctl enroll made"},
       {"--token-file", "FILE", "the device's token"},
       {"--holder", "NAME", "who holds the phone"},
       {"--tls-ca", "FILE", "the county CA's PEM, for TLS to gridsyncd"},
       {"--upload-chunk-kb", "N", "attachment upload chunk (128)"},
       {"--key-file", "FILE",
        "the replica's key (32 bytes, or 64 hex digits): encrypted at rest; a plain replica is "
        "encrypted on this run"},
       {"--new-key-file", "FILE", "rekey: the new key"},
       {"--scope", "CODE",
        "the grid or village the command is about (default: the device's, when it is one)"},
       {"--grid", "CODE",
        "households: the same as --scope; propose new-household, screening: its grid"},
       {"--month", "YYYY-MM", "households, coverage: the month (this month); screening: screened"},
       {"--found", "N", "screening: disputes found (0 with no hazard: 零报告)"},
       {"--hazards", "N", "screening: 治安隐患 found (0)"},
       {"--place", "TEXT", "trouble-spot: where it is"},
       {"--problem", "TEXT", "trouble-spot: what the problem is"},
       {"--title", "TEXT", "task: what is to be done"},
       {"--deadline", "YYYY-MM-DD", "task: done by the end of that day (China time)"},
       {"--village", "CODE", "task: the village's task (kept in one of its grids)"},
       {"--description", "TEXT", "task: more about it"},
       {"--step", "STEP", "task-step: accept, done, confirm or send-back"},
       {"--open", "", "tasks: leave out the confirmed ones"},
       {"--visit", "ID", "verify: the visit"},
       {"--said", "WHAT", "verify: confirmed, not-made, unsure, or unreached (nobody answered)"},
       {"--method", "HOW", "verify: phone (电话抽查, the default) or on-site (实地复查)"},
       {"--confirms", "ITEMS", "verify: the 四个一 the household confirms, comma-separated"},
       {"--remark", "TEXT", "verify: what the household said"},
       {"--within", "DAYS", "due: persons due within DAYS (7)"},
       {"--household", "ID", "visit, propose, task: the household"},
       {"--person", "ID", "propose person: the person"},
       {"--record", "ID", "fetch: the record whose attachments to fetch"},
       {"--out", "DIR", "fetch: where the attachments go"},
       {"--notes", "TEXT", "visit, screening: what was found"},
       {"--photo", "FILE", "visit: a photo to attach (repeatable)"},
       {"--head", "NAME", "propose: the head of household"},
       {"--address", "TEXT", "propose: the household's address"},
       {"--name", "NAME", "propose new-person: the person's name"},
       {"--category", "CAT",
        "propose new-person: the category (as import-persons takes); task: hazard, revisit, "
        "dispute, person or other (other)"},
       {"--risk", "N", "propose new-person: the risk level 0..5 (0)"},
       {"--guardian", "NAME", "propose: the person's guardian"},
       {"--reason", "TEXT", "propose: why"},
       {"--id", "ID", "approve, reject: the proposal; rectified: the trouble spot; task-step"},
       {"--note", "TEXT", "approve, reject: a note to the proposer; task-step: what or why"},
       {"--json", "", "print the proto's JSON"},
       {"--all", "", "households: all of them, not the first 100"},
       {"--nobody-home", "", "visit: nobody was home"},
       {"--pending", "", "proposals: only those waiting for a decision"},
       {"--contact-lost", "", "propose person: the person cannot be reached"},
       {"--moved-away", "", "propose person: the person moved away"}}};
  return *flags;
}

int Usage() { return UsageError(Flags()); }

class PhoneCli {
 public:
  PhoneCli(std::unique_ptr<sdk::Client> client, const Args& args)
      : c_(std::move(client)), args_(args) {}

  int Run(const std::string& cmd) {
    if (cmd != "propose" && args_.positional.size() != 1) return Usage();
    if (cmd == "sync") return Sync();
    if (cmd == "status") return Status();
    if (cmd == "visit" && args_.Has("--household")) return Visit();
    if (cmd == "screening" && args_.Has("--month") && args_.Has("--found")) return Screening();
    if (cmd == "trouble-spot" && args_.Has("--place") && args_.Has("--problem")) return Spot();
    if (cmd == "rectified" && args_.Has("--id")) {
      if (auto st = c_->SetField(args_.Get("--id"), "state",
                                 IntValue(gridsync::v1::RECTIFICATION_STATE_RECTIFIED));
          !st.ok()) {
        return Fail(st);
      }
      printf("rectified %s (syncs with the next sync)\n", args_.Get("--id").c_str());
      return 0;
    }
    if (cmd == "task" && args_.Has("--title") && args_.Has("--deadline")) return GiveTask();
    if (cmd == "task-step" && args_.Has("--id") && args_.Has("--step")) return StepTask();
    if (cmd == "verify" && args_.Has("--visit") && args_.Has("--said")) return Verify();
    if (cmd == "fetch" && args_.Has("--record") && args_.Has("--out")) return Fetch();
    if (cmd == "propose" && args_.positional.size() == 2) return Propose(args_.positional[1]);
    if ((cmd == "approve" || cmd == "reject") && args_.Has("--id")) {
      if (auto st = c_->Decide(args_.Get("--id"), cmd == "approve", args_.Get("--note"));
          !st.ok()) {
        return Fail(st);
      }
      printf("%s %s (syncs with the next sync)\n", cmd == "approve" ? "approved" : "rejected",
             args_.Get("--id").c_str());
      return 0;
    }
    if (cmd != "households" && cmd != "due" && cmd != "cases" && cmd != "coverage" &&
        cmd != "proposals" && cmd != "tasks") {
      return Usage();
    }
    auto scope = Scope();
    if (!scope.ok()) return Fail(scope.status());
    if (cmd == "households") return Households(*scope);
    if (cmd == "due") return Due(*scope);
    if (cmd == "cases") return Print(c_->ListOpenCases(*scope, 0, 1000), CasesText);
    if (cmd == "tasks")
      return Print(c_->ListTasks(*scope, args_.Has("--open"), 0, 1000), TasksText);
    if (cmd == "proposals") {
      return Print(c_->ListProposals(*scope, args_.Has("--pending"), 0, 1000), ProposalsText);
    }
    return Coverage(*scope);
  }

 private:
  // --scope (or --grid), else the device's scope when it is one code.
  absl::StatusOr<std::string> Scope() const {
    if (args_.Has("--scope")) return args_.Get("--scope");
    if (args_.Has("--grid")) return args_.Get("--grid");
    const auto scope = c_->Scope();
    if (scope.codes.size() == 1) return scope.codes[0];
    if (scope.codes.empty()) {
      return absl::FailedPreconditionError("this phone has not synced yet: run sync first");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "this device's scope is ", absl::StrJoin(scope.codes, ", "), ": give one with --scope"));
  }

  template <typename List>
  int Print(const absl::StatusOr<List>& l, std::string (*text)(const List&)) const {
    if (!l.ok()) return Fail(l.status());
    printf("%s%s", args_.Has("--json") ? StableJson(*l).c_str() : text(*l).c_str(),
           args_.Has("--json") ? "\n" : "");
    return 0;
  }

  int Sync() {
    int64_t shown = -1;
    auto r = c_->Sync([&](const sdk::SyncProgress& p) {
      if (p.phase != sdk::SyncProgress::Phase::kUpload || p.upload_bytes_total == 0) return;
      const int64_t tenth = p.upload_bytes_sent * 10 / p.upload_bytes_total;
      if (tenth == shown) return;
      shown = tenth;
      fprintf(stderr, "uploading attachments: %lld of %lld bytes\n",
              static_cast<long long>(p.upload_bytes_sent),
              static_cast<long long>(p.upload_bytes_total));
    });
    if (!r.ok()) {
      const int64_t waiting = static_cast<int64_t>(c_->PendingUploads().size());
      if (waiting > 0) {
        fprintf(stderr, "%lld attachments still to upload; they resume where they stopped\n",
                static_cast<long long>(waiting));
      }
      return Fail(r.status());
    }
    printf("pushed %lld (duplicates %lld, rejected %lld), pulled %lld; cursor %llu; server %s\n",
           static_cast<long long>(r->pushed), static_cast<long long>(r->duplicates),
           static_cast<long long>(r->rejected), static_cast<long long>(r->pulled),
           static_cast<unsigned long long>(r->cursor),
           r->server_release.empty() ? "(release not said)" : r->server_release.c_str());
    if (r->repushed > 0 || r->refilled > 0 || r->refill_refused > 0 || r->refill_held > 0) {
      printf(
          "the server was restored from a backup: %lld mutations pushed again, %lld records sent "
          "back (%lld refused, %lld holding others' writes kept for the county's review)\n",
          static_cast<long long>(r->repushed), static_cast<long long>(r->refilled),
          static_cast<long long>(r->refill_refused), static_cast<long long>(r->refill_held));
    }
    if (r->attachments_uploaded + r->attachments_waiting + r->attachments_refused > 0) {
      printf("attachments: %lld uploaded (%lld bytes sent), %lld waiting, %lld refused\n",
             static_cast<long long>(r->attachments_uploaded),
             static_cast<long long>(r->attachment_bytes_sent),
             static_cast<long long>(r->attachments_waiting),
             static_cast<long long>(r->attachments_refused));
    }
    for (const auto& rj : c_->Rejected()) {
      printf("rejected: %s %s: %s\n", rj.mutation().record_id().c_str(), rj.field().c_str(),
             rj.message().c_str());
    }
    for (const auto& u : c_->PendingUploads()) {
      if (u.refused_code() == 0) continue;
      printf("attachment refused: %s of %s: %s\n", u.sha256().c_str(), u.record_id().c_str(),
             u.message().c_str());
    }
    return 0;
  }

  // Every attachment of the record into --out; the first failure ends it.
  int Fetch() {
    const std::string id = args_.Get("--record"), out = args_.Get("--out");
    auto state = c_->GetState(id);
    if (!state.ok()) return Fail(state.status());
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) return Fail(absl::PermissionDeniedError(absl::StrCat("cannot create ", out)));
    const auto refs = core::AttachmentsOf(*state);
    if (refs.empty()) {
      return Fail(absl::NotFoundError(absl::StrCat("record ", id, " has no attachments")));
    }
    std::set<std::string> names;
    for (const auto& ref : refs) {
      auto bytes = c_->ReadAttachment(id, ref.sha256());
      if (!bytes.ok()) return Fail(bytes.status());
      std::string name = ref.file_name();
      if (name.empty() || !names.insert(name).second) {
        name = absl::StrCat(ref.sha256(), ".", core::ExtensionOf(ref.content_type()));
      }
      const std::string dest = (std::filesystem::path(out) / name).string();
      std::ofstream f(dest, std::ios::binary | std::ios::trunc);
      f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
      f.close();
      if (!f) return Fail(absl::PermissionDeniedError(absl::StrCat("cannot write ", dest)));
      printf("%s\t%lld bytes\t%s\n", dest.c_str(), static_cast<long long>(ref.size()),
             ref.sha256().c_str());
    }
    return 0;
  }

  int Status() {
    const auto s = c_->Stats();
    const auto scope = c_->Scope();
    printf(
        "scope %s (%s); %lld records, %lld unsent, %lld sent and not yet pulled, %lld rejected; "
        "cursor %llu\n",
        absl::StrJoin(scope.codes, ",").c_str(), gridsync::v1::Role_Name(scope.role).c_str(),
        static_cast<long long>(s.records), static_cast<long long>(s.pending),
        static_cast<long long>(s.acked_unpulled), static_cast<long long>(s.rejected),
        static_cast<unsigned long long>(s.cursor));
    return 0;
  }

  int Visit() {
    const std::string household = args_.Get("--household");
    if (!core::IsHouseholdId(household)) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--household '", household, "' is not a 19-digit household id")));
    }
    std::vector<sdk::Field> fields = {
        {"visited_at_ms", IntValue(c_->NowMs())},
        {"nobody_home", BoolValue(args_.Has("--nobody-home"))},
        {"talked_with_household", BoolValue(!args_.Has("--nobody-home"))}};
    if (args_.Has("--notes")) fields.push_back({"notes", StrValue(args_.Get("--notes"))});
    // The photos are read first: one that cannot be attached leaves no visit behind.
    std::vector<std::pair<std::string, std::string>> photos;  // path, bytes
    for (const auto& path : args_.GetAll("--photo")) {
      std::ifstream in(path, std::ios::binary);
      if (!in) return Fail(absl::NotFoundError(absl::StrCat("cannot read --photo ", path)));
      photos.emplace_back(path, std::string((std::istreambuf_iterator<char>(in)),
                                            std::istreambuf_iterator<char>()));
      if (core::SniffContentType(photos.back().second).empty()) {
        return Fail(
            absl::InvalidArgumentError(absl::StrCat(path, " is not a JPEG, PNG or PDF file")));
      }
    }
    auto id = c_->Create(gridsync::v1::RECORD_KIND_VISIT, household.substr(0, core::kGridCodeLen),
                         household, fields);
    if (!id.ok()) return Fail(id.status());
    for (const auto& [path, bytes] : photos) {
      sdk::AttachOptions o;
      o.file_name = std::filesystem::path(path).filename().string();
      auto ref = c_->AttachBytes(*id, bytes, o);
      if (!ref.ok()) {
        fprintf(stderr, "visit %s recorded without %s\n", id->c_str(), path.c_str());
        return Fail(ref.status());
      }
    }
    printf("%s\n", id->c_str());
    return 0;
  }

  // 排查上报, in the village's grid (ScreeningGrid).
  int Screening() {
    auto month = core::MonthRange(args_.Get("--month"));
    int found = 0, hazards = 0;
    if (!month.ok()) return Fail(month.status());
    if (!absl::SimpleAtoi(args_.Get("--found"), &found) ||
        (args_.Has("--hazards") && !absl::SimpleAtoi(args_.Get("--hazards"), &hazards))) {
      return Fail(absl::InvalidArgumentError("--found and --hazards take a number"));
    }
    auto grid = ScreeningGrid();
    if (!grid.ok()) return Fail(grid.status());
    std::vector<sdk::Field> fields = {{"month", IntValue(core::MonthOf(month->first))},
                                      {"disputes_found", IntValue(found)},
                                      {"hazards_found", IntValue(hazards)},
                                      {"reported_at_ms", IntValue(c_->NowMs())}};
    if (args_.Has("--notes")) fields.push_back({"notes", StrValue(args_.Get("--notes"))});
    auto id = c_->Create(gridsync::v1::RECORD_KIND_SCREENING_REPORT, *grid, "", fields);
    if (!id.ok()) return Fail(id.status());
    printf("%s\n", id->c_str());
    return 0;
  }
  // 排查整治: a spot found now, in --grid or as a screening report's grid.
  int Spot() {
    auto grid = ScreeningGrid();
    if (!grid.ok()) return Fail(grid.status());
    std::vector<sdk::Field> fields = {
        {"place", StrValue(args_.Get("--place"))},
        {"problem", StrValue(args_.Get("--problem"))},
        {"found_at_ms", IntValue(c_->NowMs())},
        {"state", IntValue(gridsync::v1::RECTIFICATION_STATE_LISTED)}};
    auto id = c_->Create(gridsync::v1::RECORD_KIND_TROUBLE_SPOT, *grid, "", fields);
    if (!id.ok()) return Fail(id.status());
    printf("%s\n", id->c_str());
    return 0;
  }
  int GiveTask() {
    static const std::map<std::string, gridsync::v1::TaskCategory> kCategories = {
        {"hazard", gridsync::v1::TASK_CATEGORY_HAZARD},
        {"revisit", gridsync::v1::TASK_CATEGORY_REVISIT},
        {"dispute", gridsync::v1::TASK_CATEGORY_DISPUTE},
        {"person", gridsync::v1::TASK_CATEGORY_PERSON},
        {"other", gridsync::v1::TASK_CATEGORY_OTHER}};
    const auto category = kCategories.find(args_.Get("--category", "other"));
    if (category == kCategories.end()) return Usage();
    absl::CivilDay day;
    if (!absl::ParseCivilTime(args_.Get("--deadline"), &day)) {
      return Fail(absl::InvalidArgumentError("--deadline: a date YYYY-MM-DD"));
    }
    gridsync::v1::Task t;
    t.set_title(args_.Get("--title"));
    t.set_description(args_.Get("--description"));
    t.set_category(category->second);
    t.set_household_id(args_.Get("--household"));
    t.set_whole_village(args_.Has("--village"));
    t.set_deadline_ms(core::DayEndMs(day - absl::CivilDay(1970, 1, 1)));
    auto grid = args_.Has("--village") ? FirstGridOf(args_.Get("--village"))
                                       : absl::StatusOr<std::string>(args_.Get("--grid"));
    if (!grid.ok()) return Fail(grid.status());
    auto id = c_->GiveTask(*grid, t);
    if (!id.ok()) return Fail(id.status());
    printf("%s\n", id->c_str());
    return 0;
  }
  int Verify() {
    static const std::map<std::string, gridsync::v1::VisitConfirmation> kSaid = {
        {"confirmed", gridsync::v1::VISIT_CONFIRMATION_CONFIRMED},
        {"not-made", gridsync::v1::VISIT_CONFIRMATION_NOT_MADE},
        {"unsure", gridsync::v1::VISIT_CONFIRMATION_UNSURE},
        {"unreached", gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED}};
    const auto said = kSaid.find(args_.Get("--said"));
    const std::string method = args_.Get("--method", "phone");
    if (said == kSaid.end() || (method != "phone" && method != "on-site")) return Usage();
    gridsync::v1::VisitVerification v;
    v.set_method(method == "phone" ? gridsync::v1::VERIFICATION_METHOD_PHONE
                                   : gridsync::v1::VERIFICATION_METHOD_ON_SITE);
    v.set_reached(said->second != gridsync::v1::VISIT_CONFIRMATION_UNSPECIFIED);
    v.set_confirmation(said->second);
    v.set_remark(args_.Get("--remark"));
    for (absl::string_view item : absl::StrSplit(args_.Get("--confirms"), ',', absl::SkipEmpty())) {
      if (item == "talk")
        v.set_talk_confirmed(true);
      else if (item == "letter")
        v.set_letter_confirmed(true);
      else if (item == "questionnaire")
        v.set_questionnaire_confirmed(true);
      else if (item == "opinions")
        v.set_opinions_confirmed(true);
      else
        return Usage();
    }
    if (auto st = c_->VerifyVisit(args_.Get("--visit"), v); !st.ok()) return Fail(st);
    printf("verified %s: %s (syncs with the next sync)\n", args_.Get("--visit").c_str(),
           args_.Get("--said").c_str());
    return 0;
  }
  int StepTask() {
    static const std::map<std::string, gridsync::v1::TaskAction> kSteps = {
        {"accept", gridsync::v1::TASK_ACTION_ACCEPT},
        {"done", gridsync::v1::TASK_ACTION_REPORT_DONE},
        {"confirm", gridsync::v1::TASK_ACTION_CONFIRM},
        {"send-back", gridsync::v1::TASK_ACTION_SEND_BACK}};
    const auto step = kSteps.find(args_.Get("--step"));
    if (step == kSteps.end()) return Usage();
    if (auto st = c_->StepTask(args_.Get("--id"), step->second, args_.Get("--note")); !st.ok()) {
      return Fail(st);
    }
    printf("%s %s (syncs with the next sync)\n", args_.Get("--step").c_str(),
           args_.Get("--id").c_str());
    return 0;
  }
  // The grid a village's record goes in: --grid, the device's grid, else
  // the first grid of its village the phone holds households of.
  absl::StatusOr<std::string> ScreeningGrid() const {
    if (args_.Has("--grid")) return args_.Get("--grid");
    auto scope = Scope();
    if (!scope.ok() || core::IsGridCode(*scope)) return scope;
    return FirstGridOf(*scope);
  }
  // The first grid of `village` the phone holds households of.
  absl::StatusOr<std::string> FirstGridOf(const std::string& village) const {
    auto households = c_->ListHouseholds(village, "", 0, 1);
    if (!households.ok()) return households.status();
    if (households->households().empty())
      return absl::FailedPreconditionError(
          absl::StrCat(village, " has no households on this phone: give --grid CODE"));
    return households->households(0).household().grid_code();
  }

  int Propose(const std::string& what) {
    gridsync::v1::RegistryProposal p;
    p.set_reason(args_.Get("--reason"));
    std::string grid;
    if (what == "new-household") {
      p.set_action(gridsync::v1::PROPOSAL_ACTION_NEW_HOUSEHOLD);
      p.set_head_name(args_.Get("--head"));
      p.set_address(args_.Get("--address"));
      grid = args_.Get("--grid");
    } else if (what == "moved-out" || what == "empty" || what == "correct" ||
               what == "new-person") {
      p.set_action(what == "moved-out" ? gridsync::v1::PROPOSAL_ACTION_MOVED_OUT
                   : what == "empty"   ? gridsync::v1::PROPOSAL_ACTION_EMPTY
                   : what == "correct" ? gridsync::v1::PROPOSAL_ACTION_CORRECT_HOUSEHOLD
                                       : gridsync::v1::PROPOSAL_ACTION_NEW_PERSON);
      p.set_household_id(args_.Get("--household"));
      p.set_head_name(args_.Get("--head"));
      p.set_address(args_.Get("--address"));
      p.set_name(args_.Get("--name"));
      p.set_guardian(args_.Get("--guardian"));
      if (what == "new-person") {
        gridsync::v1::PersonCategory category;
        if (!ParsePersonCategory(args_.Get("--category"), &category)) {
          return Fail(absl::InvalidArgumentError(
              absl::StrCat("--category '", args_.Get("--category"), "' is not one of ",
                           PersonCategoryChoices())));
        }
        p.set_category(category);
        int risk = 0;
        if (!absl::SimpleAtoi(args_.Get("--risk", "0"), &risk)) return Usage();
        p.set_risk_level(risk);
      }
    } else if (what == "person") {
      p.set_action(gridsync::v1::PROPOSAL_ACTION_PERSON_CHANGE);
      p.set_person_id(args_.Get("--person"));
      p.set_household_id(p.person_id().substr(0, core::kHouseholdIdLen));
      p.set_guardian(args_.Get("--guardian"));
      p.set_contact_lost(args_.Has("--contact-lost"));
      p.set_moved_away(args_.Has("--moved-away"));
    } else {
      return Usage();
    }
    if (grid.empty()) grid = p.household_id().substr(0, core::kGridCodeLen);
    auto id = c_->Propose(grid, p);
    if (!id.ok()) return Fail(id.status());
    printf("%s\n", id->c_str());
    return 0;
  }

  int Households(const std::string& scope) {
    const int limit = args_.Has("--all") ? 1000 : 100;
    gridsync::v1::HouseholdList all;
    for (int offset = 0;; offset += limit) {  // bounded: pages of a finite registry
      auto page = c_->ListHouseholds(scope, args_.Get("--month"), offset, limit);
      if (!page.ok()) return Fail(page.status());
      const int got = page->households_size();
      if (offset == 0) {
        all = std::move(*page);
      } else {
        for (auto& h : *page->mutable_households()) *all.add_households() = std::move(h);
      }
      if (!args_.Has("--all") || got < limit) break;
    }
    return Print(absl::StatusOr<gridsync::v1::HouseholdList>(std::move(all)), HouseholdsText);
  }

  int Due(const std::string& scope) {
    int within = 7;
    if (args_.Has("--within") && !absl::SimpleAtoi(args_.Get("--within"), &within)) return Usage();
    return Print(c_->ListDueChecks(scope, within, 0, 1000), DueChecksText);
  }

  int Coverage(const std::string& scope) {
    auto c = c_->GetCoverage(scope, args_.Get("--month"));
    if (!c.ok()) return Fail(c.status());
    if (args_.Has("--json")) {
      printf("%s\n", StableJson(*c).c_str());
      return 0;
    }
    std::map<std::string, std::string> names;
    for (const auto& u : c_->OrgUnits()) names[u.code()] = u.name();
    printf("%s", CoverageText(*c, names).c_str());
    return 0;
  }

  std::unique_ptr<sdk::Client> c_;
  const Args& args_;
};

}  // namespace
}  // namespace gridsync::tools

int main(int argc, char** argv) {
  using namespace gridsync::tools;
  const Args args = ParseArgs(argc, argv, Flags());
  if (!args.error.empty()) return UsageError(Flags(), args.error);
  if (args.positional.empty() || args.positional.size() > 2 || !args.Has("--data") ||
      !args.Has("--server") || !args.Has("--device") || !args.Has("--token-file")) {
    return UsageError(Flags(), "--data, --server, --device, --token-file and a command are needed");
  }
  auto token = ReadTokenFile(args.Get("--token-file"));
  if (!token.ok()) return Fail(token.status());
  gridsync::sdk::ClientOptions o;
  o.data_dir = args.Get("--data");
  o.server_address = args.Get("--server");
  o.device_id = args.Get("--device");
  o.token = *token;
  o.holder = args.Get("--holder");
  if (args.Has("--tls-ca")) {
    auto roots = ReadPem(args.Get("--tls-ca"), "--tls-ca");
    if (!roots.ok()) return Fail(roots.status());
    o.tls_root_certs = std::move(*roots);
  }
  if (args.Has("--upload-chunk-kb")) {
    int kb = 0;
    if (!absl::SimpleAtoi(args.Get("--upload-chunk-kb"), &kb) || kb < 16 || kb > 1024) {
      fprintf(stderr, "gridsync-phone: --upload-chunk-kb is 16..1024\n");
      return Usage();
    }
    o.upload_chunk_bytes = kb << 10;
  }
  if (args.Has("--key-file")) {
    auto key = ReadKeyFile(args.Get("--key-file"), "--key-file");
    if (!key.ok()) return Fail(key.status());
    o.replica_key = std::move(*key);
  }
  if (args.positional[0] == "rekey") {
    if (!args.Has("--key-file") || !args.Has("--new-key-file")) return Usage();
    auto next = ReadKeyFile(args.Get("--new-key-file"), "--new-key-file");
    if (!next.ok()) return Fail(next.status());
    if (auto st = gridsync::sdk::Client::Rekey(o.data_dir, o.replica_key, *next); !st.ok()) {
      return Fail(st);
    }
    printf("the replica in %s is encrypted under the new key\n", o.data_dir.c_str());
    return 0;
  }
  auto client = gridsync::sdk::Client::Open(o);
  if (!client.ok()) return Fail(client.status());
  PhoneCli cli(std::move(*client), args);
  return cli.Run(args.positional[0]);
}
