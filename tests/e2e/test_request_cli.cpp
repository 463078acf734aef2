// `tma request`, `hours log --request`, `incident open --request` and the request block of
// `tma summary`, end to end: the built binary on a temp inventory in a temp git repository (the
// journal goes on its ref there). Times are given with --at so that nothing depends on today.
#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

extern char** environ;

namespace {

int git_init(const std::string& dir) {
  std::vector<std::string> args{"git", "-C", dir, "init", "-q", "."};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "git", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Agency {
  tma::test::TempDir dir;
  std::string inventory;
  std::map<std::string, std::optional<std::string>> env{{"TMA_ACTOR", "Tester <tester@tma.invalid>"},
                                                        {"TMA_INVENTORY", std::nullopt}};
  Agency() {
    REQUIRE(git_init(dir.path().string()) == 0);
    inventory = dir.write("sites.yaml", tma::test::read_file(std::string(TMA_FIXTURES) + "/request/sites.yaml"));
  }
  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", inventory});
    auto out = tma::test::run_tma(args, env, dir.path().string());
    INFO(out.err);
    return out;
  }
  // Three requests: REQ-2026-0001 urgent on acme's shop (Friday 27 Nov 17:00 Paris), answered on
  // Monday and resolved; REQ-2026-0002 a question of acme, assigned after 1h; REQ-2026-0003 of globex.
  void three_requests() const {
    auto first = tma({"request", "open", "--client", "acme", "--site", "shop", "Checkout button misaligned", "--priority",
                      "urgent", "--category", "bug", "--assignee", "Lea", "--due", "2026-12-01", "--at",
                      "2026-11-27T16:00:00Z"});
    REQUIRE(first.exit_code == 0);
    CHECK(first.out == "opened REQ-2026-0001 (urgent, bug) for acme / shop: Checkout button misaligned\n");
    auto second = tma({"request", "open", "--client", "acme", "How do I export orders?", "--at", "2026-11-27T10:00:00Z"});
    CHECK(second.out == "opened REQ-2026-0002 (normal, question) for acme: How do I export orders?\n");
    auto third = tma({"request", "open", "--client", "globex", "--site", "intranet", "Add a page", "--priority", "low",
                      "--category", "change", "--at", "2026-11-26T10:00:00Z"});
    CHECK(third.out == "opened REQ-2026-0003 (low, change) for globex / intranet: Add a page\n");
    CHECK(tma({"request", "note", "REQ-2026-0001", "looking into it", "--at", "2026-11-30T10:00:00Z"}).out ==
          "noted on REQ-2026-0001\n");
    CHECK(tma({"request", "assign", "REQ-2026-0002", "Marc", "--at", "2026-11-27T11:00:00Z"}).out ==
          "assigned REQ-2026-0002 to Marc\n");
    CHECK(tma({"request", "status", "REQ-2026-0001", "in_progress", "--at", "2026-11-30T10:30:00Z"}).out ==
          "REQ-2026-0001: new -> in_progress\n");
    CHECK(tma({"request", "status", "REQ-2026-0001", "resolved", "--at", "2026-11-30T14:00:00Z"}).out ==
          "REQ-2026-0001: in_progress -> resolved\n");
  }
};

nlohmann::json requests_of(const tma::test::Output& out) {
  REQUIRE(out.exit_code == 0);
  auto doc = nlohmann::json::parse(out.out);
  return doc["requests"];
}

std::vector<std::string> ids_of(const nlohmann::json& requests) {
  std::vector<std::string> ids;
  for (const auto& r : requests) ids.push_back(r["id"]);
  return ids;
}

} // namespace

