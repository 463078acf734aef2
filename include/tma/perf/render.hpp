#pragma once
// `tma perf` output: the table with findings underneath, and the JSON payload (docs/perf.md).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/perf/audit.hpp>
#include <tma/report/output.hpp>

namespace tma::perf {

/// Version of the JSON document; wrap the payload with report::envelope(k_perf_schema, ...).
inline constexpr int k_perf_schema = 1;

/// One row per page: SITE ENV URL STATUS HTTP TTFB TOTAL WEIGHT REQUESTS [TTFB VS MEDIAN, WEIGHT VS
/// MEDIAN when `with_trend`] FINDINGS.
report::Table pages_table(const std::vector<TargetResult>& targets, bool with_trend = false);
/// The table, then one line per finding, then the count line.
std::string render_table(const std::vector<TargetResult>& targets, bool colour, bool with_trend = false);
/// `{command: "perf", summary, targets: [{site, env, status, pages: [...]}]}`.
nlohmann::json render_json_payload(const std::vector<TargetResult>& targets);
/// JUnit XML: a testsuite per target (`site/env`), a testcase per page; a page that could not be
/// audited is an `<error>` (type unreachable or failed), one with findings a `<failure>` when
/// `fail_on_findings` (else its findings go to `<system-out>`).
std::string render_junit(const std::vector<TargetResult>& targets, bool fail_on_findings);

} // namespace tma::perf
