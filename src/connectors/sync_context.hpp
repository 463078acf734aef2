#pragma once
// PRIVATE to src/connectors: what the import and export phases of one connector's sync share.

#include <map>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include <tma/connectors/redmine_api.hpp>
#include <tma/connectors/sync.hpp>
#include <tma/contract/entry.hpp>
#include <tma/request/request.hpp>

#include "connectors/json_read.hpp"

namespace tma::connectors::detail {

/// What the import of any tool shares: where events go, the requests already imported, numbering,
/// and the batches imported events are committed in.
struct SyncState {
  SyncState(const inventory::Inventory& inventory_, const inventory::Connector& connector_,
            const journal::Journal& journal_, journal::Run& run_, journal::Journal& store_, const core::TimeZone& zone_,
            const SyncOptions& options_, SyncResult& result_)
      : inventory(inventory_), connector(connector_), journal(journal_), run(run_), store(store_), zone(zone_),
        options(options_), result(result_) {}

  const inventory::Inventory& inventory;
  const inventory::Connector& connector;
  const journal::Journal& journal;
  journal::Run& run;          ///< the invocation's run: cursors and the outbox, committed at once
  journal::Journal& store;    ///< where imported events go, in runs of at most k_commit_batch events
  const core::TimeZone& zone;
  const SyncOptions& options;
  SyncResult& result;
  /// Imported requests of this connector by the tool's issue id (updated as the sync records events).
  std::map<std::string, request::Request> requests;
  /// Numbers for new requests: yearly across every request of the journal, shared by the projects.
  request::NumberAllocator numbers{{}};
  std::size_t uncommitted = 0; ///< events recorded in `batch` so far
  /// The run imported events go to. A run keeps its events until it finishes (its file is rewritten
  /// whole at each commit), so the import finishes one per batch: memory and rewrites stay bounded
  /// by the batch whatever the size of the tool.
  std::optional<journal::Run> batch;

  /// The current import batch's run (started on first use).
  journal::Run& import_run();
  /// Count `events` recorded in import_run(); finish the batch once it is full.
  core::Result<void> recorded(std::size_t events);
  /// Finish the current batch, if any (end of a phase).
  core::Result<void> commit();
};

/// A Redmine connector's sync.
struct Context : SyncState {
  Context(SyncState state, RedmineApi& api_) : SyncState(std::move(state)), api(api_) {}
  RedmineApi& api;
};

/// A Jira connector's sync (jira_sync.cpp): `token` is the resolved secret.
SyncResult sync_jira(SyncState state, const std::string& token, transport::HttpClient& http);
/// A Zendesk connector's sync (zendesk_sync.cpp): `token` is the resolved API token.
SyncResult sync_zendesk(SyncState state, const std::string& token, transport::HttpClient& http);

/// A Trello connector's sync (trello_sync.cpp): `token` is the resolved secret (the key is resolved
/// there).
SyncResult sync_trello(SyncState state, const std::string& token, transport::HttpClient& http);

/// The end of a tool's sync: its requests counted, its warnings and error redacted.
SyncResult finish_sync(SyncState& state, std::size_t http_requests, const core::Result<void>& done);

/// Read the journal's requests imported by this connector into `state.requests`, and number from
/// every request of the journal.
core::Result<void> load_imported_requests(SyncState& state);

/// Whether two versions of an imported time entry say the same thing (the tool's stamp aside: a
/// field tma does not read may have changed).
inline bool same_entry(const contract::TimeEntry& a, const contract::TimeEntry& b) {
  return a.client == b.client && a.date == b.date && a.duration == b.duration && a.description == b.description &&
         a.category == b.category && a.request == b.request && a.ticket == b.ticket && a.billable == b.billable &&
         a.actor == b.actor && a.site == b.site;
}

/// The connector's imported time entries in the journal, latest version of each by external key
/// (every client of the connector: an entry moved to another mapped project is a new version of
/// the same entry, not a second one).
core::Result<std::unordered_map<std::string, contract::TimeEntry>> known_entries(const SyncState& state);

/// The import cursor of a project: the newest `connector.synced` of this connector and project.
struct Cursor {
  std::string issues_updated_on;   ///< the greatest issue `updated_on` imported ("" before the first sync)
  bool time_entries_listed = false; ///< a full listing of time entries was imported once
};

/// Redmine's numeric id of `project` (one GET, which also proves the key can see it).
core::Result<long> project_id(Context& context, const inventory::ConnectorProject& project);

/// Issues of `project` updated since `cursor` -> requests. Returns the new cursor.
core::Result<std::string> import_issues(Context& context, const inventory::ConnectorProject& project, long id,
                                        const std::string& cursor);

/// Time entries of `project` spent since the window (every one when `full`) -> hours, changed
/// versions and withdrawals included.
core::Result<void> import_time_entries(Context& context, const inventory::ConnectorProject& project, long id,
                                       bool full);

/// The id of the first item of list `key` of `path` (paged with `query` plus limit and offset) whose
/// `field` contains `marker`; nullopt after the last page.
core::Result<std::optional<long>> find_marked(Context& context, const std::string& path, const Query& query,
                                              const char* key, const char* field, const std::string& marker);

/// Push hours logged in tma for the connector's clients as Redmine time entries (outbox.hpp).
core::Result<void> export_redmine_hours(Context& context);

/// Push incidents of the connector's clients to Redmine (outbox.hpp).
core::Result<void> export_redmine_incidents(Context& context);

} // namespace tma::connectors::detail
