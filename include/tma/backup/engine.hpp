#pragma once
// Taking, pruning and verifying the backups of one site environment, with the journal events of
// docs/backup.md ("Journal events"). The side effects go through `Services`, so tests swap the
// transport factory, the HTTP client, the clock and the journal.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tma/backup/manifest.hpp>
#include <tma/backup/retention.hpp>
#include <tma/backup/store.hpp>
#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/journal/journal.hpp>
#include <tma/run/progress.hpp>
#include <tma/transport/http.hpp>
#include <tma/transport/transport.hpp>

namespace tma::backup {

using TransportFactory =
    std::function<core::Result<std::unique_ptr<transport::Transport>>(const inventory::Environment& env)>;

/// What backup, prune and restore use from the outside world.
struct Services {
  TransportFactory make_transport;
  transport::HttpClient* http = nullptr;
  journal::Run* run = nullptr;                      ///< may be null: nothing is journaled
  std::function<core::SysSeconds()> now;            ///< defaults to the system clock
  core::TimeZone zone = core::TimeZone::utc();      ///< the agency's time zone
  transport::Milliseconds http_poll_interval{2000};
  transport::Milliseconds http_poll_timeout{3600 * 1000};
  core::SysSeconds current_time() const;
  void record(const std::string& type, const inventory::Site& site, const std::string& env, nlohmann::json data) const;
};

/// The local backups directory of `site`: the path of its first storage of type `local`, relative
/// to the inventory's directory; without one, the staging directory of its first restic storage
/// (`restic_staging_root`). Fails (config) when the site names an unknown storage.
core::Result<std::string> backups_root(const inventory::Inventory& inventory, const inventory::Site& site);

/// Where a restic storage `target` stages backups and keeps the site locks: its `path` (relative
/// to the inventory's directory), by default `<inventory dir>/.tma-staging/<storage name>`.
std::string restic_staging_root(const inventory::Inventory& inventory, const inventory::StorageTarget& target);

/// The stores of `site`, in the order of `backup.storage`: a backup is written to all of them;
/// the first is the one listed, verified and restored from. Fails (config) on an unknown storage
/// or a second local one.
core::Result<std::vector<std::unique_ptr<Store>>> open_stores(const inventory::Inventory& inventory,
                                                              const inventory::Site& site);

/// The first store of `site` (see `open_stores`).
core::Result<std::unique_ptr<Store>> open_store(const inventory::Inventory& inventory, const inventory::Site& site);

struct BackupOptions {
  BackupKind kind = BackupKind::manual;
  std::chrono::milliseconds lock_wait{0};
  bool take_lock = true;  ///< false when the caller already holds the site lock (restore)
  bool prune = true;      ///< apply retention after a successful backup
  run::JobProgress* progress = nullptr; ///< phases and bytes for the progress line (run_backups sets it)
};

struct PruneOutcome {
  std::optional<RetentionPlan> plan;
  std::vector<std::string> removed;   ///< ids actually deleted
  std::optional<core::Error> error;
};

struct BackupOutcome {
  std::string site;
  std::string env;
  std::optional<Manifest> manifest;   ///< set when the backup succeeded
  std::optional<core::Error> error;   ///< set when it failed
  std::vector<Leftover> leftovers;    ///< removed before starting
  std::optional<PruneOutcome> prune;
  bool ok() const { return manifest.has_value() && !error; }
};

/// Take a backup of `site`/`env` into every store of `site` (a restic store gets the verified
/// local copy, staged when there is no local store), then apply retention to each. Never throws;
/// the outcome says what happened. Journal: backup.cleanup, backup.finished|backup.failed, backup.pruned.
BackupOutcome run_backup(const inventory::Inventory& inventory, const inventory::Site& site,
                         const inventory::Environment& env, const BackupOptions& options, const Services& services);

/// Apply `site.backup.keep` to the stored backups of `site`/`env` (with the site lock held by the
/// caller). `dry_run` plans only. Journal: backup.pruned (not for a dry run).
PruneOutcome prune_backups(Store& store, const inventory::Site& site, const std::string& env, bool dry_run,
                           const RetentionGuards& guards, const Services& services);

/// Record in the manifest of pre-update backup `id` of site/env that the update it protected ended
/// `updated` (field `update_outcome`), under the site's backup lock (waiting up to `lock_wait`).
/// From then on retention lets the OLDER pre-update backups of site/env go (docs/backup.md).
/// Journal: backup.update_completed. Fails (usage) when `id` is not a pre-update backup.
core::Result<void> mark_update_completed(const inventory::Inventory& inventory, const inventory::Site& site,
                                         const std::string& env, const std::string& id, const Services& services,
                                         std::chrono::milliseconds lock_wait = std::chrono::seconds(30));

/// The backup `id` (or the newest for `latest`) of site/env.
core::Result<StoredBackup> find_backup(const Store& store, const std::string& site, const std::string& env,
                                       const std::string& id);

} // namespace tma::backup
