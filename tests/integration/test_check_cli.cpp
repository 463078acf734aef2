// `tma check` end to end: the built binary against the lab (sshd + wp/drush/composer stand-ins, a
// static HTTP server of a WordPress tree, the fake WordPress.org API and Wordfence feed).
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::Background;
using tma::test::lab_bin;
using tma::test::run_program;

namespace {

int port_from(const std::string& out) {
  auto pos = out.find("port ");
  REQUIRE(pos != std::string::npos);
  return std::stoi(out.substr(pos + 5));
}

void make_site(const std::string& tool, std::vector<std::string> args) {
  args.insert(args.begin(), std::string(TMA_LAB_DIR) + "/" + tool);
  auto r = run_program(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// The documented schema of `tma check --format json` (docs/check.md section 6), checked field by field.
void check_schema(const json& doc) {
  REQUIRE(doc.is_object());
  CHECK(doc["schema"] == 1);
  CHECK(doc["command"] == "check");
  CHECK(doc["tma_version"].is_string());
  CHECK(doc["generated_at"].is_string());
  CHECK((doc["fail_on"] == "security" || doc["fail_on"] == "any" || doc["fail_on"] == "never"));
  const std::vector<std::string> feed_states{"available", "unavailable", "not_configured"};
  CHECK(std::count(feed_states.begin(), feed_states.end(), doc["vulnerability_feed"]["status"].get<std::string>()) == 1);
  for (const char* key : {"sites", "ok", "findings", "failed", "unreachable", "skipped", "components", "security",
                          "major", "minor", "patch", "failing", "security_unknown"}) {
    INFO(key);
    CHECK(doc["summary"][key].is_number_integer());
  }
  REQUIRE(doc["sites"].is_array());
  const std::vector<std::string> statuses{"ok", "findings", "failed", "unreachable", "skipped"};
  const std::vector<std::string> severities{"security", "major", "minor", "patch"};
  for (const auto& site : doc["sites"]) {
    INFO(site.dump());
    CHECK(site["site"].is_string());
    CHECK(site["env"].is_string());
    CHECK(std::count(statuses.begin(), statuses.end(), site["status"].get<std::string>()) == 1);
    CHECK((site["security_status"] == "checked" || site["security_status"] == "unknown"));
    REQUIRE(site["components"].is_array());
    for (const auto& c : site["components"]) {
      for (const char* key : {"kind", "name", "update", "source", "confidence"}) {
        CHECK(c[key].is_string());
      }
      CHECK((c["installed"].is_string() || c["installed"].is_null()));
    }
    REQUIRE(site["findings"].is_array());
    for (const auto& f : site["findings"]) {
      CHECK(std::count(severities.begin(), severities.end(), f["severity"].get<std::string>()) == 1);
      CHECK(f["fails"].is_boolean());
      CHECK(f["advisories"].is_array());
    }
    if (site["status"] == "failed" || site["status"] == "unreachable") {
      CHECK(site["error"]["kind"].is_string());
      CHECK(site["error"]["message"].is_string());
    }
  }
}

const json& site_of(const json& doc, const std::string& name) {
  for (const auto& site : doc["sites"]) {
    if (site["site"] == name) return site;
  }
  FAIL("no site " << name);
  throw;
}

} // namespace

TEST_CASE("tma check over SSH, locally, over HTTP, Drupal, static, unreachable and garbage", "[integration]") {
  tma::test::LabSshd sshd;
  tma::test::TempDir dir;
  // WordPress over SSH: a vulnerable plugin (acme-forms 2.3.1, fixed in 2.3.2) and a core update.
  auto alpha = sshd.make_site_dir("alpha");
  make_site("make_wp_site", {alpha, "--core", "6.4.3", "--plugin", "acme-forms=2.3.1:active", "--plugin",
                             "akismet=5.1:active", "--theme", "twentytwentyfour=1.0:active", "--update", "core=6.6.1"});
  // WordPress locally, everything current.
  auto bravo = dir.file("bravo");
  make_site("make_wp_site", {bravo, "--core", "6.6.1", "--plugin", "akismet=5.1:active", "--theme",
                             "twentytwentyfour=1.0:active"});
  // WordPress over HTTP only.
  auto charlie = dir.file("charlie");
  make_site("make_wp_site", {charlie, "--core", "6.4.3", "--plugin", "acme-forms=2.3.1:active", "--theme",
                             "studio=3.1:active", "--html"});
  // Drupal over SSH with a composer advisory.
  auto delta = sshd.make_site_dir("delta");
  make_site("make_drupal_site", {delta, "--core", "10.3.2", "--drush", "12.5.3", "--package", "drupal/webform=6.2.2",
                                 "--update", "drupal/webform=6.2.5", "--advisory",
                                 "drupal/webform|<6.2.4|SA-CONTRIB-2099-001|critical|Cross-site scripting"});
  // WordPress whose wp prints an HTML error page.
  auto golf = sshd.make_site_dir("golf");
  make_site("make_wp_site", {golf, "--core", "6.4.3", "--misbehave", "garbage"});

  Background web({"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", charlie});
  REQUIRE(web.wait_for_output("Serving HTTP on"));
  std::string web_base = "http://127.0.0.1:" + std::to_string(port_from(web.out()));
  auto updates = dir.write("wporg.json", R"({"core": {"version": "6.6.1", "versions": ["6.4.5", "6.6.1"]},
    "plugins": {"acme-forms": {"version": "2.4.0"}, "akismet": {"version": "5.1"}}})");
  Background api({lab_bin("fake-wporg-api"), "--updates", updates, "--feed",
                  std::string(TMA_FIXTURES) + "/wordfence/feed.json", "--log", dir.file("api.log")});
  REQUIRE(api.wait_for_output("port "));
  std::string api_base = "http://127.0.0.1:" + std::to_string(port_from(api.out()));

  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts());
  auto closed = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                            sshd.user(), tma::test::free_port(), sshd.identity(), sshd.known_hosts());
  auto inventory = fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sources:
  wordpress_api: "{api}"
  vulnerabilities: {{url: "{api}/api/intelligence/v2/vulnerabilities/production"}}
