#include <tma/connectors/sync.hpp>

#include <fmt/format.h>

#include <tma/core/redact.hpp>
#include <tma/transport/secret.hpp>

#include "connectors/sync_context.hpp"
#include "connectors/tool_request.hpp"

namespace tma::connectors {

core::Result<void> detail::load_imported_requests(SyncState& state) {
  auto all = request::load_all(state.journal);
  if (!all) return tl::unexpected(all.error());
  // Read once per sync: numbering is yearly across every request, not only this connector's.
  state.numbers = request::NumberAllocator(*all);
  for (auto& r : *all) {
    if (r.external && r.external->connector == state.connector.name) {
      auto id = r.external->id;
      state.requests.emplace(std::move(id), std::move(r));
    }
  }
  return {};
}

SyncResult detail::finish_sync(SyncState& state, std::size_t http_requests, const core::Result<void>& done) {
  state.result.http_requests = http_requests;
  for (auto& w : state.result.warnings) w = core::redact(w);
  if (!done) {
    auto error = done.error();
    error.message = core::redact(error.message);
    state.result.error = std::move(error);
  }
  return state.result;
}

namespace {

core::Result<detail::Cursor> read_cursor(const journal::Journal& journal, const std::string& connector,
                                         const std::string& project) {
  journal::Filter filter;
  filter.types = {std::string(k_synced)};
  // The furthest cursor, not the newest event: two syncs within one second record events whose
  // order the journal cannot tell, and the bound only ever moves forward (same-format UTC stamps
  // compare as text).
  detail::Cursor cursor;
  auto scanned = journal.scan(filter, [&](const journal::Event& e) {
    if (detail::text_of(e.data, "connector") != connector || detail::text_of(e.data, "project") != project) return true;
    auto updated_on = detail::text_of(e.data, "issues_updated_on");
    if (updated_on > cursor.issues_updated_on) cursor.issues_updated_on = std::move(updated_on);
    cursor.time_entries_listed = cursor.time_entries_listed || detail::bool_of(e.data, "time_entries_listed");
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  return cursor;
}

core::Result<void> sync_project(detail::Context& context, const inventory::ConnectorProject& project) {
  auto id = detail::project_id(context, project);
  if (!id) return tl::unexpected(id.error());
  auto cursor = read_cursor(context.journal, context.connector.name, project.project);
  if (!cursor) return tl::unexpected(cursor.error());
  if (context.options.full) *cursor = {};
  auto next = *cursor;
  if (context.connector.import_issues) {
    auto newest = detail::import_issues(context, project, *id, cursor->issues_updated_on);
    if (!newest) return tl::unexpected(newest.error());
    next.issues_updated_on = *newest;
  }
  if (context.connector.import_time_entries) {
    if (auto imported = detail::import_time_entries(context, project, *id, !cursor->time_entries_listed); !imported) {
      return imported;
    }
    next.time_entries_listed = true;
  }
  // The cursor moves only once everything before it is committed; an unchanged one is not
  // recorded again (a sync that found nothing leaves no commit).
  if (next.issues_updated_on == cursor->issues_updated_on && next.time_entries_listed == cursor->time_entries_listed &&
      !context.options.full) {
    return {};
  }
  context.run.record(std::string(k_synced), {project.site, "", project.client},
                     {{"connector", context.connector.name},
                      {"project", project.project},
                      {"issues_updated_on", next.issues_updated_on},
                      {"time_entries_listed", next.time_entries_listed}});
  return context.run.flush();
}

} // namespace

SyncResult sync_connector(const inventory::Inventory& inventory, const inventory::Connector& connector,
                          const journal::Journal& journal, journal::Run& run, journal::Journal& store,
                          transport::HttpClient& http, const core::TimeZone& zone, const SyncOptions& options) {
  SyncResult result;
  result.connector = connector.name;
  result.type = connector.type;
  auto fail = [&](core::Error error) {
    error.message = core::redact(error.message);
    result.error = std::move(error);
    return result;
  };
  auto key = detail::resolve_connector_secret(connector);
  if (!key) return fail(key.error());
  // A literal key from the inventory is registered at load; one from a command is registered by
  // resolve_secret. Either way no message or event can carry it.
  if (connector.type == "jira") {
    return detail::sync_jira(detail::SyncState{inventory, connector, journal, run, store, zone, options, result}, *key,
                             http);
  }
  if (connector.type == "zendesk") {
    return detail::sync_zendesk(detail::SyncState{inventory, connector, journal, run, store, zone, options, result},
                                *key, http);
  }
  if (connector.type == "trello") {
    return detail::sync_trello(detail::SyncState{inventory, connector, journal, run, store, zone, options, result},
                               *key, http);
  }
  RedmineApi api(connector, *key, http);
  detail::Context context{{inventory, connector, journal, run, store, zone, options, result}, api};
  auto done = [&]() -> core::Result<void> {
    if (auto loaded = detail::load_imported_requests(context); !loaded) return loaded;
    // One project failing (deleted, no permission) does not hold back the others; the first
    // error is the connector's.
    std::optional<core::Error> first;
    for (const auto& project : connector.projects) {
      if (auto synced = sync_project(context, project); !synced) {
        if (!first) first = synced.error();
        else result.warnings.push_back(synced.error().message);
      }
    }
    if (first) return tl::unexpected(*first);
    if (auto exported = detail::export_redmine_incidents(context); !exported) return exported;
    return detail::export_redmine_hours(context);
  }();
  result.http_requests = api.requests();
  for (auto& w : result.warnings) w = core::redact(w);
  if (!done) return fail(done.error());
  return result;
}

} // namespace tma::connectors
