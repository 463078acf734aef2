#include <tma/incident/stats.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <tma/core/checked.hpp>

namespace tma::incident {

namespace {

using Interval = std::pair<SysSeconds, SysSeconds>;

// Outages of one site may overlap (two problems at once): count wall-clock time once.
Seconds merged_length(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end());
  Seconds total{0};
  std::optional<Interval> current;
  for (const auto& i : intervals) {
    if (current && i.first <= current->second) {
      current->second = std::max(current->second, i.second);
      continue;
    }
    if (current) core::add_to(total, elapsed(current->first, current->second), "the downtime");
    current = i;
  }
  if (current) core::add_to(total, elapsed(current->first, current->second), "the downtime");
  return total;
}

std::optional<Seconds> mean(const std::vector<Seconds>& values) {
  if (values.empty()) return std::nullopt;
  Seconds sum{0};
  for (auto v : values) core::add_to(sum, v, "the incident durations");
  return Seconds{sum.count() / static_cast<long long>(values.size())};
}

void count(const std::optional<SlaCheck>& check, int& met, int& breached, int& at_risk) {
  if (!check) return;
  if (check->status == SlaStatus::met) ++met;
  if (check->status == SlaStatus::breached) ++breached;
  if (check->status == SlaStatus::at_risk) ++at_risk;
}

} // namespace

MonthStats month_stats(const std::vector<Incident>& incidents, const std::string& client,
                       const inventory::Inventory& inventory, const core::TimeZone& zone, int year, unsigned month,
                       SysSeconds now) {
  return period_stats(incidents, client, inventory, zone, zone.start_of_month(year, month),
                      zone.start_of_month(year, month + 1), now);
}

MonthStats period_stats(const std::vector<Incident>& incidents, const std::string& client,
                        const inventory::Inventory& inventory, const core::TimeZone& zone, SysSeconds from,
                        SysSeconds to, SysSeconds now) {
  MonthStats stats;
  auto horizon = std::min(to, std::max(from, now));
  std::vector<Seconds> acks;
  std::vector<Seconds> resolutions;
  std::map<std::string, std::vector<Interval>> outages; // by site
  for (const auto& i : incidents) {
    if (i.client != client) continue;
    // Uptime is a promise about prod: outages of another environment are counted as incidents, not
    // as downtime (an incident without an environment is about the site as a whole).
    const bool prod = i.env.empty() || i.env == "prod";
    for (const auto& o : prod ? i.outages : std::vector<Outage>{}) {
      auto lo = std::max(o.start, from);
      auto hi = std::min(o.end.value_or(horizon), horizon);
      if (hi > lo) outages[i.site].emplace_back(lo, hi);
    }
    if (i.opened < from || i.opened >= to) continue;
    ++stats.total;
    if (i.severity == Criticality::critical) ++stats.critical;
    if (i.severity == Criticality::major) ++stats.major;
    if (i.severity == Criticality::minor) ++stats.minor;
    if (i.is_open()) ++stats.open;
    auto t = timing(i, inventory, zone, now);
    if (auto responded = i.first_response()) acks.push_back(elapsed(i.opened, *responded));
    if (t.to_resolve) resolutions.push_back(*t.to_resolve);
    count(t.respond, stats.respond_met, stats.respond_breached, stats.at_risk);
    count(t.resolve, stats.resolve_met, stats.resolve_breached, stats.at_risk);
  }
  stats.mtta = mean(acks);
  stats.mttr = mean(resolutions);
  for (const auto& [site, intervals] : outages) core::add_to(stats.downtime, merged_length(intervals), "the downtime");
  long long sites = std::count_if(inventory.sites.begin(), inventory.sites.end(), [&](const inventory::Site& s) {
    return s.client == client && (s.environments.empty() || s.env("prod") != nullptr);
  });
  stats.observed = core::checked_mul(elapsed(from, horizon), sites, "the time observed");
  if (stats.observed.count() > 0) {
    stats.uptime_percent = 100.0 * (1.0 - static_cast<double>(stats.downtime.count()) / static_cast<double>(stats.observed.count()));
  }
  return stats;
}

nlohmann::json to_json(const MonthStats& s) {
  auto seconds = [](const std::optional<Seconds>& v) { return v ? nlohmann::json(v->count()) : nlohmann::json(nullptr); };
  return {{"total", s.total},
          {"by_severity", {{"critical", s.critical}, {"major", s.major}, {"minor", s.minor}}},
          {"open", s.open},
          {"mtta_seconds", seconds(s.mtta)},
          {"mttr_seconds", seconds(s.mttr)},
          {"sla",
           {{"respond", {{"met", s.respond_met}, {"breached", s.respond_breached}}},
            {"resolve", {{"met", s.resolve_met}, {"breached", s.resolve_breached}}},
            {"at_risk", s.at_risk}}},
          {"downtime_seconds", s.downtime.count()},
          {"uptime_percent", s.uptime_percent ? nlohmann::json(*s.uptime_percent) : nlohmann::json(nullptr)}};
}

std::string render(const MonthStats& s) {
  auto duration = [](const std::optional<Seconds>& v) { return v ? core::format_duration(*v) : std::string("-"); };
  std::string out = fmt::format("    by severity: {} critical, {} major, {} minor ({} open)\n", s.critical, s.major,
                                s.minor, s.open);
  out += fmt::format("    MTTA {}  MTTR {}  SLA respond {} met / {} breached, resolve {} met / {} breached{}\n",
                     duration(s.mtta), duration(s.mttr), s.respond_met, s.respond_breached, s.resolve_met,
                     s.resolve_breached, s.at_risk > 0 ? fmt::format(", {} at risk", s.at_risk) : "");
  out += fmt::format("    downtime {}  uptime {}\n", core::format_duration(s.downtime),
                     s.uptime_percent ? fmt::format("{:.3f} %", *s.uptime_percent) : std::string("-"));
  return out;
}

} // namespace tma::incident
