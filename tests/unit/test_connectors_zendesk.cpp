// Zendesk's objects in tma's vocabulary (connectors/zendesk_mapping.hpp, zendesk_api.hpp): ids above
// 2^32 kept exactly, times, the Time Tracking values written as strings, tickets as the incremental
// export gives them, the enum mappings, the reconciliation of a ticket's time total with the hours
// imported for it, error messages in Zendesk's several shapes, and the inventory section.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <tma/connectors/zendesk_api.hpp>
#include <tma/connectors/zendesk_mapping.hpp>

#include "support/inventory_text.hpp"

using namespace tma;
using namespace tma::connectors;
using nlohmann::json;

namespace {

/// A valid Zendesk connector `zd` for acme, then `more` (more keys of it, indented by four spaces).
std::string zendesk_inventory(const std::string& more = "") {
  return fmt::format(R"({}connectors:
  zd:
    type: zendesk
    url: https://acme.zendesk.com
    email: admin@agency.example
    api_token: t
    projects: {{509974: acme}}
{})",
                     test::k_minimal_inventory, more);
}

core::SysSeconds utc(const char* text) { return *core::parse_rfc3339(text); }

inventory::Connector zendesk_connector() {
  inventory::Connector c;
  c.name = "zd";
  c.type = "zendesk";
  c.url = "https://acme.zendesk.com";
  c.email = "admin@agency.example";
  c.time_total_field = "360028226391";
  return c;
}

// A ticket as the incremental export writes it (tests/lab/TICKETING.md; Zendesk's docs, §3.2 A).
json ticket_json() {
  return json::parse(R"({"url": "https://acme.zendesk.com/api/v2/tickets/4294967297.json", "id": 4294967297,
    "external_id": null, "created_at": "2025-06-06T08:00:00Z", "updated_at": "2025-06-06T10:00:00Z",
    "type": "problem", "subject": "Bistro menu page slow", "priority": "urgent", "status": "pending",
    "requester_id": 5000000000123, "assignee_id": 387974337212, "organization_id": 360001234567,
    "due_at": null, "tags": [], "generated_timestamp": 1749204000,
    "custom_fields": [{"id": 360028226391, "value": "5400"}, {"id": 360028226411, "value": "900"},
                      {"id": 360099887766, "value": null}]})");
}

contract::TimeEntry entry(const std::string& key, long long seconds, std::int64_t version = 1, bool withdrawn = false) {
  contract::TimeEntry e;
  e.external = key;
  e.duration = core::Seconds(seconds);
  e.external_version = version;
  e.withdrawn = withdrawn;
  e.client = "acme";
  return e;
}

core::Seconds sum_active(const std::vector<contract::TimeEntry>& known, const std::vector<contract::TimeEntry>& changes) {
  std::map<std::string, contract::TimeEntry> latest;
  for (const auto& e : known) latest[*e.external] = e;
  for (const auto& e : changes) latest[*e.external] = e;
  core::Seconds sum{0};
  for (const auto& [key, e] : latest) {
    if (!e.withdrawn) sum += e.duration;
  }
  return sum;
}

} // namespace

TEST_CASE("zendesk: ids above 2^32 are kept exactly as text", "[connectors]") {
  CHECK(zendesk_id(json::parse("4294967297")) == "4294967297");
  CHECK(zendesk_id(json::parse("360001234567")) == "360001234567");
  CHECK(zendesk_id(json::parse("9223372036854775807")) == "9223372036854775807");
  CHECK(zendesk_id(json::parse("35436")) == "35436");
  CHECK(zendesk_id(json("1099511627783")) == "1099511627783");
  CHECK(zendesk_id(json("007")) == "7"); // one spelling, so that ids compare as text
  CHECK(zendesk_id(json::parse("18446744073709551615")).empty()); // beyond int64
  CHECK(zendesk_id(json::parse("-5")).empty());
  CHECK(zendesk_id(json::parse("3.6e11")).empty());
  CHECK(zendesk_id(json("12a")).empty());
  CHECK(zendesk_id(nullptr).empty());
}

