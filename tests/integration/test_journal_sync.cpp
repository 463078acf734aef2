// `tma init` and `tma sync` end to end: two agency clones, a bare remote, concurrent writers.

#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include <tma/journal/agency_init.hpp>
#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>
#include <tma/journal/sync.hpp>

#include "support/agency_repo.hpp"
#include "support/process.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using namespace tma;

namespace {

std::string tip(const std::string& repo) {
  return test::git(repo, {"rev-parse", "--verify", "-q", "refs/heads/tma-journal"}).out;
}

using test::test_events;

test::Output tma_sync(const std::string& dir) { return test::run_tma({"sync"}, {}, dir); }

// A bare remote and agency `a` cloned to it, in `dir`; `synced`: `a` has pushed its journal once.
struct AgencyWithRemote {
  std::string remote;
  std::string a;
  AgencyWithRemote(const test::TempDir& dir, bool synced) : remote(dir.file("remote.git")), a(dir.file("a")) {
    REQUIRE(test::run_program({"git", "init", "-q", "--bare", remote}).exit_code == 0);
    test::make_agency(a, remote);
    if (synced) REQUIRE(tma_sync(a).exit_code == 0);
  }
};

// Agency `b` in `dir`: a clone of the remote after `a` pushed its inventory, its journal synced.
std::string second_clone(const test::TempDir& dir, const AgencyWithRemote& agency) {
  REQUIRE(test::git(agency.a, {"push", "-q", "origin", "HEAD:refs/heads/main"}).exit_code == 0);
  auto b = dir.file("b");
  REQUIRE(test::run_program({"git", "clone", "-q", "-b", "main", agency.remote, b}).exit_code == 0);
  REQUIRE(tma_sync(b).exit_code == 0);
  return b;
}

// Both sides move: `a` records a run and pushes it, `b` records one it has not pushed, so b's next
// sync must fetch a's commit, merge and push its own. Returns b's commit before that sync.
std::string both_sides_moved(const std::string& a, const std::string& b) {
  REQUIRE(test::run_tma({"init", a}).exit_code == 0);
  REQUIRE(tma_sync(a).exit_code == 0);
  REQUIRE(test::run_tma({"init", b}).exit_code == 0);
  auto b_tip = tip(b);
  return b_tip.substr(0, b_tip.find('\n'));
}

bool in_remote_journal(const std::string& remote, const std::string& commit) {
  return test::git(remote, {"merge-base", "--is-ancestor", commit, "refs/heads/tma-journal"}).exit_code == 0;
}

} // namespace

TEST_CASE("tma init creates the repository, inventory, .gitignore and journal ref, idempotently", "[integration]") {
  test::TempDir dir;
  auto agency = dir.file("agency");
  auto first = test::run_tma({"init", agency});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("created git repository") != std::string::npos);
  CHECK(std::filesystem::exists(agency + "/.git"));
  auto inventory = test::read_file(agency + "/sites.yaml");
  CHECK(inventory == std::string(journal::starter_inventory()));
  CHECK(test::read_file(agency + "/.gitignore").find("backups/\n.tma-cache/\n") != std::string::npos);
  CHECK_FALSE(tip(agency).empty());
  // Nothing staged or committed on the user's side.
  CHECK(test::git(agency, {"status", "--porcelain"}).out == "?? .gitignore\n?? sites.yaml\n");

  // Again: keeps the edited inventory, adds only missing .gitignore lines.
  dir.write("agency/sites.yaml", "# mine\n");
  dir.write("agency/.gitignore", "node_modules/\nbackups/\n");
  auto second = test::run_tma({"init", agency});
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("kept existing") != std::string::npos);
  CHECK(test::read_file(agency + "/sites.yaml") == "# mine\n");
  CHECK(test::read_file(agency + "/.gitignore") == "node_modules/\nbackups/\n.tma-cache/\n");
  auto log = test::git(agency, {"log", "--format=%s", "refs/heads/tma-journal"}).out;
  CHECK(std::count(log.begin(), log.end(), '\n') == 3); // start + two init runs
}

