// The cooling-off rule of updates.min_release_age (check/release_age.hpp), around its threshold.
#include <catch2/catch.hpp>

#include <tma/check/release_age.hpp>

#include "check/anticipate.hpp"
#include "support/fake_http.hpp"
#include "support/fixture.hpp"

using namespace tma;
using check::ReleaseAge;

namespace {

std::chrono::sys_seconds at(std::string_view rfc3339) { return *core::parse_rfc3339(rfc3339); }

constexpr core::Seconds k_three_days{3 * 86400};
const auto k_now = at("2026-12-05T10:00:00Z");

ReleaseAge rule(std::optional<core::SysSeconds> released, bool fixes = false, core::Seconds min_age = k_three_days) {
  return check::release_age(released, min_age, k_now, fixes, core::TimeZone::utc());
}

} // namespace

TEST_CASE("release_age: just under the minimum age is held with the day it becomes eligible", "[unit][check][release_age]") {
  auto verdict = rule(at("2026-12-02T10:00:01Z")); // 3 days less one second ago
  CHECK(verdict.state == ReleaseAge::State::held);
  CHECK(verdict.held());
  CHECK(verdict.age_days == 2);
  REQUIRE(verdict.eligible_on);
  CHECK(core::format_date(*verdict.eligible_on) == "2026-12-05");
  CHECK(verdict.note == "released 2 days ago, eligible on 2026-12-05");

  auto yesterday = rule(at("2026-12-04T09:00:00Z"));
  CHECK(yesterday.note == "released 1 day ago, eligible on 2026-12-07");
  auto fresh = rule(at("2026-12-05T09:00:00Z"));
  CHECK(fresh.note == "released less than a day ago, eligible on 2026-12-08");
}

TEST_CASE("release_age: exactly at the minimum age is eligible", "[unit][check][release_age]") {
  auto verdict = rule(at("2026-12-02T10:00:00Z"));
  CHECK(verdict.state == ReleaseAge::State::eligible);
  CHECK_FALSE(verdict.held());
  CHECK_FALSE(verdict.eligible_on);
  CHECK(verdict.note == "released 3 days ago");
}

TEST_CASE("release_age: just over the minimum age is eligible", "[unit][check][release_age]") {
  auto verdict = rule(at("2026-12-02T09:59:59Z"));
  CHECK(verdict.state == ReleaseAge::State::eligible);
  CHECK(verdict.note == "released 3 days ago");
}

TEST_CASE("release_age: an unknown release date is not held and says so", "[unit][check][release_age]") {
  auto verdict = rule(std::nullopt);
  CHECK(verdict.state == ReleaseAge::State::unknown);
  CHECK_FALSE(verdict.held());
  CHECK(verdict.note == "release date unknown: not held");
}

TEST_CASE("release_age: a fix of a known vulnerability bypasses the hold", "[unit][check][release_age]") {
  auto verdict = rule(at("2026-12-05T09:00:00Z"), true);
  CHECK(verdict.state == ReleaseAge::State::security);
  CHECK_FALSE(verdict.held());
  CHECK(verdict.note == "fixes a known vulnerability: not held");
}

TEST_CASE("release_age: no minimum age says nothing", "[unit][check][release_age]") {
  auto verdict = rule(at("2026-12-05T09:00:00Z"), false, core::Seconds{0});
  CHECK(verdict.state == ReleaseAge::State::no_policy);
  CHECK(verdict.note.empty());
}

TEST_CASE("release_age: a release dated in the future is held from now", "[unit][check][release_age]") {
  auto verdict = rule(at("2026-12-06T10:00:00Z"));
  CHECK(verdict.held());
  CHECK(verdict.age_days == 0);
  CHECK(verdict.note == "released less than a day ago, eligible on 2026-12-09");
}

TEST_CASE("release_age: the day of eligibility is the agency's local day", "[unit][check][release_age]") {
  auto zone = core::TimeZone::load("Pacific/Auckland");
  REQUIRE(zone);
  // Eligible at 2026-12-07T20:00Z, which is already the 8th in Auckland (UTC+13 in December).
  auto verdict = check::release_age(at("2026-12-04T20:00:00Z"), k_three_days, k_now, false, *zone);
  REQUIRE(verdict.eligible_on);
  CHECK(core::format_date(*verdict.eligible_on) == "2026-12-08");
}