TEST_CASE("zendesk: times and Time Tracking values written as strings or numbers", "[connectors]") {
  CHECK(parse_zendesk_time("2025-06-03T14:02:11Z").value() == utc("2025-06-03T14:02:11Z"));
  CHECK(parse_zendesk_time("2025-06-03T16:02:11+02:00").value() == utc("2025-06-03T14:02:11Z"));
  CHECK_FALSE(parse_zendesk_time("2025-06-03 14:02").has_value());
  CHECK_FALSE(parse_zendesk_time("").has_value());

  CHECK(parse_zendesk_seconds(json("5400")).value() == core::Seconds(5400));
  CHECK(parse_zendesk_seconds(json(900)).value() == core::Seconds(900));
  CHECK(parse_zendesk_seconds(json("0")).value() == core::Seconds(0));
  CHECK_FALSE(parse_zendesk_seconds(nullptr).value().has_value());
  CHECK_FALSE(parse_zendesk_seconds(json("")).value().has_value());
  CHECK_FALSE(parse_zendesk_seconds(json("1.5")).has_value());
  CHECK_FALSE(parse_zendesk_seconds(json("-3")).has_value());
  CHECK_FALSE(parse_zendesk_seconds(json(-3)).has_value());
  CHECK_FALSE(parse_zendesk_seconds(json(1.5)).has_value());
  CHECK_FALSE(parse_zendesk_seconds(json("99999999999")).has_value());
}

TEST_CASE("zendesk: a ticket of the incremental export maps to a request", "[connectors]") {
  auto connector = zendesk_connector();
  connector.categories = {{"task", "security"}};
  inventory::ConnectorProject project{"360001234567", "bistro", "", {}};
  auto ticket = parse_zendesk_ticket(ticket_json(), connector.time_total_field);
  REQUIRE(ticket);
  CHECK(ticket->id == "4294967297");
  CHECK(ticket->organization_id == "360001234567");
  CHECK(ticket->assignee_id == "387974337212");
  CHECK(ticket->updated == utc("2025-06-06T10:00:00Z"));
  CHECK(ticket->time_total == core::Seconds(5400));
  CHECK_FALSE(parse_zendesk_ticket(ticket_json(), "")->time_total.has_value());

  auto paris = core::TimeZone::load("Europe/Paris").value();
  auto request = to_request(*ticket, connector, project, "Admin Agent", paris);
  CHECK(request.external.connector == "zd");
  CHECK(request.external.id == "4294967297");
  CHECK(request.external.url == "https://acme.zendesk.com/agent/tickets/4294967297");
  CHECK(request.external.updated_on == "2025-06-06T10:00:00Z");
  CHECK(request.title == "Bistro menu page slow");
  CHECK(request.priority == request::Priority::urgent);
  CHECK(request.category == request::Category::bug);
  CHECK(request.status == request::Status::waiting_client);
  CHECK(request.assignee == "Admin Agent");
  CHECK(request.client == "bistro");
  CHECK(request.opened == utc("2025-06-06T08:00:00Z"));

  // A task's due time is a date in the agency's zone.
  auto task = ticket_json();
  task["type"] = "task";
  task["due_at"] = "2025-06-30T22:30:00Z";
  auto due = to_request(*parse_zendesk_ticket(task, ""), connector, project, "", paris);
  CHECK(due.category == request::Category::security); // categories by type
  CHECK(due.due == core::Date{2025, 7, 1});

  // What is malformed is named, not trusted.
  auto bad = ticket_json();
  bad["id"] = "ACME-1";
  CHECK(parse_zendesk_ticket(bad, "").error().message == "Zendesk ticket ?: 'id' is missing or malformed");
  bad = ticket_json();
  bad["organization_id"] = 3.6e11;
  CHECK(parse_zendesk_ticket(bad, "").error().message.find("'organization_id'") != std::string::npos);
  bad = ticket_json();
  bad["updated_at"] = "yesterday";
  CHECK(parse_zendesk_ticket(bad, "").error().message == "Zendesk ticket 4294967297: 'updated_at' is missing or malformed");
  bad = ticket_json();
  bad["custom_fields"][0]["value"] = "1h30";
  CHECK(parse_zendesk_ticket(bad, connector.time_total_field).error().message.find("custom field 360028226391") !=
        std::string::npos);
  CHECK(parse_zendesk_ticket(bad, "")); // a field the connector does not read is not checked
  bad = ticket_json();
  bad["organization_id"] = nullptr;
  CHECK(parse_zendesk_ticket(bad, "")->organization_id.empty());
}

