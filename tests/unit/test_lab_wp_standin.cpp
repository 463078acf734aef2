// The lab's `wp` stand-in against the real WP-CLI captures and tma's parsers: the stand-in prints
// what WP-CLI 2.12 printed, byte for byte, and really changes the files of the site tree.
#include <catch2/catch.hpp>

#include <filesystem>

#include <tma/check/evaluate.hpp>
#include <tma/cms/wordpress_http.hpp>
#include <tma/cms/wpcli.hpp>

#include "support/fixture.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using namespace tma::cms;
using tma::test::fixture;
using tma::test::lab_bin;
using tma::test::run_program;

namespace {

// The site of the real capture "02-offline-updates-prod": WordPress 6.1.9, Akismet 5.0.2 with 5.0.3
// and 5.1 on the update server, tma-demo 1.0.0 active with 1.1.0 available, one must-use plugin.
std::string make_capture_site(const tma::test::TempDir& dir, const std::vector<std::string>& extra = {}) {
  std::string root = dir.file("acme");
  std::vector<std::string> argv{std::string(TMA_LAB_DIR) + "/make_wp_site", root, "--core", "6.1.9",
                                "--plugin", "akismet=5.0.2:title=Akismet Anti-Spam", "--plugin", "tma-demo=1.0.0:active",
                                "--mu-plugin", "lab-offline-wporg=1.0.0", "--theme", "twentytwentythree=1.0:active",
                                "--update", "core=6.1.10", "--update", "plugin:akismet=5.0.3,5.1",
                                "--update", "plugin:tma-demo=1.1.0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto made = run_program(argv);
  REQUIRE(made.exit_code == 0);
  return root;
}

tma::test::ProgramResult wp(const std::string& root, std::vector<std::string> args,
                            const std::map<std::string, std::optional<std::string>>& env = {}) {
  args.insert(args.begin(), {lab_bin("wp"), "--path=" + root});
  tma::test::ProgramOptions options;
  options.env = env;
  options.timeout = std::chrono::seconds(20);
  return run_program(args, options);
}

} // namespace

TEST_CASE("lab wp prints what the real WP-CLI printed") {
  tma::test::TempDir dir;
  auto root = make_capture_site(dir);
  CHECK(wp(root, {"core", "version"}).out == fixture("wp-cli/01-baseline_core-version.stdout"));
  CHECK(wp(root, {"core", "check-update", "--format=json"}).out ==
        fixture("wp-cli/02-offline-updates-prod_core-check-update-offline.stdout"));
  CHECK(wp(root, {"plugin", "list", "--format=json"}).out ==
        fixture("wp-cli/02-offline-updates-prod_plugin-list-offline-2plugins.stdout"));
  CHECK(wp(root, {"theme", "list", "--format=json", "--skip-plugins", "--skip-themes"}).out ==
        fixture("wp-cli/01-baseline_theme-list.stdout"));
  CHECK(wp(root, {"maintenance-mode", "status"}).out == fixture("wp-cli/01-baseline_maintenance-mode-status.stdout"));

  SECTION("plugin update --version takes the install path and changes the header") {
    auto update = wp(root, {"plugin", "update", "akismet", "--version=5.0.3", "--format=json"});
    CHECK(update.exit_code == 0);
    CHECK(update.out == fixture("wp-cli/02-offline-updates-prod_plugin-update-akismet-5.0.3.stdout"));
    CHECK(wordpress_http::header_version(tma::test::read_file(root + "/wp-content/plugins/akismet/akismet.php")) == "5.0.3");
    CHECK(wp(root, {"plugin", "list", "--format=json"}).out ==
          fixture("wp-cli/02-offline-updates-prod_plugin-list-after-akismet-5.0.3.stdout"));
    auto missing = wp(root, {"plugin", "update", "akismet", "--version=9.9"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "Error: Can't find the requested plugin's version 9.9 in the WordPress.org plugin repository "
                         "(HTTP code 404).\n");
    auto all = wp(root, {"plugin", "update", "--all", "--format=json"});
    CHECK(all.out == fixture("wp-cli/06-reset-test_preprod-plugin-update-all.stdout"));
    auto rows = wpcli::parse_update_rows(all.out);
    REQUIRE(rows);
    CHECK(rows->size() == 2);
    auto again = wp(root, {"plugin", "update", "--all", "--format=json"});
    CHECK(again.exit_code == 0);
    CHECK(again.out.empty());
  }
  SECTION("core update and update-db change version.php") {
    CHECK(wp(root, {"core", "update"}).out == fixture("wp-cli/03-scratch-clone_scratch-core-update.stdout"));
    CHECK(wp(root, {"core", "version"}).out == fixture("wp-cli/03-scratch-clone_scratch-core-version-after.stdout"));
    CHECK(wp(root, {"core", "check-update", "--format=json"}).out == "[]");
    CHECK(wp(root, {"core", "update"}).out == fixture("wp-cli/03-scratch-clone_run2-core-update-already-current.stdout"));
    CHECK(wp(root, {"core", "check-update"}).out == "Success: WordPress is at the latest version.\n");
    CHECK(wp(root, {"core", "update-db"}).out == "Success: WordPress database already at latest db version 53496.\n");
  }
  SECTION("maintenance mode creates and removes .maintenance") {
    CHECK(wp(root, {"maintenance-mode", "activate"}).out == fixture("wp-cli/03-scratch-clone_scratch-maintenance-activate.stdout"));
    CHECK(std::filesystem::exists(root + "/.maintenance"));
    CHECK(wp(root, {"maintenance-mode", "status"}).out ==
          fixture("wp-cli/03-scratch-clone_scratch-maintenance-status-active.stdout"));
    CHECK(wp(root, {"maintenance-mode", "is-active"}).exit_code == 0);
    auto twice = wp(root, {"maintenance-mode", "activate"});
    CHECK(twice.exit_code == 1);
    CHECK(twice.err == "Error: Maintenance mode already activated.\n");
    CHECK(wp(root, {"maintenance-mode", "deactivate"}).out ==
          fixture("wp-cli/03-scratch-clone_scratch-maintenance-deactivate.stdout"));
    CHECK_FALSE(std::filesystem::exists(root + "/.maintenance"));
    CHECK(wp(root, {"maintenance-mode", "is-active"}).exit_code == 1);
  }
  SECTION("db export - and db import - round-trip the lab database") {
    tma::test::ProgramOptions in;
    in.stdin_text = "CREATE TABLE wp_options (id int);\nINSERT INTO wp_options VALUES (1);\n";
    auto import = run_program({lab_bin("wp"), "--path=" + root, "db", "import", "-"}, in);
    CHECK(import.out == "Success: Imported from 'STDIN'.\n");
    auto dump = wp(root, {"db", "export", "-"});
    CHECK(dump.exit_code == 0);
    CHECK(dump.out.find("-- MariaDB dump 10.19") == 0);
    CHECK(dump.out.find("INSERT INTO wp_options VALUES (1);\n-- Dump completed on ") != std::string::npos);
  }
  CHECK(wp(dir.file("nowhere"), {"core", "version"}).err.find("Error: This does not seem to be a WordPress installation.") == 0);
}

TEST_CASE("lab wp listings parse into the components tma expects") {
  tma::test::TempDir dir;
  auto root = make_capture_site(dir, {"--dropin", "object-cache.php", "--plugin", "premium=4.1.0:active",
                                      "--update", "plugin:premium=5.0:nopackage"});
  auto list = wpcli::parse_plugin_list(wp(root, {"plugin", "list", "--format=json"}).out);
  REQUIRE(list);
  REQUIRE(list->size() == 5);
  const auto& premium = (*list)[1];
  CHECK(premium.name == "premium");
  CHECK(premium.update == UpdateState::unavailable);
  CHECK(premium.latest == "5.0");
  CHECK(premium.note == "update package not available");
  CHECK((*list)[4].status == "dropin");
  // Any `unavailable` row makes WP-CLI append requires/requires_php to every row.
  CHECK(wp(root, {"plugin", "list", "--format=json"}).out.find("\"auto_update\":\"off\",\"requires\":\"\"") !=
        std::string::npos);
  auto skipped = wp(root, {"plugin", "update", "premium", "--format=json"});
  CHECK(skipped.exit_code == 1);
  CHECK(skipped.out.empty());
  auto core = wpcli::core_component(*wpcli::parse_core_version(wp(root, {"core", "version"}).out),
                                    *wpcli::parse_core_check_update(wp(root, {"core", "check-update", "--format=json"}).out));
  std::vector<Component> components{core};
  components.insert(components.end(), list->begin(), list->end());
  auto findings = tma::check::findings_for("acme", "prod", tma::version::Scheme::php, components, {});
  REQUIRE(findings.size() == 4);
  CHECK(findings[0].name == "premium");
  CHECK(findings[0].severity == tma::check::Severity::major);
  CHECK(findings[0].note == "update package not available");
}

TEST_CASE("lab wp misbehaves on demand and the parsers say so") {
  tma::test::TempDir dir;
  auto root = make_capture_site(dir, {"--misbehave", "plugin list: malformed-json"});
  auto broken = wpcli::parse_plugin_list(wp(root, {"plugin", "list", "--format=json"}).out);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find("wp plugin list --format=json: malformed JSON") == 0);
  CHECK(wpcli::parse_theme_list(wp(root, {"theme", "list", "--format=json"}).out)); // scoped to plugin list

  auto garbage = wp(root, {"core", "version"}, {{"TMA_LAB_MISBEHAVE", "garbage"}});
  CHECK_FALSE(wpcli::parse_core_version(garbage.out));
  auto fatal = wp(root, {"plugin", "list", "--format=json"}, {{"TMA_LAB_MISBEHAVE", "fatal"}});
  CHECK(fatal.exit_code == 255);
  CHECK(fatal.err.find("PHP Fatal error:  Uncaught Error") == 0);
  CHECK(fatal.out.empty());
  auto exit3 = wp(root, {"core", "version"}, {{"TMA_LAB_MISBEHAVE", "exit=3"}});
  CHECK(exit3.exit_code == 3);
  CHECK(exit3.err == "Error: lab-induced failure\n");
  auto noisy = wp(root, {"theme", "list", "--format=json"}, {{"TMA_LAB_MISBEHAVE", "notice"}});
  CHECK(noisy.out.find("PHP Deprecated:") == 0);
  CHECK(wpcli::parse_theme_list(noisy.out));
  std::filesystem::remove(root + "/.tma-lab/misbehave");
  CHECK(wp(root, {"core", "check-update", "--format=json"}, {{"TMA_LAB_MISBEHAVE", "update-server-down"}}).out == "[]");
  auto down = wpcli::parse_plugin_list(
      wp(root, {"plugin", "list", "--format=json"}, {{"TMA_LAB_MISBEHAVE", "update-server-down"}}).out);
  REQUIRE(down);
  CHECK((*down)[0].update == UpdateState::none);

  tma::test::ProgramOptions hang;
  hang.env = {{"TMA_LAB_MISBEHAVE", "hang"}};
  hang.timeout = std::chrono::milliseconds(500);
  auto hung = run_program({lab_bin("wp"), "--path=" + root, "core", "version"}, hang);
  CHECK(hung.timed_out);
  CHECK(hung.out.empty());
}
