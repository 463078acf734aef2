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

#include "connectors/trello_check.hpp"
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
      : TicketingAgency(tma::test::connector_inventory(fmt::format(R"(  trello:
    type: trello
    url: {}
    key: ${{TRELLO_KEY}}
    token: ${{TRELLO_TOKEN}}
    projects:
      {}: {{client: acme, site: acme-www}}
    lists: {{Doing: in_progress}}
    labels: {{low: low}}
)",
                                                    url, k_board)),
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

// --- export: tma's incidents -> cards ----------------------------------------------------------

namespace {

constexpr const char* k_todo_list = "665f0bff9b1e4a00123aa001";

/// An agency whose Trello connector also exports incidents: cards in To Do, resolved ones in Done.
struct ExportAgency : tma::test::TicketingAgency {
  explicit ExportAgency(const std::string& url, const std::string& extra = "")
      : TicketingAgency(tma::test::connector_inventory(fmt::format(R"(  trello:
    type: trello
    url: {}
    key: ${{TRELLO_KEY}}
    token: ${{TRELLO_TOKEN}}
    projects:
      {}: {{client: acme, site: acme-www}}
    lists: {{To Do: new, Doing: in_progress, Done: resolved}}
    export_incidents: true
{}
)",
                                    url, k_board, extra)),
                        {{"TRELLO_KEY", k_key}, {"TRELLO_TOKEN", k_token}}) {}

  /// Open an incident on acme-www; its id.
  std::string open(const std::string& severity, const std::string& title) const {
    auto opened = tma({"incident", "open", "--site", "acme-www", "--severity", severity, title});
    REQUIRE(opened.exit_code == 0);
    const auto listed = json::parse(tma({"incident", "list", "--format", "json"}).out);
    for (const auto& i : listed["incidents"]) {
      if (i["title"] == title) return i["id"].get<std::string>();
    }
    FAIL("no incident " << title);
    return {};
  }
};

/// The cards of the fixture whose name contains `title`.
std::vector<json> cards_about(const FakeTrello& trello, const std::string& title) {
  std::vector<json> out;
  const auto state = trello.state();
  for (const auto& card : state["cards"]) {
    if (card["name"].get<std::string>().find(title) != std::string::npos) out.push_back(card);
  }
  return out;
}

/// The texts of the comments on card `id`, oldest first.
std::vector<std::string> comments_on(const FakeTrello& trello, const std::string& id) {
  std::vector<std::string> out;
  const auto state = trello.state();
  for (const auto& action : state["actions"]) {
    if (action["type"] == "commentCard" && action["data"]["card"]["id"] == id) out.push_back(action["data"]["text"].get<std::string>());
  }
  return out;
}

/// How many requests of the fixture's log were `method` (and to a path starting with `path`).
std::size_t requests_of(const FakeTrello& trello, const std::string& method, const std::string& path = "") {
  std::size_t n = 0;
  for (const auto& line : split_lines(trello.requests_log())) {
    auto request = json::parse(line);
    if (request["method"] == method && request["path"].get<std::string>().rfind(path, 0) == 0) ++n;
  }
  return n;
}

bool ends_with_marker(const std::string& text) {
  static const std::string prefix = "[tma:";
  const auto at = text.rfind(prefix);
  return at != std::string::npos && text.back() == ']' && text.find('\n', at) == std::string::npos;
}

} // namespace

