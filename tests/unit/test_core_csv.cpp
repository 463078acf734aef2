#include <catch2/catch.hpp>

#include <tma/core/csv.hpp>

using tma::core::csv_field;
using tma::core::csv_record;

TEST_CASE("csv: RFC 4180 quoting of commas quotes and newlines", "[unit][core]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\rhere") == "\"cr\rhere\"");
  CHECK(csv_field(" padded") == "\" padded\"");
  CHECK(csv_field("\"") == "\"\"\"\"");
  CHECK(csv_record({"a", "b,c", "", "d\"e"}) == "a,\"b,c\",,\"d\"\"e\"\n");
  CHECK(csv_record({}) == "\n");
}

TEST_CASE("csv: a cell a spreadsheet would run as a formula is prefixed with a quote", "[unit][core]") {
  CHECK(csv_field("=HYPERLINK(\"http://x.invalid\")") == "\"'=HYPERLINK(\"\"http://x.invalid\"\")\"");
  CHECK(csv_field("+1+2") == "'+1+2");
  CHECK(csv_field("-2+3") == "'-2+3");
  CHECK(csv_field("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_field("\t=1") == "'\t=1");
  CHECK(csv_field("\r=1") == "\"'\r=1\"");
  CHECK(csv_field("=a,b") == "\"'=a,b\"");
  // Only the first character counts, and tma's "none" placeholder is no formula.
  CHECK(csv_field("-") == "-");
  CHECK(csv_field("a=b") == "a=b");
  CHECK(csv_field("5.3-beta") == "5.3-beta");
  CHECK(csv_record({"=1", "ok"}) == "'=1,ok\n");
}
