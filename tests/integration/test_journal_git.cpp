// The git journal on real temporary repositories: round trip, pruning, crash safety, locks.

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace tma;
using journal::Event;
using journal::Filter;

namespace {

core::SysSeconds at(const char* text) { return *core::parse_rfc3339(text); }

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

// A work-tree repository with a commit on main, a staged change and an unstaged one: the journal
// must leave all three as they are.
std::string make_user_repo(const test::TempDir& dir) {
  auto repo = dir.file("agency");
  REQUIRE(test::run_program({"git", "init", "-q", "-b", "main", repo}).exit_code == 0);
  dir.write("agency/sites.yaml", "version: 1\n");
  REQUIRE(test::git(repo, {"add", "sites.yaml"}).exit_code == 0);
  REQUIRE(test::git(repo, {"commit", "-q", "-m", "inventory"}).exit_code == 0);
  dir.write("agency/staged.txt", "staged\n");
  REQUIRE(test::git(repo, {"add", "staged.txt"}).exit_code == 0);
  dir.write("agency/sites.yaml", "version: 1\n# edited, not staged\n");
  return repo;
}

std::unique_ptr<journal::Journal> open(const std::string& repo) {
  auto opened = journal::open_git_journal({repo, "refs/heads/tma-journal"});
  REQUIRE(opened);
  return std::move(*opened);
}

std::vector<std::string> run_files(const std::string& repo) {
  auto out = test::git(repo, {"ls-tree", "-r", "--name-only", "refs/heads/tma-journal"});
  std::vector<std::string> files;
  std::istringstream lines(out.out);
  for (std::string l; std::getline(lines, l);) {
    if (l.size() > 6 && l.substr(l.size() - 6) == ".jsonl") files.push_back(l);
  }
  return files;
}

} // namespace

// Hidden helper run in child processes (spawn_helper): writes TMA_TEST_RUNS runs of
// TMA_TEST_EVENTS events of type test.event, tagged TMA_TEST_TAG, into TMA_TEST_REPO.
TEST_CASE("journal test helper: writer", "[.journal-helper]") {
  auto repo = env_or("TMA_TEST_REPO", "");
  REQUIRE_FALSE(repo.empty());
  int runs = std::stoi(env_or("TMA_TEST_RUNS", "1"));
  int per_run = std::stoi(env_or("TMA_TEST_EVENTS", "1"));
  auto tag = env_or("TMA_TEST_TAG", "t");
  auto store = open(repo);
  for (int r = 0; r < runs; ++r) {
    journal::Run run(*store, "test-writer");
    for (int n = 0; n < per_run; ++n) {
      run.record("test.event", {"site-" + tag, "prod", "client"}, {{"tag", tag}, {"run", r}, {"n", n}, {"of", per_run}});
    }
    auto done = run.finish(0);
    REQUIRE(done);
  }
}

TEST_CASE("journal: git append/read round trip leaves the work tree and index alone", "[integration]") {
  test::TempDir dir;
  auto repo = make_user_repo(dir);
  auto status_before = test::git(repo, {"status", "--porcelain"}).out;
  auto index_before = test::read_file(repo + "/.git/index");
  auto head_before = test::git(repo, {"rev-parse", "HEAD"}).out;

  test::EnvGuard actor("TMA_ACTOR", "Ana <ana@agency.example>");
  auto store = open(repo);
  std::string run_id;
  {
    journal::Run run(*store, "backup");
    run_id = run.id();
    run.record("backup.finished", {"acme-www", "prod", "acme"}, {{"bytes", 42}, {"artifact", "db.sql.gz"}});
    run.record("backup.failed", {"bistro", "prod", "bistro"}, {{"error", "timeout"}});
    REQUIRE(run.finish(2));
  }
  auto events = journal::read_events(*store, {});
  REQUIRE(events);
  REQUIRE(events->size() == 4);
  // Same second: later in the run comes first.
  CHECK((*events)[0].type == "run.finished");
  CHECK((*events)[1].type == "backup.failed");
  CHECK((*events)[2].type == "backup.finished");
  CHECK((*events)[2].data["bytes"] == 42);
  CHECK((*events)[2].actor == "Ana <ana@agency.example>");
  CHECK((*events)[2].site == "acme-www");
  CHECK((*events)[3].type == "run.started");

  auto files = run_files(repo);
  REQUIRE(files.size() == 1);
  auto date = core::format_rfc3339_utc(events->front().at);
  auto expected_prefix = "journal/" + date.substr(0, 4) + "/" + date.substr(5, 2) + "/" + date.substr(8, 2) + "/";
  CHECK(files[0].rfind(expected_prefix, 0) == 0);
  CHECK(files[0].substr(files[0].size() - run_id.size() - 6) == run_id + ".jsonl");

  CHECK(test::git(repo, {"status", "--porcelain"}).out == status_before);
  CHECK(test::read_file(repo + "/.git/index") == index_before);
  CHECK(test::git(repo, {"rev-parse", "HEAD"}).out == head_before);
  CHECK(test::git(repo, {"fsck", "--strict"}).exit_code == 0);
}

