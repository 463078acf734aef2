// `tma connectors sync` against the strict Jira Cloud fixture (tests/lab/ticketing_server.py, built
// from Atlassian's documentation): issues of the mapped project become requests, worklogs hours
// (with their `+0200` offsets), incrementally; a changed issue updates its request, an added worklog
// comes in, a deleted one is withdrawn; a wrong token fails the connector with a clear message.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/transport/http.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tma::transport::HttpMethod;

namespace {

constexpr const char* k_email = "nadia@agency.example";
constexpr const char* k_token = "jira-token-nadia";

/// The fake Jira Cloud, with its control endpoint.
struct FakeJira {
  tma::test::TempDir dir;
  int port = 0;
  tma::test::LabProcess process;

  explicit FakeJira(const std::string& api = "jira-cloud", std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{tma::test::lab_python(), std::string(TMA_LAB_DIR) + "/ticketing_server.py", "--api",
                                  api, "--port-file", dir.file("port"), "--requests",
                                  dir.file("requests.jsonl"), "--state", dir.file("state"), "--control"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = tma::test::LabProcess(argv, dir.file("server.log"));
    for (int i = 0; i < 200 && port == 0; ++i) {
      auto text = tma::test::read_file(dir.file("port"));
      if (!text.empty() && text.back() == '\n') port = std::stoi(text);
      else std::this_thread::sleep_for(50ms);
    }
    if (port == 0) FAIL("the fake Jira did not start: " << tma::test::read_file(dir.file("server.log")));
  }
  std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port) + path; }
  json call(HttpMethod method, const std::string& path, const json& body = nullptr, long expect = 0) const {
    tma::transport::HttpRequest r;
    r.method = method;
    r.url = url(path);
    r.max_attempts = 1;
    r.basic_auth = std::make_pair(std::string(k_email), std::string(k_token));
    if (!body.is_null()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body.dump();
    }
    tma::transport::CurlHttpClient client;
    auto response = client.send(r);
    if (!response) FAIL(path << ": " << response.error().message);
    INFO(path << " -> " << response->status << " " << response->body);
    if (expect != 0) REQUIRE(response->status == expect);
    return response->body.empty() ? json() : json::parse(response->body);
  }
  /// Move the server's clock: `worklog/updated` leaves out the last minute, as Jira does.
  void advance(int seconds) const { call(HttpMethod::post, "/__lab/clock", {{"advance", seconds}}, 200); }
};

struct Agency {
  tma::test::TempDir dir;
  std::string inventory;
  std::map<std::string, std::optional<std::string>> env;
  explicit Agency(const std::string& url, const std::string& auth = fmt::format("email: {}", k_email)) {
    REQUIRE(tma::test::run_program({"git", "-C", dir.path().string(), "init", "-q", "."}).exit_code == 0);
    inventory = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab agency, timezone: Europe/Paris}}
clients:
  acme:
    contract: {{model: on_demand, rate: 90}}
sites:
  acme-www:
    client: acme
    cms: static
    environments:
      prod: {{url: "https://www.acme.example"}}
connectors:
  jira:
    type: jira
    url: {}
    {}
    api_token: ${{JIRA_API_TOKEN}}
    projects:
      ACME: {{client: acme, site: acme-www}}
    categories: {{Task: change}}
)",
                                                    url, auth));
    env = {{"TMA_ACTOR", "Tester <tester@tma.invalid>"}, {"TMA_INVENTORY", std::nullopt}, {"JIRA_API_TOKEN", k_token},
           {"NO_PROXY", "127.0.0.1"}, {"no_proxy", "127.0.0.1"}, {"http_proxy", std::nullopt}, {"HTTP_PROXY", std::nullopt}};
  }
  tma::test::Output tma(std::vector<std::string> args, std::map<std::string, std::optional<std::string>> extra = {}) const {
    args.insert(args.begin(), {"-i", inventory});
    auto e = env;
    for (auto& [k, v] : extra) e[k] = v;
    return tma::test::run_tma(args, e, dir.path().string());
  }
  json sync() const {
    auto out = tma({"connectors", "sync", "--format", "json"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out)["connectors"][0];
  }
  json requests() const { return json::parse(tma({"request", "list", "--format", "json"}).out)["requests"]; }
  json hours() const {
    auto out = tma({"hours", "list", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "json"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out)["entries"];
  }
};

json by_external(const json& list, const std::string& key, const std::string& value) {
  for (const auto& item : list) {
    if (item.contains(key) && item[key].is_string() && item[key] == value) return item;
    if (item.contains("external") && item["external"].is_object() && item["external"].value("id", "") == value) {
      return item;
    }
  }
  FAIL("nothing with " << key << " " << value << " in " << list.dump());
  return {};
}

} // namespace

