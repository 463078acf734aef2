// Jira's side of the export (outbox.hpp runs the loops; docs/connectors.md, "Jira"): an incident
// becomes an issue labelled `tma-<event id>`, its follow-ups comments ending with the marker, its
// resolution and reopening transitions found through `/transitions` (workflows differ: ids are never
// assumed); hours become worklogs on the request's issue or the project's `hours_issue`.
#include <chrono>

#include <fmt/format.h>

#include <tma/connectors/jira_mapping.hpp>
#include <tma/connectors/redmine_mapping.hpp>
#include <tma/contract/hours.hpp>

#include "connectors/jira_context.hpp"
#include "connectors/outbox.hpp"

namespace tma::connectors::detail {
namespace {

/// Jira's search index lags behind writes (seconds, in Atlassian's words "eventually consistent"):
/// an attempt younger than this whose issue the search does not show waits for a later sync
/// rather than risk a second issue.
constexpr std::chrono::seconds k_index_settle{120};
constexpr std::size_t k_max_summary = 255;
constexpr int k_page = 100;

/// Whether the comments (or worklogs) listed at `path` under `key` carry `mark`, page by page
/// (`startAt`, `maxResults`, `total`); the id of the first that does.
core::Result<std::optional<std::string>> find_marked_item(JiraContext& c, const std::string& path, Query query,
                                                          const char* key, const char* text_field,
                                                          const std::string& mark, bool& gone) {
  for (long long start = 0;;) {
    auto paged = query;
    paged.emplace_back("startAt", std::to_string(start));
    paged.emplace_back("maxResults", std::to_string(k_page));
    auto page = c.api.get_unless_gone(path, paged, gone);
    if (!page) return tl::unexpected(page.error());
    if (gone) return std::optional<std::string>{};
    const auto& items = array_of(*page, key);
    for (const auto& item : items) {
      const auto* text = member(item, text_field);
      if (text != nullptr && jira_text(*text).find(mark) != std::string::npos) {
        return std::optional<std::string>(text_of(item, "id"));
      }
    }
    start += static_cast<long long>(items.size());
    if (items.empty() || start >= integer_of(*page, "total")) return std::optional<std::string>{};
  }
}

/// The path of issue `id` (Jira's numeric id, from the outbox: checked, as the journal travels).
core::Result<std::string> issue_path(const JiraContext& c, const std::string& id) {
  if (numeric_id(id)) return "/issue/" + id;
  return core::fail(core::ErrorKind::config,
                    fmt::format("connector {}: the journal's issue id '{}' is not a Jira issue id", c.connector.name, id));
}

class JiraIncidents final : public IncidentTarget {
public:
  explicit JiraIncidents(JiraContext& c) : m_c(c) {}

  core::Result<void> prepare() override { return {}; }

  core::Result<Lookup> find_created(const inventory::ConnectorProject& project, const std::string& event_id,
                                    core::SysSeconds attempted) override {
    Lookup out;
    const auto jql = fmt::format("project = {} AND labels = {}", jql_quote(project.project), jql_quote(jira_label(event_id)));
    auto searched = search(m_c, jql, "labels", [&](const nlohmann::json& item) -> core::Result<void> {
      if (!out.id) out.id = text_of(item, "id");
      return {};
    });
    if (!searched) return tl::unexpected(searched.error());
    if (out.id && !numeric_id(*out.id)) out.id.reset();
    out.not_yet_searchable = !out.id && m_c.run.now() - attempted < k_index_settle;
    return out;
  }

