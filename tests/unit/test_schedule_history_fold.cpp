// The job history fold that `tma run --due` keeps between runs (schedule::HistoryFold): whatever
// order and chunks the events come in, saved and loaded between chunks, it gives what a plain
// reading of the events gives (an independent oracle here), and it says when it cannot.

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

#include <fmt/format.h>

#include <tma/core/timezone.hpp>
#include <tma/schedule/history_fold.hpp>
#include <tma/schedule/jobs.hpp>

#include "support/job_history.hpp"

using namespace tma;
using journal::Event;
using schedule::HistoryFold;
using schedule::JobHistory;

namespace {

core::SysSeconds at(int minutes) { return *core::parse_rfc3339("2026-11-01T00:00:00Z") + std::chrono::minutes(minutes); }

Event job_event(const std::string& type, const std::string& id, const std::string& job, core::SysSeconds when,
                nlohmann::json data) {
  Event e;
  e.id = id;
  e.run = id.substr(0, id.find('-'));
  e.at = when;
  e.type = type;
  e.data = std::move(data);
  e.data["job"] = job;
  return e;
}

Event claimed(const std::string& id, const std::string& job, int slot_minutes, int at_minutes) {
  return job_event("job.claimed", id, job, at(at_minutes), {{"slot", core::format_rfc3339_utc(at(slot_minutes))}});
}
Event released(const std::string& id, const std::string& job, const std::string& claim, int at_minutes) {
  return job_event("job.released", id, job, at(at_minutes), {{"claim", claim}});
}
Event finished(const std::string& id, const std::string& job, const std::string& claim, int at_minutes, int code) {
  return job_event("job.finished", id, job, at(at_minutes), {{"claim", claim}, {"exit_code", code}});
}

// The independent oracle: live claims (no release), the latest slot, for one slot the first
// claim, then the smallest id; the exit code of its `job.finished`.
std::map<std::string, JobHistory> oracle(const std::vector<Event>& events, std::optional<core::SysSeconds> since) {
  std::set<std::string> gone;
  std::map<std::string, int> exits;
  for (const auto& e : events) {
    if (since && e.at < *since) continue;
    if (e.type == "job.released") gone.insert(e.data["claim"].get<std::string>());
    if (e.type == "job.finished") exits[e.data["claim"].get<std::string>()] = e.data["exit_code"].get<int>();
  }
  std::map<std::string, std::pair<JobHistory, std::string>> best;
  for (const auto& e : events) {
    if (e.type != "job.claimed" || gone.count(e.id) || (since && e.at < *since)) continue;
    auto slot = core::parse_rfc3339(e.data["slot"].get<std::string>());
    if (!slot) continue;
    auto key = e.data["job"].get<std::string>();
    auto it = best.find(key);
    if (it != best.end()) {
      const auto& h = it->second.first;
      bool better = *slot != *h.last_slot ? *slot > *h.last_slot
                                          : (e.at != *h.last_claimed ? e.at < *h.last_claimed : e.id < it->second.second);
      if (!better) continue;
    }
    auto exit = exits.find(e.id);
    best[key] = {JobHistory{*slot, e.at, e.run, exit == exits.end() ? std::nullopt : std::optional<int>(exit->second)},
                 e.id};
  }
  std::map<std::string, JobHistory> out;
  for (auto& [key, value] : best) out[key] = value.first;
  return out;
}

// Three days of two runners: hourly health claims, daily backups, a weekly update; now and then
// both claim one slot and the later one releases it (a contest), some phases fail, one claim
// carries no slot.
std::vector<Event> month_of_claims(unsigned seed) {
  std::mt19937 random(seed);
  std::vector<Event> events;
  const std::vector<std::string> jobs{"health:a", "health:b", "backup:a:prod", "update:a"};
  for (int hour = 0; hour < 72; ++hour) {
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const auto& job = jobs[j];
      int period = job.starts_with("health") ? 60 : job.starts_with("backup") ? 24 * 60 : 7 * 24 * 60;
      int slot = (hour * 60 / period) * period;
      if (job.starts_with("backup") && hour % 24 != 3) continue;
      if (job.starts_with("update") && hour != 5 && hour != 50) continue;
      std::string run = fmt::format("r{:03}j{}", hour, j);
      int minute = hour * 60 + static_cast<int>(random() % 5);
      std::string claim = run + "-1";
      events.push_back(claimed(claim, job, slot, minute));
      if (random() % 6 == 0) {
        // A contest: another runner claimed the same slot a little later and gives it back.
        std::string other = fmt::format("x{:03}j{}", hour, j);
        events.push_back(claimed(other + "-1", job, slot, minute + 1));
        events.push_back(released(other + "-2", job, other + "-1", minute + 2));
      }
      if (random() % 3 != 0) events.push_back(finished(run + "-3", job, claim, minute + 3, random() % 4 == 0 ? 2 : 0));
    }
  }
  auto bad = claimed("zz-1", "health:a", 0, 10);
  bad.data["slot"] = "not a time";
  events.push_back(bad);
  return events;
}

} // namespace

