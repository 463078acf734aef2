#include <catch2/catch.hpp>

#include <tma/cms/json_text.hpp>
#include <tma/cms/wpcli.hpp>

#include "support/fixture.hpp"

using namespace tma::cms;
using tma::test::fixture;

TEST_CASE("cms::wpcli::parse_core_version reads the real output") {
  auto v = wpcli::parse_core_version(fixture("wp-cli/01-baseline_core-version.stdout"));
  REQUIRE(v);
  CHECK(*v == "6.1.9");
  CHECK(*wpcli::parse_core_version(fixture("wp-cli/03-scratch-clone_scratch-core-version-after.stdout")) == "6.1.10");
  SECTION("garbage is an error, not a version") {
    auto bad = wpcli::parse_core_version("Error: This does not seem to be a WordPress installation.\nPass --path=`path/to/wordpress`");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == tma::core::ErrorKind::cms);
    CHECK(bad.error().message.find("wp core version: not a version") == 0);
    CHECK_FALSE(wpcli::parse_core_version(""));
    CHECK_FALSE(wpcli::parse_core_version("<html>"));
  }
}

TEST_CASE("cms::wpcli::parse_core_check_update handles offers and the up-to-date forms") {
  auto offers = wpcli::parse_core_check_update(fixture("wp-cli/02-offline-updates-prod_core-check-update-offline.stdout"));
  REQUIRE(offers);
  REQUIRE(offers->size() == 1);
  CHECK((*offers)[0].version == "6.1.10");
  CHECK((*offers)[0].update_type == "minor");
  CHECK((*offers)[0].package_url == "https://downloads.wordpress.org/release/wordpress-6.1.10-partial-9.zip");
  auto core = wpcli::core_component("6.1.9", *offers);
  CHECK(core.kind == ComponentKind::core);
  CHECK(core.name == "wordpress");
  CHECK(core.latest == "6.1.10");
  CHECK(core.update == UpdateState::available);

  SECTION("two offers: latest is the newest, whatever the order") {
    auto two = wpcli::parse_core_check_update(fixture("wp-cli/formats-core-check-update-two.json"));
    REQUIRE(two);
    CHECK(wpcli::core_component("6.5.2", *two).latest == "6.6.1");
  }
  SECTION("[] , empty output and the table-mode success line mean no offer") {
    for (std::string text : {fixture("wp-cli/01-baseline_core-check-update.stdout"), std::string(""),
                             std::string("Success: WordPress is at the latest version.\n")}) {
      auto none = wpcli::parse_core_check_update(text);
      REQUIRE(none);
      CHECK(none->empty());
      auto c = wpcli::core_component("6.1.10", *none);
      CHECK(c.update == UpdateState::none);
      CHECK(c.latest.empty());
    }
  }
  SECTION("malformed JSON is an error") {
    auto bad = wpcli::parse_core_check_update("[{\"version\":\"6.1.10\",");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("malformed JSON") != std::string::npos);
  }
}

TEST_CASE("cms::wpcli::parse_plugin_list reads the real capture") {
  auto list = wpcli::parse_plugin_list(fixture("wp-cli/02-offline-updates-prod_plugin-list-offline-2plugins.stdout"));
  REQUIRE(list);
  REQUIRE(list->size() == 3);
  const auto& akismet = (*list)[0];
  CHECK(akismet.name == "akismet");
  CHECK(akismet.status == "inactive");
  CHECK(akismet.installed == "5.0.2");
  CHECK(akismet.latest == "5.1");
  CHECK(akismet.update == UpdateState::available);
  CHECK(akismet.auto_update == false);
  CHECK(akismet.source == "wp-cli");
  const auto& mu = (*list)[2];
  CHECK(mu.status == "must-use");
  CHECK(mu.update == UpdateState::not_applicable);
  CHECK(mu.latest.empty());
}

TEST_CASE("cms::wpcli::parse_plugin_list maps every documented update state") {
  auto list = wpcli::parse_plugin_list(fixture("wp-cli/formats-plugin-list-states.json"));
  REQUIRE(list);
  REQUIRE(list->size() == 7);
  CHECK((*list)[0].update == UpdateState::available);
  CHECK((*list)[0].note.empty());
  CHECK((*list)[1].update == UpdateState::available);
  CHECK((*list)[1].note == "update package not available");
  CHECK((*list)[2].update == UpdateState::unavailable);
  CHECK((*list)[2].note == "update not installable: Requires WordPress 6.6 or higher");
  CHECK((*list)[3].update == UpdateState::higher_than_expected);
  CHECK((*list)[3].auto_update == true);
  CHECK((*list)[4].update == UpdateState::none);
  CHECK((*list)[5].update == UpdateState::not_applicable);
  CHECK((*list)[6].name == "object-cache.php");
  CHECK((*list)[6].installed.empty());
}

