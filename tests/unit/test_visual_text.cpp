// The shown text of a page: blocks, added and removed, the main content's loss and the verdict.
#include <catch2/catch.hpp>

#include <tma/visual/text.hpp>

using namespace tma;

namespace {

const char* const k_article =
    "Our bakery opens at seven every morning and closes when the last loaf of sourdough is sold. "
    "We bake rye, spelt and wheat breads with flour from the mill down the river, and pastries on Sundays.";

} // namespace

TEST_CASE("visual text blocks are the trimmed non-empty lines", "[visual]") {
  auto blocks = visual::text_blocks("  Home \n\n\tAbout us\r\n   \nContact");
  CHECK(blocks == std::vector<std::string>{"Home", "About us", "Contact"});
  CHECK(visual::text_blocks("").empty());
}

TEST_CASE("visual text change is order insensitive and counts duplicates", "[visual]") {
  auto change = visual::text_change("A\nB\nC", "C\nA\nB");
  CHECK(change.added.empty());
  CHECK(change.removed.empty());
  change = visual::text_change("A\nB\nC", "A\nB\nB\nD");
  CHECK(change.added == std::vector<std::string>{"B", "D"});
  CHECK(change.removed == std::vector<std::string>{"C"});
}

TEST_CASE("visual main content gone when most of its words are no longer shown", "[visual]") {
  std::string header = "Bakery Home Menu Contact\n";
  // The content hidden by CSS: only the header is shown after.
  CHECK(visual::main_content_gone(k_article, header));
  // The same words shown elsewhere on the page (moved out of main): not gone.
  CHECK_FALSE(visual::main_content_gone(k_article, header + "Sidebar\n" + k_article));
  // A few words edited: not gone.
  std::string edited = k_article;
  edited.replace(edited.find("seven"), 5, "eight");
  CHECK_FALSE(visual::main_content_gone(k_article, edited));
  // Too little main text to judge.
  CHECK_FALSE(visual::main_content_gone("Welcome to our site", ""));
}

TEST_CASE("visual verdict broken when the main text is gone on few changed pixels", "[visual]") {
  // The case: the content hidden by one CSS rule changed 1.5 % of a mostly white page.
  visual::Evidence evidence;
  evidence.changed_share = 0.015;
  evidence.main_gone = visual::main_content_gone(k_article, "Bakery Home Menu Contact");
  evidence.text_removed = 1;
  auto j = visual::judge(evidence, {});
  CHECK(j.verdict == visual::Verdict::broken);
  REQUIRE_FALSE(j.reasons.empty());
  CHECK(j.reasons.front() == "main content gone");
}

TEST_CASE("visual verdict thresholds", "[visual]") {
  visual::Thresholds thresholds;
  visual::Evidence e;
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::same);
  e.changed_share = 0.009;
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::same);
  e.changed_share = 0.01;
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::changed);
  e.changed_share = 0.15;
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::broken);
  e = {};
  e.text_added = 1;
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::changed);
  e = {};
  e.blank_after = true;
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::broken);
  e.blank_before = true; // blank both times: nothing changed
  CHECK(visual::judge(e, thresholds).verdict == visual::Verdict::same);
}
