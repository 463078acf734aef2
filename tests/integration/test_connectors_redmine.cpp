// `tma connectors sync` against a real Redmine 5.0 (tests/support/redmine_lab.hpp), end to end: the
// built binary on a temp inventory whose journal is a temp git repository. Issues become requests,
// time entries hours (changed and deleted ones included), an incident becomes an issue exactly once
// even when tma is killed with SIGKILL between Redmine's answer and the journal write, and a wrong key
// or a Redmine that is down fail the connector with a clear message and exit code.
#include <catch2/catch.hpp>

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/core/units.hpp>
#include <tma/transport/http.hpp>

#include "support/redmine_lab.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/ticketing_lab.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tma::transport::HttpMethod;

namespace {

struct Redmine {
  tma::test::RedmineLab& lab;
  json call(HttpMethod method, const std::string& path, const json& body = nullptr, long expect = 0) {
    tma::transport::HttpRequest r;
    r.method = method;
    r.url = lab.url(path);
    r.timeout = 30000ms;
    r.max_attempts = 1;
    r.headers.emplace_back("X-Redmine-API-Key", lab.api_key());
    if (!body.is_null()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body.dump();
    }
    tma::transport::CurlHttpClient client;
    auto response = client.send(r);
    if (!response) FAIL(path << ": " << response.error().message << "\n" << lab.log());
    INFO(method_name(method) << " " << path << " -> " << response->status << " " << response->body);
    if (expect != 0) REQUIRE(response->status == expect);
    return response->body.empty() ? json() : json::parse(response->body);
  }
  static const char* method_name(HttpMethod m) { return m == HttpMethod::post ? "POST" : m == HttpMethod::put ? "PUT" : "GET"; }
  long activity(const std::string& name) {
    auto list = call(HttpMethod::get, "/enumerations/time_entry_activities.json", nullptr, 200);
    for (const auto& a : list["time_entry_activities"]) {
      if (a["name"] == name) return a["id"].get<long>();
    }
    FAIL("no activity " << name);
    return 0;
  }
  /// Issues of the project whose subject contains `text`.
  std::size_t count_issues(const std::string& text) {
    std::size_t n = 0;
    auto page = call(HttpMethod::get, "/issues.json?project_id=" + lab.project() + "&status_id=*&limit=100", nullptr, 200);
    for (const auto& i : page["issues"]) n += i["subject"].get<std::string>().find(text) != std::string::npos;
    return n;
  }
  void remove_time_entry(long id) {
    auto r = tma::test::run_program({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", "-H",
                                     "X-Redmine-API-Key: " + lab.api_key(),
                                     lab.url("/time_entries/" + std::to_string(id) + ".json")});
    REQUIRE(r.out == "204");
  }
};

std::string days_ago(int days) {
  auto now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) - std::chrono::days(days);
  std::chrono::year_month_day ymd{now};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

/// The agency of these tests: one client, one site, a Redmine connector exporting both ways.
tma::test::TicketingAgency redmine_agency(const std::string& url, const std::string& project, const std::string& key) {
  return tma::test::TicketingAgency(tma::test::connector_inventory(fmt::format(R"(  lab:
    type: redmine
    url: {}
    api_key: ${{REDMINE_API_KEY}}
    http: {{timeout: 30s}}
    export_incidents: true
    export_hours: true
    hours_activity: Development
    projects:
      {}: {{client: acme, site: acme-www}}
    activities: {{Development: bugfix, Design: feature}}
)",
                                                url, project), "UTC"),
                                    {{"REDMINE_API_KEY", key}});
}

json by_title(const json& requests, const std::string& title) {
  for (const auto& r : requests) {
    if (r["title"] == title) return r;
  }
  FAIL("no request titled " << title << " in " << requests.dump());
  return {};
}

} // namespace

