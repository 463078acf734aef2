#pragma once
// Restoring a stored backup into an environment (docs/backup.md, "Restore"): the dump streams back
// into the CMS's import tool; the files archive is checked entry by entry (archive.hpp), sent
// re-encoded as checked, extracted into a staging directory beside the site root on the server,
// then swapped in. Restoring `prod` needs `confirmed` and takes a safety backup of it first.

#include <optional>
#include <string>

#include <tma/backup/engine.hpp>

namespace tma::backup {

struct RestoreOptions {
  std::string backup = "latest"; ///< backup id or `latest`
  std::string from_env;          ///< whose backups; empty: the target environment
  std::string to_env;
  bool database = true;
  bool files = true;
  bool confirmed = false;        ///< `--yes`
  std::chrono::milliseconds lock_wait{0};
};

struct RestoreOutcome {
  std::string backup_id;
  std::optional<std::string> safety_backup; ///< id of the safety backup taken first
  std::uint64_t bytes = 0;                  ///< artifact bytes sent
  std::vector<std::string> restored;        ///< `database`, `files`
};

/// The import argv for `site` in `env` (`wp db import -`, `drush sql:cli`).
core::Result<std::vector<std::string>> import_argv(const inventory::Site& site, const inventory::Environment& env);

/// Restore; errors are values (usage: missing --yes or unknown backup; remote; io).
/// Journal: restore.started (committed before acting), restore.finished | restore.failed.
core::Result<RestoreOutcome> run_restore(const inventory::Inventory& inventory, const inventory::Site& site,
                                         const RestoreOptions& options, const Services& services);

} // namespace tma::backup
