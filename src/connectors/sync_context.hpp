#pragma once
// PRIVATE to src/connectors: what the import and export phases of one connector's sync share.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tma/connectors/redmine_api.hpp>
#include <tma/connectors/sync.hpp>
#include <tma/request/request.hpp>

namespace tma::connectors::detail {

// Readers of the tool's JSON that never throw: what a server sends is checked, not trusted.
inline const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}
inline std::string text_of(const nlohmann::json& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string{};
}
inline long long_of(const nlohmann::json& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->is_number_integer() ? v->get<long>() : 0;
}
inline bool bool_of(const nlohmann::json& object, const char* key) {
  const auto* v = member(object, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}
inline const nlohmann::json& array_of(const nlohmann::json& object, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  const auto* v = member(object, key);
  return v != nullptr && v->is_array() ? *v : empty;
}
/// A tool's numeric id as the journal keeps it (`"41"`): digits only, so that it can go into a URL
/// path or a number. Journals are synced between machines: their text is checked, not trusted.
inline std::optional<long> numeric_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}
inline const nlohmann::json& object_of(const nlohmann::json& object, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  const auto* v = member(object, key);
  return v != nullptr && v->is_object() ? *v : empty;
}

struct Context {
  const inventory::Inventory& inventory;
  const inventory::Connector& connector;
  const journal::Journal& journal;
  journal::Run& run;          ///< the invocation's run: cursors and the outbox, committed at once
  journal::Journal& store;    ///< where imported events go, in runs of at most k_commit_batch events
  RedmineApi& api;
  const core::TimeZone& zone;
  const SyncOptions& options;
  SyncResult& result;
  /// Imported requests of this connector by Redmine issue id (updated as the sync records events).
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

/// What the outbox holds for this connector (`connector.attempt` / `connector.pushed` within
/// `k_export_lookback`).
struct Outbox {
  std::map<std::string, long> pushed;                ///< journal event id -> Redmine issue or time entry id
  std::map<std::string, core::SysSeconds> attempted; ///< journal event id -> when first tried
};
core::Result<Outbox> read_outbox(const Context& context);

/// Record `type` (attempt or pushed) about journal event `about` with `data`, and commit it.
core::Result<void> record_and_commit(Context& context, std::string_view type, const journal::Event& about,
                                     nlohmann::json data);

/// Push hours logged in tma for the connector's clients as time entries, through the outbox.
core::Result<void> export_hours(Context& context);

/// Push incidents of the connector's clients (opened, notes, resolutions) through the outbox.
core::Result<void> export_incidents(Context& context);

} // namespace tma::connectors::detail
