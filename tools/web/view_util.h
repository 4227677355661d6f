// What the console's pages share (tools/web/views.cc, notices.cc): text of
// figures and dates, links, a figure's cell with its counts, and calls to
// gridsyncd under the account's token.
#ifndef GRIDSYNC_TOOLS_WEB_VIEW_UTIL_H_
#define GRIDSYNC_TOOLS_WEB_VIEW_UTIL_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/grpc_status.h"
#include "gridsync/v1/coverage_service.grpc.pb.h"
#include "tools/common/client.h"
#include "tools/web/office.h"

namespace gridsync::web {

using Params = std::map<std::string, std::string>;

// &, <, >, " and ' as entities.
std::string HtmlEscape(const std::string& s);
// `p[k]`, or "".
std::string Get(const Params& p, const std::string& k);
// "YYYY-MM" of `params["month"]`, else the current month (China time);
// INVALID_ARGUMENT for anything else.
absl::StatusOr<std::string> MonthParam(const Params& params);

std::string Pct(const std::optional<double>& r);  // "93.5%", "—" when absent
std::string Date(int64_t ms);                     // "2026-11-03" (China time), "从未" for 0
std::string DateTime(int64_t ms);                 // "2026-11-03 20:15", "—" for 0

// A figure's cell: its rate, its counts (data-num, data-den) for checking,
// below 100% marked.
std::string FigureCell(const char* fig, int64_t num, int64_t den);
// The counts of each figure the console shows, as core/assessment.h
// defines the rate of each.
struct FigureCounts {
  const char* key;   // "visit"
  const char* name;  // "入户率"
  int64_t num, den;
};
std::vector<FigureCounts> CountsOf(const gridsync::v1::GetCoverageResponse& c);
std::string FigureHeads();                                            // <th> of each
std::string FigureCells(const gridsync::v1::GetCoverageResponse& c);  // <td> of each
std::string Score(const std::optional<double>& s);                    // "93.5", "—"
// "+2.5" or "-0.3" in a span marked up or down; "—" without both.
std::string Change(const std::optional<double>& now, const std::optional<double>& before);

std::string UnitLink(const std::string& code, const std::string& name, const std::string& month);
std::string RecordLink(const std::string& id, const std::string& text);
// A box that filters the rows of table `table` as one types.
std::string FilterBox(const std::string& table);
// A month picker that goes to `route` with `extra` parameters.
std::string MonthBar(const std::string& route, const std::string& month, const std::string& extra);

gridsync::v1::Period MonthPeriod(const std::string& month);
// A CoverageService call under the account's token.
template <typename Req, typename Resp, typename Fn>
absl::StatusOr<Resp> Ask(Office& o, Fn fn, const Req& req) {
  auto stub = gridsync::v1::CoverageService::NewStub(o.channel());
  auto ctx = tools::CallContext(o.token(), std::chrono::seconds(30));
  Resp resp;
  auto st = ((*stub).*fn)(ctx.get(), req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp;
}

absl::StatusOr<gridsync::v1::GetCoverageResponse> CoverageOf(Office& o, const std::string& code,
                                                             const gridsync::v1::Period& period);
// The county's policy (patrols a week, the questionnaire's quota).
absl::StatusOr<gridsync::v1::CheckPolicy> PolicyOf(Office& o);

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_VIEW_UTIL_H_
