#include <catch2/catch.hpp>

#include <tma/cms/drupal_releases.hpp>

#include "support/fixture.hpp"

using namespace tma::cms::drupal_releases;
using tma::test::fixture;

TEST_CASE("cms::drupal_releases parses the release history feed") {
  auto history = parse_release_history(fixture("drupal/release-history-acme_tools.xml"));
  REQUIRE(history);
  CHECK(history->short_name == "acme_tools");
  CHECK(history->title == "Acme Tools");
  CHECK(history->project_status == "published");
  CHECK(history->supported_branches == std::vector<std::string>{"2.1.", "2.2.", "3.0."});
  REQUIRE(history->releases.size() == 6);
  CHECK(history->releases[1].version == "3.0.2");
  CHECK(history->releases[1].types == std::vector<std::string>{"Security update", "Bug fixes"});
  CHECK(history->releases[1].security_covered);
  CHECK_FALSE(history->releases[0].security_covered);
  CHECK(history->releases[2].has("Insecure"));

  auto unknown = parse_release_history(fixture("drupal/release-history-unknown.xml"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message ==
        "Drupal release history: No release history was found for the requested project (nosuch).");
  CHECK_FALSE(parse_release_history("<html>502</html>"));
  CHECK_FALSE(parse_release_history("<project><title>x</title></project>"));
}

TEST_CASE("cms::drupal_releases evaluates an installed version") {
  auto history = *parse_release_history(fixture("drupal/release-history-acme_tools.xml"));
  auto insecure = evaluate(history, "3.0.1");
  CHECK(insecure.supported);
  CHECK(insecure.insecure);
  CHECK(insecure.fixed_in == "3.0.2");
  CHECK(insecure.latest == "3.0.2"); // the beta is not a stable release
  CHECK(insecure.latest_in_branch == "3.0.2");
  auto older = evaluate(history, "2.2.8");
  CHECK(older.supported);
  CHECK_FALSE(older.insecure);
  CHECK(older.latest_in_branch == "2.2.9");
  CHECK(older.fixed_in.empty());
  auto current = evaluate(history, "3.0.2");
  CHECK_FALSE(current.insecure);
  auto legacy = evaluate(history, "8.x-1.10");
  CHECK_FALSE(legacy.supported);
  CHECK(legacy.latest_in_branch == "8.x-1.11");
}
