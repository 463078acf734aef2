#include <catch2/catch.hpp>
#include <algorithm>

#include <tma/check/evaluate.hpp>
#include <tma/check/render.hpp>
#include <tma/cms/drupal.hpp>
#include <tma/cms/wpcli.hpp>

#include "support/fixture.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"

using namespace tma::check;
using namespace tma::version;
using namespace tma::cms;
using tma::test::fixture;

namespace {

// Five sites as `tma check` would see them: WordPress with a security finding, Drupal with composer
// audit, a static site, an unreachable one, one whose wp printed garbage (with XML-hostile text).
CheckReport sample_report(FailOn fail_on, bool feed_available) {
  static auto db = VulnerabilityDb::parse_wordfence(fixture("wordfence/feed.json"));
  static auto audit = composer::parse_audit(fixture("composer/audit.json"));
  CheckReport report;
  report.fail_on = fail_on;
  report.feed.state = feed_available ? FeedStatus::State::available : FeedStatus::State::unavailable;
  if (!feed_available) {
    report.feed.message = "HTTP 503 from the vulnerability feed";
  }

  SiteCheck wp{"acme-www", "prod", "wordpress", "https://www.acme.example", std::nullopt, {}, {}, false, ""};
  wp.components.push_back(wpcli::core_component(
      "6.1.9", *wpcli::parse_core_check_update(fixture("wp-cli/02-offline-updates-prod_core-check-update-offline.stdout"))));
  auto plugins = wpcli::parse_plugin_list(fixture("wp-cli/02-offline-updates-prod_plugin-list-offline-2plugins.stdout"));
  wp.components.insert(wp.components.end(), plugins->begin(), plugins->end());
  auto themes = wpcli::parse_theme_list(fixture("wp-cli/01-baseline_theme-list.stdout"));
  wp.components.insert(wp.components.end(), themes->begin(), themes->end());
  SecuritySources wp_sources;
  if (feed_available) {
    wp_sources.wordfence = &*db;
    wp.security_checked = true;
  } else {
    wp.security_note = "vulnerability feed unavailable: " + report.feed.message;
  }
  wp.findings = findings_for(wp.site, wp.env, Scheme::php, wp.components, wp_sources);

  SiteCheck shop{"shop", "prod", "drupal", "", std::nullopt, {}, {}, true, ""};
  shop.components.push_back(drush::core_component(*drush::parse_status(fixture("drush/status.json"))));
  auto packages = composer::parse_outdated(fixture("composer/outdated.json"));
  shop.components.insert(shop.components.end(), packages->begin(), packages->end());
  SecuritySources shop_sources;
  shop_sources.composer_audit = &*audit;
  shop.findings = findings_for(shop.site, shop.env, Scheme::composer, shop.components, shop_sources);

  SiteCheck brochure{"brochure", "prod", "static", "https://brochure.example", std::nullopt, {}, {}, false, ""};
  SiteCheck down{"down", "prod", "wordpress", "", tma::core::Error{tma::core::ErrorKind::unreachable,
                                                                   "ssh: connect to host 127.0.0.1 port 1: Connection refused"},
                 {}, {}, false, ""};
  SiteCheck garbage{"garbage", "prod", "wordpress", "", tma::core::Error{tma::core::ErrorKind::cms,
                                                                         "wp plugin list --format=json: no JSON in output: \"<b>Fatal</b> & \"x\"\""},
                    {}, {}, false, ""};
  report.sites = {wp, shop, brochure, down, garbage};
  return report;
}

} // namespace

