// `tma connectors sync` against the strict Trello fixture (tests/lab/ticketing_server.py --api
// trello, built from the reference's §2): cards of the mapped board become requests; later syncs read
// the board's actions since the cursor (paged back with `before`) and follow moves, archiving and
// deletions; Trello's 429 (JSON body, no Retry-After) is waited for; a wrong token fails clearly
// without quoting it; the key and the token never travel in a URL.
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

constexpr const char* k_key = "0123456789abcdef0123456789abcdef";
const std::string k_token = "ATTA" + std::string(52, '0') + "c0ffee01";
constexpr const char* k_board = "665f0bff9b1e4a00123aa000";
constexpr const char* k_core_card = "665f0c2a9b1e4a00123abc01";  // "Update WordPress core", Doing, urgent
constexpr const char* k_tls_card = "665f0c309b1e4a00123abc02";   // "Renew TLS certificate", To Do
constexpr const char* k_done_list = "665f0bff9b1e4a00123aa003";

/// The fake Trello, with the key and token (in the OAuth header) for the test's own calls.
struct FakeTrello : tma::test::FakeTicketing {
  explicit FakeTrello(std::vector<std::string> extra = {}) : FakeTicketing("trello", std::move(extra)) {
    authorize = [](tma::transport::HttpRequest& r) {
      r.headers.emplace_back("Authorization",
                             fmt::format(R"(OAuth oauth_consumer_key="{}", oauth_token="{}")", k_key, k_token));
    };
  }
  /// A call to the API or to /__lab/, required to answer `expect`.
  json call(HttpMethod method, const std::string& path, const json& body = nullptr, long expect = 200) const {
    return FakeTicketing::call(method, path, body, expect);
  }
};

struct Agency : tma::test::TicketingAgency {
  explicit Agency(const std::string& url)
      : TicketingAgency(fmt::format(R"(version: 1
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
  trello:
    type: trello
    url: {}
    key: ${{TRELLO_KEY}}
    token: ${{TRELLO_TOKEN}}
    projects:
      {}: {{client: acme, site: acme-www}}
    lists: {{Doing: in_progress}}
    labels: {{low: low}}
)",
                                                    url, k_board),
                        {{"TRELLO_KEY", k_key}, {"TRELLO_TOKEN", k_token}}) {}
};

json by_card(const json& list, const std::string& id) {
  for (const auto& item : list) {
    if (item.contains("external") && item["external"].is_object() && item["external"].value("id", "") == id) return item;
  }
  FAIL("no request for card " << id << " in " << list.dump());
  return {};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(what, at)) != std::string::npos; ++at) ++n;
  return n;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    if (end > start) out.push_back(text.substr(start, end - start));
  }
  return out;
}

} // namespace

