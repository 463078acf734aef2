// `tma health` end to end: the built binary against lab HTTP(S) servers and the lab CA.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;

namespace {

const json& result_of(const json& doc, const std::string& site) {
  for (const auto& r : doc["results"]) {
    if (r["site"] == site) return r;
  }
  FAIL("no result for " << site);
  throw;
}

} // namespace

TEST_CASE("tma health: ok, 500, fatal page, missing text, expiring TLS, unreachable", "[integration]") {
  tma::test::LabCa ca;
  tma::test::LabHttp web(json{{"/", {{"body", "<html>Welcome home</html>"}}},
                              {"/broken", {{"status", 500}, {"body", "oops"}}},
                              {"/fatal", {{"body", "<b>Fatal error</b>: Uncaught Error in /srv/x.php"}}},
                              {"/shop", {{"body", "<html>no products</html>"}}}});
  tma::test::LabHttp secure(json{{"/", {{"body", "secure home"}}}}, ca.issue("expiring", 5));
  tma::test::TempDir dir;
  auto inventory = fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  good:
    client: lab
    cms: static
    checks: [{{path: /, expect_text: Welcome}}]
    environments:
      prod: {{url: "{web}"}}
  broken:
    client: lab
    cms: static
    checks: [{{path: /broken}}]
    environments:
      prod: {{url: "{web}"}}
  fatal:
    client: lab
    cms: static
    checks: [{{path: /fatal}}]
    environments:
      prod: {{url: "{web}"}}
  shop:
    client: lab
    cms: static
    checks: [{{path: /shop, expect_text: "Add to cart"}}]
    environments:
      prod: {{url: "{web}"}}
  tls:
    client: lab
    cms: static
    environments:
      prod: {{url: "{secure}", http: {{ca_file: "{ca}"}}}}
  down:
    client: lab
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:{closed}"}}
)",
                               fmt::arg("web", web.url("")), fmt::arg("secure", secure.url("")),
                               fmt::arg("ca", ca.ca_file()), fmt::arg("closed", tma::test::free_port()));
  auto path = dir.write("sites.yaml", inventory);
  std::map<std::string, std::optional<std::string>> env{{"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}};

  auto junit_path = dir.file("health.xml");
  auto out = tma::test::run_tma({"-i", path, "health", "--all", "--format", "json", "--junit", junit_path}, env);
  INFO(out.err << out.out);
  CHECK(out.exit_code == (1 | 4));
  auto doc = json::parse(out.out);
  CHECK(doc["schema"] == 1);
  CHECK(doc["command"] == "health");
  CHECK(result_of(doc, "good")["level"] == "ok");
  CHECK(result_of(doc, "good")["status"] == 200);
  CHECK(result_of(doc, "broken")["level"] == "critical");
  CHECK(result_of(doc, "broken")["status"] == 500);
  CHECK(result_of(doc, "fatal")["level"] == "critical");
  CHECK(result_of(doc, "fatal").dump().find("fatal") != std::string::npos);
  CHECK(result_of(doc, "shop")["level"] == "critical");
  CHECK(result_of(doc, "shop").dump().find("Add to cart") != std::string::npos);
  CHECK(result_of(doc, "tls")["level"] == "warning");
  CHECK(result_of(doc, "tls")["tls_days_left"].get<int>() >= 4);
  CHECK(result_of(doc, "tls")["tls_days_left"].get<int>() <= 5);
  CHECK(result_of(doc, "down")["unreachable"] == true);
  CHECK(web.hits("/broken") == 1); // a smoke test is not retried

  auto junit = tma::test::run_program({"python3", "-c",
                                       "import sys, xml.etree.ElementTree as ET\n"
                                       "r = ET.parse(sys.argv[1]).getroot()\n"
                                       "print(len(r.findall('.//failure')), len(r.findall('.//error')))\n",
                                       junit_path});
  INFO(junit.err);
  CHECK(junit.out == "3 1\n");

  SECTION("table and exit bits of a healthy selection") {
    auto table = tma::test::run_tma({"-i", path, "--no-color", "health", "--site", "good", "--site", "tls"}, env);
    INFO(table.err << table.out);
    CHECK(table.exit_code == 0); // warnings alone exit 0
    CHECK(table.out.find("good") != std::string::npos);
    CHECK(table.out.find("warning") != std::string::npos);
  }
}

TEST_CASE("tma health: maintenance and critical-error pages, slow page, TLS thresholds from the inventory, --env",
          "[integration]") {
  tma::test::LabCa ca;
  const std::string maintenance =
      "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Briefly unavailable for scheduled "
      "maintenance. Check back in a minute.</h1></body></html>";
  const std::string critical =
      "<html><body><div class=\"wp-die-message\"><p>There has been a critical error on this website.</p></div></body></html>";
  tma::test::LabHttp web(json{{"/", {{"body", "<html>Welcome home</html>"}}},
                              {"/maint", {{"status", 503}, {"body", maintenance}}},
                              {"/critical", {{"body", critical}}},
                              {"/slow", {{"delay", 1.5}, {"body", "slow but fine"}}},
                              {"/gone", {{"status", 410}, {"body", "gone"}}}});
  tma::test::LabHttp two_days(json{{"/", {{"body", "ok"}}}}, ca.issue("two-days", 2));
  tma::test::LabHttp twenty_days(json{{"/", {{"body", "ok"}}}}, ca.issue("twenty-days", 20));
  tma::test::TempDir dir;
  auto inventory = fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  maint:
    client: lab
    cms: wordpress
    checks: [{{path: /maint}}]
    environments:
      prod: {{url: "{web}"}}
  crit:
    client: lab
    cms: wordpress
    checks: [{{path: /critical}}]
    environments:
      prod: {{url: "{web}"}}
  slow:
    client: lab
    cms: static
    checks: [{{path: /slow, max_time: 1s, expect_text: "fine"}}, {{path: /gone, expect_status: 410}}]
    environments:
      prod: {{url: "{web}"}}
  expiring:
    client: lab
    cms: static
    environments:
      prod: {{url: "{two}", http: {{ca_file: "{ca}"}}}}
  default-policy:
    client: lab
    cms: static
    environments:
      prod: {{url: "{twenty}", http: {{ca_file: "{ca}"}}}}
  strict-policy:
    client: lab
    cms: static
    health: {{tls_warn: 30d, tls_critical: 21d}}
    environments:
      prod: {{url: "{twenty}", http: {{ca_file: "{ca}"}}}}
      staging: {{url: "{two}", http: {{ca_file: "{ca}"}}}}
)",
                               fmt::arg("web", web.url("")), fmt::arg("two", two_days.url("")),
                               fmt::arg("twenty", twenty_days.url("")), fmt::arg("ca", ca.ca_file()));
  auto path = dir.write("sites.yaml", inventory);
  std::map<std::string, std::optional<std::string>> env{{"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}};

  auto out = tma::test::run_tma({"-i", path, "health", "--all", "--env", "prod", "--format", "json"}, env);
  INFO(out.err << out.out);
  CHECK(out.exit_code == 1);
  auto doc = json::parse(out.out);
  REQUIRE(doc["results"].size() == 7); // slow has two checks; --env prod leaves strict-policy's staging out
  for (const auto& r : doc["results"]) {
    CHECK(r["env"] == "prod");
  }
  CHECK(doc["summary"]["checked"] == 7);
  CHECK(doc["summary"]["critical"] == 4);
  CHECK(doc["summary"]["warning"] == 1);
  CHECK(doc["summary"]["ok"] == 2);
  CHECK(doc["summary"]["unreachable"] == 0);

  auto problem_checks = [](const json& result) {
    std::vector<std::string> names;
    for (const auto& p : result["problems"]) {
      names.push_back(p["check"].get<std::string>() + ":" + p["level"].get<std::string>());
    }
    return names;
  };
  // The maintenance page is a 503: both the status and the page are reported.
  CHECK(problem_checks(result_of(doc, "maint")) == std::vector<std::string>{"status:critical", "maintenance:critical"});
  CHECK(result_of(doc, "maint")["status"] == 503);
  // "There has been a critical error" inside a 200 page still fails.
  CHECK(result_of(doc, "crit")["status"] == 200);
  CHECK(problem_checks(result_of(doc, "crit")) == std::vector<std::string>{"fatal:critical"});
  // Slower than max_time is a warning (text found, so nothing else); 410 was the expected status.
  std::vector<std::string> slow_levels;
  for (const auto& r : doc["results"]) {
    if (r["site"] == "slow") slow_levels.push_back(r["level"].get<std::string>() + " " + r["url"].get<std::string>());
  }
  REQUIRE(slow_levels.size() == 2);
  CHECK(slow_levels[0].rfind("warning ", 0) == 0);
  CHECK(slow_levels[0].find("/slow") != std::string::npos);
  CHECK(slow_levels[1].rfind("ok ", 0) == 0);
  CHECK(slow_levels[1].find("/gone") != std::string::npos);
  // TLS: 2 days left is critical by default (under 3); 20 days is fine by default (14) but critical
  // with the site's own policy (tls_critical 21d).
  CHECK(problem_checks(result_of(doc, "expiring")) == std::vector<std::string>{"tls:critical"});
  CHECK(result_of(doc, "default-policy")["level"] == "ok");
  CHECK(result_of(doc, "default-policy")["tls_days_left"].get<int>() >= 19);
  CHECK(problem_checks(result_of(doc, "strict-policy")) == std::vector<std::string>{"tls:critical"});

  SECTION("--env staging and a site selection") {
    auto staging = tma::test::run_tma({"-i", path, "health", "--site", "strict-policy", "--env", "staging",
                                       "--format", "json"},
                                      env);
    INFO(staging.err << staging.out);
    CHECK(staging.exit_code == 1);
    auto staging_doc = json::parse(staging.out);
    REQUIRE(staging_doc["results"].size() == 1);
    CHECK(staging_doc["results"][0]["env"] == "staging");
    CHECK(staging_doc["results"][0]["level"] == "critical");
    CHECK(staging_doc["results"][0]["tls_days_left"].get<int>() <= 2);

    auto healthy = tma::test::run_tma({"-i", path, "health", "--site", "slow", "--site", "default-policy"}, env);
    CHECK(healthy.exit_code == 0); // a slow page is a warning only
  }

  SECTION("a warning-only policy: tls_warn alone, exit 0") {
    auto relaxed = inventory;
    relaxed.replace(relaxed.find("tls_critical: 21d"), std::string("tls_critical: 21d").size(), "tls_critical: 3d");
    auto relaxed_path = dir.write("relaxed.yaml", relaxed);
    auto r = tma::test::run_tma({"-i", relaxed_path, "health", "--site", "strict-policy", "--env", "prod",
                                 "--format", "json"},
                                env);
    INFO(r.err << r.out);
    CHECK(r.exit_code == 0);
    auto relaxed_doc = json::parse(r.out);
    CHECK(relaxed_doc["results"][0]["level"] == "warning");
  }
}