TEST_CASE("tma sync: two clones with concurrent writers converge, every event exactly once", "[integration]") {
  test::TempDir dir;
  auto [remote, a] = AgencyWithRemote(dir, false);
  auto first = tma_sync(a);
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("pushed") != std::string::npos);
  REQUIRE(test::git(a, {"push", "-q", "origin", "HEAD:refs/heads/main"}).exit_code == 0);
  auto b = dir.file("b");
  REQUIRE(test::run_program({"git", "clone", "-q", "-b", "main", remote, b}).exit_code == 0);

  // 4 writer processes per clone, 50 events each, all at the same time.
  std::vector<pid_t> pids;
  for (const auto& [repo, name] : {std::pair{a, "a"}, std::pair{b, "b"}}) {
    for (int p = 0; p < 4; ++p) {
      pids.push_back(test::spawn_helper("journal test helper: writer",
                                        {{"TMA_TEST_REPO", repo}, {"TMA_TEST_RUNS", "25"}, {"TMA_TEST_EVENTS", "2"},
                                         {"TMA_TEST_TAG", std::string(name) + std::to_string(p)}}));
    }
  }
  for (auto pid : pids) CHECK(test::wait_for(pid) == 0);

  for (const auto& repo : {a, b, a}) {
    auto out = tma_sync(repo);
    INFO(repo << ": " << out.out << out.err);
    REQUIRE(out.exit_code == 0);
  }
  CHECK(tip(a) == tip(b));
  CHECK(test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out == tip(a));
  for (const auto& repo : {a, b}) {
    auto events = test_events(repo);
    std::set<std::string> ids;
    for (const auto& e : events) ids.insert(e.id);
    CHECK(events.size() == 400);
    CHECK(ids.size() == 400);
  }
  for (const auto& repo : {a, b, remote}) {
    auto fsck = test::git(repo, {"fsck", "--strict"});
    INFO(repo << ": " << fsck.out << fsck.err);
    CHECK(fsck.exit_code == 0);
  }
  // The user's work trees are untouched by all of this.
  CHECK(test::git(a, {"status", "--porcelain"}).out.empty());
  CHECK(test::git(b, {"status", "--porcelain"}).out.empty());
  // A second sync with nothing new says so.
  auto idle = tma_sync(b);
  REQUIRE(idle.exit_code == 0);
  CHECK(idle.out.find("nothing to push") != std::string::npos);
}

TEST_CASE("tma sync: a rejected push is an error, never success", "[integration]") {
  test::TempDir dir;
  auto [remote, a] = AgencyWithRemote(dir, true);
  auto remote_before = test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out;
  // New local events, and a remote whose ref cannot be updated (held by a ref lock there).
  REQUIRE(test::run_tma({"init", a}).exit_code == 0);
  dir.write("remote.git/refs/heads/tma-journal.lock", "held\n");
  auto out = tma_sync(a);
  INFO(out.out << out.err);
  CHECK(out.exit_code != 0);
  CHECK(out.err.find("push to 'origin'") != std::string::npos);
  CHECK(out.out.find("pushed") == std::string::npos);
  std::filesystem::remove(dir.file("remote.git/refs/heads/tma-journal.lock"));
  CHECK(test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out == remote_before);
}

