#include <tma/cms/commands.hpp>

namespace tma::cms {
namespace {

ToolCommand wp(const inventory::Environment& env, Query query, std::vector<std::string> args) {
  return {query, wp_argv(env, std::move(args), {.skip_plugins_themes = true}), env.path, {0}};
}

ToolCommand composer(const inventory::Environment& env, Query query, std::vector<std::string> args) {
  std::vector<std::string> argv{env.binary("composer")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--no-interaction", "--no-ansi"});
  // composer audit exits non-zero when it finds something (a count up to 2.8, a bitmask in 2.9, 1 in
  // 2.10+); the JSON, not the code, carries the details.
  std::vector<int> ok{0};
  if (query == Query::composer_audit) {
    for (int code = 1; code < 256; ++code) {
      ok.push_back(code);
    }
  }
  return {query, std::move(argv), env.path, std::move(ok)};
}

} // namespace

std::vector<std::string> wp_argv(const inventory::Environment& env, std::vector<std::string> args, WpFlags flags) {
  std::vector<std::string> argv{env.binary("wp"), "--path=" + env.path};
  if (flags.skip_plugins_themes) argv.insert(argv.end(), {"--skip-plugins", "--skip-themes"});
  if (flags.no_color) argv.push_back("--no-color");
  argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  return argv;
}

std::vector<std::string> drush_argv(const inventory::Environment& env, std::vector<std::string> args) {
  std::vector<std::string> argv{env.binary("drush")};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  return argv;
}

std::optional<std::vector<std::string>> database_export_argv(inventory::Cms cms, const inventory::Environment& env) {
  switch (cms) {
    case inventory::Cms::wordpress:
      return wp_argv(env, {"db", "export", "-", "--single-transaction", "--quick"}, {.no_color = false});
    case inventory::Cms::drupal: return drush_argv(env, {"sql:dump"});
    default: return std::nullopt;
  }
}

std::optional<std::vector<std::string>> database_import_argv(inventory::Cms cms, const inventory::Environment& env) {
  switch (cms) {
    case inventory::Cms::wordpress: return wp_argv(env, {"db", "import", "-"}, {.no_color = false});
    case inventory::Cms::drupal: return drush_argv(env, {"sql:cli"});
    default: return std::nullopt;
  }
}

std::optional<std::vector<std::string>> version_query_argv(inventory::Cms cms, const inventory::Environment& env) {
  switch (cms) {
    case inventory::Cms::wordpress: return wp_argv(env, {"core", "version"}, {.no_color = false});
    case inventory::Cms::drupal: return drush_argv(env, {"status", "--field=drupal-version"});
    default: return std::nullopt;
  }
}

std::vector<ToolCommand> wordpress_check_commands(const inventory::Environment& env) {
  return {wp(env, Query::wp_core_version, {"core", "version"}),
          wp(env, Query::wp_core_check_update, {"core", "check-update", "--format=json"}),
          wp(env, Query::wp_plugin_list, {"plugin", "list", "--format=json"}),
          wp(env, Query::wp_theme_list, {"theme", "list", "--format=json"})};
}

std::vector<ToolCommand> composer_check_commands(const inventory::Environment& env) {
  // --all lists the current direct packages too: the report lists every component checked.
  return {composer(env, Query::composer_outdated, {"outdated", "--direct", "--all", "--format=json"}),
          composer(env, Query::composer_audit, {"audit", "--format=json"})};
}

std::vector<ToolCommand> drupal_check_commands(const inventory::Environment& env, bool with_pm_security) {
  // --fields keeps the database password (which `drush status` prints in clear) on the server.
  std::vector<ToolCommand> commands{{Query::drush_status,
                                     drush_argv(env, {"status",
                                                      "--fields=drupal-version,php-version,drush-version,db-status,bootstrap,root",
                                                      "--format=json"}),
                                     env.path,
                                     {0}}};
  if (with_pm_security) {
    commands.push_back({Query::drush_pm_security, drush_argv(env, {"pm:security", "--format=json"}), env.path, {0, 3}});
  }
  auto c = composer_check_commands(env);
  commands.insert(commands.end(), c.begin(), c.end());
  return commands;
}

std::vector<std::string> composer_require_argv(const inventory::Environment& env, const std::string& package,
                                               const std::string& version) {
  // An exact version as the constraint: the same release on preprod and prod, and a revert can downgrade.
  // `--` (Symfony Console ends its options there): the package comes from the server's composer.json.
  return {env.binary("composer"), "require", "--update-with-dependencies", "--no-interaction", "--no-ansi",
          "--", package + ":" + version};
}

std::vector<std::string> composer_json_argv() { return {"cat", "composer.json"}; }

std::vector<std::string> drush_updatedb_argv(const inventory::Environment& env) {
  return drush_argv(env, {"updatedb", "-y"});
}

std::vector<std::string> drush_cache_rebuild_argv(const inventory::Environment& env) {
  return drush_argv(env, {"cache:rebuild"});
}

std::vector<std::string> drush_maintenance_set_argv(const inventory::Environment& env, bool on) {
  return drush_argv(env, {"state:set", "system.maintenance_mode", on ? "1" : "0", "--input-format=integer"});
}

std::vector<std::string> drush_maintenance_get_argv(const inventory::Environment& env) {
  return drush_argv(env, {"state:get", "system.maintenance_mode"});
}

} // namespace tma::cms