sites:
  alpha:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://alpha.invalid", ssh: {ssh}, path: "{alpha}", wp: "{wp}"}}
  bravo:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://bravo.invalid", transport: local, path: "{bravo}", wp: "{wp}"}}
  charlie:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "{web}"}}
  delta:
    client: lab
    cms: drupal
    environments:
      prod: {{url: "http://delta.invalid", ssh: {ssh}, path: "{delta}", drush: "{drush}", composer: "{composer}"}}
  echo:
    client: lab
    cms: static
    environments:
      prod: {{url: "{web}"}}
  foxtrot:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://foxtrot.invalid", ssh: {closed}, path: /srv/www, wp: "{wp}"}}
  golf:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://golf.invalid", ssh: {ssh}, path: "{golf}", wp: "{wp}"}}
)",
                               fmt::arg("api", api_base), fmt::arg("ssh", ssh), fmt::arg("closed", closed),
                               fmt::arg("alpha", alpha), fmt::arg("bravo", bravo), fmt::arg("delta", delta),
                               fmt::arg("golf", golf), fmt::arg("web", web_base), fmt::arg("wp", lab_bin("wp")),
                               fmt::arg("drush", lab_bin("drush")), fmt::arg("composer", lab_bin("composer")));
  auto path = dir.write("sites.yaml", inventory);
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"XDG_CACHE_HOME", dir.file("cache")}};

  auto junit_path = dir.file("check.xml");
  auto out = tma::test::run_tma({"-i", path, "check", "--all", "--format", "json", "--junit", junit_path, "--jobs", "4"}, env);
  INFO(out.err << out.out);
  CHECK(out.exit_code == (1 | 2 | 4));
  auto doc = json::parse(out.out);
  check_schema(doc);
  CHECK(doc["vulnerability_feed"]["status"] == "available");
  CHECK(doc["summary"]["sites"] == 7);

  const auto& a = site_of(doc, "alpha");
  CHECK(a["status"] == "findings");
  CHECK(a["security_status"] == "checked");
  REQUIRE(a["findings"].size() >= 2);
  CHECK(a["findings"][0]["name"] == "acme-forms");
  CHECK(a["findings"][0]["severity"] == "security");
  CHECK(a["findings"][0]["fixed_in"] == "2.3.2");
  CHECK(a["findings"][0]["fails"] == true);

  CHECK(site_of(doc, "bravo")["status"] == "ok");
  CHECK(site_of(doc, "bravo")["components"].size() == 3);

  const auto& c = site_of(doc, "charlie");
  CHECK(c["status"] == "findings");
  CHECK(c["components"][0]["installed"] == "6.4.3");
  CHECK(c["components"][0]["latest"] == "6.6.1");
  CHECK(c["findings"][0]["name"] == "acme-forms");
  CHECK(c["findings"][0]["severity"] == "security");

  const auto& d = site_of(doc, "delta");
  CHECK(d["status"] == "findings");
  CHECK(d["security_status"] == "checked");
  REQUIRE(!d["findings"].empty());
  CHECK(d["findings"][0]["name"] == "drupal/webform");
  CHECK(d["findings"][0]["severity"] == "security");

  CHECK(site_of(doc, "echo")["status"] == "skipped");
  CHECK(site_of(doc, "foxtrot")["status"] == "unreachable");
  CHECK(site_of(doc, "foxtrot")["error"]["kind"] == "unreachable");
  CHECK(site_of(doc, "golf")["status"] == "failed");
  CHECK(site_of(doc, "golf")["error"]["kind"] == "cms");

  // No git repository next to the inventory: the check still runs, with one warning.
  auto warning = std::string("not recorded in the journal");
  CHECK(out.err.find(warning) != std::string::npos);
  CHECK(out.err.find(warning) == out.err.rfind(warning));

  // JUnit parsed back by a real XML parser.
  auto junit = run_program({"python3", "-c",
                            "import sys, xml.etree.ElementTree as ET\n"
                            "r = ET.parse(sys.argv[1]).getroot()\n"
                            "for s in r.iter('testsuite'):\n"
                            "  print(s.get('name'), len(s.findall('testcase')), len(s.findall('.//failure')),"
                            " len(s.findall('.//error')), len(s.findall('.//skipped')))\n",
                            junit_path});
  INFO(junit.err);
  REQUIRE(junit.exit_code == 0);
  INFO(junit.out);
  CHECK(junit.out.find("alpha/prod 4 1 0 0\n") != std::string::npos);
  CHECK(junit.out.find("foxtrot/prod 1 0 1 ") != std::string::npos);
  CHECK(junit.out.find("golf/prod 1 0 1 ") != std::string::npos);
  CHECK(junit.out.find("delta/prod 2 1 0 0\n") != std::string::npos);
  CHECK(junit.out.find("charlie/prod 2 1 0 0\n") != std::string::npos);

  SECTION("table, --security-only, --fail-on and a selection") {
    auto table = tma::test::run_tma({"-i", path, "--no-color", "check", "--site", "alpha", "--site", "bravo"}, env);
    INFO(table.err << table.out);
    CHECK(table.exit_code == 1);
    CHECK(table.out.find("acme-forms") != std::string::npos);
    CHECK(table.out.find("2.3.2") != std::string::npos);

    auto never = tma::test::run_tma({"-i", path, "check", "--site", "alpha", "--fail-on", "never"}, env);
    CHECK(never.exit_code == 0);

    auto security = tma::test::run_tma({"-i", path, "check", "--site", "alpha", "--security-only", "--format", "json"}, env);
    auto sec_doc = json::parse(security.out);
    for (const auto& f : sec_doc["sites"][0]["findings"]) {
      CHECK(f["severity"] == "security");
    }
    auto markdown = tma::test::run_tma({"-i", path, "check", "--site", "alpha", "--format", "markdown"}, env);
    CHECK(markdown.out.find("acme-forms") != std::string::npos);
    CHECK(markdown.out.find("|") != std::string::npos);
  }

  SECTION("a failing feed makes WordPress security status unknown") {
    auto broken = inventory;
    auto at = broken.find("/api/intelligence/v2");
    broken.replace(at, std::string("/api/intelligence/v2").size(), "/no-such-feed");
    auto broken_path = dir.write("broken.yaml", broken);
    std::map<std::string, std::optional<std::string>> fresh = env;
    fresh["XDG_CACHE_HOME"] = dir.file("cache2");
    auto r = tma::test::run_tma({"-i", broken_path, "check", "--site", "alpha", "--format", "json"}, fresh);
    INFO(r.err << r.out);
    auto broken_doc = json::parse(r.out);
    CHECK(broken_doc["vulnerability_feed"]["status"] == "unavailable");
    CHECK(broken_doc["sites"][0]["security_status"] == "unknown");
    CHECK(broken_doc["summary"]["security_unknown"] == 1);
  }

  SECTION("with a journal repository, one check event per site with the snapshot") {
    REQUIRE(run_program({"git", "init", "-q", dir.path().string()}).exit_code == 0);
    auto r = tma::test::run_tma({"-i", path, "check", "--site", "alpha", "--site", "bravo"}, env);
    INFO(r.err);
    CHECK(r.err.find("not recorded") == std::string::npos);
    auto events = tma::test::run_tma({"-i", path, "journal", "--type", "check", "--format", "json"}, env);
    INFO(events.err << events.out);
    auto listed = json::parse(events.out);
    CHECK(listed.dump().find("acme-forms") != std::string::npos);
    CHECK(listed.dump().find("\"bravo\"") != std::string::npos);
  }
}
