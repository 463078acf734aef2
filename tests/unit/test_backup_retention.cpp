#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tma/backup/retention.hpp>

using tma::backup::BackupRef;
using tma::backup::iso_week;
using tma::backup::plan_retention;
using tma::backup::RetentionGuards;
using tma::core::Date;
using tma::core::SysSeconds;
using tma::core::TimeZone;
using tma::inventory::KeepPolicy;

namespace {

SysSeconds at(const std::string& text) {
  auto parsed = tma::core::parse_rfc3339(text);
  REQUIRE(parsed);
  return *parsed;
}

TimeZone zone(const std::string& name) {
  if (name == "UTC") return TimeZone::utc();
  auto z = TimeZone::load(name);
  REQUIRE(z);
  return *z;
}

KeepPolicy keep(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
  KeepPolicy p;
  p.last = last;
  p.hourly = hourly;
  p.daily = daily;
  p.weekly = weekly;
  p.monthly = monthly;
  p.yearly = yearly;
  return p;
}

/// Backups whose ids are their RFC 3339 times (or `id=time` to give an explicit id). A `pre:`
/// prefix makes it a pre-update backup, `done:` a pre-update backup whose update completed.
std::vector<BackupRef> history(const std::vector<std::string>& items) {
  std::vector<BackupRef> out;
  for (auto item : items) {
    bool pre_update = false;
    bool completed = false;
    if (item.rfind("pre:", 0) == 0) {
      pre_update = true;
      item = item.substr(4);
    } else if (item.rfind("done:", 0) == 0) {
      pre_update = completed = true;
      item = item.substr(5);
    }
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      out.push_back(BackupRef{item, at(item)});
    } else {
      out.push_back(BackupRef{item.substr(0, eq), at(item.substr(eq + 1))});
    }
    out.back().pre_update = pre_update;
    out.back().update_completed = completed;
  }
  return out;
}

std::set<std::string> kept_ids(const tma::backup::RetentionPlan& plan) {
  std::set<std::string> out;
  for (const auto& b : plan.kept()) out.insert(b.id);
  return out;
}

struct Case {
  const char* name;
  const char* zone;
  KeepPolicy policy;
  std::vector<std::string> backups;
  std::set<std::string> expected;
};

