#include <tma/contract/summary.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <tma/contract/record.hpp>
#include <tma/contract/render.hpp>

namespace tma::contract {
namespace {

constexpr std::size_t k_client_filter_limit = 8;

} // namespace

core::Result<HoursReport> hours_report(const journal::Journal& journal,
                                       const std::vector<const inventory::Client*>& clients, const Period& period,
                                       const core::TimeZone& zone) {
  HoursReport report;
  report.period = period;
  if (clients.empty()) return report;
  EntryQuery query;
  auto earliest = period.from;
  for (const auto* client : clients) earliest = std::min(earliest, earliest_relevant(*client, period));
  // The journal tests each line against every client id before parsing it: worth it for a few
  // clients, a loss for many (the month-end run over every client), which are sorted out below.
  if (clients.size() <= k_client_filter_limit) {
    for (const auto* client : clients) query.clients.push_back(client->id);
  }
  query.earliest = earliest;
  auto loaded = load_entries(journal, query, zone);
  if (!loaded) return tl::unexpected(loaded.error());
  // Split once by client rather than letting every summary walk every entry.
  std::map<std::string, std::vector<TimeEntry>> by_client;
  for (auto& entry : loaded->entries) by_client[entry.client].push_back(std::move(entry));
  for (const auto* client : clients) {
    auto found = by_client.find(client->id);
    static const std::vector<TimeEntry> k_none;
    report.clients.push_back(summarize_client(*client, found == by_client.end() ? k_none : found->second, period));
  }
  report.problems = std::move(loaded->problems);
  return report;
}

core::Result<std::vector<IncidentLine>> load_incidents(const journal::Journal& journal, const std::string& client,
                                                       const Period& period, const core::TimeZone& zone) {
  journal::Filter filter;
  filter.types = {std::string(k_incident_opened), std::string(k_incident_resolved)};
  filter.clients = {client};
  filter.since = zone.start_of_day(period.from);
  std::vector<IncidentLine> lines;
  std::map<std::string, core::SysSeconds> resolved;
  auto until = zone.start_of_day(add_days(period.to, 1));
  auto scanned = journal.scan(filter, [&](const journal::Event& event) {
    auto id = event.data.is_object() ? event.data.value("incident", event.id) : event.id;
    if (event.type == k_incident_resolved) {
      resolved[id] = event.at;
    } else if (event.at < until) {
      IncidentLine line{id, event.site, "", "", event.at, std::nullopt};
      if (event.data.is_object()) {
        line.severity = event.data.value("severity", "");
        line.title = event.data.value("title", "");
      }
      lines.push_back(std::move(line));
    }
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  for (auto& line : lines) {
    if (auto it = resolved.find(line.id); it != resolved.end()) line.resolved = it->second;
  }
  std::sort(lines.begin(), lines.end(),
            [](const IncidentLine& a, const IncidentLine& b) { return std::tie(a.opened, a.id) < std::tie(b.opened, b.id); });
  return lines;
}

nlohmann::json client_summary_json(const ClientSummary& summary) {
  auto out = client_hours_json(summary.hours);
  auto incidents = nlohmann::json::array();
  for (const auto& i : summary.incidents) {
    incidents.push_back({{"id", i.id},
                         {"site", i.site},
                         {"severity", i.severity},
                         {"title", i.title},
                         {"opened_at", core::format_rfc3339_utc(i.opened)},
                         {"resolved_at", i.resolved ? nlohmann::json(core::format_rfc3339_utc(*i.resolved))
                                                    : nlohmann::json(nullptr)}});
  }
  out["incidents"] = incidents;
  return out;
}

std::string render_client_summary(const ClientSummary& summary, const std::string& currency) {
  auto out = render_client_hours(summary.hours, currency);
  if (summary.incidents.empty()) return out + "  incidents: none\n";
  out += fmt::format("  incidents: {}\n", summary.incidents.size());
  for (const auto& i : summary.incidents) {
    out += fmt::format("    {}  {}  {}  {}  {}{}\n", core::format_rfc3339_utc(i.opened), i.id,
                       i.severity.empty() ? "-" : i.severity, i.site.empty() ? "-" : i.site,
                       i.resolved ? "resolved " + core::format_rfc3339_utc(*i.resolved) : std::string("open"),
                       i.title.empty() ? "" : "  " + i.title);
  }
  return out;
}

} // namespace tma::contract
