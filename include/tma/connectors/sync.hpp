#pragma once
// `tma connectors sync` (docs/connectors.md): for each connector, pull what changed in the tool
// since the cursor kept in the journal (issues -> requests, time entries -> hours, deduplicated by
// the external id they carry), then push tma's incidents through an at-least-once outbox:
//   1. `connector.attempt` is committed before anything is created or changed in the tool;
//   2. the object created carries `marker(event id)`;
//   3. `connector.pushed` records the tool's answer (the issue id).
// An attempt without its `connector.pushed` (a crash, a timeout) is looked up by its marker before
// it is tried again, so a retry never creates a second issue.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/journal/journal.hpp>
#include <tma/transport/http.hpp>

namespace tma::connectors {

/// Journal event types.
inline constexpr std::string_view k_synced = "connector.synced";   ///< a project's import cursor
inline constexpr std::string_view k_attempt = "connector.attempt"; ///< about to create or change an object
inline constexpr std::string_view k_pushed = "connector.pushed";   ///< the tool has it

/// Incident events older than this are not pushed (an export turned on today does not replay the
/// agency's history into the tool).
inline constexpr core::Seconds k_export_horizon{7 * 86400};
/// How far back `connector.pushed` events are read to find the issue of an incident's follow-up.
inline constexpr core::Seconds k_export_lookback{120 * 86400};
/// Imported events are committed in runs of this many (bounded memory, few journal commits).
inline constexpr std::size_t k_commit_batch = 5000;

struct SyncOptions {
  bool dry_run = false; ///< read the tool, record into `run` nothing the caller keeps, push nothing
  bool full = false;    ///< ignore the cursors: list every issue and time entry again
  /// Called after each object is created or changed in the tool, before `connector.pushed` is
  /// recorded (the kill -9 test stops the process here).
  std::function<void(const std::string& what)> after_remote_write;
};

struct SyncCounts {
  std::size_t issues_read = 0, requests_opened = 0, requests_updated = 0;
  std::size_t entries_read = 0, entries_added = 0, entries_changed = 0, entries_withdrawn = 0;
  std::size_t issues_created = 0, issues_changed = 0, found_by_marker = 0;
  std::size_t hours_pushed = 0;
  bool operator==(const SyncCounts&) const = default;
};

/// One connector's outcome: a value, so that one tool being down fails only itself.
struct SyncResult {
  std::string connector;
  std::string type;
  SyncCounts counts;
  std::size_t http_requests = 0;
  std::vector<std::string> warnings;  ///< redacted
  std::vector<std::string> planned;   ///< dry run: what would be pushed
  std::optional<core::Error> error;   ///< redacted
};

/// Sync `connector`. `journal` is read for the current state, cursors and outbox. Imported events
/// are written to `store` in runs of at most k_commit_batch events, each finished when full; cursors
/// and the outbox's events go to `run`. A dry run passes a scratch journal as `store` and a run of it
/// as `run`, and pushes nothing (listed in `planned`).
SyncResult sync_connector(const inventory::Inventory& inventory, const inventory::Connector& connector,
                          const journal::Journal& journal, journal::Run& run, journal::Journal& store,
                          transport::HttpClient& http, const core::TimeZone& zone, const SyncOptions& options);

} // namespace tma::connectors
