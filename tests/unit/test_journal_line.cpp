// append_line writes exactly what to_json(event).dump() writes.

#include <catch2/catch.hpp>

#include <tma/journal/line.hpp>

#include "journal/reader.hpp"

using namespace tma;

TEST_CASE("journal line: append_line is to_json().dump(), byte for byte", "[journal]") {
  journal::Event e;
  e.id = "0123456789abcdef-7";
  e.at = *core::parse_rfc3339("2026-03-29T01:02:03Z");
  e.actor = "Zoé \"Z\" Martin <zoe@agency.example>";
  e.run = "0123456789abcdef";
  e.type = "backup.finished";
  e.site = "acme-www";
  e.env = "prod";
  e.client = "acme";
  e.data = {{"bytes", 42}, {"ratio", 0.5}, {"note", "tab\there\nnewline \\ é \u0001"}, {"list", {1, "b", nullptr}},
            {"nested", {{"z", true}, {"a", nullptr}}}, {"neg", -3}};
  std::string out = "prefix:";
  journal::append_line(out, e);
  CHECK(out == "prefix:" + journal::to_json(e).dump());

  journal::Event bare;
  bare.id = "r-1";
  bare.run = "r";
  bare.type = "run.started";
  std::string line;
  journal::append_line(line, bare);
  CHECK(line == journal::to_json(bare).dump());
  CHECK(line.find("\"site\":null") != std::string::npos);
}

TEST_CASE("journal line: invalid UTF-8 from a server becomes U+FFFD instead of losing the event", "[journal]") {
  journal::Event e;
  e.id = "r-1";
  e.run = "r";
  e.type = "check.snapshot";
  e.site = "caf\xe9";
  e.data = {{"name", "plug\xe9"}};
  std::string line;
  REQUIRE_NOTHROW(journal::append_line(line, e));
  CHECK(line.find("caf\xef\xbf\xbd") != std::string::npos);
  CHECK(line.find("plug\xef\xbf\xbd") != std::string::npos);
}

TEST_CASE("journal line: the type prefilter reads the last key and never refuses a line that matches", "[journal]") {
  journal::Event e;
  e.id = "r-1";
  e.run = "r";
  e.type = "health.daily";
  // A payload holding other types' names, as a check's lifecycle or a note may.
  e.data = {{"type", "perf.measured"}, {"note", "\"type\":\"check\"}"}, {"lifecycle", {{{"type", "eol"}}}}};
  std::string line;
  journal::append_line(line, e);
  CHECK(journal::may_match_type(line, {"health.daily"}));
  CHECK(journal::may_match_type(line, {"check", "health.daily"}));
  CHECK(journal::may_match_type(line, {"health.*"}));
  CHECK(journal::may_match_type(line, {"health."}));
  CHECK(journal::may_match_type(line, {}));
  CHECK_FALSE(journal::may_match_type(line, {"perf.measured"}));
  CHECK_FALSE(journal::may_match_type(line, {"check"}));
  CHECK_FALSE(journal::may_match_type(line, {"eol"}));
  CHECK_FALSE(journal::may_match_type(line, {"health"}));
  CHECK_FALSE(journal::may_match_type(line, {"health.daily.x"}));
  CHECK(journal::may_match_type(line + "\r", {"health.daily"}));
  // Lines not written the way tma writes them are left to the parser.
  CHECK(journal::may_match_type(R"({"type": "x", "at": "2026-01-01T00:00:00Z"})", {"check"}));
  CHECK(journal::may_match_type(R"({"at":"2026-01-01T00:00:00Z","type":"a\"b"})", {"check"}));
  CHECK(journal::may_match_type("not json", {"check"}));
}
