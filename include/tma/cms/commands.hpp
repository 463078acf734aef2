#pragma once
// What `tma check` runs on a server for each CMS, as argv vectors plus the directory to run them in:
// pure data for the transport to quote and execute, paired with the parser for the output.

#include <optional>
#include <string>
#include <vector>

#include <tma/inventory/model.hpp>

namespace tma::cms {

/// How a WP-CLI command line is built. Every wp argv of tma goes through `wp_argv`, so the flags
/// differ only where a caller asks: read-only queries skip plugins and themes (one broken plugin
/// cannot hide the others); the database dump and import keep WP-CLI's defaults.
struct WpFlags {
  bool skip_plugins_themes = false; ///< `--skip-plugins --skip-themes`
  bool no_color = true;             ///< `--no-color`
};

/// `wp --path=<env.path> [flags] args...` with the binary from `env.binary("wp")`.
std::vector<std::string> wp_argv(const inventory::Environment& env, std::vector<std::string> args, WpFlags flags = {});

/// `drush args...` with the binary from `env.binary("drush")` (run in the project root).
std::vector<std::string> drush_argv(const inventory::Environment& env, std::vector<std::string> args);

/// The database of `cms` to stdout (`wp db export - --single-transaction --quick`, `drush sql:dump`),
/// empty when the CMS has no dump tool (the backup then asks for `backup.database: false`).
std::optional<std::vector<std::string>> database_export_argv(inventory::Cms cms, const inventory::Environment& env);

/// The database of `cms` from stdin (`wp db import -`, `drush sql:cli`), empty when there is none.
std::optional<std::vector<std::string>> database_import_argv(inventory::Cms cms, const inventory::Environment& env);

/// The CMS version on one line (`wp core version`, `drush status --field=drupal-version`), empty when
/// the CMS has no such query.
std::optional<std::vector<std::string>> version_query_argv(inventory::Cms cms, const inventory::Environment& env);

/// Which parser reads a command's stdout.
enum class Query {
  wp_core_version,      ///< wpcli::parse_core_version
  wp_core_check_update, ///< wpcli::parse_core_check_update
  wp_plugin_list,       ///< wpcli::parse_plugin_list
  wp_theme_list,        ///< wpcli::parse_theme_list
  drush_status,         ///< drush::parse_status
  drush_pm_security,    ///< drush::parse_pm_security (exit 3 = findings; removed in Drush 12)
  composer_outdated,    ///< composer::parse_outdated
  composer_audit,       ///< composer::parse_audit (non-zero exit with JSON = findings)
  wp_cli_info,          ///< wpcli::parse_cli_info (the PHP version; cms/platform.hpp)
  db_server_version,    ///< parse_db_version (cms/platform.hpp)
  php_version,          ///< parse_php_version (cms/platform.hpp)
  os_release,           ///< parse_os_release (cms/platform.hpp)
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

// --- Commands that change a Drupal / composer site (`tma update`), run in `env.path` (the project root,
// where composer.json is). Argv only: the transport quotes every element.

/// `composer require --update-with-dependencies --no-interaction --no-ansi -- <package>:<version>`: installs
/// exactly `version` (upgrade or downgrade) and rewrites composer.json and composer.lock.
std::vector<std::string> composer_require_argv(const inventory::Environment& env, const std::string& package,
                                               const std::string& version);
/// `cat composer.json`: the root requirements (to find which core package the project requires).
std::vector<std::string> composer_json_argv();
/// `drush updatedb -y`: pending database updates.
std::vector<std::string> drush_updatedb_argv(const inventory::Environment& env);
/// `drush cache:rebuild`.
std::vector<std::string> drush_cache_rebuild_argv(const inventory::Environment& env);
/// `drush state:set system.maintenance_mode 1|0 --input-format=integer`.
std::vector<std::string> drush_maintenance_set_argv(const inventory::Environment& env, bool on);
/// `drush state:get system.maintenance_mode`: prints `1` or `0` (or nothing when never set).
std::vector<std::string> drush_maintenance_get_argv(const inventory::Environment& env);

} // namespace tma::cms
