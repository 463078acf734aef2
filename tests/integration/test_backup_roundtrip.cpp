// Backup and restore of a lab site (real sshd, real MariaDB, real files): round trip, restore
// refusals, malicious archives, the journal trail.
#include <fstream>
#include <catch2/catch.hpp>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/backup/store.hpp>

#include "support/backup_lab.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using tma::test::BackupLab;

TEST_CASE("backup and restore round trip: files and database identical", "[integration][backup]") {
  BackupLab lab;
  lab.write_inventory(tma::test::lab_bin("wp"));
  auto files_before = BackupLab::tree_digest(lab.prod_root);
  auto data_before = lab.db_digest();

  auto backup = lab.tma({"backup", "--site", "acme", "--format", "json"});
  INFO(backup.out << backup.err);
  REQUIRE(backup.exit_code == 0);
  auto result = json::parse(backup.out).at("backups").at(0);
  REQUIRE(result.at("ok").get<bool>());
  const auto manifest = result.at("backup");
  CHECK(manifest.at("kind") == "manual");
  CHECK(manifest.at("versions").at("core") == "6.4.3");
  REQUIRE(manifest.at("artifacts").size() == 2);
  CHECK(manifest.at("artifacts").at(0).at("name") == "database.sql.gz");
  CHECK(manifest.at("artifacts").at(1).at("name") == "files.tar.gz");
  const std::string id = manifest.at("id");
  CHECK(lab.listed() == std::vector<std::string>{id});
  // The excluded cache is not in the archive.
  auto listing = tma::test::run_program({"tar", "-tzf", lab.backups_dir() + "/acme/prod/" + id + "/files.tar.gz"});
  CHECK(listing.out.find("photo one.jpg") != std::string::npos);
  CHECK(listing.out.find("cache/page.html") == std::string::npos);

  auto verify = lab.tma({"backup", "verify", "--site", "acme"});
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find(id) != std::string::npos);

  // Damage the site: change, add and delete files, drop a table, change a row.
  { std::ofstream(lab.prod_root + "/wp-config.php", std::ios::app) << "// hacked\n"; }
  { std::ofstream(lab.prod_root + "/wp-content/uploads/new.php") << "<?php evil();"; }
  fs::remove(lab.prod_root + "/wp-content/uploads/2026/11/photo one.jpg");
  lab.db.sql("DROP TABLE wp.wp_posts; UPDATE wp.wp_options SET value='pwned' WHERE name='blogname'");
  REQUIRE(BackupLab::tree_digest(lab.prod_root) != files_before);

  SECTION("restoring prod needs --yes and changes nothing without it") {
    auto refused = lab.tma({"restore", "--site", "acme", "--to", "prod"});
    CHECK(refused.exit_code == 64);
    CHECK(refused.err.find("--yes") != std::string::npos);
    CHECK(fs::exists(lab.prod_root + "/wp-content/uploads/new.php"));
  }
  SECTION("restore latest into prod with a safety backup first") {
    auto restore = lab.tma({"restore", "--site", "acme", "--to", "prod", "--yes", "--format", "json"});
    INFO(restore.out << restore.err);
    REQUIRE(restore.exit_code == 0);
    auto r = json::parse(restore.out);
    CHECK(r.at("backup") == id);
    CHECK(r.at("restored") == json::array({"database", "files"}));
    const std::string safety = r.at("safety_backup");
    CHECK_FALSE(safety.empty());
    // Files and data are back, byte for byte (the excluded cache survives the swap? no: it was
    // not in the backup, so the restored tree has no cache directory).
    auto expected = files_before;
    auto restored = BackupLab::tree_digest(lab.prod_root);
    for (auto* line : {"wp-content/cache/\n"}) {
      auto pos = expected.find(line);
      if (pos != std::string::npos) expected.erase(pos, std::string(line).size());
    }
    auto cache_line = expected.find("wp-content/cache/page.html");
    if (cache_line != std::string::npos) expected.erase(cache_line, expected.find('\n', cache_line) - cache_line + 1);
    CHECK(restored == expected);
    CHECK(lab.db_digest() == data_before);
    // The safety backup holds the damaged state and is listed with its kind.
    auto list = lab.tma({"backups", "--site", "acme", "--format", "json"});
    auto all = json::parse(list.out).at("backups");
    REQUIRE(all.size() == 2);
    CHECK(all.at(0).at("id") == safety);
    CHECK(all.at(0).at("kind") == "safety");
    // No staging or old tree left beside the root.
    for (const auto& entry : fs::directory_iterator(fs::path(lab.prod_root).parent_path())) {
      CHECK(entry.path().filename().string().find(".tma-") == std::string::npos);
    }
    // The journal tells the story.
    auto events = lab.tma({"journal", "--site", "acme", "--format", "json"});
    INFO(events.out);
    CHECK(events.out.find("backup.finished") != std::string::npos);
    CHECK(events.out.find("restore.started") != std::string::npos);
    CHECK(events.out.find("restore.finished") != std::string::npos);
  }
  SECTION("refresh preprod from prod, files only") {
    auto restore = lab.tma({"restore", "--site", "acme", "--from", "prod", "--to", "preprod", "--files-only"});
    INFO(restore.out << restore.err);
    REQUIRE(restore.exit_code == 0);
    CHECK_FALSE(fs::exists(lab.preprod_root + "/preprod.txt"));
    CHECK(fs::exists(lab.preprod_root + "/wp-content/uploads/2026/11/photo one.jpg"));
    // The database was not touched.
    CHECK(lab.db.sql("SHOW TABLES FROM wp").find("wp_posts") == std::string::npos);
  }
}

