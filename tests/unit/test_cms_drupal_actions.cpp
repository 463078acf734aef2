#include <catch2/catch.hpp>

#include <tma/cms/drupal_actions.hpp>
#include <tma/update/pipeline.hpp>

#include "support/fake_transport.hpp"

using tma::cms::ComponentKind;
using tma::test::FakeTransport;
using tma::cms::DrupalActions;

namespace {

tma::inventory::Environment shop() {
  tma::inventory::Environment env;
  env.path = "/var/www/shop";
  return env;
}

} // namespace

TEST_CASE("core_package_from_composer_json picks the core package the project requires", "[update][drupal]") {
  using tma::cms::core_package_from_composer_json;
  CHECK(*core_package_from_composer_json(R"({"require":{"drupal/core-recommended":"^10.3","drupal/core":"^10"}})") ==
        "drupal/core-recommended");
  CHECK(*core_package_from_composer_json(R"({"require":{"drupal/core":"10.3.2","drush/drush":"^12"}})") == "drupal/core");
  CHECK(*core_package_from_composer_json(R"({"require":{"drupal/core-minimal":"^8.9"}})") == "drupal/core-minimal");
  CHECK(core_package_from_composer_json(R"({"require":{"symfony/console":"^6"}})").error().message.find("none of") !=
        std::string::npos);
  CHECK_FALSE(core_package_from_composer_json("{oops"));
  CHECK_FALSE(core_package_from_composer_json(R"({"name":"x"})"));
}

TEST_CASE("DrupalActions runs composer and drush with exact versions, in the project root", "[update][drupal]") {
  FakeTransport t;
  t.reply("cat composer.json", FakeTransport::ok(R"({"require":{"drupal/core-recommended":"^10.3"}})"));
  DrupalActions drupal(t, shop(), tma::inventory::Cms::drupal);
  REQUIRE(drupal.install(ComponentKind::core, "drupal", "10.3.9"));
  REQUIRE(drupal.install(ComponentKind::package, "drupal/token", "1.14.0"));
  REQUIRE(drupal.set_maintenance(true));
  REQUIRE(drupal.database_updates());
  REQUIRE(drupal.set_maintenance(false));
  CHECK(t.command_lines() ==
        std::vector<std::string>{
            "cat composer.json",
            "composer require --update-with-dependencies --no-interaction --no-ansi -- drupal/core-recommended:10.3.9",
            "composer require --update-with-dependencies --no-interaction --no-ansi -- drupal/token:1.14.0",
            "drush state:set system.maintenance_mode 1 --input-format=integer", "drush cache:rebuild",
            "drush updatedb -y", "drush cache:rebuild",
            "drush state:set system.maintenance_mode 0 --input-format=integer", "drush cache:rebuild"});
  for (const auto& call : t.calls()) {
    CHECK(call.cwd.empty()); // the environment's path: the transport runs `cd <path> && ...`
  }
  auto plugin = drupal.install(ComponentKind::plugin, "akismet", "5.0");
  REQUIRE_FALSE(plugin);
  CHECK(plugin.error().message.find("no plugins") != std::string::npos);
}

TEST_CASE("DrupalActions reports composer's failure and reads the maintenance state", "[update][drupal]") {
  FakeTransport t;
  t.reply("composer require --update-with-dependencies --no-interaction --no-ansi -- drupal/token:9.9.9",
          FakeTransport::exit(2, "Your requirements could not be resolved to an installable set of packages."));
  t.reply("drush state:get system.maintenance_mode", FakeTransport::ok("1\n"));
  t.reply("drush state:get system.maintenance_mode", FakeTransport::ok("maybe\n"));
  DrupalActions drupal(t, shop(), tma::inventory::Cms::drupal);
  auto bad = drupal.install(ComponentKind::package, "drupal/token", "9.9.9");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("composer require drupal/token:9.9.9") != std::string::npos);
  auto on = drupal.maintenance_active();
  REQUIRE(on);
  CHECK(*on == std::optional<bool>{true});
  CHECK_FALSE(drupal.maintenance_active());
}

TEST_CASE("DrupalActions on a plain composer project: no drush at all", "[update][drupal]") {
  FakeTransport t;
  DrupalActions composer(t, shop(), tma::inventory::Cms::composer);
  CHECK_FALSE(composer.has_maintenance());
  REQUIRE(composer.set_maintenance(true));
  REQUIRE(composer.database_updates());
  REQUIRE(composer.set_maintenance(false));
  REQUIRE(composer.install(ComponentKind::package, "symfony/console", "6.4.8"));
  CHECK(*composer.maintenance_active() == std::nullopt);
  CHECK(t.command_lines() ==
        std::vector<std::string>{
            "composer require --update-with-dependencies --no-interaction --no-ansi -- symfony/console:6.4.8"});
}
