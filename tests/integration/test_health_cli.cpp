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
