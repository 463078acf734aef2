#pragma once
// Trends of `tma perf` (docs/perf.md "Recording and trends"): `--record` writes one compact
// `perf.measured` event per target; `--compare PERIOD` reads those of the period back and compares
// this run's figures with their median, page by page. The judgement is pure; reading goes through
// the journal's scan API.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/journal/journal.hpp>
#include <tma/perf/audit.hpp>

namespace tma::perf {

inline constexpr const char* k_measured_event = "perf.measured";

/// The figures of one page that trends follow.
struct PageFigures {
  std::int64_t ttfb_ms = 0;
  std::int64_t total_ms = 0;
  std::int64_t bytes = 0;    ///< on the wire, the page and its assets (as the `page-weight` rule)
  std::int64_t requests = 0;
};

/// A page's figures; nullopt when it could not be audited (nothing to compare).
std::optional<PageFigures> figures_of(const PageResult& page);

/// The `data` of a target's `perf.measured` event (docs/journal.md).
nlohmann::json measured_event_data(const TargetResult& target);

/// The events a comparison reads: [since, until), until absent meaning now.
struct Period {
  core::SysSeconds since{};
  std::optional<core::SysSeconds> until;
};

/// `30d`, `12h` (a duration back from `now`) or a month `2026-11` (its first to its last day in
/// `zone`); anything else is an error naming the forms.
core::Result<Period> parse_period(std::string_view text, core::SysSeconds now, const core::TimeZone& zone);

/// Past figures by (site, env, page path).
using HistoryKey = std::tuple<std::string, std::string, std::string>;
using History = std::map<HistoryKey, std::vector<PageFigures>>;

/// Add the pages of one `perf.measured` event; entries without figures or of another shape are
/// skipped (an event written by hand or by a later tma must not stop a comparison).
void add_to_history(History& history, const journal::Event& event);

/// The `perf.measured` events of `period` about `sites`.
core::Result<History> read_history(const journal::Journal& journal, const Period& period,
                                   const std::vector<std::string>& sites);

/// The median of `values` (the lower middle's and upper middle's mean, rounded down, for an even
/// count); 0 for none.
std::int64_t median(std::vector<std::int64_t> values);

/// A metric regressed when it is above `ratio` times its median and above it by at least the
/// metric's floor (100 ms for times, 10 KiB for bytes, 5 requests), so that noise on tiny figures
/// is not a regression.
Trend judge(const std::vector<PageFigures>& past, const PageFigures& now, double ratio);

/// Set each page's trend from `history` and add a `regression` finding where a metric regressed;
/// the target's status is evaluated again. Pages without history or figures are left alone.
void apply_trends(TargetResult& target, const History& history, double ratio);

} // namespace tma::perf
