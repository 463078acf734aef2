#include <catch2/catch.hpp>

#include <sstream>

#include <tma/check/vulnerabilities.hpp>

#include "support/fixture.hpp"

using namespace tma::check;
using namespace tma::version;
using tma::cms::ComponentKind;
using tma::test::fixture;

TEST_CASE("check::in_range honours inclusive and exclusive bounds and wildcards") {
  AffectedRange upto{"*", true, "5.0.2", true};
  CHECK(in_range(upto, "5.0.2"));
  CHECK(in_range(upto, "1.0"));
  CHECK_FALSE(in_range(upto, "5.0.3"));
  AffectedRange before{"*", true, "6.1.10", false};
  CHECK(in_range(before, "6.1.9"));
  CHECK_FALSE(in_range(before, "6.1.10"));
  AffectedRange open_from{"2.0", false, "2.3.1", true};
  CHECK_FALSE(in_range(open_from, "2.0"));
  CHECK(in_range(open_from, "2.0.1"));
  CHECK(in_range(open_from, "2.3.1"));
  CHECK_FALSE(in_range(open_from, "2.3.2"));
  AffectedRange from_incl{"6.2", true, "6.2.5", true};
  CHECK(in_range(from_incl, "6.2"));
  CHECK_FALSE(in_range(from_incl, "6.1.99"));
  AffectedRange all{"*", true, "*", true};
  CHECK(in_range(all, "0.1"));
  CHECK(in_range(all, "99"));
}

TEST_CASE("check::smallest_fix picks the smallest patched version above the installed one") {
  CHECK(smallest_fix({"6.1.10", "6.2.6"}, "6.1.9") == "6.1.10");
  CHECK(smallest_fix({"6.1.10", "6.2.6"}, "6.2.3") == "6.2.6");
  CHECK(smallest_fix({"6.2.6", "6.1.10"}, "6.1.9") == "6.1.10");
  CHECK(smallest_fix({}, "1.0").empty());
  CHECK(smallest_fix({"1.0"}, "1.0").empty());
}

TEST_CASE("check::VulnerabilityDb matches the Wordfence feed by type and slug and range") {
  auto db = VulnerabilityDb::parse_wordfence(fixture("wordfence/feed.json"));
  REQUIRE(db);
  CHECK(db->size() == 7);

  SECTION("a plugin inside an inclusive upper bound") {
    auto m = db->match(ComponentKind::plugin, "akismet", "5.0.2");
    REQUIRE(m.size() == 1);
    CHECK(m[0].vulnerability->cve == "CVE-2099-1234");
    CHECK(m[0].vulnerability->cvss_score == Approx(6.1));
    CHECK(m[0].vulnerability->cvss_rating == "Medium");
    CHECK(m[0].vulnerability->link.find("https://www.wordfence.com/threat-intel/") == 0);
    CHECK(m[0].fixed_in == "5.0.3");
  }
  SECTION("several records for one slug") {
    auto m = db->match(ComponentKind::plugin, "akismet", "5.0.1");
    CHECK(m.size() == 2);
  }
  SECTION("the fixed version itself is clean") {
    CHECK(db->match(ComponentKind::plugin, "akismet", "5.0.3").empty());
  }
  SECTION("core with two ranges picks the branch's fix") {
    auto old = db->match(ComponentKind::core, "wordpress", "6.1.9");
    REQUIRE(old.size() == 1);
    CHECK(old[0].fixed_in == "6.1.10");
    auto branch = db->match(ComponentKind::core, "wordpress", "6.2.5");
    REQUIRE(branch.size() == 1);
    CHECK(branch[0].fixed_in == "6.2.6");
    CHECK(db->match(ComponentKind::core, "wordpress", "6.1.10").empty());
    CHECK(db->match(ComponentKind::core, "wordpress", "6.3").empty());
  }
  SECTION("exclusive lower bound") {
    CHECK(db->match(ComponentKind::plugin, "acme-forms", "2.0").empty());
    CHECK(db->match(ComponentKind::plugin, "acme-forms", "2.3.1").size() == 1);
  }
  SECTION("type matters: a theme slug is not a plugin slug") {
    CHECK(db->match(ComponentKind::theme, "studio", "3.1").size() == 1);
    CHECK(db->match(ComponentKind::plugin, "studio", "3.1").empty());
    CHECK(db->match(ComponentKind::plugin, "studio-companion", "1.4.9").size() == 1);
  }
  SECTION("unknown slug, unknown version, informational record") {
    CHECK(db->match(ComponentKind::plugin, "no-such-plugin", "1.0").empty());
    CHECK(db->match(ComponentKind::plugin, "akismet", "").empty());
    CHECK(db->match(ComponentKind::theme, "twentytwentythree", "1.0").empty());
  }
  SECTION("no patched version") {
    auto m = db->match(ComponentKind::plugin, "old-slider", "9.0");
    REQUIRE(m.size() == 1);
    CHECK(m[0].fixed_in.empty());
    CHECK(m[0].vulnerability->cvss_score == Approx(10));
  }
}

TEST_CASE("check::VulnerabilityDb reads a stream and rejects bad feeds") {
  std::istringstream stream(fixture("wordfence/feed.json"));
  auto db = VulnerabilityDb::parse_wordfence(stream);
  REQUIRE(db);
  CHECK(db->size() == 7);
  auto list = VulnerabilityDb::parse_wordfence(fixture("wordfence/not-an-object.json"));
  REQUIRE_FALSE(list);
  CHECK(list.error().message == "Wordfence feed: expected an object keyed by vulnerability id, got array");
  auto range = VulnerabilityDb::parse_wordfence(fixture("wordfence/bad-range.json"));
  REQUIRE_FALSE(range);
  CHECK(range.error().message ==
        "Wordfence feed: record bad-1: range \"* - 1\": \"to_version\" missing or not a string");
  auto truncated = VulnerabilityDb::parse_wordfence("{\"a\": {\"id\": \"a\", \"software\": [");
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().message == "Wordfence feed: malformed JSON");
  CHECK(VulnerabilityDb::parse_wordfence("{}")->size() == 0);
}

TEST_CASE("check::composer constraints decide affected and fixed versions") {
  std::string c = ">=2.0.0,<2.3.4|<1.9.9";
  CHECK(*composer_constraint_matches(c, "2.1.0"));
  CHECK(*composer_constraint_matches(c, "1.5"));
  CHECK_FALSE(*composer_constraint_matches(c, "2.3.4"));
  CHECK_FALSE(*composer_constraint_matches(c, "1.9.9"));
  CHECK(*composer_constraint_matches(">= 1.0 < 1.2 || >=2.0,<2.1", "2.0.5"));
  CHECK(*composer_constraint_matches("v1.2", "1.2.0"));
  CHECK(composer_fix_from_constraint(c, "2.1.0") == "2.3.4");
  CHECK(composer_fix_from_constraint(c, "1.0") == "1.9.9");
  CHECK(composer_fix_from_constraint(c, "3.0").empty());
  CHECK(composer_fix_from_constraint(">=8.0.0,<10.2.11|>=10.3.0,<10.3.9", "10.3.2") == "10.3.9");
  CHECK(composer_fix_from_constraint(">=1.0", "1.5").empty());
  auto bad = composer_constraint_matches("^1.2", "1.3");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "unsupported version constraint \"^1.2\"");
}
