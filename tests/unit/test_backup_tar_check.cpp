// TarChecker against archives built in memory (ustar headers, GNU long names, pax records).
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include <fmt/format.h>

#include <tma/backup/tar_check.hpp>

using tma::backup::stays_inside;
using tma::backup::TarChecker;

namespace {

std::string octal(std::uint64_t value, std::size_t width) {
  auto text = fmt::format("{:0{}o}", value, width - 1);
  return text + std::string(1, '\0');
}

/// One 512-byte ustar header (+ data padded to 512).
std::string entry(const std::string& name, char type, const std::string& data = "", const std::string& link = "") {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<std::size_t>(name.size(), 100));
  std::memcpy(&h[100], octal(0644, 8).data(), 8);
  std::memcpy(&h[108], octal(0, 8).data(), 8);
  std::memcpy(&h[116], octal(0, 8).data(), 8);
  std::memcpy(&h[124], octal(data.size(), 12).data(), 12);
  std::memcpy(&h[136], octal(0, 12).data(), 12);
  h[156] = type;
  std::memcpy(&h[157], link.data(), std::min<std::size_t>(link.size(), 100));
  std::memcpy(&h[257], "ustar\0" "00", 8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  auto chk = fmt::format("{:06o}", sum);
  std::memcpy(&h[148], chk.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  std::string padded = data;
  padded.resize((data.size() + 511) / 512 * 512, '\0');
  return h + padded;
}

std::string end_blocks() { return std::string(1024, '\0'); }

TarChecker check(const std::string& archive, std::size_t chunk = 7) {
  TarChecker checker;
  for (std::size_t i = 0; i < archive.size(); i += chunk) checker.feed(std::string_view(archive).substr(i, chunk));
  checker.finish();
  return checker;
}

} // namespace

TEST_CASE("tar check accepts an ordinary site tree", "[backup][tar]") {
  auto archive = entry("./", '5') + entry("./index.php", '0', "<?php echo 1;\n") +
                 entry("./wp-content/uploads/a b.jpg", '0', std::string(1500, 'x')) +
                 entry("./current", '2', "", "wp-content/uploads") + entry("./wp-content/link", '2', "", "../index.php") +
                 entry("./copy.php", '1', "", "./index.php") + end_blocks();
  auto c = check(archive);
  INFO(fmt::format("{}", fmt::join(c.problems(), "; ")));
  CHECK(c.ok());
  CHECK(c.entries() == 6);
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
  std::string record = "/etc/cron.d/x";
  std::string pax = fmt::format("{} path={}\n", record.size() + 7 + std::to_string(record.size() + 7).size() - 1, record);
  // Length prefix must count itself: recompute until stable.
  for (int i = 0; i < 3; ++i) {
    auto body = pax.substr(pax.find(' '));
    pax = fmt::format("{}{}", body.size() + std::to_string(body.size() + 2).size(), body);
  }
  bad.push_back({"pax path", entry("./PaxHeaders/x", 'x', pax) + entry("harmless", '0', "x")});
  for (const auto& b : bad) {
    SECTION(b.what) {
      auto c = check(entry("./ok", '0', "fine") + b.archive + end_blocks());
      CHECK_FALSE(c.ok());
    }
  }
}

TEST_CASE("tar check reports truncated and corrupt archives", "[backup][tar]") {
  auto whole = entry("./a", '0', std::string(3000, 'y')) + end_blocks();
  CHECK(check(whole).ok());
  CHECK_FALSE(check(whole.substr(0, 2000)).ok());              // inside the data
  CHECK_FALSE(check(whole.substr(0, whole.size() - 1024)).ok()); // no end-of-archive blocks
  auto corrupt = whole;
  corrupt[10] = 'Z'; // breaks the header checksum
  CHECK_FALSE(check(corrupt).ok());
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
