// The event index on real temporary repositories: every scan it serves gives exactly what reading
// the run files gives, through appends (incremental update), a flushed run's file growing, history
// rewritten behind its back (rebuild), a damaged file (rebuild) and concurrent processes.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>

#include "journal/index_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace tma;
using journal::Event;
using journal::Filter;
using journal::index::Outcome;

namespace {

const std::string k_ref = "refs/heads/tma-journal";

std::unique_ptr<journal::Journal> open(const std::string& repo, bool use_index) {
  journal::GitJournalOptions options{repo, k_ref};
  options.use_index = use_index;
  auto opened = journal::open_git_journal(options);
  REQUIRE(opened);
  return std::move(*opened);
}

// A run of `hours log` style events plus noise, started `day` days after 2026-03-27.
void write_run(journal::Journal& store, int day, int n, const std::string& tag) {
  auto started = *core::parse_rfc3339("2026-03-27T10:00:00Z") + std::chrono::hours(24 * day) + std::chrono::minutes(n);
  std::string run_id = fmt::format("{}{:04}", tag, n);
  std::vector<Event> events;
  for (int k = 0; k < 4; ++k) {
    Event e;
    e.id = fmt::format("{}-{}", run_id, k + 1);
    e.at = started + std::chrono::seconds(k);
    e.actor = "Ana <ana@agency.example>";
    e.run = run_id;
    e.type = k % 2 ? "time.logged" : "backup.finished";
    e.site = fmt::format("site-{}", (n + k) % 3);
    e.client = fmt::format("client-{}", n % 2);
    e.data = {{"date", "2026-03-27"}, {"duration_seconds", 60 * (n + k)}, {"tag", tag}};
    events.push_back(e);
  }
  REQUIRE(store.write_run(run_id, started, events));
}

std::vector<Filter> filters() {
  std::vector<Filter> out(4);
  for (auto& f : out) f.types = {"time.logged"};
  out[1].clients = {"client-1"};
  out[2].since = *core::parse_rfc3339("2026-03-29T00:00:00Z");
  out[3].sites = {"site-2"};
  out[3].until = *core::parse_rfc3339("2026-03-30T00:00:00Z");
  return out;
}

std::vector<std::string> dump(const journal::Journal& store, const Filter& filter) {
  std::vector<std::string> out;
  auto scanned = store.scan(filter, [&](const Event& e) {
    out.push_back(journal::to_json(e).dump());
    return true;
  });
  REQUIRE(scanned);
  return out;
}

// `scan_encoded`: the index hands over each payload as MessagePack bytes (never empty); decoded
// here, the events are the same as the plain scan's.
std::vector<std::string> dump_encoded(const journal::Journal& store, const Filter& filter, std::size_t& encoded) {
  std::vector<std::string> out;
  auto scanned = store.scan_encoded(filter, [&](const Event& e, std::string_view bytes) {
    Event copy = e;
    if (!bytes.empty()) {
      ++encoded;
      CHECK(e.data.is_null());
      copy.data = nlohmann::json::from_msgpack(bytes.begin(), bytes.end());
    }
    out.push_back(journal::to_json(copy).dump());
    return true;
  });
  REQUIRE(scanned);
  return out;
}

// Every filter gives the same events, in the same order, from the index and from the tree.
void check_same(const std::string& repo, std::size_t expected_entries) {
  auto indexed = open(repo, true);
  auto plain = open(repo, false);
  auto all = dump(*plain, filters()[0]);
  CHECK(all.size() == expected_entries);
  for (const auto& f : filters()) {
    auto expected = dump(*plain, f);
    CHECK(dump(*indexed, f) == expected);
    std::size_t encoded = 0, none = 0;
    CHECK(dump_encoded(*indexed, f, encoded) == expected);
    CHECK(encoded == expected.size()); // served by the index, undecoded
    CHECK(dump_encoded(*plain, f, none) == expected);
    CHECK(none == 0); // the tree reader decodes
  }
}

Outcome refresh(const std::string& repo) {
  auto handle = journal::git::open_repository(repo);
  REQUIRE(handle);
  auto tip = journal::git::resolve_ref(handle->get(), k_ref);
  REQUIRE(tip);
  REQUIRE(*tip);
  Outcome outcome{};
  auto index = journal::index::up_to_date(handle->get(), k_ref, **tip, std::nullopt, &outcome);
  REQUIRE(index);
  CHECK(index->tip == journal::git::to_hex(**tip));
  return outcome;
}

std::string index_file(const std::string& repo) { return repo + "/tma-cache/journal-index-refs_heads_tma-journal.bin"; }

} // namespace

