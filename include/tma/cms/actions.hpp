#pragma once
// What is done to a CMS, behind one interface per environment: the update pipeline (update/) drives
// it, the adapters implement it (cms/wordpress_actions.hpp, cms/drupal_actions.hpp), and
// cms::make_actions picks the adapter of a site. docs/cms-adapters.md tells how to add a CMS.

#include <memory>
#include <optional>
#include <string>

#include <tma/cms/component.hpp>
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/transport.hpp>

namespace tma::cms {

/// Changes made to one environment's CMS.
class CmsActions {
public:
  virtual ~CmsActions() = default;
  /// Install exactly `version` of the component (update, or downgrade when reverting).
  virtual core::Result<void> install(cms::ComponentKind kind, const std::string& name,
                                     const std::string& version) = 0;
  virtual core::Result<void> set_maintenance(bool on) = 0;
  /// False when the site has no maintenance mode (a plain composer project): the pipeline then
  /// neither switches nor journals it.
  virtual bool has_maintenance() const { return true; }
  /// Run the CMS's pending database updates (`wp core update-db`, `drush updatedb -y`).
  virtual core::Result<void> database_updates() = 0;
  /// Whether the site is in maintenance now, when the CMS can tell (nullopt: it cannot; the caller
  /// then switches it off to be sure).
  virtual core::Result<std::optional<bool>> maintenance_active() { return std::optional<bool>{}; }
};

/// The adapter of `site`'s CMS for `env`, running its commands through `transport` (which must
/// outlive it): WP-CLI for WordPress, Composer and Drush for Drupal and composer projects. Static
/// sites have no actions: a usage error.
core::Result<std::unique_ptr<CmsActions>> make_actions(const inventory::Site& site, const inventory::Environment& env,
                                                       transport::Transport& transport);

} // namespace tma::cms