TEST_CASE("zendesk: statuses priorities and types map by name", "[connectors]") {
  using request::Status;
  CHECK(map_zendesk_status("new") == Status::fresh);
  CHECK(map_zendesk_status("open") == Status::in_progress);
  CHECK(map_zendesk_status("hold") == Status::in_progress);
  CHECK(map_zendesk_status("pending") == Status::waiting_client);
  CHECK(map_zendesk_status("solved") == Status::resolved);
  CHECK(map_zendesk_status("closed") == Status::closed);
  CHECK(map_zendesk_priority("urgent") == request::Priority::urgent);
  CHECK(map_zendesk_priority("high") == request::Priority::high);
  CHECK(map_zendesk_priority("low") == request::Priority::low);
  CHECK(map_zendesk_priority("") == request::Priority::normal);
  auto connector = zendesk_connector();
  CHECK(map_zendesk_category(connector, "incident") == request::Category::bug);
  CHECK(map_zendesk_category(connector, "problem") == request::Category::bug);
  CHECK(map_zendesk_category(connector, "task") == request::Category::change);
  CHECK(map_zendesk_category(connector, "question") == request::Category::question);
  CHECK(map_zendesk_category(connector, "") == request::Category::question);
  connector.categories = {{"incident", "performance"}};
  CHECK(map_zendesk_category(connector, "incident") == request::Category::performance);
}

TEST_CASE("zendesk: a ticket's time total becomes dated hours that add up to it", "[connectors]") {
  const std::string prefix = "zd:4294967297@";
  contract::TimeEntry model;
  model.client = "bistro";
  model.description = "time tracked on ticket #4294967297";

  // First sight: the whole total, dated on the last update.
  auto first = reconcile_ticket_time({}, core::Seconds(5400), model, prefix, 1749204000);
  REQUIRE(first.size() == 1);
  CHECK(first[0].external == "zd:4294967297@1749204000");
  CHECK(first[0].duration == core::Seconds(5400));
  CHECK(first[0].external_version == 1);
  CHECK(first[0].client == "bistro");

  // Unchanged: nothing.
  CHECK(reconcile_ticket_time(first, core::Seconds(5400), model, prefix, 1749300000).empty());

  // More time: the difference, under the new update's stamp.
  auto more = reconcile_ticket_time(first, core::Seconds(7200), model, prefix, 1749300000);
  REQUIRE(more.size() == 1);
  CHECK(more[0].external == "zd:4294967297@1749300000");
  CHECK(more[0].duration == core::Seconds(1800));
  std::vector<contract::TimeEntry> known{first[0], more[0]};

  // Time taken back: the newest entry gives it back first, shortened, then withdrawn.
  auto less = reconcile_ticket_time(known, core::Seconds(6000), model, prefix, 1749400000);
  REQUIRE(less.size() == 1);
  CHECK(less[0].external == "zd:4294967297@1749300000");
  CHECK(less[0].duration == core::Seconds(600));
  CHECK(less[0].external_version == 2);
  CHECK_FALSE(less[0].withdrawn);
  auto much_less = reconcile_ticket_time(known, core::Seconds(3000), model, prefix, 1749400000);
  REQUIRE(much_less.size() == 2);
  CHECK(much_less[0].external == "zd:4294967297@1749300000");
  CHECK(much_less[0].withdrawn);
  CHECK(much_less[1].external == "zd:4294967297@1749204000");
  CHECK(much_less[1].duration == core::Seconds(3000));
  CHECK(sum_active(known, much_less) == core::Seconds(3000));
  auto none = reconcile_ticket_time(known, core::Seconds(0), model, prefix, 1749400000);
  CHECK(none.size() == 2);
  CHECK(sum_active(known, none) == core::Seconds(0));

  // Over 24 h at once (a first import of a long ticket): parts of at most 24 h, each keyed.
  auto long_ticket = reconcile_ticket_time({}, core::Seconds(60 * 3600), model, prefix, 1749204000);
  REQUIRE(long_ticket.size() == 3);
  CHECK(long_ticket[0].duration == core::Seconds(24 * 3600));
  CHECK(long_ticket[1].external == "zd:4294967297@1749204000.2");
  CHECK(long_ticket[2].external == "zd:4294967297@1749204000.3");
  CHECK(long_ticket[2].duration == core::Seconds(12 * 3600));

  // A key withdrawn earlier is taken again as its next version; a stamp already used moves on.
  std::vector<contract::TimeEntry> withdrawn{entry(prefix + "1749204000", 5400, 2, true)};
  auto back = reconcile_ticket_time(withdrawn, core::Seconds(600), model, prefix, 1749204000);
  REQUIRE(back.size() == 1);
  CHECK(back[0].external_version == 3);
  CHECK_FALSE(back[0].withdrawn);
  auto same_stamp = reconcile_ticket_time({entry(prefix + "1749204000", 600)}, core::Seconds(900), model, prefix,
                                          1749204000);
  REQUIRE(same_stamp.size() == 1);
  CHECK(same_stamp[0].external == "zd:4294967297@1749204000.2");
  CHECK(same_stamp[0].duration == core::Seconds(300));
}