TEST_CASE("schedule::HistoryFold gives what a plain reading gives whatever the order and chunks", "[schedule]") {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    auto events = month_of_claims(seed);
    auto expected = test::show_history(oracle(events, std::nullopt));
    CAPTURE(seed);
    REQUIRE_FALSE(expected.empty());
    CHECK(test::show_history(schedule::fold_history(events)) == expected);

    // As `tma run --due` reads it: a run's file at a time, the fold saved and loaded in between.
    HistoryFold fold;
    std::size_t chunk = 1 + seed % 7;
    for (std::size_t i = 0; i < events.size(); i += chunk) {
      for (std::size_t k = i; k < std::min(events.size(), i + chunk); ++k) fold.apply(events[k]);
      auto loaded = HistoryFold::from_json(nlohmann::json::parse(fold.to_json().dump()));
      REQUIRE(loaded);
      fold = std::move(*loaded);
    }
    CHECK(fold.complete());
    CHECK(test::show_history(fold.history(std::nullopt)) == expected);

    // As a whole read gives it: newest first, releases and finishes before their claims; then
    // every event again (a flushed run's file is read again whole).
    HistoryFold newest_first;
    for (auto it = events.rbegin(); it != events.rend(); ++it) newest_first.apply(*it);
    CHECK(test::show_history(newest_first.history(std::nullopt)) == expected);
    for (const auto& e : events) newest_first.apply(e);
    CHECK(test::show_history(newest_first.history(std::nullopt)) == expected);

    // Shuffled, releases first (as fold_history and a whole read do it).
    auto shuffled = events;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(seed));
    HistoryFold any;
    for (const auto& e : shuffled) {
      if (e.type == "job.released") any.apply(e);
    }
    for (const auto& e : shuffled) any.apply(e);
    CHECK(test::show_history(any.history(std::nullopt)) == expected);
  }
}

TEST_CASE("schedule::HistoryFold history and prune honour the horizon", "[schedule]") {
  auto events = month_of_claims(5);
  HistoryFold fold;
  for (const auto& e : events) fold.apply(e);
  for (int hours : {1, 20, 49, 60}) {
    auto horizon = at(hours * 60);
    CAPTURE(hours);
    auto expected = test::show_history(oracle(events, horizon));
    CHECK(test::show_history(fold.history(horizon)) == expected);
    auto pruned = HistoryFold::from_json(fold.to_json());
    REQUIRE(pruned);
    pruned->prune(horizon);
    CHECK(test::show_history(pruned->history(horizon)) == expected);
    CHECK(pruned->to_json().dump().size() <= fold.to_json().dump().size());
  }
  // Past every claim: nothing is left, and nothing waits for a claim.
  fold.prune(at(100 * 60));
  CHECK(fold.history(std::nullopt).empty());
  CHECK(fold.to_json()["exits"].empty());
  CHECK(fold.to_json()["released"].empty());
}

TEST_CASE("schedule::HistoryFold is incomplete when a release leaves a job without its dropped claims", "[schedule]") {
  std::vector<Event> events;
  for (int slot = 0; slot < 5; ++slot) events.push_back(claimed(fmt::format("c{}-1", slot), "health:a", slot * 60, slot * 60));
  HistoryFold fold;
  for (const auto& e : events) fold.apply(e);
  CHECK(fold.complete());
  // The three kept claims (slots 2, 3, 4) are released one by one: 0 and 1 were dropped.
  for (int slot = 4; slot >= 2; --slot) {
    auto release = released(fmt::format("c{}-2", slot), "health:a", fmt::format("c{}-1", slot), 400 + slot);
    events.push_back(release);
    fold.apply(release);
    CHECK(fold.complete() == (slot > 2));
  }
  // A plain reading knows slot 1 still holds; the fold could not, and says so.
  REQUIRE(schedule::fold_history(events).at("health:a").last_slot == at(60));
  CHECK_FALSE(fold.history(std::nullopt).count("health:a"));
  auto saved = HistoryFold::from_json(fold.to_json());
  REQUIRE(saved);
  CHECK_FALSE(saved->complete());
}

TEST_CASE("schedule::HistoryFold refuses a saved form it does not know", "[schedule]") {
  HistoryFold fold;
  fold.apply(claimed("a-1", "health:a", 0, 1));
  fold.apply(claimed("b-1", "health:a", 60, 61));
  fold.tip = "0123";
  auto good = fold.to_json();
  auto back = HistoryFold::from_json(good);
  REQUIRE(back);
  CHECK(back->tip == "0123");
  CHECK(test::show_history(back->history(std::nullopt)) == test::show_history(fold.history(std::nullopt)));

  auto other_schema = good;
  other_schema["schema"] = "tma.job-history/2";
  CHECK_FALSE(HistoryFold::from_json(other_schema));
  auto reversed = good;
  auto& list = reversed["claims"]["health:a"];
  std::swap(list[0], list[1]);
  CHECK_FALSE(HistoryFold::from_json(reversed));
  auto missing = good;
  missing.erase("exits");
  CHECK_FALSE(HistoryFold::from_json(missing));
  CHECK_FALSE(HistoryFold::from_json(nlohmann::json::parse("[1, 2]")));
}
