// `tma run --due` and `tma schedule` through the binary: a job runs once per slot, its claim and
// outcome are journaled, the run's exit code is the phases' bits; and several runners sharing one
// git remote run each due job exactly once (real processes, a real bare remote).
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/inventory/select.hpp>

#include "support/lab.hpp"
#include "support/schedule_text.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

namespace {

std::string inventory_text(const std::string& site_dir, const std::string& schedule, const std::string& extra = "") {
  return fmt::format(R"(agency: {{timezone: UTC}}
clients:
  a: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  www:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}"}}
    backup: {{method: custom, commands: {{page: [cat, "{0}/index.html"]}}, schedule: "{1}", keep: {{last: 5}}}}
    check: {{schedule: "{1}"}}
{2})",
                     site_dir, schedule, extra);
}

const std::map<std::string, std::optional<std::string>> k_env{
    {"http_proxy", std::nullopt}, {"TMA_INVENTORY", std::nullopt}, {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};

tma::test::Output tma_in(const std::string& root, std::vector<std::string> args) {
  args.insert(args.begin(), {"-i", root + "/sites.yaml"});
  return run_tma(args, k_env, root);
}

nlohmann::json events_of(const std::string& root, const std::string& type) {
  auto out = tma_in(root, {"journal", "--type", type, "--format", "json"});
  REQUIRE(out.exit_code == 0);
  return nlohmann::json::parse(out.out)["events"];
}

std::string agency_with_site(const tma::test::TempDir& dir, const std::string& name) {
  auto root = dir.file(name);
  REQUIRE(run_tma({"init", root}, k_env).exit_code == 0);
  std::filesystem::create_directories(dir.file("site"));
  std::ofstream(dir.file("site/index.html")) << "hello\n";
  return root;
}

} // namespace

TEST_CASE("tma run --due runs each due job once per slot and journals claim and outcome", "[e2e]") {
  tma::test::TempDir dir;
  auto root = agency_with_site(dir, "agency");
  std::ofstream(root + "/sites.yaml") << inventory_text(dir.file("site"), tma::test::daily_two_hours_ago());

  auto plan = tma_in(root, {"schedule", "--format", "json"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto jobs = nlohmann::json::parse(plan.out)["jobs"];
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0]["job"] == "backup:www:prod");
  CHECK(jobs[0]["due"] == true);
  CHECK(jobs[1]["job"] == "check:www");
  CHECK(jobs[1]["verdict"] == "due");
  // Updates are never scheduled on the built-in default.
  CHECK(plan.out.find("update:www") == std::string::npos);

  auto dry = tma_in(root, {"run", "--due", "--dry-run"});
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out.find("backup") != std::string::npos);
  CHECK(events_of(root, "job.").empty()); // a dry run claims nothing

  auto first = tma_in(root, {"run", "--due"});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK(first.out.find("== tma backup --kind scheduled --env prod") != std::string::npos);
  CHECK(first.out.find("== tma check") != std::string::npos);
  CHECK(first.out.find("2 job(s) run in 2 command(s)") != std::string::npos);
  auto backups = nlohmann::json::parse(tma_in(root, {"backups", "--format", "json"}).out)["backups"];
  CHECK(backups.size() == 1);

  auto claims = events_of(root, "job.claimed");
  auto finished = events_of(root, "job.finished");
  CHECK(claims.size() == 2);
  REQUIRE(finished.size() == 2);
  for (const auto& f : finished) CHECK(f["data"]["exit_code"] == 0);
  auto runs = events_of(root, "run.finished");
  bool seen = false;
  for (const auto& r : runs) {
    if (r["data"]["command"] == "run --due") {
      seen = true;
      CHECK(r["data"]["exit_code"] == 0);
    }
  }
  CHECK(seen);

  // Nothing is due again until the next slot.
  auto second = tma_in(root, {"run", "--due"});
  CHECK(second.exit_code == 0);
  CHECK(second.out.find("0 job(s) run in 0 command(s), 0 taken by another runner, 2 not due") != std::string::npos);
  CHECK(events_of(root, "job.claimed").size() == 2);
  auto after = nlohmann::json::parse(tma_in(root, {"schedule", "--format", "json"}).out)["jobs"];
  CHECK(after[0]["verdict"] == "not due");
  CHECK(after[0]["last_exit_code"] == 0);
}

TEST_CASE("tma run --due: a failing phase sets its exit bits and the other phases still run", "[e2e]") {
  tma::test::TempDir dir;
  auto root = agency_with_site(dir, "agency");
  // The backup command fails (no such file); the check still runs.
  std::ofstream(root + "/sites.yaml") << inventory_text(dir.file("missing"), tma::test::daily_two_hours_ago());
  auto out = tma_in(root, {"run", "--due", "--format", "json"});
  INFO(out.out << out.err);
  CHECK(out.exit_code == 2);
  auto doc = nlohmann::json::parse(out.out);
  REQUIRE(doc["phases"].size() == 2);
  CHECK(doc["phases"][0]["exit_code"] == 2);
  CHECK(doc["phases"][0]["output"]["backups"][0]["ok"] == false);
  CHECK(doc["phases"][1]["command"][0] == "check");
  auto finished = events_of(root, "job.finished");
  std::map<std::string, int> codes;
  for (const auto& f : finished) codes[f["data"]["job"].get<std::string>()] = f["data"]["exit_code"].get<int>();
  CHECK(codes["backup:www:prod"] == 2);
  CHECK(codes.count("check:www") == 1);
}

