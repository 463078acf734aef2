// Trello's cards in tma's vocabulary (connectors/trello_mapping.hpp, trello_api.hpp): creation times
// from ObjectIds, cards as the fixture and the reference give them, list and label mappings, error
// messages for Trello's text bodies, the `connectors:` keys of a Trello connector, and that neither
// the API key nor the token reaches a URL or a message.
#include <catch2/catch.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/connectors/sync.hpp>
#include <tma/connectors/trello_api.hpp>
#include <tma/connectors/trello_mapping.hpp>
#include <tma/core/redact.hpp>
#include <tma/transport/secret.hpp>

#include "support/inventory_text.hpp"

using namespace tma;
using namespace tma::connectors;
using nlohmann::json;

namespace {

constexpr const char* k_key = "0123456789abcdef0123456789abcdef";
constexpr const char* k_token = "ATTA00000000000000000000000000000000000000000000000000009a7b3c01";

core::SysSeconds utc(const char* text) { return *core::parse_rfc3339(text); }

json card_json() {
  return json::parse(R"({"id": "665f0c2a9b1e4a00123abc01", "name": "Update WordPress core to 6.5.4",
    "idBoard": "665f0bff9b1e4a00123aa000", "idList": "665f0bff9b1e4a00123aa002", "closed": false,
    "labels": [{"id": "665f0bff9b1e4a00123aa101", "name": "urgent", "color": "red"},
               {"id": "665f0bff9b1e4a00123aa103", "name": "", "color": "blue"},
               {"id": "665f0bff9b1e4a00123aa104", "name": "Plugin", "color": "green"}],
    "members": [{"id": "5b02e7f4e1facdc393169f9d", "fullName": "Nadia Ortiz", "username": "nadiaortiz"},
                {"id": "5b02e7f4e1facdc393169fa0", "fullName": "", "username": "someoneelse"}],
    "due": "2025-06-05T23:00:00.000Z", "dateLastActivity": "2025-06-03T15:42:10.512Z",
    "shortUrl": "https://trello.com/c/Xy12AbCd"})");
}

inventory::Connector trello_connector() {
  inventory::Connector c;
  c.name = "trello";
  c.type = "trello";
  c.url = "https://api.trello.com";
  c.lists = {{"Doing", "in_progress"}, {"Attente client", "waiting_client"}};
  c.labels = {{"Plugin", "change"}, {"Sécurité", "security"}, {"P1", "urgent"}};
  return c;
}

/// An HttpClient that answers every request with one canned response and keeps the requests.
struct RecordingHttp final : transport::HttpClient {
  transport::HttpResponse answer;
  std::vector<transport::HttpRequest> sent;
  core::Result<transport::HttpResponse> send(const transport::HttpRequest& request) override {
    sent.push_back(request);
    return answer;
  }
};

} // namespace

TEST_CASE("trello: an ObjectId carries its creation time in its first 8 hex digits", "[connectors]") {
  // 0x665f0c2a = 1717505066 = 2024-06-04T12:44:26Z
  CHECK(trello_id_time("665f0c2a9b1e4a00123abc01").value() == utc("2024-06-04T12:44:26Z"));
  CHECK(trello_id_time("000000000000000000000000").value() == utc("1970-01-01T00:00:00Z"));
  CHECK_FALSE(trello_id_time("665F0C2A9B1E4A00123ABC01")); // Trello writes lowercase
  CHECK_FALSE(trello_id_time("665f0c2a9b1e4a00123abc0"));
  CHECK_FALSE(trello_id_time("Xy12AbCd"));
  CHECK(is_trello_id("665f0bff9b1e4a00123aa000"));
  CHECK_FALSE(is_trello_id("665f0bff9b1e4a00123aa00g"));
}

