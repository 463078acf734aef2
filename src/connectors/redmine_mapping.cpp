#include <tma/connectors/redmine_mapping.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "connectors/json_read.hpp"

namespace tma::connectors {
namespace {

core::Error bad(std::string_view what, long id, std::string_view field) {
  return {core::ErrorKind::http, fmt::format("Redmine {} {}: '{}' is missing or malformed", what, id, field)};
}

long id_of(const nlohmann::json& item) { return detail::long_of(item, "id"); }

std::optional<long> nested_id(const nlohmann::json& item, const char* key) {
  const auto* id = detail::member(detail::object_of(item, key), "id");
  if (id == nullptr || !id->is_number_integer()) return std::nullopt;
  return id->get<long>();
}

using detail::lower;
using detail::name_of;
std::string string_of(const nlohmann::json& item, const char* key) { return detail::text_of(item, key); }

} // namespace

core::Result<RedmineIssue> parse_issue(const nlohmann::json& item) {
  if (!item.is_object()) return tl::unexpected(bad("issue", 0, "issue"));
  RedmineIssue issue;
  issue.id = id_of(item);
  if (issue.id <= 0) return tl::unexpected(bad("issue", 0, "id"));
  auto project = nested_id(item, "project");
  if (!project) return tl::unexpected(bad("issue", issue.id, "project"));
  issue.project_id = *project;
  issue.tracker = name_of(item, "tracker");
  issue.status = name_of(item, "status");
  if (const auto s = item.find("status"); s != item.end() && s->is_object()) {
    const auto closed = s->find("is_closed");
    issue.status_closed = closed != s->end() && closed->is_boolean() && closed->get<bool>();
  }
  issue.priority = name_of(item, "priority");
  issue.assignee = name_of(item, "assigned_to");
  issue.subject = string_of(item, "subject");
  if (issue.subject.empty()) return tl::unexpected(bad("issue", issue.id, "subject"));
  issue.description = string_of(item, "description");
  if (auto due = string_of(item, "due_date"); !due.empty()) {
    auto parsed = core::parse_date(due);
    if (!parsed) return tl::unexpected(bad("issue", issue.id, "due_date"));
    issue.due = *parsed;
  }
  auto created = core::parse_rfc3339(string_of(item, "created_on"));
  if (!created) return tl::unexpected(bad("issue", issue.id, "created_on"));
  issue.created = *created;
  issue.updated_on = string_of(item, "updated_on");
  auto updated = core::parse_rfc3339(issue.updated_on);
  if (!updated) return tl::unexpected(bad("issue", issue.id, "updated_on"));
  issue.updated = *updated;
  return issue;
}

core::Result<RedmineTimeEntry> parse_time_entry(const nlohmann::json& item) {
  if (!item.is_object()) return tl::unexpected(bad("time entry", 0, "time_entry"));
  RedmineTimeEntry entry;
  entry.id = id_of(item);
  if (entry.id <= 0) return tl::unexpected(bad("time entry", 0, "id"));
  auto project = nested_id(item, "project");
  if (!project) return tl::unexpected(bad("time entry", entry.id, "project"));
  entry.project_id = *project;
  entry.issue = nested_id(item, "issue");
  entry.user = name_of(item, "user");
  entry.activity = name_of(item, "activity");
  entry.comments = string_of(item, "comments");
  const auto hours = item.find("hours");
  if (hours == item.end() || !hours->is_number() || !std::isfinite(hours->get<double>()) || hours->get<double>() < 0) {
    return tl::unexpected(bad("time entry", entry.id, "hours"));
  }
  entry.duration = core::Seconds(std::llround(hours->get<double>() * 3600.0));
  auto spent = core::parse_date(string_of(item, "spent_on"));
  if (!spent) return tl::unexpected(bad("time entry", entry.id, "spent_on"));
  entry.spent_on = *spent;
  entry.updated_on = string_of(item, "updated_on");
  if (!core::parse_rfc3339(entry.updated_on)) return tl::unexpected(bad("time entry", entry.id, "updated_on"));
  if (const auto fields = item.find("custom_fields"); fields != item.end() && fields->is_array()) {
    for (const auto& field : *fields) {
      if (!field.is_object() || lower(string_of(field, "name")) != "billable") continue;
      auto value = string_of(field, "value");
      if (value == "1") entry.billable = true;
      if (value == "0") entry.billable = false;
    }
  }
  return entry;
}

request::Status map_status(std::string_view name, bool is_closed) {
  auto n = lower(name);
  if (n == "new") return request::Status::fresh;
  if (n == "in progress") return request::Status::in_progress;
  if (n == "feedback") return request::Status::waiting_client;
  if (n == "resolved") return request::Status::resolved;
  return is_closed ? request::Status::closed : request::Status::in_progress;
}

request::Priority map_priority(std::string_view name) {
  auto n = lower(name);
  if (n == "low") return request::Priority::low;
  if (n == "high") return request::Priority::high;
  if (n == "urgent" || n == "immediate") return request::Priority::urgent;
  return request::Priority::normal;
}

request::Category map_category(const inventory::Connector& connector, std::string_view tracker) {
  if (auto it = connector.categories.find(std::string(tracker)); it != connector.categories.end()) {
    if (auto category = request::parse_category(it->second)) return *category;
  }
  auto n = lower(tracker);
  if (n == "bug") return request::Category::bug;
  if (n == "feature") return request::Category::change;
  return request::Category::question;
}

contract::Category map_activity(const inventory::Connector& connector, std::string_view activity) {
  if (auto it = connector.activities.find(std::string(activity)); it != connector.activities.end()) {
    if (auto category = contract::parse_category(it->second)) return *category;
  }
  return contract::Category::support;
}

std::string priority_for(const inventory::Connector& connector, inventory::Criticality severity) {
  auto name = std::string(inventory::to_string(severity));
  if (auto it = connector.priorities.find(name); it != connector.priorities.end()) return it->second;
  switch (severity) {
  case inventory::Criticality::critical: return "Immediate";
  case inventory::Criticality::major: return "High";
  case inventory::Criticality::minor: return "Normal";
  }
  return "Normal";
}

request::ImportedRequest to_request(const RedmineIssue& issue, const inventory::Connector& connector,
                                    const inventory::ConnectorProject& project) {
  request::ImportedRequest out;
  out.external = {connector.name, std::to_string(issue.id), connector.url + "/issues/" + std::to_string(issue.id),
                  issue.updated_on};
  out.client = project.client;
  out.site = project.site;
  out.title = issue.subject;
  out.priority = map_priority(issue.priority);
  out.category = map_category(connector, issue.tracker);
  out.status = map_status(issue.status, issue.status_closed);
  out.assignee = issue.assignee;
  out.due = issue.due;
  out.opened = issue.created;
  out.updated = issue.updated;
  return out;
}

contract::TimeEntry to_time_entry(const RedmineTimeEntry& entry, const inventory::Connector& connector,
                                  const inventory::ConnectorProject& project, std::optional<std::string> request) {
  contract::TimeEntry out;
  out.external = time_entry_key(connector.name, entry.id);
  out.external_updated = entry.updated_on;
  out.client = project.client;
  if (!project.site.empty()) out.site = project.site;
  out.date = entry.spent_on;
  out.duration = entry.duration;
  out.description = !entry.comments.empty()
                        ? entry.comments
                        : fmt::format("{} ({} time entry {})", entry.activity.empty() ? "work" : entry.activity,
                                      connector.name, entry.id);
  out.category = map_activity(connector, entry.activity);
  if (entry.issue) out.ticket = fmt::format("{}#{}", connector.name, *entry.issue);
  out.request = std::move(request);
  out.billable = entry.billable.value_or(true) ? contract::Billable::yes : contract::Billable::no;
  out.origin = contract::Origin::manual;
  out.actor = entry.user;
  return out;
}

std::string time_entry_key(const std::string& connector, long id) { return fmt::format("{}:{}", connector, id); }

std::string marker(std::string_view event_id) { return fmt::format("[tma:{}]", event_id); }

bool is_tma_created(std::string_view description) { return description.find("[tma:") != std::string_view::npos; }

} // namespace tma::connectors
