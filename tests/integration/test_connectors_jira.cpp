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
#include "support/ticketing_lab.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tma::transport::HttpMethod;

namespace {

constexpr const char* k_email = "nadia@agency.example";
constexpr const char* k_token = "jira-token-nadia";

/// The fake Jira Cloud (or Data Center), with the account's credentials for the test's own calls.
struct FakeJira : tma::test::FakeTicketing {
  explicit FakeJira(const std::string& api = "jira-cloud", std::vector<std::string> extra = {})
      : FakeTicketing(api, std::move(extra)) {
    authorize = [](tma::transport::HttpRequest& r) { r.basic_auth = std::make_pair(std::string(k_email), std::string(k_token)); };
  }
};

std::string jira_inventory(const std::string& url, const std::string& auth, const std::string& project,
                           const std::string& extra) {
  return tma::test::connector_inventory(fmt::format(R"(  jira:
    type: jira
    url: {}
    {}
    api_token: ${{JIRA_API_TOKEN}}
    projects:
      {}
    categories: {{Task: change}}
{}
)",
                     url, auth, project, extra), "Europe/Paris", "  beta:\n    contract: {model: on_demand, rate: 90}\n");
}

struct Agency : tma::test::TicketingAgency {
  explicit Agency(const std::string& url, const std::string& auth = fmt::format("email: {}", k_email),
                  const std::string& project = "ACME: {client: acme, site: acme-www}", const std::string& extra = "")
      : TicketingAgency(jira_inventory(url, auth, project, extra), {{"JIRA_API_TOKEN", k_token}}) {}
  json hours() const { return TicketingAgency::hours("2025-01-01", "2025-12-31"); }
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
  CHECK(jira.logged("\"status\": 429") > 0);
}

namespace {

/// The fixture's issues whose summary holds `text`.
std::vector<json> issues_about(const FakeJira& jira, const std::string& text) {
  std::vector<json> out;
  const auto state = jira.state(); // kept: the loop reads into it
  for (const auto& issue : state["issues"]) {
    if (issue["summary"].is_string() && issue["summary"].get<std::string>().find(text) != std::string::npos) {
      out.push_back(issue);
    }
  }
  return out;
}

/// The texts of the fixture's comments (or worklog comments) on issue `id` that hold a tma marker.
std::vector<std::string> marked(const FakeJira& jira, const char* kind, const std::string& issue_id) {
  std::vector<std::string> out;
  const auto state = jira.state();
  for (const auto& item : state[kind]) {
    if (item["issueId"] != issue_id) continue;
    auto text = item.contains(std::string(kind) == "comments" ? "body" : "comment")
                    ? item[std::string(kind) == "comments" ? "body" : "comment"].dump()
                    : std::string();
    if (text.find("[tma:") != std::string::npos) out.push_back(text);
  }
  return out;
}

} // namespace

TEST_CASE("connectors: incidents and hours reach Jira Cloud once each and follow-ups become comments and transitions",
          "[integration]") {
  FakeJira jira;
  Agency agency(jira.url(), fmt::format("email: {}", k_email), "ACME: {client: acme, site: acme-www, hours_issue: ACME-78}",
                "    export_incidents: true\n    export_hours: true");
  auto checked = agency.tma({"inventory", "check", "--connectors"});
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.find("connector jira: mapping ok") != std::string::npos);
  auto first = agency.sync();
  REQUIRE(first["requests_opened"] == 2);

  // Created, then tma is killed before it records that: the next sync finds the issue by its label
  // instead of creating a second one, and does not import it as a request.
  REQUIRE(agency.tma({"incident", "open", "--site", "acme-www", "--severity", "critical", "Checkout is down"}).exit_code == 0);
  CHECK(agency.tma({"connectors", "sync"}, {{"TMA_TEST_KILL_AFTER_REMOTE_WRITE", "create"}}).exit_code == 128 + 9);
  REQUIRE(issues_about(jira, "Checkout is down").size() == 1);
  auto after_kill = agency.sync();
  CHECK(after_kill["issues_created"] == 0);
  CHECK(after_kill["found_by_marker"] == 1);
  CHECK(after_kill["requests_opened"] == 0);
  auto created = issues_about(jira, "Checkout is down");
  REQUIRE(created.size() == 1);
  CHECK(created[0]["priority"] == "1"); // Highest: critical
  CHECK(created[0]["issuetype"] == "10004"); // Bug
  REQUIRE(created[0]["labels"].size() == 1);
  CHECK(created[0]["labels"][0].get<std::string>().rfind("tma-", 0) == 0);
  CHECK(created[0]["description"]["type"] == "doc"); // an Atlassian document on Cloud
  const auto issue_id = created[0]["id"].get<std::string>();

  // A note becomes a comment; the resolution a transition to the Done category (id 31 in this
  // workflow, found through /transitions) carrying its comment. Pushed once.
  auto incident = json::parse(agency.tma({"incident", "list", "--format", "json"}).out)["incidents"][0]["id"].get<std::string>();
  REQUIRE(agency.tma({"incident", "note", incident, "php-fpm is restarting in a loop"}).exit_code == 0);
  REQUIRE(agency.tma({"incident", "resolve", incident, "--cause", "php-fpm restarted"}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 2);
  CHECK(agency.sync()["issues_changed"] == 0);
  auto resolved = issues_about(jira, "Checkout is down");
  CHECK(resolved[0]["status"] == "10002");
  auto comments = marked(jira, "comments", issue_id);
  REQUIRE(comments.size() == 2);
  CHECK(comments[0].find("php-fpm is restarting in a loop") != std::string::npos);
  CHECK(comments[1].find("Resolved: php-fpm restarted") != std::string::npos);

  // Hours: on the request's issue (ACME-77), else on the project's hours_issue (ACME-78). Killed
  // right after the first worklog: found by its marker, not pushed twice, never imported back.
  auto requests = agency.requests();
  auto checkout = by_external(requests, "id", "10451");
  REQUIRE(agency.tma({"hours", "log", "--site", "acme-www", "1h30", "mailer fixed", "--request",
                      checkout["id"].get<std::string>()}).exit_code == 0);
  REQUIRE(agency.tma({"hours", "log", "--site", "acme-www", "45m", "monthly checks"}).exit_code == 0);
  CHECK(agency.tma({"connectors", "sync"}, {{"TMA_TEST_KILL_AFTER_REMOTE_WRITE", "time_entry"}}).exit_code == 128 + 9);
  auto pushed = agency.sync();
  CHECK(pushed["found_by_marker"] == 1);
  CHECK(pushed["hours_pushed"] == 1);
  jira.advance(120);
  auto again = agency.sync();
  CHECK(again["hours_pushed"] == 0);
  CHECK(again["hours_added"] == 0);
  auto on_request = marked(jira, "worklogs", "10451");
  REQUIRE(on_request.size() == 1);
  CHECK(on_request[0].find("mailer fixed [tma:") != std::string::npos);
  auto on_catch_all = marked(jira, "worklogs", "10452");
  REQUIRE(on_catch_all.size() == 1);
  CHECK(on_catch_all[0].find("monthly checks [tma:") != std::string::npos);
}

