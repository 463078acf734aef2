// Jira's objects in tma's vocabulary (connectors/jira_mapping.hpp): times with `+0200` offsets,
// JQL literals, Atlassian documents as text, issues and worklogs as the fixture and Atlassian's
// documentation give them, and the name mappings.
#include <catch2/catch.hpp>

#include <tma/connectors/jira_api.hpp>
#include <tma/connectors/jira_mapping.hpp>

using namespace tma;
using namespace tma::connectors;
using nlohmann::json;

namespace {

core::SysSeconds utc(const char* text) { return *core::parse_rfc3339(text); }

json issue_json() {
  return json::parse(R"({"id": "10451", "key": "ACME-77", "self": "https://agency.atlassian.net/rest/api/3/issue/10451",
    "fields": {"summary": "Checkout page returns 500", "project": {"id": "10000", "key": "ACME"},
      "status": {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}},
      "priority": {"id": "2", "name": "High"}, "issuetype": {"id": "10004", "name": "Bug"},
      "assignee": {"accountId": "712020:x", "displayName": "Nadia Ortiz"}, "duedate": "2025-06-30",
      "created": "2025-06-02T08:15:00.000+0200", "updated": "2025-06-03T17:42:10.512+0200"}})");
}

} // namespace

TEST_CASE("jira: times with offsets without a colon and JQL literals", "[connectors]") {
  CHECK(parse_jira_time("2025-06-03T16:30:00.000+0200").value() == utc("2025-06-03T14:30:00Z"));
  CHECK(parse_jira_time("2025-01-10T09:00:00.000+0100").value() == utc("2025-01-10T08:00:00Z"));
  CHECK(parse_jira_time("2025-06-03T09:00:00.000-0530").value() == utc("2025-06-03T14:30:00Z"));
  CHECK(parse_jira_time("2025-06-03T14:30:00Z").value() == utc("2025-06-03T14:30:00Z"));
  CHECK(parse_jira_time("2025-06-03T16:30:00+02:00").value() == utc("2025-06-03T14:30:00Z"));
  CHECK_FALSE(parse_jira_time("2025-06-03 16:30").has_value());
  CHECK_FALSE(parse_jira_time("").has_value());

  auto paris = core::TimeZone::load("Europe/Paris").value();
  CHECK(jql_time(utc("2025-06-03T14:30:59Z"), paris) == "2025-06-03 16:30");
  CHECK(jql_time(utc("2025-01-10T08:00:00Z"), paris) == "2025-01-10 09:00");
  CHECK(jql_time(utc("2025-01-10T08:00:00Z"), core::TimeZone::utc()) == "2025-01-10 08:00");
  CHECK(jql_quote("ACME") == "\"ACME\"");
  CHECK(jql_quote(R"(a"b\c)") == R"("a\"b\\c")");
}

TEST_CASE("jira: Atlassian documents and strings read as plain text", "[connectors]") {
  CHECK(jira_text("plain v2 text") == "plain v2 text");
  auto adf = json::parse(R"({"type": "doc", "version": 1, "content": [
    {"type": "paragraph", "content": [{"type": "text", "text": "Updated plugins"}, {"type": "hardBreak"},
                                      {"type": "text", "text": "and cleared cache"}]},
    {"type": "paragraph", "content": [{"type": "text", "text": "Second."}]}]})");
  CHECK(jira_text(adf) == "Updated plugins\nand cleared cache\nSecond.");
  CHECK(jira_text(nullptr).empty());
  CHECK(jira_text(json::parse(R"({"type": "doc", "content": "not a list"})")).empty());
}

