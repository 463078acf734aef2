// Reference: tma's retention (backup/retention.hpp) against the real `restic forget --dry-run
// --json` on generated snapshot sets. Snapshots are made with `restic backup --time` (TZ sets the
// zone a snapshot's time is written in, which is the zone restic's periods are counted in) around
// DST changes, year ends (ISO week 53), month ends and at random, in four zones; random subsets
// (tags) and random policies are then planned by both. A seeded random sample, small enough for
// every CI run (32 snapshots, 8 plans of 4 zones each); TMA_RETENTION_SEED=N draws another sample.
//
// tma follows restic >= 0.16, where a rule that still has counts left when the oldest snapshot is
// reached keeps that oldest snapshot too ("oldest daily ..."). Debian 12 ships restic 0.14, which
// does not: with restic < 0.16 the one difference allowed is that oldest snapshot, kept by tma for
// "oldest" reasons only and removed by restic. Everything else must be identical.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/backup/retention.hpp>

#include "support/run_program.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::backup::BackupRef;
using tma::core::SysSeconds;
using tma::core::TimeZone;
using tma::inventory::KeepPolicy;

namespace {

constexpr const char* k_password = "reference-only";

tma::test::ProgramOptions restic_env(const std::string& repo) {
  tma::test::ProgramOptions options;
  options.env = {{"RESTIC_REPOSITORY", repo}, {"RESTIC_PASSWORD", k_password}, {"RESTIC_CACHE_DIR", repo + "-cache"}};
  options.timeout = std::chrono::minutes(5);
  return options;
}

// `restic version` -> {major, minor}.
std::pair<int, int> restic_version() {
  auto out = tma::test::run_program({"restic", "version"});
  REQUIRE(out.exit_code == 0);
  int first = 0, second = 0;
  REQUIRE(std::sscanf(out.out.c_str(), "restic %d.%d", &first, &second) == 2);
  return {first, second};
}

TimeZone load(const std::string& name) {
  auto zone = TimeZone::load(name);
  REQUIRE(zone);
  return *zone;
}

std::string wall(SysSeconds t, const TimeZone& zone) { // `restic backup --time` reads local time
  auto l = zone.to_local(t).local;
  return fmt::format("{} {:02}:{:02}:{:02}", tma::core::format_date(l.date), l.hour, l.minute, l.second);
}

// Instants at which `zone`'s offset changes, 2011 to 2027 (to the day is enough here).
std::vector<SysSeconds> offset_changes(const TimeZone& zone) {
  std::vector<SysSeconds> out;
  auto t = *tma::core::parse_rfc3339("2011-01-01T00:00:00Z");
  auto end = *tma::core::parse_rfc3339("2028-01-01T00:00:00Z");
  for (; t < end; t += std::chrono::hours(24)) {
    if (zone.to_local(t).utc_offset != zone.to_local(t + std::chrono::hours(24)).utc_offset) out.push_back(t);
  }
  return out;
}

std::vector<SysSeconds> snapshot_times(std::mt19937& rng, const TimeZone& zone, int count) {
  auto pick = [&](long long a, long long b) { return std::uniform_int_distribution<long long>(a, b)(rng); };
  auto changes = offset_changes(zone);
  const auto start = *tma::core::parse_rfc3339("2019-01-01T00:00:00Z");
  std::vector<SysSeconds> out;
  std::set<std::string> walls; // distinct local times: one instant each, even when clocks go back
  while (static_cast<int>(out.size()) < count) {
    SysSeconds t;
    switch (pick(0, 4)) {
    case 0: // around a DST change (Apia's skipped day among them)
      t = changes.empty() ? start : changes[static_cast<std::size_t>(pick(0, static_cast<long long>(changes.size()) - 1))];
      t += std::chrono::seconds(pick(-36 * 3600, 36 * 3600));
      break;
    case 1: { // year end: ISO weeks 52, 53 and 1 (2020 and 2026 have a week 53)
      int year = static_cast<int>(pick(2019, 2027));
      t = zone.start_of_day({year, 12, 24}) + std::chrono::seconds(pick(0, 14 * 86400));
      break;
    }
    case 2: { // the last and first days of a month
      int year = static_cast<int>(pick(2019, 2027));
      auto month = static_cast<unsigned>(pick(1, 12));
      t = zone.start_of_month(year, month + 1) + std::chrono::seconds(pick(-2 * 86400, 86400));
      break;
    }
    case 3: // anywhere in 2019-2027
      t = start + std::chrono::seconds(pick(0, 9LL * 365 * 86400));
      break;
    default: // close to the previous one: several in one hour, day, week
      t = (out.empty() ? start : out.back()) + std::chrono::seconds(pick(-3 * 86400, 3 * 86400));
      break;
    }
    t -= std::chrono::seconds(t.time_since_epoch().count() % 60);
    if (walls.insert(wall(t, zone)).second) out.push_back(t);
  }
  return out;
}

// Counts of 0 to 5 mostly; `generous` ones (6 to 30) outlast the sets, so that rules still have
// counts left when the oldest snapshot is reached.
KeepPolicy random_policy(std::mt19937& rng, bool generous) {
  auto count = [&] {
    if (generous) return std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? 0 : std::uniform_int_distribution<int>(6, 30)(rng);
    int r = std::uniform_int_distribution<int>(0, 9)(rng);
    return r < 4 ? 0 : r - 4;
  };
  KeepPolicy p{count(), count(), count(), count(), count(), count()};
  if (p.empty()) p.daily = generous ? 30 : 2;
  return p;
}

std::vector<std::string> keep_flags(const KeepPolicy& p) {
  std::vector<std::string> out;
  auto add = [&](const char* name, int n) {
    if (n > 0) out.insert(out.end(), {std::string("--keep-") + name, std::to_string(n)});
  };
  add("last", p.last);
  add("hourly", p.hourly);
  add("daily", p.daily);
  add("weekly", p.weekly);
  add("monthly", p.monthly);
  add("yearly", p.yearly);
  return out;
}

} // namespace