TEST_CASE("tma run --due: refusals", "[e2e]") {
  tma::test::TempDir dir;
  auto root = agency_with_site(dir, "agency");
  std::ofstream(root + "/sites.yaml") << inventory_text(dir.file("site"), tma::test::daily_two_hours_ago());
  CHECK(tma_in(root, {"run"}).exit_code == 64);
  auto bad_job = tma_in(root, {"run", "--due", "--job", "backups"});
  CHECK(bad_job.exit_code == 64);
  CHECK(bad_job.err.find("unknown job 'backups'") != std::string::npos);
  CHECK(tma_in(root, {"run", "--due", "--shard", "3/2"}).exit_code == 64);
  // A shard without the site has nothing to do, and that is not an error.
  int empty_shard = tma::inventory::shard_of("www", 2) == 1 ? 2 : 1;
  auto other = tma_in(root, {"schedule", "--shard", fmt::format("{}/2", empty_shard), "--format", "json"});
  CHECK(other.exit_code == 0);
  CHECK(nlohmann::json::parse(other.out)["jobs"].empty());
  // A schedule with a bad grammar is refused at load, with its place.
  std::ofstream(root + "/sites.yaml") << inventory_text(dir.file("site"), "every 7m");
  auto bad = tma_in(root, {"inventory", "check"});
  CHECK(bad.exit_code == 78);
  CHECK(bad.err.find("sites.www.backup.schedule: bad interval '7m'") != std::string::npos);
}

// Four runners at once, each in its own clone of the agency at `remote_url` (whose bare repository
// is `dir/remote.git`), as four CI jobs would: each due job runs exactly once.
static void runners_share_the_work(const tma::test::TempDir& dir, const std::string& remote_url) {
  auto remote = dir.file("remote.git");
  auto first = agency_with_site(dir, "runner0");
  std::ofstream(first + "/sites.yaml") << inventory_text(dir.file("site"), tma::test::daily_two_hours_ago());
  REQUIRE(tma::test::git(first, {"add", "sites.yaml", ".gitignore"}).exit_code == 0);
  REQUIRE(tma::test::git(first, {"commit", "-q", "-m", "agency"}).exit_code == 0);
  REQUIRE(tma::test::git(first, {"remote", "add", "origin", remote_url}).exit_code == 0);
  REQUIRE(tma::test::git(first, {"push", "-q", "origin", "HEAD:refs/heads/main"}).exit_code == 0);
  REQUIRE(tma_in(first, {"sync"}).exit_code == 0);
  std::vector<std::string> roots{first};
  for (int i = 1; i < 4; ++i) {
    auto root = dir.file("runner" + std::to_string(i));
    REQUIRE(tma::test::run_program({"git", "clone", "-q", "-b", "main", remote_url, root}, std::nullopt).exit_code == 0);
    roots.push_back(root);
  }

  std::vector<pid_t> pids;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    pids.push_back(tma::test::spawn({TMA_BINARY, "-i", roots[i] + "/sites.yaml", "run", "--due", "--sync"}, k_env,
                                    dir.file("runner" + std::to_string(i) + ".log")));
  }
  for (std::size_t i = 0; i < pids.size(); ++i) {
    int code = tma::test::wait_for(pids[i]);
    INFO(tma::test::read_file(dir.file("runner" + std::to_string(i) + ".log")));
    CHECK(code == 0);
  }
  for (const auto& root : roots) REQUIRE(tma_in(root, {"sync"}).exit_code == 0);
  REQUIRE(tma_in(first, {"sync"}).exit_code == 0);

  // Every job finished exactly once, in the journal every runner now has.
  auto finished = events_of(first, "job.finished");
  std::map<std::string, int> runs_of;
  for (const auto& f : finished) ++runs_of[f["data"]["job"].get<std::string>()];
  CHECK(runs_of == std::map<std::string, int>{{"backup:www:prod", 1}, {"check:www", 1}});
  // Every claim but the two winners was given back (how many runners claimed depends on timing).
  CHECK(events_of(first, "job.claimed").size() - events_of(first, "job.released").size() == 2);
  // One backup in all, wherever it was taken.
  std::size_t backups = 0;
  for (const auto& root : roots) {
    backups += nlohmann::json::parse(tma_in(root, {"backups", "--format", "json"}).out)["backups"].size();
  }
  CHECK(backups == 1);
  // Nothing is due anywhere now.
  for (const auto& root : roots) {
    auto plan = nlohmann::json::parse(tma_in(root, {"schedule", "--format", "json"}).out)["jobs"];
    for (const auto& job : plan) CHECK(job["due"] == false);
  }
}

