// Issue 25, `updates.min_release_age`: the built binary against a lab WordPress tree (the `wp`
// stand-in) and the fake WordPress.org API, whose plugin information dates each plugin's latest version
// (`last_updated`, `Y-m-d g:ia GMT`). A plugin released yesterday is held by a 7-day minimum age, one
// released a month ago is not, and one fixing a known vulnerability (the Wordfence fixture's akismet
// 5.0.2 -> 5.0.3) is not held however fresh. Dates are relative to today, as the other lab tests write them.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/core/timezone.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::lab_bin;

namespace {

// Today (UTC, the inventory's zone) plus `days`.
std::string in_days(int days) {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto today = tma::core::days_from_civil(tma::core::TimeZone::utc().local_date(now));
  return tma::core::format_date(tma::core::civil_from_days(today + days));
}

// `date` plus `days`, both as `YYYY-MM-DD`.
std::string plus_days(const std::string& date, int days) {
  return tma::core::format_date(tma::core::civil_from_days(tma::core::days_from_civil(*tma::core::parse_date(date)) + days));
}

const json* by_name(const json& list, const std::string& name) {
  for (const auto& item : list) {
    if (item.at("name") == name) return &item;
  }
  return nullptr;
}

// A month-old release: `released 29 days ago` or `30` depending on the hour (released at 15:04 GMT).
bool not_held(const json& note) {
  auto text = note.get<std::string>();
  return (text == "released 29 days ago" || text == "released 30 days ago");
}

struct ReleaseAgeLab {
  tma::test::TempDir dir;
  std::string site = dir.file("shop");
  std::string yesterday = in_days(-1);
  std::string month_ago = in_days(-30);
  std::unique_ptr<tma::test::Background> api;
  std::string inventory;

  ReleaseAgeLab() {
    auto made = tma::test::run_program(
        {std::string(TMA_LAB_DIR) + "/make_wp_site", site, "--core", "6.6.1", "--plugin", "fresh-forms=1.0:active",
         "--plugin", "old-gallery=2.0:active", "--plugin", "akismet=5.0.2:active", "--update", "core=6.6.1",
         "--update", "plugin:fresh-forms=1.0,1.1", "--update", "plugin:old-gallery=2.0,2.1", "--update",
         "plugin:akismet=5.0.2,5.0.3"});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    // The fake API appends ` 3:04pm GMT` to each `last_updated`.
    auto updates = dir.write("wporg.json", json{{"core", {{"version", "6.6.1"}, {"versions", {"6.6.1"}}}},
                                                {"plugins",
                                                 {{"fresh-forms", {{"version", "1.1"}, {"last_updated", yesterday}}},
                                                  {"old-gallery", {{"version", "2.1"}, {"last_updated", month_ago}}},
                                                  {"akismet", {{"version", "5.0.3"}, {"last_updated", yesterday}}}}}}
                                               .dump());
    api = std::make_unique<tma::test::Background>(std::vector<std::string>{
        lab_bin("fake-wporg-api"), "--updates", updates, "--feed", std::string(TMA_FIXTURES) + "/wordfence/feed.json"});
    REQUIRE(api->wait_for_output("port "));
    auto out = api->out();
    auto base = "http://127.0.0.1:" + std::to_string(std::stoi(out.substr(out.find("port ") + 5)));
    inventory = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  updates: {{min_release_age: 7d}}
sources:
  wordpress_api: "{api}"
  vulnerabilities: {{url: "{api}/api/intelligence/v2/vulnerabilities/production"}}
  eol: {{enabled: false}}
  rdap: {{enabled: false}}
sites:
  shop:
    client: lab
    cms: wordpress
    preprod: none
    environments:
      prod: {{url: "http://shop.invalid", transport: local, path: "{site}", wp: "{wp}"}}
)",
                                                    fmt::arg("api", base), fmt::arg("site", site), fmt::arg("wp", lab_bin("wp"))));
  }

  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", inventory});
    return tma::test::run_tma(args, {{"http_proxy", std::nullopt}, {"https_proxy", std::nullopt},
                                     {"XDG_CACHE_HOME", dir.file("cache")}, {"TMA_ACTOR", "Lab <lab@tma.invalid>"}});
  }
};

} // namespace

TEST_CASE("tma update --dry-run holds a release younger than updates.min_release_age", "[integration][update][release_age]") {
  ReleaseAgeLab lab;
  auto eligible_on = plus_days(lab.yesterday, 7);
  auto dry = lab.tma({"update", "--site", "shop", "--dry-run", "--skip-preprod", "--format", "json"});
  INFO(dry.out << dry.err);
  REQUIRE(dry.exit_code == 0);
  auto plan = json::parse(dry.out).at("sites")[0].at("plan");
  const auto* fresh = by_name(plan.at("skipped"), "fresh-forms");
  REQUIRE(fresh != nullptr);
  CHECK(fresh->at("held_until") == eligible_on);
  CHECK(fresh->at("reason").get<std::string>().rfind("held: released ", 0) == 0);
  CHECK(fresh->at("reason").get<std::string>().find(", eligible on " + eligible_on + " (updates.min_release_age 7d)") !=
        std::string::npos);
  const auto* old = by_name(plan.at("steps"), "old-gallery");
  REQUIRE(old != nullptr);
  CHECK(old->at("target") == "2.1");
  CHECK(not_held(old->at("release_age")));
  const auto* fix = by_name(plan.at("steps"), "akismet");
  REQUIRE(fix != nullptr);
  CHECK(fix->at("target") == "5.0.3");
  CHECK(fix->at("security") == true);
  CHECK(fix->at("release_age") == "fixes a known vulnerability: not held");
  CHECK(by_name(plan.at("steps"), "fresh-forms") == nullptr);

  auto table = lab.tma({"update", "--site", "shop", "--dry-run", "--skip-preprod"});
  INFO(table.out << table.err);
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("skipped: held: released ") != std::string::npos);
  CHECK(table.out.find("eligible on " + eligible_on) != std::string::npos);
  CHECK(lab.tma({"update", "--site", "shop", "--dry-run", "--skip-preprod"}).out.find("plugin:old-gallery") != std::string::npos);
}

TEST_CASE("tma check shows a held update and still counts it as a finding", "[integration][check][release_age]") {
  ReleaseAgeLab lab;
  auto eligible_on = plus_days(lab.yesterday, 7);
  auto run = lab.tma({"check", "--all", "--format", "json", "--fail-on", "any"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  auto findings = json::parse(run.out).at("sites")[0].at("findings");
  const auto* fresh = by_name(findings, "fresh-forms");
  REQUIRE(fresh != nullptr);
  CHECK(fresh->at("held_until") == eligible_on);
  CHECK(fresh->at("fails") == true);
  CHECK(fresh->at("release_age").get<std::string>().find(", eligible on " + eligible_on) != std::string::npos);
  const auto* old = by_name(findings, "old-gallery");
  REQUIRE(old != nullptr);
  CHECK(old->at("held_until").is_null());
  CHECK(not_held(old->at("release_age")));
  const auto* fix = by_name(findings, "akismet");
  REQUIRE(fix != nullptr);
  CHECK(fix->at("severity") == "security");
  CHECK(fix->at("held_until").is_null());
  CHECK(fix->at("release_age") == "fixes a known vulnerability: not held");

  auto table = lab.tma({"check", "--all"});
  INFO(table.out);
  CHECK(table.out.find("held: released ") != std::string::npos);
}