TEST_CASE("connectors: Jira Cloud issues and worklogs come in incrementally and changes follow", "[integration]") {
  FakeJira jira;
  Agency agency(jira.url());

  // The default data: ACME-77 (Bug, High, In Progress) with two worklogs, ACME-78 (Task, Medium,
  // Done), and BETA-1 in a project the inventory does not map.
  auto first = agency.sync();
  CHECK(first["status"] == "ok");
  CHECK(first["requests_opened"] == 2);
  CHECK(first["hours_added"] == 2);
  auto requests = agency.requests();
  REQUIRE(requests.size() == 2);
  auto checkout = by_external(requests, "id", "10451");
  CHECK(checkout["title"] == "Checkout page returns 500");
  CHECK(checkout["priority"] == "high");
  CHECK(checkout["category"] == "bug");
  CHECK(checkout["status"] == "in_progress");
  CHECK(checkout["external"]["url"] == jira.url("/browse/ACME-77"));
  auto core_update = by_external(requests, "id", "10452");
  CHECK(core_update["status"] == "resolved");
  CHECK(core_update["category"] == "change");
  CHECK(core_update["priority"] == "normal");

  auto hours = agency.hours();
  REQUIRE(hours.size() == 2);
  auto june = by_external(hours, "external", "jira:20311");
  CHECK(june["date"] == "2025-06-03"); // 16:30+0200, in Paris
  CHECK(june["duration_seconds"] == 5400);
  CHECK(june["description"] == "Updated plugins and cleared cache");
  CHECK(june["request"] == checkout["id"]);
  auto january = by_external(hours, "external", "jira:20315");
  CHECK(january["date"] == "2025-01-10"); // +0100 in winter
  CHECK(january["duration_seconds"] == 1800);

  // Nothing changed: nothing recorded. The summary has no export counts: Jira is only read.
  auto text = agency.tma({"connectors", "sync"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("jira: 1 issues read: 0 requests opened, 0 updated; 1 worklogs read: 0 added, 0 changed, 0 "
                      "withdrawn") == 0);
  auto second = agency.sync();
  CHECK(second["requests_opened"] == 0);
  CHECK(second["requests_updated"] == 0);
  CHECK(second["hours_added"] == 0);
  CHECK(second["hours_changed"] == 0);

  // Changed in Jira: the summary of ACME-77; a worklog added, one deleted. Jira lists worklog
  // changes only once they are a minute old.
  jira.call(HttpMethod::put, "/rest/api/3/issue/ACME-77", {{"fields", {{"summary", "Checkout page is blank"}}}}, 204);
  jira.call(HttpMethod::post, "/rest/api/3/issue/ACME-77/worklog",
            {{"started", "2025-06-20T23:30:00.000+0000"}, {"timeSpentSeconds", 2700}}, 201);
  tma::test::run_program({"curl", "-s", "-o", "/dev/null", "-u", std::string(k_email) + ":" + k_token, "-X", "DELETE",
                          jira.url("/rest/api/3/issue/ACME-77/worklog/20315")});
  jira.advance(120);
  auto third = agency.sync();
  CHECK(third["requests_updated"] == 1);
  CHECK(third["hours_added"] == 1);
  CHECK(third["hours_withdrawn"] == 1);
  CHECK(by_external(agency.requests(), "id", "10451")["title"] == "Checkout page is blank");
  hours = agency.hours();
  REQUIRE(hours.size() == 2);
  auto added = hours[0]["external"] == "jira:20311" ? hours[1] : hours[0];
  CHECK(added["date"] == "2025-06-21"); // 23:30 UTC is the next day in Paris
  CHECK(added["duration_seconds"] == 2700);
  CHECK(added["description"] == "work on ACME-77 (jira worklog " + added["external"].get<std::string>().substr(5) + ")");

  // The token never reaches the journal.
  auto journal = agency.tma({"journal", "--format", "json", "--limit", "1000"});
  REQUIRE(journal.exit_code == 0);
  CHECK(journal.out.find(k_token) == std::string::npos);

  // A wrong token fails the connector (bit 2) and says what to fix, without quoting it.
  auto wrong = agency.tma({"connectors", "sync"}, {{"JIRA_API_TOKEN", "not-the-token"}});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("Jira refused the API token (401)") != std::string::npos);
  CHECK(wrong.err.find("not-the-token") == std::string::npos);
}

TEST_CASE("connectors: Jira Data Center is read through REST v2 with a personal access token", "[integration]") {
  FakeJira jira("jira-dc");
  Agency agency(jira.url(), "deployment: data_center");
  agency.env["JIRA_API_TOKEN"] = "jira-pat-nadia";
  // v2's classic search (startAt, total) and plain-text worklog comments.
  auto first = agency.sync();
  CHECK(first["requests_opened"] == 2);
  CHECK(first["hours_added"] == 2);
  CHECK(by_external(agency.hours(), "external", "jira:20311")["description"] == "Updated plugins and cleared cache");
  CHECK(agency.sync()["requests_opened"] == 0);
  // A wrong personal access token: the message names the Data Center setting.
  auto wrong = agency.tma({"connectors", "sync"}, {{"JIRA_API_TOKEN", "jira-pat-wrong"}});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("Jira refused the personal access token (401)") != std::string::npos);
}

TEST_CASE("connectors: a Jira that rate-limits is waited for as its Retry-After says", "[integration]") {
  // Three requests a second, then 429 with `Retry-After`: the sync (searches, the worklog lists and
  // the POST that fetches worklogs by id) waits and completes.
  FakeJira jira("jira-cloud", {"--rate-limit", "3", "--rate-window", "1"});
  Agency agency(jira.url());
  auto first = agency.sync();
  CHECK(first["requests_opened"] == 2);
  CHECK(first["hours_added"] == 2);
  std::size_t limited = 0;
  auto log = tma::test::read_file(jira.dir.file("requests.jsonl"));
  for (std::size_t at = 0; (at = log.find("\"status\": 429", at)) != std::string::npos; ++at) ++limited;
  CHECK(limited > 0);
}