TEST_CASE("check::render_table puts security first and totals last") {
  auto text = render_table(sample_report(FailOn::security, true), false);
  INFO(text);
  auto security = text.find("  security  core    wordpress  6.1.9      6.1.10  6.1.10    CVSS 6.4 Medium; CVE-2099-2000");
  auto minor = text.find("  minor     plugin  tma-demo   1.0.0      1.1.0   -");
  REQUIRE(security != std::string::npos);
  REQUIRE(minor != std::string::npos);
  CHECK(security < minor);
  CHECK(text.find("acme-www (prod)  wordpress  https://www.acme.example  5 components\n") == 0);
  CHECK(text.find("CVSS 6.4 Medium; CVE-2099-2000") != std::string::npos);
  CHECK(text.find("brochure (prod)  static  https://brochure.example  0 components  (health only)") != std::string::npos);
  CHECK(text.find("down (prod)  wordpress\n  unreachable: ssh: connect to host") != std::string::npos);
  CHECK(text.find("garbage (prod)  wordpress\n  failed: wp plugin list") != std::string::npos);
  CHECK(text.find("5 sites, 11 components checked: 4 security findings, 3 other updates, 1 failed, 1 unreachable\n") !=
        std::string::npos);
  CHECK(text.find("Security status unknown") == std::string::npos);
  CHECK(text.find("\033[") == std::string::npos);
  SECTION("colour highlights security rows") {
    auto coloured = render_table(sample_report(FailOn::security, true), true);
    CHECK(coloured.find("\033[1;31msecurity\033[0m") != std::string::npos);
  }
  SECTION("feed unavailable: never silently clean") {
    auto unknown = render_table(sample_report(FailOn::security, false), false);
    CHECK(unknown.find("  security status unknown: vulnerability feed unavailable: HTTP 503") != std::string::npos);
    CHECK(unknown.find("Security status unknown for 1 site (HTTP 503 from the vulnerability feed): not reported as clean.") !=
          std::string::npos);
  }
}

TEST_CASE("check::render_json lists every component and follows schema 1") {
  auto doc = render_json_document(sample_report(FailOn::security, true));
  CHECK(doc["schema"] == 1);
  CHECK(doc.contains("tma_version"));
  CHECK(doc.contains("generated_at"));
  CHECK(doc["command"] == "check");
  CHECK(doc["fail_on"] == "security");
  CHECK(doc["vulnerability_feed"]["status"] == "available");
  CHECK(doc["summary"]["sites"] == 5);
  CHECK(doc["summary"]["components"] == 11);
  CHECK(doc["summary"]["security"] == 4);
  CHECK(doc["summary"]["failing"] == 4);
  const auto& wp = doc["sites"][0];
  CHECK(wp["status"] == "findings");
  CHECK(wp["security_status"] == "checked");
  REQUIRE(wp["components"].size() == 5);
  const auto& theme = wp["components"][4];
  CHECK(theme["kind"] == "theme");
  CHECK(theme["update"] == "none");
  CHECK(theme["latest"].is_null());
  CHECK(theme["auto_update"] == false);
  const auto& first = wp["findings"][0];
  CHECK(first["severity"] == "security");
  CHECK(first["fixed_in"] == "6.1.10");
  CHECK(first["fails"] == true);
  CHECK(first["advisories"][0]["cve"] == "CVE-2099-2000");
  CHECK(doc["sites"][3]["status"] == "unreachable");
  CHECK(doc["sites"][3]["error"]["kind"] == "unreachable");
  CHECK(doc["sites"][2]["status"] == "skipped");
  auto unknown = render_json_payload(sample_report(FailOn::security, false));
  CHECK(unknown["vulnerability_feed"]["status"] == "unavailable");
  CHECK(unknown["sites"][0]["security_status"] == "unknown");
  CHECK(unknown["summary"]["security_unknown"] == 1);
}

TEST_CASE("check::render_junit is valid XML with one failure per finding at the threshold") {
  auto xml = render_junit(sample_report(FailOn::security, true));
  CHECK(xml.find("&lt;b&gt;Fatal&lt;/b&gt; &amp; &quot;x&quot;") != std::string::npos);
  tma::test::TempDir dir;
  auto path = dir.write("junit.xml", xml);
  // Parse it back with a real XML parser (python3 is part of the lab's packages).
  std::string script = R"(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for s in root.findall('testsuite'):
    cases = s.findall('testcase')
    print(s.get('name'), len(cases), len(s.findall('testcase/failure')), len(s.findall('testcase/error')),
          len(s.findall('testcase/skipped')), s.get('tests'), s.get('failures'))
print('total', root.get('tests'), root.get('failures'), root.get('errors'))
)";
  auto parsed = tma::test::run_program({"python3", "-c", script, path});
  INFO(xml);
  INFO(parsed.err);
  REQUIRE(parsed.exit_code == 0);
  CHECK(parsed.out == "acme-www/prod 5 2 0 0 5 2\n"
                      "shop/prod 6 2 0 0 6 2\n"
                      "brochure/prod 0 0 0 0 0 0\n"
                      "down/prod 1 0 1 0 1 0\n"
                      "garbage/prod 1 0 1 0 1 0\n"
                      "total 13 4 2\n");
  SECTION("--fail-on any and never") {
    auto any = render_junit(sample_report(FailOn::any, true));
    CHECK(any.find("<testsuites name=\"tma check\" tests=\"13\" failures=\"7\"") != std::string::npos);
    auto never = render_junit(sample_report(FailOn::never, true));
    CHECK(never.find("<failure") == std::string::npos);
    CHECK(never.find("<system-out>plugin akismet 5.0.2: security") != std::string::npos);
  }
  SECTION("unknown security status is a skipped testcase") {
    auto unknown = render_junit(sample_report(FailOn::security, false));
    CHECK(unknown.find("name=\"security-status\">\n      <skipped message=\"security status unknown: vulnerability feed "
                       "unavailable: HTTP 503 from the vulnerability feed\"/>") != std::string::npos);
  }
}