TEST_CASE("connectors: Trello incidents become cards once each and follow-ups comments and moves",
          "[integration][connectors][trello]") {
  FakeTrello trello;
  ExportAgency agency(trello.url());
  REQUIRE(agency.sync()["requests_opened"] == 2);

  // Created, then tma is killed before it records that: the next sync finds the card by its marker
  // instead of creating a second one, and does not import it as a request.
  const auto incident = agency.open("critical", "Checkout is down");
  CHECK(agency.tma({"connectors", "sync"}, {{"TMA_TEST_KILL_AFTER_REMOTE_WRITE", "create"}}).exit_code == 128 + 9);
  REQUIRE(cards_about(trello, "Checkout is down").size() == 1);
  auto after_kill = agency.sync();
  CHECK(after_kill["issues_created"] == 0);
  CHECK(after_kill["found_by_marker"] == 1);
  CHECK(after_kill["requests_opened"] == 0);
  auto cards = cards_about(trello, "Checkout is down");
  REQUIRE(cards.size() == 1);
  auto card = cards[0];
  const auto card_id = card["id"].get<std::string>();
  CHECK(card["name"] == fmt::format("[{}] Checkout is down", incident));
  CHECK(card["idList"] == k_todo_list);
  CHECK(ends_with_marker(card["desc"].get<std::string>()));
  REQUIRE(card["idLabels"].size() == 1); // critical: the label "urgent"
  CHECK(card["idLabels"][0] == trello.call(HttpMethod::get, fmt::format("/1/cards/{}?fields=labels", k_core_card))
                                   ["labels"][0]["id"]);

  // Nothing new: no write, nothing imported.
  auto quiet = agency.sync();
  CHECK(quiet["issues_created"] == 0);
  CHECK(quiet["issues_changed"] == 0);
  CHECK(quiet["requests_opened"] == 0);
  CHECK(quiet["requests_updated"] == 0);
  CHECK(agency.requests().size() == 2);

  // A note becomes a comment; the resolution a comment and a move to Done. Pushed once.
  REQUIRE(agency.tma({"incident", "note", incident, "php-fpm is restarting in a loop"}).exit_code == 0);
  REQUIRE(agency.tma({"incident", "resolve", incident, "--cause", "php-fpm restarted"}).exit_code == 0);
  CHECK(agency.sync()["issues_changed"] == 2);
  auto settled = agency.sync();
  CHECK(settled["issues_changed"] == 0);
  CHECK(settled["requests_opened"] == 0);
  CHECK(cards_about(trello, "Checkout is down")[0]["idList"] == k_done_list);
  auto comments = comments_on(trello, card_id);
  REQUIRE(comments.size() == 2);
  CHECK(comments[0].find("php-fpm is restarting in a loop") == 0);
  CHECK(comments[1].find("Resolved: php-fpm restarted") == 0);
  CHECK(ends_with_marker(comments[0]));
  CHECK(ends_with_marker(comments[1]));
  CHECK(agency.requests().size() == 2);
}

TEST_CASE("connectors: a Trello create answered 503 after it took effect is found by its marker",
          "[integration][connectors][trello]") {
  FakeTrello trello;
  ExportAgency agency(trello.url(), "    import_issues: false");
  agency.open("major", "Mail is slow");
  trello.call(HttpMethod::post, "/__lab/faults", {{"fail_after_write", 1}});
  auto failed = agency.tma({"connectors", "sync"});
  CHECK(failed.exit_code != 0);
  REQUIRE(cards_about(trello, "Mail is slow").size() == 1);
  auto next = agency.sync();
  CHECK(next["found_by_marker"] == 1);
  CHECK(next["issues_created"] == 0);
  CHECK(cards_about(trello, "Mail is slow").size() == 1);
  CHECK(requests_of(trello, "POST", "/1/cards") == 1);
}

TEST_CASE("connectors: a Trello resolution stopped between its comment and its move is completed",
          "[integration][connectors][trello]") {
  FakeTrello trello;
  ExportAgency agency(trello.url(), "    import_issues: false");
  const auto incident = agency.open("minor", "Search is slow");
  CHECK(agency.sync()["issues_created"] == 1);
  const auto card_id = cards_about(trello, "Search is slow")[0]["id"].get<std::string>();
  REQUIRE(agency.tma({"incident", "resolve", incident, "--cause", "index rebuilt"}).exit_code == 0);
  // The comment is written, then Trello answers 503: the move is not made.
  trello.call(HttpMethod::post, "/__lab/faults", {{"fail_after_write", 1}});
  CHECK(agency.tma({"connectors", "sync"}).exit_code != 0);
  CHECK(comments_on(trello, card_id).size() == 1);
  CHECK(cards_about(trello, "Search is slow")[0]["idList"] == k_todo_list);
  // The next sync finds the comment and makes the move alone.
  auto next = agency.sync();
  CHECK(next["issues_changed"] == 1);
  CHECK(cards_about(trello, "Search is slow")[0]["idList"] == k_done_list);
  CHECK(comments_on(trello, card_id).size() == 1);
  CHECK(requests_of(trello, "POST", "/1/cards/" + card_id + "/actions/comments") == 1);
  CHECK(agency.sync()["issues_changed"] == 0);
}

TEST_CASE("connectors: a Trello card deleted by hand takes no follow-up and is said once",
          "[integration][connectors][trello]") {
  FakeTrello trello;
  ExportAgency agency(trello.url());
  const auto incident = agency.open("major", "Backups fail");
  CHECK(agency.sync()["issues_created"] == 1);
  const auto card_id = cards_about(trello, "Backups fail")[0]["id"].get<std::string>();
  tma::test::run_program({"curl", "-s", "-o", "/dev/null", "-X", "DELETE", "-H",
                          fmt::format(R"(Authorization: OAuth oauth_consumer_key="{}", oauth_token="{}")", k_key, k_token),
                          trello.url("/1/cards/" + card_id)});
  REQUIRE(agency.tma({"incident", "note", incident, "disk full"}).exit_code == 0);
  auto synced = agency.sync();
  CHECK(synced["issues_changed"] == 0);
  CHECK(synced["warnings"].dump().find("no longer exists in Trello") != std::string::npos);
  auto again = agency.sync();
  CHECK(again["warnings"].dump().find("no longer exists") == std::string::npos);
  CHECK(requests_of(trello, "POST", "/1/cards/" + card_id) == 1);
}