// Keep-lists written by hand from restic's rules (docs/backup.md): newest of each period, only
// periods with backups count, rules ORed, oldest kept while a rule has counts left.
std::vector<Case> cases() {
  const KeepPolicy last3 = keep(3, 0, 0, 0, 0, 0);
  return {
      {"last 3 of 5", "UTC", last3,
       {"2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z", "2026-11-04T10:00:00Z",
        "2026-11-05T10:00:00Z"},
       {"2026-11-03T10:00:00Z", "2026-11-04T10:00:00Z", "2026-11-05T10:00:00Z"}},
      {"last larger than the history keeps everything", "UTC", keep(10, 0, 0, 0, 0, 0),
       {"2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z"},
       {"2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z"}},
      {"daily keeps the newest of each day", "UTC", keep(0, 0, 2, 0, 0, 0),
       {"2026-11-01T09:00:00Z", "2026-11-01T18:00:00Z", "2026-11-02T09:00:00Z", "2026-11-02T18:00:00Z",
        "2026-11-03T09:00:00Z"},
       {"2026-11-03T09:00:00Z", "2026-11-02T18:00:00Z"}},
      {"sparse history: only days with backups count", "UTC", keep(0, 0, 3, 0, 0, 0),
       {"2026-11-01T10:00:00Z", "2026-11-05T10:00:00Z", "2026-11-20T10:00:00Z", "2026-11-28T10:00:00Z"},
       {"2026-11-28T10:00:00Z", "2026-11-20T10:00:00Z", "2026-11-05T10:00:00Z"}},
      {"oldest kept while daily counts remain", "UTC", keep(0, 0, 7, 0, 0, 0),
       {"2026-11-01T09:00:00Z", "2026-11-01T18:00:00Z", "2026-11-02T10:00:00Z"},
       {"2026-11-01T09:00:00Z", "2026-11-01T18:00:00Z", "2026-11-02T10:00:00Z"}},
      {"all on one day: newest plus oldest", "UTC", keep(0, 0, 3, 0, 0, 0),
       {"2026-11-10T01:00:00Z", "2026-11-10T02:00:00Z", "2026-11-10T03:00:00Z", "2026-11-10T04:00:00Z"},
       {"2026-11-10T04:00:00Z", "2026-11-10T01:00:00Z"}},
      {"weekly: ISO weeks start on Monday", "UTC", keep(0, 0, 0, 2, 0, 0),
       {"2026-11-22T10:00:00Z", "2026-11-23T10:00:00Z", "2026-11-29T10:00:00Z"},
       {"2026-11-29T10:00:00Z", "2026-11-22T10:00:00Z"}},
      {"year boundary: 2024-12-30 is in 2025-W01", "UTC", keep(0, 0, 0, 2, 0, 0),
       {"2024-12-29T12:00:00Z", "2024-12-30T12:00:00Z", "2025-01-05T12:00:00Z"},
       {"2025-01-05T12:00:00Z", "2024-12-29T12:00:00Z"}},
      {"ISO week 53 of 2026 spans into 2027", "UTC", keep(0, 0, 0, 2, 0, 0),
       {"2026-12-28T10:00:00Z", "2027-01-03T10:00:00Z", "2027-01-04T10:00:00Z"},
       {"2027-01-04T10:00:00Z", "2027-01-03T10:00:00Z"}},
      {"ISO week 53 of 2020 holds 2021-01-03", "UTC", keep(0, 0, 0, 3, 0, 0),
       {"2020-12-27T10:00:00Z", "2020-12-28T10:00:00Z", "2021-01-03T10:00:00Z", "2021-01-04T10:00:00Z",
        "2020-12-20T10:00:00Z"},
       {"2021-01-04T10:00:00Z", "2021-01-03T10:00:00Z", "2020-12-27T10:00:00Z"}},
      {"monthly", "UTC", keep(0, 0, 0, 0, 3, 0),
       {"2026-08-15T10:00:00Z", "2026-09-10T10:00:00Z", "2026-09-30T10:00:00Z", "2026-10-01T10:00:00Z",
        "2026-11-05T10:00:00Z"},
       {"2026-11-05T10:00:00Z", "2026-10-01T10:00:00Z", "2026-09-30T10:00:00Z"}},
      {"monthly with a leap day", "UTC", keep(0, 0, 0, 0, 2, 0),
       {"2024-02-28T10:00:00Z", "2024-02-29T10:00:00Z", "2024-03-01T10:00:00Z"},
       {"2024-03-01T10:00:00Z", "2024-02-29T10:00:00Z"}},
      {"yearly across a year boundary", "UTC", keep(0, 0, 0, 0, 0, 2),
       {"2024-06-01T10:00:00Z", "2024-12-31T23:00:00Z", "2025-01-01T01:00:00Z", "2025-07-01T10:00:00Z"},
       {"2025-07-01T10:00:00Z", "2024-12-31T23:00:00Z"}},
      {"year boundary in the agency zone (Paris)", "Europe/Paris", keep(0, 0, 0, 0, 0, 2),
       {"2025-06-01T10:00:00Z", "2025-12-31T22:30:00Z", "2025-12-31T23:30:00Z"},
       {"2025-12-31T23:30:00Z", "2025-12-31T22:30:00Z"}},
      {"same history read in UTC: one year plus the oldest", "UTC", keep(0, 0, 0, 0, 0, 2),
       {"2025-06-01T10:00:00Z", "2025-12-31T22:30:00Z", "2025-12-31T23:30:00Z"},
       {"2025-12-31T23:30:00Z", "2025-06-01T10:00:00Z"}},
      {"month boundary in Sydney (UTC+11)", "Australia/Sydney", keep(0, 0, 0, 0, 2, 0),
       {"2026-11-15T00:00:00Z", "2026-11-30T12:00:00Z", "2026-11-30T14:00:00Z"},
       {"2026-11-30T14:00:00Z", "2026-11-30T12:00:00Z"}},
      {"same history read in UTC: one month plus the oldest", "UTC", keep(0, 0, 0, 0, 2, 0),
       {"2026-11-15T00:00:00Z", "2026-11-30T12:00:00Z", "2026-11-30T14:00:00Z"},
       {"2026-11-30T14:00:00Z", "2026-11-15T00:00:00Z"}},
      {"day boundary in New York", "America/New_York", keep(0, 0, 2, 0, 0, 0),
       {"2026-11-26T12:00:00Z", "2026-11-27T12:00:00Z", "2026-11-28T04:30:00Z", "2026-11-28T05:30:00Z"},
       {"2026-11-28T05:30:00Z", "2026-11-28T04:30:00Z"}},
      {"DST spring forward in Paris: hourly keys skip 02h", "Europe/Paris", keep(0, 3, 0, 0, 0, 0),
       {"2026-03-29T00:30:00Z", "2026-03-29T01:10:00Z", "2026-03-29T01:50:00Z"},
       {"2026-03-29T01:50:00Z", "2026-03-29T00:30:00Z"}},
      {"DST fall back in Paris: the repeated 02h is one period", "Europe/Paris", keep(0, 5, 0, 0, 0, 0),
       {"2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"},
       {"2026-10-25T01:30:00Z", "2026-10-24T23:30:00Z"}},
      {"DST fall back day is one 25-hour day", "Europe/Paris", keep(0, 0, 2, 0, 0, 0),
       {"2026-10-23T21:00:00Z", "2026-10-24T22:30:00Z", "2026-10-25T22:30:00Z"},
       {"2026-10-25T22:30:00Z", "2026-10-23T21:00:00Z"}},
      {"DST spring forward in New York, daily", "America/New_York", keep(0, 0, 2, 0, 0, 0),
       {"2026-03-08T05:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T03:30:00Z", "2026-03-07T12:00:00Z"},
       {"2026-03-09T03:30:00Z", "2026-03-07T12:00:00Z"}},
      {"equal timestamps: last keeps the greater id", "UTC", keep(1, 0, 0, 0, 0, 0),
       {"a=2026-11-10T10:00:00Z", "b=2026-11-10T10:00:00Z"}, {"b"}},
      {"equal timestamps: daily 1 keeps one", "UTC", keep(0, 0, 1, 0, 0, 0),
       {"b=2026-11-10T10:00:00Z", "a=2026-11-10T10:00:00Z"}, {"b"}},
      {"equal timestamps: daily 2 keeps the other as oldest", "UTC", keep(0, 0, 2, 0, 0, 0),
       {"a=2026-11-10T10:00:00Z", "b=2026-11-10T10:00:00Z"}, {"a", "b"}},
      {"empty history", "UTC", keep(0, 0, 7, 0, 0, 0), {}, {}},
      {"a single backup is kept", "UTC", keep(0, 0, 0, 0, 0, 1), {"2026-01-01T00:00:00Z"}, {"2026-01-01T00:00:00Z"}},
      {"rules are ORed: last 1 and daily 2", "UTC", keep(1, 0, 2, 0, 0, 0),
       {"2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z", "2026-11-28T09:00:00Z", "2026-11-28T18:00:00Z"},
       {"2026-11-28T18:00:00Z", "2026-11-27T10:00:00Z"}},
      {"rules are ORed: last 2 and daily 1", "UTC", keep(2, 0, 1, 0, 0, 0),
       {"2026-11-27T10:00:00Z", "2026-11-28T09:00:00Z", "2026-11-28T18:00:00Z"},
       {"2026-11-28T18:00:00Z", "2026-11-28T09:00:00Z"}},
      {"one backup counts for several rules", "UTC", keep(0, 0, 1, 1, 1, 1),
       {"2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-22T10:00:00Z"}, {"2026-11-22T10:00:00Z"}},
      {"sparse weeks months apart", "UTC", keep(0, 0, 0, 3, 0, 0),
       {"2026-03-02T10:00:00Z", "2026-05-11T10:00:00Z", "2026-07-20T10:00:00Z", "2026-09-28T10:00:00Z"},
       {"2026-09-28T10:00:00Z", "2026-07-20T10:00:00Z", "2026-05-11T10:00:00Z"}},
      {"hourly keeps the newest of each hour", "UTC", keep(0, 2, 0, 0, 0, 0),
       {"2026-11-10T10:05:00Z", "2026-11-10T10:55:00Z", "2026-11-10T11:05:00Z", "2026-11-10T11:45:00Z",
        "2026-11-10T09:00:00Z"},
       {"2026-11-10T11:45:00Z", "2026-11-10T10:55:00Z"}},
      {"daily plus weekly reaches further back", "UTC", keep(0, 0, 2, 3, 0, 0),
       {"2026-11-09T10:00:00Z", "2026-11-16T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-27T10:00:00Z",
        "2026-11-28T10:00:00Z"},
       {"2026-11-28T10:00:00Z", "2026-11-27T10:00:00Z", "2026-11-21T10:00:00Z", "2026-11-09T10:00:00Z"}},
      // Pre-update backups (docs/backup.md, "Pre-update backups"): outside the policy until the
      // next successful update.
      {"pre-update: every one kept while no update completed", "UTC", last3,
       {"pre:a=2026-11-01T10:00:00Z", "b=2026-11-02T10:00:00Z", "pre:c=2026-11-03T10:00:00Z", "d=2026-11-04T10:00:00Z",
        "e=2026-11-05T10:00:00Z", "f=2026-11-06T10:00:00Z"},
       {"a", "c", "d", "e", "f"}},
      {"pre-update: a completed update releases the older ones", "UTC", keep(1, 0, 0, 0, 0, 0),
       {"done:a=2026-11-01T10:00:00Z", "pre:b=2026-11-02T10:00:00Z", "done:c=2026-11-03T10:00:00Z",
        "s=2026-11-04T10:00:00Z", "pre:d=2026-11-05T10:00:00Z", "e=2026-11-06T10:00:00Z"},
       {"c", "d", "e"}},
      {"pre-update: the newest completed one stays until the next completes", "UTC", keep(1, 0, 0, 0, 0, 0),
       {"done:a=2026-11-01T10:00:00Z", "x=2026-11-02T10:00:00Z", "y=2026-11-03T10:00:00Z"}, {"a", "y"}},
      {"pre-update: released ones fall back to the policy", "UTC", keep(0, 0, 2, 0, 0, 0),
       {"done:a=2026-11-01T10:00:00Z", "done:b=2026-11-02T10:00:00Z", "c=2026-11-02T12:00:00Z",
        "d=2026-11-03T10:00:00Z"},
       {"b", "c", "d"}},
      {"pre-update: equal times with the completed one, the greater id is newer", "UTC", keep(1, 0, 0, 0, 0, 0),
       {"pre:a=2026-11-01T10:00:00Z", "done:b=2026-11-01T10:00:00Z", "z=2026-11-02T10:00:00Z"}, {"b", "z"}},
  };
}

} // namespace