  core::Result<std::string> create(const inventory::ConnectorProject& project, const incident::Incident& incident,
                                   const std::string& event_id) override {
    const auto& connector = m_c.connector;
    auto summary = with_marker_within(fmt::format("[{}] {}", incident.id, incident.title), "", k_max_summary);
    auto description =
        fmt::format("Incident {} opened by tma ({}) on {}{}.\n\nSite: {} ({})\nSeverity: {}\n\n{}", incident.id,
                    incident::to_string(incident.source), core::format_rfc3339_utc(incident.opened),
                    incident.opened_by.empty() ? "" : " by " + incident.opened_by, incident.site,
                    incident.env.empty() ? "-" : incident.env, inventory::to_string(incident.severity), marker(event_id));
    nlohmann::json fields{{"project", {{"key", project.project}}},
                          {"issuetype", {{"name", connector.issue_type}}},
                          {"summary", summary},
                          {"description", jira_document(description, connector.data_center)},
                          {"labels", {jira_label(event_id)}},
                          {"priority", {{"name", jira_priority_for(connector, incident.severity)}}}};
    std::vector<std::string> refused;
    auto has_refused = [&](const char* field) { return std::find(refused.begin(), refused.end(), field) != refused.end(); };
    auto created = m_c.api.create("/issue", {{"fields", fields}}, refused);
    // A project without a priority field (team-managed) refuses it; a 400 created nothing, so the
    // same issue is sent again without it.
    if (!created && has_refused("priority") && !has_refused("issuetype")) {
      fields.erase("priority");
      created = m_c.api.create("/issue", {{"fields", fields}}, refused);
    }
    if (!created) {
      auto error = created.error();
      if (has_refused("issuetype")) {
        error.kind = core::ErrorKind::config;
        error.message += fmt::format(" (set connectors.{}.issue_type to an issue type of project {})", connector.name,
                                     project.project);
      }
      return tl::unexpected(std::move(error));
    }
    auto id = text_of(*created, "id");
    if (!numeric_id(id)) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: POST /issue: no issue id in the answer", connector.name));
    }
    return id;
  }

  core::Result<bool> has_follow_up(const std::string& issue, const std::string& event_id) override {
    auto path = issue_path(m_c, issue);
    if (!path) return tl::unexpected(path.error());
    bool gone = false;
    auto found = find_marked_item(m_c, *path + "/comment", {}, "comments", "body", marker(event_id), gone);
    if (!found) return tl::unexpected(found.error());
    return found->has_value();
  }

  core::Result<bool> push_follow_up(const std::string& issue, const FollowUpText& follow_up,
                                    const std::string& event_id) override {
    auto path = issue_path(m_c, issue);
    if (!path) return tl::unexpected(path.error());
    const auto body = jira_document(fmt::format("{}\n\n{}", follow_up.text, marker(event_id)), m_c.connector.data_center);
    bool gone = false;
    if (follow_up.kind != FollowUp::note) {
      auto transition = transition_to(*path, follow_up.kind == FollowUp::resolve, gone);
      if (!transition) return tl::unexpected(transition.error());
      if (gone) return false;
      if (!transition->empty()) {
        // The comment travels with the transition: one write, so a retry never finds one without
        // the other.
        nlohmann::json change{{"transition", {{"id", *transition}}},
                              {"update", {{"comment", {{{"add", {{"body", body}}}}}}}}};
        auto done = m_c.api.post(*path + "/transitions", change, 204, &gone);
        if (!done) return tl::unexpected(done.error());
        return !gone;
      }
      m_c.result.warnings.push_back(fmt::format("connector {}: issue {} has no transition to a {} status: the {} is "
                                                "added as a comment only",
                                                m_c.connector.name, issue,
                                                follow_up.kind == FollowUp::resolve ? "done" : "to-do",
                                                follow_up.kind == FollowUp::resolve ? "resolution" : "reopening"));
    }
    auto added = m_c.api.post(*path + "/comment", {{"body", body}}, 201, &gone);
    if (!added) return tl::unexpected(added.error());
    return !gone;
  }

