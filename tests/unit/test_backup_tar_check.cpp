// The archive check (libarchive + EntryChecker) against archives built in memory (ustar headers,
// GNU long names, pax records, sparse members).
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <string>

#include <fmt/format.h>

#include <tma/backup/archive.hpp>
#include <tma/backup/tar_check.hpp>

#include "support/tar_bytes.hpp"

using tma::backup::stays_inside;
using tma::test::end_blocks;
using tma::test::entry;

namespace {

/// The verdict of the check on `archive`.
struct Verdict {
  bool ok = false;
  std::string problems;
  std::uint64_t entries = 0;
};

Verdict check(const std::string& archive) {
  auto checked = tma::backup::check_archive_bytes(archive);
  if (!checked) return {false, checked.error().message, 0};
  return {true, "", *checked};
}

} // namespace

TEST_CASE("tar check accepts an ordinary site tree", "[backup][tar]") {
  auto archive = entry("./", '5') + entry("./index.php", '0', "<?php echo 1;\n") +
                 entry("./wp-content/uploads/a b.jpg", '0', std::string(1500, 'x')) +
                 entry("./current", '2', "", "wp-content/uploads") + entry("./wp-content/link", '2', "", "../index.php") +
                 entry("./copy.php", '1', "", "./index.php") + end_blocks();
  auto c = check(archive);
  INFO(c.problems);
  CHECK(c.ok);
  CHECK(c.entries == 6);
}

TEST_CASE("tar check refuses entries that leave the tree", "[backup][tar]") {
  struct Bad {
    const char* what;
    std::string archive;
  };
  std::vector<Bad> bad{
      {"dot-dot", entry("../../etc/x", '0', "owned")},
      {"dot-dot inside", entry("./a/../../x", '0', "owned")},
      {"dot-dot last", entry("a/..", '5')},
      {"absolute", entry("/etc/x", '0', "owned")},
      {"absolute symlink", entry("./evil", '2', "", "/etc")},
      {"symlink escape", entry("./a/evil", '2', "", "../../outside")},
      {"hard link escape", entry("./h", '1', "", "../../etc/passwd")},
      {"device", entry("./dev", '3')},
      {"fifo", entry("./fifo", '6')},
  };
  // A GNU long name (`L` entry) carrying a bad path.
  std::string long_name = "././" + std::string(120, 'a') + "/../../../../etc/x";
  bad.push_back({"GNU long name", entry("././@LongLink", 'L', long_name + '\0') + entry("short", '0', "x")});
  // A pax `path` record carrying an absolute path.
  std::string pax = tma::test::pax_record("path", "/etc/cron.d/x");
  bad.push_back({"pax path", entry("./PaxHeaders/x", 'x', pax) + entry("harmless", '0', "x")});
  for (const auto& b : bad) {
    SECTION(b.what) {
      auto c = check(entry("./ok", '0', "fine") + b.archive + end_blocks());
      INFO(c.problems);
      CHECK_FALSE(c.ok);
      CHECK(c.problems.find("refused") != std::string::npos);
    }
  }
}

TEST_CASE("tar check reports truncated and corrupt archives", "[backup][tar]") {
  auto whole = entry("./a", '0', std::string(3000, 'y')) + end_blocks();
  CHECK(check(whole).ok);
  CHECK_FALSE(check(whole.substr(0, 2000)).ok);              // inside the data
  CHECK_FALSE(check(whole.substr(0, whole.size() - 1024)).ok); // no end-of-archive blocks
  auto corrupt = whole;
  corrupt[10] = 'Z'; // breaks the header checksum
  CHECK_FALSE(check(corrupt).ok);
  CHECK_FALSE(check("").ok);
}

TEST_CASE("stays_inside", "[backup][tar]") {
  CHECK(stays_inside("", "a/b"));
  CHECK(stays_inside("a/b", "../c"));
  CHECK(stays_inside("a/b", "../../c"));
  CHECK_FALSE(stays_inside("a/b", "../../../c"));
  CHECK_FALSE(stays_inside("", "/etc"));
  CHECK_FALSE(stays_inside("", ".."));
  CHECK(stays_inside(".", "./x/./y"));
}