TEST_CASE("journal index: append, index, append more, update incrementally, same as a full scan",
          "[integration][journal][index]") {
  test::TempDir dir;
  auto repo = dir.file("r.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto writer = open(repo, true);
  for (int n = 0; n < 10; ++n) write_run(*writer, n % 5, n, "a");
  CHECK_FALSE(std::filesystem::exists(index_file(repo)));
  check_same(repo, 20);
  CHECK(std::filesystem::exists(index_file(repo)));
  CHECK(refresh(repo) == Outcome::loaded);

  for (int n = 10; n < 16; ++n) write_run(*writer, n % 7, n, "b");
  CHECK(refresh(repo) == Outcome::updated);
  check_same(repo, 32);

  // The same journal object keeps its index in memory and still sees what others append.
  auto reader = open(repo, true);
  CHECK(dump(*reader, filters()[0]).size() == 32);
  write_run(*writer, 3, 99, "c");
  CHECK(dump(*reader, filters()[0]).size() == 34);

  // A flushed run rewrites its file with more events: the index reads it again.
  journal::Run run(*writer, "hours log");
  run.record("time.logged", {"site-0", "", "client-0"}, {{"date", "2026-03-29"}, {"duration_seconds", 5}});
  REQUIRE(run.flush());
  CHECK(refresh(repo) == Outcome::updated);
  run.record("time.logged", {"site-1", "", "client-0"}, {{"date", "2026-03-29"}, {"duration_seconds", 6}});
  REQUIRE(run.finish(0));
  CHECK(refresh(repo) == Outcome::updated);
  check_same(repo, 36);
  // The index file is no business of git's: not in any tree, the repository still checks clean.
  CHECK(test::git(repo, {"fsck", "--strict"}).exit_code == 0);
  CHECK(test::git(repo, {"ls-tree", "-r", "--name-only", k_ref}).out.find("tma-cache") == std::string::npos);
}

TEST_CASE("journal index: rewritten history and damaged files are rebuilt, never trusted",
          "[integration][journal][index]") {
  test::TempDir dir;
  auto repo = dir.file("r.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto writer = open(repo, false);
  for (int n = 0; n < 6; ++n) write_run(*writer, n, n, "a");
  auto early = test::git(repo, {"rev-parse", k_ref}).out;
  early.erase(early.find_last_not_of('\n') + 1);
  for (int n = 6; n < 9; ++n) write_run(*writer, n, n, "a");
  check_same(repo, 18);

  // History rewritten: the ref goes back and grows another way; the indexed tip is no ancestor.
  REQUIRE(test::git(repo, {"update-ref", k_ref, early}).exit_code == 0);
  write_run(*writer, 2, 50, "z");
  CHECK(refresh(repo) == Outcome::rebuilt);
  check_same(repo, 14);

  // A damaged file (flipped byte), a truncated one, garbage: rebuilt, results unchanged.
  for (int damage = 0; damage < 3; ++damage) {
    INFO("damage " << damage);
    auto bytes = test::read_file(index_file(repo));
    if (damage == 0) bytes[bytes.size() - 10] ^= 1;
    if (damage == 1) bytes.resize(bytes.size() / 2);
    if (damage == 2) bytes = "garbage";
    std::ofstream(index_file(repo), std::ios::binary | std::ios::trunc) << bytes;
    CHECK(refresh(repo) == Outcome::rebuilt);
    check_same(repo, 14);
  }
  // TMA_JOURNAL_INDEX=off reads the run files even with an index around (and does not write one).
  std::filesystem::remove(index_file(repo));
  {
    test::EnvGuard off("TMA_JOURNAL_INDEX", "off");
    auto store = open(repo, true);
    CHECK(dump(*store, filters()[0]).size() == 14);
  }
  CHECK_FALSE(std::filesystem::exists(index_file(repo)));
}

// Hidden helper run in child processes: scans time entries TMA_TEST_SCANS times, each scan
// bringing the shared index file up to date (and saving it) while other processes append.
TEST_CASE("journal index test helper: scanner", "[.journal-index-helper]") {
  const char* repo = std::getenv("TMA_TEST_REPO");
  REQUIRE(repo != nullptr);
  for (int i = 0; i < 20; ++i) {
    auto store = open(repo, true);
    write_run(*store, i % 4, 1000 + i, std::getenv("TMA_TEST_TAG"));
    (void)dump(*store, filters()[0]);
  }
}

TEST_CASE("journal index: concurrent processes appending and indexing leave a valid index",
          "[integration][journal][index]") {
  test::TempDir dir;
  auto repo = dir.file("r.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto writer = open(repo, false);
  for (int n = 0; n < 4; ++n) write_run(*writer, n, n, "a");
  std::vector<pid_t> children;
  for (const char* tag : {"p", "q", "r"}) {
    children.push_back(test::spawn_helper("journal index test helper: scanner",
                                          {{"TMA_TEST_REPO", repo}, {"TMA_TEST_TAG", std::string(tag)}},
                                          dir.file(std::string("err-") + tag)));
  }
  for (auto pid : children) CHECK(test::wait_for(pid) == 0);
  // Whatever order they saved in, the file left is a whole index (loaded or updated, never
  // damaged) and agrees with the run files.
  auto outcome = refresh(repo);
  CHECK((outcome == Outcome::loaded || outcome == Outcome::updated));
  check_same(repo, 8 + 3 * 20 * 2);
  for (const auto& entry : std::filesystem::directory_iterator(repo + "/tma-cache")) {
    CHECK(entry.path().extension() == ".bin"); // no temporary file left behind
  }
}

namespace {

std::vector<std::string> delta_segments(const std::string& repo) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(repo + "/tma-cache")) {
    auto name = entry.path().filename().string();
    if (name.find(".delta-") != std::string::npos) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("journal index: new runs append delta segments, read back with the base like a full scan; "
          "compaction past the threshold",
          "[integration][journal][index]") {
  test::TempDir dir;
  auto repo = dir.file("r.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto writer = open(repo, false);
  for (int n = 0; n < 6; ++n) write_run(*writer, n % 3, n, "a");
  CHECK(refresh(repo) == Outcome::rebuilt);
  auto base = test::read_file(index_file(repo));
  CHECK(delta_segments(repo).empty());

  write_run(*writer, 1, 10, "b");
  CHECK(refresh(repo) == Outcome::updated);
  // The base is untouched; one segment, named by the new tip, holds the step.
  CHECK(test::read_file(index_file(repo)) == base);
  auto tip = test::git(repo, {"rev-parse", k_ref}).out;
  tip.erase(tip.find_last_not_of('\n') + 1);
  REQUIRE(delta_segments(repo).size() == 1);
  CHECK(delta_segments(repo)[0].find(tip) != std::string::npos);
  CHECK(refresh(repo) == Outcome::loaded); // base + segment is at the tip
  check_same(repo, 14);

  // One segment per step, each chained from the previous tip, up to the threshold.
  for (std::size_t k = 2; k <= journal::index::k_max_deltas; ++k) {
    write_run(*writer, static_cast<int>(k % 4), static_cast<int>(10 + k), "c");
    CHECK(refresh(repo) == Outcome::updated);
    CHECK(delta_segments(repo).size() == k);
    CHECK(test::read_file(index_file(repo)) == base);
  }
  CHECK(refresh(repo) == Outcome::loaded);
  check_same(repo, 12 + 2 * journal::index::k_max_deltas);
  // Past it: a new base, no segment left.
  write_run(*writer, 2, 90, "d");
  CHECK(refresh(repo) == Outcome::updated);
  CHECK(delta_segments(repo).empty());
  CHECK(test::read_file(index_file(repo)) != base);
  CHECK(refresh(repo) == Outcome::loaded);
  check_same(repo, 14 + 2 * journal::index::k_max_deltas);

  // A run file replaced (a flushed run growing) is no append: a new base at once.
  write_run(*writer, 1, 91, "e");
  CHECK(refresh(repo) == Outcome::updated);
  CHECK(delta_segments(repo).size() == 1);
  journal::Run run(*writer, "hours log");
  run.record("time.logged", {"site-0", "", "client-0"}, {{"date", "2026-03-29"}, {"duration_seconds", 5}});
  REQUIRE(run.flush());
  CHECK(refresh(repo) == Outcome::updated);
  CHECK(delta_segments(repo).size() == 2);
  run.record("time.logged", {"site-1", "", "client-0"}, {{"date", "2026-03-29"}, {"duration_seconds", 6}});
  REQUIRE(run.finish(0));
  CHECK(refresh(repo) == Outcome::updated);
  CHECK(delta_segments(repo).empty());
  check_same(repo, 18 + 2 * journal::index::k_max_deltas);
}

TEST_CASE("journal index: a damaged delta segment means a rebuild; a missing one only a longer update",
          "[integration][journal][index]") {
  test::TempDir dir;
  auto repo = dir.file("r.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", repo}).exit_code == 0);
  auto writer = open(repo, false);
  for (int n = 0; n < 4; ++n) write_run(*writer, n, n, "a");
  CHECK(refresh(repo) == Outcome::rebuilt);
  for (int n = 4; n < 7; ++n) {
    write_run(*writer, n % 4, n, "b");
    CHECK(refresh(repo) == Outcome::updated);
  }
  REQUIRE(delta_segments(repo).size() == 3);

  for (int damage = 0; damage < 3; ++damage) {
    INFO("damage " << damage);
    // Rebuilt to a base with no segment: grow one segment again to damage it.
    if (damage > 0) {
      write_run(*writer, damage, 20 + damage, "c");
      CHECK(refresh(repo) == Outcome::updated);
      REQUIRE(delta_segments(repo).size() == 1);
    }
    auto segment = delta_segments(repo).back();
    auto bytes = test::read_file(segment);
    if (damage == 0) bytes[bytes.size() - 10] ^= 1;
    if (damage == 1) bytes.resize(bytes.size() / 2);
    if (damage == 2) bytes = "garbage";
    std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;
    CHECK(refresh(repo) == Outcome::rebuilt);
    CHECK(delta_segments(repo).empty());
    check_same(repo, 14 + 2 * damage);
  }

  // The middle of a chain of three gone: the base and the first segment are used, the tree diff
  // from there does the rest (the third is off the chain, ignored); results unchanged.
  for (int n = 30; n < 33; ++n) {
    write_run(*writer, n % 4, n, "d");
    CHECK(refresh(repo) == Outcome::updated);
  }
  auto segments = delta_segments(repo);
  REQUIRE(segments.size() == 3);
  auto order = test::git(repo, {"rev-list", "--max-count=3", k_ref}).out; // newest first
  auto middle = order.substr(41, 40);
  for (const auto& s : segments) {
    if (s.find(middle) != std::string::npos) std::filesystem::remove(s);
  }
  REQUIRE(delta_segments(repo).size() == 2);
  CHECK(refresh(repo) == Outcome::updated);
  check_same(repo, 24);
  // A segment whose name does not match its content is refused like a damaged one.
  write_run(*writer, 1, 40, "e");
  CHECK(refresh(repo) == Outcome::updated);
  auto last = delta_segments(repo);
  REQUIRE_FALSE(last.empty());
  auto renamed = last.back();
  renamed.replace(renamed.find(".delta-") + 7, 40, std::string(40, '0'));
  std::filesystem::rename(last.back(), renamed);
  CHECK(refresh(repo) == Outcome::rebuilt);
  check_same(repo, 26);
}
