// `tma connectors sync` against the strict Zendesk fixture (tests/lab/ticketing_server.py --api
// zendesk, built from Zendesk's documentation): tickets of the mapped organizations become requests
// and their Time Tracking totals hours, through the cursor-based incremental export (paged, the last
// minute left out), ids above 2^32 kept; a change follows; a rate-limited Zendesk is waited for; a
// wrong token fails the connector with a clear message; a dry run keeps nothing.
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

#include "connectors/zendesk_check.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using tma::transport::HttpMethod;

namespace {

constexpr const char* k_email = "admin@agency.example";
constexpr const char* k_token = "zd-token-admin";

/// The fake Zendesk, with the admin's API token for the test's own calls.
struct FakeZendesk : tma::test::FakeTicketing {
  explicit FakeZendesk(std::vector<std::string> extra = {}, const std::string& seed = "")
      : FakeTicketing("zendesk", std::move(extra), seed) {
    authorize = [](tma::transport::HttpRequest& r) {
      r.basic_auth = std::make_pair(std::string(k_email) + "/token", std::string(k_token));
    };
  }
};

struct Agency : tma::test::TicketingAgency {
  /// `settings`: the connector's last keys (the export's tests add theirs).
  explicit Agency(const std::string& url, const std::string& email = k_email,
                  const std::string& settings = "    time_fields: {total: 360028226391}\n")
      : TicketingAgency(tma::test::connector_inventory(fmt::format(R"(  zendesk:
    type: zendesk
    url: {}
    email: {}
    api_token: ${{ZENDESK_API_TOKEN}}
    projects:
      509974: {{client: acme, site: acme-www}}
      360001234567: bistro
    categories: {{question: change}}
{})",
                                                    url, email, settings), "Europe/Paris", "  bistro:\n    contract: {model: on_demand, rate: 80}\n"),
                        {{"ZENDESK_API_TOKEN", k_token}}) {}
  json hours() const { return TicketingAgency::hours("2025-01-01", "2035-12-31"); }
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

TEST_CASE("connectors: Zendesk tickets and time totals come in through the incremental export", "[integration]") {
  // Two tickets a page: the sync follows after_cursor until end_of_stream.
  FakeZendesk zendesk({}, R"({"config": {"export_per_page": 2}})");
  Agency agency(zendesk.url());

  // The default data: 35436 (incident, high, open, 1800 s tracked), 35437 (task, solved), 35438
  // (question, closed) of organization 509974, and 4294967297 (problem, urgent, pending) of
  // 360001234567: ids above 2^32.
  auto first = agency.sync();
  CHECK(first["status"] == "ok");
  CHECK(first["issues_read"] == 4);
  CHECK(first["requests_opened"] == 4);
  CHECK(first["time_entries_read"] == 1);
  CHECK(first["hours_added"] == 1);
  CHECK(zendesk.logged("start_time=0") == 1); // the first page, then pages by cursor
  CHECK(zendesk.logged("cursor=") >= 1);
  auto requests = agency.requests();
  REQUIRE(requests.size() == 4);
  auto checkout = by_external(requests, "id", "35436");
  CHECK(checkout["title"] == "acme.example checkout returns 500");
  CHECK(checkout["priority"] == "high");
  CHECK(checkout["category"] == "bug");
  CHECK(checkout["status"] == "in_progress");
  CHECK(checkout["client"] == "acme");
  CHECK(checkout["assignee"] == "Admin Agent");
  CHECK(checkout["external"]["url"] == zendesk.url("/agent/tickets/35436"));
  auto bistro = by_external(requests, "id", "4294967297");
  CHECK(bistro["client"] == "bistro");
  CHECK(bistro["priority"] == "urgent");
  CHECK(bistro["status"] == "waiting_client");
  CHECK(bistro["external"]["url"] == zendesk.url("/agent/tickets/4294967297"));
  CHECK(by_external(requests, "id", "35437")["status"] == "resolved");
  CHECK(by_external(requests, "id", "35438")["category"] == "change"); // categories: {question: change}
  CHECK(by_external(requests, "id", "35438")["status"] == "closed");

  auto hours = agency.hours();
  REQUIRE(hours.size() == 1);
  CHECK(hours[0]["external"] == "zendesk:35436@1748960400"); // 2025-06-03T14:20:00Z
  CHECK(hours[0]["date"] == "2025-06-03");
  CHECK(hours[0]["duration_seconds"] == 1800);
  CHECK(hours[0]["client"] == "acme");
  CHECK(hours[0]["request"] == checkout["id"]);

  // Nothing changed: nothing recorded, and the summary says what a Zendesk connector reads.
  auto text = agency.tma({"connectors", "sync"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("zendesk: 0 tickets read: 0 requests opened, 0 updated; 0 time totals read: 0 hours entries "
                      "added, 0 changed, 0 withdrawn") == 0);

  // Changed in Zendesk: 35436 solved with 30 more minutes tracked; a new ticket for the Bistro
  // (its id follows 4294967297). Both are left out of the export for a minute.
  zendesk.call(HttpMethod::put, "/api/v2/tickets/35436.json",
               {{"ticket", {{"status", "solved"}, {"custom_fields", json::array({{{"id", 360028226391LL}, {"value", "3600"}}})}}}},
               200);
  auto created = zendesk.call(HttpMethod::post, "/api/v2/tickets.json",
                              {{"ticket",
                                {{"subject", "Menu PDF missing"},
                                 {"comment", {{"body", "The PDF link gives 404"}}},
                                 {"organization_id", 360001234567LL},
                                 {"type", "task"}}}},
                              201);
  CHECK(created["ticket"]["id"] == 4294967298LL);
  auto early = agency.sync();
  CHECK(early["issues_read"] == 0);
  zendesk.advance(120);
  auto third = agency.sync();
  CHECK(third["issues_read"] == 2);
  CHECK(third["requests_opened"] == 1);
  CHECK(third["requests_updated"] == 1);
  CHECK(third["hours_added"] == 1);
  requests = agency.requests();
  CHECK(by_external(requests, "id", "35436")["status"] == "resolved");
  auto menu = by_external(requests, "id", "4294967298");
  CHECK(menu["client"] == "bistro");
  CHECK(menu["category"] == "change");
  hours = agency.hours();
  REQUIRE(hours.size() == 2);
  CHECK(hours[0]["duration_seconds"].get<long>() + hours[1]["duration_seconds"].get<long>() == 3600);

  // Time taken back in Zendesk: the newest entry is withdrawn, the total holds.
  zendesk.call(HttpMethod::put, "/api/v2/tickets/35436.json",
               {{"ticket", {{"custom_fields", json::array({{{"id", 360028226391LL}, {"value", "1800"}}})}}}}, 200);
  zendesk.advance(120);
  auto fourth = agency.sync();
  CHECK(fourth["hours_withdrawn"] == 1);
  hours = agency.hours();
  REQUIRE(hours.size() == 1);
  CHECK(hours[0]["external"] == "zendesk:35436@1748960400");

  // --full reads the export from the start again and records nothing new.
  auto full = agency.sync({"--full"});
  CHECK(full["issues_read"] == 5);
  CHECK(full["requests_opened"] == 0);
  CHECK(full["requests_updated"] == 0);
  CHECK(full["hours_added"] == 0);
  CHECK(full["hours_withdrawn"] == 0);

  // The token never reaches the journal, and the requests carry the ids exactly.
  auto journal = agency.tma({"journal", "--format", "json", "--limit", "1000"});
  REQUIRE(journal.exit_code == 0);
  CHECK(journal.out.find(k_token) == std::string::npos);
  CHECK(journal.out.find("\"4294967298\"") != std::string::npos);
}

TEST_CASE("connectors: a Zendesk that rate-limits is waited for as its Retry-After says", "[integration]") {
  // Two requests a window of 2 s, then 429 text/plain with Retry-After: the sync waits and completes.
  FakeZendesk zendesk({"--rate-limit", "2", "--rate-window", "2"}, R"({"config": {"export_per_page": 1}})");
  Agency agency(zendesk.url());
  auto first = agency.sync();
  CHECK(first["requests_opened"] == 4);
  CHECK(first["hours_added"] == 1);
  CHECK(zendesk.logged("\"status\": 429") > 0);
}

TEST_CASE("connectors: a wrong Zendesk token or a non-admin fails the connector with what to fix", "[integration]") {
  FakeZendesk zendesk;
  Agency agency(zendesk.url());
  auto wrong = agency.tma({"connectors", "sync"}, {{"ZENDESK_API_TOKEN", "not-the-token"}});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("Zendesk refused the API token (401)") != std::string::npos);
  CHECK(wrong.err.find("connectors.zendesk.email") != std::string::npos);
  CHECK(wrong.err.find("not-the-token") == std::string::npos);
  CHECK(wrong.out.find("not-the-token") == std::string::npos);
  // A 401 is not retried.
  CHECK(zendesk.logged("\"status\": 401") == 1);

  // An agent's token cannot read the incremental export.
  Agency agent(zendesk.url(), "agent@agency.example");
  auto forbidden = agent.tma({"connectors", "sync"}, {{"ZENDESK_API_TOKEN", "zd-token-agent"}});
  CHECK(forbidden.exit_code == 2);
  CHECK(forbidden.err.find("(403): the incremental export is for admins") != std::string::npos);
  CHECK(agent.requests().empty());
}

TEST_CASE("connectors: a Zendesk dry run reads the export and keeps nothing", "[integration]") {
  FakeZendesk zendesk;
  Agency agency(zendesk.url());
  auto dry = agency.sync({"--dry-run"});
  CHECK(dry["requests_opened"] == 4);
  CHECK(dry["hours_added"] == 1);
  CHECK(agency.requests().empty());
  CHECK(agency.hours().empty());
  // No cursor was kept: the real sync reads everything.
  auto real = agency.sync();
  CHECK(real["requests_opened"] == 4);
  CHECK(real["hours_added"] == 1);
}

TEST_CASE("connectors: an organization added to a Zendesk connector is read from the start", "[integration]") {
  FakeZendesk zendesk;
  Agency agency(zendesk.url());
  const auto full_inventory = tma::test::read_file(agency.inventory);
  const std::string bistro_line = "      360001234567: bistro\n";
  auto acme_only = full_inventory;
  acme_only.erase(acme_only.find(bistro_line), bistro_line.size());
  agency.dir.write("sites.yaml", acme_only);
  CHECK(agency.sync()["requests_opened"] == 3);
  CHECK(agency.sync()["issues_read"] == 0); // the cursor goes on
  // The earlier cursor passed the Bistro's ticket over: it does not cover the new organization.
  agency.dir.write("sites.yaml", full_inventory);
  auto widened = agency.sync();
  CHECK(widened["issues_read"] == 4);
  CHECK(widened["requests_opened"] == 1);
  CHECK(by_external(agency.requests(), "id", "4294967297")["client"] == "bistro");
  CHECK(agency.sync()["issues_read"] == 0);
}

// --- export: incidents -> tickets, follow-ups -> comments, hours -> Time Tracking fields -------------

namespace {

const std::string k_export_settings = "    time_fields: {total: 360028226391, last_update: 360028226411}\n"
                                      "    export_incidents: true\n    export_hours: true\n";

/// The fixture's tickets that tma created (external_id `tma-…`).
std::vector<json> tma_tickets(const FakeZendesk& zendesk) {
  std::vector<json> out;
  const auto state = zendesk.state(); // kept: the loop reads into it
  for (const auto& t : state["tickets"]) {
    if (t["external_id"].is_string() && t["external_id"].get<std::string>().rfind("tma-", 0) == 0) out.push_back(t);
  }
  return out;
}

/// The comments of ticket `id` in the fixture's audits that carry a tma marker.
std::vector<json> marked_comments(const FakeZendesk& zendesk, long long id) {
  std::vector<json> out;
  const auto state = zendesk.state();
  for (const auto& audit : state["audits"]) {
    if (audit["ticket_id"] != id) continue;
    for (const auto& e : audit["events"]) {
      if (e["type"] == "Comment" && e["body"].get<std::string>().find("[tma:") != std::string::npos) out.push_back(e);
    }
  }
  return out;
}

json ticket_with_id(const FakeZendesk& zendesk, long long id) {
  const auto state = zendesk.state();
  for (const auto& t : state["tickets"]) {
    if (t["id"] == id) return t;
  }
  FAIL("no ticket " << id);
  return {};
}

std::string first_incident(const Agency& agency) {
  return json::parse(agency.tma({"incident", "list", "--format", "json"}).out)["incidents"][0]["id"].get<std::string>();
}

std::size_t writes(const FakeZendesk& zendesk) {
  return zendesk.logged(R"("method": "POST")") + zendesk.logged(R"("method": "PUT")");
}

} // namespace

TEST_CASE("connectors: incidents reach Zendesk once as tickets found again by external_id after a kill",
          "[integration][connectors][zendesk]") {
  FakeZendesk zendesk;
  Agency agency(zendesk.url(), k_email, k_export_settings);
  REQUIRE(agency.sync()["requests_opened"] == 4);

  // Created, then tma is killed before it records that: the next sync finds the ticket by its
  // external_id instead of creating a second one, and never imports it as a client's request.
  REQUIRE(agency.tma({"incident", "open", "--site", "acme-www", "--severity", "critical", "Checkout is down"}).exit_code == 0);
  CHECK(agency.tma({"connectors", "sync"}, {{"TMA_TEST_KILL_AFTER_REMOTE_WRITE", "create"}}).exit_code == 128 + 9);
  REQUIRE(tma_tickets(zendesk).size() == 1);
  auto after_kill = agency.sync();
  CHECK(after_kill["issues_created"] == 0);
  CHECK(after_kill["found_by_marker"] == 1);
  zendesk.advance(120); // the incremental export shows the new ticket after a minute
  auto idle = agency.sync();
  CHECK(idle["issues_created"] == 0);
  CHECK(idle["issues_changed"] == 0);
  CHECK(idle["requests_opened"] == 0);
  CHECK(agency.requests().size() == 4);
  auto created = tma_tickets(zendesk);
  REQUIRE(created.size() == 1);
  CHECK(created[0]["priority"] == "urgent"); // critical
  CHECK(created[0]["type"] == "incident");
  CHECK(created[0]["organization_id"] == 509974);
  CHECK(created[0]["subject"].get<std::string>().rfind("[INC-", 0) == 0);
  CHECK(created[0]["description"].get<std::string>().find("[tma:") != std::string::npos);
  CHECK(created[0]["is_public"] == false); // an internal note unless public_comments
  CHECK(zendesk.logged("\"Idempotency-Key\": \"tma-") == 1);
  const auto ticket = created[0]["id"].get<long long>();

  // A note, then the resolution: comments (private by default) ending with the marker, the
  // resolution setting `solved` in the same update. Pushed once.
  const auto incident = first_incident(agency);
  REQUIRE(agency.tma({"incident", "note", incident, "php-fpm is restarting in a loop"}).exit_code == 0);
  REQUIRE(agency.tma({"incident", "resolve", incident, "--cause", "php-fpm restarted"}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 2);
  CHECK(agency.sync()["issues_changed"] == 0);
  CHECK(ticket_with_id(zendesk, ticket)["status"] == "solved");
  auto comments = marked_comments(zendesk, ticket);
  REQUIRE(comments.size() == 3);
  CHECK(comments[1]["body"].get<std::string>().find("php-fpm is restarting in a loop\n\n[tma:") == 0);
  CHECK(comments[2]["body"].get<std::string>().find("Resolved: php-fpm restarted") == 0);
  for (const auto& c : comments) CHECK(c["public"] == false);
}

TEST_CASE("connectors: hours pushed to Zendesk's Time Tracking fields once under a lost answer and never imported back",
          "[integration][connectors][zendesk]") {
  FakeZendesk zendesk;
  Agency agency(zendesk.url(), k_email, k_export_settings);
  REQUIRE(agency.sync()["hours_added"] == 1); // 35436's 1800 s
  auto checkout = by_external(agency.requests(), "id", "35436");
  REQUIRE(agency.tma({"hours", "log", "--site", "acme-www", "1h30", "mailer fixed", "--request",
                      checkout["id"].get<std::string>()}).exit_code == 0);
  REQUIRE(agency.tma({"hours", "log", "--site", "acme-www", "45m", "monthly checks"}).exit_code == 0);

  // The write takes effect, the answer is a 503: the next sync finds the marker and adds nothing.
  zendesk.call(HttpMethod::post, "/__lab/faults", {{"fail_after_write", 1}}, 200);
  auto lost = agency.tma({"connectors", "sync"});
  CHECK(lost.exit_code != 0);
  auto found = agency.sync();
  CHECK(found["found_by_marker"] == 1);
  CHECK(found["hours_pushed"] == 0);
  CHECK(found["warnings"].dump().find("are on no Zendesk ticket") != std::string::npos); // the 45 m
  auto t = ticket_with_id(zendesk, 35436);
  CHECK(t["custom_fields"]["360028226391"] == "7200"); // 1800 + 5400
  CHECK(t["custom_fields"]["360028226411"] == "5400");
  auto comments = marked_comments(zendesk, 35436);
  REQUIRE(comments.size() == 1);
  CHECK(comments[0]["public"] == false);
  CHECK(comments[0]["body"].get<std::string>().find("mailer fixed") != std::string::npos);
  CHECK(zendesk.logged(R"(safe_update\":true)") == 1);

  // The ticket's new total comes back through the export: tma's 5400 s are not imported as hours.
  zendesk.advance(120);
  auto again = agency.sync();
  CHECK(again["hours_pushed"] == 0);
  CHECK(again["hours_added"] == 0);
  CHECK(again["hours_changed"] == 0);
  CHECK(again["hours_withdrawn"] == 0);
  CHECK(agency.hours().size() == 3); // imported 1800 s, and the two logged in tma
}

TEST_CASE("connectors: a closed Zendesk ticket takes no follow-up and public_comments makes them public",
          "[integration][connectors][zendesk]") {
  FakeZendesk zendesk;
  Agency agency(zendesk.url(), k_email, k_export_settings + "    public_comments: true\n");
  REQUIRE(agency.tma({"incident", "open", "--site", "acme-www", "--severity", "minor", "Slow search"}).exit_code == 0);
  CHECK(agency.sync()["issues_created"] == 1);
  auto created = tma_tickets(zendesk);
  REQUIRE(created.size() == 1);
  CHECK(created[0]["priority"] == "normal"); // minor
  CHECK(created[0]["is_public"] == true);
  const auto ticket = created[0]["id"].get<long long>();
  const auto incident = first_incident(agency);
  REQUIRE(agency.tma({"incident", "note", incident, "index rebuilt"}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 1);
  REQUIRE(marked_comments(zendesk, ticket).size() == 2);
  CHECK(marked_comments(zendesk, ticket)[1]["public"] == true);

  // Closed in Zendesk: the resolution is said in a warning and not tried again; hours on a closed
  // ticket's request are not pushed.
  zendesk.call(HttpMethod::put, fmt::format("/api/v2/tickets/{}.json", ticket), {{"ticket", {{"status", "closed"}}}}, 200);
  REQUIRE(agency.tma({"incident", "resolve", incident}).exit_code == 0);
  auto refused = agency.sync();
  CHECK(refused["issues_changed"] == 0);
  CHECK(refused["warnings"].dump().find(fmt::format("ticket {} is closed in Zendesk", ticket)) != std::string::npos);
  auto old = by_external(agency.requests(), "id", "35438"); // closed
  REQUIRE(agency.tma({"hours", "log", "--site", "acme-www", "30m", "late question", "--request",
                      old["id"].get<std::string>()}).exit_code == 0);
  auto next = agency.sync();
  CHECK(next["hours_pushed"] == 0);
  CHECK(next["warnings"].dump().find("closed in Zendesk: a closed ticket takes no more time") != std::string::npos);
  CHECK(marked_comments(zendesk, ticket).size() == 2);
  CHECK(marked_comments(zendesk, 35438).empty());
}

TEST_CASE("connectors: a Zendesk export dry run writes nothing and ids above 2^32 go through",
          "[integration][connectors][zendesk]") {
  // Tickets created from now on get ids above 2^40; the Bistro's ticket is 4294967297.
  FakeZendesk zendesk({}, R"({"next_ids": {"ticket": 5000000000001}})");
  Agency agency(zendesk.url(), k_email, k_export_settings);
  REQUIRE(agency.sync()["requests_opened"] == 4);
  REQUIRE(agency.tma({"incident", "open", "--site", "acme-www", "--severity", "major", "Cart empty"}).exit_code == 0);
  auto bistro = by_external(agency.requests(), "id", "4294967297");
  REQUIRE(agency.tma({"hours", "log", "--client", "bistro", "2h", "menu cache", "--request",
                      bistro["id"].get<std::string>()}).exit_code == 0);
  const auto before = writes(zendesk);
  auto dry = agency.sync({"--dry-run"});
  CHECK(dry["planned"].dump().find("create an issue in 509974") != std::string::npos);
  CHECK(dry["planned"].dump().find("(bistro) to 360001234567") != std::string::npos);
  CHECK(writes(zendesk) == before);
  CHECK(tma_tickets(zendesk).empty());

  auto real = agency.sync();
  CHECK(real["issues_created"] == 1);
  CHECK(real["hours_pushed"] == 1);
  auto created = tma_tickets(zendesk);
  REQUIRE(created.size() == 1);
  CHECK(created[0]["id"] == 5000000000001LL);
  CHECK(created[0]["priority"] == "high"); // major
  CHECK(ticket_with_id(zendesk, 4294967297LL)["custom_fields"]["360028226391"] == "7200");
  REQUIRE(agency.tma({"incident", "note", first_incident(agency), "cache cleared"}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 1);
  CHECK(marked_comments(zendesk, 5000000000001LL).size() == 2);
  auto journal = agency.tma({"journal", "--format", "json", "--limit", "1000"});
  CHECK(journal.out.find("5000000000001") != std::string::npos);
}

TEST_CASE("connectors: the Zendesk mapping check names unknown organizations and time fields at their line",
          "[integration][connectors][zendesk]") {
  FakeZendesk zendesk;
  tma::inventory::Connector connector;
  connector.name = "zd";
  connector.type = "zendesk";
  connector.url = zendesk.url();
  connector.email = k_email;
  connector.mark = {"sites.yaml", 20, 3};
  connector.projects = {{"509974", "acme", "", "", {"sites.yaml", 22, 7}},
                        {"360001234568", "bistro", "", "", {"sites.yaml", 23, 7}}};
  connector.time_total_field = "360028226391";
  connector.time_last_update_field = "360099887766"; // the Site field: text, not seconds
  tma::transport::CurlHttpClient http;
  tma::connectors::ZendeskApi api(connector, k_token, http);
  tma::connectors::MappingCheck check;
  REQUIRE(tma::connectors::check_zendesk(connector, api, check));
  REQUIRE(check.problems.size() == 2);
  CHECK(check.problems[0].key == "connectors.zd.projects.360001234568");
  CHECK(check.problems[0].mark.line == 23);
  CHECK(check.problems[0].message.find("Zendesk has no organization 360001234568") != std::string::npos);
  CHECK(check.problems[1].key == "connectors.zd.time_fields.last_update");
  CHECK(check.problems[1].message.find("of type 'text'") != std::string::npos);
  CHECK(writes(zendesk) == 0);

  connector.projects.pop_back();
  connector.time_last_update_field = "360028226411";
  tma::connectors::MappingCheck fine;
  REQUIRE(tma::connectors::check_zendesk(connector, api, fine));
  CHECK(fine.problems.empty());

  tma::connectors::ZendeskApi refused(connector, "wrong-token", http);
  tma::connectors::MappingCheck failed;
  auto error = tma::connectors::check_zendesk(connector, refused, failed);
  REQUIRE_FALSE(error);
  CHECK(error.error().message.find("(401)") != std::string::npos);

  // What `tma inventory check --connectors` calls: Zendesk is asked, not passed over.
  connector.api_key.value = k_token;
  auto entry = tma::connectors::check_mapping(connector, http);
  CHECK(entry.not_checked.empty());
  CHECK_FALSE(entry.error);
  CHECK(entry.problems.empty());
  CHECK(entry.http_requests >= 3);
}
