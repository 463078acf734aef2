// The wording and number formats of client reports (no C locale involved).
#include <catch2/catch.hpp>

#include <tma/client_report/locale.hpp>

using namespace tma::client_report;
using tma::core::Seconds;

namespace {
const std::string nbsp = "\u00a0";
}

TEST_CASE("client report numbers and money are written the way each language writes them", "[unit][client_report]") {
  CHECK(format_integer(0, Lang::fr) == "0");
  CHECK(format_integer(1234567, Lang::fr) == "1" + nbsp + "234" + nbsp + "567");
  CHECK(format_integer(1234567, Lang::en) == "1,234,567");
  CHECK(format_integer(-1234, Lang::en) == "-1,234");
  CHECK(format_money(123450, "EUR", Lang::fr) == "1" + nbsp + "234,50" + nbsp + "€");
  CHECK(format_money(123450, "EUR", Lang::en) == "€1,234.50");
  CHECK(format_money(5, "EUR", Lang::en) == "€0.05");
  CHECK(format_money(123450, "CHF", Lang::fr) == "1" + nbsp + "234,50" + nbsp + "CHF");
  CHECK(format_money(123450, "CHF", Lang::en) == "CHF" + nbsp + "1,234.50");
  CHECK(format_money(-100, "USD", Lang::en) == "-$1.00");
}

TEST_CASE("client report durations read 1 h 30", "[unit][client_report]") {
  CHECK(format_hours(Seconds(5400)) == "1" + nbsp + "h" + nbsp + "30");
  CHECK(format_hours(Seconds(12 * 3600)) == "12" + nbsp + "h");
  CHECK(format_hours(Seconds(300)) == "0" + nbsp + "h" + nbsp + "05");
  CHECK(format_hours(Seconds(0)) == "0" + nbsp + "h");
  CHECK(format_hours(Seconds(-8100)) == "-2" + nbsp + "h" + nbsp + "15");
  CHECK(format_hours(Seconds(59)) == "0" + nbsp + "h"); // seconds are below what a report shows
}

TEST_CASE("client report percentages never round up to a perfect month", "[unit][client_report]") {
  CHECK(format_percent(99.999, Lang::en) == "99.99%");
  CHECK(format_percent(100.0, Lang::en) == "100.00%");
  CHECK(format_percent(99.95, Lang::fr) == "99,95" + nbsp + "%");
  CHECK(format_percent(0.0, Lang::fr) == "0,00" + nbsp + "%");
}

TEST_CASE("client report dates and months in French and English", "[unit][client_report]") {
  CHECK(format_long_date({2026, 12, 3}, Lang::fr) == "3 décembre 2026");
  CHECK(format_long_date({2026, 3, 1}, Lang::fr) == "1er mars 2026");
  CHECK(format_long_date({2026, 12, 3}, Lang::en) == "3 December 2026");
  CHECK(format_short_date({2026, 2, 9}, Lang::fr) == "9" + nbsp + "févr.");
  CHECK(format_short_date({2026, 2, 9}, Lang::en) == "9" + nbsp + "Feb");
  CHECK(month_name(2026, 8, Lang::fr) == "août 2026");
  CHECK(month_name(2026, 8, Lang::en) == "August 2026");
}

TEST_CASE("every client report label exists in both languages and differs where English would leak", "[unit][client_report]") {
  for (const char* key : {"title", "glance_title", "updates_title", "nothing", "security_none", "backups_title",
                          "availability_title", "hours_title", "recommendations_title", "rec_none", "generated",
                          "rec_coming_eol", "rec_coming_eol_undated", "rec_coming_eol_soon", "rec_successor", "rec_upgrade",
                          "rec_coming_domain", "rec_coming_domain_expired", "rec_coming_domain_status", "rec_coming_closed",
                          "rec_coming_abandoned", "rec_coming_unsupported", "rec_coming_insecure"}) {
    INFO(key);
    CHECK_FALSE(label(Lang::fr, key).empty());
    CHECK(label(Lang::fr, key) != label(Lang::en, key));
  }
  CHECK_THROWS_AS(label(Lang::fr, "no such label"), std::out_of_range);
}
