// The export half of a sync: tma's incidents become Redmine issues, their acknowledgements, notes,
// resolutions and reopenings become notes and status changes, through the journal's outbox
// (sync.hpp): attempt committed, marker in what is written, acknowledgement committed.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp>
#include <tma/incident/incident.hpp>
#include <tma/incident/numbering.hpp>

#include "connectors/sync_context.hpp"

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

core::Result<Outbox> read_outbox(const Context& context) {
  journal::Filter filter;
  filter.types = {std::string(k_attempt), std::string(k_pushed)};
  filter.since = context.run.now() - k_export_lookback;
  Outbox outbox;
  auto scanned = context.journal.scan(filter, [&](const journal::Event& e) {
    if (text_of(e.data, "connector") != context.connector.name) return true;
    auto event = text_of(e.data, "event");
    if (e.type == k_pushed) outbox.pushed[event] = std::max(long_of(e.data, "issue"), long_of(e.data, "time_entry"));
    else {
      auto& at = outbox.attempted.try_emplace(event, e.at).first->second;
      at = std::min(at, e.at);
    }
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  return outbox;
}

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

core::Result<void> record_and_commit(Context& context, std::string_view type, const journal::Event& about,
                                     nlohmann::json data) {
  data["connector"] = context.connector.name;
  data["event"] = about.id;
  context.run.record(std::string(type), {about.site, about.env, about.client}, std::move(data));
  return context.run.flush();
}

namespace {

std::string issue_description(const incident::Incident& incident, const std::string& event_id) {
  return fmt::format("Incident {} opened by tma ({}) on {}{}.\n\nSite: {} ({})\nSeverity: {}\n\n{}", incident.id,
                     incident::to_string(incident.source), core::format_rfc3339_utc(incident.opened),
                     incident.opened_by.empty() ? "" : " by " + incident.opened_by, incident.site,
                     incident.env.empty() ? "-" : incident.env, inventory::to_string(incident.severity),
                     marker(event_id));
}

/// The note and status change for a follow-up event; nullopt for events that are not pushed.
std::optional<nlohmann::json> follow_up_body(const journal::Event& e, const Enumerations& enums) {
  nlohmann::json issue;
  std::string text;
  if (e.type == incident::k_acknowledged) text = fmt::format("Acknowledged by {}.", e.actor);
  else if (e.type == incident::k_noted) text = text_of(e.data, "text");
  else if (e.type == incident::k_resolved) {
    auto cause = text_of(e.data, "cause");
    text = cause.empty() ? "Resolved." : "Resolved: " + cause;
    if (enums.closed_status != 0) issue["status_id"] = enums.closed_status;
  } else if (e.type == incident::k_reopened) {
    auto reason = text_of(e.data, "reason");
    text = reason.empty() ? "Reopened." : "Reopened: " + reason;
    if (enums.open_status != 0) issue["status_id"] = enums.open_status;
  } else {
    return std::nullopt;
  }
  issue["notes"] = fmt::format("{}\n\n{}", text, marker(e.id));
  return nlohmann::json{{"issue", issue}};
}

} // namespace

core::Result<void> export_incidents(Context& context) {
  const auto& connector = context.connector;
  if (!connector.export_incidents) return {};
  std::vector<std::string> clients;
  for (const auto& p : connector.projects) clients.push_back(p.client);
  journal::Filter filter;
  filter.types = {"incident."};
  filter.clients = clients;
  filter.since = context.run.now() - k_export_lookback;
  auto events = journal::read_events(context.journal, filter);
  if (!events) return tl::unexpected(events.error());
  auto incidents = incident::fold(*events);
  std::map<std::string, const incident::Incident*> by_opening;
  for (const auto& i : incidents) by_opening[i.opened_event] = &i;
  auto outbox = read_outbox(context);
  if (!outbox) return tl::unexpected(outbox.error());

  std::vector<const journal::Event*> intents;
  const auto horizon = context.run.now() - k_export_horizon;
  for (const auto& e : *events) {
    // Prod only: preprod (and any other environment) is internal and never reaches a client's tracker.
    if (e.at < horizon || (!e.env.empty() && e.env != "prod") || outbox->pushed.count(e.id) != 0) continue;
    intents.push_back(&e);
  }
  std::sort(intents.begin(), intents.end(), [](const auto* a, const auto* b) { return incident::event_before(*a, *b); });
  if (intents.empty()) return {};

  std::optional<Enumerations> enums;
  std::map<std::string, long> project_ids;
  for (const auto* e : intents) {
    const auto* project = connector.project_of_client(e->client);
    if (project == nullptr) continue;
    const bool opening = e->type == incident::k_opened;
    auto opened_event = opening ? e->id : text_of(e->data, "opened_event");
    auto incident = by_opening.find(opened_event);
    if (incident == by_opening.end()) continue; // opened before the lookback: not ours to follow
    // A follow-up whose incident has no issue (never created: it failed, or it is older than the
    // horizon) has nothing to go to; a dry run plans both, the creation comes first.
    if (!opening && outbox->pushed.count(opened_event) == 0 && !context.options.dry_run) continue;
    if (context.options.dry_run) {
      context.result.planned.push_back(opening ? fmt::format("create an issue in {} for {} ({})", project->project,
                                                             incident->second->id, incident->second->title)
                                               : fmt::format("add {} of {} to its issue", e->type, incident->second->id));
      continue;
    }
    if (!enums) {
      auto read = read_enumerations(context.api);
      if (!read) return tl::unexpected(read.error());
      enums = std::move(*read);
    }
    if (!project_ids.count(project->project)) {
      auto id = project_id(context, *project);
      if (!id) return tl::unexpected(id.error());
      project_ids[project->project] = *id;
    }
    const auto pid = project_ids[project->project];
    const auto attempted = outbox->attempted.find(e->id);

    if (opening) {
      std::optional<long> issue;
      if (attempted != outbox->attempted.end()) {
        auto found = find_created(context, pid, e->id, attempted->second);
        if (!found) return tl::unexpected(found.error());
        issue = *found;
        if (issue) ++context.result.counts.found_by_marker;
      }
      if (!issue) {
        nlohmann::json body{{"project_id", pid},
                            {"subject", fmt::format("[{}] {}", incident->second->id, incident->second->title)},
                            {"description", issue_description(*incident->second, e->id)}};
        // Names the inventory gives are checked before anything is attempted.
        auto priority = priority_for(connector, incident->second->severity);
        auto p = enums->priorities.find(priority);
        if (p == enums->priorities.end()) {
          return core::fail(core::ErrorKind::config, fmt::format("connector {}: connectors.{}.priorities: Redmine has "
                                                                 "no priority '{}'",
                                                                 connector.name, connector.name, priority));
        }
        body["priority_id"] = p->second;
        if (!connector.tracker.empty()) {
          auto t = enums->trackers.find(connector.tracker);
          if (t == enums->trackers.end()) {
            return core::fail(core::ErrorKind::config, fmt::format("connector {}: connectors.{}.tracker: Redmine has no "
                                                                   "tracker '{}'",
                                                                   connector.name, connector.name, connector.tracker));
          }
          body["tracker_id"] = t->second;
        }
        if (auto r = record_and_commit(context, k_attempt, *e, {{"kind", "create"}}); !r) return r;
        auto created = context.api.post("/issues.json", {{"issue", body}});
        if (!created) return tl::unexpected(created.error());
        issue = long_of(object_of(*created, "issue"), "id");
        if (*issue <= 0) {
          return core::fail(core::ErrorKind::http, fmt::format("connector {}: POST /issues.json: no issue id in the answer",
                                                               connector.name));
        }
        ++context.result.counts.issues_created;
        if (context.options.after_remote_write) context.options.after_remote_write("create");
      }
      if (auto r = record_and_commit(context, k_pushed, *e, {{"issue", *issue}}); !r) return r;
      outbox->pushed[e->id] = *issue;
      continue;
    }

    auto body = follow_up_body(*e, *enums);
    if (!body) continue;
    const long issue = outbox->pushed[opened_event];
    bool done = false;
    if (attempted != outbox->attempted.end()) {
      auto noted = has_note(context, issue, e->id);
      if (!noted) return tl::unexpected(noted.error());
      done = *noted;
      if (done) ++context.result.counts.found_by_marker;
    }
    nlohmann::json pushed{{"issue", issue}};
    if (!done) {
      if (auto r = record_and_commit(context, k_attempt, *e, {{"kind", "update"}, {"issue", issue}}); !r) return r;
      auto put = context.api.put("/issues/" + std::to_string(issue) + ".json", *body);
      if (!put) return tl::unexpected(put.error());
      if (*put) {
        ++context.result.counts.issues_changed;
      } else {
        // Deleted in Redmine: nothing to add to; said once, and not tried again.
        context.result.warnings.push_back(fmt::format("connector {}: issue {} of {} no longer exists in Redmine; {} not "
                                                      "pushed",
                                                      connector.name, issue, incident->second->id, e->type));
        pushed["gone"] = true;
      }
      if (context.options.after_remote_write) context.options.after_remote_write("update");
    }
    if (auto r = record_and_commit(context, k_pushed, *e, pushed); !r) return r;
    outbox->pushed[e->id] = issue;
  }
  return {};
}

} // namespace tma::connectors::detail
