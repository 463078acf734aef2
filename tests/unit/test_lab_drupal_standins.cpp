// The lab's `drush` and `composer` stand-ins against tma's parsers: documented shapes, real file
// changes, exit codes, misbehaviour.
#include <catch2/catch.hpp>

#include <tma/check/evaluate.hpp>
#include <tma/cms/drupal.hpp>

#include "support/fixture.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using namespace tma::cms;
using tma::test::lab_bin;
using tma::test::run_program;

namespace {

std::string make_shop(const tma::test::TempDir& dir, const std::string& drush_version,
                      const std::vector<std::string>& extra = {}) {
  std::string root = dir.file("shop");
  std::vector<std::string> argv{std::string(TMA_LAB_DIR) + "/make_drupal_site", root, "--core", "10.3.2",
                                "--drush", drush_version, "--package", "drupal/webform=6.2.2",
                                "--package", "oldvendor/mailer=v1.9.0", "--package", "psr/log=3.0.0:transitive",
                                "--update", "drupal/webform=6.2.5,6.2.7", "--update", "drupal/core=10.3.9",
                                "--update", "drupal/core-recommended=10.3.9", "--update", "drush/drush=13.3.0",
                                "--advisory", "drupal/webform|>=6.0.0,<6.2.5|PKSA-abcd-1234-ef56|high|Webform XSS|CVE-2099-0001",
                                "--advisory", "drupal/core|>=10.3.0,<10.3.9|PKSA-7x4q-2nbd-9fvw|medium|Access bypass",
                                "--abandoned", "oldvendor/mailer=newvendor/mailer",
                                "--pending-update", "shopcore_update_10003"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  REQUIRE(run_program(argv).exit_code == 0);
  return root;
}

tma::test::ProgramResult tool(const std::string& name, const std::string& cwd, const std::vector<std::string>& args,
                              const std::map<std::string, std::optional<std::string>>& env = {}) {
  std::vector<std::string> argv{lab_bin(name)};
  argv.insert(argv.end(), args.begin(), args.end());
  tma::test::ProgramOptions options;
  options.cwd = cwd;
  options.env = env;
  options.timeout = std::chrono::seconds(20);
  return run_program(argv, options);
}

} // namespace

TEST_CASE("lab drush status and pm:security parse as documented") {
  tma::test::TempDir dir;
  auto root = make_shop(dir, "11.6.0");
  auto status = tool("drush", root + "/web", {"status", "--format=json"});
  REQUIRE(status.exit_code == 0);
  CHECK(status.out.find("{\n    \"drupal-version\": \"10.3.2\",\n") == 0);
  auto parsed = drush::parse_status(status.out);
  REQUIRE(parsed);
  CHECK(parsed->drupal_version == "10.3.2");
  CHECK(parsed->drush_version == "11.6.0.0");
  CHECK(parsed->db_status == "Connected");
  CHECK(parsed->root == root + "/web");
  CHECK(tool("drush", root, {"status", "--field=drupal-version"}).out == "10.3.2\n");

  auto security = tool("drush", root, {"pm:security", "--format=json"});
  CHECK(security.exit_code == 3);
  CHECK(security.err.find("[warning] One or more of your dependencies has an outstanding security update.") !=
        std::string::npos);
  auto insecure = drush::parse_pm_security(security.out);
  REQUIRE(insecure);
  REQUIRE(insecure->size() == 2);
  CHECK((*insecure)[0].name == "drupal/core");
  CHECK((*insecure)[1].name == "drupal/webform");
  CHECK((*insecure)[1].version == "6.2.2");

  auto outside = tool("drush", dir.path().string(), {"status", "--format=json"});
  auto not_drupal = drush::parse_status(outside.out);
  REQUIRE_FALSE(not_drupal);
  CHECK(not_drupal.error().message.find("no \"drupal-version\"") != std::string::npos);
}

TEST_CASE("lab drush 12 sends pm:security users to composer audit") {
  tma::test::TempDir dir;
  auto root = make_shop(dir, "12.5.3");
  auto removed = tool("drush", root, {"pm:security", "--format=json"});
  CHECK(removed.exit_code == 1);
  CHECK(drush::pm_security_removed(removed.err));
  CHECK(tool("drush", root, {"updatedb", "-y"}).err ==
        " [notice] Update started: shopcore_update_10003\n [success] Finished performing updates.\n");
  CHECK(tool("drush", root, {"updb", "-y"}).err == " [success] No pending updates.\n");
  CHECK(tool("drush", root, {"cr"}).err == " [success] Cache rebuild complete.\n");
  CHECK(tool("drush", root, {"state:set", "system.maintenance_mode", "1", "--input-format=integer"}).exit_code == 0);
  CHECK(tool("drush", root, {"maint:status"}).exit_code == 3);
  CHECK(tool("drush", root, {"state:get", "system.maintenance_mode"}).out == "1\n");
  CHECK(tool("drush", root, {"sset", "system.maintenance_mode", "0"}).exit_code == 0);
  CHECK(tool("drush", root, {"maint:status"}).exit_code == 0);
}

TEST_CASE("lab composer outdated and audit feed findings and require fixes them") {
  tma::test::TempDir dir;
  auto root = make_shop(dir, "12.5.3");
  auto outdated = tool("composer", root, {"outdated", "--direct", "--format=json", "--no-interaction"});
  REQUIRE(outdated.exit_code == 0);
  auto packages = composer::parse_outdated(outdated.out);
  REQUIRE(packages);
  REQUIRE(packages->size() == 4); // psr/log is transitive, --direct leaves it out
  CHECK((*packages)[1].name == "drupal/webform");
  CHECK((*packages)[1].latest == "6.2.7");
  CHECK((*packages)[2].name == "drush/drush");
  CHECK((*packages)[2].update == UpdateState::available);
  CHECK((*packages)[3].note == "abandoned, use newvendor/mailer");

  auto audit_run = tool("composer", root, {"audit", "--format=json"});
  CHECK(audit_run.exit_code == 3); // Composer 2.8: affected packages + abandoned ones
  auto audit = composer::parse_audit(audit_run.out);
  REQUIRE(audit);
  REQUIRE(audit->advisories.size() == 2);
  CHECK(audit->abandoned.at("oldvendor/mailer") == "newvendor/mailer");

  auto status = drush::parse_status(tool("drush", root, {"status", "--format=json"}).out);
  std::vector<Component> components{drush::core_component(*status)};
  components.insert(components.end(), packages->begin(), packages->end());
  tma::check::SecuritySources sources;
  sources.composer_audit = &*audit;
  auto findings = tma::check::findings_for("shop", "prod", tma::version::Scheme::composer, components, sources);
  REQUIRE(findings.size() == 4);
  CHECK(findings[0].name == "drupal");
  CHECK(findings[0].fixed_in == "10.3.9");
  CHECK(findings[1].name == "drupal/webform");
  CHECK(findings[1].fixed_in == "6.2.5");

  auto require = tool("composer", root, {"require", "drupal/webform:6.2.5", "drupal/core:10.3.9", "--no-interaction"});
  CHECK(require.exit_code == 0);
  CHECK(require.err.find("  - Upgrading drupal/webform (6.2.2 => 6.2.5)\n") != std::string::npos);
  CHECK(tool("drush", root, {"status", "--field=drupal-version"}).out == "10.3.9\n");
  auto clean = composer::parse_audit(tool("composer", root, {"audit", "--format=json"}).out);
  REQUIRE(clean);
  CHECK(clean->advisories.empty());
  auto impossible = tool("composer", root, {"require", "drupal/webform:9.9.9"});
  CHECK(impossible.exit_code == 2);
  CHECK(impossible.err.find("Your requirements could not be resolved") != std::string::npos);
}

TEST_CASE("lab composer misbehaves on demand") {
  tma::test::TempDir dir;
  auto root = make_shop(dir, "12.5.3", {"--misbehave", "audit: malformed-json"});
  auto audit = composer::parse_audit(tool("composer", root, {"audit", "--format=json"}).out);
  REQUIRE_FALSE(audit);
  CHECK(audit.error().message.find("composer audit --format=json: malformed JSON") == 0);
  CHECK(composer::parse_outdated(tool("composer", root, {"outdated", "--format=json"}).out));
  auto fatal = tool("composer", root, {"outdated", "--format=json"}, {{"TMA_LAB_MISBEHAVE", "exit=255"}});
  CHECK(fatal.exit_code == 255);
  CHECK_FALSE(composer::parse_outdated(fatal.out));
  auto garbage = tool("drush", root, {"status", "--format=json"}, {{"TMA_LAB_MISBEHAVE", "garbage"}});
  CHECK_FALSE(drush::parse_status(garbage.out));
}