TEST_CASE("trello: a card maps to a request through its list labels and members", "[connectors]") {
  auto card = parse_trello_card(card_json());
  REQUIRE(card);
  CHECK(card->created == utc("2024-06-04T12:44:26Z"));
  CHECK(card->labels == std::vector<std::string>{"urgent", "Plugin"}); // the unnamed label is left out
  CHECK(card->members == std::vector<std::string>{"Nadia Ortiz", "someoneelse"});
  CHECK(card->last_activity == utc("2025-06-03T15:42:10Z"));

  const auto connector = trello_connector();
  inventory::ConnectorProject project{"665f0bff9b1e4a00123aa000", "acme", "www", {}};
  auto paris = core::TimeZone::load("Europe/Paris").value();
  auto r = to_request(*card, "Doing", connector, project, paris);
  CHECK(r.external.connector == "trello");
  CHECK(r.external.id == "665f0c2a9b1e4a00123abc01");
  CHECK(r.external.url == "https://trello.com/c/Xy12AbCd");
  CHECK(r.external.updated_on == "2025-06-03T15:42:10.512Z");
  CHECK(r.client == "acme");
  CHECK(r.site == "www");
  CHECK(r.title == "Update WordPress core to 6.5.4");
  CHECK(r.priority == request::Priority::urgent);
  CHECK(r.category == request::Category::change);
  CHECK(r.status == request::Status::in_progress);
  CHECK(r.assignee == "Nadia Ortiz, someoneelse");
  CHECK(r.due == core::Date{2025, 6, 6}); // 23:00 UTC is the next day in Paris
  CHECK(r.opened == utc("2024-06-04T12:44:26Z"));

  // Archived: closed whatever the list.
  auto archived = card_json();
  archived["closed"] = true;
  CHECK(to_request(*parse_trello_card(archived), "Doing", connector, project, paris).status == request::Status::closed);

  // A link that is not Trello's shape is not taken.
  auto odd = card_json();
  odd["shortUrl"] = "javascript:alert(1)";
  CHECK(parse_trello_card(odd)->short_url == "https://trello.com/c/665f0c2a9b1e4a00123abc01");

  // Malformed cards are refused, naming the field.
  auto bad = card_json();
  bad["idList"] = "../../x";
  CHECK(parse_trello_card(bad).error().message == "Trello card 665f0c2a9b1e4a00123abc01: 'idList' is missing or malformed");
  bad = card_json();
  bad["id"] = 42;
  CHECK_FALSE(parse_trello_card(bad));
  bad = card_json();
  bad["due"] = "next week";
  CHECK_FALSE(parse_trello_card(bad));
}

TEST_CASE("trello: lists give the status and labels the priority and category", "[connectors]") {
  const auto c = trello_connector();
  using request::Status;
  CHECK(map_trello_status(c, "Attente client", false) == Status::waiting_client); // mapped
  CHECK(map_trello_status(c, "To Do", false) == Status::fresh);
  CHECK(map_trello_status(c, "Backlog", false) == Status::fresh);
  CHECK(map_trello_status(c, "Doing", false) == Status::in_progress);
  CHECK(map_trello_status(c, "In review", false) == Status::in_progress);
  CHECK(map_trello_status(c, "Waiting for client", false) == Status::waiting_client);
  CHECK(map_trello_status(c, "Done", false) == Status::resolved);
  CHECK(map_trello_status(c, "Done", true) == Status::closed);
  CHECK(map_trello_status(c, "", false) == Status::fresh);

  using request::Category;
  using request::Priority;
  auto m = map_trello_labels(c, {});
  CHECK(m.priority == Priority::normal);
  CHECK(m.category == Category::question);
  m = map_trello_labels(c, {"low", "P1", "Bug", "Sécurité"}); // the highest priority, the first category
  CHECK(m.priority == Priority::urgent);
  CHECK(m.category == Category::bug);
  m = map_trello_labels(c, {"Sécurité", "high", "nothing known"});
  CHECK(m.priority == Priority::high);
  CHECK(m.category == Category::security);
  auto bare = trello_connector();
  bare.labels.clear();
  CHECK(map_trello_labels(bare, {"Plugin"}).category == Category::question);
}