TEST_CASE("ISO weeks at year boundaries", "[backup][retention]") {
  auto check = [](Date d, int year, int week) {
    auto w = iso_week(d);
    INFO(tma::core::format_date(d));
    CHECK(w.year == year);
    CHECK(w.week == week);
  };
  check({2024, 12, 30}, 2025, 1);
  check({2026, 12, 31}, 2026, 53);
  check({2027, 1, 3}, 2026, 53);
  check({2027, 1, 4}, 2027, 1);
  check({2020, 12, 31}, 2020, 53);
  check({2021, 1, 3}, 2020, 53);
  check({2008, 12, 29}, 2009, 1);
  check({2010, 1, 3}, 2009, 53);
  check({2026, 11, 29}, 2026, 48);
  check({2026, 11, 23}, 2026, 48);
  check({2026, 11, 22}, 2026, 47);
}

TEST_CASE("retention table (restic forget semantics)", "[backup][retention]") {
  auto all = cases();
  REQUIRE(all.size() >= 30);
  for (const auto& c : all) {
    SECTION(c.name) {
      auto plan = plan_retention(history(c.backups), c.policy, zone(c.zone));
      REQUIRE(plan);
      CHECK(kept_ids(*plan) == c.expected);
      CHECK(plan->decisions.size() == c.backups.size());
      for (const auto& d : plan->decisions) {
        CHECK(d.keep == !d.reasons.empty());
      }
    }
  }
}

