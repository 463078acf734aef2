#include <tma/connectors/jira_mapping.hpp>

#include <regex>

#include <fmt/format.h>

#include "connectors/json_read.hpp"

namespace tma::connectors {
namespace {

using detail::lower;
using detail::object_of;
using detail::text_of;

core::Error bad(std::string_view what, std::string_view id, std::string_view field) {
  return {core::ErrorKind::http,
          fmt::format("Jira {} {}: '{}' is missing or malformed", what, id.empty() ? "?" : id, field)};
}

bool digits_only(std::string_view text) {
  return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

void collect_text(const nlohmann::json& node, std::string& out) {
  if (!node.is_object()) return;
  const auto type = text_of(node, "type");
  if (type == "text") out += text_of(node, "text");
  else if (type == "hardBreak") out += '\n';
  for (const auto& child : detail::array_of(node, "content")) collect_text(child, out);
  if (type == "paragraph" || type == "heading" || type == "listItem") out += '\n';
}

} // namespace

tl::expected<core::SysSeconds, std::string> parse_jira_time(std::string_view text) {
  // Jira writes the offset without a colon (`+0200`); RFC 3339 wants one.
  std::string normalized(text);
  if (text.size() > 5) {
    const auto sign = text[text.size() - 5];
    const auto tail = text.substr(text.size() - 4);
    if ((sign == '+' || sign == '-') && tail.find_first_not_of("0123456789") == std::string_view::npos) {
      normalized = fmt::format("{}:{}", text.substr(0, text.size() - 2), text.substr(text.size() - 2));
    }
  }
  auto parsed = core::parse_rfc3339(normalized);
  if (!parsed) return tl::unexpected(fmt::format("'{}' is not a Jira time", text));
  return *parsed;
}

std::string jql_time(core::SysSeconds instant, const core::TimeZone& zone) {
  const auto local = zone.to_local(instant).local;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", local.date.year, local.date.month, local.date.day, local.hour,
                     local.minute);
}

std::string jql_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string jira_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string out;
  collect_text(value, out);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

core::Result<JiraIssue> parse_jira_issue(const nlohmann::json& item) {
  if (!item.is_object()) return tl::unexpected(bad("issue", "", "issue"));
  JiraIssue issue;
  issue.id = text_of(item, "id");
  if (!digits_only(issue.id)) return tl::unexpected(bad("issue", "", "id"));
  issue.key = text_of(item, "key");
  if (!is_jira_issue_key(issue.key)) return tl::unexpected(bad("issue", issue.id, "key"));
  const auto& fields = object_of(item, "fields");
  issue.project = text_of(object_of(fields, "project"), "key");
  issue.summary = text_of(fields, "summary");
  const auto& status = object_of(fields, "status");
  issue.status = text_of(status, "name");
  issue.status_category = text_of(object_of(status, "statusCategory"), "key");
  issue.priority = detail::name_of(fields, "priority");
  issue.issue_type = detail::name_of(fields, "issuetype");
  issue.assignee = text_of(object_of(fields, "assignee"), "displayName");
  for (const auto& label : detail::array_of(fields, "labels")) {
    if (label.is_string()) issue.labels.push_back(label.get<std::string>());
  }
  if (auto due = text_of(fields, "duedate"); !due.empty()) {
    auto date = core::parse_date(due);
    if (!date) return tl::unexpected(bad("issue", issue.key, "duedate"));
    issue.due = *date;
  }
  auto created = parse_jira_time(text_of(fields, "created"));
  if (!created) return tl::unexpected(bad("issue", issue.key, "created"));
  issue.created = *created;
  issue.updated_text = text_of(fields, "updated");
  auto updated = parse_jira_time(issue.updated_text);
  if (!updated) return tl::unexpected(bad("issue", issue.key, "updated"));
  issue.updated = *updated;
  return issue;
}

core::Result<JiraWorklog> parse_jira_worklog(const nlohmann::json& item) {
  if (!item.is_object()) return tl::unexpected(bad("worklog", "", "worklog"));
  JiraWorklog worklog;
  worklog.id = text_of(item, "id");
  if (!digits_only(worklog.id)) return tl::unexpected(bad("worklog", "", "id"));
  worklog.issue_id = text_of(item, "issueId");
  if (!digits_only(worklog.issue_id)) return tl::unexpected(bad("worklog", worklog.id, "issueId"));
  worklog.author = text_of(object_of(item, "author"), "displayName");
  if (const auto* comment = detail::member(item, "comment")) worklog.comment = jira_text(*comment);
  const auto* seconds = detail::member(item, "timeSpentSeconds");
  if (seconds == nullptr || !seconds->is_number_integer()) return tl::unexpected(bad("worklog", worklog.id, "timeSpentSeconds"));
  worklog.duration = core::Seconds(seconds->get<long long>());
  auto started = parse_jira_time(text_of(item, "started"));
  if (!started) return tl::unexpected(bad("worklog", worklog.id, "started"));
  worklog.started = *started;
  worklog.updated_text = text_of(item, "updated");
  return worklog;
}

request::Status map_jira_status(std::string_view category, std::string_view name) {
  const auto n = lower(name);
  if (category == "done") return n == "closed" ? request::Status::closed : request::Status::resolved;
  if (category == "new") return request::Status::fresh;
  if (n.find("waiting") != std::string::npos || n.find("pending") != std::string::npos) {
    return request::Status::waiting_client;
  }
  return request::Status::in_progress;
}

request::Priority map_jira_priority(std::string_view name) {
  const auto n = lower(name);
  if (n == "highest" || n == "blocker") return request::Priority::urgent;
  if (n == "high" || n == "critical") return request::Priority::high;
  if (n == "low" || n == "lowest" || n == "minor" || n == "trivial") return request::Priority::low;
  return request::Priority::normal;
}

request::Category map_jira_category(const inventory::Connector& connector, std::string_view issue_type) {
  if (auto it = connector.categories.find(std::string(issue_type)); it != connector.categories.end()) {
    if (auto category = request::parse_category(it->second)) return *category;
  }
  const auto n = lower(issue_type);
  if (n == "bug") return request::Category::bug;
  if (n == "story" || n == "task" || n == "improvement" || n == "new feature" || n == "epic") {
    return request::Category::change;
  }
  return request::Category::question;
}

request::ImportedRequest to_request(const JiraIssue& issue, const inventory::Connector& connector,
                                    const inventory::ConnectorProject& project, std::string url) {
  request::ImportedRequest out;
  out.external = {connector.name, issue.id, std::move(url), issue.updated_text};
  out.client = project.client;
  out.site = project.site;
  out.title = issue.summary;
  out.priority = map_jira_priority(issue.priority);
  out.category = map_jira_category(connector, issue.issue_type);
  out.status = map_jira_status(issue.status_category, issue.status);
  out.assignee = issue.assignee;
  out.due = issue.due;
  out.opened = issue.created;
  out.updated = issue.updated;
  return out;
}

contract::TimeEntry to_time_entry(const JiraWorklog& worklog, const std::string& issue_key,
                                  const inventory::Connector& connector, const inventory::ConnectorProject& project,
                                  std::optional<std::string> request, const core::TimeZone& zone) {
  contract::TimeEntry out;
  out.external = connector.name + ":" + worklog.id;
  out.external_updated = worklog.updated_text;
  out.client = project.client;
  if (!project.site.empty()) out.site = project.site;
  out.date = zone.local_date(worklog.started);
  out.duration = worklog.duration;
  out.description = !worklog.comment.empty() ? worklog.comment
                                             : fmt::format("work on {} ({} worklog {})", issue_key, connector.name, worklog.id);
  out.category = contract::Category::support;
  out.ticket = fmt::format("{}#{}", connector.name, issue_key);
  out.request = std::move(request);
  out.billable = contract::Billable::yes;
  out.origin = contract::Origin::manual;
  out.actor = worklog.author;
  return out;
}

bool is_jira_issue_key(std::string_view key) {
  static const std::regex shape("[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}");
  return std::regex_match(key.begin(), key.end(), shape);
}

std::string jira_label(std::string_view event_id) { return fmt::format("tma-{}", event_id); }

bool is_tma_label(std::string_view label) {
  static const std::regex shape("tma-[0-9a-f]{8,32}-[0-9]{1,18}");
  return std::regex_match(label.begin(), label.end(), shape);
}

nlohmann::json jira_document(std::string_view text, bool data_center) {
  if (data_center) return std::string(text);
  auto paragraphs = nlohmann::json::array();
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find("\n\n", start);
    if (end == std::string_view::npos) end = text.size();
    auto block = text.substr(start, end - start);
    auto content = nlohmann::json::array();
    std::size_t line_start = 0;
    while (line_start <= block.size()) {
      auto line_end = block.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = block.size();
      if (!content.empty()) content.push_back({{"type", "hardBreak"}});
      // ADF refuses empty text nodes.
      if (line_end > line_start) {
        content.push_back({{"type", "text"}, {"text", std::string(block.substr(line_start, line_end - line_start))}});
      }
      line_start = line_end + 1;
    }
    nlohmann::json paragraph{{"type", "paragraph"}};
    if (!content.empty()) paragraph["content"] = std::move(content);
    paragraphs.push_back(std::move(paragraph));
    start = end + 2;
  }
  return {{"type", "doc"}, {"version", 1}, {"content", std::move(paragraphs)}};
}

std::string jira_started(core::SysSeconds instant) {
  auto text = core::format_rfc3339_utc(instant); // 2026-12-03T11:00:00Z
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  return text + ".000+0000";
}

std::string jira_priority_for(const inventory::Connector& connector, inventory::Criticality severity) {
  if (auto it = connector.priorities.find(std::string(inventory::to_string(severity))); it != connector.priorities.end()) {
    return it->second;
  }
  switch (severity) {
  case inventory::Criticality::critical: return "Highest";
  case inventory::Criticality::major: return "High";
  default: return "Medium";
  }
}

} // namespace tma::connectors
