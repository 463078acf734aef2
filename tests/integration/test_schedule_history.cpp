// The job history `tma run --due` keeps next to a real git journal: Journal::scan_changed reads
// only the run files committed since a tip, and read_job_history, through its saved fold, gives
// exactly what folding the horizon's events gives, through new runs, a run flushed twice, a
// damaged or foreign cache file, history rewritten behind its back and the cache turned off.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>
#include <tma/schedule/jobs.hpp>

#include "support/job_history.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace tma;
using journal::Event;

namespace {

const std::string k_ref = "refs/heads/tma-journal";
const core::SysSeconds k_start = *core::parse_rfc3339("2026-11-01T00:00:00Z");

std::unique_ptr<journal::Journal> open(const std::string& repo, bool use_cache = true) {
  journal::GitJournalOptions options{repo, k_ref};
  options.use_index = use_cache;
  auto opened = journal::open_git_journal(options);
  REQUIRE(opened);
  return std::move(*opened);
}

// A runner's hour: it claims the health of `sites` for that hour's slot and records how each
// ended; with `contest`, its claim of the first site is given back (another runner had it).
std::vector<Event> hour_of(int hour, const std::vector<std::string>& sites, bool contest, const std::string& tag) {
  auto slot = k_start + std::chrono::hours(hour);
  std::string run = fmt::format("{}{:04}", tag, hour);
  std::vector<Event> events;
  auto add = [&](const std::string& type, const std::string& site, nlohmann::json data) {
    Event e;
    e.id = fmt::format("{}-{}", run, events.size() + 1);
    e.run = run;
    e.at = slot + std::chrono::seconds(events.size());
    e.actor = "Runner <r@agency.example>";
    e.type = type;
    e.site = site;
    data["job"] = "health:" + site;
    data["slot"] = core::format_rfc3339_utc(slot);
    e.data = std::move(data);
    events.push_back(e);
    return e.id;
  };
  std::vector<std::string> claims;
  for (const auto& site : sites) claims.push_back(add("job.claimed", site, {{"kind", "health"}}));
  for (std::size_t i = 0; i < sites.size(); ++i) {
    if (contest && i == 0) add("job.released", sites[i], {{"claim", claims[i]}});
    else add("job.finished", sites[i], {{"claim", claims[i]}, {"exit_code", static_cast<int>((hour + i) % 3)}});
  }
  return events;
}

void write(journal::Journal& store, const std::vector<Event>& events) {
  REQUIRE(store.write_run(events.front().run, events.front().at, events));
}

// What the scheduler read before it kept a fold: every `job.*` event of the horizon, folded.
std::string plain(const journal::Journal& store, core::SysSeconds now) {
  journal::Filter filter;
  filter.types = {"job."};
  filter.since = now - std::chrono::duration_cast<std::chrono::seconds>(schedule::k_history_horizon);
  auto events = journal::read_events(store, filter);
  REQUIRE(events);
  return test::show_history(schedule::fold_history(*events));
}

std::string kept(const journal::Journal& store, core::SysSeconds now) {
  auto history = schedule::read_job_history(store, now);
  REQUIRE(history);
  return test::show_history(*history);
}

std::filesystem::path cache_file(const std::string& repo) {
  return std::filesystem::path(repo) / ".git" / "tma-cache" / "refs_heads_tma-journal" / "job-history.json";
}

std::string tip_of(const std::string& repo) {
  auto out = test::run_program({"git", "-C", repo, "rev-parse", k_ref});
  REQUIRE(out.exit_code == 0);
  return out.out.substr(0, 40);
}

} // namespace

TEST_CASE("journal::scan_changed visits only the run files committed since a tip", "[integration][journal]") {
  test::TempDir dir;
  auto repo = dir.path().string();
  REQUIRE(test::run_program({"git", "init", "-q", repo}).exit_code == 0);
  auto store = open(repo);
  journal::Filter filter;
  filter.types = {"job.claimed", "job.finished"};
  auto ids = [&](const std::string& since, journal::ChangedScan& scan) {
    std::vector<std::string> out;
    auto read = store->scan_changed(since, filter, [&](const Event& e) {
      out.push_back(e.id);
      return true;
    });
    REQUIRE(read);
    scan = *read;
    std::sort(out.begin(), out.end());
    return out;
  };
  journal::ChangedScan scan;
  CHECK(ids("", scan).empty());
  CHECK(scan.tip.empty());

  write(*store, hour_of(0, {"a", "b"}, false, "r"));
  CHECK(ids("", scan).size() == 4);
  CHECK(scan.whole);
  auto first = scan.tip;
  CHECK(first == tip_of(repo));

  write(*store, hour_of(1, {"a"}, false, "r"));
  CHECK(ids(first, scan) == std::vector<std::string>{"r0001-1", "r0001-2"});
  CHECK_FALSE(scan.whole);
  auto second = scan.tip;
  CHECK(ids(second, scan).empty());
  CHECK_FALSE(scan.whole);

  // The same run flushed again, longer: its file is read again, whole.
  auto longer = hour_of(1, {"a"}, false, "r");
  for (auto e : hour_of(1, {"c"}, false, "r")) {
    e.id = fmt::format("r0001-{}", longer.size() + 1);
    if (e.data.contains("claim")) e.data["claim"] = "r0001-3";
    longer.push_back(e);
  }
  write(*store, longer);
  CHECK(ids(second, scan) == std::vector<std::string>{"r0001-1", "r0001-2", "r0001-3", "r0001-4"});
  CHECK_FALSE(scan.whole);

  // A tip it does not know (or not an ancestor): everything, and it says so.
  CHECK(ids("0123456789012345678901234567890123456789", scan).size() == 8);
  CHECK(scan.whole);
  CHECK(ids("not a commit", scan).size() == 8);
  CHECK(scan.whole);
}

