// WordPress over HTTP only, against the lab: a site tree served by a real HTTP server, the lab's fake
// WordPress.org API and vulnerability feed, fetched with curl, fed to the fingerprinting, API and feed
// parsers, then to findings and the renderers.
#include <catch2/catch.hpp>

#include <tma/check/evaluate.hpp>
#include <tma/check/render.hpp>
#include <tma/cms/wordpress_http.hpp>
#include <tma/cms/wpcli.hpp>

#include "support/run_program.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using namespace tma::cms;
using namespace tma::check;
using namespace tma::version;
using tma::test::Background;
using tma::test::lab_bin;
using tma::test::run_program;

namespace {

int port_from(const std::string& out) {
  auto pos = out.find("port ");
  REQUIRE(pos != std::string::npos);
  return std::stoi(out.substr(pos + 5));
}

struct Fetched {
  int exit_code;
  std::string body;
};

Fetched get(const std::string& url) {
  auto r = run_program({"curl", "-sS", "--fail", "--max-time", "20", url});
  return {r.exit_code, r.out};
}

} // namespace

TEST_CASE("check over HTTP fingerprints a lab site and matches the lab feed", "[integration]") {
  tma::test::TempDir dir;
  auto site = dir.file("www");
  REQUIRE(run_program({std::string(TMA_LAB_DIR) + "/make_wp_site", site, "--core", "6.4.3", "--plugin",
                       "acme-forms=2.3.1:active", "--plugin", "akismet=5.0.2:active", "--theme", "studio=3.1:active",
                       "--html", "--update", "plugin:acme-forms=2.4.0"})
              .exit_code == 0);
  auto updates = dir.write("wporg.json", R"({"core": {"version": "6.6.1", "versions": ["6.4.5", "6.6.1"]},
    "plugins": {"acme-forms": {"version": "2.4.0"}, "akismet": {"version": "5.1", "versions": ["5.0.3", "5.1"]}}})");

  Background web({"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", site});
  REQUIRE(web.wait_for_output("Serving HTTP on"));
  std::string base = "http://127.0.0.1:" + std::to_string(port_from(web.out()));
  Background api({lab_bin("fake-wporg-api"), "--updates", updates, "--feed", std::string(TMA_FIXTURES) + "/wordfence/feed.json",
                  "--log", dir.file("api.log")});
  REQUIRE(api.wait_for_output("port "));
  std::string api_base = "http://127.0.0.1:" + std::to_string(port_from(api.out()));

  // Core: every clue agrees.
  auto home = get(base + "/");
  REQUIRE(home.exit_code == 0);
  auto evidence = wordpress_http::core_evidence_from_page(home.body);
  auto feed_clue = wordpress_http::core_evidence_from_feed(get(base + "/feed/").body);
  REQUIRE(feed_clue);
  evidence.push_back(*feed_clue);
  CHECK_FALSE(wordpress_http::core_evidence_from_readme_html(get(base + "/readme.html").body));
  auto core = wordpress_http::core_from_evidence(evidence);
  CHECK(core.installed == "6.4.3");
  CHECK(core.confidence == Confidence::high);
  CHECK(core.note.empty());
  auto offers = wordpress_http::parse_core_version_check(get(api_base + "/core/version-check/1.7/?version=6.4.3").body);
  REQUIRE(offers);
  wordpress_http::apply_latest(core, offers->latest);
  CHECK(core.latest == "6.6.1");

  // Plugins: slugs from the page, versions from readme.txt, latest from the plugin API.
  std::vector<Component> components{core};
  auto slugs = wordpress_http::plugin_slugs_in_page(home.body);
  REQUIRE(slugs == std::vector<std::string>{"acme-forms", "akismet"});
  for (const auto& slug : slugs) {
    auto readme = wordpress_http::parse_readme_txt(get(base + "/wp-content/plugins/" + slug + "/readme.txt").body);
    REQUIRE(readme);
    auto plugin = wordpress_http::plugin_from_readme(slug, *readme);
    auto info = wordpress_http::parse_plugin_info(
        get(api_base + "/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=" + slug).body);
    REQUIRE(info);
    wordpress_http::apply_latest(plugin, info->version);
    components.push_back(plugin);
  }
  auto unknown = run_program({"curl", "-sS", api_base + "/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=nope"});
  CHECK(wordpress_http::parse_plugin_info(unknown.out)->state == wordpress_http::PluginInfo::State::not_found);

  auto feed_text = get(api_base + "/api/intelligence/v2/vulnerabilities/production");
  REQUIRE(feed_text.exit_code == 0);
  auto db = VulnerabilityDb::parse_wordfence(feed_text.body);
  REQUIRE(db);
  SecuritySources sources;
  sources.wordfence = &*db;
  SiteCheck check{"brochure", "prod", "wordpress", base, std::nullopt, components, {}, true, ""};
  check.findings = findings_for(check.site, check.env, Scheme::php, check.components, sources);
  REQUIRE(check.findings.size() == 3);
  CHECK(check.findings[0].name == "acme-forms");
  CHECK(check.findings[0].fixed_in == "2.3.2");
  CHECK(check.findings[0].cvss_score == Approx(9.8));
  CHECK(check.findings[1].name == "akismet");
  CHECK(check.findings[1].fixed_in == "5.0.3");
  CHECK(check.findings[2].kind == ComponentKind::core);
  CHECK(check.findings[2].severity == Severity::minor);

  CheckReport report;
  report.feed.state = FeedStatus::State::available;
  report.sites = {check};
  auto json = render_json_payload(report);
  CHECK(json["sites"][0]["components"][0]["source"] == "http:generator-meta+wporg-api");
  CHECK(json["sites"][0]["components"][0]["confidence"] == "high");
  CHECK(json["sites"][0]["components"][1]["source"] == "http:readme-txt+wporg-api");
  CHECK(json["sites"][0]["components"][1]["confidence"] == "medium");
  CHECK(exit_bits(report.sites, FailOn::security) == 1);

  SECTION("an update through the wp stand-in shows in the public pages") {
    auto updated = run_program({lab_bin("wp"), "--path=" + site, "plugin", "update", "acme-forms", "--format=json"});
    CHECK(wpcli::parse_update_rows(updated.out)->at(0).new_version == "2.4.0");
    auto readme = wordpress_http::parse_readme_txt(get(base + "/wp-content/plugins/acme-forms/readme.txt").body);
    CHECK(readme->stable_tag == "2.4.0");
    CHECK(get(base + "/").body.find("plugins/acme-forms/assets/style.css?ver=2.4.0") != std::string::npos);
  }
}

