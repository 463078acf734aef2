// The Redmine connector's pure parts: parsing the REST API's answers (captured from a real Redmine
// 5.0 in tests/fixtures/redmine/), the name mappings, error messages, the `connectors:` section of
// the inventory, and the journal side of an import (requests opened and updated, time entries
// superseded and withdrawn) through the in-memory journal.
#include <catch2/catch.hpp>

#include <tma/connectors/redmine_api.hpp>
#include <tma/connectors/redmine_mapping.hpp>
#include <tma/contract/record.hpp>
#include <tma/request/request.hpp>
#include <tma/transport/url.hpp>

#include "connectors/tool_request.hpp"
#include "support/inventory_text.hpp"
#include "support/paths.hpp"
#include "support/temp_dir.hpp"

using namespace tma;
using namespace tma::connectors;
using nlohmann::json;

namespace {

json fixture(const std::string& name) {
  return json::parse(test::read_file(std::string(TMA_FIXTURES) + "/redmine/" + name));
}

inventory::Connector lab_connector() {
  inventory::Connector c;
  c.name = "lab";
  c.type = "redmine";
  c.url = "https://redmine.agency.example";
  c.activities = {{"Design", "feature"}};
  c.categories = {{"Support", "bug"}};
  return c;
}

core::TimeZone utc_zone() {
  auto zone = core::TimeZone::load("UTC");
  REQUIRE(zone);
  return *zone;
}

const std::string k_connector_inventory = test::k_minimal_inventory + R"(connectors:
  lab:
    type: redmine
    url: https://redmine.agency.example/
    api_key: ${REDMINE_KEY}
    projects:
      acme-www: {client: acme, site: www}
)";

} // namespace

TEST_CASE("connectors: issues captured from a real Redmine 5.0 parse and map to requests", "[connectors]") {
  auto page = fixture("issues_acme_all_statuses.json");
  std::vector<RedmineIssue> issues;
  for (const auto& item : page["issues"]) {
    auto issue = parse_issue(item);
    REQUIRE(issue);
    issues.push_back(*issue);
  }
  REQUIRE(issues.size() == 4);
  const auto& contact = issues[0]; // #7, Bug, Urgent, New, Jane Doe, due 2026-11-20
  CHECK(contact.id == 7);
  CHECK(contact.project_id == 1);
  CHECK(contact.assignee == "Jane Doe");
  CHECK(contact.due == core::Date{2026, 11, 20});
  CHECK(contact.updated_on.size() == 20);

  auto connector = lab_connector();
  inventory::ConnectorProject project{"acme-www", "acme", "www", {}};
  auto request = to_request(contact, connector, project);
  CHECK(request.external.connector == "lab");
  CHECK(request.external.id == "7");
  CHECK(request.external.url == "https://redmine.agency.example/issues/7");
  CHECK(request.client == "acme");
  CHECK(request.site == "www");
  CHECK(request.priority == request::Priority::urgent);
  CHECK(request.category == request::Category::bug);
  CHECK(request.status == request::Status::fresh);

  // #3: Support (mapped to bug by the inventory), Feedback, Low; #1: closed, Immediate.
  auto support = to_request(issues[1], connector, project);
  CHECK(support.category == request::Category::bug);
  CHECK(support.status == request::Status::waiting_client);
  CHECK(support.priority == request::Priority::low);
  auto closed = to_request(issues[3], connector, project);
  CHECK(closed.status == request::Status::closed);
  CHECK(closed.priority == request::Priority::urgent);
  CHECK(to_request(issues[2], connector, project).category == request::Category::change);

  CHECK(map_status("Rejected", true) == request::Status::closed);
  CHECK(map_status("Waiting for QA", false) == request::Status::in_progress);
  CHECK(map_priority("Whenever") == request::Priority::normal);

  auto broken = page["issues"][0];
  broken.erase("updated_on");
  auto error = parse_issue(broken);
  REQUIRE_FALSE(error);
  CHECK(error.error().message == "Redmine issue 7: 'updated_on' is missing or malformed");
}

