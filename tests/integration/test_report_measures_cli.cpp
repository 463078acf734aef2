// The measured sections of the client report end to end: `tma health --record` against a lab HTTP
// server journals the days before today from the open days kept next to the journal, `tma perf
// --record` journals page audits, and `tma report` charts both. Durations are never asserted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/core/timezone.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::read_file;
using tma::test::run_tma;

namespace {

const std::map<std::string, std::optional<std::string>> k_no_proxy{
    {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"all_proxy", std::nullopt}};

} // namespace

TEST_CASE("tma health --record journals finished days and tma report charts them with page speed", "[integration]") {
  tma::test::TempDir dir;
  auto agency = dir.file("agency");
  REQUIRE(run_tma({"init", agency}).exit_code == 0);
  tma::test::LabHttp web(json{{"/", {{"body", "<html><body>Welcome</body></html>"}, {"headers", {{"Content-Type", "text/html"}}}}}});
  auto inventory = dir.write("agency/sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, lang: en, contract: {{model: on_demand, rate: 90}}}}
sites:
  shop:
    client: lab
    cms: static
    checks: [{{path: /, expect_text: Welcome}}]
    environments:
      prod: {{url: "{}"}}
)",
                                                              web.url("")));
  auto env = k_no_proxy;
  env["TMA_INVENTORY"] = inventory;
  auto state = agency + "/.git/tma-cache/health-days.json";
  // A day of another run, still open: 3 November, 10 checks, one failed, nine answered in ~200 ms
  // (bucket 109 of 5 % buckets).
  std::filesystem::create_directories(agency + "/.git/tma-cache");
  {
    std::ofstream out(state);
    out << R"({"version": 1, "days": [{"site": "shop", "env": "prod", "client": "lab", "date": "2026-11-03",)"
        << R"( "probes": 10, "failures": 1, "times": [[109, 9]], "max_ms": 230}]})";
  }

  auto checked = run_tma({"health", "--all", "--record"}, env, agency);
  INFO(checked.err << checked.out);
  REQUIRE(checked.exit_code == 0);

  auto listed = run_tma({"journal", "--type", "health.daily", "--format", "json"}, env, agency);
  REQUIRE(listed.exit_code == 0);
  auto events = json::parse(listed.out)["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["site"] == "shop");
  CHECK(events[0]["env"] == "prod");
  CHECK(events[0]["client"] == "lab");
  CHECK(events[0]["data"]["date"] == "2026-11-03");
  CHECK(events[0]["data"]["probes"] == 10);
  CHECK(events[0]["data"]["failures"] == 1);
  CHECK(events[0]["data"]["max_ms"] == 230);
  auto p50 = events[0]["data"]["p50_ms"].get<int>();
  CHECK(p50 >= 195);
  CHECK(p50 <= 210);

  // The finished day left the state file; today's check is its only day.
  auto open = json::parse(read_file(state));
  REQUIRE(open["days"].size() == 1);
  auto today = tma::core::format_date(tma::core::TimeZone::utc().local_date(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())));
  CHECK(open["days"][0]["date"] == today);
  CHECK(open["days"][0]["probes"] == 1);
  CHECK(open["days"][0]["failures"] == 0);
  CHECK(open["days"][0]["times"].size() == 1);

  // A second run the same day adds to today and journals nothing.
  REQUIRE(run_tma({"health", "--all", "--record"}, env, agency).exit_code == 0);
  CHECK(json::parse(read_file(state))["days"][0]["probes"] == 2);
  CHECK(json::parse(run_tma({"journal", "--type", "health.daily", "--format", "json"}, env, agency).out)["events"].size() == 1);

  auto november = run_tma({"report", "--client", "lab", "--month", "2026-11", "--format", "json", "--out", "-"}, env, agency);
  INFO(november.err);
  REQUIRE(november.exit_code == 0);
  auto doc = json::parse(november.out);
  REQUIRE(doc["daily"].size() == 1);
  CHECK(doc["daily"][0]["site"] == "shop");
  CHECK(doc["daily"][0]["probes"] == 10);
  CHECK(doc["daily"][0]["uptime_percent"] == 90.0);
  REQUIRE(doc["daily"][0]["days"].size() == 1);
  CHECK(doc["daily"][0]["days"][0]["date"] == "2026-11-03");

  auto html = run_tma({"report", "--client", "lab", "--month", "2026-11", "--format", "html", "--out", "-"}, env, agency);
  REQUIRE(html.exit_code == 0);
  CHECK(html.out.find("<title>shop: median response time and uptime per day</title>") != std::string::npos);
  CHECK(html.out.find("<title>3 November 2026: uptime 90.00%, median ") != std::string::npos);
  auto markdown = run_tma({"report", "--client", "lab", "--month", "2026-11", "--format", "markdown", "--out", "-"}, env, agency);
  CHECK(markdown.out.find("shop: 90.00% of the checks passed (10 checks)") != std::string::npos);

  // Page speed: the month's audits of prod.
  for (int i = 0; i < 2; ++i) {
    auto audited = run_tma({"perf", "--all", "--record"}, env, agency);
    INFO(audited.err << audited.out);
    REQUIRE((audited.exit_code & ~1) == 0); // findings (bit 1) are the audit's business, not this test's
  }
  auto month = today.substr(0, 7);
  auto current = run_tma({"report", "--client", "lab", "--month", month, "--format", "json", "--out", "-"}, env, agency);
  INFO(current.err);
  REQUIRE(current.exit_code == 0);
  auto speed = json::parse(current.out)["speed"];
  REQUIRE(speed.size() == 1);
  CHECK(speed[0]["site"] == "shop");
  CHECK(speed[0]["path"] == "/");
  CHECK(speed[0]["audits"] == 2);
  CHECK(speed[0]["requests"] == 1);
  CHECK(speed[0]["bytes"].get<long>() > 30);
  CHECK(json::parse(current.out)["daily"].empty()); // today is not over
  auto current_md = run_tma({"report", "--client", "lab", "--month", month, "--format", "markdown", "--out", "-"}, env, agency);
  CHECK(current_md.out.find("## Page speed") != std::string::npos);

  SECTION("a state file tma cannot read is a warning, and the open day starts afresh") {
    { std::ofstream(state) << "not json"; }
    auto again = run_tma({"health", "--all", "--record"}, env, agency);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("health-days.json: not a JSON object; today's response times start afresh") != std::string::npos);
    CHECK(json::parse(read_file(state))["days"][0]["probes"] == 1);
  }
}
