#include <tma/update/engine_backup.hpp>

#include <tma/backup/restore.hpp>

namespace tma::update {

core::Result<std::string> EngineBackup::take_pre_update() {
  backup::BackupOptions options;
  options.kind = backup::BackupKind::pre_update;
  // Retention is not the update's business; pre-update backups are kept by their own rule
  // (until a later update completes: mark_completed, docs/backup.md).
  options.prune = false;
  auto outcome = backup::run_backup(m_inventory, m_site, m_env, options, m_services);
  if (!outcome.ok()) {
    return tl::unexpected(outcome.error.value_or(core::Error{core::ErrorKind::internal, "backup gave no manifest"}));
  }
  return outcome.manifest->id;
}

core::Result<void> EngineBackup::restore(const std::string& id) {
  backup::RestoreOptions options;
  options.backup = id;
  options.from_env = m_env.name;
  options.to_env = m_env.name;
  options.confirmed = true;
  auto restored = backup::run_restore(m_inventory, m_site, options, m_services);
  if (!restored) {
    return tl::unexpected(restored.error());
  }
  return {};
}

core::Result<void> EngineBackup::mark_completed(const std::string& id) {
  return backup::mark_update_completed(m_inventory, m_site, m_env.name, id, m_services);
}

} // namespace tma::update