TEST_CASE("connectors: a real Redmine syncs both ways and a sync killed after Redmine answered creates no duplicate",
          "[integration]") {
  tma::test::NoProxy no_proxy;
  tma::test::RedmineLab lab;
  Redmine redmine{lab};
  auto agency = redmine_agency(lab.url(), lab.project(), lab.api_key());

  auto bug = redmine.call(HttpMethod::post, "/issues.json",
                          {{"issue", {{"project_id", lab.project()}, {"subject", "Contact form sends nothing"}, {"priority_id", 3}}}},
                          201)["issue"]["id"].get<long>();
  redmine.call(HttpMethod::post, "/issues.json",
               {{"issue", {{"project_id", lab.project()}, {"subject", "Add a dark mode"}, {"tracker_id", 2}}}}, 201);
  const auto development = redmine.activity("Development");
  const auto design = redmine.activity("Design");
  auto fixed = redmine.call(HttpMethod::post, "/time_entries.json",
                            {{"time_entry", {{"issue_id", bug}, {"hours", 1.5}, {"activity_id", development},
                                             {"comments", "fixed the mailer"}, {"spent_on", days_ago(2)}}}},
                            201)["time_entry"]["id"].get<long>();
  // Time entries want the project's number (its identifier is refused with 422).
  auto project_id = redmine.call(HttpMethod::get, "/projects/" + lab.project() + ".json", nullptr, 200)["project"]["id"];
  auto meeting = redmine.call(HttpMethod::post, "/time_entries.json",
                              {{"time_entry", {{"project_id", project_id}, {"hours", 0.5}, {"activity_id", design},
                                               {"spent_on", days_ago(1)}}}},
                              201)["time_entry"]["id"].get<long>();

  // First sync: every issue and time entry comes in.
  // The names of the mapping (project, activities, priorities) are all Redmine's.
  auto checked = agency.tma({"inventory", "check", "--connectors"});
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.find("connector lab: mapping ok") != std::string::npos);
  auto first = agency.sync();
  CHECK(first["status"] == "ok");
  CHECK(first["requests_opened"] == 2);
  CHECK(first["hours_added"] == 2);
  auto requests = agency.requests();
  REQUIRE(requests.size() == 2);
  auto contact = by_title(requests, "Contact form sends nothing");
  CHECK(contact["priority"] == "high");
  CHECK(contact["category"] == "bug");
  CHECK(contact["status"] == "new");
  CHECK(by_title(requests, "Add a dark mode")["category"] == "change");
  auto hours = agency.tma({"hours", "list", "--from", days_ago(10), "--to", days_ago(0), "--format", "json"});
  INFO(hours.out << hours.err);
  REQUIRE(hours.exit_code == 0);
  auto entries = json::parse(hours.out)["entries"];
  REQUIRE(entries.size() == 2);

  // Nothing changed: nothing recorded.
  auto second = agency.sync();
  CHECK(second["requests_opened"] == 0);
  CHECK(second["requests_updated"] == 0);
  CHECK(second["hours_added"] == 0);
  CHECK(second["hours_changed"] == 0);
  CHECK(agency.requests().size() == 2);

  // Changed in Redmine: priority and status, hours of one entry; the other entry deleted.
  redmine.call(HttpMethod::put, "/issues/" + std::to_string(bug) + ".json", {{"issue", {{"priority_id", 4}, {"status_id", 2}}}}, 204);
  redmine.call(HttpMethod::put, "/time_entries/" + std::to_string(fixed) + ".json", {{"time_entry", {{"hours", 2.25}}}}, 204);
  redmine.remove_time_entry(meeting);
  auto third = agency.sync();
  CHECK(third["requests_updated"] == 1);
  CHECK(third["hours_changed"] == 1);
  CHECK(third["hours_withdrawn"] == 1);
  contact = by_title(agency.requests(), "Contact form sends nothing");
  CHECK(contact["priority"] == "urgent");
  CHECK(contact["status"] == "in_progress");
  hours = agency.tma({"hours", "list", "--from", days_ago(10), "--to", days_ago(0), "--format", "json"});
  entries = json::parse(hours.out)["entries"];
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["duration_seconds"] == 2 * 3600 + 15 * 60);
  CHECK(entries[0]["request"] == contact["id"]);
  CHECK(entries[0]["external"] == "lab:" + std::to_string(fixed));
  CHECK(contact["external"]["url"] == lab.url("/issues/" + std::to_string(bug)));
  auto shown = agency.tma({"request", "show", contact["id"].get<std::string>()});
  CHECK(shown.out.find("imported from lab (issue " + std::to_string(bug) + "): " + lab.url("/issues/" + std::to_string(bug))) !=
        std::string::npos);

  // Export: the incident's issue is created, then tma is killed before it records that. The next
  // sync finds the issue by its marker instead of creating a second one.
  REQUIRE(agency.tma({"incident", "open", "--site", "acme-www", "--severity", "critical", "Checkout is down"}).exit_code == 0);
  auto killed = agency.tma({"connectors", "sync"}, {{"TMA_TEST_KILL_AFTER_REMOTE_WRITE", "create"}});
  CHECK(killed.exit_code == 128 + 9);
  CHECK(redmine.count_issues("Checkout is down") == 1);
  auto after_kill = agency.sync();
  CHECK(after_kill["issues_created"] == 0);
  CHECK(after_kill["found_by_marker"] == 1);
  CHECK(after_kill["requests_opened"] == 0); // tma's own issue is not imported as a request
  CHECK(redmine.count_issues("Checkout is down") == 1);

  // Resolving it closes the issue with a note; a second sync changes nothing more.
  auto incident = json::parse(agency.tma({"incident", "list", "--format", "json"}).out)["incidents"][0]["id"].get<std::string>();
  REQUIRE(agency.tma({"incident", "resolve", incident, "--cause", "php-fpm restarted"}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 1);
  CHECK(agency.sync()["issues_changed"] == 0);
  auto issues = redmine.call(HttpMethod::get, "/issues.json?project_id=" + lab.project() + "&status_id=closed", nullptr, 200)["issues"];
  REQUIRE(issues.size() == 1);
  CHECK(issues[0]["subject"].get<std::string>().find("Checkout is down") != std::string::npos);

  // Hours logged in tma go to Redmine once, on the request's issue, and do not come back as
  // imported hours.
  REQUIRE(agency.tma({"hours", "log", "--site", "acme-www", "1h30", "mailer fixed again", "--request",
                      contact["id"].get<std::string>()}).exit_code == 0);
  // Killed right after Redmine created the time entry: the next sync finds it by its marker.
  CHECK(agency.tma({"connectors", "sync"}, {{"TMA_TEST_KILL_AFTER_REMOTE_WRITE", "time_entry"}}).exit_code == 128 + 9);
  auto pushed = agency.sync();
  CHECK(pushed["hours_pushed"] == 0);
  CHECK(pushed["found_by_marker"] == 1);
  CHECK(pushed["hours_added"] == 0);
  auto again = agency.sync();
  CHECK(again["hours_pushed"] == 0);
  CHECK(again["hours_added"] == 0);
  auto on_issue = redmine.call(HttpMethod::get, "/time_entries.json?issue_id=" + std::to_string(bug), nullptr, 200)["time_entries"];
  std::size_t from_tma = 0;
  for (const auto& e : on_issue) from_tma += e["comments"].get<std::string>().find("mailer fixed again [tma:") == 0;
  CHECK(from_tma == 1);

  // The key never reaches the journal.
  auto journal = agency.tma({"journal", "--format", "json", "--limit", "1000"});
  REQUIRE(journal.exit_code == 0);
  CHECK(journal.out.find(lab.api_key()) == std::string::npos);
  CHECK(journal.out.find("connector.pushed") != std::string::npos);

  // A wrong key fails the connector (bit 2) and says what to fix.
  auto wrong = agency.tma({"connectors", "sync"}, {{"REDMINE_API_KEY", std::string(40, '0')}});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("Redmine refused the API key (401)") != std::string::npos);
}

TEST_CASE("connectors: a Redmine that is down fails only the connector with the unreachable bit", "[integration]") {
  tma::test::NoProxy no_proxy;
  // A port nobody listens on: bind then close, connect is refused.
  auto agency = redmine_agency("http://127.0.0.1:9", "acme", "0123456789abcdef0123456789abcdef01234567");
  auto out = agency.tma({"connectors", "sync", "--format", "json"});
  INFO(out.out << out.err);
  CHECK(out.exit_code == 4);
  auto result = json::parse(out.out)["connectors"][0];
  CHECK(result["status"] == "unreachable");
  CHECK(result["error"]["message"].get<std::string>().find("connector lab: GET /projects/acme.json") != std::string::npos);
  CHECK(out.out.find("0123456789abcdef0123456789abcdef01234567") == std::string::npos);
}
