// Redmine's side of the incident export (outbox.hpp runs the loop): tma's incidents become Redmine
// issues, their acknowledgements, notes, resolutions and reopenings notes and status changes.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp>
#include <tma/incident/incident.hpp>
#include <tma/incident/numbering.hpp>

#include "connectors/outbox.hpp"

namespace tma::connectors::detail {
namespace {

/// Redmine's ids of the names the export needs: priorities, trackers, statuses.
struct Enumerations {
  std::map<std::string, long> priorities;
  std::map<std::string, long> trackers;
  long closed_status = 0;
  long open_status = 0;
};

core::Result<Enumerations> read_enumerations(RedmineApi& api) {
  Enumerations out;
  auto priorities = api.get("/enumerations/issue_priorities.json");
  if (!priorities) return tl::unexpected(priorities.error());
  for (const auto& p : array_of(*priorities, "issue_priorities")) {
    out.priorities[text_of(p, "name")] = long_of(p, "id");
  }
  auto trackers = api.get("/trackers.json");
  if (!trackers) return tl::unexpected(trackers.error());
  for (const auto& t : array_of(*trackers, "trackers")) out.trackers[text_of(t, "name")] = long_of(t, "id");
  auto statuses = api.get("/issue_statuses.json");
  if (!statuses) return tl::unexpected(statuses.error());
  for (const auto& s : array_of(*statuses, "issue_statuses")) {
    bool closed = bool_of(s, "is_closed");
    long id = long_of(s, "id");
    // The first closed status in Redmine's order is "Closed" in the default data (not "Rejected").
    if (closed && out.closed_status == 0) out.closed_status = id;
    if (!closed && out.open_status == 0) out.open_status = id;
  }
  return out;
}

} // namespace

namespace {

/// The issue created by an earlier attempt for `event_id`, found by its marker among the issues of
/// `project_id` created since shortly before the attempt.
core::Result<std::optional<long>> find_created(Context& context, long project_id, const std::string& event_id,
                                               core::SysSeconds attempted) {
  const auto since = core::format_rfc3339_utc(attempted - std::chrono::minutes(10));
  return find_marked(context, "/issues.json",
                     {{"project_id", std::to_string(project_id)}, {"status_id", "*"}, {"created_on", ">=" + since},
                      {"sort", "id"}},
                     "issues", "description", marker(event_id));
}

/// Whether issue `issue` already has a note carrying `event_id`'s marker (an earlier attempt).
core::Result<bool> has_note(Context& context, long issue, const std::string& event_id) {
  auto found = context.api.find("/issues/" + std::to_string(issue) + ".json", {{"include", "journals"}});
  if (!found) return tl::unexpected(found.error());
  if (!*found) return false;
  const auto mark = marker(event_id);
  for (const auto& j : array_of(object_of(**found, "issue"), "journals")) {
    if (text_of(j, "notes").find(mark) != std::string::npos) return true;
  }
  return false;
}

} // namespace

core::Result<std::optional<long>> find_marked(Context& context, const std::string& path, const Query& query,
                                              const char* key, const char* field, const std::string& marker) {
  for (std::size_t offset = 0;;) {
    auto paged = query;
    paged.emplace_back("limit", std::to_string(k_page_size));
    paged.emplace_back("offset", std::to_string(offset));
    auto page = context.api.get(path, paged);
    if (!page) return tl::unexpected(page.error());
    const auto& items = array_of(*page, key);
    for (const auto& item : items) {
      if (text_of(item, field).find(marker) != std::string::npos) return std::optional<long>(long_of(item, "id"));
    }
    offset += items.size();
    if (items.size() < static_cast<std::size_t>(k_page_size)) return std::optional<long>{};
  }
}

namespace {

std::string issue_description(const incident::Incident& incident, const std::string& event_id) {
  return fmt::format("Incident {} opened by tma ({}) on {}{}.\n\nSite: {} ({})\nSeverity: {}\n\n{}", incident.id,
                     incident::to_string(incident.source), core::format_rfc3339_utc(incident.opened),
                     incident.opened_by.empty() ? "" : " by " + incident.opened_by, incident.site,
                     incident.env.empty() ? "-" : incident.env, inventory::to_string(incident.severity),
                     marker(event_id));
}

/// Redmine's side of the incident export: issues in the client's project, notes with the marker,
/// the first closed (open) status in Redmine's order on resolve (reopen).
class RedmineIncidents final : public IncidentTarget {
public:
  explicit RedmineIncidents(Context& context) : m_context(context) {}

