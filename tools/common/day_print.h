// How the tools print a scope's figures and the day's lists: for a person
// at a terminal, and as JSON for scripts. gridsyncctl (the server's answer)
// and gridsync-phone (the phone's) print the same shapes, so their outputs
// can be compared line for line.
#ifndef GRIDSYNC_TOOLS_COMMON_DAY_PRINT_H_
#define GRIDSYNC_TOOLS_COMMON_DAY_PRINT_H_

#include <map>
#include <string>

#include "gridsync/v1/client_api.pb.h"
#include "gridsync/v1/coverage_service.pb.h"

namespace gridsync::tools {

// "1 person", "2 persons".
std::string Count(int64_t n, const char* one, const char* many);

// Protobuf JSON with the .proto's field names and every field present
// (zeros too), one line: stable for scripts.
std::string StableJson(const google::protobuf::Message& m);

// `names`: org unit code -> name, for the headings (may be empty).
std::string CoverageText(const gridsync::v1::GetCoverageResponse& c,
                         const std::map<std::string, std::string>& names);
std::string HouseholdsText(const gridsync::v1::HouseholdList& l);
std::string DueChecksText(const gridsync::v1::DueCheckList& l);
std::string CasesText(const gridsync::v1::CaseList& l);
std::string ProposalsText(const gridsync::v1::ProposalList& l);
std::string TasksText(const gridsync::v1::ListTasksResponse& l);

// 督办: a task's state and category as the office and the village name them
// (待签收, 办理中, 待确认, 已办结, 退回重办; 隐患整改, 入户复访, ...).
const char* TaskStateName(gridsync::v1::TaskState s);
const char* TaskCategoryName(gridsync::v1::TaskCategory c);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_DAY_PRINT_H_