TEST_CASE("check::render_markdown summarises for a CI comment") {
  auto md = render_markdown(sample_report(FailOn::security, false));
  INFO(md);
  CHECK(md.find("## tma check: 2 security findings, 5 other updates on 5 sites\n") == 0);
  CHECK(md.find("> **Warning:** security status unknown for 1 site (HTTP 503 from the vulnerability feed).") !=
        std::string::npos);
  CHECK(md.find("### acme-www (prod), wordpress") != std::string::npos);
  CHECK(md.find("| **security** | package | drupal/webform | 6.2.2 | 6.2.7 | 6.2.5 |") != std::string::npos);
  CHECK(md.find("- **down (prod)**: unreachable: ssh: connect") != std::string::npos);
  CHECK(xml_escape("a\x01<b>") == "a&lt;b&gt;");
}

TEST_CASE("check::render_json survives invalid UTF-8 in error messages and titles") {
  auto report = sample_report(FailOn::security, true);
  report.sites[4].error->message = "wp plugin list: no JSON in output: \"\xFF\xFE" "binary\"";
  report.sites[0].components[1].title = "Caf\xE9 Plugin";
  auto doc = render_json_document(report);
  auto text = doc.dump(2);
  CHECK(text.find("Caf\xEF\xBF\xBD Plugin") != std::string::npos);
  CHECK(nlohmann::json::parse(text)["sites"][4]["error"]["message"].get<std::string>().find("\xEF\xBF\xBD") !=
        std::string::npos);
}

TEST_CASE("check::keep_security_only drops other findings") {
  auto report = sample_report(FailOn::any, true);
  keep_security_only(report.sites);
  for (const auto& s : report.sites) {
    for (const auto& f : s.findings) {
      CHECK(f.severity == Severity::security);
    }
  }
  CHECK(report.sites[0].components.size() == 5);
  CHECK(exit_bits(report.sites, FailOn::any) == 7);
}

TEST_CASE("check::findings_table: one csv record per finding and one per site without findings") {
  auto report = sample_report(FailOn::security, true);
  auto csv = findings_table(report).csv();
  CHECK(csv.rfind("SITE,ENV,STATUS,SEVERITY,KIND,NAME,INSTALLED,LATEST,FIXED IN,DETAILS\n", 0) == 0);
  std::size_t findings = 0;
  for (const auto& s : report.sites) findings += s.findings.size();
  REQUIRE(findings > 0);
  // Each site's findings, plus brochure, down and garbage (no findings): one record each, one line each.
  CHECK(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) == 1 + findings + 3);
  CHECK(csv.find("\nbrochure,prod,skipped,,,,,,,\n") != std::string::npos);
  CHECK(csv.find("\ndown,prod,unreachable,,,,,,,ssh: connect to host 127.0.0.1 port 1: Connection refused\n") !=
        std::string::npos);
  // The error's quotes are doubled inside a quoted field.
  CHECK(csv.find("\ngarbage,prod,failed,,,,,,,\"wp plugin list --format=json: no JSON in output: \"\"<b>Fatal</b> & "
                 "\"\"x\"\"\"\"\"\n") != std::string::npos);
  CHECK(csv.find("\nacme-www,prod,findings,security,") != std::string::npos);
}