TEST_CASE("trello: error messages say what to fix and quote only Trello's known phrases", "[connectors]") {
  const auto c = trello_connector();
  auto e = trello_error_for_status(c, "GET", "/members/me", 401, "invalid token");
  CHECK(e.kind == core::ErrorKind::config);
  CHECK(e.message == "connector trello: GET /members/me: Trello refused the token (401 invalid token): check "
                     "connectors.trello.token (revoked, expired, or made for another API key than connectors.trello.key)");
  CHECK(trello_error_for_status(c, "GET", "/members/me", 401, "invalid key\n").message.find(
            "Trello refused the API key (401 invalid key): check connectors.trello.key") != std::string::npos);
  e = trello_error_for_status(c, "GET", "/boards/665f0bff9b1e4a00123ab000/lists", 401,
                              "unauthorized permission requested");
  CHECK(e.message.find("(401 unauthorized permission requested): the board is not shared") != std::string::npos);
  // A body that is not one of Trello's phrases is not repeated (it could echo anything).
  e = trello_error_for_status(c, "GET", "/members/me", 401, std::string("bad token ") + k_token);
  CHECK(e.message.find(k_token) == std::string::npos);
  CHECK(e.message.find("Trello refused access (401)") != std::string::npos);
  CHECK(trello_error_for_status(c, "GET", "/boards/x", 404, "The requested resource was not found.").message.find(
            "not found (404)") != std::string::npos);
  CHECK(trello_error_for_status(c, "GET", "/boards/x/cards", 400, "invalid value for fields").message ==
        "connector trello: GET /boards/x/cards: Trello refused the request (400): invalid value for fields");
  CHECK(trello_error_for_status(c, "GET", "/x", 403, "<html>").kind == core::ErrorKind::config);
  e = trello_error_for_status(c, "GET", "/x", 429, R"({"error":"API_TOKEN_LIMIT_EXCEEDED","message":"Rate limit exceeded"})");
  CHECK(e.kind == core::ErrorKind::http);
  CHECK(e.message.find("Trello's rate limit (429 API_TOKEN_LIMIT_EXCEEDED)") != std::string::npos);
  CHECK(trello_error_for_status(c, "GET", "/x", 429, R"({"error":"<script>"})").message.find("(429)") !=
        std::string::npos);
  CHECK(trello_error_for_status(c, "GET", "/x", 502, "").kind == core::ErrorKind::http);
}

TEST_CASE("trello: the key and the token travel in a header and no message carries them", "[connectors]") {
  CHECK(is_trello_key(k_key));
  CHECK_FALSE(is_trello_key("0123456789ABCDEF0123456789ABCDEF0"));
  CHECK(is_trello_token(k_token));
  CHECK_FALSE(is_trello_token("ATTA\"x, oauth_token=\"y0000000000000000000000000000"));
  CHECK_FALSE(is_trello_token("short"));

  auto connector = trello_connector();
  connector.projects.push_back({"665f0bff9b1e4a00123aa000", "acme", "", {}});
  RecordingHttp http;
  http.answer.status = 401;
  http.answer.body = "invalid token";
  TrelloApi api(connector, k_key, k_token, http);
  auto got = api.get("/members/me", {{"fields", "username"}});
  REQUIRE_FALSE(got);
  REQUIRE(http.sent.size() == 1);
  const auto& request = http.sent[0];
  CHECK(request.url == "https://api.trello.com/1/members/me?fields=username");
  bool header = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      header = true;
      CHECK(value == fmt::format(R"(OAuth oauth_consumer_key="{}", oauth_token="{}")", k_key, k_token));
    }
  }
  CHECK(header);
  CHECK(request.retry_base_delay >= std::chrono::seconds(20)); // Trello's 429: at least 10 s, half jittered
  CHECK(got.error().message.find(k_token) == std::string::npos);
  CHECK(got.error().message.find(k_key) == std::string::npos);
}