TEST_CASE("connectors: time entries captured from a real Redmine 5.0 map to hours", "[connectors]") {
  auto page = fixture("time_entries_acme_nov.json");
  auto connector = lab_connector();
  inventory::ConnectorProject project{"acme-www", "acme", "", {}};
  std::vector<contract::TimeEntry> entries;
  for (const auto& item : page["time_entries"]) {
    auto parsed = parse_time_entry(item);
    REQUIRE(parsed);
    entries.push_back(to_time_entry(*parsed, connector, project, parsed->issue ? std::optional<std::string>("REQ-2026-0001") : std::nullopt));
  }
  REQUIRE(entries.size() == 6);
  const auto& design = entries[0]; // #5: 3.5 h Design on issue 2, Billable 1
  CHECK(design.external == "lab:5");
  CHECK(design.duration == core::Seconds(3 * 3600 + 1800));
  CHECK(design.category == contract::Category::feature);
  CHECK(design.ticket == "lab#2");
  CHECK(design.request == "REQ-2026-0001");
  CHECK(design.billable == contract::Billable::yes);
  CHECK(design.actor == "Redmine Admin");
  CHECK(design.date == core::Date{2026, 11, 16});
  CHECK_FALSE(design.site);
  // #10: the instance's Billable custom field says 0.
  const auto& unbilled = entries[2];
  CHECK(unbilled.billable == contract::Billable::no);
  CHECK(unbilled.description == "Homepage mockups");
  CHECK_FALSE(unbilled.request);
  // Without a comment, a description is made up.
  auto bare = page["time_entries"][2];
  bare["comments"] = "";
  CHECK(to_time_entry(*parse_time_entry(bare), connector, project, std::nullopt).description == "Design (lab time entry 10)");
  // Development is not mapped here: support.
  CHECK(entries[3].category == contract::Category::support);
  CHECK(entries[5].duration == core::Seconds(5400));
}

TEST_CASE("connectors: Redmine's error statuses say what to fix without quoting the key", "[connectors]") {
  auto unauthorized = error_for_status("lab", "GET", "/issues.json", 401, "");
  CHECK(unauthorized.kind == core::ErrorKind::config);
  CHECK(unauthorized.message.find("connector lab: GET /issues.json: Redmine refused the API key (401): check "
                                  "connectors.lab.api_key") == 0);
  CHECK(error_for_status("lab", "GET", "/users.json", 403, "").message.find("(403)") != std::string::npos);
  CHECK(error_for_status("lab", "GET", "/projects/nope.json", 404, "").message.find("not found (404)") != std::string::npos);
  auto refused = error_for_status("lab", "POST", "/issues.json", 422,
                                  R"({"errors":["Subject cannot be blank","Tracker cannot be blank"]})");
  CHECK(refused.kind == core::ErrorKind::usage);
  CHECK(refused.message ==
        "connector lab: POST /issues.json: Redmine refused the data (422): Subject cannot be blank; Tracker cannot be blank");
  CHECK(error_for_status("lab", "GET", "/issues.json", 502, "<html>").kind == core::ErrorKind::http);
}

TEST_CASE("connectors: query values are URL-encoded by libcurl", "[connectors]") {
  auto url = transport::url_with_query("http://127.0.0.1:3000", "/issues.json",
                                       {{"project_id", "acme"}, {"updated_on", ">=2026-11-29T10:00:00Z"}, {"status_id", "*"}});
  REQUIRE(url);
  CHECK(*url == "http://127.0.0.1:3000/issues.json?project_id=acme&updated_on=%3e%3d2026-11-29T10%3a00%3a00Z&status_id=%2a");
  CHECK_FALSE(transport::url_with_query("ftp://host", "/x", {}));
  CHECK_FALSE(transport::url_with_query("http://host", "/x", {{"a", "b\nc"}}));
  CHECK(marker("0123456789abcdef-3") == "[tma:0123456789abcdef-3]");
  CHECK(is_tma_created("Incident INC-2026-0001...\n\n[tma:0123456789abcdef-3]"));
  CHECK_FALSE(is_tma_created("a client's own issue"));
}

