// Issue 21: `tma check` asks PHP, the database server and the OS in the same SSH session as its CMS
// queries, and judges them (and the CMS branch) against end-of-life data refreshed from
// `sources.eol.url` (the lab's HTTP server here), cached, with the shipped snapshot as the fallback.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/cms/platform.hpp>
#include <tma/core/timezone.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::lab_bin;

namespace {

void make_site(const std::string& tool, std::vector<std::string> args) {
  args.insert(args.begin(), std::string(TMA_LAB_DIR) + "/" + tool);
  auto r = tma::test::run_program(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// Today (UTC, the inventory's zone) plus `days`, as the data writes dates.
std::string in_days(int days) {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto today = tma::core::days_from_civil(tma::core::TimeZone::utc().local_date(now));
  return tma::core::format_date(tma::core::civil_from_days(today + days));
}

void set_state(const std::string& root, const std::string& key, const std::string& value) {
  std::filesystem::create_directories(root + "/.tma-lab");
  auto path = root + "/.tma-lab/state.json";
  json state = json::object();
  if (std::ifstream in(path); in) state = json::parse(in);
  state[key] = value;
  std::ofstream(path) << state.dump();
}

const json* finding(const json& site, const std::string& name, const std::string& type = "") {
  for (const auto& f : site.at("findings")) {
    if (f.at("name") == name && (type.empty() || f.at("type") == type)) return &f;
  }
  return nullptr;
}

} // namespace

TEST_CASE("tma check: PHP, database and OS end of life, asked in the same session, data refreshed and cached",
          "[integration][check][eol]") {
  tma::test::LabSshd sshd;
  tma::test::TempDir dir;
  auto wp = sshd.make_site_dir("www");
  auto drupal = sshd.make_site_dir("intranet");
  make_site("make_wp_site", {wp, "--core", "6.6.1", "--plugin", "akismet=5.1:active"});
  make_site("make_drupal_site", {drupal, "--core", "10.3.2", "--drush", "12.5.3"});
  set_state(drupal, "db_server_version", "8.0.34-0ubuntu0.22.04.1");

  // This machine's OS, as tma will read it over SSH.
  std::ifstream os_file("/etc/os-release");
  std::string os_text((std::istreambuf_iterator<char>(os_file)), std::istreambuf_iterator<char>());
  auto os = tma::cms::parse_os_release(os_text);
  REQUIRE(os);

  json routes = {
      {"/eol/php.json", {{"body", json::array({{{"cycle", "8.3"}, {"eol", in_days(400)}},
                                               {{"cycle", "8.2"}, {"eol", in_days(30)}, {"support", false}}}).dump()}}},
      {"/eol/mariadb.json", {{"body", json::array({{{"cycle", "11.4"}, {"eol", in_days(900)}},
                                                   {{"cycle", "10.11"}, {"eol", in_days(-1)}, {"extendedSupport", in_days(700)}}}).dump()}}},
      {"/eol/mysql.json", {{"body", json::array({{{"cycle", "8.0"}, {"eol", in_days(500)}}}).dump()}}},
      {"/eol/" + os->product + ".json", {{"body", json::array({{{"cycle", os->version}, {"eol", in_days(1000)}}}).dump()}}},
      {"/eol/wordpress.json", {{"body", json::array({{{"cycle", "6.6"}, {"eol", false}}}).dump()}}},
      {"/eol/drupal.json", {{"body", json::array({{{"cycle", "11.0"}, {"eol", in_days(300)}},
                                                  {{"cycle", "10.3"}, {"eol", in_days(10)}}}).dump()}}},
      // drupal.org supports 10.4 and 11.1 only: the site's 10.3.2 is on an unsupported branch.
      {"/drupal/drupal/current",
       {{"body", "<?xml version=\"1.0\" encoding=\"utf-8\"?><project><title>Drupal core</title><short_name>drupal</short_name>"
                 "<supported_branches>10.4.,11.1.</supported_branches><project_status>published</project_status><releases>"
                 "<release><name>drupal 11.1.0</name><version>11.1.0</version><status>published</status></release>"
                 "<release><name>drupal 10.4.1</name><version>10.4.1</version><status>published</status></release>"
                 "<release><name>drupal 10.3.2</name><version>10.3.2</version><status>published</status></release>"
                 "</releases></project>"}}},
      // The plugin directory knows none of this site's plugins (private ones): nothing to say.
      {"/wporg/plugins/info/1.2/", {{"status", 404}, {"body", R"({"error":"Plugin not found."})"}}},
      {"*", {{"status", 404}, {"body", "<html>Not Found</html>"}}}};
  tma::test::LabHttp eol_server(routes);

  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts());
  auto inventory = [&](const std::string& eol) {
    return fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
sources:
  eol: {eol}
  wordpress_api: "{api}"
  drupal_updates: {{url: "{drupal_updates}"}}
sites:
  www:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://www.invalid", ssh: {ssh}, path: "{wp}", wp: "{wp_bin}"}}
  intranet:
    client: lab
    cms: drupal
    environments:
      prod: {{url: "http://intranet.invalid", ssh: {ssh}, path: "{drupal}", drush: "{drush}", composer: "{composer}"}}
)",
                       fmt::arg("eol", eol), fmt::arg("api", eol_server.url("/wporg")), fmt::arg("drupal_updates", eol_server.url("/drupal")), fmt::arg("ssh", ssh), fmt::arg("wp", wp), fmt::arg("drupal", drupal),
                       fmt::arg("wp_bin", lab_bin("wp")), fmt::arg("drush", lab_bin("drush")),
                       fmt::arg("composer", lab_bin("composer")));
  };
  auto path = dir.write("sites.yaml", inventory(fmt::format("{{url: \"{}\"}}", eol_server.url("/eol/{product}.json"))));
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"XDG_CACHE_HOME", dir.file("cache")}};

  const int before = sshd.sessions_started();
  auto run = tma::test::run_tma({"-i", path, "check", "--all", "--format", "json", "--fail-on", "any"}, env);
  INFO(run.err << run.out);
  CHECK(sshd.sessions_started() - before == 2); // the platform queries ride in each site's one session
  CHECK(run.exit_code == 1);                    // findings reach --fail-on any; no site failed
  // ubuntu (or debian) is not served: that product keeps the snapshot, and the run says so once.
  auto other_os = os->product == "debian" ? "ubuntu" : "debian";
  CHECK(run.err.find(fmt::format("end-of-life data for {} not refreshed", other_os)) != std::string::npos);
  auto doc = json::parse(run.out);
  REQUIRE(doc.at("sites").size() == 2);
  const auto& intranet = doc.at("sites")[0];
  const auto& www = doc.at("sites")[1];
  REQUIRE(www.at("site") == "www");

  auto versions = www.at("platform").at("versions");
  REQUIRE(versions.size() == 3);
  CHECK(versions[0] == json{{"product", "php"}, {"version", "8.2.36"}, {"label", "PHP"}});
  CHECK(versions[1].at("version") == "10.11.19-MariaDB-0+deb12u1");
  CHECK(versions[2].at("product") == os->product);
  CHECK(www.at("platform").at("notes").empty());

  auto* php = finding(www, "php");
  REQUIRE(php != nullptr);
  CHECK(php->at("type") == "eol-soon");
  CHECK(php->at("kind") == "platform");
  CHECK(php->at("ends_on") == in_days(30));
  CHECK(php->at("latest") == "8.3");
  CHECK(php->at("note") == fmt::format("PHP 8.2: security support ends on {} (in 30 days); PHP 8.3 is supported", in_days(30)));
  auto* mariadb = finding(www, "mariadb");
  REQUIRE(mariadb != nullptr);
  CHECK(mariadb->at("type") == "eol");
  CHECK(mariadb->at("severity") == "major");
  CHECK(mariadb->at("note").get<std::string>().find("extended support until " + in_days(700)) != std::string::npos);
  CHECK(finding(www, os->product) == nullptr);   // supported for 1000 days
  CHECK(finding(www, "wordpress") == nullptr);   // 6.6 is current in this data
  CHECK(doc.at("summary").at("lifecycle") == 5); // php + mariadb here; drupal (eol-soon, unsupported) + its php below

  REQUIRE(intranet.at("site") == "intranet");
  auto* core = finding(intranet, "drupal", "eol-soon");
  REQUIRE(core != nullptr);
  CHECK(core->at("kind") == "core");
  CHECK(core->at("type") == "eol-soon");
  CHECK(core->at("latest") == "11.0");
  CHECK(intranet.at("platform").at("versions")[0].at("version") == "8.2.20"); // from drush status
  CHECK(intranet.at("platform").at("versions")[1].at("product") == "mysql");
  CHECK(finding(intranet, "mysql") == nullptr);
  // The core's branch is not supported by drupal.org any more: one finding of its own kind.
  int unsupported = 0;
  for (const auto& f : intranet.at("findings")) {
    if (f.at("type") != "unsupported") continue;
    ++unsupported;
    CHECK(f.at("name") == "drupal");
    CHECK(f.at("latest") == "11.1.0");
    CHECK(f.at("note") == "drupal.org no longer supports the branch of drupal 10.3.2 (supported: 10.4., 11.1.)");
  }
  CHECK(unsupported == 1);
  CHECK(intranet.at("platform").at("notes").empty()); // drupal.org answered (the webform-less site asks only core)

  // A second run reuses the cached answers: no new request for what was fetched.
  CHECK(eol_server.hits("/eol/php.json") == 1);
  auto table = tma::test::run_tma({"-i", path, "check", "--all"}, env);
  INFO(table.err << table.out);
  CHECK(eol_server.hits("/eol/php.json") == 1);
  CHECK(table.out.find("eol-soon") != std::string::npos);
  CHECK(table.out.find("platform: PHP 8.2.36, MariaDB 10.11.19-MariaDB-0+deb12u1") != std::string::npos);
  CHECK(table.out.find("lifecycle warnings") != std::string::npos);

  // Turned off: no platform queries, no end-of-life findings.
  auto off = dir.write("off.yaml", inventory("{enabled: false}"));
  auto quiet = tma::test::run_tma({"-i", off, "check", "--all", "--format", "json"}, env);
  INFO(quiet.err << quiet.out);
  auto quiet_doc = json::parse(quiet.out);
  for (const auto& site : quiet_doc.at("sites")) {
    CHECK(site.at("platform").at("versions").empty());
    for (const auto& f : site.at("findings")) CHECK(f.at("type").get<std::string>().rfind("eol", 0) != 0);
  }
  CHECK(quiet_doc.at("summary").at("lifecycle") == 1); // drupal.org's unsupported branch stays: its own switch
}

