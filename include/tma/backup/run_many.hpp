#pragma once
// `tma backup` over a selection: one job of the parallel runner per site.

#include <vector>

#include <tma/backup/engine.hpp>
#include <tma/inventory/select.hpp>
#include <tma/run/runner.hpp>

namespace tma::backup {

/// Back up `targets` through the parallel runner: one job per site, its environments one after
/// the other (they share the site lock); at most `run.jobs` sites at once and `run.per_host` on
/// one server (the host of the site's first target); progress on stderr when it is a TTY.
/// Outcomes are sorted by (site, env); after Ctrl-C the targets not started have an
/// `interrupted` error. Never throws for a site's failure.
std::vector<BackupOutcome> run_backups(const inventory::Inventory& inventory,
                                       const std::vector<inventory::Target>& targets, const BackupOptions& options,
                                       const Services& services, const run::RunOptions& run);

} // namespace tma::backup