TEST_CASE("retention reasons name the rule and the period", "[backup][retention]") {
  auto plan = plan_retention(history({"2026-11-01T09:00:00Z", "2026-11-01T18:00:00Z", "2026-11-02T10:00:00Z"}),
                             keep(1, 0, 7, 0, 0, 0), TimeZone::utc());
  REQUIRE(plan);
  REQUIRE(plan->decisions.size() == 3);
  CHECK(plan->decisions[0].reasons == std::vector<std::string>{"last #1", "daily 2026-11-02"});
  CHECK(plan->decisions[1].reasons == std::vector<std::string>{"daily 2026-11-01"});
  CHECK(plan->decisions[2].reasons == std::vector<std::string>{"oldest daily 2026-11-01"});
}

TEST_CASE("retention: a protected pre-update backup says why", "[backup][retention]") {
  auto plan = plan_retention(history({"done:old=2026-11-01T10:00:00Z", "pre:failed=2026-11-02T10:00:00Z",
                                      "done:ok=2026-11-03T10:00:00Z", "new=2026-11-04T10:00:00Z"}),
                             keep(1, 0, 0, 0, 0, 0), TimeZone::utc());
  REQUIRE(plan);
  REQUIRE(plan->decisions.size() == 4);
  CHECK(plan->decisions[0].reasons == std::vector<std::string>{"last #1"});
  CHECK(plan->decisions[1].backup.id == "ok");
  CHECK(plan->decisions[1].reasons == std::vector<std::string>{"pre-update, kept until the next successful update"});
  CHECK(plan->decisions[2].backup.id == "failed");
  CHECK_FALSE(plan->decisions[2].keep); // older than a completed update: back to the policy
  CHECK(plan->decisions[3].backup.id == "old");
  CHECK_FALSE(plan->decisions[3].keep);
}