TEST_CASE("zendesk: error statuses say what to fix in Zendesk's words and never quote the token", "[connectors]") {
  auto connector = zendesk_connector();
  auto e401 = zendesk_error_for_status(connector, "GET", "/incremental/tickets/cursor.json", 401,
                                       R"({"error":"Couldn't authenticate you"})");
  CHECK(e401.kind == core::ErrorKind::config);
  CHECK(e401.message.find("Zendesk refused the API token (401)") != std::string::npos);
  CHECK(e401.message.find("connectors.zd.email") != std::string::npos);
  CHECK(e401.message.find("Couldn't authenticate you") != std::string::npos);
  auto e403 = zendesk_error_for_status(connector, "GET", "/incremental/tickets/cursor.json", 403,
                                       R"({"error":"Forbidden","description":"You do not have access to this page."})");
  CHECK(e403.message.find("admin") != std::string::npos);
  CHECK(e403.message.find("Forbidden; You do not have access to this page.") != std::string::npos);
  auto e404 = zendesk_error_for_status(connector, "GET", "/tickets/1.json", 404,
                                       R"({"error":"RecordNotFound","description":"Not found"})");
  CHECK(e404.message.find("not found (404)") != std::string::npos);
  CHECK(e404.message.find("RecordNotFound; Not found") != std::string::npos);
  auto e422 = zendesk_error_for_status(
      connector, "PUT", "/tickets/35438.json", 422,
      R"({"error":"RecordInvalid","description":"Record validation errors","details":{"status":[{"description":"Status: closed prevents ticket update"}]}})");
  CHECK(e422.kind == core::ErrorKind::usage);
  CHECK(e422.message.find("Zendesk refused the request (422): RecordInvalid; Record validation errors; status: "
                          "Status: closed prevents ticket update") != std::string::npos);
  auto e400 = zendesk_error_for_status(
      connector, "GET", "/incremental/tickets/cursor.json", 400,
      R"({"error":{"title":"Invalid attribute","message":"You passed an invalid value for the cursor attribute."}})");
  CHECK(e400.message.find("Invalid attribute; You passed an invalid value for the cursor attribute.") != std::string::npos);
  auto e429 = zendesk_error_for_status(connector, "GET", "/x", 429, "Number of allowed API requests per minute exceeded\n");
  CHECK(e429.message.find("rate limit (429)") != std::string::npos);
  CHECK(e429.message.find("(Zendesk: Number of allowed API requests per minute exceeded)") != std::string::npos);
  CHECK(zendesk_error_for_status(connector, "GET", "/x", 503, "<html><body>down</body></html>").message ==
        "connector zd: GET /x: HTTP 503");
  CHECK(zendesk_errors("") == "");
  CHECK(zendesk_errors("[1,2]") == "");
}

TEST_CASE("zendesk: the inventory's zendesk connector loads and its mistakes are named", "[connectors]") {
  auto loaded = test::load_text(test::k_minimal_inventory + R"(connectors:
  zd:
    type: zendesk
    url: https://acme.zendesk.com/
    email: admin@agency.example
    api_token: ${ZENDESK_TOKEN}
    projects:
      360001234567: {client: acme, site: www}
    categories: {incident: performance}
    time_fields: {total: 360028226391}
)",
                                {{"ZENDESK_TOKEN", "zd-token"}});
  REQUIRE(loaded);
  const auto& c = loaded->inventory.connectors.at(0);
  CHECK(c.type == "zendesk");
  CHECK(c.url == "https://acme.zendesk.com");
  CHECK(c.email == "admin@agency.example");
  CHECK(c.api_key.value == "zd-token");
  CHECK(c.projects.at(0).project == "360001234567");
  CHECK(c.time_total_field == "360028226391");
  CHECK(c.import_time_entries);
  CHECK(c.categories.at("incident") == "performance");

  // Without time_fields, no hours are read.
  auto no_time = test::load_text(zendesk_inventory());
  REQUIRE(no_time);
  CHECK_FALSE(no_time->inventory.connectors.at(0).import_time_entries);

  auto errors = test::inventory_errors(test::k_minimal_inventory + R"(connectors:
  zd:
    type: zendesk
    url: https://acme.zendesk.com
    api_key: k
    projects: {acme: acme, 0509974: acme, 99999999999999999999: acme}
    categories: {Bug: bug}
    import_time_entries: true
    export_hours: true
    public_comments: maybe
    priorities: {critical: Highest, minor: low}
    tracker: Bug
    time_entry_window: 30d
)");
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("connectors.zd.api_token: required key is missing (api_token or api_token_command)") != std::string::npos);
  CHECK(all.find("connectors.zd.email: required key is missing") != std::string::npos);
  CHECK(all.find("connectors.zd.projects.acme: 'acme' is not a Zendesk organization id") != std::string::npos);
  CHECK(all.find("connectors.zd.projects.0509974: '0509974' is not a Zendesk organization id") != std::string::npos);
  CHECK(all.find("connectors.zd.projects.99999999999999999999:") != std::string::npos);
  CHECK(all.find("connectors.zd.categories.Bug: unknown key 'Bug'") != std::string::npos);
  CHECK(all.find("connectors.zd.import_time_entries: a Zendesk connector imports hours from the Time Tracking app's "
                 "total") != std::string::npos);
  CHECK(all.find("connectors.zd.export_hours: a Zendesk connector pushes hours into the Time Tracking app's fields: "
                 "give connectors.zd.time_fields.total") != std::string::npos);
  CHECK(all.find("connectors.zd.public_comments:") != std::string::npos);
  CHECK(all.find("connectors.zd.priorities.critical: 'Highest' is not a Zendesk priority") != std::string::npos);
  CHECK(all.find("priorities.minor") == std::string::npos);
  CHECK(all.find("not supported for Zendesk") == std::string::npos);
  CHECK(all.find("connectors.zd.tracker: a Redmine setting") != std::string::npos);
  CHECK(all.find("connectors.zd.time_entry_window: a Redmine setting") != std::string::npos);
  CHECK(all.find("connectors.zd.api_key: unknown key") != std::string::npos);

  errors = test::inventory_errors(test::k_minimal_inventory + R"yaml(connectors:
  zd:
    type: zendesk
    url: https://acme.zendesk.com
    email: admin/token@agency.example
    api_token: t
    projects: {509974: acme}
    time_fields: {total: "Total time spent (sec)", last_update: 360028226411}
)yaml");
  all.clear();
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("connectors.zd.email: an email address") != std::string::npos);
  CHECK(all.find("connectors.zd.time_fields.total: the id of the Time Tracking app's") != std::string::npos);
  CHECK(all.find("connectors.zd.time_fields.last_update") == std::string::npos);
}

