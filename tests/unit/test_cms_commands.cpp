#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include <tma/cms/commands.hpp>
#include <tma/cms/drupal.hpp>
#include <tma/cms/wpcli.hpp>

#include "support/run_program.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using namespace tma::cms;

TEST_CASE("cms::wordpress_check_commands run against the lab stand-in and parse") {
  tma::test::TempDir dir;
  auto root = dir.file("site");
  REQUIRE(tma::test::run_program({std::string(TMA_LAB_DIR) + "/make_wp_site", root, "--core", "6.4.3", "--plugin",
                                  "akismet=5.3:active", "--theme", "twentytwentyfour=1.0:active", "--update",
                                  "core=6.4.5,6.6.1"})
              .exit_code == 0);
  tma::inventory::Environment env;
  env.path = root;
  env.binaries["wp"] = tma::test::lab_bin("wp");
  auto commands = wordpress_check_commands(env);
  REQUIRE(commands.size() == 4); // no `wp --info`: nothing used its answer
  CHECK(commands[2].argv == std::vector<std::string>{tma::test::lab_bin("wp"), "--path=" + root, "--skip-plugins",
                                                     "--skip-themes", "--no-color", "plugin", "list", "--format=json"});
  std::string version;
  for (const auto& c : commands) {
    tma::test::ProgramOptions options;
    options.cwd = c.cwd;
    auto r = tma::test::run_program(c.argv, options);
    REQUIRE(r.exit_code == 0);
    switch (c.query) {
    case Query::wp_core_version: version = *wpcli::parse_core_version(r.out); break;
    case Query::wp_core_check_update: {
      auto offers = wpcli::parse_core_check_update(r.out);
      REQUIRE(offers->size() == 2);
      CHECK((*offers)[0].update_type == "minor");
      CHECK((*offers)[1].version == "6.6.1");
      CHECK(wpcli::core_component(version, *offers).latest == "6.6.1");
      break;
    }
    case Query::wp_plugin_list: CHECK(wpcli::parse_plugin_list(r.out)->at(0).installed == "5.3"); break;
    case Query::wp_theme_list: CHECK(wpcli::parse_theme_list(r.out)->at(0).status == "active"); break;
    default: FAIL("unexpected query");
    }
  }
  CHECK(version == "6.4.3");
}

TEST_CASE("cms::drupal_check_commands run against the lab stand-ins without leaking the DB password") {
  tma::test::TempDir dir;
  auto root = dir.file("shop");
  REQUIRE(tma::test::run_program({std::string(TMA_LAB_DIR) + "/make_drupal_site", root, "--core", "10.3.2", "--drush",
                                  "11.6.0", "--package", "drupal/webform=6.2.2", "--update", "drupal/webform=6.2.7"})
              .exit_code == 0);
  tma::inventory::Environment env;
  env.path = root;
  env.binaries["drush"] = tma::test::lab_bin("drush");
  env.binaries["composer"] = tma::test::lab_bin("composer");
  for (const auto& c : drupal_check_commands(env, true)) {
    tma::test::ProgramOptions options;
    options.cwd = c.cwd;
    auto r = tma::test::run_program(c.argv, options);
    CHECK(std::find(c.ok_exit_codes.begin(), c.ok_exit_codes.end(), r.exit_code) != c.ok_exit_codes.end());
    CHECK(r.out.find("lab-password") == std::string::npos);
    switch (c.query) {
    case Query::drush_status: CHECK(drush::parse_status(r.out)->drupal_version == "10.3.2"); break;
    case Query::drush_pm_security: CHECK(drush::parse_pm_security(r.out)->empty()); break;
    case Query::composer_outdated: {
      // --all: the current direct packages are listed too, not only the outdated one.
      std::map<std::string, UpdateState> states;
      auto listed = composer::parse_outdated(r.out);
      REQUIRE(listed);
      for (const auto& component : *listed) {
        states[component.name] = component.update;
      }
      CHECK(states.at("drupal/webform") == UpdateState::available);
      CHECK(states.at("drupal/core-recommended") == UpdateState::none);
      break;
    }
    case Query::composer_audit: CHECK(composer::parse_audit(r.out)->advisories.empty()); break;
    default: FAIL("unexpected query");
    }
  }
}

TEST_CASE("cms::drupal_check_commands name drush and composer with their exit codes") {
  tma::inventory::Environment env;
  env.path = "/var/www/shop";
  auto with = drupal_check_commands(env, true);
  REQUIRE(with.size() == 4);
  CHECK(with[1].query == Query::drush_pm_security);
  CHECK(with[1].ok_exit_codes == std::vector<int>{0, 3});
  CHECK(with[3].argv == std::vector<std::string>{"composer", "audit", "--format=json", "--no-interaction", "--no-ansi"});
  CHECK(with[3].ok_exit_codes.size() == 256);
  CHECK(drupal_check_commands(env, false).size() == 3);
  CHECK(with[0].argv[2] == "--fields=drupal-version,php-version,drush-version,db-status,bootstrap,root");
  CHECK(composer_check_commands(env)[0].cwd == "/var/www/shop");
  CHECK(composer_check_commands(env)[0].argv == std::vector<std::string>{"composer", "outdated", "--direct", "--all",
                                                                         "--format=json", "--no-interaction",
                                                                         "--no-ansi"});
}

TEST_CASE("cms update commands for Drupal and composer sites are exact argv vectors") {
  tma::inventory::Environment env;
  env.path = "/var/www/shop";
  CHECK(composer_require_argv(env, "drupal/core-recommended", "10.3.6") ==
        std::vector<std::string>{"composer", "require", "--update-with-dependencies", "--no-interaction", "--no-ansi",
                                 "--", "drupal/core-recommended:10.3.6"});
  CHECK(composer_json_argv() == std::vector<std::string>{"cat", "composer.json"});
  CHECK(drush_updatedb_argv(env) == std::vector<std::string>{"drush", "updatedb", "-y"});
  CHECK(drush_cache_rebuild_argv(env) == std::vector<std::string>{"drush", "cache:rebuild"});
  CHECK(drush_maintenance_set_argv(env, true) ==
        std::vector<std::string>{"drush", "state:set", "system.maintenance_mode", "1", "--input-format=integer"});
  CHECK(drush_maintenance_set_argv(env, false)[3] == "0");
  CHECK(drush_maintenance_get_argv(env) ==
        std::vector<std::string>{"drush", "state:get", "system.maintenance_mode"});
  // The inventory's binaries: map names the programs.
  env.binaries["drush"] = "/opt/site/vendor/bin/drush";
  env.binaries["composer"] = "/usr/local/bin/composer2";
  CHECK(drush_updatedb_argv(env)[0] == "/opt/site/vendor/bin/drush");
  CHECK(composer_require_argv(env, "drupal/token", "1.15.0")[0] == "/usr/local/bin/composer2");
}