TEST_CASE("restic documentation examples", "[backup][retention]") {
  SECTION("12 Sundays and keep-daily 4 keep the last 4") {
    std::vector<BackupRef> sundays;
    for (int i = 0; i < 12; ++i) {
      auto t = at("2026-11-29T10:00:00Z") - std::chrono::hours(24 * 7 * i);
      sundays.push_back({fmt::format("s{:02}", i), t});
    }
    auto plan = plan_retention(sundays, keep(0, 0, 4, 0, 0, 0), TimeZone::utc());
    REQUIRE(plan);
    CHECK(kept_ids(*plan) == std::set<std::string>{"s00", "s01", "s02", "s03"});
  }
  SECTION("100 years of dailies ending on Sunday 2026-11-29") {
    std::vector<BackupRef> daily;
    auto end = at("2026-11-29T12:00:00Z");
    for (int i = 0; i < 36525; ++i) daily.push_back({fmt::format("{:06}", i), end - std::chrono::hours(24 * i)});
    auto plan = plan_retention(daily, keep(0, 0, 7, 5, 12, 75), TimeZone::utc());
    REQUIRE(plan);
    // 7 dailies (Nov 23-29, all in 2026-W48), 4 more weeklies (W47..W44), 11 more monthlies (Oct 2026
    // back to Dec 2025: November is already kept), 73 more yearlies (2024 back to 1952: 2026 and
    // 2025's Dec 31 are already kept). The doc's "7 + 4 + 12/11 + 75/74" with the overlaps counted once.
    CHECK(plan->kept().size() == 7 + 4 + 11 + 73);
    std::map<std::string, int> by_rule;
    for (const auto& d : plan->decisions) {
      for (const auto& r : d.reasons) ++by_rule[r.substr(0, r.find(' '))];
    }
    CHECK(by_rule["daily"] == 7);
    CHECK(by_rule["weekly"] == 5);
    CHECK(by_rule["monthly"] == 12);
    CHECK(by_rule["yearly"] == 75);
  }
}

