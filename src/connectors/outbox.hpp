#pragma once
// PRIVATE to src/connectors: the export half of a sync, the same for every tool (sync.hpp's outbox).
// The loop lives here: which incident events and hours are due, the attempt committed before any
// write, the look-up by marker after an attempt that has no acknowledgement, `connector.pushed`
// after. A tool only says how to find, create and change its objects (IncidentTarget, HoursTarget).

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <tma/contract/entry.hpp>
#include <tma/incident/incident.hpp>
#include <tma/incident/numbering.hpp>

#include "connectors/sync_context.hpp"

namespace tma::connectors::detail {

/// What the outbox holds for this connector (`connector.attempt` / `connector.pushed` within
/// `k_export_lookback`).
struct Outbox {
  std::map<std::string, std::string> pushed;         ///< journal event id -> the tool's issue or entry id
  std::map<std::string, core::SysSeconds> attempted; ///< journal event id -> when first tried
};
core::Result<Outbox> read_outbox(const SyncState& state);

/// Record `type` (attempt or pushed) about journal event `about` with `data`, and commit it.
core::Result<void> record_and_commit(SyncState& state, std::string_view type, const journal::Event& about,
                                     nlohmann::json data);

/// An id as the outbox's events carry it: a number when the tool's id is one (Redmine, Jira,
/// Zendesk), else text.
nlohmann::json id_value(const std::string& id);

/// What an earlier attempt left in the tool.
struct Lookup {
  std::optional<std::string> id; ///< the object it created, found by its marker
  /// Not found, but the tool's search may not show it yet (an index that lags): try again at a
  /// later sync rather than risk a second object.
  bool not_yet_searchable = false;
};

/// The follow-up an incident event becomes in the tool; nullopt for events that are not pushed.
enum class FollowUp { note, resolve, reopen };
struct FollowUpText {
  FollowUp kind;
  std::string text; ///< without the marker (the target adds it where its tool keeps text)
};
std::optional<FollowUpText> follow_up_of(const journal::Event& e);

/// One tool's side of the incident export.
class IncidentTarget {
public:
  virtual ~IncidentTarget() = default;
  /// Look-ups and checks before the first write of a sync (priorities, trackers, statuses).
  virtual core::Result<void> prepare() = 0;
  /// The issue an earlier attempt at opening `event_id` (first tried at `attempted`) created.
  virtual core::Result<Lookup> find_created(const inventory::ConnectorProject& project, const std::string& event_id,
                                            core::SysSeconds attempted) = 0;
  /// Create the issue of `incident`, opened by journal event `event_id`; its id.
  virtual core::Result<std::string> create(const inventory::ConnectorProject& project,
                                           const incident::Incident& incident, const std::string& event_id) = 0;
  /// Whether `issue` already carries follow-up event `event_id` (an earlier attempt).
  virtual core::Result<bool> has_follow_up(const std::string& issue, const std::string& event_id) = 0;
  /// Add `follow_up` of journal event `event_id` to `issue`. false: the issue is gone from the tool.
  virtual core::Result<bool> push_follow_up(const std::string& issue, const FollowUpText& follow_up,
                                            const std::string& event_id) = 0;
  /// "Redmine", "Jira": for messages.
  virtual const char* tool() const = 0;
};

/// Push incidents of the connector's clients (opened, acknowledged, noted, resolved, reopened;
/// prod only) through the outbox.
core::Result<void> export_incidents(SyncState& state, IncidentTarget& target);

/// One tool's side of the hours export.
class HoursTarget {
public:
  virtual ~HoursTarget() = default;
  /// Why `entry` cannot be pushed (said as a warning, and tried again at the next sync), or "".
  virtual std::string cannot_push(const inventory::ConnectorProject& project, const contract::TimeEntry& entry) = 0;
  /// The entry an earlier attempt created, found by its marker.
  virtual core::Result<std::optional<std::string>> find_pushed(const inventory::ConnectorProject& project,
                                                               const contract::TimeEntry& entry) = 0;
  /// Create the tool's time entry for `entry`; its id.
  virtual core::Result<std::string> push(const inventory::ConnectorProject& project,
                                         const contract::TimeEntry& entry) = 0;
};

/// Push hours logged in tma (manual ones, of the last `k_export_horizon`) for the connector's
/// clients through the outbox.
core::Result<void> export_hours(SyncState& state, HoursTarget& target);

/// `text` cut to `limit` bytes with `suffix` (" [tma:<id>]") kept whole, without splitting a UTF-8
/// sequence; "..." marks a cut.
std::string with_marker_within(std::string text, const std::string& suffix, std::size_t limit);

} // namespace tma::connectors::detail
