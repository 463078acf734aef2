#include <tma/contract/summary.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <unordered_map>

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
  // Clients grouped by how far back their accounting reads (an hour bank: back to its oldest
  // pack; a subscription: the period only), one journal scan per group: a month-end run over every
  // client then decodes a year of entries only for the hour-bank clients, not for all of them.
  std::map<Date, std::vector<std::string>> groups;
  for (const auto* client : clients) groups[std::min(period.from, earliest_relevant(*client, period))].push_back(client->id);
  LoadedEntries all;
  for (auto& [earliest, ids] : groups) {
    EntryQuery query;
    query.earliest = earliest;
    // One group of many clients is every client asked for: no filter to test each event against.
    if (groups.size() > 1 || ids.size() <= k_client_filter_limit) query.clients = std::move(ids);
    auto loaded = load_entries(journal, query, zone);
    if (!loaded) return tl::unexpected(loaded.error());
    if (all.entries.empty() && all.problems.empty()) {
      all = std::move(*loaded);
      continue;
    }
    // A client is in one group only, so each keeps its entries in order.
    all.entries.reserve(all.entries.size() + loaded->entries.size());
    std::move(loaded->entries.begin(), loaded->entries.end(), std::back_inserter(all.entries));
    std::move(loaded->problems.begin(), loaded->problems.end(), std::back_inserter(all.problems));
  }
  // Split once by client rather than letting every summary walk every entry.
  // Positions by client, then one client's entries at a time: never two copies of a year's entries.
  std::unordered_map<std::string, std::vector<std::size_t>> by_client;
  for (std::size_t i = 0; i < all.entries.size(); ++i) by_client[all.entries[i].client].push_back(i);
  for (std::size_t c = 0; c < clients.size(); ++c) {
    const auto* client = clients[c];
    // Moved out for the client's last mention, copied for an earlier one (asked twice).
    bool again = std::any_of(clients.begin() + static_cast<std::ptrdiff_t>(c) + 1, clients.end(),
                             [&](const inventory::Client* other) { return other->id == client->id; });
    std::vector<TimeEntry> own;
    if (auto found = by_client.find(client->id); found != by_client.end()) {
      own.reserve(found->second.size());
      for (auto i : found->second) {
        if (again) own.push_back(all.entries[i]);
        else own.push_back(std::move(all.entries[i]));
      }
    }
    report.clients.push_back(summarize_client(*client, own, period));
  }
  report.problems = std::move(all.problems);
  return report;
}

core::Result<std::vector<IncidentLine>> load_incidents(const journal::Journal& journal, const std::string& client,
                                                       const Period& period, const core::TimeZone& zone) {
  // The incident module folds every incident.* event (ids after a sync clash, `--at` start
  // times, resolutions naming their opening event); this block only selects and flattens.
  auto all = incident::load_all(journal);
  if (!all) return tl::unexpected(all.error());
  auto from = zone.start_of_day(period.from);
  auto until = zone.start_of_day(add_days(period.to, 1));
  std::vector<IncidentLine> lines;
  for (const auto& i : *all) {
    if (i.client != client || i.opened < from || i.opened >= until) continue;
    lines.push_back(IncidentLine{i.id, i.site, std::string(inventory::to_string(i.severity)), i.title, i.opened, i.resolved});
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
  out["incident_stats"] = summary.incident_stats ? incident::to_json(*summary.incident_stats) : nlohmann::json(nullptr);
  out["request_stats"] = summary.request_stats ? request::to_json(*summary.request_stats) : nlohmann::json(nullptr);
  return out;
}

namespace {

std::string render_incidents(const ClientSummary& summary, const std::string& currency) {
  auto out = render_client_hours(summary.hours, currency);
  bool stats = summary.incident_stats && !summary.incident_stats->empty();
  if (summary.incidents.empty()) {
    out += "  incidents: none\n";
    return stats ? out + incident::render(*summary.incident_stats) : out;
  }
  out += fmt::format("  incidents: {}\n", summary.incidents.size());
  if (stats) out += incident::render(*summary.incident_stats);
  for (const auto& i : summary.incidents) {
    out += fmt::format("    {}  {}  {}  {}  {}{}\n", core::format_rfc3339_utc(i.opened), i.id,
                       i.severity.empty() ? "-" : i.severity, i.site.empty() ? "-" : i.site,
                       i.resolved ? "resolved " + core::format_rfc3339_utc(*i.resolved) : std::string("open"),
                       i.title.empty() ? "" : "  " + i.title);
  }
  return out;
}

} // namespace

std::string render_client_summary(const ClientSummary& summary, const std::string& currency) {
  auto out = render_incidents(summary, currency);
  if (summary.request_stats && !summary.request_stats->empty()) out += request::render(*summary.request_stats);
  return out;
}

} // namespace tma::contract