TEST_CASE("connectors: the inventory's connectors section loads and its mistakes name file line and key", "[connectors]") {
  auto loaded = test::load_text(k_connector_inventory, {{"REDMINE_KEY", "k"}});
  REQUIRE(loaded);
  REQUIRE(loaded->inventory.connectors.size() == 1);
  const auto& c = loaded->inventory.connectors[0];
  CHECK(c.url == "https://redmine.agency.example"); // trailing slash dropped
  CHECK(c.projects.at(0).client == "acme");
  CHECK(c.projects.at(0).site == "www");
  CHECK(c.time_entry_window == core::Seconds(62 * 86400));
  CHECK_FALSE(c.export_incidents);

  auto errors = test::inventory_errors(test::k_minimal_inventory + R"(connectors:
  lab:
    type: bugzilla
    url: redmine.example
    projects:
      Acme_WWW: acme
      bistro: {client: nobody}
    priorities: {urgent: Immediate}
    categories: {Bug: defect}
)");
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("sites.yaml:12:11: connectors.lab.type:") != std::string::npos);
  CHECK(all.find("connectors.lab.api_key: required key is missing") != std::string::npos);
  CHECK(all.find("connectors.lab.url:") != std::string::npos);
  CHECK(all.find("connectors.lab.projects.Acme_WWW: 'Acme_WWW' is not a Redmine project identifier") != std::string::npos);
  CHECK(all.find("connectors.lab.projects.bistro: unknown client 'nobody'") != std::string::npos);
  CHECK(all.find("connectors.lab.priorities.urgent: unknown key 'urgent'") != std::string::npos);
  CHECK(all.find("connectors.lab.categories.Bug:") != std::string::npos);

  // Jira: keys, not identifiers; an API token and its account's email; an hours issue of the
  // mapped project.
  errors = test::inventory_errors(test::k_minimal_inventory + R"(connectors:
  jira:
    type: jira
    url: https://agency.atlassian.net
    api_key: k
    projects: {acme: acme, ACME_2: {client: acme, hours_issue: OTHER-3}}
    export_incidents: true
    tracker: Bug
)");
  all.clear();
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("connectors.jira.api_token: required key is missing (api_token or api_token_command)") !=
        std::string::npos);
  CHECK(all.find("connectors.jira.email: required key is missing") != std::string::npos);
  CHECK(all.find("connectors.jira.projects.acme: 'acme' is not a Jira project key") != std::string::npos);
  CHECK(all.find("connectors.jira.projects.ACME_2.hours_issue: an issue key of project ACME_2 is expected") !=
        std::string::npos);
  CHECK(all.find("export_incidents") == std::string::npos);
  CHECK(all.find("connectors.jira.tracker: a Redmine setting") != std::string::npos);
  CHECK(all.find("connectors.jira.api_key: unknown key") != std::string::npos);
}

