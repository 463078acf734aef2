#include <catch2/catch.hpp>

#include <tma/core/schedule.hpp>

using tma::core::is_due;
using tma::core::Schedule;
using tma::core::SysSeconds;
using tma::core::TimeZone;

namespace {

SysSeconds at(const char* text) {
  auto parsed = tma::core::parse_rfc3339(text);
  REQUIRE(parsed);
  return *parsed;
}

TimeZone zone(const char* name) {
  auto z = TimeZone::load(name);
  REQUIRE(z);
  return *z;
}

Schedule schedule(const char* text) {
  auto s = Schedule::parse(text);
  INFO(text);
  REQUIRE(s);
  return *s;
}

std::string prev(const char* text, const char* now, const TimeZone& z) {
  auto slot = schedule(text).previous_slot(at(now), z);
  return slot ? tma::core::format_rfc3339_utc(*slot) : "none";
}

std::string next(const char* text, const char* after, const TimeZone& z) {
  auto slot = schedule(text).next_slot(at(after), z);
  return slot ? tma::core::format_rfc3339_utc(*slot) : "none";
}

} // namespace

TEST_CASE("schedule parsing", "[core][schedule]") {
  for (const char* good : {"daily 02:30", "weekly mon 09:00", "weekly Sun 23:59", "monthly 1 03:00",
                           "monthly 31 00:00", "30 2 * * *", "*/15 * * * *", "0 3 1-7 * mon", "0 0 * jan,jul 0",
                           "5/10 1,2,3 * * 1-5", "0 4 * * 7"}) {
    INFO(good);
    CHECK(Schedule::parse(good));
  }
  for (const char* bad : {"", "daily", "daily 2:3", "daily 24:00", "daily 12:60", "weekly funday 09:00",
                          "weekly 1 09:00", "monthly 0 03:00", "monthly 32 03:00", "hourly 10", "60 * * * *",
                          "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *",
                          "* * * *", "a b c d e",
                          // signs: from_chars reads them; a fuzz finding (daily -2:10) indexed a bitset at -2
                          "daily -2:10", "daily 2:-1", "weekly mon -1:00", "monthly -1 03:00", "-1 * * * *",
                          "* * * * -1", "*/-2 * * * *", "+5 * * * *"}) {
    INFO(bad);
    auto s = Schedule::parse(bad);
    REQUIRE_FALSE(s);
    CHECK_FALSE(s.error().empty());
  }
}

TEST_CASE("schedule messages say what to write instead", "[core][schedule]") {
  auto error = [](const char* text) {
    auto s = Schedule::parse(text);
    REQUIRE_FALSE(s);
    return s.error();
  };
  // Sunday is 0 at the end of a range: refused, as Vixie cron does, saying what to write.
  CHECK(error("0 3 * * mon-sun") ==
        "bad cron expression '0 3 * * mon-sun': day-of-week range 'mon-sun' ends on Sunday, which is day 0, before "
        "it starts (ranges do not wrap, as in Vixie cron): write '*' or '1-7' for every day (7 is Sunday too)");
  CHECK(error("0 3 * * fri-sun") ==
        "bad cron expression '0 3 * * fri-sun': day-of-week range 'fri-sun' ends on Sunday, which is day 0, before "
        "it starts (ranges do not wrap, as in Vixie cron): write '5-7' (7 is Sunday too)");
  CHECK(error("0 3 * * mon-sun/2").find("write '1-7/2'") != std::string::npos);
  CHECK(Schedule::parse("0 3 * * mon-7"));
  CHECK(Schedule::parse("0 3 * * 1-7"));
  CHECK(error("5-1 * * * *") == "bad cron expression '5-1 * * * *': minute range '5-1' ends before it starts (ranges do not wrap)");
  CHECK(error("*/0 * * * *") == "bad cron expression '*/0 * * * *': bad step in minute field '*/0' (a whole number from 1)");
  CHECK(error("daily 25:00") == "bad time '25:00' in schedule: expected 'daily HH:MM', 'weekly <mon..sun> HH:MM', "
                                "'monthly <1-31> HH:MM', 'every Nm', 'every Nh' or a 5-field cron expression");
  // A day-of-month no month selected has: it would never run.
  CHECK(error("0 0 30 2 *") == "bad cron expression '0 0 30 2 *': no month it selects has the days it selects, so it "
                               "would never run");
  CHECK(Schedule::parse("0 0 29 2 *"));     // leap years
  CHECK(Schedule::parse("0 0 30 2 mon"));   // either day field: every Monday of February
  CHECK(Schedule::parse("0 0 31 1-12/2 *")); // January has a 31st
}

