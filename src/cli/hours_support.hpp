#pragma once
// What `tma hours` and `tma summary` share: the period flags (--month, --from/--to). The journal and
// the agency's time zone come from cli/journal_access.hpp.

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <tma/contract/period.hpp>
#include <tma/core/timezone.hpp>
#include <tma/journal/journal.hpp>

#include "cli/common.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {

struct PeriodOptions {
  std::optional<std::string> month;
  std::optional<std::string> from;
  std::optional<std::string> to;
};

/// Add `--month YYYY-MM` and `--from D --to D` (exclusive with --month, each needing the other).
/// `required` makes --month mandatory and leaves out --from/--to.
enum class MonthRequired { yes, no };
void add_period_options(CLI::App& command, PeriodOptions& options, MonthRequired required);

/// The period the options name; the current month in `zone` at `now` when none was given. Throws
/// UsageError quoting a bad month or date.
contract::Period resolve_period(const PeriodOptions& options, const core::TimeZone& zone, core::SysSeconds now);

} // namespace tma::cli
