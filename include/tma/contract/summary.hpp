#pragma once
// The month-end view: per client, the hours block (accounting.hpp) read from the journal, and the
// incidents of the period read from the journal's `incident.*` events. Used by `tma hours summary`
// and `tma summary`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/contract/accounting.hpp>
#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/incident/stats.hpp>
#include <tma/inventory/model.hpp>
#include <tma/journal/journal.hpp>
#include <tma/request/stats.hpp>

namespace tma::contract {

/// The journal event types the incident block reads (written by `tma incident`).
inline constexpr std::string_view k_incident_opened = "incident.opened";
inline constexpr std::string_view k_incident_resolved = "incident.resolved";

/// One incident of a client in a period.
struct IncidentLine {
  std::string id;       ///< `data.incident`, else the opening event's id
  std::string site;
  std::string severity; ///< `data.severity` (critical|major|minor), empty when not given
  std::string title;    ///< `data.title`
  core::SysSeconds opened{};
  std::optional<core::SysSeconds> resolved;
};

/// Hours of several clients over one period, plus the journal events that could not be read.
struct HoursReport {
  Period period;
  std::vector<ClientHours> clients; ///< in the order asked
  std::vector<std::string> problems;
};

/// Read the time entries `clients` need from `journal` (one scan) and summarize each for `period`,
/// with local dates in `zone`.
core::Result<HoursReport> hours_report(const journal::Journal& journal, const std::vector<const inventory::Client*>& clients,
                                       const Period& period, const core::TimeZone& zone);

/// The incidents of `client` opened in `period` (local days in `zone`), oldest first, with their
/// resolution time when a matching `incident.resolved` event exists.
core::Result<std::vector<IncidentLine>> load_incidents(const journal::Journal& journal, const std::string& client,
                                                       const Period& period, const core::TimeZone& zone);

/// One client in `tma summary`.
struct ClientSummary {
  ClientHours hours;
  std::vector<IncidentLine> incidents;
  /// Counts, MTTA/MTTR, SLA and uptime of the period (incident/stats.hpp), when computed.
  std::optional<incident::MonthStats> incident_stats;
  /// Requests opened and closed in the period, median response and resolution (request/stats.hpp).
  std::optional<request::PeriodStats> request_stats;
};

/// `{...client_hours_json, incidents: [{id, site, severity, title, opened_at, resolved_at}],
/// incident_stats: incident::to_json(stats) or null, request_stats: request::to_json(stats) or null}`.
nlohmann::json client_summary_json(const ClientSummary& summary);

/// The hours block followed by the incident block (`incidents: none` when empty), with the
/// stats lines when there is something to count (incidents or downtime), then the requests line
/// when requests were opened or closed in the period.
std::string render_client_summary(const ClientSummary& summary, const std::string& currency);

} // namespace tma::contract