TEST_CASE("connectors: a team-managed Jira project without priorities still gets the incident's issue", "[integration]") {
  // BETA has no priority field and only the Task type; Data Center takes plain-text descriptions.
  FakeJira jira("jira-dc");
  Agency agency(jira.url(), "deployment: data_center", "BETA: {client: acme, site: acme-www}",
                "    export_incidents: true\n    issue_type: Task\n    import_issues: false\n    import_time_entries: false");
  agency.env["JIRA_API_TOKEN"] = "jira-pat-nadia";
  REQUIRE(agency.tma({"incident", "open", "--site", "acme-www", "--severity", "minor", "Slow search"}).exit_code == 0);
  auto synced = agency.sync();
  CHECK(synced["issues_created"] == 1);
  auto created = issues_about(jira, "Slow search");
  REQUIRE(created.size() == 1);
  CHECK(created[0]["project"] == "BETA");
  CHECK(created[0]["priority"].is_null());
  CHECK(created[0]["description"].get<std::string>().find("[tma:") != std::string::npos);
  REQUIRE(agency.tma({"incident", "resolve", json::parse(agency.tma({"incident", "list", "--format", "json"}).out)
                                                  ["incidents"][0]["id"].get<std::string>()}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 1);
  CHECK(issues_about(jira, "Slow search")[0]["status"] == "10012"); // Finished, reached by transition 3
}

TEST_CASE("connectors: inventory check --connectors names what Jira does not know at its line", "[integration]") {
  FakeJira jira;
  Agency agency(jira.url(), fmt::format("email: {}", k_email),
                "ACME: {client: acme, site: acme-www, hours_issue: ACME-99}\n      NOPE: {client: beta}",
                "    export_incidents: true\n    export_hours: true\n    priorities: {critical: Urgentissime}");
  auto out = agency.tma({"inventory", "check", "--connectors", "--format", "json"});
  INFO(out.out << out.err);
  CHECK(out.exit_code == 78);
  auto errors = json::parse(out.out)["errors"];
  std::map<std::string, std::string> by_key;
  for (const auto& e : errors) by_key[e["key"]] = e["message"];
  CHECK(by_key["connectors.jira.projects.ACME.hours_issue"] == "Jira has no issue ACME-99, or the token's account cannot see it");
  CHECK(by_key["connectors.jira.projects.NOPE"] == "Jira has no project 'NOPE', or the token's account cannot see it");
  CHECK(by_key["connectors.jira.priorities.critical"] == "Jira has no priority 'Urgentissime'");
  CHECK(errors.size() == 3);
  // A refused token is one error, without the token.
  auto refused = agency.tma({"inventory", "check", "--connectors"}, {{"JIRA_API_TOKEN", "not-the-token"}});
  CHECK(refused.exit_code == 78);
  CHECK(refused.err.find("Jira refused the API token (401)") != std::string::npos);
  CHECK(refused.err.find("not-the-token") == std::string::npos);
}
