#pragma once
// The incident block of `tma summary`: per client and calendar month, counts by severity, mean
// times to acknowledge and resolve, SLA targets met and breached, downtime and uptime. Pure.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/incident/incident.hpp>

namespace tma::incident {

struct MonthStats {
  int total = 0;                      ///< incidents opened in the month
  int critical = 0, major = 0, minor = 0;
  int open = 0;                       ///< of those, not resolved (as of `now`)
  std::optional<Seconds> mtta;        ///< mean time to acknowledge (first response), wall-clock
  std::optional<Seconds> mttr;        ///< mean time to resolve, wall-clock
  int respond_met = 0, respond_breached = 0;
  int resolve_met = 0, resolve_breached = 0;
  int at_risk = 0;                    ///< targets still running with < 25 % left
  Seconds downtime{0};                ///< measured outages inside the month, per site merged, summed
  Seconds observed{0};                ///< month length (up to `now` for the current month) x sites
  std::optional<double> uptime_percent; ///< 100 x (1 - downtime / observed); unset without sites
  bool empty() const { return total == 0 && downtime.count() == 0; }
};

/// The stats of `client` for incidents opened in [`from`, `to`) and outages within it, from
/// `incidents` (all of them; those of other clients are ignored) as seen at `now`. SLA targets
/// come from the client's contract in `inventory`; uptime is over the client's sites there.
MonthStats period_stats(const std::vector<Incident>& incidents, const std::string& client,
                        const inventory::Inventory& inventory, const core::TimeZone& zone, SysSeconds from,
                        SysSeconds to, SysSeconds now);

/// The stats of `client` for the calendar month `year`-`month` in `zone`, from `incidents`
/// (all of them; those of other clients are ignored) as seen at `now`. SLA targets come from the
/// client's contract in `inventory`; uptime is over the client's sites in `inventory`.
MonthStats month_stats(const std::vector<Incident>& incidents, const std::string& client,
                       const inventory::Inventory& inventory, const core::TimeZone& zone, int year, unsigned month,
                       SysSeconds now);

/// `{total, by_severity: {critical, major, minor}, open, mtta_seconds, mttr_seconds,
/// sla: {respond: {met, breached}, resolve: {met, breached}, at_risk}, downtime_seconds, uptime_percent}`.
nlohmann::json to_json(const MonthStats& stats);

/// Two indented lines for the summary text (`    by severity: ...`, `    MTTA ... uptime 99.95 %`).
std::string render(const MonthStats& stats);

} // namespace tma::incident
