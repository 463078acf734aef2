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
