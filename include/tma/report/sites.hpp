#pragma once
// What `tma sites` and `tma inventory check` print, as pure functions of the inventory.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/inventory/load.hpp>
#include <tma/report/output.hpp>

namespace tma::report {

/// Schema version of `tma sites --format json` (docs/cli.md).
inline constexpr int k_sites_schema = 1;

/// `user@host:port`, `local` or `http only`.
std::string describe_transport(const inventory::Environment& env);

/// One row per site: site, client, cms, envs, tags, backup schedule, update schedule.
Table sites_table(const std::vector<const inventory::Site*>& sites);

/// One row per environment: site, env, transport, path, URL (`tma sites -v`).
Table environments_table(const std::vector<const inventory::Site*>& sites);

/// `{schema, tma_version, generated_at, sites: [...]}`.
nlohmann::json sites_json(const std::vector<const inventory::Site*>& sites);

/// The summary `tma inventory check` prints: counts, then warnings.
struct InventoryCounts {
  std::size_t clients = 0;
  std::size_t sites = 0;
  std::size_t environments = 0;
};
InventoryCounts count(const inventory::Inventory& inventory);

/// `{schema, ..., valid, path, clients, sites, environments, warnings: [{file,line,column,key,message}],
/// errors: [...]}`.
nlohmann::json inventory_check_json(const std::string& path, const InventoryCounts* counts,
                                    const std::vector<inventory::Diagnostic>& warnings,
                                    const std::vector<inventory::Diagnostic>& errors);

} // namespace tma::report
