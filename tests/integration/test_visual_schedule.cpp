// The monthly defacement check through the binary: `visual.schedule` makes a `visual:<site>` job
// that `tma visual compare --due` runs once per slot with its claim, each comparison is journaled,
// and the client report counts prod's pages compared and the changes flagged. Real Chromium, a real
// HTTP server serving pages from a temp dir; one page at one width, so a handful of captures.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/schedule_text.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::run_tma;

namespace {

const std::map<std::string, std::optional<std::string>> k_env{
    {"http_proxy", std::nullopt}, {"TMA_INVENTORY", std::nullopt}, {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};

std::string page(const std::string& main_style) {
  return R"(<!DOCTYPE html><html><head><title>Mill</title><style>
body { margin: 0; font: 16px/1.5 sans-serif; } header { background: #234; color: #fff; padding: 12px; })" +
         main_style + R"(</style></head><body><header>Bakery of the Mill</header>
<main><h1>Welcome</h1>
<p>Our bakery opens at seven every morning and closes when the last loaf of sourdough is sold.</p>
<p>We bake rye, spelt and wheat breads with flour from the mill down the river, and pastries on Sundays.</p>
<p>Orders for weddings and birthdays are taken at the counter or by telephone one week ahead.</p>
</main></body></html>
)";
}

std::string this_month() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1);
}

} // namespace

TEST_CASE("visual schedule: the defacement check runs once per slot and the client report counts prod pages", "[integration][visual]") {
  tma::test::NoProxy no_proxy;
  tma::test::TempDir dir;
  tma::test::LabHttp http(json{{"*", {{"root", dir.file("site")}}}});
  dir.write("site/index.html", page(""));
  auto root = dir.file("agency");
  REQUIRE(run_tma({"init", root}, k_env).exit_code == 0);
  std::ofstream(root + "/sites.yaml") << fmt::format(R"(agency: {{timezone: UTC}}
clients:
  a: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  www:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:{}", transport: local, path: "{}"}}
    visual: {{sample: 0, widths: [640], schedule: "{}"}}
)",
                                                     http.port(), dir.file("site"), tma::test::daily_two_hours_ago());
  auto tma_in = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-i", root + "/sites.yaml"});
    return run_tma(args, k_env, root);
  };
  auto events_of = [&](const std::string& type) {
    auto out = tma_in({"journal", "--type", type, "--format", "json"});
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out)["events"];
  };

  auto plan = tma_in({"schedule", "--job", "visual", "--format", "json"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto jobs = json::parse(plan.out)["jobs"];
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0]["job"] == "visual:www");
  CHECK(jobs[0]["kind"] == "visual");

  // The first slot: the first snapshot, nothing to compare with yet.
  auto first = tma_in({"visual", "compare", "--due"});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK(first.out.find("== tma visual compare --env prod --browsers 2 --site www") != std::string::npos);
  CHECK(first.out.find("1 job(s) run in 1 command(s)") != std::string::npos);
  auto claims = events_of("job.claimed");
  REQUIRE(claims.size() == 1);
  CHECK(claims[0]["data"]["job"] == "visual:www");
  auto snapshots = events_of("visual.snapshot");
  REQUIRE(snapshots.size() == 1);
  CHECK(snapshots[0]["env"] == "prod");
  CHECK(snapshots[0]["data"]["status"] == "ok");
  CHECK(snapshots[0]["data"]["captured"] == 1);
  // Claimed: not again in this slot; options the schedule would ignore are refused.
  CHECK(tma_in({"visual", "compare", "--due"}).out.find("0 job(s) run") != std::string::npos);
  CHECK(tma_in({"visual", "compare", "--due", "--fail-on", "changed"}).exit_code == 64);

  // By hand: the same page, then its content hidden by one CSS rule (every word still in the HTML).
  auto same = tma_in({"visual", "compare", "--site", "www"});
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  dir.write("site/index.html", page("main { display: none; }"));
  auto broken = tma_in({"visual", "compare", "--site", "www"});
  INFO(broken.out << broken.err);
  CHECK(broken.exit_code == 1);
  auto compared = events_of("visual.compared"); // newest first
  REQUIRE(compared.size() == 2);
  CHECK(compared[0]["data"]["verdict"] == "broken");
  CHECK(compared[0]["data"]["broken"] == 1);
  CHECK(compared[0]["data"]["pages"] == 1);
  CHECK(std::filesystem::exists(compared[0]["data"]["report"].get<std::string>()));
  CHECK(compared[1]["data"]["same"] == 1);

  // The client report of this month: two prod captures compared, one change to review.
  auto report = tma_in({"report", "--client", "a", "--month", this_month(), "--format", "json", "--out", "-"});
  INFO(report.out << report.err);
  REQUIRE(report.exit_code == 0);
  auto glance = json::parse(report.out)["glance"];
  CHECK(glance["visual_pages"] == 2);
  CHECK(glance["visual_reviewed"] == 1);
}