  const char* tool() const override { return "Jira"; }

private:
  /// The id of the issue's first available transition to a status of category `done` (resolve), or
  /// `new`, else `indeterminate` (reopen); "" when its workflow has none from where it is.
  core::Result<std::string> transition_to(const std::string& path, bool resolve, bool& gone) {
    auto listed = m_c.api.get_unless_gone(path + "/transitions", {}, gone);
    if (!listed) return tl::unexpected(listed.error());
    if (gone) return std::string{};
    const std::vector<std::string> wanted = resolve ? std::vector<std::string>{"done"}
                                                    : std::vector<std::string>{"new", "indeterminate"};
    for (const auto& category : wanted) {
      for (const auto& t : array_of(*listed, "transitions")) {
        const auto* available = member(t, "isAvailable");
        if (available != nullptr && available->is_boolean() && !available->get<bool>()) continue;
        auto id = text_of(t, "id");
        if (numeric_id(id) && text_of(object_of(object_of(t, "to"), "statusCategory"), "key") == category) return id;
      }
    }
    return std::string{};
  }

  JiraContext& m_c;
};

class JiraHours final : public HoursTarget {
public:
  explicit JiraHours(JiraContext& c) : m_c(c) {}

  std::string cannot_push(const inventory::ConnectorProject& project, const contract::TimeEntry& entry) override {
    if (!issue_of(project, entry).empty()) return "";
    return fmt::format("{} h of {} ({}) are on no Jira issue: log them with --request of a request imported from "
                       "project {}, or set connectors.{}.projects.{}.hours_issue",
                       contract::format_decimal_hours(entry.duration), core::format_date(entry.date), entry.client,
                       project.project, m_c.connector.name, project.project);
  }

  core::Result<std::optional<std::string>> find_pushed(const inventory::ConnectorProject& project,
                                                       const contract::TimeEntry& entry) override {
    const auto issue = issue_of(project, entry);
    const auto day = m_c.zone.start_of_day(entry.date);
    const auto ms = [](core::SysSeconds t) { return std::to_string(static_cast<long long>(t.time_since_epoch().count()) * 1000); };
    bool gone = false;
    return find_marked_item(m_c, "/issue/" + issue + "/worklog",
                            {{"startedAfter", ms(day - std::chrono::hours(1))}, {"startedBefore", ms(day + std::chrono::hours(25))}},
                            "worklogs", "comment", marker(entry.id), gone);
  }

  core::Result<std::string> push(const inventory::ConnectorProject& project, const contract::TimeEntry& entry) override {
    const auto issue = issue_of(project, entry);
    // Noon in the agency's zone: the worklog's date reads the same in any zone a person views it from.
    const auto started = m_c.zone.start_of_day(entry.date) + std::chrono::hours(12);
    nlohmann::json body{{"started", jira_started(started)},
                        {"timeSpentSeconds", entry.duration.count()},
                        {"comment", jira_document(with_marker_within(entry.description, " " + marker(entry.id), 32767),
                                                  m_c.connector.data_center)}};
    auto created = m_c.api.post("/issue/" + issue + "/worklog", body, 201);
    if (!created) return tl::unexpected(created.error());
    auto id = text_of(*created, "id");
    if (!numeric_id(id)) {
      return core::fail(core::ErrorKind::http,
                        fmt::format("connector {}: POST /issue/{}/worklog: no worklog id in the answer", m_c.connector.name, issue));
    }
    return id;
  }

private:
  /// The Jira issue (numeric id, or key) hours of `entry` go on: its request's issue when that
  /// request came from this connector, else the project's `hours_issue`; "" when neither.
  std::string issue_of(const inventory::ConnectorProject& project, const contract::TimeEntry& entry) const {
    if (entry.request) {
      for (const auto& [remote, request] : m_c.requests) {
        if ((request.id == *entry.request || request.number == *entry.request) && numeric_id(remote)) return remote;
      }
    }
    return project.hours_issue;
  }

  JiraContext& m_c;
};

} // namespace

core::Result<void> export_jira(JiraContext& c) {
  JiraIncidents incidents(c);
  if (auto exported = export_incidents(c, incidents); !exported) return exported;
  JiraHours hours(c);
  return export_hours(c, hours);
}

} // namespace tma::connectors::detail
