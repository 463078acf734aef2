// notify.heartbeat through the binary: `tma run --due` pings a real HTTP server (the lab's, which
// records every request) at its start and end, `/fail` when a site failed, and a monitor that
// cannot be reached only warns, without ever printing the URL.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/schedule_text.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;

namespace {

struct HeartbeatAgency {
  tma::test::TempDir dir;
  std::string root = dir.file("agency");
  std::map<std::string, std::optional<std::string>> env;

  /// A site whose scheduled backup copies a page (or fails, exit 3), and a heartbeat to `${HC_URL}`.
  HeartbeatAgency(const std::string& hc_url, bool backup_fails = false) {
    env = {{"http_proxy", std::nullopt}, {"HTTP_PROXY", std::nullopt}, {"NO_PROXY", "127.0.0.1"},
           {"TMA_INVENTORY", std::nullopt}, {"TMA_ACTOR", "Tester <tester@tma.invalid>"}, {"HC_URL", hc_url}};
    REQUIRE(tma::test::run_tma({"init", root}, env).exit_code == 0);
    std::filesystem::create_directories(dir.file("site"));
    std::ofstream(dir.file("site/index.html")) << "hello\n";
    std::ofstream(root + "/sites.yaml") << fmt::format(R"(agency: {{timezone: UTC}}
notify:
  heartbeat: {{url: "${{HC_URL}}", timeout: 5s}}
clients:
  a: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  www:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}"}}
    backup: {{method: custom, commands: {{page: {2}}}, schedule: "{1}", keep: {{last: 5}}}}
)",
                                                       dir.file("site"), tma::test::daily_two_hours_ago(),
                                                       backup_fails ? "[sh, -c, 'exit 3']"
                                                                    : fmt::format("[cat, \"{}/index.html\"]", dir.file("site")));
  }
  tma::test::Output run_due() const { return tma::test::run_tma({"-i", root + "/sites.yaml", "run", "--due"}, env, root); }
};

} // namespace

TEST_CASE("heartbeat: tma run --due pings start then success with its summary", "[integration][notify]") {
  tma::test::LabHttp monitor(json{{"*", {{"status", 200}, {"body", "OK"}}}});
  HeartbeatAgency agency(monitor.url("/ping/9b1d0c2e-uuid"));
  auto run = agency.run_due();
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  auto requests = monitor.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0]["method"] == "POST");
  CHECK(requests[0]["path"] == "/ping/9b1d0c2e-uuid/start");
  CHECK(requests[1]["path"] == "/ping/9b1d0c2e-uuid");
  const std::string body = requests[1]["body"];
  CHECK(body.find("run --due: 1 job(s) run in 1 command(s)") == 0);
  CHECK(body.find("(exit 0)") != std::string::npos);

  // Nothing due the second time: still a run, still pinged (the monitor sees cron alive).
  auto again = agency.run_due();
  REQUIRE(again.exit_code == 0);
  requests = monitor.requests();
  REQUIRE(requests.size() == 4);
  CHECK(std::string(requests[3]["body"]).find("run --due: 0 job(s)") == 0);
}

TEST_CASE("heartbeat: a run where a site failed pings /fail", "[integration][notify]") {
  tma::test::LabHttp monitor(json{{"*", {{"status", 200}, {"body", "OK"}}}});
  HeartbeatAgency agency(monitor.url("/ping/k"), true);
  auto run = agency.run_due();
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 2);
  auto requests = monitor.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0]["path"] == "/ping/k/start");
  CHECK(requests[1]["path"] == "/ping/k/fail");
  CHECK(std::string(requests[1]["body"]).find("(exit 2)") != std::string::npos);
}

TEST_CASE("heartbeat: a monitor that is down or refuses only warns and the URL is never printed",
          "[integration][notify]") {
  SECTION("down") {
    HeartbeatAgency agency("http://127.0.0.1:9/ping/secret-token-5521");
    auto run = agency.run_due();
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.err.find("notify.heartbeat: the start ping failed") != std::string::npos);
    CHECK(run.err.find("notify.heartbeat: the success ping failed") != std::string::npos);
    CHECK((run.out + run.err).find("secret-token-5521") == std::string::npos);
  }
  SECTION("refusing") {
    tma::test::LabHttp monitor(json{{"*", {{"status", 404}, {"body", "not found"}}}});
    HeartbeatAgency agency(monitor.url("/ping/secret-token-5522"));
    auto run = agency.run_due();
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.err.find("the start ping was answered HTTP 404") != std::string::npos);
    CHECK((run.out + run.err).find("secret-token-5522") == std::string::npos);
    CHECK(monitor.requests().size() == 2);
  }
}
