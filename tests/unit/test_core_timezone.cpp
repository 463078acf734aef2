#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include <fmt/format.h>

#include <tma/core/timezone.hpp>

#include "support/temp_dir.hpp"

using tma::core::Ambiguity;
using tma::core::Date;
using tma::core::format_rfc3339_utc;
using tma::core::LocalDateTime;
using tma::core::parse_rfc3339;
using tma::core::SysSeconds;
using tma::core::TimeZone;

namespace {

SysSeconds at(const char* text) {
  auto parsed = parse_rfc3339(text);
  REQUIRE(parsed);
  return *parsed;
}

TimeZone zone(const char* name) {
  auto z = TimeZone::load(name);
  REQUIRE(z);
  return *z;
}

std::string local_text(const TimeZone& z, const char* utc) {
  auto c = z.to_local(at(utc));
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} {} {:+}", c.local.date.year, c.local.date.month,
                     c.local.date.day, c.local.hour, c.local.minute, c.local.second, c.abbreviation, c.utc_offset);
}

} // namespace

TEST_CASE("core::TimeZone converts UTC to Paris time across the 2026 DST changes") {
  auto paris = zone("Europe/Paris");
  CHECK(paris.name() == "Europe/Paris");
  // Spring forward: 2026-03-29 02:00 CET becomes 03:00 CEST at 01:00 UTC.
  CHECK(local_text(paris, "2026-03-29T00:59:59Z") == "2026-03-29 01:59:59 CET +3600");
  CHECK(local_text(paris, "2026-03-29T01:00:00Z") == "2026-03-29 03:00:00 CEST +7200");
  // Fall back: 2026-10-25 03:00 CEST becomes 02:00 CET at 01:00 UTC.
  CHECK(local_text(paris, "2026-10-25T00:59:59Z") == "2026-10-25 02:59:59 CEST +7200");
  CHECK(local_text(paris, "2026-10-25T01:00:00Z") == "2026-10-25 02:00:00 CET +3600");
  CHECK(paris.to_local(at("2026-07-01T12:00:00Z")).dst);
  CHECK_FALSE(paris.to_local(at("2026-12-01T12:00:00Z")).dst);
}

TEST_CASE("core::TimeZone maps local times to UTC, including gaps and repeated hours") {
  auto paris = zone("Europe/Paris");
  SECTION("ordinary times") {
    CHECK(format_rfc3339_utc(paris.to_utc({{2026, 1, 15}, 9, 30, 0})) == "2026-01-15T08:30:00Z");
    CHECK(format_rfc3339_utc(paris.to_utc({{2026, 7, 15}, 9, 30, 0})) == "2026-07-15T07:30:00Z");
  }
  SECTION("a local time that never happens maps to the instant the clocks jumped") {
    CHECK(format_rfc3339_utc(paris.to_utc({{2026, 3, 29}, 2, 30, 0})) == "2026-03-29T01:00:00Z");
    CHECK(format_rfc3339_utc(paris.to_utc({{2026, 3, 29}, 2, 30, 0}, Ambiguity::latest)) == "2026-03-29T01:00:00Z");
  }
  SECTION("a local time that happens twice: earliest or latest") {
    CHECK(format_rfc3339_utc(paris.to_utc({{2026, 10, 25}, 2, 30, 0}, Ambiguity::earliest)) == "2026-10-25T00:30:00Z");
    CHECK(format_rfc3339_utc(paris.to_utc({{2026, 10, 25}, 2, 30, 0}, Ambiguity::latest)) == "2026-10-25T01:30:00Z");
  }
}

