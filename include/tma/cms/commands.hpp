#pragma once
// What `tma check` runs on a server for each CMS, as argv vectors plus the directory to run them in:
// pure data for the transport to quote and execute, paired with the parser for the output.

#include <string>
#include <vector>

#include <tma/inventory/model.hpp>

namespace tma::cms {

/// Which parser reads a command's stdout.
enum class Query {
  wp_core_version,      ///< wpcli::parse_core_version
  wp_core_check_update, ///< wpcli::parse_core_check_update
  wp_plugin_list,       ///< wpcli::parse_plugin_list
  wp_theme_list,        ///< wpcli::parse_theme_list
  wp_cli_info,          ///< wpcli::parse_cli_info (PHP version)
  drush_status,         ///< drush::parse_status
  drush_pm_security,    ///< drush::parse_pm_security (exit 3 = findings; removed in Drush 12)
  composer_outdated,    ///< composer::parse_outdated
  composer_audit,       ///< composer::parse_audit (non-zero exit with JSON = findings)
};

/// One command to run remotely: `cd <cwd> && <argv...>` (the transport quotes every element).
struct ToolCommand {
  Query query;
  std::vector<std::string> argv;
  std::string cwd;
  /// Exit codes that still mean "output is valid" (drush 3, composer audit's counts/bitmask).
  std::vector<int> ok_exit_codes{0};
};

/// The read-only WP-CLI queries for `env`: binary from `env.binary("wp")`, `--path=<env.path>`,
/// `--skip-plugins --skip-themes` so that one broken plugin cannot hide the others, `--no-color`.
std::vector<ToolCommand> wordpress_check_commands(const inventory::Environment& env);

/// Drupal: `drush status --fields=<what tma reads> --format=json` (never the DB password) and `drush pm:security --format=json` (when the caller wants
/// Drush 11's check) in `env.path`, then composer outdated --direct --all and composer audit.
std::vector<ToolCommand> drupal_check_commands(const inventory::Environment& env, bool with_pm_security);

/// Plain composer projects: `composer outdated --direct --all --format=json` (every
/// direct package, current ones included) and `composer audit --format=json`.
std::vector<ToolCommand> composer_check_commands(const inventory::Environment& env);

} // namespace tma::cms
