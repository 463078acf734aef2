#pragma once
// The real Backup of the update pipeline: the backup engine (kind `pre-update`, verified before it
// counts) and the restore engine (database and files, confirmed: the update already decided).

#include <tma/backup/engine.hpp>
#include <tma/update/pipeline.hpp>

namespace tma::update {

class EngineBackup final : public Backup {
public:
  /// Every argument must outlive this object.
  EngineBackup(const inventory::Inventory& inventory, const inventory::Site& site, const inventory::Environment& env,
               const backup::Services& services)
      : m_inventory(inventory), m_site(site), m_env(env), m_services(services) {}

  /// backup::run_backup with kind pre-update, the site's backup lock, no retention run.
  core::Result<std::string> take_pre_update() override;
  /// backup::run_restore of `id` into the environment (database and files).
  core::Result<void> restore(const std::string& id) override;
  /// backup::mark_update_completed of `id` (manifest field `update_outcome: updated`).
  core::Result<void> mark_completed(const std::string& id) override;

private:
  const inventory::Inventory& m_inventory;
  const inventory::Site& m_site;
  const inventory::Environment& m_env;
  const backup::Services& m_services;
};

} // namespace tma::update