TEST_CASE("connectors: an imported issue opens a request once and later changes follow it", "[connectors]") {
  journal::MemoryJournal journal;
  auto zone = utc_zone();
  request::ImportedRequest issue;
  issue.external = {"lab", "7", "https://redmine.agency.example/issues/7", "2026-11-29T10:00:00Z"};
  issue.client = "acme";
  issue.title = "Contact form sends nothing";
  issue.priority = request::Priority::high;
  issue.category = request::Category::bug;
  issue.status = request::Status::in_progress;
  issue.assignee = "Jane Doe";
  issue.opened = *core::parse_rfc3339("2026-11-28T09:00:00Z");
  issue.updated = *core::parse_rfc3339("2026-11-29T10:00:00Z");
  {
    journal::Run run(journal, "connectors sync");
    request::NumberAllocator numbers({});
    std::optional<request::Request> state;
    CHECK(request::record_import(run, state, issue, numbers, zone) == request::ImportChange::opened);
    REQUIRE(state);
    CHECK(state->number == "REQ-2026-0001");
    // The same issue again: nothing to record.
    CHECK(request::record_import(run, state, issue, numbers, zone) == request::ImportChange::none);
    REQUIRE(run.finish(0));
  }
  auto requests = request::load_all(journal);
  REQUIRE(requests);
  REQUIRE(requests->size() == 1);
  auto r = requests->front();
  CHECK(r.status == request::Status::in_progress);
  CHECK(r.assignee == "Jane Doe");
  REQUIRE(r.external);
  CHECK(r.external->id == "7");
  CHECK(r.external->updated_on == "2026-11-29T10:00:00Z");
  CHECK(r.first_response == issue.updated);

  issue.title = "Contact form sends nothing (since Monday)";
  issue.priority = request::Priority::urgent;
  issue.status = request::Status::resolved;
  issue.external.updated_on = "2026-11-30T08:00:00Z";
  issue.updated = *core::parse_rfc3339("2026-11-30T08:00:00Z");
  {
    journal::Run run(journal, "connectors sync");
    request::NumberAllocator numbers(*requests);
    std::optional<request::Request> state = r;
    CHECK(request::record_import(run, state, issue, numbers, zone) == request::ImportChange::updated);
    REQUIRE(run.finish(0));
  }
  requests = request::load_all(journal);
  REQUIRE(requests->size() == 1);
  r = requests->front();
  CHECK(r.title == "Contact form sends nothing (since Monday)");
  CHECK(r.priority == request::Priority::urgent);
  CHECK(r.status == request::Status::resolved);
  CHECK(r.resolved == issue.updated);
  CHECK(r.external->updated_on == "2026-11-30T08:00:00Z");
  CHECK(r.history.back().what == "status");

  // Numbers go on from the highest of the year, also within one import.
  request::NumberAllocator numbers(*requests);
  CHECK(numbers.next(issue.opened, zone) == "REQ-2026-0002");
  CHECK(numbers.next(issue.opened, zone) == "REQ-2026-0003");
  CHECK(numbers.next(*core::parse_rfc3339("2025-06-01T00:00:00Z"), zone) == "REQ-2025-0001");
}

TEST_CASE("connectors: the latest version of an imported time entry counts and a withdrawn one does not", "[connectors]") {
  journal::MemoryJournal journal;
  auto zone = utc_zone();
  auto entry = [](std::string key, std::string stamp, int minutes) {
    contract::TimeEntry e;
    e.external = std::move(key);
    e.external_updated = std::move(stamp);
    e.client = "acme";
    e.date = core::Date{2026, 6, 1};
    e.duration = core::Seconds(minutes * 60);
    e.description = "work";
    e.actor = "Jane Doe";
    return e;
  };
  {
    journal::Run run(journal, "connectors sync");
    REQUIRE(contract::record_imported(run, entry("lab:1", "2026-06-01T10:00:00Z", 30)));
    REQUIRE(contract::record_imported(run, entry("lab:2", "2026-06-01T10:00:00Z", 45)));
    REQUIRE(contract::record_imported(run, entry("lab:3", "2026-06-01T10:00:00Z", 60)));
    REQUIRE(run.finish(0));
  }
  journal.advance(std::chrono::hours(1));
  {
    journal::Run run(journal, "connectors sync");
    // A newer version of 1; 2 again with an older stamp (a restored Redmine: the later import
    // wins); 3 deleted.
    REQUIRE(contract::record_imported(run, entry("lab:1", "2026-06-02T10:00:00Z", 90)));
    REQUIRE(contract::record_imported(run, entry("lab:2", "2026-05-31T10:00:00Z", 5)));
    auto gone = entry("lab:3", "2026-06-03T00:00:00Z", 0);
    gone.withdrawn = true;
    REQUIRE(contract::record_imported(run, gone));
    auto bad = entry("lab:4", "x", 0);
    CHECK_FALSE(contract::record_imported(run, bad)); // zero hours, not withdrawn
    REQUIRE(run.finish(0));
  }
  auto loaded = contract::load_entries(journal, {}, zone);
  REQUIRE(loaded);
  CHECK(loaded->problems.empty());
  REQUIRE(loaded->entries.size() == 2);
  std::map<std::string, long long> minutes;
  for (const auto& e : loaded->entries) minutes[*e.external] = e.duration.count() / 60;
  CHECK(minutes == std::map<std::string, long long>{{"lab:1", 90}, {"lab:2", 5}});

  // 3 comes back (same id, after a restore of Redmine's database): imported again, it counts.
  journal.advance(std::chrono::hours(1));
  {
    journal::Run run(journal, "connectors sync");
    REQUIRE(contract::record_imported(run, entry("lab:3", "2026-06-01T10:00:00Z", 60)));
    REQUIRE(run.finish(0));
  }
  loaded = contract::load_entries(journal, {}, zone);
  REQUIRE(loaded);
  CHECK(loaded->entries.size() == 3);
  CHECK(loaded->entries[0].actor == "Jane Doe"); // who did the work, not who ran the import
}

