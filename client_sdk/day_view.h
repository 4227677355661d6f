// The grid worker's and the secretary's day on the phone: the registry of
// the device's scope and what every record counts for (core/coverage.h),
// kept in memory so that the lists and the month's figures answer in
// microseconds offline. The counting is core/'s, as on the server, so that
// phone and server agree after a sync.
//
// Not thread-safe: the client holds its lock around every call.
#ifndef GRIDSYNC_CLIENT_SDK_DAY_VIEW_H_
#define GRIDSYNC_CLIENT_SDK_DAY_VIEW_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/coverage.h"
#include "core/coverage_builder.h"
#include "gridsync/v1/client_api.pb.h"
#include "gridsync/v1/coverage_service.pb.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::sdk {

class DayView {
 public:
  // A registry entry as the server sent it: replaces the one held.
  void PutRegistry(const gridsync::v1::RegistryChange& c);
  // What a record counts for now: `view` is the server's state with the
  // outbox replayed; nullptr when the phone no longer holds the record.
  void PutRecord(const std::string& record_id, const gridsync::v1::RecordState* view);

  bool HasUnit(const std::string& code) const { return units_.count(code) > 0; }
  std::vector<gridsync::v1::OrgUnit> Units() const;

  // Lists and figures of the org unit or grid `scope_code` (REQUIRES: a unit
  // the registry holds). Pages are [offset, offset + limit).
  gridsync::v1::HouseholdList Households(const std::string& scope_code, int64_t from_ms,
                                         int64_t to_ms, int offset, int limit) const;
  // Persons needing attention at `now_ms`, and those due within
  // `within_days` days.
  gridsync::v1::DueCheckList DueChecks(const std::string& scope_code, int64_t now_ms,
                                       int within_days, int offset, int limit) const;
  gridsync::v1::CaseList Cases(const std::string& scope_code, int64_t now_ms, int offset,
                               int limit) const;
  // The town office's tasks (督办) as core::TaskListOf lists them at `now_ms`.
  gridsync::v1::ListTasksResponse Tasks(const std::string& scope_code, int64_t now_ms,
                                        bool open_only, int offset, int limit) const;
  gridsync::v1::GetCoverageResponse GetCoverage(const std::string& scope_code,
                                                const core::ResolvedPeriod& period) const;
  gridsync::v1::ProposalList Proposals(const std::string& scope_code, bool pending_only, int offset,
                                       int limit) const;
  // Questionnaire forms the server published, newest first (the first is
  // the one to ask with).
  std::vector<gridsync::v1::SurveyForm> SurveyForms() const;

 private:
  using At = std::pair<int64_t, std::string>;  // (time, record id)
  struct Counted {
    core::CoverageMarks marks;
    std::optional<core::VisitMark> nobody_home;
  };
  void Index(const std::string& record_id, const Counted& c, int delta);
  const gridsync::v1::CheckPolicy& Policy() const;
  // Every person under `prefix` evaluated at `as_of_ms`.
  std::vector<core::PersonDue> Persons(const std::string& prefix, int64_t as_of_ms) const;
  // GetCoverage's steps.
  void AddVisits(const core::ResolvedPeriod& q, core::CoverageBuilder* b) const;
  void AddPatrols(core::CoverageBuilder* b) const;

  std::map<std::string, gridsync::v1::OrgUnit> units_;
  std::map<std::string, gridsync::v1::Household> households_;
  std::map<std::string, gridsync::v1::SupervisedPerson> persons_;
  std::optional<gridsync::v1::CheckPolicy> policy_;
  gridsync::v1::CheckPolicy default_policy_ = core::DefaultCheckPolicy();

  std::unordered_map<std::string, Counted> counted_;         // by record id
  std::map<std::string, std::map<At, std::string>> visits_;  // household -> worker
  std::set<std::string> photo_visits_;  // counting visits with an attachment (record ids)
  std::map<std::string, std::map<At, std::string>> attempts_;    // nobody home
  std::map<std::string, std::map<At, core::CheckMark>> checks_;  // person -> check
  std::map<std::string, gridsync::v1::CaseSummary> cases_;       // record id -> case
  std::map<std::string, gridsync::v1::ProposalItem> proposals_;  // record id -> proposal
  std::map<std::string, std::map<At, bool>> patrols_;  // grid -> patrol starts -> police on it
  std::map<std::string, std::map<At, core::SurveyMark>> surveys_;  // grid -> questionnaire
  // grid -> (month yyyymm, record) -> screening report (排查上报)
  std::map<std::string, std::map<At, core::ScreeningMark>> screenings_;
  // grid -> (found, record) -> trouble spot (排查整治)
  std::map<std::string, std::map<At, core::TroubleSpotMark>> trouble_spots_;
  std::map<std::string, gridsync::v1::TaskItem> tasks_;  // record id -> task (督办)
  // grid -> (visited at, record) -> verified visit (复查)
  std::map<std::string, std::map<At, core::VerifyMark>> verifications_;
  std::map<std::string, gridsync::v1::SurveyForm> forms_;  // version -> form
  std::map<std::string, gridsync::v1::Cadre> cadres_;      // device id -> roster entry
};

}  // namespace gridsync::sdk

#endif  // GRIDSYNC_CLIENT_SDK_DAY_VIEW_H_