TEST_CASE("connectors: a Trello dry run plans the export and writes nothing", "[integration][connectors][trello]") {
  FakeTrello trello;
  ExportAgency agency(trello.url());
  agency.open("critical", "Checkout is down");
  auto dry = agency.tma({"connectors", "sync", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("create an issue in " + std::string(k_board)) != std::string::npos);
  CHECK(requests_of(trello, "POST") == 0);
  CHECK(requests_of(trello, "PUT") == 0);
  CHECK(cards_about(trello, "Checkout is down").empty());
}

TEST_CASE("connectors: a Trello card create refused with 429 is sent again after the wait",
          "[integration][connectors][trello]") {
  FakeTrello trello;
  ExportAgency agency(trello.url(), "    import_issues: false");
  agency.open("major", "Cron stopped");
  // Three requests per 5 s: /members/me, the board's lists and labels pass, the create is refused
  // (Trello's JSON 429), waited for, and sent again once.
  trello.call(HttpMethod::post, "/__lab/faults", {{"rate_limit", 3}, {"rate_window", 5}});
  auto synced = agency.sync();
  CHECK(synced["issues_created"] == 1);
  CHECK(cards_about(trello, "Cron stopped").size() == 1);
  std::size_t refused_posts = 0;
  for (const auto& line : split_lines(trello.requests_log())) {
    auto request = json::parse(line);
    if (request["method"] == "POST" && request["status"] == 429) ++refused_posts;
  }
  CHECK(refused_posts == 1);
  CHECK(requests_of(trello, "POST", "/1/cards") == 2);
}

TEST_CASE("connectors: the Trello mapping check names the boards lists and labels Trello does not have",
          "[integration][connectors][trello]") {
  FakeTrello trello;
  tma::transport::CurlHttpClient http;
  tma::inventory::Connector connector;
  connector.name = "trello";
  connector.type = "trello";
  connector.url = trello.url();
  connector.export_incidents = true;
  connector.incident_list = "To Do";
  connector.done_list = k_done_list;
  connector.lists = {{"Doing", "in_progress"}, {"Done", "resolved"}};
  connector.labels = {{"urgent", "urgent"}};
  tma::inventory::ConnectorProject board;
  board.project = k_board;
  board.client = "acme";
  board.mark.line = 12;
  connector.projects = {board};
  connector.mark.line = 9;

  const auto check = [&](const tma::inventory::Connector& c) {
    tma::connectors::TrelloApi api(c, k_key, k_token, http);
    tma::connectors::MappingCheck out;
    auto done = tma::connectors::check_trello(c, api, out);
    REQUIRE(done);
    std::map<std::string, std::string> by_key;
    for (const auto& p : out.problems) by_key[p.key] = p.message;
    return by_key;
  };
  const auto before = requests_of(trello, "GET");
  CHECK(check(connector).empty());
  CHECK(requests_of(trello, "GET") > before);

  // A board not shared with the token, a list of another board, a list name and a label the board
  // does not have.
  auto wrong = connector;
  wrong.incident_list = "Backlog";
  wrong.done_list = "665f0bff9b1e4a00123aa999";
  wrong.lists["Recette"] = "in_progress";
  wrong.labels["P1"] = "urgent";
  auto unshared = board;
  unshared.project = "665f0bff9b1e4a00123ab000";
  unshared.mark.line = 13;
  wrong.projects.push_back(unshared);
  auto problems = check(wrong);
  INFO(fmt::format("{}", nlohmann::json(problems).dump()));
  CHECK(problems["connectors.trello.incident_list"] == fmt::format("board {} has no open list named 'Backlog'", k_board));
  CHECK(problems["connectors.trello.done_list"] ==
        fmt::format("the list 665f0bff9b1e4a00123aa999 is not a list of board {}", k_board));
  CHECK(problems["connectors.trello.projects.665f0bff9b1e4a00123ab000"] ==
        "Trello has no board 665f0bff9b1e4a00123ab000, or it is not shared with the token's member");
  CHECK(problems["connectors.trello.lists.Recette"] == "no mapped board has a list 'Recette'");
  CHECK(problems["connectors.trello.labels.P1"] == "no mapped board has a label 'P1'");
  CHECK(problems.size() == 5);
  // What `tma inventory check --connectors` calls: Trello is asked, with the key and token resolved.
  wrong.trello_key.value = k_key;
  wrong.api_key.value = k_token;
  auto entry = tma::connectors::check_mapping(wrong, http);
  CHECK(entry.not_checked.empty());
  CHECK_FALSE(entry.error);
  CHECK(entry.problems.size() == 5);
  // Only GETs.
  CHECK(requests_of(trello, "POST") == 0);
  CHECK(requests_of(trello, "PUT") == 0);
}