TEST_CASE("tma request open note assign status list and show end to end", "[e2e]") {
  Agency agency;
  agency.three_requests();

  auto list = agency.tma({"request", "list", "--format", "json"});
  auto doc = nlohmann::json::parse(list.out);
  CHECK(doc["schema"] == 1);
  auto requests = doc["requests"];
  REQUIRE(requests.size() == 3);
  CHECK(ids_of(requests) == std::vector<std::string>{"REQ-2026-0003", "REQ-2026-0002", "REQ-2026-0001"}); // by opening
  const auto& urgent = requests[2];
  CHECK(urgent["client"] == "acme");
  CHECK(urgent["site"] == "shop");
  CHECK(urgent["priority"] == "urgent");
  CHECK(urgent["category"] == "bug");
  CHECK(urgent["status"] == "resolved");
  CHECK(urgent["assignee"] == "Lea");
  CHECK(urgent["due"] == "2026-12-01");
  CHECK(urgent["opened_at"] == "2026-11-27T16:00:00Z");
  CHECK(urgent["opened_by"] == "Tester <tester@tma.invalid>");
  CHECK(urgent["first_response_at"] == "2026-11-30T10:00:00Z");
  CHECK(urgent["resolved_at"] == "2026-11-30T14:00:00Z");
  // 4h of business time: Friday 17:00-18:00 and Monday 09:00-12:00 Paris; answered at 11:00.
  CHECK(urgent["response"]["state"] == "met");
  CHECK(urgent["response"]["target_seconds"] == 4 * 3600);
  CHECK(urgent["response"]["used_seconds"] == 3 * 3600);
  CHECK(urgent["response"]["deadline"] == "2026-11-30T11:00:00Z");
  CHECK(urgent["time_spent_seconds"] == 0);
  REQUIRE(urgent["history"].size() == 4);
  CHECK(urgent["history"][1] == nlohmann::json{{"at", "2026-11-30T10:00:00Z"},
                                               {"actor", "Tester <tester@tma.invalid>"},
                                               {"what", "note"},
                                               {"text", "looking into it"}});
  CHECK(requests[1]["site"].is_null());
  CHECK(requests[1]["assignee"] == "Marc");
  CHECK(requests[1]["response"]["state"] == "met");
  CHECK(requests[1]["response"]["target_seconds"] == 3 * 86400);
  CHECK(requests[0]["response"].is_null()); // globex has no targets

  auto table = agency.tma({"request", "list"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("TARGET") != std::string::npos);
  CHECK(table.out.find("RESPONSE") != std::string::npos);
  CHECK(table.out.find("Checkout button misaligned") != std::string::npos);

  auto csv = agency.tma({"request", "list", "--format", "csv", "--fields", "id,status,target,response"});
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out == "ID,STATUS,TARGET,RESPONSE\n"
                   "REQ-2026-0003,new,-,-\n"
                   "REQ-2026-0002,new,3d,met\n"
                   "REQ-2026-0001,resolved,4h,met\n");

  SECTION("filters") {
    CHECK(ids_of(requests_of(agency.tma({"request", "list", "--client", "globex", "--format", "json"}))) ==
          std::vector<std::string>{"REQ-2026-0003"});
    CHECK(ids_of(requests_of(agency.tma({"request", "list", "--site", "shop", "--format", "json"}))) ==
          std::vector<std::string>{"REQ-2026-0001"});
    CHECK(ids_of(requests_of(agency.tma({"request", "list", "--status", "new", "--format", "json"}))) ==
          std::vector<std::string>{"REQ-2026-0003", "REQ-2026-0002"});
    CHECK(ids_of(requests_of(agency.tma({"request", "list", "--priority", "low", "--format", "json"}))) ==
          std::vector<std::string>{"REQ-2026-0003"});
    CHECK(ids_of(requests_of(agency.tma({"request", "list", "--assignee", "Marc", "--format", "json"}))) ==
          std::vector<std::string>{"REQ-2026-0002"});
    CHECK(agency.tma({"request", "list", "--client", "globex", "--status", "closed"}).out == "No requests match.\n");
  }

  SECTION("show") {
    auto show = agency.tma({"request", "show", "REQ-2026-0001"});
    REQUIRE(show.exit_code == 0);
    CHECK(show.out == "REQ-2026-0001  urgent  bug  Checkout button misaligned\n"
                      "  client: acme  site: shop\n"
                      "  status: resolved  assignee: Lea  due: 2026-12-01\n"
                      "  opened: 2026-11-27T16:00:00Z by Tester <tester@tma.invalid>\n"
                      "  first response: 2026-11-30T10:00:00Z\n"
                      "  resolved: 2026-11-30T14:00:00Z\n"
                      "  response target: 4h (3h used, due 2026-11-30T11:00:00Z): met\n"
                      "  time spent: 0s\n"
                      "  2026-11-27T16:00:00Z Tester <tester@tma.invalid> opened: Checkout button misaligned\n"
                      "  2026-11-30T10:00:00Z Tester <tester@tma.invalid> note: looking into it\n"
                      "  2026-11-30T10:30:00Z Tester <tester@tma.invalid> status: in_progress\n"
                      "  2026-11-30T14:00:00Z Tester <tester@tma.invalid> status: resolved\n");
    auto json = agency.tma({"request", "show", "REQ-2026-0003", "--format", "json"});
    REQUIRE(json.exit_code == 0);
    auto r = nlohmann::json::parse(json.out)["request"];
    CHECK(r["id"] == "REQ-2026-0003");
    CHECK(r["time_spent_seconds"] == 0);
    CHECK(r["incidents"] == nlohmann::json::array());
  }

  SECTION("open --format json prints the new request") {
    auto opened = agency.tma({"request", "open", "--client", "globex", "Renew the certificate", "--priority", "high",
                              "--category", "security", "--at", "2026-11-30T08:00:00Z", "--format", "json"});
    REQUIRE(opened.exit_code == 0);
    auto r = nlohmann::json::parse(opened.out)["request"];
    CHECK(r["id"] == "REQ-2026-0004");
    CHECK(r["priority"] == "high");
    CHECK(r["category"] == "security");
    CHECK(r["status"] == "new");
    CHECK(r["opened_at"] == "2026-11-30T08:00:00Z");
    CHECK(r["response"].is_null());
    CHECK(r["history"].size() == 1);
  }

  SECTION("errors are usage errors with the reason") {
    auto unknown = agency.tma({"request", "show", "REQ-2026-0099"});
    CHECK(unknown.exit_code == 64);
    CHECK(unknown.err == "tma: error: no request 'REQ-2026-0099' in the journal\n");
    auto bad_status = agency.tma({"request", "status", "REQ-2026-0002", "done"});
    CHECK(bad_status.exit_code == 64);
    CHECK(bad_status.err.find("status: unknown value 'done'") != std::string::npos);
    CHECK(bad_status.err.find("new, in_progress, waiting_client, resolved, closed") != std::string::npos);
    auto same = agency.tma({"request", "status", "REQ-2026-0001", "resolved"});
    CHECK(same.exit_code == 64);
    CHECK(same.err == "tma: error: REQ-2026-0001 is already resolved\n");
    auto client = agency.tma({"request", "open", "--client", "acmee", "x"});
    CHECK(client.exit_code == 64);
    CHECK(client.err == "tma: error: unknown client 'acmee' (did you mean 'acme'?)\n");
    auto site = agency.tma({"request", "open", "--client", "globex", "--site", "shop", "x"});
    CHECK(site.exit_code == 64);
    CHECK(site.err == "tma: error: site 'shop' belongs to client 'acme', not 'globex'\n");
    auto priority = agency.tma({"request", "open", "--client", "acme", "x", "--priority", "critical"});
    CHECK(priority.exit_code == 64);
    CHECK(priority.err.find("--priority: unknown value 'critical'") != std::string::npos);
    CHECK(agency.tma({"request", "open", "--client", "acme", "x", "--category", "feature"}).exit_code == 64);
    CHECK(agency.tma({"request", "open", "--client", "acme", "x", "--due", "soon"}).exit_code == 64);
    CHECK(agency.tma({"request", "open", "x"}).exit_code == 64); // --client is required
    auto blank = agency.tma({"request", "open", "--client", "acme", "  "});
    CHECK(blank.exit_code == 64);
    CHECK(blank.err == "tma: error: a request needs a title\n");
    CHECK(agency.tma({"request", "note", "REQ-2026-0002", "x", "--at", "2026-11-27T09:00:00Z"}).exit_code == 64);
    CHECK(agency.tma({"request", "list", "--status", "open"}).exit_code == 64);
    // Nothing above was recorded.
    CHECK(requests_of(agency.tma({"request", "list", "--format", "json"})).size() == 3);
  }
}

