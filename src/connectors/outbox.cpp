// The export loops every tool shares (outbox.hpp): incident events and manual hours of the mapped
// clients go out through the journal's outbox, at least once and never twice: attempt committed,
// marker in what is written, acknowledgement committed; an attempt without acknowledgement is
// looked up by its marker before it is tried again.
#include "connectors/outbox.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>
#include <tma/connectors/redmine_mapping.hpp>

namespace tma::connectors::detail {

namespace {

/// The id member of a `connector.pushed` event, as text (numbers from Redmine's and Jira's ids).
std::string id_text(const nlohmann::json& data, const char* key) {
  const auto* v = member(data, key);
  if (v == nullptr) return "";
  if (v->is_number_integer()) return std::to_string(v->get<long long>());
  if (v->is_string()) return v->get<std::string>();
  return "";
}

} // namespace

nlohmann::json id_value(const std::string& id) {
  const bool digits = !id.empty() && id.size() <= 18 && std::all_of(id.begin(), id.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (digits) return std::stoll(id);
  return id;
}

core::Result<Outbox> read_outbox(const SyncState& state) {
  journal::Filter filter;
  filter.types = {std::string(k_attempt), std::string(k_pushed)};
  filter.since = state.run.now() - k_export_lookback;
  Outbox outbox;
  auto scanned = state.journal.scan(filter, [&](const journal::Event& e) {
    if (text_of(e.data, "connector") != state.connector.name) return true;
    auto event = text_of(e.data, "event");
    if (e.type == k_pushed) {
      auto id = id_text(e.data, "issue");
      if (id.empty()) id = id_text(e.data, "time_entry");
      outbox.pushed[event] = id;
    } else {
      auto& at = outbox.attempted.try_emplace(event, e.at).first->second;
      at = std::min(at, e.at);
    }
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  return outbox;
}

core::Result<void> record_and_commit(SyncState& state, std::string_view type, const journal::Event& about,
                                     nlohmann::json data) {
  data["connector"] = state.connector.name;
  data["event"] = about.id;
  state.run.record(std::string(type), {about.site, about.env, about.client}, std::move(data));
  return state.run.flush();
}

std::optional<FollowUpText> follow_up_of(const journal::Event& e) {
  if (e.type == incident::k_acknowledged) return FollowUpText{FollowUp::note, fmt::format("Acknowledged by {}.", e.actor)};
  if (e.type == incident::k_noted) return FollowUpText{FollowUp::note, text_of(e.data, "text")};
  if (e.type == incident::k_resolved) {
    auto cause = text_of(e.data, "cause");
    return FollowUpText{FollowUp::resolve, cause.empty() ? "Resolved." : "Resolved: " + cause};
  }
  if (e.type == incident::k_reopened) {
    auto reason = text_of(e.data, "reason");
    return FollowUpText{FollowUp::reopen, reason.empty() ? "Reopened." : "Reopened: " + reason};
  }
  return std::nullopt;
}

std::string with_marker_within(std::string text, const std::string& suffix, std::size_t limit) {
  if (text.size() + suffix.size() > limit) {
    text.resize(limit > suffix.size() + 3 ? limit - suffix.size() - 3 : 0);
    // Do not cut a UTF-8 sequence in two.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
    text += "...";
  }
  return text + suffix;
}

core::Result<void> export_incidents(SyncState& state, IncidentTarget& target) {
  const auto& connector = state.connector;
  if (!connector.export_incidents) return {};
  std::vector<std::string> clients;
  for (const auto& p : connector.projects) clients.push_back(p.client);
  journal::Filter filter;
  filter.types = {"incident."};
  filter.clients = clients;
  filter.since = state.run.now() - k_export_lookback;
  auto events = journal::read_events(state.journal, filter);
  if (!events) return tl::unexpected(events.error());
  auto incidents = incident::fold(*events);
  std::map<std::string, const incident::Incident*> by_opening;
  for (const auto& i : incidents) by_opening[i.opened_event] = &i;
  auto outbox = read_outbox(state);
  if (!outbox) return tl::unexpected(outbox.error());

  std::vector<const journal::Event*> intents;
  const auto horizon = state.run.now() - k_export_horizon;
  for (const auto& e : *events) {
    // Prod only: preprod (and any other environment) is internal and never reaches a client's tracker.
    if (e.at < horizon || (!e.env.empty() && e.env != "prod") || outbox->pushed.count(e.id) != 0) continue;
    intents.push_back(&e);
  }
  std::sort(intents.begin(), intents.end(), [](const auto* a, const auto* b) { return incident::event_before(*a, *b); });
  if (intents.empty()) return {};

  bool prepared = false;
  for (const auto* e : intents) {
    const auto* project = connector.project_of_client(e->client);
    if (project == nullptr) continue;
    const bool opening = e->type == incident::k_opened;
    auto opened_event = opening ? e->id : text_of(e->data, "opened_event");
    auto incident = by_opening.find(opened_event);
    if (incident == by_opening.end()) continue; // opened before the lookback: not ours to follow
    const auto follow_up = opening ? std::nullopt : follow_up_of(*e);
    if (!opening && !follow_up) continue;
    // A follow-up whose incident has no issue (never created: it failed, it is older than the
    // horizon, or its creation waits for the tool's search) has nothing to go to; a dry run plans
    // both, the creation first.
    if (!opening && outbox->pushed.count(opened_event) == 0 && !state.options.dry_run) continue;
    if (state.options.dry_run) {
      state.result.planned.push_back(opening ? fmt::format("create an issue in {} for {} ({})", project->project,
                                                           incident->second->id, incident->second->title)
                                             : fmt::format("add {} of {} to its issue", e->type, incident->second->id));
      continue;
    }
    if (!prepared) {
      if (auto ready = target.prepare(); !ready) return ready;
      prepared = true;
    }
    const auto attempted = outbox->attempted.find(e->id);

    if (opening) {
      std::optional<std::string> issue;
      if (attempted != outbox->attempted.end()) {
        auto found = target.find_created(*project, e->id, attempted->second);
        if (!found) return tl::unexpected(found.error());
        if (found->not_yet_searchable) {
          state.result.warnings.push_back(fmt::format("connector {}: the issue of {} tried at {} is not searchable in "
                                                      "{} yet: looked for again at the next sync",
                                                      connector.name, incident->second->id,
                                                      core::format_rfc3339_utc(attempted->second), target.tool()));
          continue;
        }
        issue = found->id;
        if (issue) ++state.result.counts.found_by_marker;
      }
      if (!issue) {
        if (auto r = record_and_commit(state, k_attempt, *e, {{"kind", "create"}}); !r) return r;
        auto created = target.create(*project, *incident->second, e->id);
        if (!created) return tl::unexpected(created.error());
        issue = *created;
        ++state.result.counts.issues_created;
        if (state.options.after_remote_write) state.options.after_remote_write("create");
      }
      if (auto r = record_and_commit(state, k_pushed, *e, {{"issue", id_value(*issue)}}); !r) return r;
      outbox->pushed[e->id] = *issue;
      continue;
    }

    const auto issue = outbox->pushed[opened_event];
    bool done = false;
    if (attempted != outbox->attempted.end()) {
      auto noted = target.has_follow_up(issue, e->id);
      if (!noted) return tl::unexpected(noted.error());
      done = *noted;
      if (done) ++state.result.counts.found_by_marker;
    }
    nlohmann::json pushed{{"issue", id_value(issue)}};
    if (!done) {
      if (auto r = record_and_commit(state, k_attempt, *e, {{"kind", "update"}, {"issue", id_value(issue)}}); !r) return r;
      auto added = target.push_follow_up(issue, *follow_up, e->id);
      if (!added) return tl::unexpected(added.error());
      if (*added) {
        ++state.result.counts.issues_changed;
      } else {
        // Deleted in the tool: nothing to add to; said once, and not tried again.
        state.result.warnings.push_back(fmt::format("connector {}: issue {} of {} no longer exists in {}; {} not pushed",
                                                    connector.name, issue, incident->second->id, target.tool(), e->type));
        pushed["gone"] = true;
      }
      if (state.options.after_remote_write) state.options.after_remote_write("update");
    }
    if (auto r = record_and_commit(state, k_pushed, *e, pushed); !r) return r;
    outbox->pushed[e->id] = issue;
  }
  return {};
}

core::Result<void> export_hours(SyncState& state, HoursTarget& target) {
  const auto& connector = state.connector;
  if (!connector.export_hours) return {};
  contract::EntryQuery query;
  for (const auto& p : connector.projects) query.clients.push_back(p.client);
  const auto horizon = state.run.now() - k_export_horizon;
  query.earliest = state.zone.local_date(horizon);
  auto loaded = contract::load_entries(state.journal, query, state.zone);
  if (!loaded) return tl::unexpected(loaded.error());
  auto outbox = read_outbox(state);
  if (!outbox) return tl::unexpected(outbox.error());

  for (const auto& entry : loaded->entries) {
    // Imported entries and automatic ones (update and restore runs) stay home.
    if (entry.at < horizon || entry.external || entry.origin != contract::Origin::manual) continue;
    if (outbox->pushed.count(entry.id) != 0) continue;
    const auto* project = connector.project_of_client(entry.client);
    if (project == nullptr) continue;
    if (auto why = target.cannot_push(*project, entry); !why.empty()) {
      state.result.warnings.push_back(fmt::format("connector {}: {}", connector.name, why));
      continue;
    }
    if (state.options.dry_run) {
      state.result.planned.push_back(fmt::format("push {} h of {} ({}) to {}", contract::format_decimal_hours(entry.duration),
                                                 core::format_date(entry.date), entry.client, project->project));
      continue;
    }
    // The event of this entry, as the outbox's events name it.
    journal::Event about;
    about.id = entry.id;
    about.site = entry.site.value_or("");
    about.client = entry.client;

    std::optional<std::string> pushed;
    if (outbox->attempted.count(entry.id) != 0) {
      auto found = target.find_pushed(*project, entry);
      if (!found) return tl::unexpected(found.error());
      pushed = *found;
      if (pushed) ++state.result.counts.found_by_marker;
    }
    if (!pushed) {
      if (auto r = record_and_commit(state, k_attempt, about, {{"kind", "time_entry"}}); !r) return r;
      auto created = target.push(*project, entry);
      if (!created) return tl::unexpected(created.error());
      pushed = *created;
      ++state.result.counts.hours_pushed;
      if (state.options.after_remote_write) state.options.after_remote_write("time_entry");
    }
    if (auto r = record_and_commit(state, k_pushed, about, {{"time_entry", id_value(*pushed)}}); !r) return r;
    outbox->pushed[entry.id] = *pushed;
  }
  return {};
}

} // namespace tma::connectors::detail
