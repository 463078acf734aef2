#include <catch2/catch.hpp>

#include <tma/check/snapshot.hpp>
#include <tma/cms/wpcli.hpp>

#include "support/fixture.hpp"

using namespace tma::check;
using tma::test::fixture;

TEST_CASE("check::snapshot records installed versions and diff_snapshots finds changes") {
  SiteCheck before{"acme", "prod", "wordpress", "", std::nullopt, {}, {}, true, ""};
  before.components = *tma::cms::wpcli::parse_plugin_list(fixture("wp-cli/02-offline-updates-prod_plugin-list-offline-2plugins.stdout"));
  before.components.push_back(tma::cms::wpcli::core_component("6.1.9", {}));
  SiteCheck after = before;
  after.components = *tma::cms::wpcli::parse_plugin_list(fixture("wp-cli/02-offline-updates-prod_plugin-list-after-akismet-5.0.3.stdout"));
  after.components.pop_back(); // the must-use plugin went away
  after.components.push_back(tma::cms::wpcli::core_component("6.1.10", {}));

  auto a = snapshot(before);
  CHECK(a["components"][0] == nlohmann::json({{"kind", "core"}, {"name", "wordpress"}, {"version", "6.1.9"}}));
  CHECK(a["components"].size() == 4);
  auto changes = diff_snapshots(a, snapshot(after));
  REQUIRE(changes);
  REQUIRE(changes->size() == 3);
  CHECK((*changes)[0].name == "wordpress");
  CHECK((*changes)[0].before == "6.1.9");
  CHECK((*changes)[0].after == "6.1.10");
  CHECK((*changes)[1].name == "akismet");
  CHECK((*changes)[1].after == "5.0.3");
  CHECK((*changes)[2].name == "lab-offline-wporg");
  CHECK((*changes)[2].after.empty());
  CHECK(diff_snapshots(a, a)->empty());
  auto bad = diff_snapshots(nlohmann::json::array(), a);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "previous snapshot is not a check snapshot");
}