TEST_CASE("tma hours log --request and incident open --request link to a request", "[e2e]") {
  Agency agency;
  agency.three_requests();

  // Without --site or --client the entry is for the request's client and site.
  auto logged = agency.tma({"hours", "log", "--request", "REQ-2026-0001", "1h30", "fixed the CSS"});
  REQUIRE(logged.exit_code == 0);
  CHECK(logged.out.rfind("logged 1h30 billable (support) for acme / shop (REQ-2026-0001) on ", 0) == 0);
  REQUIRE(agency.tma({"hours", "log", "--client", "acme", "--request", "REQ-2026-0001", "30m", "deployed"}).exit_code == 0);
  auto entries = nlohmann::json::parse(agency.tma({"hours", "list", "--format", "json"}).out)["entries"];
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["request"] == "REQ-2026-0001");

  auto wrong_client = agency.tma({"hours", "log", "--client", "globex", "--request", "REQ-2026-0001", "1h", "x"});
  CHECK(wrong_client.exit_code == 64);
  CHECK(wrong_client.err == "tma: error: --request: REQ-2026-0001 is a request of client 'acme', not 'globex'\n");
  auto unknown = agency.tma({"hours", "log", "--request", "REQ-2026-0099", "1h", "x"});
  CHECK(unknown.exit_code == 64);
  CHECK(unknown.err == "tma: error: --request: no request 'REQ-2026-0099' in the journal\n");

  auto incident = agency.tma({"incident", "open", "--site", "shop", "--severity", "minor", "CSS broken", "--request",
                              "REQ-2026-0001", "--at", "2026-11-30T09:00:00Z"});
  REQUIRE(incident.exit_code == 0);
  CHECK(agency.tma({"incident", "show", "INC-2026-0001"}).out.find("  request: REQ-2026-0001\n") != std::string::npos);
  auto other = agency.tma({"incident", "open", "--site", "intranet", "--severity", "minor", "x", "--request", "REQ-2026-0001"});
  CHECK(other.exit_code == 64);
  CHECK(other.err.find("--request: REQ-2026-0001 is a request of client 'acme'") != std::string::npos);

  auto show = agency.tma({"request", "show", "REQ-2026-0001", "--format", "json"});
  REQUIRE(show.exit_code == 0);
  auto r = nlohmann::json::parse(show.out)["request"];
  CHECK(r["time_spent_seconds"] == 2 * 3600);
  CHECK(r["incidents"] == nlohmann::json::array({"INC-2026-0001"}));
  auto text = agency.tma({"request", "show", "REQ-2026-0001"}).out;
  CHECK(text.find("  time spent: 2h\n") != std::string::npos);
  CHECK(text.find("  incidents: INC-2026-0001\n") != std::string::npos);
  CHECK(requests_of(agency.tma({"request", "list", "--format", "json"}))[2]["time_spent_seconds"] == 2 * 3600);
}