TEST_CASE("journal: git scan matches an in-memory oracle for time, type and site filters", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto store = open(repo);
  journal::MemoryJournal oracle;
  std::mt19937 random(7);
  auto base = at("2026-03-27T00:00:00Z");
  std::set<long long> used;
  for (int r = 0; r < 40; ++r) {
    // Runs start at random times over 6 days, some late in the evening so that their events
    // spill into the next day (up to 20 hours later).
    auto started = base + std::chrono::seconds(random() % (6 * 86400));
    std::string run_id = fmt::format("run{:04}", r);
    std::vector<Event> events;
    for (int n = 0; n < 6; ++n) {
      Event e;
      long long offset = random() % (20 * 3600);
      while (used.count((started + std::chrono::seconds(offset)).time_since_epoch().count())) ++offset;
      used.insert((started + std::chrono::seconds(offset)).time_since_epoch().count());
      e.at = started + std::chrono::seconds(offset);
      e.id = fmt::format("{}-{}", run_id, n);
      e.run = run_id;
      e.actor = "t";
      e.type = n % 2 ? "backup.finished" : "update.step";
      e.site = fmt::format("site-{}", random() % 5);
      e.client = "c" + std::to_string(random() % 2);
      events.push_back(e);
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
    started = events.front().at;
    REQUIRE(store->write_run(run_id, started, events));
    REQUIRE(oracle.write_run(run_id, started, events));
  }
  std::vector<Filter> filters(6);
  filters[1].since = at("2026-03-29T00:00:00Z");
  filters[2].since = at("2026-03-28T12:00:00Z");
  filters[2].until = at("2026-03-30T01:00:00Z");
  filters[3].types = {"backup.*"};
  filters[3].sites = {"site-1", "site-3"};
  filters[4].clients = {"c1"};
  filters[4].until = at("2026-03-29T00:00:00Z");
  filters[5].since = at("2026-04-01T23:00:00Z");
  for (std::size_t i = 0; i < filters.size(); ++i) {
    INFO("filter " << i);
    auto got = journal::read_events(*store, filters[i]);
    auto want = journal::read_events(oracle, filters[i]);
    REQUIRE(got);
    REQUIRE(want);
    std::vector<std::string> got_ids, want_ids;
    for (const auto& e : *got) got_ids.push_back(e.id);
    for (const auto& e : *want) want_ids.push_back(e.id);
    CHECK(got_ids == want_ids);
  }
  auto limited = journal::read_events(*store, {}, 3);
  REQUIRE(limited);
  CHECK(limited->size() == 3);
}

TEST_CASE("journal: a run file is rewritten only with a longer version of itself", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto store = open(repo);
  {
    journal::Run run(*store, "update");
    run.record("update.step", {"s", "prod", "c"}, {{"step", "maintenance_on"}});
    REQUIRE(run.flush());
    CHECK(journal::read_events(*store, {})->size() == 2);
    run.record("update.step", {"s", "prod", "c"}, {{"step", "core"}});
    REQUIRE(run.finish(0));
  }
  CHECK(journal::read_events(*store, {})->size() == 4);
  CHECK(run_files(repo).size() == 1);
  Event other;
  auto events = journal::read_events(*store, {});
  std::vector<Event> shorter{events->back()};
  shorter[0].data = {{"changed", true}};
  auto refused = store->write_run(shorter[0].run, shorter[0].at, shorter);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("not overwritten") != std::string::npos);
}

TEST_CASE("journal: concurrent writer processes lose no event", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < 4; ++p) {
    pids.push_back(test::spawn_helper("journal test helper: writer",
                                      {{"TMA_TEST_REPO", repo}, {"TMA_TEST_RUNS", "25"}, {"TMA_TEST_EVENTS", "2"},
                                       {"TMA_TEST_TAG", "p" + std::to_string(p)}},
                                      dir.file("err" + std::to_string(p))));
  }
  for (std::size_t p = 0; p < pids.size(); ++p) {
    INFO(test::read_file(dir.file("err" + std::to_string(p))));
    CHECK(test::wait_for(pids[p]) == 0);
  }
  Filter f;
  f.types = {"test.event"};
  auto events = journal::read_events(*open(repo), f);
  REQUIRE(events);
  std::set<std::string> ids;
  for (const auto& e : *events) ids.insert(e.id);
  CHECK(events->size() == 200);
  CHECK(ids.size() == 200);
  CHECK(run_files(repo).size() == 100);
  CHECK(test::git(repo, {"fsck", "--strict"}).exit_code == 0);
}

