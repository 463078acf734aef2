#include <catch2/catch.hpp>

#include <tma/check/health.hpp>

#include "support/fixture.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"

using namespace tma::check;
using namespace std::chrono;
using tma::inventory::HealthPolicy;
using tma::inventory::SmokeCheck;
using tma::test::fixture;

namespace {
const system_clock::time_point k_now = sys_days{year{2026} / 11 / 29} + hours{1};

HttpObservation page(int status, const std::string& body, milliseconds time = milliseconds(120)) {
  HttpObservation o;
  o.status = status;
  o.body = body;
  o.total_time = time;
  return o;
}
} // namespace

TEST_CASE("check::evaluate_health passes the real home page") {
  auto r = evaluate_health("acme", "prod", "http://127.0.0.1:8081/", SmokeCheck{}, HealthPolicy{},
                           page(200, fixture("wordpress/home.html")), k_now);
  CHECK(r.level == HealthLevel::ok);
  CHECK(r.problems.empty());
  CHECK(r.status == 200);
  CHECK_FALSE(r.tls_days_left);
}

TEST_CASE("check::evaluate_health catches the real critical-error and maintenance pages") {
  auto fatal = evaluate_health("acme", "prod", "/", SmokeCheck{}, HealthPolicy{}, page(500, fixture("wordpress/fatal.html")), k_now);
  CHECK(fatal.level == HealthLevel::critical);
  REQUIRE(fatal.problems.size() == 2);
  CHECK(fatal.problems[0].message == "expected status 200, got 500");
  CHECK(fatal.problems[1].check == "fatal");
  CHECK(fatal.problems[1].message == "PHP error marker in page: \"There has been a critical error on\"");
  auto maintenance = evaluate_health("acme", "prod", "/", SmokeCheck{}, HealthPolicy{},
                                     page(503, fixture("wordpress/maintenance.html")), k_now);
  REQUIRE(maintenance.problems.size() == 2);
  CHECK(maintenance.problems[1].check == "maintenance");
  CHECK(maintenance.problems[1].message ==
        "WordPress maintenance page (\"Briefly unavailable for scheduled maintenance\")");
  auto drupal = evaluate_health("tools", "prod", "/", SmokeCheck{}, HealthPolicy{},
                                page(503, fixture("drupal/maintenance.html")), k_now);
  REQUIRE(drupal.problems.size() == 2);
  CHECK(drupal.problems[1].check == "maintenance");
  CHECK(drupal.problems[1].message ==
        "Drupal maintenance page (\"is currently under maintenance. We should be back shortly.\")");
  // Both pages are only recognised by their text: an ordinary home page is neither.
  CHECK_FALSE(maintenance_page(fixture("wordpress/home.html")));
  SECTION("a fatal error printed into a 200 page still fails") {
    auto r = evaluate_health("a", "prod", "/", SmokeCheck{}, HealthPolicy{},
                             page(200, "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function x()"), k_now);
    CHECK(r.level == HealthLevel::critical);
    CHECK(r.problems.at(0).message == "PHP error marker in page: \"<b>Fatal error</b>:\"");
  }
}

TEST_CASE("check::evaluate_health checks status and text and time as configured") {
  SmokeCheck check;
  check.path = "/panier/";
  check.expect_status = 200;
  check.expect_text = "ACME Test";
  check.max_time = seconds(3);
  auto ok = evaluate_health("a", "prod", "/", check, HealthPolicy{}, page(200, fixture("wordpress/home.html")), k_now);
  CHECK(ok.level == HealthLevel::ok);
  check.expect_text = "ACME Shop";
  auto missing = evaluate_health("a", "prod", "/", check, HealthPolicy{}, page(200, fixture("wordpress/home.html")), k_now);
  CHECK(missing.level == HealthLevel::critical);
  CHECK(missing.problems.at(0).message == "expected text not found: \"ACME Shop\"");
  check.expect_text.reset();
  auto slow = evaluate_health("a", "prod", "/", check, HealthPolicy{}, page(200, "ok", milliseconds(3500)), k_now);
  CHECK(slow.level == HealthLevel::warning);
  CHECK(slow.problems.at(0).message == "took 3.5 s, more than 3 s");
  check.expect_status = 404;
  auto notfound = evaluate_health("a", "prod", "/", check, HealthPolicy{}, page(404, fixture("wordpress/notfound.html")), k_now);
  CHECK(notfound.level == HealthLevel::ok);
}

