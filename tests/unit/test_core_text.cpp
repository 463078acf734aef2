#include <catch2/catch.hpp>

#include <tma/core/redact.hpp>
#include <tma/core/text.hpp>

using namespace tma::core;

TEST_CASE("glob_match", "[unit][core]") {
  CHECK(glob_match("acme-*", "acme-www"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("a?me", "acme"));
  CHECK(glob_match("*-www", "acme-www"));
  CHECK(glob_match("[ab]cme", "acme"));
  CHECK_FALSE(glob_match("[!ab]cme", "acme"));
  CHECK(glob_match("site-[0-9]", "site-7"));
  CHECK_FALSE(glob_match("acme-*", "bistro"));
  CHECK_FALSE(glob_match("acme", "acme-www"));
  CHECK(glob_match("*a*b*c*", "xxaxxbxxcxx"));
  CHECK_FALSE(glob_match("*a*b*c*d", "xxaxxbxxcxx"));
  // What fnmatch(3) adds or pins down: `^` negates like `!`, `\` escapes, an unclosed `[` is itself,
  // a `]` first in a class is a member.
  CHECK(glob_match("[^ab]cme", "xcme"));
  CHECK_FALSE(glob_match("[^ab]cme", "acme"));
  CHECK(glob_match("a\\*", "a*"));
  CHECK_FALSE(glob_match("a\\*", "ab"));
  CHECK(glob_match("a[b", "a[b"));
  CHECK(glob_match("[]a]x", "]x"));
  CHECK(glob_match("*", ".hidden"));
  CHECK(glob_match("a/*", "a/b/c"));
}

TEST_CASE("suggest finds plausible typos only", "[unit][core]") {
  std::vector<std::string> names{"acme-www", "acme-blog", "bistro-site"};
  CHECK(suggest("acme-ww", names) == std::optional<std::string>("acme-www"));
  CHECK(suggest("bistro-stie", names) == std::optional<std::string>("bistro-site"));
  CHECK_FALSE(suggest("zzz", names));
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("redact replaces every registered secret, longest first", "[unit][core]") {
  clear_secrets_for_testing();
  register_secret("hunter2-secret");
  register_secret("hunter2");
  register_secret("abc"); // too short: not registered
  CHECK(redact("pw=hunter2-secret and hunter2, abc") == "pw=*** and ***, abc");
  CHECK(redact("nothing here") == "nothing here");
  clear_secrets_for_testing();
  CHECK(redact("hunter2") == "hunter2");
}