TEST_CASE("journal::sync_journal: a push rejected between fetch and push is fetched merged and pushed again",
          "[integration]") {
  test::TempDir dir;
  AgencyWithRemote agency(dir, true);
  const auto& [remote, a] = agency;
  auto b = second_clone(dir, agency);
  // New events on both sides (each `tma init` records its run).
  REQUIRE(test::run_tma({"init", a}).exit_code == 0);
  REQUIRE(test::run_tma({"init", b}).exit_code == 0);
  auto a_before = tip(a);
  auto b_before = tip(b);
  REQUIRE(a_before != b_before);

  // Runner B syncs while A sits between its fetch and its push (the turn on this path remote is
  // released meanwhile, or B would wait for A): A's push must then be rejected and A recover.
  int paused = 0;
  test::Output b_sync;
  journal::SyncOptions options{a, "refs/heads/tma-journal", "origin", 8};
  options.between_fetch_and_push = [&] {
    ++paused;
    b_sync = tma_sync(b);
  };
  auto report = journal::sync_journal(options);
  REQUIRE(report);
  INFO(b_sync.out << b_sync.err);
  CHECK(paused == 1);
  CHECK(b_sync.exit_code == 0);
  CHECK(b_sync.out.find("pushed") != std::string::npos);
  CHECK(report->attempts == 2); // the first push was rejected: the remote moved since A's fetch
  CHECK(report->pushed);
  CHECK(report->merge == journal::SyncReport::Merge::merge_commit);
  auto remote_tip = test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out;
  CHECK(remote_tip == tip(a));
  // Nothing lost: both sides' commits are in the remote's journal.
  for (const auto& before : {a_before, b_before}) CHECK(in_remote_journal(remote, before.substr(0, before.find('\n'))));
  REQUIRE(tma_sync(b).exit_code == 0);
  CHECK(tip(b) == tip(a));
}

TEST_CASE("tma sync: a conflict outside the run files stops with a clear message and changes nothing",
          "[integration]") {
  test::TempDir dir;
  auto [remote, a] = AgencyWithRemote(dir, true);
  // Someone edits journal/README by hand on the remote, and differently in a.
  for (const auto& [source, text] : {std::pair{remote, "remote edit\n"}, std::pair{a, "local edit\n"}}) {
    auto scratch = dir.file(std::string("edit-") + text[0]);
    REQUIRE(test::run_program({"git", "clone", "-q", "-b", "tma-journal", source, scratch}).exit_code == 0);
    dir.write(std::filesystem::path(scratch).filename().string() + "/journal/README", text);
    REQUIRE(test::git(scratch, {"commit", "-q", "-am", "hand edit"}).exit_code == 0);
    REQUIRE(test::git(scratch, {"push", "-q", "origin", "tma-journal"}).exit_code == 0);
  }
  auto local_before = tip(a);
  auto remote_before = test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out;
  auto out = tma_sync(a);
  INFO(out.out << out.err);
  CHECK(out.exit_code != 0);
  CHECK(out.err.find("conflicts with the local one in journal/README") != std::string::npos);
  CHECK(out.err.find("nothing was changed") != std::string::npos);
  CHECK(tip(a) == local_before);
  CHECK(test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out == remote_before);
}

TEST_CASE("journal::sync_journal: an unknown remote is a configuration error", "[integration]") {
  test::TempDir dir;
  auto repo = dir.file("r");
  REQUIRE(test::run_program({"git", "init", "-q", repo}).exit_code == 0);
  auto result = journal::sync_journal({repo, "refs/heads/tma-journal", "origin", 3});
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == core::ErrorKind::config);
  CHECK(result.error().message.find("no git remote 'origin'") != std::string::npos);
}

TEST_CASE("tma sync: a ref lock a killed sync left on the remote-tracking ref stops no later sync", "[integration]") {
  // A sync SIGKILLed while libgit2 updated refs/remotes/origin/tma-journal left its lock file, and
  // every later sync of that clone failed to fetch ("failed to lock file"; found by the soak's kill9
  // over SSH). tma's sync writes no remote-tracking ref, so the leftover is in nobody's way.
  test::TempDir dir;
  AgencyWithRemote agency(dir, true);
  const auto& [remote, a] = agency;
  auto b = second_clone(dir, agency);
  auto tracking_before = test::git(b, {"rev-parse", "-q", "--verify", "refs/remotes/origin/tma-journal"}).out;
  dir.write("b/.git/refs/remotes/origin/tma-journal.lock", "");
  auto b_before = both_sides_moved(a, b);
  auto out = tma_sync(b);
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(out.out.find("pushed") != std::string::npos);
  auto remote_tip = test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out;
  CHECK(remote_tip == tip(b));
  CHECK(in_remote_journal(remote, b_before));
  REQUIRE(tma_sync(a).exit_code == 0);
  CHECK(tip(a) == tip(b));
  // The remote-tracking ref is git's, left as it was: tma neither wrote it nor took its lock.
  CHECK(test::git(b, {"rev-parse", "-q", "--verify", "refs/remotes/origin/tma-journal"}).out == tracking_before);
  CHECK(std::filesystem::exists(dir.file("b/.git/refs/remotes/origin/tma-journal.lock")));
}