TEST_CASE("cron step a/n runs from a to the field's end, as croniter reads it", "[core][schedule]") {
  auto utc = TimeZone::utc();
  // `5/15` in the minute field: 5, 20, 35, 50 (cronie would read "just 5").
  CHECK(next("5/15 10 * * *", "2026-11-29T10:05:00Z", utc) == "2026-11-29T10:20:00Z");
  CHECK(next("5/15 10 * * *", "2026-11-29T10:35:00Z", utc) == "2026-11-29T10:50:00Z");
  CHECK(next("5/15 10 * * *", "2026-11-29T10:50:00Z", utc) == "2026-11-30T10:05:00Z");
  // In the day-of-week field the end is 7, Sunday: `5/2` is Friday and Sunday. 2026-11-29 is a Sunday.
  CHECK(next("0 0 * * 5/2", "2026-11-27T12:00:00Z", utc) == "2026-11-29T00:00:00Z");
  CHECK(next("0 0 * * 5/2", "2026-11-29T12:00:00Z", utc) == "2026-12-04T00:00:00Z");
}

TEST_CASE("schedule slots in UTC", "[core][schedule]") {
  auto utc = TimeZone::utc();
  CHECK(prev("daily 02:30", "2026-11-29T10:00:00Z", utc) == "2026-11-29T02:30:00Z");
  CHECK(prev("daily 02:30", "2026-11-29T02:29:59Z", utc) == "2026-11-28T02:30:00Z");
  CHECK(prev("daily 02:30", "2026-11-29T02:30:00Z", utc) == "2026-11-29T02:30:00Z");
  // 2026-11-29 is a Sunday.
  CHECK(prev("weekly mon 09:00", "2026-11-29T10:00:00Z", utc) == "2026-11-23T09:00:00Z");
  CHECK(prev("weekly sun 09:00", "2026-11-29T10:00:00Z", utc) == "2026-11-29T09:00:00Z");
  CHECK(prev("monthly 31 03:00", "2026-11-29T10:00:00Z", utc) == "2026-10-31T03:00:00Z");
  CHECK(prev("monthly 1 03:00", "2026-11-29T10:00:00Z", utc) == "2026-11-01T03:00:00Z");
  CHECK(prev("*/15 * * * *", "2026-11-29T10:14:00Z", utc) == "2026-11-29T10:00:00Z");
  CHECK(prev("0 4 29 2 *", "2026-11-29T10:00:00Z", utc) == "2024-02-29T04:00:00Z");
  // Both day fields restricted: either matches (the 1st, or any Friday).
  CHECK(prev("0 6 1 * fri", "2026-11-29T10:00:00Z", utc) == "2026-11-27T06:00:00Z");
  CHECK(prev("0 6 1 * 5", "2026-12-01T10:00:00Z", utc) == "2026-12-01T06:00:00Z");
  CHECK(prev("0 0 * * 7", "2026-11-30T10:00:00Z", utc) == "2026-11-29T00:00:00Z");
  CHECK(next("daily 02:30", "2026-11-29T02:30:00Z", utc) == "2026-11-30T02:30:00Z");
  CHECK(next("monthly 31 03:00", "2026-11-01T00:00:00Z", utc) == "2026-12-31T03:00:00Z");
}