TEST_CASE("journal: a SIGKILLed writer leaves whole run files or none", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  constexpr int k_per_run = 30;
  for (int round = 0; round < 4; ++round) {
    auto pid = test::spawn_helper("journal test helper: writer",
                                  {{"TMA_TEST_REPO", repo}, {"TMA_TEST_RUNS", "100000"},
                                   {"TMA_TEST_EVENTS", std::to_string(k_per_run)},
                                   {"TMA_TEST_TAG", "k" + std::to_string(round)}},
                                  dir.file("err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 97 * round));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    CHECK(test::wait_for(pid) == 128 + SIGKILL);
  }
  auto files = run_files(repo);
  CHECK_FALSE(files.empty());
  for (const auto& file : files) {
    auto content = test::git(repo, {"show", "refs/heads/tma-journal:" + file}).out;
    auto lines = std::count(content.begin(), content.end(), '\n');
    INFO(file);
    CHECK(lines == k_per_run + 2);
    CHECK(content.find("\"run.finished\"") != std::string::npos);
  }
  CHECK(test::git(repo, {"fsck", "--strict"}).exit_code == 0);
  // And the journal still takes appends (a ref lock left by the kill is cleared, loudly).
  auto err = dir.file("after");
  auto pid = test::spawn_helper("journal test helper: writer", {{"TMA_TEST_REPO", repo}, {"TMA_TEST_TAG", "after"}}, err);
  INFO(test::read_file(err));
  CHECK(test::wait_for(pid) == 0);
  CHECK(run_files(repo).size() == files.size() + 1);
}

TEST_CASE("journal: a stale ref lock from a crashed tma is cleared with a message", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  REQUIRE(journal::init_journal_ref({repo, "refs/heads/tma-journal"}));
  auto lock = dir.write("r/refs/heads/tma-journal.lock", "0000000000000000000000000000000000000000\n");
  auto err = dir.file("err");
  auto pid = test::spawn_helper("journal test helper: writer", {{"TMA_TEST_REPO", repo}, {"TMA_TEST_TAG", "s"}}, err);
  CHECK(test::wait_for(pid) == 0);
  auto message = test::read_file(err);
  CHECK(message.find("removed stale lock") != std::string::npos);
  CHECK(message.find("tma-journal.lock") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lock));
  CHECK(run_files(repo).size() == 1);
}

TEST_CASE("journal: the machine lock serialises tma processes and times out clearly", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  // Hold the lock from another process (flock) while a writer starts; release, and it proceeds.
  auto holder = test::spawn({"flock", repo + "/tma-journal.flock", "sleep", "1"}, {});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto started = std::chrono::steady_clock::now();
  auto pid = test::spawn_helper("journal test helper: writer", {{"TMA_TEST_REPO", repo}}, dir.file("err"));
  CHECK(test::wait_for(pid) == 0);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(500));
  CHECK(test::wait_for(holder) == 0);
  CHECK(run_files(repo).size() == 1);
}

TEST_CASE("journal: opening outside a repository or with a bad ref fails clearly", "[integration]") {
  test::TempDir dir;
  auto missing = journal::open_git_journal({dir.file("nowhere"), "refs/heads/tma-journal"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("not in a git repository") != std::string::npos);
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", dir.file("r")}).exit_code == 0);
  auto bad = journal::open_git_journal({dir.file("r"), "refs/heads/bad..name"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("not a valid git ref") != std::string::npos);
}

TEST_CASE("journal: actor comes from TMA_ACTOR, else the repository's git identity", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", repo}).exit_code == 0);
  REQUIRE(test::run_program({"git", "-C", repo, "config", "user.name", "Bob Martin"}).exit_code == 0);
  REQUIRE(test::run_program({"git", "-C", repo, "config", "user.email", "bob@agency.example"}).exit_code == 0);
  {
    test::EnvGuard actor("TMA_ACTOR", std::nullopt);
    CHECK(journal::resolve_actor(repo) == "Bob Martin <bob@agency.example>");
  }
  test::EnvGuard actor("TMA_ACTOR", "cron on web1");
  CHECK(journal::resolve_actor(repo) == "cron on web1");
}