TEST_CASE("apply_release_age marks update findings held and leaves them findings", "[unit][check][release_age]") {
  check::SiteCheck site;
  site.site = "shop";
  site.env = "prod";
  auto component = [](std::string name, std::string latest, std::optional<core::SysSeconds> released) {
    cms::Component c;
    c.kind = cms::ComponentKind::plugin;
    c.name = std::move(name);
    c.installed = "1.0";
    c.latest = latest;
    c.update = cms::UpdateState::available;
    if (released) c.released.emplace(latest, *released);
    return c;
  };
  auto finding = [](std::string name, check::Severity severity, std::string fixed_in = "") {
    check::Finding f;
    f.kind = cms::ComponentKind::plugin;
    f.name = std::move(name);
    f.installed = "1.0";
    f.latest = "2.0";
    f.severity = severity;
    f.fixed_in = std::move(fixed_in);
    return f;
  };
  site.components = {component("fresh", "2.0", at("2026-12-04T09:00:00Z")), component("old", "2.0", at("2026-11-01T00:00:00Z")),
                     component("undated", "2.0", std::nullopt), component("patched", "2.0", at("2026-12-05T09:00:00Z"))};
  site.findings = {finding("fresh", check::Severity::minor), finding("old", check::Severity::minor),
                   finding("undated", check::Severity::minor), finding("patched", check::Severity::security, "2.0")};
  auto no_policy = site;
  check::apply_release_age(no_policy, core::Seconds{0}, k_now, core::TimeZone::utc());
  for (const auto& f : no_policy.findings) CHECK(f.release_age.empty());

  check::apply_release_age(site, k_three_days, k_now, core::TimeZone::utc());
  REQUIRE(site.findings.size() == 4);
  CHECK(site.findings[0].release_age == "released 1 day ago, eligible on 2026-12-07");
  CHECK(site.findings[0].held_until == "2026-12-07");
  CHECK(site.findings[1].release_age == "released 34 days ago");
  CHECK(site.findings[1].held_until.empty());
  CHECK(site.findings[2].release_age == "release date unknown: not held");
  CHECK(site.findings[3].release_age == "fixes a known vulnerability: not held");
  CHECK(site.findings[3].held_until.empty());
  // Held or not, each is still a finding: --fail-on any counts them all.
  CHECK(check::exit_bits({site}, check::FailOn::any) == 1);
}

// The passes of `tma check` that fetch release dates (src/check/anticipate.cpp), with a fake HTTP
// client: update planning turns the directory and coverage findings off but still wants the dates.
namespace {

cms::Component with_update(cms::ComponentKind kind, std::string name, std::string installed, std::string latest) {
  cms::Component c;
  c.kind = kind;
  c.name = std::move(name);
  c.installed = std::move(installed);
  c.latest = std::move(latest);
  c.update = cms::UpdateState::available;
  return c;
}

transport::HttpResponse ok(std::string body) {
  transport::HttpResponse response;
  response.status = 200;
  response.body = std::move(body);
  return response;
}

} // namespace

TEST_CASE("release dates for planning: drupal.org histories of components with an update alone", "[unit][check][release_age]") {
  test::FakeHttpClient http;
  http.reply("https://updates.example/release-history/acme_tools/current", ok(test::fixture("drupal/release-history-acme_tools.xml")));
  check::SiteCheck site;
  site.components = {with_update(cms::ComponentKind::package, "drupal/acme_tools", "3.0.1", "3.0.2"),
                     with_update(cms::ComponentKind::package, "drupal/quiet", "1.0.0", "")};
  site.components[1].update = cms::UpdateState::none;
  check::CheckInputs inputs;
  inputs.http = &http;
  inputs.release_history_url = "https://updates.example/release-history";

  auto without_hold = site;
  check::detail::add_drupal_coverage_findings(without_hold, inputs, false);
  CHECK(http.urls().empty()); // no minimum age, no coverage pass: nothing asked

  check::detail::add_drupal_coverage_findings(site, inputs, true);
  CHECK(http.urls() == std::vector<std::string>{"https://updates.example/release-history/acme_tools/current"});
  CHECK(site.components[0].released.at("3.0.2") == *core::parse_rfc3339("2024-06-27T14:53:20Z"));
  CHECK(site.findings.empty()); // dates only: the coverage findings belong to `tma check`
}

TEST_CASE("release dates for planning: WordPress.org dates the latest version of plugins with an update", "[unit][check][release_age]") {
  test::FakeHttpClient http;
  http.reply("https://api.example/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=akismet",
             ok(test::fixture("wporg/plugin-info-akismet.json")));
  check::SiteCheck site;
  site.components = {with_update(cms::ComponentKind::plugin, "akismet", "5.0.2", "5.1"),
                     with_update(cms::ComponentKind::plugin, "current", "1.0", "")};
  site.components[1].update = cms::UpdateState::none;
  check::CheckInputs inputs;
  inputs.http = &http;
  inputs.wordpress_api = "https://api.example";
  check::detail::add_plugin_directory_findings(site, inputs, true);
  CHECK(http.urls().size() == 1);
  CHECK(site.components[0].released.at("5.1") == *core::parse_rfc3339("2024-07-15T15:04:00Z"));
  CHECK(site.components[1].released.empty());
  CHECK(site.findings.empty());
}