TEST_CASE("schedule intervals every Nm and every Nh stay on the clock", "[core][schedule]") {
  auto utc = TimeZone::utc();
  CHECK(prev("every 5m", "2026-11-29T10:14:59Z", utc) == "2026-11-29T10:10:00Z");
  CHECK(next("every 5m", "2026-11-29T10:10:00Z", utc) == "2026-11-29T10:15:00Z");
  CHECK(next("every 15m", "2026-11-29T23:50:00Z", utc) == "2026-11-30T00:00:00Z");
  CHECK(prev("every 60m", "2026-11-29T10:59:00Z", utc) == "2026-11-29T10:00:00Z");
  CHECK(prev("every 1h", "2026-11-29T10:59:00Z", utc) == "2026-11-29T10:00:00Z");
  CHECK(prev("every 6h", "2026-11-29T05:59:00Z", utc) == "2026-11-29T00:00:00Z");
  CHECK(next("every 6h", "2026-11-29T18:00:00Z", utc) == "2026-11-30T00:00:00Z");
  // In Paris, the spring-forward hour has no slots; the next one is 03:00 CEST (01:00Z).
  auto paris = zone("Europe/Paris");
  CHECK(next("every 30m", "2026-03-29T00:30:00Z", paris) == "2026-03-29T01:00:00Z");
  for (const char* bad : {"every", "every 7m", "every 0m", "every 90m", "every 5h", "every 5", "every m", "every -5m",
                          "every 5s", "every 5m 3"}) {
    INFO(bad);
    CHECK_FALSE(Schedule::parse(bad));
  }
  CHECK(Schedule::parse("every 7m").error() ==
        "bad interval '7m' in schedule: expected 'every Nm' with N dividing 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, "
        "60) or 'every Nh' with N dividing 24");
}

TEST_CASE("schedule slots across DST", "[core][schedule]") {
  auto paris = zone("Europe/Paris");
  // Winter: 02:30 CET is 01:30 UTC; summer: 00:30 UTC.
  CHECK(prev("daily 02:30", "2026-11-29T10:00:00Z", paris) == "2026-11-29T01:30:00Z");
  CHECK(prev("daily 02:30", "2026-07-01T10:00:00Z", paris) == "2026-07-01T00:30:00Z");
  // Spring forward 2026-03-29: 02:30 does not exist and runs when the gap ends (03:00 CEST).
  CHECK(prev("daily 02:30", "2026-03-29T10:00:00Z", paris) == "2026-03-29T01:00:00Z");
  CHECK(next("daily 02:30", "2026-03-28T12:00:00Z", paris) == "2026-03-29T01:00:00Z");
  CHECK(prev("daily 02:30", "2026-03-30T10:00:00Z", paris) == "2026-03-30T00:30:00Z");
  // Fall back 2026-10-25: 02:30 happens twice; the first one (CEST, 00:30 UTC) is the slot.
  CHECK(prev("daily 02:30", "2026-10-25T10:00:00Z", paris) == "2026-10-25T00:30:00Z");
  CHECK(prev("daily 02:30", "2026-10-25T01:00:00Z", paris) == "2026-10-25T00:30:00Z");
  CHECK(next("daily 02:30", "2026-10-25T00:30:00Z", paris) == "2026-10-26T01:30:00Z");
  auto new_york = zone("America/New_York");
  // New York springs forward at 02:00 on 2026-03-08: 02:15 runs at 03:00 EDT.
  CHECK(prev("weekly sun 02:15", "2026-03-08T12:00:00Z", new_york) == "2026-03-08T07:00:00Z");
  CHECK(prev("weekly sun 02:15", "2026-03-16T12:00:00Z", new_york) == "2026-03-15T06:15:00Z");
}

TEST_CASE("is_due", "[core][schedule]") {
  auto paris = zone("Europe/Paris");
  auto daily = schedule("daily 02:30");
  // Never backed up: due.
  CHECK(is_due(daily, std::nullopt, at("2026-11-29T10:00:00Z"), paris));
  // Backed up after today's slot: not due until tomorrow's.
  CHECK_FALSE(is_due(daily, at("2026-11-29T01:35:00Z"), at("2026-11-29T23:00:00Z"), paris));
  CHECK(is_due(daily, at("2026-11-29T01:35:00Z"), at("2026-11-30T01:30:00Z"), paris));
  // Last backup before today's slot (a missed night): due.
  CHECK(is_due(daily, at("2026-11-28T01:35:00Z"), at("2026-11-29T10:00:00Z"), paris));
  // A manual backup in the evening after the slot satisfies that day.
  CHECK_FALSE(is_due(daily, at("2026-11-28T20:00:00Z"), at("2026-11-29T01:00:00Z"), paris));
  // Across fall back: a backup at the first 02:30 is not repeated at the second one.
  CHECK_FALSE(is_due(daily, at("2026-10-25T00:31:00Z"), at("2026-10-25T01:40:00Z"), paris));
  auto weekly = schedule("weekly mon 09:00");
  CHECK_FALSE(is_due(weekly, at("2026-11-23T08:05:00Z"), at("2026-11-29T22:00:00Z"), paris));
  CHECK(is_due(weekly, at("2026-11-23T08:05:00Z"), at("2026-11-30T08:00:00Z"), paris));
}

