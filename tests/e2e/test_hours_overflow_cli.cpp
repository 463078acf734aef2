// `tma hours summary` over the widest period at the largest amount the inventory accepts: the sum
// does not fit in 64 bits, so the command says so and exits 65 instead of printing a wrapped total.
#include <catch2/catch.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

TEST_CASE("tma hours summary refuses a total too large to compute instead of wrapping around", "[e2e]") {
  tma::test::TempDir dir;
  auto agency = dir.file("agency");
  REQUIRE(run_tma({"init", agency}).exit_code == 0);
  auto inventory = dir.write("agency/sites.yaml",
                             "agency: {timezone: Europe/Paris}\n"
                             "clients:\n"
                             "  big: {contract: {model: subscription, monthly_fee: 1000000000000.00, included_hours: 4h}}\n"
                             "sites:\n  www:\n    client: big\n    cms: static\n"
                             "    environments: {prod: {url: \"https://www.example\"}}\n"
                             "    backup: {method: custom, commands: {site: [cat, /dev/null]}}\n");
  std::map<std::string, std::optional<std::string>> env{{"TMA_INVENTORY", inventory}};

  auto all_time = run_tma({"hours", "summary", "--from", "0001-01-01", "--to", "9999-12-31"}, env, agency);
  CHECK(all_time.exit_code == 65);
  CHECK(all_time.out.find("total") == std::string::npos);
  CHECK(all_time.err == "tma: error: client big, 0001-01-01..9999-12-31: the monthly fees: too large to compute "
                        "exactly (the limit is 2^63 - 1 cents or seconds); ask for a shorter period\n");

  auto century = run_tma({"hours", "summary", "--from", "2001-01-01", "--to", "2100-12-31", "--format", "json"}, env, agency);
  CHECK(century.exit_code == 0);
  CHECK(century.out.find("\"total_cents\": 120000000000000000") != std::string::npos);
}
