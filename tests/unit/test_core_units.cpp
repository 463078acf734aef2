#include <catch2/catch.hpp>

#include <tma/core/units.hpp>

using namespace tma::core;

TEST_CASE("parse_duration accepts d/h/m/s groups in order", "[unit][core]") {
  CHECK(parse_duration("90s")->count() == 90);
  CHECK(parse_duration("15m")->count() == 900);
  CHECK(parse_duration("4h")->count() == 14400);
  CHECK(parse_duration("1d")->count() == 86400);
  CHECK(parse_duration("1h30m")->count() == 5400);
  CHECK(parse_duration("2d3h4m5s")->count() == 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  CHECK(parse_duration("0s")->count() == 0);
}

TEST_CASE("parse_duration rejects everything else with the offending text", "[unit][core]") {
  for (const char* bad : {"", "90", "1.5h", "h", "30m1h", "1h1h", "1 h", "-1h", "1w", "1H", "1h30"}) {
    INFO(bad);
    auto result = parse_duration(bad);
    REQUIRE_FALSE(result);
    CHECK(result.error() == std::string("invalid duration '") + bad + "' (expected e.g. 90s, 15m, 4h, 1d, 1h30m)");
  }
}

TEST_CASE("format_size: bytes then powers of 1024 with one decimal", "[unit][core]") {
  CHECK(tma::core::format_size(0) == "0 B");
  CHECK(tma::core::format_size(1023) == "1023 B");
  CHECK(tma::core::format_size(1536) == "1.5 KiB");
  CHECK(tma::core::format_size(5ULL * 1024 * 1024 * 1024) == "5.0 GiB");
}

TEST_CASE("format_elapsed: one style for every elapsed time", "[unit][core]") {
  using std::chrono::milliseconds;
  CHECK(format_elapsed(milliseconds(0)) == "0 ms");
  CHECK(format_elapsed(milliseconds(7)) == "7 ms");
  CHECK(format_elapsed(milliseconds(999)) == "999 ms");
  CHECK(format_elapsed(milliseconds(1000)) == "1 s");
  CHECK(format_elapsed(milliseconds(1460)) == "1.5 s");
  CHECK(format_elapsed(milliseconds(9960)) == "10 s");
  CHECK(format_elapsed(milliseconds(14500)) == "15 s");
  CHECK(format_elapsed(milliseconds(60000)) == "1 min");
  CHECK(format_elapsed(milliseconds(200000)) == "3 min 20 s");
  CHECK(format_elapsed(milliseconds(7500000)) == "2 h 5 min");
  CHECK(format_elapsed(milliseconds(3LL * 86400000 + 4 * 3600000)) == "3 d 4 h");
  CHECK(format_elapsed(milliseconds(-5)) == "0 ms");
}

TEST_CASE("format_duration round-trips", "[unit][core]") {
  CHECK(format_duration(Seconds(5400)) == "1h30m");
  CHECK(format_duration(Seconds(0)) == "0s");
  CHECK(format_duration(Seconds(86400 + 1)) == "1d1s");
  CHECK(parse_duration(format_duration(Seconds(93784)))->count() == 93784);
}

TEST_CASE("durations stop at a century, so every one prints back as it parses", "[unit][core]") {
  CHECK(parse_duration("36525d")->count() == 36525LL * 86400);
  CHECK(parse_duration("36524d23h59m60s")->count() == 36525LL * 86400);
  auto longer = parse_duration("36525d1s");
  REQUIRE_FALSE(longer);
  CHECK(longer.error() == "duration '36525d1s' is longer than 100 years");
  // The fuzz finding: each part within its own bound, the sum printing back as more days than one part holds.
  CHECK_FALSE(parse_duration("99999992d3h9999994m999995s"));
  for (const char* text : {"36525d", "36524d23h59m60s", "100000000s", "1d24h", "59m3600s"}) {
    INFO(text);
    auto seconds = parse_duration(text);
    REQUIRE(seconds);
    CHECK(parse_duration(format_duration(*seconds)) == seconds);
  }
}

TEST_CASE("parse_size", "[unit][core]") {
  CHECK(*parse_size("100") == 100);
  CHECK(*parse_size("1K") == 1024);
  CHECK(*parse_size("512MB") == 512ULL << 20);
  CHECK(*parse_size("2GiB") == 2ULL << 30);
  CHECK_FALSE(parse_size("1.5G"));
  CHECK_FALSE(parse_size("G"));
  CHECK_FALSE(parse_size("10 MB"));
  CHECK_FALSE(parse_size("99999999999999T"));
}

TEST_CASE("parse_date checks the calendar", "[unit][core]") {
  CHECK(*parse_date("2026-02-28") == Date{2026, 2, 28});
  CHECK(*parse_date("2024-02-29") == Date{2024, 2, 29});
  CHECK(parse_date("2026-02-29").error() == "invalid date '2026-02-29' (no such day)");
  CHECK(parse_date("2026-2-28").error() == "invalid date '2026-2-28' (expected YYYY-MM-DD)");
  CHECK_FALSE(parse_date("2026-13-01"));
  CHECK(format_date(Date{2026, 3, 9}) == "2026-03-09");
}

TEST_CASE("money is integer cents", "[unit][core]") {
  CHECK(*parse_money("450") == 45000);
  CHECK(*parse_money("450.5") == 45050);
  CHECK(*parse_money("450.05") == 45005);
  CHECK(*parse_money("0.99") == 99);
  CHECK_FALSE(parse_money("1.999"));
  CHECK_FALSE(parse_money("-3"));
  CHECK_FALSE(parse_money("1,50"));
  CHECK_FALSE(parse_money("1."));
  CHECK(format_money(123450) == "1234.50");
  CHECK(format_money(-5) == "-0.05");
}
