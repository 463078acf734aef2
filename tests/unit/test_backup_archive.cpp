// Issue 16, item 11: archives that tma's former hand-written check let through (a chain of
// symbolic links, a GNU sparse member named `../../x`), and the re-encoded restore stream that
// drops setuid/setgid/sticky bits unless the inventory keeps them. Archives built byte by byte.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <tma/backup/archive.hpp>

#include "support/tar_bytes.hpp"

using tma::backup::RestoreKeep;
using tma::backup::SanitizedArchive;
using tma::test::end_blocks;
using tma::test::entry;
using tma::test::pax_record;
using tma::test::TarHeader;

namespace {

std::string refusal(const std::string& archive) {
  auto checked = tma::backup::check_archive_bytes(archive);
  return checked ? std::string() : checked.error().message;
}

/// A pax GNU sparse 1.0 member: the real name is in `GNU.sparse.name`, the header carries a
/// harmless one; the data starts with the sparse map (one 5-byte chunk at offset 0, size 10).
std::string pax_sparse(const std::string& real_name) {
  auto records = pax_record("GNU.sparse.major", "1") + pax_record("GNU.sparse.minor", "0") +
                 pax_record("GNU.sparse.name", real_name) + pax_record("GNU.sparse.realsize", "10");
  std::string map = "1\n0\n5\n";
  map.resize(512, '\0');
  return entry("./PaxHeaders/x", 'x', records) + entry("./GNUSparseFile.0/x", '0', map + "hello");
}

/// An old GNU sparse ('S') member: one 5-byte chunk at offset 0 of a 10-byte file.
std::string old_gnu_sparse(const std::string& name) {
  TarHeader h;
  h.name = name;
  h.type = 'S';
  h.magic = std::string("ustar  \0", 8);
  h.tweak = [](std::string& block) {
    auto field = [&](std::size_t at, std::uint64_t v) {
      auto text = tma::test::tar_octal(v, 12);
      block.replace(at, 12, text);
    };
    field(386, 0);  // sparse[0].offset
    field(398, 5);  // sparse[0].numbytes
    field(483, 10); // realsize
  };
  return tma::test::tar_entry(h, "hello");
}

struct Entry {
  unsigned mode = 0;
  std::string link;
  std::string data;
  long long uid = 0;
};

/// Read the re-encoded stream back with libarchive: name -> entry.
std::map<std::string, Entry> read_back(const std::string& bytes) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  REQUIRE(archive_read_open_memory(a.get(), bytes.data(), bytes.size()) == ARCHIVE_OK);
  std::map<std::string, Entry> out;
  archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    Entry x;
    x.mode = archive_entry_perm(e);
    x.uid = archive_entry_uid(e);
    if (archive_entry_symlink(e) != nullptr) x.link = archive_entry_symlink(e);
    if (archive_entry_hardlink(e) != nullptr) x.link = archive_entry_hardlink(e);
    char buffer[4096];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0) x.data.append(buffer, static_cast<std::size_t>(n));
    out[archive_entry_pathname(e)] = x;
  }
  return out;
}

std::string drain(SanitizedArchive& stream) {
  std::string out;
  char buffer[1000]; // smaller than libarchive's blocks: the pull interface is exercised
  while (auto n = stream.read(buffer, sizeof buffer)) out.append(buffer, n);
  return out;
}

std::string with_special_bits() {
  TarHeader setuid{"./bin/su-helper", '0'};
  setuid.mode = 04755;
  setuid.uid = 4242;
  TarHeader setgid{"./bin/g", '0'};
  setgid.mode = 02750;
  TarHeader sticky{"./tmp/", '5'};
  sticky.mode = 01777;
  return entry("./", '5') + entry("./bin/", '5') + tma::test::tar_entry(setuid, "#!/bin/sh\n") +
         tma::test::tar_entry(setgid, "g") + tma::test::tar_entry(sticky) + end_blocks();
}

} // namespace

TEST_CASE("archive check: a chain of symbolic links leaving the tree is refused", "[backup][tar]") {
  // `d/l -> ..` stays inside on its own; `d/l/l2 -> ..` then lands above the root.
  auto chain = entry("./d/", '5') + entry("./d/l", '2', "", "..") + entry("./d/l/l2", '2', "", "..") + end_blocks();
  auto why = refusal(chain);
  CHECK(why.find("'./d/l/l2' goes through the symbolic link 'd/l'") != std::string::npos);
  // A file written through the link is refused the same way.
  CHECK_FALSE(refusal(entry("./d/", '5') + entry("./d/l", '2', "", "..") + entry("./d/l/x", '0', "x") + end_blocks()).empty());
  // The order reversed: `a -> d/l/..` looks inside until `d/l -> ..` comes.
  auto later = entry("./d/", '5') + entry("./a", '2', "", "d/l/..") + entry("./d/l", '2', "", "..") + end_blocks();
  CHECK(refusal(later).find("symbolic link 'a' -> 'd/l/..' points outside") != std::string::npos);
  // A loop is refused rather than followed forever.
  CHECK_FALSE(refusal(entry("./a", '2', "", "b") + entry("./b", '2', "", "a/x") + end_blocks()).empty());
  // Links through links that stay inside are fine.
  auto fine = entry("./releases/5/", '5') + entry("./current", '2', "", "releases/5") +
              entry("./x", '2', "", "current/../current/file") + end_blocks();
  CHECK(refusal(fine).empty());
}

