#include <catch2/catch.hpp>

#include <tma/check/evaluate.hpp>
#include <tma/cms/wpcli.hpp>
#include <tma/core/exit_code.hpp>

#include "support/fixture.hpp"

using namespace tma::check;
using namespace tma::version;
using namespace tma::cms;
using tma::test::fixture;

namespace {
std::vector<Component> wordpress_components(const std::string& core_version) {
  std::vector<Component> all{wpcli::core_component(core_version, *wpcli::parse_core_check_update(
      fixture("wp-cli/02-offline-updates-prod_core-check-update-offline.stdout")))};
  auto plugins = wpcli::parse_plugin_list(fixture("wp-cli/02-offline-updates-prod_plugin-list-offline-2plugins.stdout"));
  auto themes = wpcli::parse_theme_list(fixture("wp-cli/01-baseline_theme-list.stdout"));
  all.insert(all.end(), plugins->begin(), plugins->end());
  all.insert(all.end(), themes->begin(), themes->end());
  return all;
}
} // namespace

TEST_CASE("check::findings_for without vulnerability data classifies by distance") {
  auto findings = findings_for("acme", "prod", Scheme::php, wordpress_components("6.1.9"), {});
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].name == "akismet"); // minor 5.0.2 -> 5.1 sorts before patch ones
  CHECK(findings[0].severity == Severity::minor);
  CHECK(findings[0].site == "acme");
  CHECK(findings[0].env == "prod");
  CHECK(findings[1].kind == ComponentKind::plugin);
  CHECK(findings[1].name == "tma-demo");
  CHECK(findings[1].severity == Severity::minor);
  CHECK(findings[2].kind == ComponentKind::core);
  CHECK(findings[2].severity == Severity::patch);
  CHECK(findings[2].latest == "6.1.10");
  for (const auto& f : findings) {
    CHECK(f.advisories.empty());
    CHECK_FALSE(reaches(f, FailOn::security));
    CHECK(reaches(f, FailOn::any));
    CHECK_FALSE(reaches(f, FailOn::never));
  }
}

TEST_CASE("check::findings_for with the Wordfence feed marks security findings first") {
  auto db = VulnerabilityDb::parse_wordfence(fixture("wordfence/feed.json"));
  REQUIRE(db);
  SecuritySources sources;
  sources.wordfence = &*db;
  auto findings = findings_for("acme", "prod", Scheme::php, wordpress_components("6.1.9"), sources);
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].severity == Severity::security);
  CHECK(findings[0].kind == ComponentKind::core); // CVSS 6.4 before akismet's 6.1
  CHECK(findings[0].fixed_in == "6.1.10");
  CHECK(findings[0].cvss_score == Approx(6.4));
  CHECK(findings[0].source == "wp-cli+wordfence");
  CHECK(findings[1].name == "akismet");
  CHECK(findings[1].severity == Severity::security);
  CHECK(findings[1].fixed_in == "5.0.3");
  CHECK(findings[1].latest == "5.1");
  CHECK(findings[1].advisories.at(0).cve == "CVE-2099-1234");
  CHECK(findings[2].severity == Severity::minor);
  CHECK(reaches(findings[0], FailOn::security));
}

TEST_CASE("check::findings_for merges several advisories and unfixed ones") {
  auto db = VulnerabilityDb::parse_wordfence(fixture("wordfence/feed.json"));
  SecuritySources sources;
  sources.wordfence = &*db;
  Component akismet{ComponentKind::plugin, "akismet", "", "active", "5.0.1", "5.1", UpdateState::available,
                    false, "wp-cli", Confidence::certain, "", ""};
  Component slider{ComponentKind::plugin, "old-slider", "", "active", "9.0", "", UpdateState::none,
                   false, "wp-cli", Confidence::certain, "", ""};
  Component unknown{ComponentKind::plugin, "mystery", "", "active", "", "", UpdateState::unknown,
                    std::nullopt, "http:page", Confidence::low, "", ""};
  auto findings = findings_for("s", "prod", Scheme::php, {akismet, slider, unknown}, sources);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].name == "old-slider");
  CHECK(findings[0].fixed_in.empty());
  CHECK(findings[0].note == "no fixed version published");
  CHECK(findings[1].name == "akismet");
  CHECK(findings[1].advisories.size() == 2);
  CHECK(findings[1].fixed_in == "5.0.3"); // fixes both 5.0.2 (<= 5.0.1) and 5.0.3 (<= 5.0.2)
  CHECK(findings[1].cvss_score == Approx(6.1));
}

