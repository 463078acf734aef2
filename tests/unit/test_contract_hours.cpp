#include <catch2/catch.hpp>

#include <tma/contract/entry.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/period.hpp>

using namespace tma::contract;
using tma::core::Date;

TEST_CASE("contract::parse_hours reads the accepted forms") {
  struct Row {
    const char* text;
    long seconds;
  };
  const Row rows[] = {
      {"2h", 7200},     {"90m", 5400},   {"1h30", 5400},  {"1h30m", 5400}, {"1.5h", 5400},
      {"0.25h", 900},   {"0.01h", 36},   {"1h05", 3900},  {"1h5m", 3900},  {"45m", 2700},
      {"24h", 86400},   {"1440m", 86400}, {"0h15", 900},  {"10.75h", 38700}, {"1h00", 3600},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    auto parsed = parse_hours(row.text);
    REQUIRE(parsed);
    CHECK(parsed->count() == row.seconds);
  }
}

TEST_CASE("contract::parse_hours rejects anything else, quoting the text") {
  const char* bad[] = {"",     "2",    "h",     "1h5",   "1h60",  "1h300", "1.5",  "1.h",    ".5h",
                       "1.555h", "1,5h", "1h30s", "1d",   "-1h",   " 1h",   "1h ",   "1H",    "90min",
                       "1.5m", "m",    "1h30m5", "1hh",  "1h-30"};
  for (const auto* text : bad) {
    INFO(text);
    auto parsed = parse_hours(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == "invalid duration '" + std::string(text) +
                                "' (expected e.g. 2h, 90m, 1h30, 1h30m, 1.5h)");
  }
  SECTION("zero and too long have their own message") {
    CHECK(parse_hours("0h").error() == "invalid duration '0h': must be more than zero");
    CHECK(parse_hours("0m").error() == "invalid duration '0m': must be more than zero");
    CHECK(parse_hours("24h01").error() ==
          "invalid duration '24h01': more than 24h00 in one entry (log each day separately)");
    CHECK(parse_hours("1441m").error() ==
          "invalid duration '1441m': more than 24h00 in one entry (log each day separately)");
  }
}

TEST_CASE("contract::format_hours and format_decimal_hours") {
  CHECK(format_hours(std::chrono::seconds(0)) == "0h00");
  CHECK(format_hours(std::chrono::seconds(5400)) == "1h30");
  CHECK(format_hours(std::chrono::seconds(7200)) == "2h00");
  CHECK(format_hours(std::chrono::seconds(2700)) == "0h45");
  CHECK(format_hours(std::chrono::seconds(43650)) == "12h07m30s");
  CHECK(format_hours(std::chrono::seconds(-3900)) == "-1h05");
  CHECK(format_hours(std::chrono::seconds(360000)) == "100h00");
  CHECK(format_decimal_hours(std::chrono::seconds(5400)) == "1.50");
  CHECK(format_decimal_hours(std::chrono::seconds(17)) == "0.00");  // 0.0047 h
  CHECK(format_decimal_hours(std::chrono::seconds(18)) == "0.01");  // 0.005 h: half up
  CHECK(format_decimal_hours(std::chrono::seconds(1234)) == "0.34"); // 0.3428 h
  CHECK(format_decimal_hours(std::chrono::seconds(-1800)) == "-0.50");
}

TEST_CASE("contract::parse_category") {
  CHECK(parse_category("security") == Category::security);
  CHECK(parse_category("backup") == Category::backup);
  CHECK_FALSE(parse_category("Security"));
  CHECK_FALSE(parse_category("misc"));
  for (const auto& name : category_names()) CHECK(to_string(*parse_category(name)) == name);
  CHECK(category_names().size() == 7);
}

TEST_CASE("contract::parse_month and ranges") {
  SECTION("months have their real length") {
    auto feb = parse_month("2026-02");
    REQUIRE(feb);
    CHECK(feb->from == Date{2026, 2, 1});
    CHECK(feb->to == Date{2026, 2, 28});
    CHECK(feb->label == "2026-02");
    CHECK(parse_month("2024-02")->to == Date{2024, 2, 29});
    CHECK(parse_month("2026-12")->to == Date{2026, 12, 31});
    CHECK(is_whole_month(*feb));
  }
  SECTION("bad months") {
    for (const char* text : {"2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", ""}) {
      INFO(text);
      REQUIRE_FALSE(parse_month(text));
      CHECK(parse_month(text).error() == "invalid month '" + std::string(text) + "' (expected YYYY-MM)");
    }
  }
  SECTION("a range split into clipped months") {
    auto range = make_range(Date{2025, 12, 20}, Date{2026, 2, 5});
    REQUIRE(range);
    CHECK(range->label == "2025-12-20..2026-02-05");
    auto months = split_months(*range);
    REQUIRE(months.size() == 3);
    CHECK(months[0] == Period{Date{2025, 12, 20}, Date{2025, 12, 31}, "2025-12"});
    CHECK(months[1] == Period{Date{2026, 1, 1}, Date{2026, 1, 31}, "2026-01"});
    CHECK(months[2] == Period{Date{2026, 2, 1}, Date{2026, 2, 5}, "2026-02"});
    CHECK_FALSE(is_whole_month(months[0]));
    CHECK(is_whole_month(months[1]));
    CHECK_FALSE(is_whole_month(months[2]));
  }
  SECTION("a reversed range is an error") {
    auto range = make_range(Date{2026, 3, 2}, Date{2026, 3, 1});
    REQUIRE_FALSE(range);
    CHECK(range.error() == "--to 2026-03-01 is before --from 2026-03-02");
  }
  SECTION("add_days crosses months and leap days") {
    CHECK(add_days(Date{2024, 2, 28}, 1) == Date{2024, 2, 29});
    CHECK(add_days(Date{2026, 3, 1}, -1) == Date{2026, 2, 28});
    CHECK(add_days(Date{2026, 12, 31}, 1) == Date{2027, 1, 1});
  }
}