TEST_CASE("zendesk: an export connector loads its Time Tracking fields and comment setting", "[connectors][zendesk]") {
  auto loaded = test::load_text(zendesk_inventory(R"(    time_fields: {total: 360028226391, last_update: 360028226411}
    export_incidents: true
    export_hours: true
    public_comments: true
    priorities: {minor: low}
)"));
  REQUIRE(loaded);
  const auto& c = loaded->inventory.connectors.at(0);
  CHECK(c.export_incidents);
  CHECK(c.export_hours);
  CHECK(c.public_comments);
  CHECK(c.time_last_update_field == "360028226411");
  CHECK(tma::connectors::zendesk_priority_for(c, tma::inventory::Criticality::minor) == "low");
  CHECK(tma::connectors::zendesk_priority_for(c, tma::inventory::Criticality::critical) == "urgent");
  CHECK(tma::connectors::zendesk_priority_for(c, tma::inventory::Criticality::major) == "high");
}

TEST_CASE("zendesk: export helpers shape external ids and add time", "[connectors][zendesk]") {
  using namespace tma::connectors;
  const std::string event = "0123456789abcdef-42";
  CHECK(zendesk_external_id(event) == "tma-0123456789abcdef-42");
  CHECK(is_tma_external_id(zendesk_external_id(event)));
  CHECK_FALSE(is_tma_external_id("tma:inc-2025-0603-0001"));
  CHECK_FALSE(is_tma_external_id("crm-42"));
  CHECK_FALSE(is_tma_external_id(""));
  CHECK(zendesk_idempotency_key(event) == "tma-0123456789abcdef-42-create");
  CHECK(zendesk_idempotency_key(event) == zendesk_idempotency_key(event));

  CHECK(*zendesk_added_seconds(nlohmann::json("1800"), tma::core::Seconds(5400)) == "7200");
  CHECK(*zendesk_added_seconds(nlohmann::json(1800), tma::core::Seconds(60)) == "1860");
  CHECK(*zendesk_added_seconds(nlohmann::json(), tma::core::Seconds(900)) == "900");
  CHECK(*zendesk_added_seconds(nlohmann::json(""), tma::core::Seconds(900)) == "900");
  CHECK_FALSE(zendesk_added_seconds(nlohmann::json("1.5"), tma::core::Seconds(900)));
  CHECK_FALSE(zendesk_added_seconds(nlohmann::json("-3"), tma::core::Seconds(900)));

  auto ticket = nlohmann::json::parse(
      R"({"custom_fields": [{"id": 360028226391, "value": "5400"}, {"id": 360028226411, "value": null}]})");
  CHECK(zendesk_custom_field(ticket, "360028226391") == "5400");
  CHECK(zendesk_custom_field(ticket, "360028226411").is_null());
  CHECK(zendesk_custom_field(ticket, "1").is_null());
  CHECK(zendesk_custom_field(nlohmann::json::array(), "1").is_null());

  // The import reads external_id, so tma's own tickets can be told apart.
  auto parsed = parse_zendesk_ticket(nlohmann::json::parse(
      R"({"id": 5000000000001, "external_id": "tma-0123456789abcdef-42", "status": "new",
          "created_at": "2025-06-03T14:02:11Z", "updated_at": "2025-06-03T14:02:11Z"})"), "");
  REQUIRE(parsed);
  CHECK(parsed->id == "5000000000001");
  CHECK(is_tma_external_id(parsed->external_id));
}
