#pragma once
// The real CmsActions for Drupal and plain composer projects: Composer and Drush over the environment's
// transport, run in the project root (`env.path`, where composer.json is), always with an exact version
// (`composer require vendor/pkg:V --update-with-dependencies`). Drupal sites also get `drush updatedb -y`
// + `drush cache:rebuild` and maintenance mode through `drush state:set system.maintenance_mode`; plain
// composer projects have neither (both are successful no-ops, and `has_maintenance()` says so).

#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>
#include <tma/cms/actions.hpp>

#include <optional>
#include <string>

namespace tma::cms {

/// The core package a project's composer.json requires (`drupal/core-recommended`, else
/// `drupal/core`, else `drupal/core-minimal`), or an error naming what was found.
core::Result<std::string> core_package_from_composer_json(const std::string& composer_json);

class DrupalActions final : public CmsActions {
public:
  /// `cms` is drupal or composer; `transport` runs commands in `env` and must outlive this object.
  DrupalActions(transport::Transport& transport, inventory::Environment env, inventory::Cms cms);

  /// core: the core package composer.json requires; package: `name`; plugin/theme: usage error.
  core::Result<void> install(cms::ComponentKind kind, const std::string& name,
                             const std::string& version) override;
  /// Drupal: `drush state:set system.maintenance_mode 1|0 --input-format=integer` then
  /// `drush cache:rebuild` (so cached pages obey it). Composer projects: nothing to do.
  core::Result<void> set_maintenance(bool on) override;
  /// Drupal: `drush updatedb -y` then `drush cache:rebuild`. Composer projects: nothing to do.
  core::Result<void> database_updates() override;

  /// False for plain composer projects: there is no maintenance mode to switch.
  bool has_maintenance() const override { return m_cms == inventory::Cms::drupal; }
  /// `drush state:get system.maintenance_mode`: whether the site is in maintenance now (nullopt for
  /// composer projects).
  core::Result<std::optional<bool>> maintenance_active() override;

private:
  core::Result<std::string> run(std::vector<std::string> argv, const std::string& what);

  transport::Transport& m_transport;
  inventory::Environment m_env;
  inventory::Cms m_cms;
};

} // namespace tma::cms
