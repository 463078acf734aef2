#include <catch2/catch.hpp>

#include <tma/check/eol.hpp>
#include <tma/check/drupal_coverage.hpp>
#include <tma/check/plugin_directory.hpp>
#include <tma/cms/platform.hpp>

#include "support/fixture.hpp"

using namespace tma;
using tma::check::EolState;

namespace {

core::Date day(const char* text) { return *core::parse_date(text); }

// Invented cycles in the shapes endoflife.date serves (v0: dates or booleans, numbers for cycles).
constexpr const char* k_php_v0 = R"([
 {"cycle": "8.4", "releaseDate": "2024-11-21", "support": "2026-12-31", "eol": "2028-12-31", "latest": "8.4.24"},
 {"cycle": "8.3", "releaseDate": "2023-11-23", "support": "2025-12-31", "eol": "2027-12-31", "latest": "8.3.33"},
 {"cycle": "8.2", "releaseDate": "2022-12-08", "support": false, "eol": "2026-12-31", "latest": "8.2.33"},
 {"cycle": "8.1", "releaseDate": "2021-11-25", "support": "2023-11-25", "eol": "2025-12-31", "latest": "8.1.34"},
 {"cycle": 5.6, "releaseDate": "2014-08-28", "eol": true, "latest": 5.640}
])";

} // namespace

TEST_CASE("parse_eol_product reads API v0: dates, booleans and numeric cycles", "[unit][check][eol]") {
  auto product = check::parse_eol_product("php", k_php_v0);
  REQUIRE(product);
  REQUIRE(product->cycles.size() == 5);
  CHECK(product->cycles[0].cycle == "8.4");
  CHECK(product->cycles[0].eol == day("2028-12-31"));
  CHECK(product->cycles[0].support == day("2026-12-31"));
  CHECK(product->cycles[2].support == std::nullopt); // `support: false` has no date
  CHECK(product->cycles[4].cycle == "5.6");
  CHECK(product->cycles[4].eol_ended);
  CHECK_FALSE(product->cycles[4].eol);
  CHECK(product->cycles[4].latest == "5.64");
}

TEST_CASE("parse_eol_product reads API v1 and refuses other shapes", "[unit][check][eol]") {
  auto v1 = check::parse_eol_product("debian", R"({"schema_version": "1.2.1", "result": {"name": "debian", "releases": [
    {"name": "13", "codename": "Trixie", "isEol": false, "eolFrom": "2028-08-09", "eoesFrom": "2030-06-30",
     "latest": {"name": "13.6", "date": "2026-07-11", "link": null}},
    {"name": "6", "isEol": true, "eolFrom": null}]}})");
  REQUIRE(v1);
  REQUIRE(v1->cycles.size() == 2);
  CHECK(v1->cycles[0].eol == day("2028-08-09"));
  CHECK(v1->cycles[0].extended == day("2030-06-30"));
  CHECK(v1->cycles[0].latest == "13.6");
  CHECK(v1->cycles[0].codename == "Trixie");
  CHECK(v1->cycles[1].eol_ended);

  auto html = check::parse_eol_product("php", "<html>Not found</html>");
  REQUIRE_FALSE(html);
  CHECK(html.error().message.find("php") != std::string::npos);
  CHECK_FALSE(check::parse_eol_product("php", R"({"error": "nope"})"));
  CHECK_FALSE(check::parse_eol_product("php", R"([{"eol": "2020-01-01"}])"));
}

TEST_CASE("find_cycle matches the longest cycle on a dot boundary", "[unit][check][eol]") {
  auto php = *check::parse_eol_product("php", k_php_v0);
  CHECK(check::find_cycle(php, "8.2.36")->cycle == "8.2");
  CHECK(check::find_cycle(php, "8.2")->cycle == "8.2");
  CHECK(check::find_cycle(php, "8.2.36-1+deb12u1")->cycle == "8.2");
  CHECK(check::find_cycle(php, "8.20.1") == nullptr); // not 8.2
  CHECK(check::find_cycle(php, "9.0.0") == nullptr);
  CHECK(check::find_cycle(php, "banana") == nullptr);
  CHECK(check::find_cycle(php, "") == nullptr);

  auto drupal = *check::parse_eol_product("drupal", R"([{"cycle": "10.3", "eol": "2025-06-18"}, {"cycle": "7", "eol": "2025-01-05"},
                                                        {"cycle": "10", "eol": "2026-12-09"}])");
  CHECK(check::find_cycle(drupal, "10.3.2")->cycle == "10.3"); // the longer cycle wins
  CHECK(check::find_cycle(drupal, "7.103")->cycle == "7");
  auto mariadb = *check::parse_eol_product("mariadb", R"([{"cycle": "10.11", "eol": "2028-02-16"}, {"cycle": "10.1", "eol": "2020-10-17"}])");
  CHECK(check::find_cycle(mariadb, "10.11.19-MariaDB-0+deb12u1")->cycle == "10.11");
}

