// Hours logged in tma (`tma hours log`) pushed as Redmine time entries, through the outbox: the
// attempt committed first, the marker at the end of the entry's comment, `connector.pushed` with the
// time entry's id after. Imported entries and automatic ones (update and restore runs) stay home.
#include <cmath>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>

#include "connectors/sync_context.hpp"

namespace tma::connectors::detail {
namespace {

/// Redmine keeps at most 1024 characters of a time entry's comment.
constexpr std::size_t k_max_comment = 1024;

std::string comment_for(const contract::TimeEntry& entry) {
  auto mark = marker(entry.id);
  auto text = entry.description;
  const auto room = k_max_comment - mark.size() - 1;
  if (text.size() > room) {
    text.resize(room - 3);
    // Do not cut a UTF-8 sequence in two.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
    text += "...";
  }
  return text + " " + mark;
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

} // namespace

core::Result<void> export_hours(Context& context) {
  const auto& connector = context.connector;
  if (!connector.export_hours) return {};
  contract::EntryQuery query;
  for (const auto& p : connector.projects) query.clients.push_back(p.client);
  const auto horizon = context.run.now() - k_export_horizon;
  query.earliest = context.zone.local_date(horizon);
  auto loaded = contract::load_entries(context.journal, query, context.zone);
  if (!loaded) return tl::unexpected(loaded.error());
  auto outbox = read_outbox(context);
  if (!outbox) return tl::unexpected(outbox.error());

  std::map<std::string, long> activities;
  std::map<std::string, long> project_ids;
  for (const auto& entry : loaded->entries) {
    if (entry.at < horizon || entry.external || entry.origin != contract::Origin::manual) continue;
    if (outbox->pushed.count(entry.id) != 0) continue;
    const auto* project = connector.project_of_client(entry.client);
    if (project == nullptr) continue;
    const auto activity = activity_for(connector, entry.category);
    if (activity.empty()) {
      context.result.warnings.push_back(fmt::format("connector {}: no Redmine activity for hours of category {}: "
                                                    "map one in connectors.{}.activities or set hours_activity",
                                                    connector.name, contract::to_string(entry.category), connector.name));
      continue;
    }
    if (context.options.dry_run) {
      context.result.planned.push_back(fmt::format("push {} h of {} ({}) to {}", contract::format_decimal_hours(entry.duration),
                                                   core::format_date(entry.date), entry.client, project->project));
      continue;
    }
    if (activities.empty()) {
      auto list = context.api.get("/enumerations/time_entry_activities.json");
      if (!list) return tl::unexpected(list.error());
      for (const auto& a : array_of(*list, "time_entry_activities")) activities[text_of(a, "name")] = long_of(a, "id");
    }
    const auto activity_id = activities.find(activity);
    if (activity_id == activities.end()) {
      return core::fail(core::ErrorKind::config, fmt::format("connector {}: Redmine has no time entry activity '{}'",
                                                             connector.name, activity));
    }
    if (!project_ids.count(project->project)) {
      auto id = project_id(context, *project);
      if (!id) return tl::unexpected(id.error());
      project_ids[project->project] = *id;
    }
    const auto pid = project_ids[project->project];
    // The event of this entry, as the outbox's events name it.
    journal::Event about;
    about.id = entry.id;
    about.site = entry.site.value_or("");
    about.client = entry.client;

    std::optional<long> pushed;
    if (outbox->attempted.count(entry.id) != 0) {
      auto found = find_pushed(context, pid, entry);
      if (!found) return tl::unexpected(found.error());
      pushed = *found;
      if (pushed) ++context.result.counts.found_by_marker;
    }
    if (!pushed) {
      if (auto r = record_and_commit(context, k_attempt, about, {{"kind", "time_entry"}}); !r) return r;
      nlohmann::json body{{"spent_on", core::format_date(entry.date)},
                          {"hours", std::round(static_cast<double>(entry.duration.count()) / 36.0) / 100.0},
                          {"activity_id", activity_id->second},
                          {"comments", comment_for(entry)}};
      // On the request's issue when the request came from this Redmine, else on the project.
      std::string issue;
      if (entry.request) {
        for (const auto& [remote, request] : context.requests) {
          if (request.id == *entry.request || request.number == *entry.request) issue = remote;
        }
      }
      if (auto id = numeric_id(issue)) body["issue_id"] = *id;
      else body["project_id"] = pid;
      auto created = context.api.post("/time_entries.json", {{"time_entry", body}});
      if (!created) return tl::unexpected(created.error());
      pushed = long_of(object_of(*created, "time_entry"), "id");
      if (*pushed <= 0) {
        return core::fail(core::ErrorKind::http,
                          fmt::format("connector {}: POST /time_entries.json: no id in the answer", connector.name));
      }
      ++context.result.counts.hours_pushed;
      if (context.options.after_remote_write) context.options.after_remote_write("time_entry");
    }
    if (auto r = record_and_commit(context, k_pushed, about, {{"time_entry", *pushed}}); !r) return r;
    outbox->pushed[entry.id] = *pushed;
  }
  return {};
}

} // namespace tma::connectors::detail
