// `tma perf --record` and `--compare` end to end: the built binary records perf.measured events in a
// real journal (tma init) while measuring a lab page, then compares a heavier page of the same site
// and path with their median. Only weights and counts are asserted, never durations.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::run_tma;

namespace {

const std::map<std::string, std::optional<std::string>> k_no_proxy{
    {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"all_proxy", std::nullopt}};

// A page with one image of `image_bytes`, every response cacheable and sized: no finding but trends.
json routes_with_image(int image_bytes) {
  return {{"/", {{"body", "<html><body><img src=\"/hero.png\" width=\"10\" height=\"10\"></body></html>"},
                 {"headers", {{"Content-Type", "text/html"}}}}},
          {"/hero.png", {{"size", image_bytes}, {"headers", {{"Content-Type", "image/png"}, {"Cache-Control", "max-age=86400"}}}}}};
}

std::string inventory_for(const std::string& url) {
  return fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
sites:
  shop:
    client: lab
    cms: static
    environments:
      prod: {{url: "{}"}}
)",
                     url);
}

const json* finding_of(const json& page, const std::string& rule) {
  for (const auto& f : page["findings"]) {
    if (f["rule"] == rule) return &f;
  }
  return nullptr;
}

} // namespace

TEST_CASE("tma perf --record writes perf.measured events and --compare judges against their median", "[integration]") {
  tma::test::TempDir dir;
  auto agency = dir.file("agency");
  REQUIRE(run_tma({"init", agency}).exit_code == 0);
  tma::test::LabHttp light(routes_with_image(20'000));
  tma::test::LabHttp heavy(routes_with_image(250'000));
  // Two inventories of the same site and environment in one agency: the history is keyed by path.
  auto light_inventory = dir.write("agency/light.yaml", inventory_for(light.url("")));
  auto heavy_inventory = dir.write("agency/heavy.yaml", inventory_for(heavy.url("")));

  for (int i = 0; i < 2; ++i) {
    auto recorded = run_tma({"-i", light_inventory, "perf", "--all", "--record"}, k_no_proxy, agency);
    INFO(recorded.err << recorded.out);
    REQUIRE(recorded.exit_code == 0);
  }
  auto events = run_tma({"-i", light_inventory, "journal", "--type", "perf.measured", "--format", "json"}, k_no_proxy, agency);
  INFO(events.err);
  REQUIRE(events.exit_code == 0);
  auto listed = json::parse(events.out)["events"];
  REQUIRE(listed.size() == 2);
  const auto& event = listed[0];
  CHECK(event["site"] == "shop");
  CHECK(event["env"] == "prod");
  CHECK(event["client"] == "lab");
  CHECK(event["data"]["status"] == "ok");
  REQUIRE(event["data"]["pages"].size() == 1);
  const auto& page = event["data"]["pages"][0];
  CHECK(page["path"] == "/");
  CHECK(page["requests"] == 2);
  CHECK(page["bytes"].get<long>() > 20'000);
  CHECK(page["bytes"].get<long>() < 21'000);
  CHECK(page["findings"] == 0);
  CHECK(page["http"] == "1.1");
  CHECK(page.contains("ttfb_ms"));

  SECTION("a heavier page regressed") {
    auto compared = run_tma({"-i", heavy_inventory, "perf", "--all", "--compare", "1d", "--format", "json"}, k_no_proxy, agency);
    INFO(compared.err << compared.out);
    CHECK(compared.exit_code == 1);
    auto doc = json::parse(compared.out);
    const auto& measured = doc["targets"][0]["pages"][0];
    REQUIRE(measured["trend"].is_object());
    CHECK(measured["trend"]["samples"] == 2);
    CHECK(measured["trend"]["median"]["bytes"] == page["bytes"]);
    CHECK(measured["trend"]["delta"]["bytes"].get<long>() > 220'000);
    CHECK(measured["trend"]["delta"]["requests"] == 0);
    CHECK(std::find(measured["trend"]["regressed"].begin(), measured["trend"]["regressed"].end(), "bytes") !=
          measured["trend"]["regressed"].end());
    REQUIRE(finding_of(measured, "regression"));
    CHECK((*finding_of(measured, "regression"))["message"].get<std::string>().find("median of 2") != std::string::npos);

    auto table = run_tma({"-i", heavy_inventory, "perf", "--all", "--compare", "1d"}, k_no_proxy, agency);
    CHECK(table.out.find("WEIGHT VS MEDIAN") != std::string::npos);
    CHECK(table.out.find("shop (prod) " + heavy.url("/") + ": regression: weight") != std::string::npos);
  }
  SECTION("the same page did not regress") {
    auto compared = run_tma({"-i", light_inventory, "perf", "--all", "--compare", "1d", "--format", "json"}, k_no_proxy, agency);
    INFO(compared.err << compared.out);
    auto doc = json::parse(compared.out);
    const auto& measured = doc["targets"][0]["pages"][0];
    REQUIRE(measured["trend"].is_object());
    CHECK(measured["trend"]["delta"]["bytes"] == 0);
    CHECK(!finding_of(measured, "regression"));
  }
  SECTION("a period with no events gives no trend") {
    auto compared = run_tma({"-i", heavy_inventory, "perf", "--all", "--compare", "2020-01", "--format", "json"}, k_no_proxy, agency);
    INFO(compared.err);
    CHECK(compared.exit_code == 0);
    CHECK(json::parse(compared.out)["targets"][0]["pages"][0]["trend"].is_null());
  }
  SECTION("a period that is neither a duration nor a month is a usage error before anything is measured") {
    int before = heavy.hits("/");
    auto refused = run_tma({"-i", heavy_inventory, "perf", "--all", "--compare", "last-month"}, k_no_proxy, agency);
    CHECK(refused.exit_code == 64);
    CHECK(refused.err.find("--compare 'last-month'") != std::string::npos);
    CHECK(heavy.hits("/") == before);
  }
}