TEST_CASE("connectors: Trello cards come in and later moves archives and deletions follow", "[integration]") {
  FakeTrello trello;
  Agency agency(trello.url());

  // A dry run reads the board and keeps nothing.
  auto dry = agency.tma({"connectors", "sync", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("trello (dry run): 2 cards read: 2 requests opened, 0 updated") == 0);
  CHECK(agency.requests().empty());

  // The default data: two cards on "ACME maintenance", a second board not shared with the token.
  auto first = agency.sync();
  CHECK(first["status"] == "ok");
  CHECK(first["issues_read"] == 2);
  CHECK(first["requests_opened"] == 2);
  auto requests = agency.requests();
  REQUIRE(requests.size() == 2);
  auto core_update = by_card(requests, k_core_card);
  CHECK(core_update["title"] == "Update WordPress core to 6.5.4");
  CHECK(core_update["priority"] == "urgent"); // the label "urgent"
  CHECK(core_update["status"] == "in_progress");
  CHECK(core_update["client"] == "acme");
  CHECK(core_update["site"] == "acme-www");
  CHECK(core_update["due"] == "2025-06-05"); // 16:00 UTC, in Paris
  CHECK(core_update["opened_at"] == "2024-06-04T12:44:26Z"); // the card id's time
  auto shortlink = trello.call(HttpMethod::get, fmt::format("/1/cards/{}?fields=shortLink", k_core_card))["shortLink"];
  CHECK(core_update["external"]["url"] == "https://trello.com/c/" + shortlink.get<std::string>());
  auto tls = by_card(requests, k_tls_card);
  CHECK(tls["status"] == "new");
  CHECK(tls["priority"] == "normal");

  // Nothing changed: the board's actions since the cursor are empty, no card is fetched.
  auto text = agency.tma({"connectors", "sync"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("trello: 0 cards read: 0 requests opened, 0 updated") == 0);

  // In Trello: the core update moves to Done, the TLS card is archived, a new card is made and
  // deleted, and a comment is written (it changes nothing tma imports).
  trello.call(HttpMethod::put, fmt::format("/1/cards/{}", k_core_card), {{"idList", k_done_list}});
  trello.call(HttpMethod::put, fmt::format("/1/cards/{}", k_tls_card), {{"closed", true}});
  trello.call(HttpMethod::post, fmt::format("/1/cards/{}/actions/comments", k_core_card), {{"text", "done, thanks"}});
  auto third = agency.sync();
  CHECK(third["issues_read"] == 2);
  CHECK(third["requests_updated"] == 2);
  requests = agency.requests();
  CHECK(by_card(requests, k_core_card)["status"] == "resolved");
  CHECK(by_card(requests, k_tls_card)["status"] == "closed");

  // A card made then deleted in Trello closes its request.
  auto made = trello.call(HttpMethod::post, "/1/cards",
                          {{"idList", "665f0bff9b1e4a00123aa001"}, {"name", "Add a cookie banner"}});
  const auto made_id = made["id"].get<std::string>();
  CHECK(agency.sync()["requests_opened"] == 1);
  CHECK(by_card(agency.requests(), made_id)["status"] == "new");
  tma::test::run_program({"curl", "-s", "-o", "/dev/null", "-X", "DELETE", "-H",
                          fmt::format(R"(Authorization: OAuth oauth_consumer_key="{}", oauth_token="{}")", k_key, k_token),
                          trello.url("/1/cards/" + made_id)});
  auto after_delete = agency.sync();
  CHECK(after_delete["requests_updated"] == 1);
  CHECK(by_card(agency.requests(), made_id)["status"] == "closed");

  // Neither secret travelled in a URL, nor reached the journal.
  std::size_t lines = 0;
  for (const auto& line : split_lines(trello.requests_log())) {
    auto request = json::parse(line);
    const auto where = request["path"].get<std::string>() + "?" + request["query"].get<std::string>();
    CHECK(where.find(k_key) == std::string::npos);
    CHECK(where.find(k_token) == std::string::npos);
    ++lines;
  }
  CHECK(lines > 10);
  auto journal = agency.tma({"journal", "--format", "json", "--limit", "1000"});
  REQUIRE(journal.exit_code == 0);
  CHECK(journal.out.find(k_token) == std::string::npos);
  CHECK(journal.out.find(k_key) == std::string::npos);

  // A wrong (revoked) token fails the connector (bit 2) and says what to fix, without quoting it.
  const std::string revoked = "ATTA" + std::string(52, '0') + "c0ffee03";
  auto wrong = agency.tma({"connectors", "sync"}, {{"TRELLO_TOKEN", revoked}});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("Trello refused the token (401 invalid token): check connectors.trello.token") !=
        std::string::npos);
  CHECK(wrong.err.find(revoked) == std::string::npos);
  CHECK(wrong.out.find(revoked) == std::string::npos);
}

TEST_CASE("connectors: Trello actions are paged back with before past 1000", "[integration]") {
  FakeTrello trello;
  Agency agency(trello.url());
  CHECK(agency.sync()["requests_opened"] == 2);
  // 1200 actions since the cursor.
  auto state = trello.call(HttpMethod::get, "/__lab/state");
  std::map<std::string, json> refs;
  for (auto& card : state["cards"]) {
    if (card["id"] == k_tls_card) card["name"] = "Renew the TLS certificate";
    refs[card["id"]] = {{"id", card["id"]}, {"name", card["name"]}, {"idShort", card["idShort"]},
                        {"shortLink", card["shortLink"]}};
  }
  json board = {{"id", k_board}, {"name", "ACME maintenance"}, {"shortLink", "Bd9XyZ12"}};
  for (int i = 0; i < 1200; ++i) {
    // The change of name is the oldest action: only the second page names the TLS card; the 1199
    // newer ones move the core update card around without changing what tma imports.
    json data = {{"card", refs.at(i == 0 ? k_tls_card : k_core_card)}, {"board", board},
                 {"old", {{i == 0 ? "name" : "pos", i}}}};
    state["actions"].push_back({{"type", "updateCard"}, {"date", "now"}, {"data", data}});
  }
  trello.call(HttpMethod::put, "/__lab/state", state);
  auto second = agency.sync();
  CHECK(second["requests_updated"] == 1);
  CHECK(by_card(agency.requests(), k_tls_card)["title"] == "Renew the TLS certificate");
  auto log = trello.requests_log();
  CHECK(count(log, "&before=") == 1); // one page back
}

TEST_CASE("connectors: a Trello that rate-limits is backed off from and the sync completes", "[integration]") {
  // Three requests per 3 s window, then Trello's JSON 429 without Retry-After: tma waits (at least
  // 10 s, as Trello asks) and completes.
  FakeTrello trello({"--rate-limit", "3", "--rate-window", "3"});
  Agency agency(trello.url());
  auto first = agency.sync();
  CHECK(first["requests_opened"] == 2);
  auto log = trello.requests_log();
  CHECK(count(log, "\"status\": 429") > 0);
}
