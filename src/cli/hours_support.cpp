#include "cli/hours_support.hpp"

#include <fmt/format.h>

#include <tma/core/error.hpp>

namespace tma::cli {

void add_period_options(CLI::App& command, PeriodOptions& options, MonthRequired required) {
  auto* month = command.add_option("--month,-m", options.month, "Calendar month YYYY-MM in the agency's time zone")
                    ->type_name("YYYY-MM");
  if (required == MonthRequired::yes) {
    month->required();
    return;
  }
  auto* from = command.add_option("--from", options.from, "First day YYYY-MM-DD (with --to)")->type_name("DATE");
  auto* to = command.add_option("--to", options.to, "Last day YYYY-MM-DD, inclusive (with --from)")->type_name("DATE");
  from->excludes(month)->needs(to);
  to->excludes(month)->needs(from);
}

contract::Period resolve_period(const PeriodOptions& options, const core::TimeZone& zone, core::SysSeconds now) {
  if (options.month) {
    auto period = contract::parse_month(*options.month);
    if (!period) throw core::UsageError("--month: " + period.error());
    return *period;
  }
  if (options.from && options.to) {
    auto from = core::parse_date(*options.from);
    if (!from) throw core::UsageError("--from: " + from.error());
    auto to = core::parse_date(*options.to);
    if (!to) throw core::UsageError("--to: " + to.error());
    auto period = contract::make_range(*from, *to);
    if (!period) throw core::UsageError(period.error());
    return *period;
  }
  return contract::month_of(zone.local_date(now));
}

} // namespace tma::cli