TEST_CASE("jira: an issue maps to a request and a worklog to a time entry", "[connectors]") {
  inventory::Connector connector;
  connector.name = "jira";
  connector.url = "https://agency.atlassian.net";
  connector.categories = {{"Task", "security"}};
  inventory::ConnectorProject project{"ACME", "acme", "acme-www", {}};

  auto issue = parse_jira_issue(issue_json());
  REQUIRE(issue);
  CHECK(issue->id == "10451");
  CHECK(issue->project == "ACME");
  CHECK(issue->assignee == "Nadia Ortiz");
  CHECK(issue->updated == utc("2025-06-03T15:42:10Z"));
  auto request = to_request(*issue, connector, project, "https://agency.atlassian.net/browse/ACME-77");
  CHECK(request.external.id == "10451");
  CHECK(request.external.url == "https://agency.atlassian.net/browse/ACME-77");
  CHECK(request.priority == request::Priority::high);
  CHECK(request.category == request::Category::bug);
  CHECK(request.status == request::Status::in_progress);
  CHECK(request.due == core::Date{2025, 6, 30});
  CHECK(request.client == "acme");

  // What is malformed is named, not trusted.
  auto bad = issue_json();
  bad["id"] = 10451; // a number where Jira writes a string of digits
  CHECK_FALSE(parse_jira_issue(bad));
  bad = issue_json();
  bad["fields"]["updated"] = "yesterday";
  auto refused = parse_jira_issue(bad);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "Jira issue ACME-77: 'updated' is missing or malformed");
  bad = issue_json();
  bad["id"] = "10451/../../x";
  CHECK_FALSE(parse_jira_issue(bad));

  auto worklog = parse_jira_worklog(json::parse(R"({"id": "20311", "issueId": "10451",
    "author": {"displayName": "Nadia Ortiz"}, "started": "2025-06-03T23:30:00.000+0000", "timeSpentSeconds": 5400,
    "updated": "2025-06-03T18:01:00.000+0200",
    "comment": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Night fix"}]}]}})"));
  REQUIRE(worklog);
  auto paris = core::TimeZone::load("Europe/Paris").value();
  auto entry = to_time_entry(*worklog, "ACME-77", connector, project, std::string("REQ-2025-0001"), paris);
  CHECK(entry.external == "jira:20311");
  CHECK(entry.date == core::Date{2025, 6, 4}); // 23:30 UTC is the next day in Paris
  CHECK(entry.duration == core::Seconds(5400));
  CHECK(entry.description == "Night fix");
  CHECK(entry.ticket == "jira#ACME-77");
  CHECK(entry.request == "REQ-2025-0001");
  CHECK(entry.actor == "Nadia Ortiz");
  CHECK(entry.site == "acme-www");
  CHECK_FALSE(parse_jira_worklog(json::parse(R"({"id": "1", "issueId": "2", "started": "2025-06-03T23:30:00.000+0000"})")));
}

TEST_CASE("jira: status categories priorities and issue types map by name", "[connectors]") {
  CHECK(map_jira_status("new", "To Do") == request::Status::fresh);
  CHECK(map_jira_status("indeterminate", "In Progress") == request::Status::in_progress);
  CHECK(map_jira_status("indeterminate", "Waiting for client") == request::Status::waiting_client);
  CHECK(map_jira_status("done", "Done") == request::Status::resolved);
  CHECK(map_jira_status("done", "Closed") == request::Status::closed);
  CHECK(map_jira_status("undefined", "Whatever") == request::Status::in_progress);
  CHECK(map_jira_priority("Highest") == request::Priority::urgent);
  CHECK(map_jira_priority("Blocker") == request::Priority::urgent);
  CHECK(map_jira_priority("High") == request::Priority::high);
  CHECK(map_jira_priority("Medium") == request::Priority::normal);
  CHECK(map_jira_priority("") == request::Priority::normal); // team-managed projects have none
  CHECK(map_jira_priority("Lowest") == request::Priority::low);
  inventory::Connector connector;
  connector.categories = {{"Incident", "security"}};
  CHECK(map_jira_category(connector, "Incident") == request::Category::security);
  CHECK(map_jira_category(connector, "Bug") == request::Category::bug);
  CHECK(map_jira_category(connector, "Story") == request::Category::change);
  CHECK(map_jira_category(connector, "Service request") == request::Category::question);
}

TEST_CASE("jira: error statuses say what to fix and never parse a text 401", "[connectors]") {
  inventory::Connector cloud;
  cloud.name = "jira";
  auto e401 = jira_error_for_status(cloud, "GET", "/myself", 401, "Client must be authenticated to access this resource.");
  CHECK(e401.kind == core::ErrorKind::config);
  CHECK(e401.message.find("Jira refused the API token (401)") != std::string::npos);
  CHECK(e401.message.find("connectors.jira.email") != std::string::npos);
  inventory::Connector dc = cloud;
  dc.data_center = true;
  CHECK(jira_error_for_status(dc, "GET", "/myself", 401, "").message.find("personal access token") != std::string::npos);
  auto e400 = jira_error_for_status(
      cloud, "GET", "/search/jql", 400,
      R"({"errorMessages":["The value 'NOPE' does not exist for the field 'project'."],"warningMessages":[]})");
  CHECK(e400.kind == core::ErrorKind::usage);
  CHECK(e400.message.find("The value 'NOPE' does not exist for the field 'project'.") != std::string::npos);
  auto fields = jira_error_for_status(cloud, "POST", "/issue", 400,
                                      R"({"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}})");
  CHECK(fields.message.find("summary: You must specify a summary of the issue.") != std::string::npos);
  CHECK(jira_error_for_status(cloud, "GET", "/x", 503, "<html>").kind == core::ErrorKind::http);
}

