#pragma once
// Redmine's objects in tma's vocabulary, and back (docs/connectors.md, "Mapping"). Pure: parsing of
// the REST API's JSON, the default and configured name mappings, and the idempotency marker.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tma/contract/entry.hpp>
#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/request/request.hpp>

namespace tma::connectors {

/// An issue as `/issues.json` lists it (the fields tma reads).
struct RedmineIssue {
  long id = 0;
  long project_id = 0;
  std::string tracker;
  std::string status;
  bool status_closed = false; ///< Redmine 5 says `is_closed` on the status
  std::string priority;
  std::string assignee;       ///< `assigned_to.name`, "" when unassigned
  std::string subject;
  std::string description;
  std::optional<core::Date> due;
  core::SysSeconds created{};
  core::SysSeconds updated{};
  std::string updated_on;     ///< as Redmine wrote it (the import cursor compares these)
};

/// A time entry as `/time_entries.json` lists it.
struct RedmineTimeEntry {
  long id = 0;
  long project_id = 0;
  std::optional<long> issue;
  std::string user;
  std::string activity;
  std::string comments;
  core::Seconds duration{0};
  core::Date spent_on;
  std::string updated_on;
  std::optional<bool> billable; ///< a custom field named `Billable` ("1"/"0"), when the instance has one
};

/// Parse one item of `issues` / `time_entries`. Errors (ErrorKind::http) name the item's id and field.
core::Result<RedmineIssue> parse_issue(const nlohmann::json& item);
core::Result<RedmineTimeEntry> parse_time_entry(const nlohmann::json& item);

/// Redmine's status -> tma's: New/In Progress/Feedback/Resolved by name (case-insensitive; Feedback is
/// `waiting_client`), any other closed status `closed`, any other open one `in_progress`.
request::Status map_status(std::string_view name, bool is_closed);
/// Low/Normal/High/Urgent by name; Immediate is `urgent`; anything else `normal`.
request::Priority map_priority(std::string_view name);
/// `connector.categories[tracker]`, else Bug -> bug, Feature -> change, Support -> question, else question.
request::Category map_category(const inventory::Connector& connector, std::string_view tracker);
/// `connector.activities[activity]`, else `support`.
contract::Category map_activity(const inventory::Connector& connector, std::string_view activity);
/// The Redmine priority name for an incident of `severity`: `connector.priorities`, else critical ->
/// Immediate, major -> High, minor -> Normal.
std::string priority_for(const inventory::Connector& connector, inventory::Criticality severity);

/// The request an issue becomes, for the client (and site) its project is mapped to.
request::ImportedRequest to_request(const RedmineIssue& issue, const inventory::Connector& connector,
                                    const inventory::ConnectorProject& project);

/// The time entry a Redmine time entry becomes; `request` is the request its issue was imported as.
contract::TimeEntry to_time_entry(const RedmineTimeEntry& entry, const inventory::Connector& connector,
                                  const inventory::ConnectorProject& project, std::optional<std::string> request);

/// `<connector>:<id>`: the external key of an imported time entry.
std::string time_entry_key(const std::string& connector, long id);

/// The text tma writes into what it creates in Redmine, and looks for before creating it again:
/// `[tma:<journal event id>]`.
std::string marker(std::string_view event_id);
/// Whether `description` carries a marker: an issue tma created (an exported incident), which the
/// import leaves alone.
bool is_tma_created(std::string_view description);

} // namespace tma::connectors