TEST_CASE("connectors: versions of an imported time entry imported within one second keep their order", "[connectors]") {
  // Two syncs in the same second: `at` ties and run ids are random, so only the version number
  // says which came last. Twenty entries, each imported then withdrawn by a second run: with a
  // coin-toss order, some would still count.
  journal::MemoryJournal journal;
  auto zone = utc_zone();
  auto entry = [](int n) {
    contract::TimeEntry e;
    e.external = "lab:" + std::to_string(n);
    e.external_updated = "2026-06-01T10:00:00Z";
    e.client = "acme";
    e.date = core::Date{2026, 6, 1};
    e.duration = core::Seconds(1800);
    e.description = "work";
    e.external_version = 1;
    return e;
  };
  for (int n = 0; n < 20; ++n) {
    {
      journal::Run run(journal, "connectors sync");
      REQUIRE(contract::record_imported(run, entry(n)));
      REQUIRE(run.finish(0));
    }
    journal::Run run(journal, "connectors sync");
    auto gone = entry(n);
    gone.withdrawn = true;
    gone.external_version = 2;
    REQUIRE(contract::record_imported(run, gone));
    REQUIRE(run.finish(0));
  }
  auto loaded = contract::load_entries(journal, {}, zone);
  REQUIRE(loaded);
  CHECK(loaded->problems.empty());
  CHECK(loaded->entries.empty());
}

TEST_CASE("a connector's secret is resolved under the key each tool names it by", "[unit][connectors]") {
  // A sync and `inventory check` name the same key in their errors, and never the value.
  for (const auto& [type, key] : std::vector<std::pair<std::string, std::string>>{
           {"redmine", "api_key"}, {"jira", "api_token"}, {"zendesk", "api_token"}, {"trello", "token"}}) {
    tma::inventory::Connector connector;
    connector.name = "desk";
    connector.type = type;
    CHECK(tma::connectors::detail::secret_key_name(connector) == key);
    connector.api_key.command = {"sh", "-c", "echo half-printed-value; exit 3"};
    auto resolved = tma::connectors::detail::resolve_connector_secret(connector);
    REQUIRE_FALSE(resolved);
    INFO(resolved.error().message);
    CHECK(resolved.error().message.find("connectors.desk." + key) != std::string::npos);
    CHECK(resolved.error().message.find("half-printed-value") == std::string::npos);
    connector.api_key = tma::inventory::Secret{"s3cret", {}, {}};
    CHECK(tma::connectors::detail::resolve_connector_secret(connector).value() == "s3cret");
  }
}