  core::Result<void> prepare() override {
    auto read = read_enumerations(m_context.api);
    if (!read) return tl::unexpected(read.error());
    m_enums = std::move(*read);
    return {};
  }

  core::Result<Lookup> find_created(const inventory::ConnectorProject& project, const std::string& event_id,
                                    core::SysSeconds attempted) override {
    auto pid = project_id_of(project);
    if (!pid) return tl::unexpected(pid.error());
    auto found = detail::find_created(m_context, *pid, event_id, attempted);
    if (!found) return tl::unexpected(found.error());
    Lookup out;
    if (*found) out.id = std::to_string(**found);
    return out;
  }

  core::Result<std::string> create(const inventory::ConnectorProject& project, const incident::Incident& incident,
                                   const std::string& event_id) override {
    const auto& connector = m_context.connector;
    auto pid = project_id_of(project);
    if (!pid) return tl::unexpected(pid.error());
    nlohmann::json body{{"project_id", *pid},
                        {"subject", fmt::format("[{}] {}", incident.id, incident.title)},
                        {"description", issue_description(incident, event_id)}};
    auto priority = priority_for(connector, incident.severity);
    auto p = m_enums.priorities.find(priority);
    if (p == m_enums.priorities.end()) {
      return core::fail(core::ErrorKind::config, fmt::format("connector {}: connectors.{}.priorities: Redmine has "
                                                             "no priority '{}'",
                                                             connector.name, connector.name, priority));
    }
    body["priority_id"] = p->second;
    if (!connector.tracker.empty()) {
      auto t = m_enums.trackers.find(connector.tracker);
      if (t == m_enums.trackers.end()) {
        return core::fail(core::ErrorKind::config, fmt::format("connector {}: connectors.{}.tracker: Redmine has no "
                                                               "tracker '{}'",
                                                               connector.name, connector.name, connector.tracker));
      }
      body["tracker_id"] = t->second;
    }
    auto created = m_context.api.post("/issues.json", {{"issue", body}});
    if (!created) return tl::unexpected(created.error());
    const long issue = long_of(object_of(*created, "issue"), "id");
    if (issue <= 0) {
      return core::fail(core::ErrorKind::http, fmt::format("connector {}: POST /issues.json: no issue id in the answer",
                                                           connector.name));
    }
    return std::to_string(issue);
  }

  core::Result<bool> has_follow_up(const std::string& issue, const std::string& event_id) override {
    auto id = checked_id(issue);
    if (!id) return tl::unexpected(id.error());
    return has_note(m_context, *id, event_id);
  }

  core::Result<bool> push_follow_up(const std::string& issue, const FollowUpText& follow_up,
                                    const std::string& event_id) override {
    auto id = checked_id(issue);
    if (!id) return tl::unexpected(id.error());
    nlohmann::json change{{"notes", fmt::format("{}\n\n{}", follow_up.text, marker(event_id))}};
    if (follow_up.kind == FollowUp::resolve && m_enums.closed_status != 0) change["status_id"] = m_enums.closed_status;
    if (follow_up.kind == FollowUp::reopen && m_enums.open_status != 0) change["status_id"] = m_enums.open_status;
    return m_context.api.put("/issues/" + std::to_string(*id) + ".json", {{"issue", change}});
  }

  const char* tool() const override { return "Redmine"; }

private:
  core::Result<long> project_id_of(const inventory::ConnectorProject& project) {
    if (auto it = m_project_ids.find(project.project); it != m_project_ids.end()) return it->second;
    auto id = project_id(m_context, project);
    if (id) m_project_ids[project.project] = *id;
    return id;
  }
  /// The journal is synced between machines: the issue id it holds goes into a URL only as digits.
  core::Result<long> checked_id(const std::string& issue) const {
    if (auto id = numeric_id(issue)) return *id;
    return core::fail(core::ErrorKind::config, fmt::format("connector {}: the journal's issue id '{}' is not a Redmine "
                                                           "issue id",
                                                           m_context.connector.name, issue));
  }

  Context& m_context;
  Enumerations m_enums;
  std::map<std::string, long> m_project_ids;
};

} // namespace

core::Result<void> export_redmine_incidents(Context& context) {
  RedmineIncidents target(context);
  return export_incidents(context, target);
}

} // namespace tma::connectors::detail