TEST_CASE("retention guards", "[backup][retention]") {
  auto backups = history({"2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z"});
  SECTION("an empty policy is refused") {
    auto plan = plan_retention(backups, KeepPolicy{}, TimeZone::utc());
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message.find("empty") != std::string::npos);
  }
  SECTION("negative counts are refused") {
    REQUIRE_FALSE(plan_retention(backups, keep(-1, 0, 1, 0, 0, 0), TimeZone::utc()));
  }
  SECTION("duplicate ids are refused") {
    auto dup = backups;
    dup.push_back(dup.front());
    REQUIRE_FALSE(plan_retention(dup, keep(1, 0, 0, 0, 0, 0), TimeZone::utc()));
  }
  SECTION("nothing is removed when the current backup failed") {
    RetentionGuards guards;
    guards.current_backup_failed = true;
    auto plan = plan_retention(backups, keep(1, 0, 0, 0, 0, 0), TimeZone::utc(), guards);
    REQUIRE(plan);
    CHECK_FALSE(plan->refused.empty());
    CHECK(plan->removed().empty());
    CHECK(plan->kept().size() == 3);
  }
}

TEST_CASE("retention properties on random histories", "[backup][retention]") {
  auto paris = zone("Europe/Paris");
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    int count = std::uniform_int_distribution<int>(1, 60)(rng);
    auto base = at("2024-12-20T00:00:00Z");
    std::uniform_int_distribution<long long> offset(0, 400LL * 86400);
    std::vector<BackupRef> backups;
    for (int i = 0; i < count; ++i) {
      // A few equal timestamps on purpose.
      auto t = (i > 0 && rng() % 8 == 0) ? backups.back().time : base + std::chrono::seconds(offset(rng));
      backups.push_back({fmt::format("b{:03}", i), t});
    }
    std::uniform_int_distribution<int> small(0, 4);
    KeepPolicy policy = keep(small(rng), small(rng), small(rng), small(rng), small(rng), small(rng));
    if (policy.empty()) policy.daily = 1;
    INFO("seed " << seed << " policy " << tma::backup::describe_policy(policy));

    auto plan = plan_retention(backups, policy, paris);
    REQUIRE(plan);
    // The newest backup always survives.
    auto newest = *std::max_element(backups.begin(), backups.end(), [](const BackupRef& a, const BackupRef& b) {
      return a.time != b.time ? a.time < b.time : a.id < b.id;
    });
    auto kept = kept_ids(*plan);
    CHECK(kept.count(newest.id) == 1);
    // kept is a subset of the input, and every input backup has exactly one decision.
    std::set<std::string> input;
    for (const auto& b : backups) input.insert(b.id);
    CHECK(std::includes(input.begin(), input.end(), kept.begin(), kept.end()));
    CHECK(plan->decisions.size() == backups.size());
    // Deterministic: a shuffled input gives the same plan.
    auto shuffled = backups;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto again = plan_retention(shuffled, policy, paris);
    REQUIRE(again);
    CHECK(kept_ids(*again) == kept);
    // Idempotent: pruning what was kept removes nothing more.
    auto second = plan_retention(plan->kept(), policy, paris);
    REQUIRE(second);
    CHECK(kept_ids(*second) == kept);
    // Raising a count never removes a backup that was kept.
    auto wider = policy;
    wider.daily += 1;
    auto more = plan_retention(backups, wider, paris);
    REQUIRE(more);
    auto kept_more = kept_ids(*more);
    CHECK(std::includes(kept_more.begin(), kept_more.end(), kept.begin(), kept.end()));
  }
}