TEST_CASE("archive check: GNU sparse members are judged by their real name", "[backup][tar]") {
  CHECK(refusal(pax_sparse("../../x") + end_blocks()).find("path with '..' '../../x'") != std::string::npos);
  CHECK(refusal(pax_sparse("/etc/x") + end_blocks()).find("absolute path") != std::string::npos);
  CHECK(refusal(old_gnu_sparse("../../x") + end_blocks()).find("'..'") != std::string::npos);
  // A harmless sparse member passes, and its holes come out as zeros in the re-encoded stream.
  auto good = pax_sparse("data/sparse.bin") + end_blocks();
  CHECK(refusal(good).empty());
  auto stream = SanitizedArchive::open_memory(good, "none", {});
  REQUIRE(stream);
  auto back = read_back(drain(**stream));
  REQUIRE(back.count("data/sparse.bin") == 1);
  CHECK(back["data/sparse.bin"].data == std::string("hello") + std::string(5, '\0'));
}

TEST_CASE("restore stream: setuid setgid and sticky bits are dropped unless kept", "[backup][tar]") {
  auto archive = with_special_bits();
  REQUIRE(refusal(archive).empty());
  for (const char* compression : {"none", "gzip", "zstd"}) {
    SECTION(compression) {
      auto stream = SanitizedArchive::open_memory(archive, compression, {});
      REQUIRE(stream);
      auto bytes = drain(**stream);
      CHECK_FALSE((*stream)->error());
      CHECK((*stream)->sent() == bytes.size());
      auto back = read_back(bytes);
      CHECK(back["./bin/su-helper"].mode == 0755);
      CHECK(back["./bin/su-helper"].data == "#!/bin/sh\n");
      CHECK(back["./bin/g"].mode == 0750);
      CHECK(back["./tmp/"].mode == 0777);
    }
  }
  SECTION("kept") {
    auto stream = SanitizedArchive::open_memory(archive, "gzip", RestoreKeep{true, true});
    REQUIRE(stream);
    auto back = read_back(drain(**stream));
    CHECK(back["./bin/su-helper"].mode == 04755);
    CHECK(back["./bin/su-helper"].uid == 4242);
    CHECK(back["./bin/g"].mode == 02750);
    CHECK(back["./tmp/"].mode == 01777);
  }
}

TEST_CASE("restore stream: names links and data come out as they went in", "[backup][tar]") {
  // A pax name in UTF-8 (tma runs in the C locale), a long GNU name, links of both kinds.
  std::string long_name = "./" + std::string(150, 'n') + "/f.txt";
  auto archive = entry("./", '5') + entry("./PaxHeaders/u", 'x', pax_record("path", "./été's.php")) +
                 entry("ignored", '0', "<?php // l'été\n") + entry("././@LongLink", 'L', long_name + '\0') +
                 entry("short", '0', "long") + entry("./current", '2', "", "wp-content") +
                 entry("./copy.php", '1', "", "./été's.php") + end_blocks();
  REQUIRE(refusal(archive).empty());
  auto stream = SanitizedArchive::open_memory(archive, "none", {});
  REQUIRE(stream);
  auto back = read_back(drain(**stream));
  CHECK(back["./été's.php"].data == "<?php // l'été\n");
  CHECK(back[long_name].data == "long");
  CHECK(back["./current"].link == "wp-content");
  CHECK(back["./copy.php"].link == "./été's.php");
}

TEST_CASE("restore stream: a refused archive stops the stream with the reason", "[backup][tar]") {
  auto archive = entry("./ok", '0', std::string(5000, 'o')) + entry("../../etc/x", '0', "owned") + end_blocks();
  auto stream = SanitizedArchive::open_memory(archive, "none", {});
  REQUIRE(stream);
  auto bytes = drain(**stream);
  REQUIRE((*stream)->error());
  CHECK((*stream)->error()->message.find("path with '..' '../../etc/x'") != std::string::npos);
  CHECK(bytes.find("owned") == std::string::npos);
  CHECK_FALSE(SanitizedArchive::open_memory(archive, "brotli", {}));
}