TEST_CASE("tma run --due --sync: runners sharing a remote path run each due job exactly once", "[integration]") {
  tma::test::TempDir dir;
  REQUIRE(tma::test::run_program({"git", "init", "-q", "--bare", dir.file("remote.git")}, std::nullopt).exit_code == 0);
  runners_share_the_work(dir, dir.file("remote.git"));
}

TEST_CASE("tma run --due --sync: runners sharing a git server run each due job exactly once", "[integration]") {
  // A real git server (git daemon, receive-pack on loopback): the ref update is the server's
  // compare-and-swap, with no lock file of tma's in between.
  tma::test::TempDir dir;
  REQUIRE(tma::test::run_program({"git", "init", "-q", "--bare", dir.file("remote.git")}, std::nullopt).exit_code == 0);
  int port = tma::test::free_port();
  tma::test::Background daemon({"git", "daemon", "--reuseaddr", "--listen=127.0.0.1", fmt::format("--port={}", port),
                                "--export-all", "--enable=receive-pack", "--base-path=" + dir.path().string(),
                                dir.path().string()});
  REQUIRE(tma::test::wait_for_port(port, std::chrono::seconds(20)));
  runners_share_the_work(dir, fmt::format("git://127.0.0.1:{}/remote.git", port));
}

TEST_CASE("check and the other scheduled commands take --due and run their due jobs with claims", "[e2e]") {
  tma::test::TempDir dir;
  auto root = agency_with_site(dir, "agency");
  std::ofstream(root + "/sites.yaml") << inventory_text(dir.file("site"), tma::test::daily_two_hours_ago());
  auto check = tma_in(root, {"check", "--due"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("== tma check") != std::string::npos);
  CHECK(check.out.find("1 job(s) run in 1 command(s)") != std::string::npos);
  auto claims = events_of(root, "job.claimed");
  REQUIRE(claims.size() == 1);
  CHECK(claims[0]["data"]["job"] == "check:www");
  // Once claimed, not again; the backup job was not touched.
  CHECK(tma_in(root, {"check", "--due"}).out.find("0 job(s) run") != std::string::npos);
  CHECK(tma_in(root, {"update", "--due"}).out.find("0 job(s) run in 0 command(s), 0 taken by another runner, 0 not due") !=
        std::string::npos);
  // Options the schedule would silently ignore are refused.
  auto refused = tma_in(root, {"check", "--due", "--fail-on", "any"});
  CHECK(refused.exit_code == 64);
  CHECK(refused.err.find("--fail-on cannot go with --due") != std::string::npos);
  CHECK(tma_in(root, {"report", "--due", "--format", "pdf"}).exit_code == 64);
  CHECK(tma_in(root, {"notify", "flush", "--due"}).exit_code == 0);
}

TEST_CASE("connectors sync --due syncs each scheduled connector once per slot", "[e2e]") {
  tma::test::TempDir dir;
  auto root = agency_with_site(dir, "agency");
  // A Redmine nobody answers for: the job runs (and fails, bit 4), and is claimed once.
  std::ofstream(root + "/sites.yaml") << inventory_text(dir.file("site"), tma::test::daily_two_hours_ago(), fmt::format(R"(connectors:
  lab:
    type: redmine
    url: http://127.0.0.1:9
    api_key: 0123456789abcdef0123456789abcdef01234567
    projects: {{acme: a}}
    schedule: "{}"
  idle:
    type: redmine
    url: http://127.0.0.1:9
    api_key: 0123456789abcdef0123456789abcdef01234567
    projects: {{other: a}}
)",
                                                                                                      tma::test::daily_two_hours_ago()));
  auto plan = tma_in(root, {"run", "--due", "--dry-run", "--job", "connectors-sync", "--format", "json"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto jobs = nlohmann::json::parse(plan.out)["jobs"];
  REQUIRE(jobs.size() == 1); // `idle` has no schedule
  CHECK(jobs[0]["job"] == "connectors-sync:lab");
  auto synced = tma_in(root, {"connectors", "sync", "--due"});
  INFO(synced.out << synced.err);
  CHECK(synced.out.find("== tma connectors sync --connector lab") != std::string::npos);
  CHECK(synced.out.find("1 job(s) run in 1 command(s)") != std::string::npos);
  auto claims = events_of(root, "job.claimed");
  REQUIRE(claims.size() == 1);
  CHECK(claims[0]["data"]["job"] == "connectors-sync:lab");
  CHECK(tma_in(root, {"connectors", "sync", "--due"}).out.find("0 job(s) run") != std::string::npos);
  CHECK(tma_in(root, {"connectors", "sync", "--due", "--full"}).exit_code == 64);
}