TEST_CASE("evaluate_eol: ended, ending within the horizon, supported; the successor lasts past the horizon",
          "[unit][check][eol]") {
  auto php = *check::parse_eol_product("php", k_php_v0);
  auto soon = check::evaluate_eol(php, "8.2.36", day("2026-12-03"), 90);
  REQUIRE(soon);
  CHECK(soon->state == EolState::eol_soon);
  CHECK(soon->eol == day("2026-12-31"));
  CHECK(soon->successor == "8.3");
  CHECK(soon->newest == "8.4");

  CHECK(check::evaluate_eol(php, "8.2.36", day("2026-12-03"), 27)->state == EolState::supported);
  CHECK(check::evaluate_eol(php, "8.2.36", day("2026-12-03"), 28)->state == EolState::eol_soon);
  CHECK(check::evaluate_eol(php, "8.2.36", day("2026-12-31"), 0)->state == EolState::eol); // the end day counts as ended
  CHECK(check::evaluate_eol(php, "8.2.36", day("2026-12-30"), 0)->state == EolState::supported);

  auto ended = check::evaluate_eol(php, "8.1.2", day("2026-12-03"), 90);
  CHECK(ended->state == EolState::eol);
  CHECK(ended->successor == "8.3"); // 8.2 ends within the horizon: not a successor to recommend
  CHECK(check::evaluate_eol(php, "5.6.40", day("2026-12-03"), 90)->state == EolState::eol); // `eol: true`
  CHECK(check::evaluate_eol(php, "8.4.1", day("2026-12-03"), 90)->successor.empty());
  CHECK_FALSE(check::evaluate_eol(php, "4.4.9", day("2026-12-03"), 90));
}

TEST_CASE("the shipped snapshot parses for every product and says PHP 8.2 ends on 2026-12-31", "[unit][check][eol]") {
  auto products = check::shipped_eol_products();
  CHECK(products == std::vector<std::string>{"debian", "drupal", "mariadb", "mysql", "php", "ubuntu", "wordpress"});
  for (const auto& slug : products) {
    INFO(slug);
    auto product = check::parse_eol_product(slug, *check::shipped_eol_document(slug));
    REQUIRE(product);
    CHECK(product->cycles.size() > 3);
  }
  auto catalog = check::shipped_eol_catalog();
  CHECK(catalog.products.size() == products.size());
  auto php82 = check::evaluate_eol(*catalog.find("php"), "8.2.36", day("2026-12-03"), 90);
  REQUIRE(php82);
  CHECK(php82->eol == day("2026-12-31"));
  CHECK_FALSE(check::shipped_eol_document("cobol"));
}

TEST_CASE("eol_findings covers the core and the platform, with dates and the successor in words", "[unit][check][eol]") {
  check::EolCatalog catalog;
  catalog.products.emplace("php", *check::parse_eol_product("php", k_php_v0));
  catalog.products.emplace("debian", *check::parse_eol_product("debian", R"([{"cycle": "13", "eol": "2028-08-09"},
      {"cycle": "12", "eol": "2026-07-11", "extendedSupport": "2028-06-30"}])"));
  catalog.products.emplace("wordpress", *check::parse_eol_product("wordpress", R"([{"cycle": "7.1", "eol": false},
      {"cycle": "6.9", "eol": "2026-05-20"}])"));
  check::SiteCheck site;
  site.site = "acme-www";
  site.env = "prod";
  cms::Component core;
  core.kind = cms::ComponentKind::core;
  core.name = "wordpress";
  core.installed = "7.1.0";
  site.components.push_back(core);
  site.platform = {{"php", "8.2.36", "PHP"}, {"debian", "12", "Debian GNU/Linux 12 (bookworm)"}, {"mariadb", "10.11.19", "MariaDB"}};

  auto findings = check::eol_findings(site, catalog, day("2026-12-03"), 90);
  REQUIRE(findings.size() == 2); // WordPress 7.1 is current, MariaDB has no data in this catalog
  const auto& php = findings[0].name == "php" ? findings[0] : findings[1];
  const auto& os = findings[0].name == "php" ? findings[1] : findings[0];
  CHECK(php.type == check::FindingType::eol_soon);
  CHECK(php.severity == check::Severity::minor);
  CHECK(php.kind == cms::ComponentKind::platform);
  CHECK(php.ends_on == "2026-12-31");
  CHECK(php.latest == "8.3");
  CHECK(php.note == "PHP 8.2: security support ends on 2026-12-31 (in 28 days); PHP 8.3 is supported");
  CHECK(os.type == check::FindingType::eol);
  CHECK(os.severity == check::Severity::major);
  CHECK(os.note == "Debian 12: security support ended on 2026-07-11; extended support until 2028-06-30; Debian 13 is supported");

  site.components[0].installed = "6.9.4";
  auto with_core = check::eol_findings(site, catalog, day("2026-12-03"), 90);
  REQUIRE(with_core.size() == 3);
  CHECK(with_core[0].kind == cms::ComponentKind::core);
  CHECK(with_core[0].type == check::FindingType::eol);
  CHECK(with_core[0].latest == "7.1");
}

