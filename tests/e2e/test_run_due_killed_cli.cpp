// `tma run --due` killed with -9 in the middle of a job: the job (a child tma in a process group of
// its own) stops with it, journals why, and releases the site's lock, so that the next night's
// backup runs. Found by the soak (docs/reliability.md, "A month, 200 sites, after the sync fixes"):
// an orphaned `tma backup` held nine site locks into the next night.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/run_tma.hpp"
#include "support/schedule_text.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

namespace {

const std::map<std::string, std::optional<std::string>> k_env{
    {"http_proxy", std::nullopt}, {"TMA_INVENTORY", std::nullopt}, {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};

// The backup command notes the pid of the tma that runs it (its parent), then waits while `hold`
// exists: the test decides when the backup may end.
constexpr const char* k_slow_backup = R"(#!/bin/sh
here=$(dirname "$0")
echo $PPID > "$here/backup.pid.tmp" && mv "$here/backup.pid.tmp" "$here/backup.pid"
while [ -e "$here/hold" ]; do sleep 0.1; done
cat "$here/index.html"
)";

bool wait_until(const std::function<bool()>& done, std::chrono::seconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// Gone, or a zombie nobody reaped yet (the orphan's new parent may not reap): not running any more.
bool process_ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && (text[close + 2] == 'Z' || text[close + 2] == 'X');
}

} // namespace

TEST_CASE("tma run --due killed with -9: its job stops too and journals it and frees the site lock", "[e2e]") {
  tma::test::TempDir dir;
  auto root = dir.file("agency");
  REQUIRE(run_tma({"init", root}, k_env).exit_code == 0);
  auto site = dir.file("site");
  std::filesystem::create_directories(site);
  std::ofstream(site + "/index.html") << "hello\n";
  std::ofstream(site + "/slow.sh") << k_slow_backup;
  std::filesystem::permissions(site + "/slow.sh", std::filesystem::perms::owner_all);
  std::ofstream(site + "/hold") << "";
  std::ofstream(root + "/sites.yaml") << fmt::format(R"(agency: {{timezone: UTC}}
clients:
  a: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  www:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}"}}
    backup: {{method: custom, commands: {{page: ["{0}/slow.sh"]}}, schedule: "{1}", keep: {{last: 5}}}}
)",
                                                     site, tma::test::daily_two_hours_ago());
  auto tma_in = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-i", root + "/sites.yaml"});
    return run_tma(args, k_env, root);
  };

  // The runner in a process group of its own, killed whole as a supervisor (or the OOM killer with
  // its group, or the soak's kill9) would.
  tma::test::SpawnSpec spec;
  spec.argv = {TMA_BINARY, "-i", root + "/sites.yaml", "run", "--due"};
  spec.env = k_env;
  spec.cwd = root;
  spec.out_path = spec.err_path = dir.file("runner.log");
  spec.own_group = true;
  pid_t runner = tma::test::start_process(spec);
  bool started = wait_until([&] { return std::filesystem::exists(site + "/backup.pid"); }, std::chrono::seconds(60));
  INFO(tma::test::read_file(dir.file("runner.log")));
  REQUIRE(started);
  pid_t job = std::stoi(tma::test::read_file(site + "/backup.pid"));
  REQUIRE(job != runner);
  REQUIRE(::kill(-runner, SIGKILL) == 0);
  CHECK(tma::test::wait_for(runner) == 128 + SIGKILL);

  // The job was `tma backup`, in its own group: the kill did not reach it. It must stop on its own.
  bool job_ended = wait_until([&] { return process_ended(job); }, std::chrono::seconds(30));
  std::filesystem::remove(site + "/hold"); // an orphan left running may now finish: the checks below still fail
  CHECK(job_ended);
  if (!job_ended) wait_until([&] { return process_ended(job); }, std::chrono::seconds(30));

  // It journaled its end as a failed backup, so the night's missing backup is said somewhere.
  auto failed = tma_in({"journal", "--type", "backup.failed", "--format", "json"});
  REQUIRE(failed.exit_code == 0);
  auto events = nlohmann::json::parse(failed.out)["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["site"] == "www");
  CHECK(events[0]["data"]["kind"] == "scheduled");
  CHECK(events[0]["data"]["error_kind"] == "interrupted");
  auto finished = tma_in({"journal", "--type", "backup.finished", "--format", "json"});
  CHECK(nlohmann::json::parse(finished.out)["events"].empty());

  // The site lock is free: the next backup runs at once.
  auto next = tma_in({"backup", "--site", "www"});
  INFO(next.out << next.err);
  CHECK(next.exit_code == 0);
}
