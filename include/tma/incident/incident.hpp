#pragma once
// Incidents as journal events (docs/incidents.md). Nothing is stored besides the events
// `incident.opened|acknowledged|noted|resolved|reopened`; an incident's state is folded from them,
// so two machines that sync their journals agree on every incident.
//
// Ids are `INC-YYYY-NNNN` (agency-local year of opening, number = highest of that year + 1, read
// from the journal just before the opening event is committed). Two machines that open incidents
// before syncing can pick the same number: every follow-up event also names the opening event's
// journal id (`data.opened_event`, globally unique), and readers give the number to the incident
// opened first (by time, then event id); the other one is shown as `INC-YYYY-NNNN-<4 hex of its run>`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/incident/sla.hpp>
#include <tma/inventory/model.hpp>
#include <tma/journal/journal.hpp>

namespace tma::incident {

using inventory::Criticality;

/// Journal event types.
inline constexpr std::string_view k_opened = "incident.opened";
inline constexpr std::string_view k_acknowledged = "incident.acknowledged";
inline constexpr std::string_view k_noted = "incident.noted";
inline constexpr std::string_view k_resolved = "incident.resolved";
inline constexpr std::string_view k_reopened = "incident.reopened";

/// Who opened an incident.
enum class Source { manual, monitoring, update };
std::string_view to_string(Source source);

/// `critical|major|minor` -> Criticality; nullopt otherwise.
std::optional<Criticality> parse_severity(std::string_view text);

/// A measured period of downtime (monitoring incidents); `end` unset while still down.
struct Outage {
  SysSeconds start{};
  std::optional<SysSeconds> end;
};

struct Note {
  SysSeconds at{};
  std::string actor;
  std::string text;
};

/// An incident as derived from its events.
struct Incident {
  std::string id;            ///< display id, `INC-2026-0042` (suffixed on a clash, see above)
  std::string number;        ///< the allocated `INC-YYYY-NNNN`, as written in the events
  std::string opened_event;  ///< journal id of the `incident.opened` event: the true key
  std::string site, env, client;
  Criticality severity = Criticality::major;
  std::string title;
  std::string ticket;
  std::string request;       ///< the client request it is linked to (`REQ-YYYY-NNNN`), empty if none
  Source source = Source::manual;
  std::string problem;       ///< monitoring: what is wrong (`health`); one open incident per site+problem
  std::string run;           ///< update: the run attached
  SysSeconds opened{};       ///< when the problem started (`--at`, or first failed check)
  std::optional<SysSeconds> acknowledged;
  std::optional<SysSeconds> resolved; ///< unset while open (also after a reopen)
  std::string cause;
  Seconds downtime{0};       ///< monitoring: measured downtime, summed over reopenings
  std::vector<Outage> outages; ///< monitoring: each down period (closed ones from the resolutions)
  std::vector<Note> notes;
  std::string opened_by;
  bool is_open() const { return !resolved.has_value(); }
  /// An incident of an environment other than prod (a preprod outage): the agency's own business.
  /// Its priority reads `internal`; it has no SLA, is never sent to a client or a client's tracker,
  /// and is no downtime (the severity is kept, for the agency's own routing).
  bool internal() const { return !env.empty() && env != "prod"; }
  /// The first response: the earlier of the acknowledgement and the resolution (resolving without
  /// acknowledging is also a response), unset while neither happened.
  std::optional<SysSeconds> first_response() const;
};

/// Fold `events` (any order, any types; non-incident events are ignored) into incidents, by
/// start time (`opened`), applying the clash rule above. Events that name an unknown incident are skipped.
std::vector<Incident> fold(const std::vector<journal::Event>& events);

/// Every incident in `journal` (all `incident.*` events are read).
core::Result<std::vector<Incident>> load_all(const journal::Journal& journal);

/// The incident `id` in `incidents`: an exact display id, or an allocated number when it names one
/// incident. Fails (usage) naming the candidates on a clash, or "no incident" otherwise.
core::Result<Incident> find(const std::vector<Incident>& incidents, std::string_view id);

/// The next number for an incident opened at `opened` in `zone`: `INC-YYYY-NNNN`, one more than
/// the highest of that year in `incidents`.
std::string next_number(const std::vector<Incident>& incidents, SysSeconds opened, const core::TimeZone& zone);

/// What `open` needs.
struct OpenRequest {
  std::string site, env, client;
  Criticality severity = Criticality::major;
  std::string title;
  std::string ticket;
  std::string request;          ///< a client request's id to link (checked by the caller)
  std::optional<SysSeconds> at; ///< when it started; default: now
  Source source = Source::manual;
  std::string problem;
  std::string run;
  nlohmann::json extra = nlohmann::json::object(); ///< merged into the event's data
};

/// Open an incident: allocate its number from `journal` and record `incident.opened` in `run`,
/// then flush `run` at once so the number is taken in the journal as early as possible. Fails
/// (usage) on an empty title or a time in the future.
core::Result<Incident> open(journal::Journal& journal, journal::Run& run, const OpenRequest& request,
                            const core::TimeZone& zone);

/// Record an acknowledgement of `incident` at `at` (default now). Fails (usage) when it is
/// resolved or already acknowledged, or when that time is before the opening (the message names the
/// incident and both instants).
core::Result<journal::Event> acknowledge(journal::Run& run, const Incident& incident, std::optional<SysSeconds> at);

/// Record a note on `incident`. Fails (usage) on empty text.
core::Result<journal::Event> note(journal::Run& run, const Incident& incident, const std::string& text);

/// Record the resolution of `incident` at `at` (default now) with `cause` and, for monitoring
/// incidents, the `downtime` measured. Fails (usage) when already resolved or when that time is
/// before the opening or before the acknowledgement (the message names the incident and both instants).
core::Result<journal::Event> resolve(journal::Run& run, const Incident& incident, const std::string& cause,
                                     std::optional<SysSeconds> at, std::optional<Seconds> downtime = std::nullopt);

/// Record that a resolved monitoring incident is down again since `down_since` (flap protection).
journal::Event reopen(journal::Run& run, const Incident& incident, const std::string& reason, SysSeconds down_since);

/// Time to acknowledge / resolve, and the SLA of the client's contract for the severity. Never
/// negative (see `elapsed`).
struct Timing {
  std::optional<Seconds> to_acknowledge; ///< wall-clock
  std::optional<Seconds> to_resolve;     ///< wall-clock
  std::optional<SlaCheck> respond;       ///< unset when the contract has no target
  std::optional<SlaCheck> resolve;
};

/// `internal` for an internal incident, else its severity (`critical`, `major`, `minor`).
std::string priority_of(const Incident& incident);

/// Evaluate `incident` against its client's SLA in `inventory` (clock from `agency`) at `now`.
/// Internal incidents have no SLA: only the elapsed times are set.
Timing timing(const Incident& incident, const inventory::Inventory& inventory, const core::TimeZone& zone,
              SysSeconds now);

/// `{id, site, env, client, severity, priority, internal, title, ticket, request, source, status, opened_at, acknowledged_at,
/// resolved_at, cause, downtime_seconds, time_to_acknowledge_seconds, time_to_resolve_seconds,
/// sla: {respond, resolve}: {status, budget_seconds, used_seconds, deadline}, notes}`.
nlohmann::json to_json(const Incident& incident, const Timing& timing);

/// `open`, `acknowledged` or `resolved`.
std::string_view status_of(const Incident& incident);

} // namespace tma::incident
