#include <catch2/catch.hpp>

#include <tma/cms/drupal.hpp>

#include "support/fixture.hpp"

using namespace tma::cms;
using tma::test::fixture;

TEST_CASE("cms::drush::parse_status keeps versions and never the password") {
  auto s = drush::parse_status(fixture("drush/status.json"));
  REQUIRE(s);
  CHECK(s->drupal_version == "10.3.2");
  CHECK(s->php_version == "8.2.20");
  CHECK(s->drush_version == "12.5.3.0");
  CHECK(s->db_status == "Connected");
  CHECK(s->bootstrap == "Successful");
  CHECK(s->root == "/var/www/shop/web");
  auto core = drush::core_component(*s);
  CHECK(core.kind == ComponentKind::core);
  CHECK(core.name == "drupal");
  CHECK(core.installed == "10.3.2");
  CHECK(core.source == "drush");
  SECTION("outside a Drupal root") {
    auto outside = drush::parse_status(fixture("drush/status-outside-root.json"));
    REQUIRE_FALSE(outside);
    CHECK(outside.error().message ==
          "drush status --format=json: no \"drupal-version\" (is the path a Drupal root?)");
  }
  SECTION("garbage") {
    CHECK_FALSE(drush::parse_status("[error]  Drush command terminated abnormally."));
    CHECK_FALSE(drush::parse_status("[]"));
  }
}

TEST_CASE("cms::drush::parse_pm_security reads insecure and clean and removed") {
  auto insecure = drush::parse_pm_security(fixture("drush/pm-security-insecure.json"));
  REQUIRE(insecure);
  REQUIRE(insecure->size() == 2);
  CHECK((*insecure)[0].name == "drupal/core");
  CHECK((*insecure)[0].version == "9.5.9");
  CHECK((*insecure)[1].name == "drupal/webform");
  auto clean = drush::parse_pm_security(fixture("drush/pm-security-clean.json"));
  REQUIRE(clean);
  CHECK(clean->empty());
  CHECK(drush::pm_security_removed(fixture("drush/pm-security-removed.stderr")));
  CHECK_FALSE(drush::pm_security_removed("[success] There are no outstanding security updates for Drupal projects."));
  CHECK_FALSE(drush::parse_pm_security("{\"drupal/core\": \"9.5.9\"}"));
  CHECK_FALSE(drush::parse_pm_security(""));
}

TEST_CASE("cms::composer::parse_outdated maps rows to package components") {
  auto list = composer::parse_outdated(fixture("composer/outdated.json"));
  REQUIRE(list);
  REQUIRE(list->size() == 5);
  const auto& core = (*list)[0];
  CHECK(core.kind == ComponentKind::package);
  CHECK(core.name == "drupal/core-recommended");
  CHECK(core.installed == "10.3.2");
  CHECK(core.latest == "10.3.6");
  CHECK(core.update == UpdateState::available);
  CHECK(core.status == "direct");
  CHECK((*list)[2].latest == "13.3.0");
  const auto& mailer = (*list)[3];
  CHECK(mailer.update == UpdateState::none);
  CHECK(mailer.installed == "v1.9.0");
  CHECK(mailer.note == "abandoned, use newvendor/mailer");
  const auto& priv = (*list)[4];
  CHECK(priv.update == UpdateState::unknown);
  CHECK(priv.latest.empty());
  CHECK(composer::parse_outdated(fixture("composer/outdated-none.json"))->empty());
  CHECK(composer::parse_outdated("[]")->empty());
  CHECK_FALSE(composer::parse_outdated("{\"packages\": []}"));
  CHECK_FALSE(composer::parse_outdated(R"({"installed":[{"name":"a/b","version":"1","latest":"2","latest-status":"weird"}]})"));
}

TEST_CASE("cms::composer::parse_audit reads advisories and abandoned and clean runs") {
  auto audit = composer::parse_audit(fixture("composer/audit.json"));
  REQUIRE(audit);
  REQUIRE(audit->advisories.size() == 2);
  const auto& core = audit->advisories[0];
  CHECK(core.package == "drupal/core");
  CHECK(core.advisory_id == "PKSA-7x4q-2nbd-9fvw");
  CHECK(core.cve.empty());
  CHECK(core.severity == "medium");
  CHECK(core.affected_versions == ">=8.0.0,<10.2.11|>=10.3.0,<10.3.9|>=11.0.0,<11.0.8");
  CHECK(audit->advisories[1].remote_ids == std::vector<std::string>{"GHSA-aaaa-bbbb-cccc"});
  CHECK(audit->abandoned.at("oldvendor/mailer") == "newvendor/mailer");
  for (auto name : {"composer/audit-clean.json", "composer/audit-clean-2.10.json"}) {
    auto clean = composer::parse_audit(fixture(name));
    REQUIRE(clean);
    CHECK(clean->advisories.empty());
  }
  auto missing = composer::parse_audit("{\"abandoned\": []}");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "composer audit --format=json: no \"advisories\" key");
  CHECK_FALSE(composer::parse_audit("No installed packages found. Please run \"composer install\""));
}

TEST_CASE("cms::composer::parse_packagist_advisories keeps what affects the installed versions") {
  std::map<std::string, std::string> installed{{"acme/yaml-parser", "2.1.0"}, {"acme/http-client", "v3.2.0"},
                                               {"acme/mailer", "1.0"}};
  auto audit = composer::parse_packagist_advisories(fixture("composer/packagist-advisories.json"), installed);
  REQUIRE(audit);
  REQUIRE(audit->advisories.size() == 1);
  CHECK(audit->advisories[0].package == "acme/yaml-parser");
  CHECK(audit->advisories[0].affected_versions == ">=2.0.0,<2.3.4|<1.9.9");
  CHECK(audit->advisories[0].link == "https://github.com/advisories/GHSA-aaaa-bbbb-cccc");
  installed["acme/yaml-parser"] = "2.3.4";
  installed["acme/http-client"] = "2.9";
  auto other = composer::parse_packagist_advisories(fixture("composer/packagist-advisories.json"), installed);
  REQUIRE(other->advisories.size() == 1);
  CHECK(other->advisories[0].package == "acme/http-client");
  auto bad = composer::parse_packagist_advisories("{\"status\":\"error\",\"message\":\"Missing array\"}", installed);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "Packagist security advisories: no \"advisories\" key");
}
