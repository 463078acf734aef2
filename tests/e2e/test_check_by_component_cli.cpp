// `tma check --by component` through the built binary: local WordPress sites served by the lab's
// `wp` stand-in, the fake WordPress.org API and Wordfence feed, and one unreachable site.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::Background;
using tma::test::lab_bin;
using tma::test::run_program;

namespace {

void make_wp_site(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {std::string(TMA_LAB_DIR) + "/make_wp_site", dir, "--core", "6.6.1", "--theme",
                             "twentytwentyfour=1.0:active"});
  auto r = run_program(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

} // namespace

TEST_CASE("tma check --by component: one line per component change with its sites", "[e2e]") {
  tma::test::TempDir dir;
  // Two sites share akismet 5.0.2 → 5.3 (5.0.2 is vulnerable in the fixture feed), a third has
  // 5.1 → 5.3 and the vulnerable acme-forms, whose target is the version fixing it.
  make_wp_site(dir.file("one"), {"--plugin", "akismet=5.0.2:active", "--update", "plugin:akismet=5.3"});
  make_wp_site(dir.file("two"), {"--plugin", "akismet=5.0.2:active", "--update", "plugin:akismet=5.3"});
  make_wp_site(dir.file("three"), {"--plugin", "akismet=5.1:active", "--update", "plugin:akismet=5.3", "--plugin",
                                   "acme-forms=2.3.1:active"});
  auto updates = dir.write("wporg.json", R"({"core": {"version": "6.6.1", "versions": ["6.6.1"]},
    "plugins": {"acme-forms": {"version": "2.4.0"}, "akismet": {"version": "5.3"}}})");
  Background api({lab_bin("fake-wporg-api"), "--updates", updates, "--feed",
                  std::string(TMA_FIXTURES) + "/wordfence/feed.json", "--log", dir.file("api.log")});
  REQUIRE(api.wait_for_output("port "));
  auto port_at = api.out().find("port ");
  std::string api_base = "http://127.0.0.1:" + std::to_string(std::stoi(api.out().substr(port_at + 5)));
  auto site = [&](const std::string& name) {
    return fmt::format(R"(  {0}:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://{0}.invalid", transport: local, path: "{1}", wp: "{2}"}}
)",
                       name, dir.file(name), lab_bin("wp"));
  };
  auto inventory = dir.write("sites.yaml", fmt::format(R"(version: 1
clients:
  lab: {{contract: {{model: on_demand, rate: 90}}}}
sources:
  wordpress_api: "{0}"
  vulnerabilities: {{url: "{0}/api/intelligence/v2/vulnerabilities/production"}}
  eol: {{enabled: false}}  # end of life depends on today's date: test_check_eol.cpp covers it
sites:
{1}{2}{3}  down:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://down.invalid", ssh: {{target: "nobody@127.0.0.1:9", connect_timeout: 5s}}, path: /srv/x}}
)",
                                                       api_base, site("one"), site("two"), site("three")));
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"XDG_CACHE_HOME", dir.file("cache")},
      {"TMA_CACHE_DIR", std::nullopt}, {"TMA_INVENTORY", std::nullopt}};
  auto tma = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-i", inventory, "check", "--all", "--by", "component"});
    auto out = tma::test::run_tma(args, env, dir.path().string());
    INFO(out.out << out.err);
    CHECK(out.exit_code == (1 | 4)); // acme-forms is a security finding; `down` is unreachable
    return out;
  };

  auto table = tma({});
  INFO(table.out);
  CHECK(table.out.rfind("SEVERITY  KIND    NAME        FROM   TO     COUNT  SITES\n"
                        "security  plugin  akismet     5.0.2  5.3    2      one, two\n"
                        "security  plugin  acme-forms  2.3.1  2.3.2  1      three\n"
                        "minor     plugin  akismet     5.1    5.3    1      three\n"
                        "3 changes on 3 sites\n"
                        "not checked: down (prod) unreachable: ",
                        0) == 0);

  auto json = tma({"--format", "json"});
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["schema"] == 1);
  CHECK(doc["view"] == "component");
  REQUIRE(doc["changes"].size() == 3);
  CHECK(doc["changes"][0] == nlohmann::json::parse(R"({"kind": "plugin", "name": "akismet", "from": "5.0.2", "to": "5.3",
    "severity": "security", "type": "update", "count": 2, "sites": [{"site": "one", "envs": ["prod"]}, {"site": "two", "envs": ["prod"]}]})"));
  REQUIRE(doc["not_checked"].size() == 1);
  CHECK(doc["not_checked"][0]["status"] == "unreachable");

  auto csv = tma({"--format", "csv", "--fields", "name,from,to,count,sites"});
  CHECK(csv.out == "NAME,FROM,TO,COUNT,SITES\nakismet,5.0.2,5.3,2,\"one, two\"\nacme-forms,2.3.1,2.3.2,1,three\n"
                   "akismet,5.1,5.3,1,three\n");

  auto markdown = tma::test::run_tma({"-i", inventory, "check", "--by", "component", "--format", "markdown"}, env);
  CHECK(markdown.exit_code == 64);
  CHECK(markdown.err.find("--by component has table, json and csv output, not markdown") != std::string::npos);
  auto typo = tma::test::run_tma({"-i", inventory, "check", "--by", "compnent"}, env);
  CHECK(typo.exit_code == 64);
  CHECK(typo.err.rfind("tma: error: --by: 'compnent' is not one of site, component (did you mean 'component'?)\n", 0) == 0);
}