TEST_CASE("core::TimeZone gives the UTC start of local days and months") {
  auto paris = zone("Europe/Paris");
  CHECK(format_rfc3339_utc(paris.start_of_month(2026, 1)) == "2025-12-31T23:00:00Z");
  CHECK(format_rfc3339_utc(paris.start_of_month(2026, 3)) == "2026-02-28T23:00:00Z");
  CHECK(format_rfc3339_utc(paris.start_of_month(2026, 4)) == "2026-03-31T22:00:00Z");
  CHECK(format_rfc3339_utc(paris.start_of_month(2026, 11)) == "2026-10-31T23:00:00Z");
  CHECK(format_rfc3339_utc(paris.start_of_month(2026, 13)) == "2026-12-31T23:00:00Z");
  // The DST days are 23 and 25 hours long.
  CHECK(paris.start_of_day({2026, 3, 30}) - paris.start_of_day({2026, 3, 29}) == std::chrono::hours(23));
  CHECK(paris.start_of_day({2026, 10, 26}) - paris.start_of_day({2026, 10, 25}) == std::chrono::hours(25));
  CHECK(paris.local_date(at("2026-10-31T23:30:00Z")) == Date{2026, 11, 1});
  CHECK(paris.local_date(at("2026-10-31T22:30:00Z")) == Date{2026, 10, 31});
}

TEST_CASE("core::TimeZone follows the footer rule far in the future and other hemispheres") {
  auto paris = zone("Europe/Paris");
  CHECK(local_text(paris, "2100-07-01T12:00:00Z") == "2100-07-01 14:00:00 CEST +7200");
  CHECK(local_text(paris, "2100-12-01T12:00:00Z") == "2100-12-01 13:00:00 CET +3600");
  auto new_york = zone("America/New_York");
  CHECK(local_text(new_york, "2026-03-08T06:59:59Z") == "2026-03-08 01:59:59 EST -18000");
  CHECK(local_text(new_york, "2026-03-08T07:00:00Z") == "2026-03-08 03:00:00 EDT -14400");
  CHECK(local_text(new_york, "2026-11-01T06:00:00Z") == "2026-11-01 01:00:00 EST -18000");
  auto sydney = zone("Australia/Sydney");
  CHECK(sydney.to_local(at("2026-01-15T00:00:00Z")).utc_offset == 11 * 3600);
  CHECK(sydney.to_local(at("2026-07-15T00:00:00Z")).utc_offset == 10 * 3600);
  // History before the rule: Paris was on CET without DST in 1970.
  CHECK(local_text(paris, "1970-07-01T12:00:00Z") == "1970-07-01 13:00:00 CET +3600");
}

TEST_CASE("core::TimeZone reads zones from TZDIR and rejects bad names") {
  CHECK(TimeZone::utc().to_local(at("2026-11-29T01:02:03Z")).local == LocalDateTime{{2026, 11, 29}, 1, 2, 3});
  auto unknown = TimeZone::load("Europe/Atlantis");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("unknown zone") != std::string::npos);
  CHECK_FALSE(TimeZone::load("../../etc/passwd"));
  CHECK_FALSE(TimeZone::load("/etc/localtime"));
  tma::test::TempDir dir;
  dir.write("Bad/Zone", "not a tzif file at all, long enough to pass the size test........");
  tma::test::EnvGuard tzdir("TZDIR", dir.path().string());
  auto bad = TimeZone::load("Bad/Zone");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("corrupt") != std::string::npos);
}

TEST_CASE("core::TimeZone is safe to share between threads") {
  auto paris = zone("Europe/Paris");
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto instant = at("2026-03-29T01:00:00Z") + std::chrono::seconds(i * 977);
        auto c = paris.to_local(instant);
        if (paris.to_utc(c.local, c.dst ? Ambiguity::earliest : Ambiguity::latest) != instant) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>(4, 0));
}

TEST_CASE("core::parse_rfc3339 reads UTC and offsets, rejects the rest") {
  CHECK(format_rfc3339_utc(at("2026-11-29T02:02:03+01:00")) == "2026-11-29T01:02:03Z");
  CHECK(format_rfc3339_utc(at("2026-11-29T01:02:03.250Z")) == "2026-11-29T01:02:03Z");
  CHECK_FALSE(parse_rfc3339("2026-11-29 01:02:03"));
  CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2026-11-29T01:02:03"));
  CHECK(tma::core::civil_from_days(tma::core::days_from_civil({2024, 2, 29})) == Date{2024, 2, 29});
}