TEST_CASE("retention against the real restic forget on generated snapshot sets", "[integration][backup][restic][reference]") {
  unsigned seed = 20261203;
  if (const char* other = std::getenv("TMA_RETENTION_SEED")) seed = static_cast<unsigned>(std::strtoul(other, nullptr, 10));
  INFO("seed " << seed << " (TMA_RETENTION_SEED)");
  std::mt19937 rng(seed);
  auto version = restic_version();
  const bool oldest_rule = version.first > 0 || version.second >= 16;

  tma::test::TempDir dir;
  auto repo = dir.file("repo");
  REQUIRE(tma::test::run_program({"restic", "init", "-q"}, restic_env(repo)).exit_code == 0);
  dir.write("data/file", "the same content in every snapshot\n");

  // Each zone's snapshots are one restic host (`z0`...), so that one `restic forget` plans every
  // zone at once (restic groups by host and paths); tags `a`, `b`, `c` pick random subsets. Every
  // restic call derives its key (about half a second), so calls are few and backups run 4 at once.
  const std::vector<std::string> zones{"Europe/Paris", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia"};
  std::string script = "set -e\n";
  for (std::size_t z = 0; z < zones.size(); ++z) {
    auto zone = load(zones[z]);
    auto times = snapshot_times(rng, zone, 6);
    // The two oldest on one day: what the "oldest is kept too" rule is about.
    times.push_back(zone.to_utc({{2010, 6, 1}, 10, 0, 0}));
    times.push_back(zone.to_utc({{2010, 6, 1}, 14, 0, 0}));
    for (std::size_t i = 0; i < times.size(); ++i) {
      std::string tags = "all";
      for (const char* subset : {"a", "b", "c"}) {
        if (rng() % 5 < 3) tags += std::string(",") + subset;
      }
      script += fmt::format("TZ='{}' restic backup -q --no-cache --host z{} --tag {} --time '{}' data >/dev/null &\n", zones[z], z,
                            tags, wall(times[i], zone));
      if (i % 4 == 3) script += "wait\n";
    }
    script += "wait\n";
  }
  // `wait` alone does not report a failed job: count the snapshots instead.
  auto options = restic_env(repo);
  options.cwd = dir.path().string();
  auto made = tma::test::run_program({"sh", "-c", script}, options);
  INFO(made.err);
  REQUIRE(made.exit_code == 0);

  auto listed = tma::test::run_program({"restic", "snapshots", "--json"}, restic_env(repo));
  REQUIRE(listed.exit_code == 0);
  std::map<std::string, std::vector<BackupRef>> by_set; // "z0 all", "z0 a", ...
  auto snapshots = json::parse(listed.out);
  REQUIRE(snapshots.size() == zones.size() * 8);
  for (const auto& snapshot : snapshots) {
    auto time = tma::core::parse_rfc3339(snapshot["time"].get<std::string>());
    REQUIRE(time);
    BackupRef ref{snapshot["id"].get<std::string>(), *time};
    for (const auto& tag : snapshot["tags"]) {
      by_set[snapshot["hostname"].get<std::string>() + " " + tag.get<std::string>()].push_back(ref);
    }
  }

  int compared = 0, oldest_differences = 0;
  for (int round = 0; round < 2; ++round) {
    for (const char* subset : {"all", "a", "b", "c"}) {
      auto policy = random_policy(rng, round == 0);
      INFO("tag " << subset << ", policy " << tma::backup::describe_policy(policy));
      std::vector<std::string> argv{"restic", "forget", "--dry-run", "--json", "--tag", subset};
      for (auto& flag : keep_flags(policy)) argv.push_back(flag);
      auto forgot = tma::test::run_program(argv, restic_env(repo));
      INFO(forgot.err);
      REQUIRE(forgot.exit_code == 0);
      for (const auto& group : json::parse(forgot.out)) {
        auto host = group["host"].get<std::string>();
        const auto& refs = by_set[host + " " + subset];
        auto zone = load(zones[static_cast<std::size_t>(std::stoi(host.substr(1)))]);
        INFO("zone " << zone.name() << ", " << refs.size() << " snapshots");
        std::set<std::string> restic_kept;
        for (const auto& s : group.value("keep", json::array())) restic_kept.insert(s["id"].get<std::string>());

        auto plan = tma::backup::plan_retention(refs, policy, zone);
        REQUIRE(plan);
        std::set<std::string> tma_kept;
        for (const auto& k : plan->kept()) tma_kept.insert(k.id);
        if (oldest_rule) {
          CHECK(tma_kept == restic_kept);
        } else {
          // restic < 0.16: restic's kept set, plus at most the oldest snapshot kept for "oldest" reasons.
          const auto& oldest = plan->decisions.back();
          auto expected = restic_kept;
          bool oldest_only = oldest.keep && !oldest.reasons.empty();
          for (const auto& reason : oldest.reasons) oldest_only = oldest_only && reason.rfind("oldest ", 0) == 0;
          if (oldest_only && restic_kept.count(oldest.backup.id) == 0) {
            expected.insert(oldest.backup.id);
            ++oldest_differences;
          }
          CHECK(tma_kept == expected);
        }
        ++compared;
      }
    }
  }
  CHECK(compared >= 24);
  // The sample exercises the rule that differs, so the allowance above is not vacuous.
  CHECK((oldest_rule || oldest_differences > 0));
}
