// `tma incident`, `tma notify test` and the incident block of `tma summary`, end to end: the built
// binary on a temp inventory in a temp git repository, webhooks captured by a lab HTTP server.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <tma/notify/channel.hpp>

#include "support/lab.hpp"
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
  tma::test::LabHttp hooks{nlohmann::json{{"*", {{"status", 200}}}}};
  std::string inventory;
  std::map<std::string, std::optional<std::string>> env;
  Agency() {
    REQUIRE(git_init(dir.path().string()) == 0);
    inventory = dir.write("sites.yaml", tma::test::read_file(std::string(TMA_FIXTURES) + "/incident/sites.yaml"));
    env = {{"TMA_ACTOR", "Tester <tester@tma.invalid>"},
           {"TMA_INVENTORY", std::nullopt},
           {"HOOK_URL", hooks.url("/hook")},
           {"HOOK_SECRET", "hook-canary-5150"}};
  }
  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", inventory});
    auto out = tma::test::run_tma(args, env, dir.path().string());
    INFO(out.err);
    CHECK(out.out.find("hook-canary-5150") == std::string::npos);
    CHECK(out.err.find("hook-canary-5150") == std::string::npos);
    return out;
  }
};

} // namespace

TEST_CASE("tma incident open, ack, note, resolve, list, show end to end", "[e2e]") {
  Agency agency;
  // Friday 27 Nov 2026 16:00 in Paris; SLA critical: respond 1h, resolve 4h of business time.
  auto opened = agency.tma({"incident", "open", "--site", "shop", "--severity", "critical", "Checkout returns 500",
                            "--ticket", "T-881", "--at", "2026-11-27T15:00:00Z"});
  REQUIRE(opened.exit_code == 0);
  CHECK(opened.out == "opened INC-2026-0001 (critical) on shop: Checkout returns 500\n");
  CHECK(agency.tma({"incident", "ack", "INC-2026-0001", "--at", "2026-11-27T15:30:00Z"}).out == "acknowledged INC-2026-0001\n");
  CHECK(agency.tma({"incident", "note", "INC-2026-0001", "payment plugin rolled back"}).out == "noted on INC-2026-0001\n");
  // Saturday 11:00 Paris: 2h of business time after the opening (Friday 16:00-18:00).
  auto resolved = agency.tma({"incident", "resolve", "INC-2026-0001", "--cause", "plugin regression", "--at", "2026-11-28T10:00:00Z"});
  CHECK(resolved.out == "resolved INC-2026-0001 after 19h\n");
  auto minor = agency.tma({"incident", "open", "--site", "blog", "--severity", "minor", "Typo on the home page", "--at", "2026-11-27T10:00:00Z"});
  CHECK(minor.out == "opened INC-2026-0002 (minor) on blog: Typo on the home page\n");

  auto list = agency.tma({"incident", "list", "--format", "json"});
  REQUIRE(list.exit_code == 0);
  auto incidents = nlohmann::json::parse(list.out)["incidents"];
  REQUIRE(incidents.size() == 2);
  CHECK(incidents[0]["id"] == "INC-2026-0002"); // opened first
  CHECK(incidents[1]["id"] == "INC-2026-0001");
  CHECK(incidents[1]["status"] == "resolved");
  CHECK(incidents[1]["ticket"] == "T-881");
  CHECK(incidents[1]["time_to_acknowledge_seconds"] == 1800);
  CHECK(incidents[1]["time_to_resolve_seconds"] == 19 * 3600);
  CHECK(incidents[1]["sla"]["respond"]["status"] == "met");
  CHECK(incidents[1]["sla"]["resolve"]["status"] == "met");
  CHECK(incidents[1]["sla"]["resolve"]["used_seconds"] == 2 * 3600);
  CHECK(incidents[1]["notes"][0]["text"] == "payment plugin rolled back");
  CHECK(incidents[1]["notes"][0]["actor"] == "Tester <tester@tma.invalid>");

  auto open_only = agency.tma({"incident", "list", "--open"});
  CHECK(open_only.out.find("INC-2026-0002") != std::string::npos);
  CHECK(open_only.out.find("INC-2026-0001") == std::string::npos);
  CHECK(agency.tma({"incident", "list", "--site", "shop", "--month", "2026-10"}).out == "No incidents match.\n");

  auto show = agency.tma({"incident", "show", "INC-2026-0001"});
  REQUIRE(show.exit_code == 0);
  CHECK(show.out.find("INC-2026-0001  critical  Checkout returns 500\n") == 0);
  CHECK(show.out.find("  sla respond: met (30m of 1h used, due 2026-11-27T16:00:00Z)\n") != std::string::npos);
  CHECK(show.out.find("  sla resolve: met (2h of 4h used, due 2026-11-30T10:00:00Z)\n") != std::string::npos);
  CHECK(show.out.find("  cause: plugin regression\n") != std::string::npos);

  SECTION("errors are usage errors with the reason") {
    auto unknown = agency.tma({"incident", "ack", "INC-2026-0099"});
    CHECK(unknown.exit_code == 64);
    CHECK(unknown.err == "tma: error: no incident 'INC-2026-0099' in the journal\n");
    auto twice = agency.tma({"incident", "resolve", "INC-2026-0001"});
    CHECK(twice.exit_code == 64);
    CHECK(twice.err == "tma: error: INC-2026-0001 was already resolved at 2026-11-28T10:00:00Z\n");
    CHECK(agency.tma({"incident", "open", "--site", "shop", "--severity", "urgent", "x"}).exit_code == 64);
    CHECK(agency.tma({"incident", "ack", "INC-2026-0002", "--at", "2099-01-01"}).exit_code == 64);
  }

  SECTION("webhooks: one signed POST per event at or above major") {
    auto requests = agency.hooks.requests();
    // critical incident: opened, acknowledged, noted, resolved; the minor one notifies nothing
    REQUIRE(requests.size() == 4);
    std::vector<std::string> types;
    for (const auto& r : requests) {
      auto body = r["body"].get<std::string>();
      types.push_back(nlohmann::json::parse(body)["event_type"]);
      CHECK(r["headers"]["X-Tma-Signature"] == "sha256=" + tma::notify::hmac_sha256_hex("hook-canary-5150", body));
      CHECK(body.find("hook-canary-5150") == std::string::npos);
    }
    CHECK(types == std::vector<std::string>{"incident.opened", "incident.acknowledged", "incident.noted", "incident.resolved"});
  }

  SECTION("tma summary shows the incident block") {
    // Resolved so that nothing depends on today's date: first response and resolution after 1h.
    REQUIRE(agency.tma({"incident", "resolve", "INC-2026-0002", "--at", "2026-11-27T11:00:00Z"}).exit_code == 0);
    auto summary = agency.tma({"summary", "--month", "2026-11", "--format", "json"});
    REQUIRE(summary.exit_code == 0);
    auto stats = nlohmann::json::parse(summary.out)["clients"][0]["incident_stats"];
    CHECK(stats["total"] == 2);
    CHECK(stats["by_severity"]["critical"] == 1);
    CHECK(stats["by_severity"]["minor"] == 1);
    CHECK(stats["open"] == 0);
    CHECK(stats["mtta_seconds"] == (1800 + 3600) / 2);
    CHECK(stats["mttr_seconds"] == (19 * 3600 + 3600) / 2);
    CHECK(stats["sla"]["respond"]["met"] == 2);
    CHECK(stats["sla"]["resolve"]["met"] == 2);
    CHECK(stats["sla"]["respond"]["breached"] == 0);
    CHECK(stats["downtime_seconds"] == 0);
    CHECK(stats["uptime_percent"] == 100.0);
    auto text = agency.tma({"summary", "--month", "2026-11"});
    CHECK(text.out.find("  incidents: 2\n    by severity: 1 critical, 0 major, 1 minor (0 open)\n") != std::string::npos);
    CHECK(text.out.find("    MTTA 45m  MTTR 10h  SLA respond 2 met / 0 breached, resolve 2 met / 0 breached\n") != std::string::npos);
    CHECK(text.out.find("    downtime 0s  uptime 100.000 %\n") != std::string::npos);
  }

  SECTION("tma notify test and flush") {
    auto test = agency.tma({"notify", "test", "--channel", "team"});
    CHECK(test.exit_code == 0);
    CHECK(test.out.find("sent a test message through 'team' (event test-") == 0);
    CHECK(agency.tma({"notify", "test", "--channel", "nope"}).exit_code == 64);
    auto flush = agency.tma({"notify", "flush"});
    CHECK(flush.exit_code == 0);
    CHECK(flush.out == "0 sent, 0 still pending\n");
  }
}