TEST_CASE("cms::wpcli::parse_plugin_list tolerates PHP notices and rejects garbage") {
  auto noisy = wpcli::parse_plugin_list(fixture("wp-cli/formats-plugin-list-with-notice.txt"));
  REQUIRE(noisy);
  CHECK(noisy->size() == 1);
  auto truncated = wpcli::parse_plugin_list(fixture("wp-cli/malformed-plugin-list.txt"));
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().message.find("wp plugin list --format=json: malformed JSON") == 0);
  auto empty = wpcli::parse_plugin_list("");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "wp plugin list --format=json: empty output where JSON was expected");
  auto object = wpcli::parse_plugin_list("{\"name\":\"x\"}");
  REQUIRE_FALSE(object);
  CHECK(object.error().message == "wp plugin list --format=json: expected a JSON array, got object");
  auto state = wpcli::parse_plugin_list(R"([{"name":"x","version":"1","update":"maybe"}])");
  REQUIRE_FALSE(state);
  CHECK(state.error().message == "wp plugin list --format=json: row 0: unknown update state \"maybe\"");
  auto fatal = wpcli::parse_plugin_list("PHP Fatal error:  Uncaught Error: Call to undefined function foo()");
  REQUIRE_FALSE(fatal);
  CHECK(fatal.error().message.find("no JSON in output") != std::string::npos);
  CHECK(wpcli::parse_plugin_list("[]")->empty());
}

TEST_CASE("cms::wpcli::parse_theme_list reads real and documented shapes") {
  auto real = wpcli::parse_theme_list(fixture("wp-cli/01-baseline_theme-list.stdout"));
  REQUIRE(real);
  REQUIRE(real->size() == 1);
  CHECK((*real)[0].kind == ComponentKind::theme);
  CHECK((*real)[0].name == "twentytwentythree");
  CHECK((*real)[0].installed == "1.0");
  auto documented = wpcli::parse_theme_list(fixture("wp-cli/formats-theme-list.json"));
  REQUIRE(documented);
  CHECK((*documented)[1].status == "parent");
  CHECK((*documented)[1].latest == "3.2");
}

TEST_CASE("cms::wpcli update rows and maintenance status") {
  auto rows = wpcli::parse_update_rows(fixture("wp-cli/06-reset-test_preprod-plugin-update-all.stdout"));
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].name == "akismet");
  CHECK((*rows)[0].old_version == "5.0.3");
  CHECK((*rows)[0].new_version == "5.1");
  CHECK((*rows)[0].status == "Updated");
  CHECK(wpcli::parse_update_rows("")->empty());
  CHECK(*wpcli::parse_maintenance_status(fixture("wp-cli/03-scratch-clone_scratch-maintenance-status-active.stdout")));
  CHECK_FALSE(*wpcli::parse_maintenance_status(fixture("wp-cli/01-baseline_maintenance-mode-status.stdout")));
  CHECK_FALSE(wpcli::parse_maintenance_status("Error: something"));
}

TEST_CASE("cms::wpcli::parse_cli_info reads the PHP version from the real wp --info") {
  auto info = wpcli::parse_cli_info(fixture("wp-cli/00-wpcli_cli-info.stdout"));
  REQUIRE(info);
  CHECK(info->php_version == "8.2.36");
  CHECK(info->wp_cli_version == "2.12.0");
  auto bad = wpcli::parse_cli_info("Error: something");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "wp --info: no \"PHP version:\" line in \"Error: something\"");
}

TEST_CASE("cms::valid_utf8 and excerpt keep error text serialisable") {
  CHECK(valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(valid_utf8("caf\xE9") == "caf\xEF\xBF\xBD");          // Latin-1 byte
  CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
  std::string long_text(79, 'x');
  long_text += "\xC3\xA9 and more";
  CHECK(excerpt(long_text, 80) == std::string(79, 'x') + "...");
  auto bad = wpcli::parse_plugin_list("\xFF\xFE garbage");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("\xEF\xBF\xBD\xEF\xBF\xBD garbage") != std::string::npos);
  CHECK_NOTHROW(nlohmann::json(bad.error().message).dump());
}