TEST_CASE("jira: exported incidents carry a label the import recognises and texts become documents", "[connectors]") {
  CHECK(jira_label("0190a1b2c3d4e5f6-3") == "tma-0190a1b2c3d4e5f6-3");
  CHECK(is_tma_label(jira_label("0190a1b2c3d4e5f6-3")));
  // A client's own labels are never taken for tma's ("tma" is also a French acronym for maintenance).
  CHECK_FALSE(is_tma_label("tma"));
  CHECK_FALSE(is_tma_label("tma-contract"));
  CHECK_FALSE(is_tma_label("tma-0190a1b2c3d4e5f6"));

  CHECK(is_jira_issue_key("ACME-77"));
  CHECK(is_jira_issue_key("A_2-1"));
  CHECK_FALSE(is_jira_issue_key("acme-77"));
  CHECK_FALSE(is_jira_issue_key("ACME-0"));
  CHECK_FALSE(is_jira_issue_key("ACME-7/../../x"));
  CHECK_FALSE(is_jira_issue_key("ACME"));

  // Data Center takes the text itself; Cloud an Atlassian document, whose text reads back the same.
  CHECK(jira_document("Resolved.\n\n[tma:e-1]", true) == "Resolved.\n\n[tma:e-1]");
  auto doc = jira_document("Site: acme-www\nSeverity: critical\n\n[tma:e-1]", false);
  CHECK(doc["type"] == "doc");
  CHECK(doc["version"] == 1);
  REQUIRE(doc["content"].size() == 2);
  CHECK(doc["content"][0]["content"][1]["type"] == "hardBreak");
  CHECK(doc["content"][1]["content"][0]["text"] == "[tma:e-1]");
  CHECK(jira_text(doc).find("[tma:e-1]") != std::string::npos);
  CHECK(jira_text(doc).find("Severity: critical") != std::string::npos);
  // No empty text node (Jira refuses them), even for an empty text.
  CHECK(jira_document("", false)["content"][0].count("content") == 0);

  CHECK(jira_started(core::SysSeconds(std::chrono::seconds(1764759600))) == "2025-12-03T11:00:00.000+0000");
  auto parsed = parse_jira_time(jira_started(core::SysSeconds(std::chrono::seconds(1764759600))));
  REQUIRE(parsed);
  CHECK(parsed->time_since_epoch().count() == 1764759600);
}

TEST_CASE("jira: priorities of exported incidents by severity with the inventory's names first", "[connectors]") {
  inventory::Connector connector;
  CHECK(jira_priority_for(connector, inventory::Criticality::critical) == "Highest");
  CHECK(jira_priority_for(connector, inventory::Criticality::major) == "High");
  CHECK(jira_priority_for(connector, inventory::Criticality::minor) == "Medium");
  connector.priorities["critical"] = "Blocker";
  CHECK(jira_priority_for(connector, inventory::Criticality::critical) == "Blocker");
}

TEST_CASE("jira: an issue key of the wrong shape in an answer is refused before it reaches a URL", "[connectors]") {
  json item{{"id", "10451"}, {"key", "ACME-77/../../admin"},
            {"fields", {{"created", "2025-06-02T08:15:00.000+0200"}, {"updated", "2025-06-02T08:15:00.000+0200"}}}};
  CHECK_FALSE(parse_jira_issue(item));
  item["key"] = "ACME-77";
  auto issue = parse_jira_issue(item);
  REQUIRE(issue);
  CHECK(issue->labels.empty());
  item["fields"]["labels"] = {"client-acme", "tma-0190a1b2c3d4e5f6-3"};
  CHECK(parse_jira_issue(item)->labels.size() == 2);
}