TEST_CASE("tma incident: a channel that is down warns and the command still succeeds", "[e2e]") {
  Agency agency;
  agency.env["HOOK_URL"] = "http://127.0.0.1:" + std::to_string(tma::test::free_port()) + "/hook";
  auto opened = agency.tma({"incident", "open", "--site", "shop", "--severity", "major", "Slow checkout"});
  CHECK(opened.exit_code == 0);
  CHECK(opened.out == "opened INC-2026-0001 (major) on shop: Slow checkout\n");
  CHECK(opened.err.find("tma: warning: notification ") == 0);
  CHECK(opened.err.find("/team not delivered (will retry): ") != std::string::npos);
  // Still down: flush reports it and exits 2; back up: delivered once.
  CHECK(agency.tma({"notify", "flush"}).exit_code == 2);
  agency.env["HOOK_URL"] = agency.hooks.url("/hook");
  auto flush = agency.tma({"notify", "flush"});
  CHECK(flush.exit_code == 0);
  CHECK(flush.out.find("1 sent, 0 still pending\n") != std::string::npos);
  CHECK(agency.tma({"notify", "flush"}).out == "0 sent, 0 still pending\n");
  CHECK(agency.hooks.requests().size() == 1);
  // The journal (pending, failed and sent events) holds no secret: tma() checks its output.
  auto journal = agency.tma({"journal", "--format", "json"});
  CHECK(journal.exit_code == 0);
  CHECK(journal.out.find("notify.failed") != std::string::npos);
}