TEST_CASE("platform parsers: os-release, SELECT VERSION(), PHP", "[unit][cms][eol]") {
  auto os = cms::parse_os_release("# comment\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                                  "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n");
  REQUIRE(os);
  CHECK(os->product == "debian");
  CHECK(os->version == "12");
  CHECK(os->label == "Debian GNU/Linux 12 (bookworm)");
  auto ubuntu = cms::parse_os_release("NAME='Ubuntu'\nID=ubuntu\nVERSION_ID=\"24.04\"\n");
  REQUIRE(ubuntu);
  CHECK(ubuntu->version == "24.04");
  CHECK_FALSE(cms::parse_os_release("NAME=Debian\nID=debian\n")); // testing/sid: no VERSION_ID
  CHECK_FALSE(cms::parse_os_release("VERSION_ID=1\n"));
  CHECK_FALSE(cms::parse_os_release("ID=\"de bian\"\nVERSION_ID=12\n")); // not an os-release ID shape

  auto maria = cms::parse_db_version("10.11.19-MariaDB-0+deb12u1\n");
  REQUIRE(maria);
  CHECK(maria->product == "mariadb");
  auto mysql = cms::parse_db_version("8.0.34-0ubuntu0.22.04.1\n");
  REQUIRE(mysql);
  CHECK(mysql->product == "mysql");
  CHECK_FALSE(cms::parse_db_version("ERROR 2002 (HY000): Can't connect\n"));
  CHECK_FALSE(cms::parse_db_version("10.11.19\x1b[31m\n")); // control characters are not a version

  CHECK(cms::parse_php_version("8.2.36\n")->version == "8.2.36");
  CHECK_FALSE(cms::parse_php_version("PHP Fatal error\n"));
}

TEST_CASE("plugin_directory_findings: closed, abandoned, untested, in that precedence", "[unit][check][eol]") {
  using cms::wordpress_http::PluginInfo;
  check::SiteCheck site;
  site.site = "shop";
  site.env = "prod";
  auto component = [](cms::ComponentKind kind, const char* name, const char* installed) {
    cms::Component c;
    c.kind = kind;
    c.name = name;
    c.installed = installed;
    return c;
  };
  site.components = {component(cms::ComponentKind::core, "wordpress", "6.6.1"),
                     component(cms::ComponentKind::plugin, "closed-one", "1.0"),
                     component(cms::ComponentKind::plugin, "old-and-untested", "2.0"),
                     component(cms::ComponentKind::plugin, "untested", "3.0"),
                     component(cms::ComponentKind::plugin, "fine", "4.0"),
                     component(cms::ComponentKind::plugin, "mu", "1.0")};
  site.components.back().update = cms::UpdateState::not_applicable;
  std::map<std::string, PluginInfo> infos;
  PluginInfo closed;
  closed.state = PluginInfo::State::closed;
  closed.closed_date = "2026-03-03";
  closed.closed_reason = "Author Request";
  infos["closed-one"] = closed;
  PluginInfo old;
  old.version = "2.0";
  old.tested = "5.9";
  old.last_updated = "2024-06-01";
  infos["old-and-untested"] = old;
  PluginInfo untested;
  untested.version = "3.0";
  untested.tested = "6.5.2";
  untested.last_updated = "2026-11-01";
  infos["untested"] = untested;
  PluginInfo fine;
  fine.version = "4.0";
  fine.tested = "6.6";
  fine.last_updated = "2026-11-01";
  infos["fine"] = fine;
  infos["mu"] = closed; // must-use plugins are never judged

  auto findings = check::plugin_directory_findings(site, infos, day("2026-12-03"), 730);
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].name == "closed-one");
  CHECK(findings[0].type == check::FindingType::closed);
  CHECK(findings[0].severity == check::Severity::major); // not a security closure
  CHECK(findings[0].note == "closed on WordPress.org on 2026-03-03 (Author Request): no more updates; replace or remove it");
  CHECK(findings[1].name == "old-and-untested");
  CHECK(findings[1].type == check::FindingType::abandoned);
  CHECK(findings[1].note == "no release on WordPress.org since 2024-06-01 (30 months)");
  CHECK(findings[2].type == check::FindingType::untested);
  CHECK(findings[2].note == "tested up to WordPress 6.5.2; the site runs 6.6.1");
  CHECK(check::plugin_directory_findings(site, infos, day("2026-12-03"), 1000).size() == 3); // 2 years: untested instead
  CHECK(check::plugin_directory_findings(site, infos, day("2026-12-03"), 1000)[1].type == check::FindingType::untested);
}