TEST_CASE("journal::sync_journal: a journal ref lock left by a killed process is removed and the merge lands",
          "[integration]") {
  // A process killed while it moved refs/heads/tma-journal leaves its lock file. Under the machine
  // lock that file can only be stale; the sync must outwait k_stale_lock_after and remove it
  // instead of failing (it gave up after 20 quick retries before, under 2 s).
  test::TempDir dir;
  AgencyWithRemote agency(dir, true);
  const auto& [remote, a] = agency;
  auto b = second_clone(dir, agency);
  auto b_before = both_sides_moved(a, b);
  dir.write("b/.git/refs/heads/tma-journal.lock", "");
  auto report = journal::sync_journal({b, "refs/heads/tma-journal", "origin", 8});
  INFO((report ? std::string() : report.error().message));
  REQUIRE(report);
  CHECK(report->merge == journal::SyncReport::Merge::merge_commit);
  CHECK(report->pushed);
  CHECK_FALSE(std::filesystem::exists(dir.file("b/.git/refs/heads/tma-journal.lock")));
  CHECK(test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out == tip(b));
  CHECK(in_remote_journal(remote, b_before));
}

TEST_CASE("journal::sync_journal: a fetch from a path remote copies only what the remote has new, not the journal",
          "[integration]") {
  // libgit2's transport for a path remote leaves out of the fetched pack only what the clone's refs
  // point at. With the journal ref ahead of the remote (a run recorded since the last sync) nothing
  // was left out: every fetch copied the whole journal again (the soak's month, 400 MB per clone by
  // day 5). refs/tma/seen/<remote> keeps the remote's tip as last seen, so only the new part comes.
  test::TempDir dir;
  AgencyWithRemote agency(dir, true);
  const auto& [remote, a] = agency;
  auto b = second_clone(dir, agency);
  for (int round = 0; round < 3; ++round) {
    both_sides_moved(a, b);
    REQUIRE(tma_sync(b).exit_code == 0);
  }
  auto seen_before = test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out;
  CHECK(test::git(b, {"rev-parse", "refs/tma/seen/origin"}).out == seen_before); // recorded by b's push

  both_sides_moved(a, b);
  auto remote_tip = test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out;
  auto count_objects = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"rev-list", "--objects"});
    auto listed = test::git(remote, args).out;
    return static_cast<unsigned long long>(std::count(listed.begin(), listed.end(), '\n'));
  };
  auto trim = [](std::string s) { return s.substr(0, s.find('\n')); };
  auto history = count_objects({"refs/heads/tma-journal"});
  auto new_part = count_objects({trim(remote_tip), "^" + trim(seen_before)});
  REQUIRE(new_part > 0);
  REQUIRE(new_part * 4 < history);

  auto report = journal::sync_journal({b, "refs/heads/tma-journal", "origin", 8});
  INFO((report ? std::string() : report.error().message));
  REQUIRE(report);
  CHECK(report->merge == journal::SyncReport::Merge::merge_commit);
  INFO("history " << history << " objects, new on the remote " << new_part);
  CHECK(report->fetched_objects > 0);
  CHECK(report->fetched_objects <= new_part);
  // The remote's tip after b's push, seen for the next fetch.
  CHECK(test::git(b, {"rev-parse", "refs/tma/seen/origin"}).out ==
        test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out);
}