TEST_CASE("schedule::read_job_history keeps a fold that gives what reading the horizon gives",
          "[integration][schedule]") {
  test::TempDir dir;
  auto repo = dir.path().string();
  REQUIRE(test::run_program({"git", "init", "-q", repo}).exit_code == 0);
  auto store = open(repo);
  const std::vector<std::string> sites{"a", "b", "c"};
  for (int hour = 0; hour < 6; ++hour) write(*store, hour_of(hour, sites, hour % 4 == 1, "r"));
  auto now = k_start + std::chrono::hours(6);
  CHECK_FALSE(std::filesystem::exists(cache_file(repo)));
  CHECK(kept(*store, now) == plain(*store, now));
  REQUIRE(std::filesystem::exists(cache_file(repo)));

  SECTION("new runs, a contest, a run flushed twice: each read folds only what was committed since") {
    for (int hour = 6; hour < 12; ++hour) {
      auto events = hour_of(hour, sites, hour % 3 == 0, "r");
      std::vector<Event> part(events.begin(), events.begin() + 2); // the claims flushed first
      write(*store, part);
      auto at = k_start + std::chrono::hours(hour) + std::chrono::minutes(1);
      CHECK(kept(*store, at) == plain(*store, at));
      write(*store, events);
      // A second runner's claims of the same slot, all given back.
      write(*store, hour_of(hour, {"b"}, true, "s"));
      CHECK(kept(*store, at) == plain(*store, at));
      auto saved = nlohmann::json::parse(std::ifstream(cache_file(repo)));
      CHECK(saved["tip"] == tip_of(repo));
    }
    // Thirty-six days on: the horizon has passed every claim.
    auto later = k_start + std::chrono::hours(24 * 36);
    CHECK(kept(*store, later) == plain(*store, later));
    CHECK(kept(*store, later).empty());
  }

  SECTION("a damaged or foreign cache file is read past, then replaced") {
    for (std::string content : {"{not json", R"({"schema": "tma.job-history/9"})", ""}) {
      std::ofstream(cache_file(repo)) << content;
      write(*store, hour_of(20 + static_cast<int>(content.size() % 7), sites, false, "d"));
      CHECK(kept(*store, now + std::chrono::hours(30)) == plain(*store, now + std::chrono::hours(30)));
      auto saved = nlohmann::json::parse(std::ifstream(cache_file(repo)));
      CHECK(saved["schema"] == "tma.job-history/1");
    }
  }

  SECTION("a fold at a commit that is no longer an ancestor: the horizon is read again") {
    auto before = tip_of(repo);
    write(*store, hour_of(7, sites, false, "r"));
    auto at = now + std::chrono::hours(2);
    CHECK(kept(*store, at) == plain(*store, at));
    // Rewind the ref behind tma's back and write another history.
    REQUIRE(test::run_program({"git", "-C", repo, "update-ref", k_ref, before}).exit_code == 0);
    write(*store, hour_of(8, {"a"}, false, "z"));
    CHECK(kept(*store, at + std::chrono::hours(1)) == plain(*store, at + std::chrono::hours(1)));
    CHECK(kept(*store, at + std::chrono::hours(1)).find("r0007") == std::string::npos);
  }

  SECTION("with the caches turned off nothing is kept and the result is the same") {
    std::filesystem::remove(cache_file(repo));
    auto off = open(repo, false);
    CHECK(kept(*off, now) == plain(*off, now));
    CHECK_FALSE(std::filesystem::exists(cache_file(repo)));
  }
}

TEST_CASE("schedule::read_job_history reads the horizon again when releases empty what the fold kept",
          "[integration][schedule]") {
  test::TempDir dir;
  auto repo = dir.path().string();
  REQUIRE(test::run_program({"git", "init", "-q", repo}).exit_code == 0);
  auto store = open(repo);
  // Five hours of claims of one job: the fold keeps the three latest.
  for (int hour = 0; hour < 5; ++hour) write(*store, hour_of(hour, {"a"}, false, "r"));
  auto now = k_start + std::chrono::hours(6);
  REQUIRE(kept(*store, now) == plain(*store, now));
  // Then the three kept claims are given back, each in a run of its own: only the journal still
  // knows the claim of hour 1.
  for (int hour = 4; hour >= 2; --hour) {
    Event release;
    release.run = fmt::format("g{:04}", hour);
    release.id = release.run + "-1";
    release.at = now + std::chrono::minutes(hour);
    release.actor = "Runner <r@agency.example>";
    release.type = "job.released";
    release.site = "a";
    release.data = {{"job", "health:a"}, {"claim", fmt::format("r{:04}-1", hour)},
                    {"slot", core::format_rfc3339_utc(k_start + std::chrono::hours(hour))}};
    write(*store, {release});
    CHECK(kept(*store, now + std::chrono::minutes(10)) == plain(*store, now + std::chrono::minutes(10)));
  }
  CHECK(kept(*store, now + std::chrono::minutes(10)).find("r0001") != std::string::npos);
}