TEST_CASE("parse_plugin_info reads closures (error or closed: true) and the last release date", "[unit][cms][eol]") {
  using cms::wordpress_http::PluginInfo;
  auto closed = cms::wordpress_http::parse_plugin_info(
      R"({"error":"closed","name":"Old Gallery Lite","slug":"old-gallery-lite","closed":true,"closed_date":"2030-03-03",)"
      R"("reason":"security-issue","reason_text":"Security Issue"})");
  REQUIRE(closed);
  CHECK(closed->state == PluginInfo::State::closed);
  CHECK(closed->closed_date == "2030-03-03");
  CHECK(closed->closed_reason == "Security Issue");
  auto only_flag = cms::wordpress_http::parse_plugin_info(R"({"slug":"x","closed":true,"reason":"unused"})");
  REQUIRE(only_flag);
  CHECK(only_flag->state == PluginInfo::State::closed);
  CHECK(only_flag->closed_reason == "unused");
  auto listed = cms::wordpress_http::parse_plugin_info(
      R"({"slug":"akismet","version":"5.3","tested":"6.6.1","last_updated":"2031-01-05 3:04pm GMT"})");
  REQUIRE(listed);
  CHECK(listed->last_updated == "2031-01-05");
  CHECK(cms::wordpress_http::parse_plugin_info(R"({"error":"Plugin not found."})")->state == PluginInfo::State::not_found);
}

TEST_CASE("drupal_coverage_findings: unsupported branches and insecure releases from drupal.org", "[unit][check][eol]") {
  auto history = cms::drupal_releases::parse_release_history(tma::test::fixture("drupal/release-history-acme_tools.xml"));
  REQUIRE(history);
  CHECK(check::release_history_version(*history, "1.11.0") == "8.x-1.11"); // composer's form of a legacy release
  CHECK(check::release_history_version(*history, "2.2.9") == "2.2.9");
  CHECK(check::release_history_version(*history, "1.12.0") == "1.12.0"); // no such legacy release: kept

  cms::Component core;
  core.kind = cms::ComponentKind::core;
  core.name = "drupal";
  core.installed = "10.3.2";
  CHECK(check::drupal_project(core) == "drupal");
  cms::Component recommended;
  recommended.kind = cms::ComponentKind::package;
  recommended.name = "drupal/core-recommended";
  CHECK(check::drupal_project(recommended).empty());
  cms::Component symfony;
  symfony.kind = cms::ComponentKind::package;
  symfony.name = "symfony/console";
  CHECK(check::drupal_project(symfony).empty());

  check::SiteCheck site;
  site.site = "intranet";
  site.env = "prod";
  auto package = [](const char* version) {
    cms::Component c;
    c.kind = cms::ComponentKind::package;
    c.name = "drupal/acme_tools";
    c.installed = version;
    return c;
  };
  std::map<std::string, cms::drupal_releases::ReleaseHistory> histories{{"acme_tools", *history}};

  site.components = {package("3.0.1")}; // marked Insecure, 3.0.2 is its security release
  auto insecure = check::drupal_coverage_findings(site, histories);
  REQUIRE(insecure.size() == 1);
  CHECK(insecure[0].type == check::FindingType::insecure);
  CHECK(insecure[0].severity == check::Severity::security);
  CHECK(insecure[0].fixed_in == "3.0.2");
  CHECK(insecure[0].note == "drupal.org: acme_tools 3.0.1 has a security release after it (3.0.2)");

  check::Finding audit; // composer audit already said it: no second security finding
  audit.kind = cms::ComponentKind::package;
  audit.name = "drupal/acme_tools";
  audit.severity = check::Severity::security;
  site.findings = {audit};
  CHECK(check::drupal_coverage_findings(site, histories).empty());
  site.findings.clear();

  site.components = {package("1.11.0")}; // 8.x-1.11: not a supported branch
  auto unsupported = check::drupal_coverage_findings(site, histories);
  REQUIRE(unsupported.size() == 1);
  CHECK(unsupported[0].type == check::FindingType::unsupported);
  CHECK(unsupported[0].severity == check::Severity::major);
  CHECK(unsupported[0].note ==
        "drupal.org no longer supports the branch of acme_tools 8.x-1.11 (supported: 2.1., 2.2., 3.0.)");

  site.components = {package("2.2.9")}; // supported, latest of its branch
  CHECK(check::drupal_coverage_findings(site, histories).empty());
}
