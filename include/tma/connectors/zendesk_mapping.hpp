#pragma once
// Zendesk Support's objects in tma's vocabulary (docs/connectors.md, "Zendesk"). Pure: parsing of
// the tickets of the incremental export (ids are JSON integers, often above 2^32, kept as text),
// the enum mappings, and the reconciliation of a ticket's Time Tracking total with the hours
// already imported for it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/contract/entry.hpp>
#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/request/request.hpp>

namespace tma::connectors {

/// A ticket as `GET /incremental/tickets/cursor` lists it.
struct ZendeskTicket {
  std::string id;              ///< digits, as Zendesk's integer (`"4294967297"`)
  std::string organization_id; ///< digits; "" when the ticket has no organization
  std::string subject;
  std::string status;          ///< new | open | pending | hold | solved | closed | deleted
  std::string priority;        ///< urgent | high | normal | low | "" (none)
  std::string type;            ///< problem | incident | question | task | "" (none)
  std::string assignee_id;     ///< digits, "" when unassigned
  std::string external_id;     ///< "" when none; `tma-<event id>` on a ticket tma created
  std::optional<core::SysSeconds> due_at;
  core::SysSeconds created{};
  core::SysSeconds updated{};
  std::string updated_text;    ///< as Zendesk wrote it
  /// The Time Tracking app's total (seconds) when the connector reads it and the ticket has a value.
  std::optional<core::Seconds> time_total;
};

/// A Zendesk id (a JSON integer, or a string of digits) as canonical text: digits without leading
/// zeros, at most 19 (int64). "" when absent, null, negative, fractional or anything else.
std::string zendesk_id(const nlohmann::json& value);
/// Zendesk's ISO 8601 UTC times (`2025-06-03T14:02:11Z`, also with milliseconds or an offset).
tl::expected<core::SysSeconds, std::string> parse_zendesk_time(std::string_view text);
/// A numeric custom field's value, which Zendesk writes as a string (`"5400"`) or a number: whole
/// non-negative seconds. nullopt for null or ""; an error for anything else (`"1.5"`, `"-3"`, `"abc"`).
tl::expected<std::optional<core::Seconds>, std::string> parse_zendesk_seconds(const nlohmann::json& value);

/// Parse one ticket; `total_field` is the id of the Time Tracking total field ("" = not read).
/// Errors (ErrorKind::http) name the ticket and the field.
core::Result<ZendeskTicket> parse_zendesk_ticket(const nlohmann::json& item, const std::string& total_field);

/// new -> new; open, hold -> in_progress; pending -> waiting_client; solved -> resolved;
/// closed -> closed; anything else -> in_progress.
request::Status map_zendesk_status(std::string_view status);
/// Zendesk's priorities are tma's (urgent, high, normal, low); none -> normal.
request::Priority map_zendesk_priority(std::string_view priority);
/// `connector.categories[type]`, else problem, incident -> bug; task -> change; question and none
/// -> question.
request::Category map_zendesk_category(const inventory::Connector& connector, std::string_view type);

/// `<url>/agent/tickets/<id>`: where an agent opens the ticket.
std::string zendesk_ticket_url(const inventory::Connector& connector, const std::string& id);

/// The request a ticket becomes; `assignee` is the assignee's name (or "").
request::ImportedRequest to_request(const ZendeskTicket& ticket, const inventory::Connector& connector,
                                    const inventory::ConnectorProject& project, std::string assignee,
                                    const core::TimeZone& zone);

/// The external key prefix of a ticket's time entries: `<connector>:<ticket id>@`.
std::string zendesk_entry_prefix(const inventory::Connector& connector, const std::string& ticket_id);

/// The versions to record so that the ticket's imported entries add up to its Time Tracking total
/// (docs/connectors.md, "Zendesk", Time): `known` are the latest versions of the ticket's entries
/// (withdrawn ones included, for their version numbers). A total above their sum adds the difference
/// as entries keyed `<prefix><updated epoch>` (then `.2`, `.3`... past 24 h each), built on `model`
/// (client, site, date, description, ticket, request); a total below it withdraws or shortens the
/// newest entries. Nothing when the sum is the total.
std::vector<contract::TimeEntry> reconcile_ticket_time(const std::vector<contract::TimeEntry>& known,
                                                       core::Seconds total, const contract::TimeEntry& model,
                                                       const std::string& prefix, std::int64_t stamp);

/// The entry `reconcile_ticket_time` builds on for `ticket`: dated on its last update in `zone`.
contract::TimeEntry zendesk_time_model(const ZendeskTicket& ticket, const inventory::Connector& connector,
                                       const inventory::ConnectorProject& project, std::optional<std::string> request,
                                       const core::TimeZone& zone);

// --- export (docs/connectors.md, "Zendesk", Export) ------------------------------------------------

/// The `external_id` of the ticket an incident becomes: `tma-<journal id of incident.opened>`.
std::string zendesk_external_id(std::string_view event_id);
/// Whether `external_id` is one zendesk_external_id made: a ticket tma created, never imported as a
/// request.
bool is_tma_external_id(std::string_view external_id);
/// The `Idempotency-Key` of the create of event `event_id`'s ticket: the same at every retry.
std::string zendesk_idempotency_key(std::string_view event_id);
/// `connector.priorities[severity]` (urgent, high, normal or low: checked at load), else critical
/// -> urgent, major -> high, minor -> normal.
std::string zendesk_priority_for(const inventory::Connector& connector, inventory::Criticality severity);
/// The value of custom field `field` in a ticket's `custom_fields` (null when absent).
nlohmann::json zendesk_custom_field(const nlohmann::json& ticket, const std::string& field);
/// The Time Tracking total after adding `added` to its `current` value (a field's value: string,
/// number or null), as the string Zendesk writes numeric fields in; an error for a value that is
/// not whole seconds.
tl::expected<std::string, std::string> zendesk_added_seconds(const nlohmann::json& current, core::Seconds added);

} // namespace tma::connectors