TEST_CASE("tma check: plugins closed, abandoned or untested on WordPress.org become findings", "[integration][check][eol]") {
  tma::test::TempDir dir;
  auto site = dir.file("shop");
  make_site("make_wp_site", {site, "--core", "6.6.1", "--plugin", "akismet=5.1:active", "--plugin",
                             "old-gallery=1.2:active", "--plugin", "quiet-seo=3.0:active", "--plugin", "gone-forms=2.0:active",
                             "--plugin", "house-plugin=1.0:active", "--mu-plugin", "agency-tools=1.0"});
  // akismet: current, tested with 6.6; quiet-seo: last release three years ago; old-gallery: tested
  // up to 6.4 only; gone-forms: closed for a security issue, answered with a 404 as WordPress.org
  // sometimes does; house-plugin: not on WordPress.org (404 "Plugin not found.").
  auto updates = dir.write("wporg.json", json{{"core", {{"version", "6.6.1"}, {"versions", {"6.6.1"}}}},
                                              {"plugins",
                                               {{"akismet", {{"version", "5.1"}, {"tested", "6.6.1"}}},
                                                {"quiet-seo", {{"version", "3.0"}, {"tested", "6.6"}, {"last_updated", in_days(-3 * 365)}}},
                                                {"old-gallery", {{"version", "1.2"}, {"tested", "6.4.3"}}},
                                                {"gone-forms",
                                                 {{"version", "2.0"},
                                                  {"closed", {{"date", "2026-03-03"}, {"reason", "security-issue"}, {"status", 404}}}}}}}}
                                                 .dump());
  tma::test::Background api({lab_bin("fake-wporg-api"), "--updates", updates, "--log", dir.file("api.log")});
  REQUIRE(api.wait_for_output("port "));
  auto api_out = api.out();
  std::string api_base = "http://127.0.0.1:" + std::to_string(std::stoi(api_out.substr(api_out.find("port ") + 5)));
  auto path = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
sources:
  wordpress_api: "{api}"
  eol: {{enabled: false}}
sites:
  shop:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://shop.invalid", transport: local, path: "{site}", wp: "{wp}"}}
)",
                                                  fmt::arg("api", api_base), fmt::arg("site", site), fmt::arg("wp", lab_bin("wp"))));
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"XDG_CACHE_HOME", dir.file("cache")}};
  auto run = tma::test::run_tma({"-i", path, "check", "--all", "--format", "json"}, env);
  INFO(run.err << run.out);
  auto doc = json::parse(run.out);
  const auto& shop = doc.at("sites")[0];
  auto* gone = finding(shop, "gone-forms");
  REQUIRE(gone != nullptr);
  CHECK(gone->at("type") == "closed");
  CHECK(gone->at("severity") == "security");
  CHECK(gone->at("fails") == true); // --fail-on security: a plugin closed for security fails the pipeline
  CHECK(gone->at("note") == "closed on WordPress.org on 2026-03-03 (Security Issue): no more updates; replace or remove it");
  auto* quiet = finding(shop, "quiet-seo");
  REQUIRE(quiet != nullptr);
  CHECK(quiet->at("type") == "abandoned");
  CHECK(quiet->at("note") == fmt::format("no release on WordPress.org since {} (36 months)", in_days(-3 * 365)));
  auto* old = finding(shop, "old-gallery");
  REQUIRE(old != nullptr);
  CHECK(old->at("type") == "untested");
  CHECK(old->at("note") == "tested up to WordPress 6.4.3; the site runs 6.6.1");
  CHECK(finding(shop, "akismet") == nullptr);
  CHECK(finding(shop, "house-plugin") == nullptr); // not on WordPress.org: nothing to say
  CHECK(finding(shop, "agency-tools") == nullptr); // must-use plugins are never asked
  CHECK(run.exit_code == 1);
  CHECK(shop.at("platform").at("notes").empty());
  // The must-use plugin was not asked about; each listed plugin once.
  auto log = tma::test::read_file(dir.file("api.log"));
  CHECK(log.find("agency-tools") == std::string::npos);
  CHECK(log.find("request%5Bslug%5D=gone-forms") != std::string::npos);
}
