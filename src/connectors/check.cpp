// `tma inventory check --connectors`: each name of a connector's mapping asked of its tool, with
// GETs only (check.hpp).
#include <tma/connectors/check.hpp>

#include <set>

#include <fmt/format.h>

#include <tma/connectors/jira_api.hpp>
#include <tma/connectors/jira_mapping.hpp>
#include <tma/connectors/redmine_api.hpp>
#include <tma/connectors/redmine_mapping.hpp>
#include <tma/core/redact.hpp>
#include <tma/transport/secret.hpp>

#include "connectors/json_read.hpp"
#include "connectors/tool_request.hpp"
#include "connectors/trello_check.hpp"
#include "connectors/zendesk_check.hpp"

namespace tma::connectors {
namespace {

using detail::array_of;
using detail::text_of;

constexpr inventory::Criticality k_severities[] = {inventory::Criticality::critical, inventory::Criticality::major,
                                                   inventory::Criticality::minor};

std::string key_of(const inventory::Connector& connector, const std::string& rest) {
  return fmt::format("connectors.{}.{}", connector.name, rest);
}

/// The `name` members of the list `key` of a Redmine enumeration answer.
core::Result<std::set<std::string>> redmine_names(RedmineApi& api, const std::string& path, const char* key) {
  auto listed = api.get(path);
  if (!listed) return tl::unexpected(listed.error());
  std::set<std::string> out;
  for (const auto& item : array_of(*listed, key)) out.insert(text_of(item, "name"));
  return out;
}

core::Result<void> check_redmine(const inventory::Connector& connector, RedmineApi& api, MappingCheck& out) {
  auto problem = [&](const inventory::Mark& mark, const std::string& key, std::string message) {
    out.problems.push_back({mark, key_of(connector, key), std::move(message)});
  };
  for (const auto& project : connector.projects) {
    auto found = api.find("/projects/" + project.project + ".json");
    if (!found) return tl::unexpected(found.error());
    if (!*found) {
      problem(project.mark, "projects." + project.project,
              fmt::format("Redmine has no project '{}', or the key's user cannot see it", project.project));
    }
  }
  auto trackers = redmine_names(api, "/trackers.json", "trackers");
  if (!trackers) return tl::unexpected(trackers.error());
  for (const auto& [tracker, category] : connector.categories) {
    if (!trackers->count(tracker)) problem(connector.mark, "categories." + tracker, fmt::format("Redmine has no tracker '{}'", tracker));
  }
  if (connector.export_incidents) {
    if (!connector.tracker.empty() && !trackers->count(connector.tracker)) {
      problem(connector.mark, "tracker", fmt::format("Redmine has no tracker '{}'", connector.tracker));
    }
    auto priorities = redmine_names(api, "/enumerations/issue_priorities.json", "issue_priorities");
    if (!priorities) return tl::unexpected(priorities.error());
    for (auto severity : k_severities) {
      auto name = priority_for(connector, severity);
      if (!priorities->count(name)) {
        problem(connector.mark, fmt::format("priorities.{}", inventory::to_string(severity)),
                fmt::format("Redmine has no issue priority '{}'", name));
      }
    }
  }
  std::set<std::string> activities_used;
  for (const auto& [activity, category] : connector.activities) activities_used.insert(activity);
  if (connector.export_hours && !connector.hours_activity.empty()) activities_used.insert(connector.hours_activity);
  if (!activities_used.empty()) {
    auto activities = redmine_names(api, "/enumerations/time_entry_activities.json", "time_entry_activities");
    if (!activities) return tl::unexpected(activities.error());
    for (const auto& name : activities_used) {
      if (activities->count(name)) continue;
      problem(connector.mark, name == connector.hours_activity ? "hours_activity" : "activities." + name,
              fmt::format("Redmine has no time entry activity '{}'", name));
    }
  }
  return {};
}

core::Result<void> check_jira(const inventory::Connector& connector, JiraApi& api, MappingCheck& out) {
  auto problem = [&](const inventory::Mark& mark, const std::string& key, std::string message) {
    out.problems.push_back({mark, key_of(connector, key), std::move(message)});
  };
  // The token first: a refused one says so once, rather than once per project.
  if (auto me = api.get("/myself"); !me) return tl::unexpected(me.error());
  for (const auto& project : connector.projects) {
    // A search naming the project: Jira answers 400 "does not exist" for a project the account
    // cannot see, without listing anything.
    Query query{{"jql", "project = " + jql_quote(project.project)}, {"fields", "id"}, {"maxResults", "1"}};
    auto searched = api.get(connector.data_center ? "/search" : "/search/jql", query);
    if (!searched) {
      if (searched.error().kind != core::ErrorKind::usage) return tl::unexpected(searched.error());
      problem(project.mark, "projects." + project.project,
              fmt::format("Jira has no project '{}', or the token's account cannot see it", project.project));
      continue;
    }
    if (project.hours_issue.empty() || !connector.export_hours) continue;
    bool gone = false;
    auto issue = api.get_unless_gone("/issue/" + project.hours_issue, {{"fields", "project"}}, gone);
    if (!issue) return tl::unexpected(issue.error());
    if (gone) {
      problem(project.mark, "projects." + project.project + ".hours_issue",
              fmt::format("Jira has no issue {}, or the token's account cannot see it", project.hours_issue));
    }
  }
  if (connector.export_incidents) {
    auto listed = api.get("/priority");
    if (!listed) return tl::unexpected(listed.error());
    std::set<std::string> priorities;
    if (listed->is_array()) {
      for (const auto& p : *listed) priorities.insert(text_of(p, "name"));
    }
    for (auto severity : k_severities) {
      auto name = jira_priority_for(connector, severity);
      if (!priorities.count(name)) {
        problem(connector.mark, fmt::format("priorities.{}", inventory::to_string(severity)),
                fmt::format("Jira has no priority '{}'", name));
      }
    }
  }
  return {};
}

} // namespace

MappingCheck check_mapping(const inventory::Connector& connector, transport::HttpClient& http) {
  MappingCheck out;
  out.connector = connector.name;
  auto fail = [&](core::Error error) {
    error.message = core::redact(error.message);
    out.error = std::move(error);
    return out;
  };
  const auto& type = connector.type;
  if (type != "jira" && type != "redmine" && type != "zendesk" && type != "trello") {
    out.not_checked = fmt::format("tma does not ask {} about the names of its mapping yet", type);
    return out;
  }
  auto key = detail::resolve_connector_secret(connector);
  if (!key) return fail(key.error());
  core::Result<void> checked;
  if (type == "jira") {
    JiraApi api(connector, *key, http);
    checked = check_jira(connector, api, out);
    out.http_requests = api.requests();
  } else if (type == "trello") {
    auto trello_key = resolve_trello_key(connector, *key);
    if (!trello_key) return fail(trello_key.error());
    TrelloApi api(connector, *trello_key, *key, http);
    checked = check_trello(connector, api, out);
    out.http_requests = api.requests();
  } else if (type == "zendesk") {
    ZendeskApi api(connector, *key, http);
    checked = check_zendesk(connector, api, out);
    out.http_requests = api.requests();
  } else {
    RedmineApi api(connector, *key, http);
    checked = check_redmine(connector, api, out);
    out.http_requests = api.requests();
  }
  for (auto& p : out.problems) p.message = core::redact(p.message);
  if (!checked) return fail(checked.error());
  return out;
}

} // namespace tma::connectors
