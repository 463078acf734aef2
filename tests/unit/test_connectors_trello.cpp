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
  // The export of incidents needs its two lists: `lists` maps none to new or resolved here.
  CHECK(all.find("connectors.board.incident_list: required key is missing (export_incidents") != std::string::npos);
  CHECK(all.find("connectors.board.done_list: required key is missing (export_incidents") != std::string::npos);
  CHECK(all.find("connectors.board.export_incidents:") == std::string::npos);
  CHECK(all.find("connectors.board.export_hours: not supported for Trello: Trello has no time tracking") !=
        std::string::npos);
  CHECK(all.find("connectors.board.import_time_entries: not supported for Trello") != std::string::npos);
  CHECK(all.find("connectors.board.tracker: a Redmine or Jira setting") != std::string::npos);
  CHECK(all.find("connectors.board.api_key: unknown key") != std::string::npos);
}

TEST_CASE("trello: export_incidents takes its lists from the lists mapping or from incident_list and done_list",
          "[connectors][trello]") {
  const std::string head = test::k_minimal_inventory + R"(connectors:
  board:
    type: trello
    key: 0123456789abcdef0123456789abcdef
    token: ATTA00000000000000000000000000000000000000000000000000009a7b3c01
    projects:
      665f0bff9b1e4a00123aa000: {client: acme, site: www}
    export_incidents: true
)";
  auto defaults = test::load_text(head + "    lists: {To Do: new, Doing: in_progress, Done: resolved}\n");
  REQUIRE(defaults);
  const auto& c = defaults->inventory.connectors.at(0);
  CHECK(c.export_incidents);
  CHECK_FALSE(c.export_hours);
  CHECK(c.incident_list == "To Do");
  CHECK(c.done_list == "Done");

  auto explicit_lists = test::load_text(head + "    incident_list: 665f0bff9b1e4a00123aa001\n    done_list: Shipped\n");
  REQUIRE(explicit_lists);
  CHECK(explicit_lists->inventory.connectors.at(0).incident_list == "665f0bff9b1e4a00123aa001");
  CHECK(explicit_lists->inventory.connectors.at(0).done_list == "Shipped");

  // Two lists mapped to new: which one is not guessed; the error is at the connector's line.
  auto errors = test::inventory_errors(head + "    lists: {To Do: new, Inbox: new, Done: closed}\n");
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("sites.yaml:12:5: connectors.board.incident_list: required key is missing") != std::string::npos);
  CHECK(all.find("done_list") == std::string::npos); // the one list mapped to closed
  CHECK(errors.size() == 1);

  // Without the export, the lists are neither needed nor kept.
  auto off = test::load_text(head.substr(0, head.find("    export_incidents")) + "    done_list: Done\n");
  REQUIRE(off);
  CHECK(off->inventory.connectors.at(0).done_list.empty());
}

TEST_CASE("trello: the export's lists resolve by id or by one open list's name", "[connectors][trello]") {
  const std::vector<TrelloNamed> lists{{"665f0bff9b1e4a00123aa001", "To Do", false},
                                       {"665f0bff9b1e4a00123aa003", "Done", false},
                                       {"665f0bff9b1e4a00123aa004", "Done", true},
                                       {"665f0bff9b1e4a00123aa005", "Twice", false},
                                       {"665f0bff9b1e4a00123aa006", "Twice", false}};
  const std::string board = "665f0bff9b1e4a00123aa000";
  CHECK(resolve_trello_list(lists, "665f0bff9b1e4a00123aa001", board).value() == "665f0bff9b1e4a00123aa001");
  CHECK(resolve_trello_list(lists, "Done", board).value() == "665f0bff9b1e4a00123aa003"); // the archived one is not
  auto other_board = resolve_trello_list(lists, "665f0bff9b1e4a00123aa999", board);
  REQUIRE_FALSE(other_board);
  CHECK(other_board.error().message == "the list 665f0bff9b1e4a00123aa999 is not a list of board " + board);
  auto twice = resolve_trello_list(lists, "Twice", board);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message.find("several open lists named 'Twice'") != std::string::npos);
  auto none = resolve_trello_list(lists, "Backlog", board);
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "board " + board + " has no open list named 'Backlog'");
}

TEST_CASE("trello: an incident's severity picks the label that says its priority", "[connectors][trello]") {
  CHECK(trello_priority_for(inventory::Criticality::critical) == request::Priority::urgent);
  CHECK(trello_priority_for(inventory::Criticality::major) == request::Priority::high);
  CHECK(trello_priority_for(inventory::Criticality::minor) == request::Priority::normal);
  const std::vector<TrelloNamed> labels{{"665f0bff9b1e4a00123aa101", "urgent", false},
                                        {"665f0bff9b1e4a00123aa102", "P2", false},
                                        {"665f0bff9b1e4a00123aa103", "High", false}};
  inventory::Connector connector;
  CHECK(trello_label_for(connector, request::Priority::urgent, labels) == "665f0bff9b1e4a00123aa101");
  CHECK(trello_label_for(connector, request::Priority::high, labels) == "665f0bff9b1e4a00123aa103"); // by name
  CHECK(trello_label_for(connector, request::Priority::normal, labels).empty());
  connector.labels = {{"P2", "high"}, {"urgent", "bug"}};
  CHECK(trello_label_for(connector, request::Priority::high, labels) == "665f0bff9b1e4a00123aa102"); // the mapping first
  CHECK(trello_label_for(connector, request::Priority::urgent, labels).empty()); // "urgent" means a bug here
}

TEST_CASE("trello: a card or comment carries tma's marker only when tma wrote it", "[connectors][trello]") {
  CHECK(carries_marker("Resolved.\n\n[tma:01J0ABC]", "[tma:01J0ABC]"));
  CHECK_FALSE(carries_marker("Resolved.\n\n[tma:01J0ABD]", "[tma:01J0ABC]"));
  CHECK_FALSE(carries_marker("anything", ""));
  auto item = card_json();
  item["desc"] = "Incident INC-2026-0001\n\n[tma:01J0ABC]";
  auto card = parse_trello_card(item);
  REQUIRE(card);
  CHECK(card->desc == "Incident INC-2026-0001\n\n[tma:01J0ABC]");
}
