// The Redmine lab (tests/support/redmine_lab.hpp): a real Redmine 5.0.4 from Debian's package answers
// its REST API the way the connector of issue 20 will use it. What is asserted here is what this
// Redmine really does (also captured in ../shared/reference/redmine-5.0-real): a private project is
// invisible without a key, its issues are 401 without one, a wrong key is 401 too.
#include <catch2/catch.hpp>

#include <tma/transport/http.hpp>

#include "support/redmine_lab.hpp"
#include "support/temp_dir.hpp"

using namespace tma::transport;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// One Redmine per test binary run (starting one costs seconds): shared by every test case of the
// process, stopped at exit. If it cannot start, the constructor throws and each test using it fails.
tma::test::RedmineLab& redmine() {
  static tma::test::RedmineLab lab;
  return lab;
}

using tma::test::NoProxy;

HttpResponse call(HttpMethod method, const std::string& path, const std::string& key, const std::string& body = {}) {
  HttpRequest r;
  r.method = method;
  r.url = redmine().url(path);
  r.timeout = 30000ms;
  r.max_attempts = 1;
  if (!key.empty()) r.headers.emplace_back("X-Redmine-API-Key", key);
  if (!body.empty()) {
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body;
  }
  CurlHttpClient client;
  auto response = client.send(r);
  if (!response) FAIL("HTTP " << path << ": " << response.error().message << "\n" << redmine().log());
  return *response;
}

json json_of(const HttpResponse& response) {
  INFO(response.body);
  REQUIRE(response.header("Content-Type").value_or("").find("application/json") == 0);
  return json::parse(response.body);
}

std::vector<std::string> names(const json& list, const char* key) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.at(key).get<std::string>());
  return out;
}

} // namespace

TEST_CASE("redmine lab: a real Redmine 5.0 answers its REST API with the seeded key and project", "[integration]") {
  NoProxy no_proxy;
  auto& lab = redmine();
  INFO("started in " << lab.info().value("seconds", 0.0) << " s, cached database: " << lab.info().value("cached", false));
  const auto& key = lab.api_key();
  REQUIRE(key.size() == 40);
  REQUIRE(lab.project() == "acme");
  REQUIRE(lab.url() == "http://127.0.0.1:" + std::to_string(lab.port()));

  SECTION("the admin's key sees the private project acme") {
    auto r = call(HttpMethod::get, "/projects.json", key);
    REQUIRE(r.status == 200);
    auto body = json_of(r);
    REQUIRE(names(body.at("projects"), "identifier") == std::vector<std::string>{"acme"});
    CHECK(body["projects"][0]["is_public"] == false);
    CHECK(body["total_count"] == 1);
    auto current = json_of(call(HttpMethod::get, "/users/current.json", key));
    CHECK(current["user"]["login"] == "admin");
    CHECK(current["user"]["admin"] == true);
  }

  SECTION("without a key the private project is hidden and its issues are 401") {
    auto projects = call(HttpMethod::get, "/projects.json", "");
    REQUIRE(projects.status == 200); // anonymous may list projects: only public ones, none here
    CHECK(json_of(projects)["projects"].empty());
    auto issues = call(HttpMethod::get, "/issues.json?project_id=acme", "");
    CHECK(issues.status == 401);
    CHECK(issues.header("WWW-Authenticate").value_or("") == "Basic realm=\"Redmine API\"");
    // No project named: anonymous gets 200 with the issues it may see (none).
    auto all = call(HttpMethod::get, "/issues.json", "");
    REQUIRE(all.status == 200);
    CHECK(json_of(all)["issues"].empty());
    // A wrong key is refused outright where a key is needed.
    CHECK(call(HttpMethod::get, "/issues.json?project_id=acme", std::string(40, '0')).status == 401);
  }

  SECTION("the default data gives trackers priorities statuses and activities") {
    CHECK(names(json_of(call(HttpMethod::get, "/trackers.json", key))["trackers"], "name") ==
          std::vector<std::string>{"Bug", "Feature", "Support"});
    CHECK(names(json_of(call(HttpMethod::get, "/enumerations/issue_priorities.json", key))["issue_priorities"],
                "name") == std::vector<std::string>{"Low", "Normal", "High", "Urgent", "Immediate"});
    CHECK(names(json_of(call(HttpMethod::get, "/enumerations/time_entry_activities.json", key))["time_entry_activities"],
                "name") == std::vector<std::string>{"Design", "Development"});
    CHECK(names(json_of(call(HttpMethod::get, "/issue_statuses.json", key))["issue_statuses"], "name") ==
          std::vector<std::string>{"New", "In Progress", "Resolved", "Feedback", "Closed", "Rejected"});
  }

  SECTION("an issue posted with the key is created and read back with its time entry") {
    auto created = call(HttpMethod::post, "/issues.json", key,
                        json{{"issue", {{"project_id", "acme"}, {"subject", "Site down (lab)"}, {"priority_id", 4}}}}.dump());
    REQUIRE(created.status == 201);
    auto issue = json_of(created)["issue"];
    auto id = issue.at("id").get<int>();
    CHECK(created.header("Location").value_or("") == lab.url("/issues/" + std::to_string(id)));

    auto read = call(HttpMethod::get, "/issues/" + std::to_string(id) + ".json", key);
    REQUIRE(read.status == 200);
    auto back = json_of(read)["issue"];
    CHECK(back["subject"] == "Site down (lab)");
    CHECK(back["project"]["name"] == "Acme");
    CHECK(back["tracker"]["name"] == "Bug"); // the project's first tracker when none is given
    CHECK(back["priority"]["name"] == "Urgent");
    CHECK(back["status"]["name"] == "New");

    // The default data marks no activity as default: a time entry without one is refused.
    auto refused = call(HttpMethod::post, "/time_entries.json", key,
                        json{{"time_entry", {{"issue_id", id}, {"hours", 1.5}}}}.dump());
    CHECK(refused.status == 422);
    CHECK(json_of(refused)["errors"] == json{"Activity cannot be blank"});
    int development = 0;
    auto activities = json_of(call(HttpMethod::get, "/enumerations/time_entry_activities.json", key));
    for (const auto& a : activities["time_entry_activities"]) {
      if (a["name"] == "Development") development = a["id"].get<int>();
    }
    REQUIRE(development > 0);
    auto logged = call(HttpMethod::post, "/time_entries.json", key,
                       json{{"time_entry", {{"issue_id", id}, {"hours", 1.5}, {"activity_id", development}, {"comments", "lab"}}}}.dump());
    REQUIRE(logged.status == 201);
    auto entries = call(HttpMethod::get, "/time_entries.json?project_id=acme", key);
    REQUIRE(entries.status == 200);
    auto list = json_of(entries);
    REQUIRE(list["total_count"].get<int>() >= 1);
    bool found = false;
    for (const auto& e : list["time_entries"]) found = found || (e["issue"]["id"] == id && e["hours"] == 1.5);
    CHECK(found);
  }
}
