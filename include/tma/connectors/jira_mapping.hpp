#pragma once
// Jira's objects in tma's vocabulary (docs/connectors.md, "Jira"). Pure: parsing of the REST API's
// JSON (Cloud v3, where texts are Atlassian documents, and Data Center v2, where they are strings),
// Jira's times with their `+0200` offsets, and the name mappings.

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

/// An issue as `/search/jql` (or v2's `/search`) lists it, with the fields tma asks for.
struct JiraIssue {
  std::string id;              ///< digits (`"10451"`)
  std::string key;             ///< `ACME-77`
  std::string project;         ///< the project's key
  std::string summary;
  std::string status;          ///< the status' name
  std::string status_category; ///< new | indeterminate | done
  std::string priority;        ///< "" when the project has no priority field
  std::string issue_type;
  std::string assignee;        ///< display name, "" when unassigned
  std::optional<core::Date> due;
  core::SysSeconds created{};
  core::SysSeconds updated{};
  std::string updated_text;    ///< as Jira wrote it
  std::vector<std::string> labels;
};

/// A worklog as `/worklog/list` returns it.
struct JiraWorklog {
  std::string id;       ///< digits
  std::string issue_id; ///< digits
  std::string author;   ///< display name
  std::string comment;  ///< plain text (an Atlassian document's text nodes, joined)
  core::Seconds duration{0};
  core::SysSeconds started{};
  std::string updated_text;
};

/// Jira's `2025-06-03T16:30:00.000+0200` (also `Z` and `+02:00`) as a UTC instant.
tl::expected<core::SysSeconds, std::string> parse_jira_time(std::string_view text);
/// `yyyy-MM-dd HH:mm` at `instant` in `zone` (JQL's date literals are read in the account's zone),
/// rounded down to the minute.
std::string jql_time(core::SysSeconds instant, const core::TimeZone& zone);
/// `"` and `\` escaped, for a JQL string literal.
std::string jql_quote(std::string_view text);

/// Parse one issue / worklog. Errors (ErrorKind::http) name the item and the field.
core::Result<JiraIssue> parse_jira_issue(const nlohmann::json& item);
core::Result<JiraWorklog> parse_jira_worklog(const nlohmann::json& item);
/// The text of a rich-text field: a string (v2) or an Atlassian document (v3), whose text nodes are
/// joined, paragraphs by a newline.
std::string jira_text(const nlohmann::json& value);

/// Status category -> tma: new -> new; done -> resolved (`closed` when the status is named Closed);
/// indeterminate -> in_progress (`waiting_client` when the name says the client is waited for).
request::Status map_jira_status(std::string_view category, std::string_view name);
/// Highest/Blocker -> urgent, High/Critical -> high, Low/Lowest/Minor/Trivial -> low, else normal.
request::Priority map_jira_priority(std::string_view name);
/// `connector.categories[type]`, else Bug -> bug, Story/Task/Improvement/New Feature/Epic -> change,
/// else question.
request::Category map_jira_category(const inventory::Connector& connector, std::string_view issue_type);

/// The request an issue becomes; `url` is where a person opens it.
request::ImportedRequest to_request(const JiraIssue& issue, const inventory::Connector& connector,
                                    const inventory::ConnectorProject& project, std::string url);
/// The time entry a worklog becomes: dated in the agency's `zone`, on `issue_key`'s request.
contract::TimeEntry to_time_entry(const JiraWorklog& worklog, const std::string& issue_key,
                                  const inventory::Connector& connector, const inventory::ConnectorProject& project,
                                  std::optional<std::string> request, const core::TimeZone& zone);

/// Whether `key` has the shape of an issue key (`ACME-77`): what reaches a URL path or the browse
/// link from Jira's answers or the inventory is checked first.
bool is_jira_issue_key(std::string_view key);

/// The label an exported incident's issue carries: `tma-<journal event id of its opening>`. Labels
/// are searchable (`labels = "…"`), have no spaces, and survive edits of the description.
std::string jira_label(std::string_view event_id);
/// Whether `label` is one jira_label made: an issue tma created, which is not imported as a request.
bool is_tma_label(std::string_view label);

/// `text` as a rich-text value: an Atlassian document on Cloud (a paragraph per blank-line-separated
/// block, hard breaks for single newlines), the string itself on Data Center.
nlohmann::json jira_document(std::string_view text, bool data_center);

/// A worklog's `started`: `yyyy-MM-dd'T'HH:mm:ss.SSSZ` in UTC (`2026-12-03T11:00:00.000+0000`).
std::string jira_started(core::SysSeconds instant);

/// The Jira priority of exported incidents of `severity`: `connector.priorities`, else Highest,
/// High, Medium for critical, major, minor.
std::string jira_priority_for(const inventory::Connector& connector, inventory::Criticality severity);

} // namespace tma::connectors