TEST_CASE("check::evaluate_health grades TLS days left with the policy") {
  auto with_tls = [](system_clock::duration left) {
    auto o = page(200, "ok");
    o.tls_not_after = k_now + left;
    return o;
  };
  HealthPolicy policy; // warn under 14 days, critical under 3
  auto fine = evaluate_health("a", "prod", "/", SmokeCheck{}, policy, with_tls(days(30)), k_now);
  CHECK(fine.level == HealthLevel::ok);
  CHECK(fine.tls_days_left == 30);
  auto edge = evaluate_health("a", "prod", "/", SmokeCheck{}, policy, with_tls(days(14)), k_now);
  CHECK(edge.level == HealthLevel::ok);
  auto warn = evaluate_health("a", "prod", "/", SmokeCheck{}, policy, with_tls(days(14) - seconds(1)), k_now);
  CHECK(warn.level == HealthLevel::warning);
  CHECK(warn.problems.at(0).message == "TLS certificate expires in 13 day(s)");
  auto crit = evaluate_health("a", "prod", "/", SmokeCheck{}, policy, with_tls(hours(30)), k_now);
  CHECK(crit.level == HealthLevel::critical);
  CHECK(crit.tls_days_left == 1);
  auto expired = evaluate_health("a", "prod", "/", SmokeCheck{}, policy, with_tls(-hours(30)), k_now);
  CHECK(expired.problems.at(0).message == "TLS certificate expired 2 day(s) ago");
  policy.tls_warn = days(40);
  CHECK(evaluate_health("a", "prod", "/", SmokeCheck{}, policy, with_tls(days(30)), k_now).level == HealthLevel::warning);
}

TEST_CASE("check::health results render and give exit bits") {
  HttpObservation refused;
  refused.error = tma::core::Error{tma::core::ErrorKind::unreachable, "connect to 127.0.0.1:1 refused"};
  std::vector<HealthResult> results{
      evaluate_health("acme", "prod", "http://a/", SmokeCheck{}, HealthPolicy{}, page(200, fixture("wordpress/home.html")), k_now),
      evaluate_health("acme", "prod", "http://a/x", SmokeCheck{}, HealthPolicy{}, page(500, fixture("wordpress/fatal.html")), k_now),
      evaluate_health("down", "prod", "http://d/", SmokeCheck{}, HealthPolicy{}, refused, k_now)};
  CHECK(results[2].unreachable);
  CHECK(health_exit_bits(results) == 5);
  CHECK(health_exit_bits({results[0]}) == 0);
  auto table = render_health_table(results, false);
  INFO(table);
  CHECK(table.find("acme  prod  http://a/x  500     120 ms  -    critical") != std::string::npos);
  CHECK(table.find("down (prod) http://d/: critical: connect to 127.0.0.1:1 refused") != std::string::npos);
  CHECK(table.find("3 checked: 1 ok, 0 warning, 2 critical") != std::string::npos);
  auto json = render_health_json_payload(results);
  CHECK(json["summary"]["critical"] == 2);
  CHECK(json["results"][2]["status"].is_null());
  CHECK(json["results"][1]["problems"][1]["check"] == "fatal");
  auto xml = render_health_junit(results);
  tma::test::TempDir dir;
  auto path = dir.write("health.xml", xml);
  auto parsed = tma::test::run_program(
      {"python3", "-c",
       "import sys, xml.etree.ElementTree as ET\nr = ET.parse(sys.argv[1]).getroot()\n"
       "print(r.get('tests'), r.get('failures'), r.get('errors'), [s.get('name') for s in r])",
       path});
  INFO(xml);
  CHECK(parsed.out == "3 1 1 ['acme/prod', 'down/prod']\n");
  tma::inventory::Site site;
  CHECK(smoke_checks(site).size() == 1);
  CHECK(smoke_checks(site)[0].path == "/");
}
