// Field work of the weeks before today, as the phones of a county would
// have synced it: a visit a month to nearly every household (some found
// nobody home and went back), checks of the supervised persons at their
// policy's intervals (some late), a few dispute cases a month per village,
// most resolved within their deadline and both parties followed up, some
// escalated, some still open; night patrols most weeks; the questionnaire
// asked at some visits. Every mutation is stamped when the work was
// done, so last month's figures are what they were at its end.
//
// How diligent each village is varies, so the monthly report has something
// to rank. Deterministic for a seed.
#ifndef GRIDSYNC_TOOLS_DEMO_DEMO_HISTORY_H_
#define GRIDSYNC_TOOLS_DEMO_DEMO_HISTORY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gridsync::tools {

struct HistoryOptions {
  std::shared_ptr<grpc::Channel> channel;
  std::string admin_token;
  std::vector<std::string> grids;  // each gets one worker's phone
  int64_t from_ms = 0;             // the first day of work (a month's start)
  int64_t until_ms = 0;            // work stops before this (today's work is the demo's)
  uint64_t seed = 1;
  std::string survey_form;  // the questionnaire's version; empty: none asked
};

struct HistoryReport {
  int64_t mutations = 0, visits = 0, nobody_home = 0, checks = 0, cases = 0;
  int64_t resolved = 0, escalated = 0, follow_ups = 0, patrols = 0, surveys = 0;
  int64_t town_resolved = 0;                 // of the escalated, resolved by the town
  int64_t old_cases = 0;                     // of the cases, carried over from before (积案)
  int64_t screenings = 0, zero_reports = 0;  // 排查上报, of which 零报告
  int64_t trouble_spots = 0, rectified = 0;  // 排查整治, of which rectified
  // 督办: tasks the town offices gave; confirmed done, and sent back
  int64_t tasks = 0, tasks_confirmed = 0, tasks_returned = 0;
  // 复查: sampled visits the town offices reached, of which found not made
  int64_t verified = 0, not_made = 0;
  // 干部参与率: cadres and party members enrolled, and their visits
  int64_t cadres = 0, cadre_visits = 0;
  double seconds = 0;
};

// The name of a grid's worker (generated, the same for every call).
std::string WorkerName(const std::string& grid);

// Enrols a worker for every grid and pushes its history. Fails on the first
// refusal (the history is valid by construction).
absl::StatusOr<HistoryReport> WriteHistory(const HistoryOptions& o);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_DEMO_DEMO_HISTORY_H_
