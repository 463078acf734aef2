// `tma health --record`: monitoring incidents opened and noted through the journal.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

TEST_CASE("tma health --record opens one incident after down_after failures", "[e2e]") {
  tma::test::TempDir dir;
  auto agency = dir.file("agency");
  REQUIRE(run_tma({"init", agency}).exit_code == 0);
  // Port 9 on loopback is closed: every check fails.
  tma::test::TempDir unused;
  auto inventory = dir.write("agency/sites.yaml", "agency: {timezone: Europe/Paris}\n"
                                                  "clients:\n  a: {contract: {model: on_demand, rate: 90}}\n"
                                                  "sites:\n  shop:\n    client: a\n    cms: static\n"
                                                  "    criticality: critical\n"
                                                  "    environments: {prod: {url: \"http://127.0.0.1:9\"}}\n"
                                                  "    backup: {method: custom, commands: {site: [cat, /dev/null]}}\n");
  std::map<std::string, std::optional<std::string>> env{{"http_proxy", std::nullopt}, {"TMA_INVENTORY", inventory}};

  auto first = run_tma({"health", "--record"}, env, agency);
  CHECK((first.exit_code & 4) != 0);
  CHECK(first.err.find("opened") == std::string::npos); // one failure is counted, not an incident yet

  auto second = run_tma({"health", "--record"}, env, agency);
  INFO(second.err);
  CHECK(second.err.find("shop prod: opened INC-") != std::string::npos);

  auto third = run_tma({"health", "--record"}, env, agency);
  CHECK(third.err.find("shop prod: noted INC-") != std::string::npos);

  auto list = run_tma({"incident", "list", "--open", "--format", "json"}, env, agency);
  REQUIRE(list.exit_code == 0);
  auto doc = nlohmann::json::parse(list.out);
  REQUIRE(doc["incidents"].size() == 1);
  CHECK(doc["incidents"][0]["severity"] == "critical");
  CHECK(doc["incidents"][0]["site"] == "shop");
}