// ---------------------------------------------------------------------------------------------
// Reference: a brute-force evaluator, independent of Schedule and of core::TimeZone. Random
// schedules are generated as sets (minutes, hours, days, months, weekdays) and written out in the
// grammar; the C library's localtime_r (TZ, the system's zoneinfo) walks the wall clock minute by
// minute over a window, and a slot fires at the first minute its wall time is shown (a time shown
// twice when clocks go back fires the first time only), or, when clocks jump forward over it, at
// the first minute after the jump. previous_slot and next_slot must find exactly those instants.
// A seeded random sample, small enough for every CI run; TMA_SCHEDULE_CASES=N runs more.

#include <cstdlib>
#include <ctime>
#include <random>
#include <set>
#include <unordered_set>

#include "support/temp_dir.hpp"

namespace {

struct Spec {
  std::string text;
  std::set<int> minutes, hours, days, months, weekdays; ///< weekdays 0 = Sunday
  bool day_star = true;     ///< the day-of-month field starts with '*' (Vixie cron's rule)
  bool weekday_star = true; ///< the day-of-week field starts with '*'
  bool never = false;       ///< no month selected has a day selected: the parser must refuse it
};

std::set<int> all(int lo, int hi) {
  std::set<int> out;
  for (int v = lo; v <= hi; ++v) out.insert(v);
  return out;
}

const char* k_days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
const char* k_months[] = {"", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

std::string hhmm(int h, int m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", h, m);
  return buf;
}

// One cron field over [lo, hi]: `*`, `*/n`, or a list of values, ranges `a-b`, `a-b/n` and `a/n`
// (a to hi every n), with names where the field has them.
std::string cron_field(std::mt19937& rng, int lo, int hi, const char* const* names, std::set<int>& out) {
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  auto name = [&](int v) {
    if (names != nullptr && v < (hi == 7 ? 7 : hi + 1) && names[v][0] != '\0' && pick(0, 2) == 0) return std::string(names[v]);
    return std::to_string(v);
  };
  int form = pick(0, 9);
  if (form == 0) {
    out = all(lo, hi);
    return "*";
  }
  if (form == 1) {
    int step = pick(2, std::max(2, (hi - lo) / 2));
    for (int v = lo; v <= hi; v += step) out.insert(v);
    return "*/" + std::to_string(step);
  }
  std::string text;
  int items = pick(1, 3);
  for (int i = 0; i < items; ++i) {
    if (!text.empty()) text += ",";
    int kind = pick(0, 3);
    int a = pick(lo, hi);
    if (kind == 0) {
      out.insert(a);
      text += name(a);
    } else if (kind == 1 || kind == 2) {
      int b = pick(a, hi);
      int step = kind == 2 ? pick(1, std::max(1, hi - lo)) : 1;
      for (int v = a; v <= b; v += step) out.insert(v);
      text += name(a) + "-" + name(b) + (kind == 2 ? "/" + std::to_string(step) : "");
    } else {
      int step = pick(1, std::max(1, (hi - lo) / 2));
      for (int v = a; v <= hi; v += step) out.insert(v);
      text += std::to_string(a) + "/" + std::to_string(step);
    }
  }
  return text;
}

// `hint`: a local hour near an offset change; half the schedules then run in it or the next hour,
// the hours repeated or skipped that day.
Spec random_spec(std::mt19937& rng, int hint) {
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  auto hour = [&] { return hint >= 0 && pick(0, 1) == 0 ? (hint + pick(0, 1)) % 24 : pick(0, 23); };
  Spec s;
  s.days = all(1, 31);
  s.months = all(1, 12);
  s.weekdays = all(0, 6);
  int kind = pick(0, 5);
  if (kind <= 2) {
    int h = hour(), m = pick(0, 59);
    s.hours = {h};
    s.minutes = {m};
    if (kind == 0) {
      s.text = "daily " + hhmm(h, m);
    } else if (kind == 1) {
      int d = pick(0, 6);
      s.weekdays = {d};
      s.weekday_star = false;
      s.text = std::string("weekly ") + k_days[d] + " " + hhmm(h, m);
    } else {
      int d = pick(0, 3) == 0 ? pick(28, 31) : pick(1, 31);
      s.days = {d};
      s.day_star = false;
      s.text = "monthly " + std::to_string(d) + " " + hhmm(h, m);
    }
    return s;
  }
  std::set<int> minutes, hours, days, months, weekdays;
  // Few minutes and hours mostly, so that slots are sparse enough to tell apart.
  auto minute_text = pick(0, 2) == 0 ? cron_field(rng, 0, 59, nullptr, minutes) : std::to_string(*minutes.insert(pick(0, 59)).first);
  auto hour_text = pick(0, 2) == 0 ? cron_field(rng, 0, 23, nullptr, hours) : std::to_string(*hours.insert(hour()).first);
  auto day_text = pick(0, 1) == 0 ? (days = all(1, 31), std::string("*")) : cron_field(rng, 1, 31, nullptr, days);
  auto month_text = pick(0, 2) != 0 ? (months = all(1, 12), std::string("*")) : cron_field(rng, 1, 12, k_months, months);
  auto weekday_text = pick(0, 1) == 0 ? (weekdays = all(0, 7), std::string("*")) : cron_field(rng, 0, 7, k_days, weekdays);
  if (weekdays.count(7) != 0) {
    weekdays.erase(7);
    weekdays.insert(0);
  }
  s.text = minute_text + " " + hour_text + " " + day_text + " " + month_text + " " + weekday_text;
  s.minutes = minutes;
  s.hours = hours;
  s.days = days;
  s.months = months;
  s.weekdays = weekdays;
  s.day_star = day_text[0] == '*';
  s.weekday_star = weekday_text[0] == '*';
  if (!s.day_star && s.weekday_star) {
    const int longest[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    s.never = true;
    for (int m : s.months) {
      for (int d : s.days) s.never = s.never && d > longest[m];
    }
  }
  return s;
}

struct Wall {
  int year, month, day, hour, minute, weekday;
  long long minutes_since_epoch() const { // as if the wall clock were UTC: for jumps and repeats
    return tma::core::days_from_civil(tma::core::Date{year, static_cast<unsigned>(month), static_cast<unsigned>(day)}) * 1440 +
           hour * 60 + minute;
  }
};

Wall wall_at(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_wday};
}

bool matches(const Spec& s, const Wall& w) {
  if (s.minutes.count(w.minute) == 0 || s.hours.count(w.hour) == 0 || s.months.count(w.month) == 0) return false;
  bool day = s.days.count(w.day) != 0;
  bool weekday = s.weekdays.count(w.weekday) != 0;
  return !s.day_star && !s.weekday_star ? day || weekday : day && weekday;
}

// The wall time of a minute skipped by a forward jump (`minutes_since_epoch` back to fields).
Wall wall_from_minutes(long long minutes) {
  auto date = tma::core::civil_from_days(minutes / 1440);
  long long days = minutes / 1440;
  int weekday = static_cast<int>(((days % 7 + 7) % 7 + 4) % 7);
  return {date.year, static_cast<int>(date.month), static_cast<int>(date.day), static_cast<int>(minutes % 1440 / 60),
          static_cast<int>(minutes % 60), weekday};
}

// The firing instants of `s` in [from, to] (both on whole minutes), by walking the wall clock.
std::set<std::time_t> brute_force_slots(const Spec& s, std::time_t from, std::time_t to) {
  std::set<std::time_t> out;
  std::unordered_set<long long> shown; // wall minutes already shown once (clocks going back)
  const std::time_t margin = 26 * 3600; // longer than any repeat; before `from`, only to fill `shown`
  auto previous = wall_at(from - margin - 60).minutes_since_epoch();
  for (std::time_t t = from - margin; t <= to; t += 60) {
    auto w = wall_at(t);
    auto now = w.minutes_since_epoch();
    bool fires = false;
    for (auto skipped = previous + 1; skipped < now && !fires; ++skipped) fires = matches(s, wall_from_minutes(skipped));
    if (shown.insert(now).second && matches(s, w)) fires = true;
    if (fires && t >= from) out.insert(t);
    previous = now;
  }
  return out;
}

// Instants where the zone's UTC offset changes, to the minute, between 2000 and 2037.
std::vector<std::time_t> transitions() {
  std::vector<std::time_t> out;
  auto offset = [](std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm.tm_gmtoff;
  };
  const std::time_t start = 946684800; // 2000-01-01
  const std::time_t end = 2114380800;  // 2037-01-01
  for (std::time_t day = start; day < end; day += 86400) {
    if (offset(day) == offset(day + 86400)) continue;
    std::time_t lo = day, hi = day + 86400; // offset(lo) != offset(hi): narrow to one minute
    while (hi - lo > 60) {
      auto mid = lo + (hi - lo) / 120 * 60;
      (offset(mid) == offset(lo) ? lo : hi) = mid;
    }
    out.push_back(hi);
  }
  return out;
}

std::string utc(std::time_t t) { return tma::core::format_rfc3339_utc(SysSeconds{std::chrono::seconds{t}}); }

} // namespace

TEST_CASE("schedules against a brute-force evaluator on the system zoneinfo", "[core][schedule][reference]") {
  const std::vector<std::string> zones{"Europe/Paris",  "Europe/Dublin",   "Australia/Lord_Howe", "America/Santiago",
                                       "Pacific/Apia",  "America/New_York", "Asia/Kolkata",       "UTC"};
  int cases = 400;
  if (const char* more = std::getenv("TMA_SCHEDULE_CASES")) cases = std::atoi(more);
  std::mt19937 rng(20261129);
  auto pick = [&](long long a, long long b) { return std::uniform_int_distribution<long long>(a, b)(rng); };
  std::size_t compared = 0;
  for (const auto& name : zones) {
    tma::test::EnvGuard tz("TZ", ":" + name);
    tzset();
    auto tz_zone = zone(name.c_str());
    auto changes = transitions();
    for (int c = 0; c < cases / static_cast<int>(zones.size()); ++c) {
      // Around an offset change mostly (the Apia day that never was among them), else anywhere.
      bool near_change = !changes.empty() && pick(0, 3) != 0;
      std::time_t center = near_change ? changes[static_cast<std::size_t>(pick(0, static_cast<long long>(changes.size()) - 1))]
                                       : static_cast<std::time_t>(pick(946684800, 2114380800));
      center -= center % 60;
      auto spec = random_spec(rng, near_change ? wall_at(center - 60).hour : -1);
      INFO(name << " schedule '" << spec.text << "'");
      auto parsed = Schedule::parse(spec.text);
      if (spec.never) {
        CHECK_FALSE(parsed);
        continue;
      }
      INFO((parsed ? std::string() : parsed.error()));
      REQUIRE(parsed);
      const std::time_t from = center - 2 * 86400, to = center + 2 * 86400;
      auto slots = brute_force_slots(spec, from, to);
      for (int probe = 0; probe < 12; ++probe) {
        // Random instants, and instants on and next to a slot.
        std::time_t now = pick(from + 86400, to - 86400);
        if (probe % 3 != 0 && !slots.empty()) {
          auto it = slots.begin();
          std::advance(it, pick(0, static_cast<long long>(slots.size()) - 1));
          now = *it + (probe % 3 == 1 ? 0 : -1);
          if (now < from + 86400 || now > to - 86400) continue;
        }
        INFO("now " << utc(now));
        auto prev = parsed->previous_slot(SysSeconds{std::chrono::seconds{now}}, tz_zone);
        auto after = slots.upper_bound(now);
        if (after != slots.begin()) {
          REQUIRE(prev);
          CHECK(utc(prev->time_since_epoch().count()) == utc(*std::prev(after)));
        } else if (prev) {
          CHECK(prev->time_since_epoch().count() < from); // none in the window: tma's is older
        }
        auto next = parsed->next_slot(SysSeconds{std::chrono::seconds{now}}, tz_zone);
        if (after != slots.end()) {
          REQUIRE(next);
          CHECK(utc(next->time_since_epoch().count()) == utc(*after));
        } else if (next) {
          CHECK(next->time_since_epoch().count() > to);
        }
        ++compared;
      }
    }
  }
  tzset(); // TZ restored by the guards
  CHECK(compared > 500);
}
