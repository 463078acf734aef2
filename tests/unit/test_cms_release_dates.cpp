// The release dates tma reads from answers it already gets (updates.min_release_age): WordPress.org's
// `last_updated`, drupal.org's `<date>`, composer's `latest-release-date`. Facts of the formats are those
// of formats.md sections 3.1, 4.2 and 5, copied into the fixtures.
#include <catch2/catch.hpp>

#include <tma/check/drupal_coverage.hpp>
#include <tma/cms/drupal.hpp>
#include <tma/cms/drupal_releases.hpp>
#include <tma/cms/wordpress_http.hpp>
#include <tma/core/timezone.hpp>

#include "support/fixture.hpp"

using namespace tma;
using tma::test::fixture;

namespace {

std::chrono::sys_seconds at(std::string_view rfc3339) { return *core::parse_rfc3339(rfc3339); }

const cms::Component* named(const std::vector<cms::Component>& list, const std::string& name) {
  for (const auto& c : list) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

} // namespace

TEST_CASE("wordpress.org last_updated is read as a GMT instant with a 12-hour clock", "[unit][cms][release_age]") {
  namespace wh = cms::wordpress_http;
  CHECK(wh::parse_wporg_time("2024-07-15 3:04pm GMT") == at("2024-07-15T15:04:00Z"));
  CHECK(wh::parse_wporg_time("2024-07-15 11:59am GMT") == at("2024-07-15T11:59:00Z"));
  CHECK(wh::parse_wporg_time("2024-07-15 12:00am GMT") == at("2024-07-15T00:00:00Z"));
  CHECK(wh::parse_wporg_time("2024-07-15 12:30pm GMT") == at("2024-07-15T12:30:00Z"));
  CHECK(wh::parse_wporg_time("2024-07-15 10:04pm GMT") == at("2024-07-15T22:04:00Z"));
  CHECK_FALSE(wh::parse_wporg_time(""));
  CHECK_FALSE(wh::parse_wporg_time("2024-07-15"));
  CHECK_FALSE(wh::parse_wporg_time("2024-07-15 13:04pm GMT"));
  CHECK_FALSE(wh::parse_wporg_time("2024-07-15 0:04am GMT"));
  CHECK_FALSE(wh::parse_wporg_time("2024-07-15 3:4pm GMT"));
  CHECK_FALSE(wh::parse_wporg_time("2024-07-15 3:04pm UTC"));
  CHECK_FALSE(wh::parse_wporg_time("2024-02-30 3:04pm GMT"));
  CHECK_FALSE(wh::parse_wporg_time("2024-07-15 3:04xm GMT"));
}

TEST_CASE("wordpress.org plugin information dates its latest version", "[unit][cms][release_age]") {
  auto info = cms::wordpress_http::parse_plugin_info(fixture("wporg/plugin-info-akismet.json"));
  REQUIRE(info);
  CHECK(info->version == "5.1");
  CHECK(info->last_updated == "2024-07-15");
  CHECK(info->released == at("2024-07-15T15:04:00Z"));
  auto undated = cms::wordpress_http::parse_plugin_info(R"({"slug":"x","version":"1.0"})");
  REQUIRE(undated);
  CHECK_FALSE(undated->released);
}

TEST_CASE("drupal.org release history: each release has its <date> as a unix timestamp", "[unit][cms][release_age]") {
  auto history = cms::drupal_releases::parse_release_history(fixture("drupal/release-history-acme_tools.xml"));
  REQUIRE(history);
  REQUIRE(history->releases.size() >= 3);
  CHECK(history->releases[1].version == "3.0.2");
  CHECK(history->releases[1].date == std::chrono::sys_seconds{std::chrono::seconds{1719500000}});
  CHECK(history->releases[1].date == at("2024-06-27T14:53:20Z"));
  auto dates = check::drupal_release_dates(*history);
  CHECK(dates.at("3.0.1") == at("2024-03-09T16:00:00Z"));
  // The legacy 8.x-1.11 is also found under composer's spelling 1.11.0.
  CHECK(dates.at("8.x-1.11") == at("2020-09-13T12:26:40Z"));
  CHECK(dates.at("1.11.0") == at("2020-09-13T12:26:40Z"));

  auto odd = cms::drupal_releases::parse_release_history(
      "<project><short_name>x</short_name><releases><release><version>1.0.0</version><date>soon</date></release>"
      "<release><version>0.9.0</version></release></releases></project>");
  REQUIRE(odd);
  CHECK_FALSE(odd->releases[0].date);
  CHECK_FALSE(odd->releases[1].date);
  CHECK(check::drupal_release_dates(*odd).empty());
}

TEST_CASE("composer outdated: latest-release-date dates latest and empty or absent leaves it undated", "[unit][cms][release_age]") {
  auto list = cms::composer::parse_outdated(fixture("composer/outdated.json"));
  REQUIRE(list);
  const auto* webform = named(*list, "drupal/webform");
  REQUIRE(webform != nullptr);
  CHECK(webform->released.size() == 1);
  CHECK(webform->released.at("6.2.7") == at("2024-06-20T12:00:00Z"));
  // Composer 2.8 writes "" when it does not know; before 2.8 the key is absent.
  auto rows = cms::composer::parse_outdated(R"({"installed": [
    {"name": "acme/blank", "version": "1.0.0", "latest": "1.1.0", "latest-status": "semver-safe-update", "latest-release-date": ""},
    {"name": "acme/old-composer", "version": "1.0.0", "latest": "1.2.0", "latest-status": "semver-safe-update"},
    {"name": "acme/offset", "version": "1.0.0", "latest": "2.0.0", "latest-status": "update-possible",
     "latest-release-date": "2024-06-20T14:00:00+02:00"}]})");
  REQUIRE(rows);
  CHECK(named(*rows, "acme/blank")->released.empty());
  CHECK(named(*rows, "acme/old-composer")->released.empty());
  CHECK(named(*rows, "acme/offset")->released.at("2.0.0") == at("2024-06-20T12:00:00Z"));
}