TEST_CASE("trello: a sync with a refused token fails without quoting the key or the token", "[connectors]") {
  // Both come from the inventory as literals: registered for redaction at load.
  auto loaded = test::load_text(test::k_minimal_inventory + R"(connectors:
  board:
    type: trello
    key: ${TRELLO_KEY}
    token: ${TRELLO_TOKEN}
    projects: {665f0bff9b1e4a00123aa000: acme}
)",
                                {{"TRELLO_KEY", k_key}, {"TRELLO_TOKEN", k_token}});
  REQUIRE(loaded);
  CHECK(core::redact(std::string("k=") + k_key + " t=" + k_token) == "k=*** t=***");
  const auto& inv = loaded->inventory;
  RecordingHttp http;
  http.answer.status = 401;
  http.answer.body = "invalid token";
  journal::MemoryJournal journal;
  journal::Run run(journal, "connectors sync");
  auto zone = core::TimeZone::utc();
  auto result = sync_connector(inv, inv.connectors.at(0), journal, run, journal, http, zone, {});
  REQUIRE(result.error);
  CHECK(result.error->message.find("Trello refused the token (401 invalid token)") != std::string::npos);
  CHECK(result.error->message.find(k_token) == std::string::npos);
  CHECK(result.error->message.find(k_key) == std::string::npos);
  for (const auto& sent : http.sent) {
    CHECK(sent.url.find(k_token) == std::string::npos);
    CHECK(sent.url.find(k_key) == std::string::npos);
  }
}

TEST_CASE("trello: the inventory's Trello connector loads and its mistakes name the key", "[connectors]") {
  auto loaded = test::load_text(test::k_minimal_inventory + R"(connectors:
  board:
    type: trello
    key: 0123456789abcdef0123456789abcdef
    token_command: [pass, trello/token]
    projects:
      665f0bff9b1e4a00123aa000: {client: acme, site: www}
    lists: {Doing: in_progress, "Attente client": waiting_client}
    labels: {P1: urgent, Plugin: change}
    export_incidents: false
    import_since: 2025-01-01
)");
  REQUIRE(loaded);
  const auto& c = loaded->inventory.connectors.at(0);
  CHECK(c.type == "trello");
  CHECK(c.url == "https://api.trello.com");
  CHECK(c.trello_key.value == "0123456789abcdef0123456789abcdef");
  CHECK(c.api_key.command == std::vector<std::string>{"pass", "trello/token"});
  CHECK(c.projects.at(0).project == "665f0bff9b1e4a00123aa000");
  CHECK(c.projects.at(0).site == "www");
  CHECK(c.lists.at("Attente client") == "waiting_client");
  CHECK(c.labels.at("P1") == "urgent");
  CHECK_FALSE(c.import_time_entries); // Trello has none
  // Both are secrets for `tma inventory check --secrets` (which runs the commands).
  std::vector<std::string> secrets;
  for (const auto& named : transport::inventory_secrets(loaded->inventory)) secrets.push_back(named.key);
  CHECK(std::count(secrets.begin(), secrets.end(), "connectors.board.key") == 1);
  CHECK(std::count(secrets.begin(), secrets.end(), "connectors.board.token") == 1);

  auto errors = test::inventory_errors(test::k_minimal_inventory + R"(connectors:
  board:
    type: trello
    projects: {Bd9XyZ12: acme}
    lists: {Done: finished}
    labels: {P1: critical}
    export_incidents: true
    export_hours: true
    import_time_entries: true
    tracker: Bug
    api_key: k
)");
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("connectors.board.token: required key is missing (token or token_command)") != std::string::npos);
  CHECK(all.find("connectors.board.key: required key is missing (key or key_command") != std::string::npos);
  CHECK(all.find("sites.yaml:13:16: connectors.board.projects.Bd9XyZ12: 'Bd9XyZ12' is not a Trello board id") !=
        std::string::npos);
  CHECK(all.find("connectors.board.lists.Done:") != std::string::npos);
  CHECK(all.find("connectors.board.labels.P1:") != std::string::npos);
  CHECK(all.find("connectors.board.export_incidents: not supported for Trello yet") != std::string::npos);
  CHECK(all.find("connectors.board.export_hours: not supported for Trello yet") != std::string::npos);
  CHECK(all.find("connectors.board.import_time_entries: not supported for Trello") != std::string::npos);
  CHECK(all.find("connectors.board.tracker: a Redmine or Jira setting") != std::string::npos);
  CHECK(all.find("connectors.board.api_key: unknown key") != std::string::npos);
}