TEST_CASE("restore refuses a malicious archive and writes nothing outside", "[integration][backup]") {
  BackupLab lab;
  lab.write_inventory(tma::test::lab_bin("wp"));
  auto before = BackupLab::tree_digest(lab.prod_root);
  // Build hostile archives with python's tarfile (it writes any name), store each as a backup
  // with a correct manifest, and ask tma to restore it.
  struct Case {
    const char* name;
    const char* python;
  };
  std::vector<Case> cases{
      {"dot-dot", "t.addfile(info('../../escaped.txt'), io.BytesIO(b'x'))"},
      {"absolute", "t.addfile(info('/tmp/tma-escaped.txt'), io.BytesIO(b'x'))"},
      {"symlink escape", "i = info('./evil'); i.type = tarfile.SYMTYPE; i.linkname = '../../..'; t.addfile(i)"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto dir = lab.backups_dir() + "/acme/prod/2026010" + std::to_string(++n) + "T000000Z";
      fs::create_directories(dir);
      auto archive = dir + "/files.tar.gz";
      auto py = fmt::format(
          "import io, tarfile\n"
          "def info(name):\n    i = tarfile.TarInfo(name); i.size = 1 if not name.endswith('evil') else 0; return i\n"
          "t = tarfile.open('{}', 'w:gz')\nt.addfile(info('./ok.txt'), io.BytesIO(b'o'))\n{}\nt.close()\n",
          archive, c.python);
      auto made = tma::test::run_program({tma::test::lab_python(), "-c", py});
      REQUIRE(made.exit_code == 0);
      auto digest = tma::backup::digest_file(archive);
      REQUIRE(digest);
      auto id = fs::path(dir).filename().string();
      json manifest{{"schema", 1}, {"id", id}, {"site", "acme"}, {"env", "prod"},
                    {"time", fmt::format("2026-01-0{}T00:00:00Z", n)}, {"duration_ms", 1},
                    {"tma_version", "0.1.0"}, {"kind", "manual"}, {"method", "ssh"},
                    {"artifacts", json::array({{{"name", "files.tar.gz"}, {"kind", "files"}, {"compression", "gzip"},
                                                {"size", digest->size}, {"sha256", digest->sha256}}})}};
      std::ofstream(dir + "/manifest.json") << manifest.dump();
      auto restore = lab.tma({"restore", "--site", "acme", "--to", "prod", "--backup", id, "--yes", "--files-only"});
      INFO(restore.out << restore.err);
      CHECK(restore.exit_code != 0);
      CHECK(restore.err.find("refused") != std::string::npos);
      CHECK(BackupLab::tree_digest(lab.prod_root) == before);
      CHECK_FALSE(fs::exists(fs::path(lab.prod_root).parent_path().parent_path() / "escaped.txt"));
      CHECK_FALSE(fs::exists("/tmp/tma-escaped.txt"));
    }
  }
}

TEST_CASE("compress_on: local: the server streams plain bytes, gzip runs on tma's side", "[integration][backup]") {
  BackupLab lab;
  lab.write_inventory(tma::test::lab_bin("wp"));
  auto yaml = tma::test::read_file(lab.agency.file("sites.yaml"));
  auto at = yaml.find("exclude: [wp-content/cache]}");
  REQUIRE(at != std::string::npos);
  yaml.insert(at + std::string("exclude: [wp-content/cache]").size(), ", compress_on: local");
  lab.agency.write("sites.yaml", yaml);

  auto backup = lab.tma({"backup", "--site", "acme", "--format", "json"});
  INFO(backup.out << backup.err);
  REQUIRE(backup.exit_code == 0);
  const auto manifest = json::parse(backup.out).at("backups").at(0).at("backup");
  REQUIRE(manifest.at("artifacts").size() == 2);
  CHECK(manifest.at("artifacts").at(0).at("name") == "database.sql.gz");
  CHECK(manifest.at("artifacts").at(1).at("name") == "files.tar.gz");
  CHECK(manifest.at("artifacts").at(0).at("warnings").empty());
  const std::string dir = lab.backups_dir() + "/acme/prod/" + manifest.at("id").get<std::string>();
  auto dump = tma::test::run_program({"gzip", "-dc", dir + "/database.sql.gz"});
  CHECK(dump.exit_code == 0);
  CHECK(dump.out.find("-- Dump completed") != std::string::npos);
  auto listing = tma::test::run_program({"tar", "-tzf", dir + "/files.tar.gz"});
  CHECK(listing.out.find("photo one.jpg") != std::string::npos);
  CHECK(lab.tma({"backup", "verify", "--site", "acme"}).exit_code == 0);

  // And back: files restored from the locally compressed archive are the original ones.
  { std::ofstream(lab.prod_root + "/wp-config.php", std::ios::app) << "// changed\n"; }
  auto restore = lab.tma({"restore", "--site", "acme", "--to", "prod", "--yes", "--files-only"});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  CHECK(tma::test::read_file(lab.prod_root + "/wp-config.php").find("// changed") == std::string::npos);
  CHECK(fs::exists(lab.prod_root + "/wp-content/uploads/2026/11/photo one.jpg"));
}
