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
  explicit Agency(const std::string& url, const std::string& email = k_email)
      : TicketingAgency(fmt::format(R"(version: 1
agency: {{name: Lab agency, timezone: Europe/Paris}}
clients:
  acme:
    contract: {{model: on_demand, rate: 90}}
  bistro:
    contract: {{model: on_demand, rate: 80}}
sites:
  acme-www:
    client: acme
    cms: static
    environments:
      prod: {{url: "https://www.acme.example"}}
connectors:
  zendesk:
    type: zendesk
    url: {}
    email: {}
    api_token: ${{ZENDESK_API_TOKEN}}
    projects:
      509974: {{client: acme, site: acme-www}}
      360001234567: bistro
    categories: {{question: change}}
    time_fields: {{total: 360028226391}}
)",
                                                    url, email),
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
