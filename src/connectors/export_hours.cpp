// Redmine's side of the hours export (outbox.hpp runs the loop): hours logged in tma become Redmine
// time entries, the marker at the end of the entry's comment.
#include <cmath>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>

#include "connectors/outbox.hpp"

namespace tma::connectors::detail {
namespace {

/// Redmine keeps at most 1024 characters of a time entry's comment.
constexpr std::size_t k_max_comment = 1024;

std::string comment_for(const contract::TimeEntry& entry) {
  return with_marker_within(entry.description, " " + marker(entry.id), k_max_comment);
}

/// The activity for `category`: the first of `activities` mapped to it, else `hours_activity`.
std::string activity_for(const inventory::Connector& connector, contract::Category category) {
  for (const auto& [activity, name] : connector.activities) {
    if (name == contract::to_string(category)) return activity;
  }
  return connector.hours_activity;
}

/// The entry an earlier attempt created, found by its marker among the project's entries of its day.
core::Result<std::optional<long>> find_pushed(Context& context, long project_id, const contract::TimeEntry& entry) {
  const auto day = core::format_date(entry.date);
  return find_marked(context, "/time_entries.json",
                     {{"project_id", std::to_string(project_id)}, {"from", day}, {"to", day}}, "time_entries",
                     "comments", marker(entry.id));
}

/// Redmine's side of the hours export: a time entry on the request's issue when the request came
/// from this Redmine, else on the project, with the activity `activities` maps the category to.
class RedmineHours final : public HoursTarget {
public:
  explicit RedmineHours(Context& context) : m_context(context) {}

  std::string cannot_push(const inventory::ConnectorProject&, const contract::TimeEntry& entry) override {
    if (!activity_for(m_context.connector, entry.category).empty()) return "";
    return fmt::format("no Redmine activity for hours of category {}: map one in connectors.{}.activities or set "
                       "hours_activity",
                       contract::to_string(entry.category), m_context.connector.name);
  }

  core::Result<std::optional<std::string>> find_pushed(const inventory::ConnectorProject& project,
                                                       const contract::TimeEntry& entry) override {
    auto pid = project_id_of(project);
    if (!pid) return tl::unexpected(pid.error());
    auto found = detail::find_pushed(m_context, *pid, entry);
    if (!found) return tl::unexpected(found.error());
    if (!*found) return std::optional<std::string>{};
    return std::optional<std::string>(std::to_string(**found));
  }

  core::Result<std::string> push(const inventory::ConnectorProject& project, const contract::TimeEntry& entry) override {
    const auto& connector = m_context.connector;
    if (m_activities.empty()) {
      auto list = m_context.api.get("/enumerations/time_entry_activities.json");
      if (!list) return tl::unexpected(list.error());
      for (const auto& a : array_of(*list, "time_entry_activities")) m_activities[text_of(a, "name")] = long_of(a, "id");
    }
    const auto activity = activity_for(connector, entry.category);
    const auto activity_id = m_activities.find(activity);
    if (activity_id == m_activities.end()) {
      return core::fail(core::ErrorKind::config, fmt::format("connector {}: Redmine has no time entry activity '{}'",
                                                             connector.name, activity));
    }
    auto pid = project_id_of(project);
    if (!pid) return tl::unexpected(pid.error());
    nlohmann::json body{{"spent_on", core::format_date(entry.date)},
                        {"hours", std::round(static_cast<double>(entry.duration.count()) / 36.0) / 100.0},
                        {"activity_id", activity_id->second},
                        {"comments", comment_for(entry)}};
    // On the request's issue when the request came from this Redmine, else on the project.
    std::string issue;
    if (entry.request) {
      for (const auto& [remote, request] : m_context.requests) {
        if (request.id == *entry.request || request.number == *entry.request) issue = remote;
      }
    }
    if (auto id = numeric_id(issue)) body["issue_id"] = *id;
    else body["project_id"] = *pid;
    auto created = m_context.api.post("/time_entries.json", {{"time_entry", body}});
    if (!created) return tl::unexpected(created.error());
    const long id = long_of(object_of(*created, "time_entry"), "id");
    if (id <= 0) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: POST /time_entries.json: no id in the answer", connector.name));
    }
    return std::to_string(id);
  }

private:
  core::Result<long> project_id_of(const inventory::ConnectorProject& project) {
    if (auto it = m_project_ids.find(project.project); it != m_project_ids.end()) return it->second;
    auto id = project_id(m_context, project);
    if (id) m_project_ids[project.project] = *id;
    return id;
  }

  Context& m_context;
  std::map<std::string, long> m_activities;
  std::map<std::string, long> m_project_ids;
};

} // namespace

core::Result<void> export_redmine_hours(Context& context) {
  RedmineHours target(context);
  return export_hours(context, target);
}

} // namespace tma::connectors::detail