TEST_CASE("check::findings_for maps composer audit and drush pm:security") {
  auto audit = composer::parse_audit(fixture("composer/audit.json"));
  REQUIRE(audit);
  std::vector<Component> components{
      {ComponentKind::core, "drupal", "Drupal core", "", "10.3.2", "", UpdateState::unknown, std::nullopt, "drush",
       Confidence::certain, "", ""},
      {ComponentKind::package, "drupal/webform", "", "direct", "6.2.2", "6.2.7", UpdateState::available, std::nullopt,
       "composer", Confidence::certain, "", ""},
      {ComponentKind::package, "drush/drush", "", "direct", "12.5.3", "13.3.0", UpdateState::available, std::nullopt,
       "composer", Confidence::certain, "", ""}};
  SecuritySources sources;
  sources.composer_audit = &*audit;
  auto findings = findings_for("shop", "prod", Scheme::composer, components, sources);
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].name == "drupal");
  CHECK(findings[0].severity == Severity::security);
  CHECK(findings[0].fixed_in == "10.3.9");
  CHECK(findings[0].cvss_rating == "medium");
  CHECK(findings[1].name == "drupal/webform");
  CHECK(findings[1].fixed_in == "6.2.5");
  CHECK(findings[1].advisories.at(0).aliases == std::vector<std::string>{"GHSA-aaaa-bbbb-cccc"});
  CHECK(findings[1].source == "composer+composer-audit");
  CHECK(findings[2].name == "drush/drush");
  CHECK(findings[2].severity == Severity::major);

  CHECK(audit_only_components(*audit, components).empty());
  CHECK(audit_only_components(*audit, {}).size() == 2);

  std::vector<drush::InsecureProject> insecure{{"drupal/core", "10.3.2"}};
  SecuritySources drush_only;
  drush_only.drush_insecure = &insecure;
  auto d = findings_for("shop", "prod", Scheme::composer, {components[0]}, drush_only);
  REQUIRE(d.size() == 1);
  CHECK(d[0].severity == Severity::security);
  CHECK(d[0].note == "no fixed version published");
}

TEST_CASE("check::exit_bits combines findings with failed and unreachable sites") {
  SiteCheck ok{"a", "prod", "wordpress", "", std::nullopt, {}, {}, true, ""};
  SiteCheck findings = ok;
  Finding minor;
  minor.severity = Severity::minor;
  findings.findings = {minor};
  SiteCheck failed = ok;
  failed.error = tma::core::Error{tma::core::ErrorKind::cms, "garbage"};
  SiteCheck down = ok;
  down.error = tma::core::Error{tma::core::ErrorKind::unreachable, "ssh: connect refused"};
  CHECK(site_status(ok) == SiteStatus::ok);
  CHECK(site_status(findings) == SiteStatus::findings);
  CHECK(site_status(failed) == SiteStatus::failed);
  CHECK(site_status(down) == SiteStatus::unreachable);
  CHECK(exit_bits({ok, findings}, FailOn::security) == 0);
  CHECK(exit_bits({ok, findings}, FailOn::any) == tma::core::exit_code::findings);
  CHECK(exit_bits({failed, down, findings}, FailOn::any) == 7);
  CHECK(exit_bits({failed, down, findings}, FailOn::never) == 6);
  CHECK(parse_fail_on("any") == FailOn::any);
  CHECK_FALSE(parse_fail_on("high"));
}
