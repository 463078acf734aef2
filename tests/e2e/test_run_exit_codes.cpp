// The `run.finished` event of every command that journals carries the exit code the process
// returned (docs/journal.md): the run is finished by the CLI once the exit code is known, whatever
// path led to it (success, findings, a failed or unreachable site, a refused command).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using tma::test::run_tma;

namespace {

struct Agency {
  tma::test::TempDir dir;
  std::string root = dir.file("agency");
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"TMA_INVENTORY", std::nullopt}, {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};
  std::set<std::string> seen_runs;
  std::vector<std::pair<std::string, int>> journaled; ///< (command, exit code) of each run checked

  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", root + "/sites.yaml"});
    return run_tma(args, env, root);
  }

  // Run `args`; if it journaled a run, its run.finished must hold the process's exit code.
  tma::test::Output check(const std::vector<std::string>& args) {
    auto out = args[0] == "init" ? run_tma(args, env, dir.path().string()) : tma(args);
    INFO(fmt::format("tma {} -> {}\n{}", fmt::join(args, " "), out.exit_code, out.err));
    auto listed = tma({"journal", "--type", "run.finished", "--format", "json"});
    REQUIRE(listed.exit_code == 0);
    int fresh = 0;
    auto doc = nlohmann::json::parse(listed.out);
    for (const auto& e : doc["events"]) {
      if (!seen_runs.insert(e["run"].get<std::string>()).second) continue;
      ++fresh;
      CHECK(e["data"]["exit_code"] == out.exit_code);
      journaled.emplace_back(e["data"]["command"].get<std::string>(), out.exit_code);
    }
    CHECK(fresh <= 1);
    return out;
  }
};

} // namespace

TEST_CASE("every command that journals a run records the exit code the process returns", "[e2e]") {
  Agency a;
  REQUIRE(a.check({"init", a.root}).exit_code == 0);
  std::filesystem::create_directories(a.root + "/site");
  std::ofstream(a.root + "/site/index.html") << "hello\n";
  // Port 9 on loopback is closed: every HTTP check and notification fails.
  auto inventory = [&](int keep_last) {
    std::ofstream(a.root + "/sites.yaml") << fmt::format(R"(agency: {{timezone: Europe/Paris}}
notify:
  channels:
    team: {{type: webhook, url: "http://127.0.0.1:9/hook"}}
  rules:
    - {{on: incident.opened, to: [team]}}
clients:
  a: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  www:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}/site"}}
      preprod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}/site"}}
    backup: {{method: custom, commands: {{page: [cat, "{0}/site/index.html"]}}, keep: {{last: {1}}}}}
)",
                                                         a.root, keep_last);
  };
  inventory(5);

  CHECK(a.check({"health", "--record"}).exit_code == 4); // journaled 70 before the fix
  a.check({"health", "--record"});                        // opens a monitoring incident
  a.check({"check"});
  CHECK(a.check({"perf", "--record"}).exit_code == 4); // the page is unreachable: recorded all the same
  CHECK(a.check({"backup", "--site", "www"}).exit_code == 0);
  a.check({"backup", "--site", "www"});
  a.check({"backup", "verify", "--site", "www"});
  inventory(1); // two backups, one to prune
  a.check({"backup", "prune", "--site", "www"});
  a.check({"restore", "--site", "www", "--to", "preprod"});
  a.check({"update", "--site", "www", "--yes"});
  CHECK(a.check({"hours", "log", "--site", "www", "1h", "fixed the menu"}).exit_code == 0);
  CHECK(a.check({"incident", "open", "--site", "www", "--severity", "minor", "slow pages", "--at", "2h"}).exit_code == 0);
  auto listed = nlohmann::json::parse(a.tma({"incident", "list", "--format", "json"}).out);
  std::string id;
  for (const auto& i : listed["incidents"]) {
    if (i["title"] == "slow pages") id = i["id"].get<std::string>();
  }
  REQUIRE_FALSE(id.empty());
  CHECK(a.check({"incident", "ack", id, "--at", "3h"}).exit_code == 64); // before the opening
  a.check({"incident", "ack", id});
  a.check({"incident", "note", id, "looked at it"});
  a.check({"incident", "resolve", id, "--cause", "cache"});
  CHECK(a.check({"notify", "flush"}).exit_code == 2); // the webhook is down: still pending

  // Every command that journals was seen journaling here.
  std::set<std::string> commands;
  for (const auto& [command, code] : a.journaled) commands.insert(command);
  for (const char* expected : {"init", "health --record", "check", "perf --record", "backup", "backup verify", "backup prune", "restore",
                               "update", "hours log", "incident open", "incident ack", "incident note",
                               "incident resolve", "notify flush"}) {
    INFO(expected);
    CHECK(commands.count(expected) == 1);
  }
}

TEST_CASE("commands start their journal run through the CLI context, which finishes it", "[e2e]") {
  // What makes the test above hold for every command: a run constructed anywhere else in src/cli
  // would be finished by the command itself, before the process's exit code is known.
  std::regex direct(R"(journal::Run\s+\w+\s*[({])");
  for (const auto& file : std::filesystem::directory_iterator(std::string(TMA_SOURCE_DIR) + "/src/cli")) {
    auto text = tma::test::read_file(file.path().string());
    INFO(file.path().string());
    CHECK_FALSE(std::regex_search(text, direct));
    CHECK((text.find(".finish(") == std::string::npos || file.path().filename() == "common.cpp"));
  }
}