TEST_CASE("check over HTTP says security status unknown when the feed fails", "[integration]") {
  tma::test::TempDir dir;
  auto updates = dir.write("wporg.json", R"({"core": {"version": "6.6.1"}})");
  Background api({lab_bin("fake-wporg-api"), "--updates", updates, "--feed", std::string(TMA_FIXTURES) + "/wordfence/feed.json",
                  "--fail", "/api/intelligence=503"});
  REQUIRE(api.wait_for_output("port "));
  std::string api_base = "http://127.0.0.1:" + std::to_string(port_from(api.out()));
  auto feed = run_program({"curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{http_code}",
                           api_base + "/api/intelligence/v2/vulnerabilities/production"});
  CHECK(feed.exit_code != 0);
  CHECK(feed.out == "503");
  CheckReport report;
  report.feed = {FeedStatus::State::unavailable, "HTTP 503 from the vulnerability feed"};
  Component core{ComponentKind::core, "wordpress", "WordPress", "", "6.6.1", "", UpdateState::none, std::nullopt,
                 "http:generator-meta", Confidence::high, "", ""};
  SiteCheck check{"brochure", "prod", "wordpress", "", std::nullopt, {core}, {}, false,
                  "vulnerability feed unavailable: HTTP 503 from the vulnerability feed"};
  report.sites = {check};
  auto table = render_table(report, false);
  CHECK(table.find("  up to date\n  security status unknown: vulnerability feed unavailable") != std::string::npos);
  CHECK(render_json_payload(report)["sites"][0]["security_status"] == "unknown");
}