TEST_CASE("tma summary counts requests and their median response and resolution times", "[e2e]") {
  Agency agency;
  agency.three_requests();
  auto summary = agency.tma({"summary", "--month", "2026-11", "--format", "json"});
  REQUIRE(summary.exit_code == 0);
  auto clients = nlohmann::json::parse(summary.out)["clients"];
  REQUIRE(clients.size() == 2);
  // acme: first responses after 1h (REQ-0002) and 2d18h (REQ-0001); REQ-0001 resolved after 2d22h.
  CHECK(clients[0]["request_stats"] == nlohmann::json{{"opened", 2},
                                                      {"closed", 1},
                                                      {"median_first_response_seconds", (3600 + 66 * 3600) / 2},
                                                      {"median_resolution_seconds", 70 * 3600}});
  CHECK(clients[1]["request_stats"]["opened"] == 1);
  CHECK(clients[1]["request_stats"]["closed"] == 0);
  CHECK(clients[1]["request_stats"]["median_first_response_seconds"].is_null());
  auto text = agency.tma({"summary", "--month", "2026-11"});
  CHECK(text.out.find("  requests: 2 opened, 1 closed, median first response 1d9h30m, median resolution 2d22h\n") !=
        std::string::npos);
  // A month without requests prints no request line.
  CHECK(agency.tma({"summary", "--month", "2026-10"}).out.find("requests:") == std::string::npos);
}
