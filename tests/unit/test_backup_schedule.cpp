#include <catch2/catch.hpp>

#include <tma/backup/schedule.hpp>

using tma::backup::is_due;
using tma::backup::Schedule;
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

TEST_CASE("schedule parsing", "[backup][schedule]") {
  for (const char* good : {"daily 02:30", "weekly mon 09:00", "weekly Sun 23:59", "monthly 1 03:00",
                           "monthly 31 00:00", "30 2 * * *", "*/15 * * * *", "0 3 1-7 * mon", "0 0 * jan,jul 0",
                           "5/10 1,2,3 * * 1-5", "0 4 * * 7"}) {
    INFO(good);
    CHECK(Schedule::parse(good));
  }
  for (const char* bad : {"", "daily", "daily 2:3", "daily 24:00", "daily 12:60", "weekly funday 09:00",
                          "weekly 1 09:00", "monthly 0 03:00", "monthly 32 03:00", "hourly 10", "60 * * * *",
                          "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *",
                          "* * * *", "a b c d e"}) {
    INFO(bad);
    auto s = Schedule::parse(bad);
    REQUIRE_FALSE(s);
    CHECK_FALSE(s.error().empty());
  }
}

TEST_CASE("schedule slots in UTC", "[backup][schedule]") {
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

TEST_CASE("schedule slots across DST", "[backup][schedule]") {
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

TEST_CASE("is_due", "[backup][schedule]") {
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
