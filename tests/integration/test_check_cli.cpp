// `tma check` end to end: the built binary against the lab (sshd + wp/drush/composer stand-ins, a
// static HTTP server of a WordPress tree, the fake WordPress.org API and Wordfence feed).
#include <catch2/catch.hpp>

#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/proc_scan.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

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

bool string_or_null(const json& object, const char* key) {
  return object.contains(key) && (object[key].is_string() || object[key].is_null());
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
                          "major", "minor", "patch", "lifecycle", "failing", "security_unknown"}) {
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
    CHECK(site["cms"].is_string());
    CHECK(string_or_null(site, "url"));
    CHECK(string_or_null(site, "security_note"));
    CHECK(site["platform"]["versions"].is_array());
    CHECK(site["platform"]["notes"].is_array());
    REQUIRE(site["components"].is_array());
    const std::vector<std::string> kinds{"core", "plugin", "theme", "package"};
    for (const auto& c : site["components"]) {
      INFO(c.dump());
      CHECK(c.size() == 12);
      for (const char* key : {"kind", "name", "update", "source", "confidence"}) {
        CHECK(c[key].is_string());
      }
      for (const char* key : {"title", "status", "installed", "latest", "evidence", "note"}) {
        CHECK(string_or_null(c, key));
      }
      CHECK((c["auto_update"].is_boolean() || c["auto_update"].is_null()));
      CHECK(std::count(kinds.begin(), kinds.end(), c["kind"].get<std::string>()) == 1);
    }
    REQUIRE(site["findings"].is_array());
    for (const auto& f : site["findings"]) {
      INFO(f.dump());
      CHECK(f.size() == 16);
      const std::vector<std::string> types{"update", "eol", "eol-soon", "closed", "abandoned", "untested", "unsupported", "insecure"};
      CHECK(std::count(types.begin(), types.end(), f["type"].get<std::string>()) == 1);
      CHECK(string_or_null(f, "ends_on"));
      CHECK(std::count(severities.begin(), severities.end(), f["severity"].get<std::string>()) == 1);
      CHECK((std::count(kinds.begin(), kinds.end(), f["kind"].get<std::string>()) == 1 || f["kind"] == "platform"));
      CHECK(f["name"].is_string());
      CHECK(f["source"].is_string());
      for (const char* key : {"installed", "latest", "fixed_in", "cvss_rating", "note", "release_age", "held_until"}) {
        CHECK(string_or_null(f, key));
      }
      CHECK((f["cvss_score"].is_number() || f["cvss_score"].is_null()));
      CHECK(f["fails"].is_boolean());
      REQUIRE(f["advisories"].is_array());
      if (f["type"] == "update") CHECK(f["advisories"].empty() == (f["severity"] != "security"));
      for (const auto& a : f["advisories"]) {
        CHECK(a["id"].is_string());
        CHECK(a["aliases"].is_array());
        for (const char* key : {"cve", "title", "cvss_rating", "link", "fixed_in"}) {
          CHECK(string_or_null(a, key));
        }
        CHECK((a["cvss_score"].is_number() || a["cvss_score"].is_null()));
      }
    }
    if (site["status"] == "failed" || site["status"] == "unreachable") {
      CHECK(site["error"]["kind"].is_string());
      CHECK(site["error"]["message"].is_string());
      CHECK(site["components"].empty());
    } else {
      CHECK(!site.contains("error"));
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
  // A composer project over SSH: one package with an advisory, one outdated, one current.
  auto hotel = sshd.make_site_dir("hotel");
  make_site("make_drupal_site", {hotel, "--core", "10.3.2", "--package", "guzzlehttp/guzzle=7.4.0", "--package",
                                 "monolog/monolog=3.5.0", "--package", "symfony/mailer=6.4.0", "--update",
                                 "guzzlehttp/guzzle=7.4.5,7.9.2", "--update", "monolog/monolog=3.7.0", "--advisory",
                                 "guzzlehttp/guzzle|<7.4.5|GHSA-w248-ffj2-4v5q|high|Cookie headers leak on redirect|"
                                 "CVE-2022-31090"});
  // WordPress whose wp hangs past the environment's command_timeout.
  auto india = sshd.make_site_dir("india");
  make_site("make_wp_site", {india, "--core", "6.6.1", "--misbehave", "hang"});
  // WordPress whose wp dies with a PHP fatal error (exit 255).
  auto juliet = sshd.make_site_dir("juliet");
  make_site("make_wp_site", {juliet, "--core", "6.6.1", "--misbehave", "fatal"});
  // bravo's staging copy, one plugin behind (a minor update, not a security one).
  auto bravo_staging = dir.file("bravo-staging");
  make_site("make_wp_site", {bravo_staging, "--core", "6.6.1", "--plugin", "classic-editor=1.6.3:active", "--theme",
                             "twentytwentyfour=1.0:active", "--update", "plugin:classic-editor=1.7.0"});

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
  drupal_updates: {{enabled: false}}  # drupal.org coverage: test_check_eol.cpp
  eol: {{enabled: false}}             # end of life depends on today's date: test_check_eol.cpp
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
      staging: {{url: "http://staging.bravo.invalid", transport: local, path: "{bravo_staging}", wp: "{wp}"}}
  charlie:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "{web}"}}
  delta:
    client: lab
    cms: drupal
    tags: [php-projects]
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
  hotel:
    client: lab
    cms: composer
    tags: [php-projects]
    environments:
      prod: {{url: "http://hotel.invalid", ssh: {ssh}, path: "{hotel}", composer: "{composer}"}}
  india:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://india.invalid", ssh: {ssh}, path: "{india}", wp: "{wp}", command_timeout: 3s}}
  juliet:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://juliet.invalid", ssh: {ssh}, path: "{juliet}", wp: "{wp}"}}
)",
                               fmt::arg("api", api_base), fmt::arg("ssh", ssh), fmt::arg("closed", closed),
                               fmt::arg("alpha", alpha), fmt::arg("bravo", bravo), fmt::arg("delta", delta),
                               fmt::arg("golf", golf), fmt::arg("hotel", hotel), fmt::arg("india", india),
                               fmt::arg("juliet", juliet), fmt::arg("bravo_staging", bravo_staging),
                               fmt::arg("web", web_base), fmt::arg("wp", lab_bin("wp")),
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
  CHECK(doc["vulnerability_feed"]["message"].is_null());
  CHECK(doc["fail_on"] == "security");
  // 10 sites, 11 environments (bravo has prod and staging), in inventory order.
  std::vector<std::string> order;
  for (const auto& site : doc["sites"]) {
    order.push_back(site["site"].get<std::string>() + "/" + site["env"].get<std::string>());
  }
  CHECK(order == std::vector<std::string>{"alpha/prod", "bravo/prod", "bravo/staging", "charlie/prod", "delta/prod",
                                          "echo/prod", "foxtrot/prod", "golf/prod", "hotel/prod", "india/prod",
                                          "juliet/prod"});
  const auto& summary = doc["summary"];
  CHECK(summary["sites"] == 11);
  CHECK(summary["ok"] == 1);
  CHECK(summary["findings"] == 5);
  CHECK(summary["failed"] == 2);
  CHECK(summary["unreachable"] == 2);
  CHECK(summary["skipped"] == 1);
  CHECK(summary["security_unknown"] == 0);
  CHECK(summary["components"] == 21); // 4 + 3 + 3 + 2 + 4 + 5; failed and unreachable sites list none
  CHECK(summary["security"] == 4);    // alpha, charlie, delta, hotel
  CHECK(summary["major"] == 0);
  CHECK(summary["minor"] == 4);       // alpha's and charlie's core, bravo staging's plugin, hotel's monolog
  CHECK(summary["patch"] == 0);
  CHECK(summary["failing"] == 4);

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

  // composer: the audit's advisory is a security finding with its ids; the outdated package a minor one.
  const auto& h = site_of(doc, "hotel");
  CHECK(h["cms"] == "composer");
  CHECK(h["status"] == "findings");
  CHECK(h["security_status"] == "checked");
  REQUIRE(h["findings"].size() == 2);
  CHECK(h["findings"][0]["name"] == "guzzlehttp/guzzle");
  CHECK(h["findings"][0]["kind"] == "package");
  CHECK(h["findings"][0]["severity"] == "security");
  CHECK(h["findings"][0]["installed"] == "7.4.0");
  CHECK(h["findings"][0]["latest"] == "7.9.2");
  CHECK(h["findings"][0]["fixed_in"] == "7.4.5");
  CHECK(h["findings"][0]["fails"] == true);
  REQUIRE(h["findings"][0]["advisories"].size() == 1);
  CHECK(h["findings"][0]["advisories"][0]["cve"] == "CVE-2022-31090");
  CHECK(h["findings"][0]["advisories"][0]["title"] == "Cookie headers leak on redirect");
  CHECK(h["findings"][1]["name"] == "monolog/monolog");
  CHECK(h["findings"][1]["severity"] == "minor");
  CHECK(h["findings"][1]["latest"] == "3.7.0");
  CHECK(h["findings"][1]["fails"] == false);
  bool mailer_listed = false;
  for (const auto& component : h["components"]) {
    if (component["name"] == "symfony/mailer") {
      mailer_listed = true;
      CHECK(component["update"] == "none");
      CHECK(component["source"] == "composer");
    }
  }
  CHECK(mailer_listed); // current packages are listed too

  // A hung `wp` is stopped at command_timeout: unreachable (kind timeout), the other sites checked.
  const auto& i = site_of(doc, "india");
  CHECK(i["status"] == "unreachable");
  CHECK(i["error"]["kind"] == "timeout");
  CHECK(i["error"]["message"].get<std::string>().find("site india: prod:") == 0);
  CHECK(tma::test::wait_no_process_with(india, std::chrono::seconds(10)) == 0);

  // A PHP fatal (wp exits 255) is a failed site, with the command and its stderr in the message.
  const auto& j = site_of(doc, "juliet");
  CHECK(j["status"] == "failed");
  CHECK(j["error"]["kind"] == "remote");
  CHECK(j["error"]["message"].get<std::string>().find("exited with 255") != std::string::npos);
  CHECK(j["error"]["message"].get<std::string>().find("PHP Fatal error") != std::string::npos);

  const auto& bs = doc["sites"][2];
  CHECK(bs["status"] == "findings");
  REQUIRE(bs["findings"].size() == 1);
  CHECK(bs["findings"][0]["name"] == "classic-editor");
  CHECK(bs["findings"][0]["severity"] == "minor");
  CHECK(bs["findings"][0]["fails"] == false);

  // No git repository next to the inventory: the check still runs, with one warning.
  auto warning = std::string("not recorded in the journal");
  CHECK(out.err.find(warning) != std::string::npos);
  CHECK(out.err.find(warning) == out.err.rfind(warning));

  // JUnit parsed back by a real XML parser: per testsuite its name, properties, testcase count, the
  // types of its failures and errors, and how many testcases were skipped; then the root's totals.
  auto junit = run_program({"python3", "-c",
                            "import sys, xml.etree.ElementTree as ET\n"
                            "r = ET.parse(sys.argv[1]).getroot()\n"
                            "for s in r.iter('testsuite'):\n"
                            "  props = {p.get('name'): p.get('value') for p in s.iter('property')}\n"
                            "  print(s.get('name'), props.get('cms'), props.get('status'), len(s.findall('testcase')),\n"
                            "        'failures=' + ','.join(f.get('type') for f in s.iter('failure')),\n"
                            "        'errors=' + ','.join(e.get('type') for e in s.iter('error')),\n"
                            "        'skipped=%d' % len(list(s.iter('skipped'))))\n"
                            "print(r.tag, r.get('name'), r.get('tests'), r.get('failures'), r.get('errors'),"
                            " r.get('skipped'))\n",
                            junit_path});
  INFO(junit.err);
  REQUIRE(junit.exit_code == 0);
  CHECK(junit.out == "alpha/prod wordpress findings 4 failures=security errors= skipped=0\n"
                     "bravo/prod wordpress ok 3 failures= errors= skipped=0\n"
                     "bravo/staging wordpress findings 3 failures= errors= skipped=0\n"
                     "charlie/prod wordpress findings 2 failures=security errors= skipped=0\n"
                     "delta/prod drupal findings 4 failures=security errors= skipped=0\n"
                     "echo/prod static skipped 0 failures= errors= skipped=0\n"
                     "foxtrot/prod wordpress unreachable 1 failures= errors=unreachable skipped=0\n"
                     "golf/prod wordpress failed 1 failures= errors=failed skipped=0\n"
                     "hotel/prod composer findings 5 failures=security errors= skipped=0\n"
                     "india/prod wordpress unreachable 1 failures= errors=unreachable skipped=0\n"
                     "juliet/prod wordpress failed 1 failures= errors=failed skipped=0\n"
                     "testsuites tma check 25 4 4 0\n");

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

  SECTION("exit code bits, site by site") {
    // One site at a time, so each bit is seen alone; the JSON agrees with the code.
    const std::vector<std::tuple<std::string, std::vector<std::string>, int, std::string>> cases{
        {"india", {}, 4, "unreachable"},
        {"foxtrot", {}, 4, "unreachable"},
        {"juliet", {}, 2, "failed"},
        {"golf", {}, 2, "failed"},
        {"hotel", {}, 1, "findings"},
        {"hotel", {"--fail-on", "never"}, 0, "findings"},
        {"echo", {"--fail-on", "any"}, 0, "skipped"},
        {"bravo", {"--env", "prod", "--fail-on", "any"}, 0, "ok"},
    };
    for (const auto& [site, extra, bits, status] : cases) {
      std::vector<std::string> argv{"-i", path, "check", "--site", site, "--format", "json"};
      argv.insert(argv.end(), extra.begin(), extra.end());
      auto r = tma::test::run_tma(argv, env);
      INFO(site << " " << r.err << r.out);
      CHECK(r.exit_code == bits);
      auto one = json::parse(r.out);
      REQUIRE(one["sites"].size() == 1);
      CHECK(one["sites"][0]["status"] == status);
    }
    auto both = tma::test::run_tma({"-i", path, "check", "--site", "india", "--site", "juliet", "--site", "hotel"}, env);
    CHECK(both.exit_code == (1 | 2 | 4));
  }

  SECTION("--env, --tag, --fail-on any and --security-only act on what is checked and reported") {
    // --env staging: only bravo's staging copy; its minor update fails only under --fail-on any.
    auto staging = tma::test::run_tma({"-i", path, "check", "--site", "bravo", "--env", "staging", "--format", "json"}, env);
    INFO(staging.err << staging.out);
    CHECK(staging.exit_code == 0);
    auto staging_doc = json::parse(staging.out);
    REQUIRE(staging_doc["sites"].size() == 1);
    CHECK(staging_doc["sites"][0]["env"] == "staging");
    CHECK(staging_doc["sites"][0]["findings"][0]["fails"] == false);
    auto any = tma::test::run_tma({"-i", path, "check", "--site", "bravo", "--env", "staging", "--fail-on", "any",
                                   "--format", "json"},
                                  env);
    CHECK(any.exit_code == 1);
    auto any_doc = json::parse(any.out);
    CHECK(any_doc["fail_on"] == "any");
    CHECK(any_doc["sites"][0]["findings"][0]["fails"] == true);
    CHECK(any_doc["summary"]["failing"] == 1);

    // --tag: the two composer-based projects, nothing else.
    auto tagged = tma::test::run_tma({"-i", path, "check", "--tag", "php-projects", "--format", "json"}, env);
    auto tagged_doc = json::parse(tagged.out);
    REQUIRE(tagged_doc["sites"].size() == 2);
    CHECK(tagged_doc["sites"][0]["site"] == "delta");
    CHECK(tagged_doc["sites"][1]["site"] == "hotel");
    CHECK(tagged_doc["vulnerability_feed"]["status"] == "not_configured"); // no WordPress site selected

    // --security-only: the minor finding goes, the components stay.
    auto full = json::parse(tma::test::run_tma({"-i", path, "check", "--site", "hotel", "--format", "json"}, env).out);
    auto sec = json::parse(
        tma::test::run_tma({"-i", path, "check", "--site", "hotel", "--security-only", "--format", "json"}, env).out);
    REQUIRE(sec["sites"][0]["findings"].size() == 1);
    CHECK(sec["sites"][0]["findings"][0]["severity"] == "security");
    CHECK(sec["sites"][0]["components"] == full["sites"][0]["components"]);
    CHECK(sec["summary"]["minor"] == 0);
    CHECK(full["summary"]["minor"] == 1);

    // --junit with --fail-on any: the minor finding becomes a <failure> too.
    auto junit_any = dir.file("any.xml");
    auto r = tma::test::run_tma({"-i", path, "check", "--site", "hotel", "--fail-on", "any", "--junit", junit_any}, env);
    CHECK(r.exit_code == 1);
    auto types = run_program({"python3", "-c",
                              "import sys, xml.etree.ElementTree as ET\n"
                              "r = ET.parse(sys.argv[1]).getroot()\n"
                              "print(sorted(f.get('type') for f in r.iter('failure')))\n",
                              junit_any});
    CHECK(types.out == "['minor', 'security']\n");

    // Markdown for a CI comment: totals heading, security rows in bold, a "Not checked" list.
    auto md = tma::test::run_tma({"-i", path, "check", "--site", "hotel", "--site", "india", "--format", "markdown"}, env);
    INFO(md.out);
    CHECK(md.exit_code == (1 | 4));
    CHECK(md.out.rfind("## tma check: 1 security finding, 1 other update on 2 sites\n", 0) == 0);
    CHECK(md.out.find("| **security** | package | guzzlehttp/guzzle | 7.4.0 | 7.9.2 | 7.4.5 |") != std::string::npos);
    CHECK(md.out.find("| minor | package | monolog/monolog | 3.5.0 | 3.7.0 |") != std::string::npos);
    CHECK(md.out.find("### Not checked") != std::string::npos);
    CHECK(md.out.find("- **india (prod)**: unreachable:") != std::string::npos);

    // The table: security first, then other updates, the unreachable site's reason, a totals line.
    auto table = tma::test::run_tma({"-i", path, "--no-color", "check", "--site", "hotel", "--site", "india"}, env);
    INFO(table.out);
    CHECK(table.exit_code == (1 | 4));
    auto guzzle = table.out.find("guzzlehttp/guzzle");
    auto monolog = table.out.find("monolog/monolog");
    REQUIRE(guzzle != std::string::npos);
    REQUIRE(monolog != std::string::npos);
    CHECK(guzzle < monolog);
    CHECK(table.out.find("CVE-2022-31090") != std::string::npos);
    CHECK(table.out.find("  unreachable: site india: prod:") != std::string::npos);
    auto last_line = table.out.substr(table.out.rfind('\n', table.out.size() - 2) + 1);
    CHECK(last_line.rfind("2 sites, ", 0) == 0);
    CHECK(last_line.find("components checked: 1 security finding, 1 other update, 1 unreachable\n") !=
          std::string::npos);
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
    // alpha's vulnerable plugin is recorded as open, for the client report's security section.
    bool open_recorded = false;
    std::function<void(const json&)> visit = [&](const json& node) {
      if (node.is_object()) {
        if (node.contains("component") && node.value("component", "") == "plugin:acme-forms" &&
            node.value("severity", "") == "security" && node.value("fixed_in", "") == "2.3.2") {
          open_recorded = true;
        }
        for (const auto& [key, value] : node.items()) visit(value);
      } else if (node.is_array()) {
        for (const auto& value : node) visit(value);
      }
    };
    visit(listed);
    CHECK(open_recorded);
  }
}
