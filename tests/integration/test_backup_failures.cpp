// A backup that fails must never exist: dump failing midway, truncated dump, disk full, connection
// cut, tma killed. None lists a backup, the next run succeeds and cleans up, retention deletes
// nothing. Plus the per-site lock and `--due`.
#include <algorithm>
#include <iterator>
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/backup/store.hpp>

#include "support/backup_lab.hpp"
#include "support/run_program.hpp"
#include "support/paths.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using tma::test::BackupLab;

namespace {

/// A WP-CLI stand-in whose `db export` misbehaves as `export_body` says; everything else goes to
/// the lab's wp.
std::string misbehaving_wp(const BackupLab& lab, const std::string& name, const std::string& export_body) {
  return lab.script(name, fmt::format("case \"$*\" in\n  *\"db export\"*)\n{}\n    ;;\n  *) exec {} \"$@\" ;;\nesac\n",
                                      export_body, tma::test::lab_bin("wp")));
}

/// Directories under the backups of acme/prod (backups and leftovers alike).
std::vector<std::string> directories(const BackupLab& lab) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(lab.backups_dir() + "/acme/prod", ec)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> oldest_first(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

/// Two good backups to start from (1 s apart so their ids differ).
std::vector<std::string> two_good_backups(BackupLab& lab) {
  lab.write_inventory(tma::test::lab_bin("wp"));
  for (int i = 0; i < 2; ++i) {
    if (i > 0) std::this_thread::sleep_for(1100ms);
    auto out = lab.tma({"backup", "--site", "acme"});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
  }
  auto ids = lab.listed();
  REQUIRE(ids.size() == 2);
  return ids;
}

/// The pid of the `sshd:` session process above `pid` (walking parents).
pid_t sshd_session_above(pid_t pid) {
  for (int depth = 0; depth < 10 && pid > 1; ++depth) {
    std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
    std::string text((std::istreambuf_iterator<char>(cmdline)), {});
    if (text.rfind("sshd:", 0) == 0) return pid;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string content((std::istreambuf_iterator<char>(stat)), {});
    auto close = content.rfind(')');
    if (close == std::string::npos) return -1;
    pid = std::stoi(content.substr(close + 4, content.find(' ', close + 4) - close - 4));
  }
  return -1;
}

} // namespace

TEST_CASE("failed backups never exist and the next run recovers", "[integration][backup]") {
  BackupLab lab;
  auto good = two_good_backups(lab);

  SECTION("the dump fails midway") {
    lab.write_inventory(misbehaving_wp(lab, "wp-fail", "echo '-- MariaDB dump 10.19'; head -c 200000 /dev/zero | tr '\\0' x;"
                                                       " echo 'mysqldump: Lost connection' >&2; exit 2"));
    auto out = lab.tma({"backup", "--site", "acme"});
    CHECK(out.exit_code == 2);
    CHECK(out.out.find("exit code 2") != std::string::npos);
    CHECK(out.out.find("Lost connection") != std::string::npos);
  }
  SECTION("the dump exits 0 without its trailer") {
    lab.write_inventory(misbehaving_wp(lab, "wp-cut", "echo '-- MariaDB dump 10.19'; echo 'INSERT INTO t VALUES (1);'"));
    auto out = lab.tma({"backup", "--site", "acme"});
    CHECK(out.exit_code == 2);
    CHECK(out.out.find("Dump completed") != std::string::npos);
  }
  SECTION("the connection is cut mid-stream") {
    auto pid_file = lab.agency.file("dump.pid");
    lab.write_inventory(misbehaving_wp(
        lab, "wp-slow", fmt::format("echo $$ > {}; echo '-- MariaDB dump 10.19'; head -c 100000 /dev/urandom; sleep 30", pid_file)));
    std::thread cutter([&] {
      for (int i = 0; i < 200 && !fs::exists(pid_file); ++i) std::this_thread::sleep_for(50ms);
      std::this_thread::sleep_for(300ms);
      std::ifstream in(pid_file);
      pid_t pid = 0;
      in >> pid;
      auto session = sshd_session_above(pid);
      if (session > 0) ::kill(session, SIGKILL);
    });
    auto out = lab.tma({"backup", "--site", "acme"});
    cutter.join();
    INFO(out.out << out.err);
    CHECK(out.exit_code != 0);
  }
  SECTION("the disk is full") {
    auto backups = lab.backups_dir();
    // A 2 MiB tmpfs holding the backups; the two good ones are moved onto it.
    auto saved = lab.agency.file("saved");
    fs::rename(backups, saved);
    fs::create_directories(backups);
    if (::mount("tmpfs", backups.c_str(), "tmpfs", 0, "size=2m") != 0) {
      fs::remove(backups);
      fs::rename(saved, backups);
      WARN("cannot mount a tmpfs here (not root?): disk-full case not run");
      return;
    }
    struct Unmount {
      std::string path;
      ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{backups};
    fs::copy(saved, backups, fs::copy_options::recursive);
    auto random = tma::test::run_program({"head", "-c", "4000000", "/dev/urandom"});
    std::ofstream(lab.prod_root + "/wp-content/uploads/big.bin", std::ios::binary) << random.out;
    auto out = lab.tma({"backup", "--site", "acme"});
    INFO(out.out << out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.out.find("No space left") != std::string::npos);
    CHECK(lab.listed() == good);
    CHECK(directories(lab) == oldest_first(good));
    fs::remove(lab.prod_root + "/wp-content/uploads/big.bin");
    // The next run fits and succeeds.
    auto again = lab.tma({"backup", "--site", "acme"});
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK(lab.listed().size() == 3);
    return;
  }

  // None of the failures left a backup or a directory, or deleted a good one.
  CHECK(lab.listed() == good);
  CHECK(directories(lab) == oldest_first(good));
  CHECK(lab.tma({"backup", "verify", "--site", "acme"}).exit_code == 0);
  // The journal has the failure with its reason.
  auto events = lab.tma({"journal", "--site", "acme", "--type", "backup.failed", "--format", "json"});
  CHECK(events.out.find("backup.failed") != std::string::npos);
  // And the next run with a working dump succeeds.
  lab.write_inventory(tma::test::lab_bin("wp"));
  auto next = lab.tma({"backup", "--site", "acme"});
  INFO(next.out << next.err);
  CHECK(next.exit_code == 0);
  CHECK(lab.listed().size() == 3);
}

TEST_CASE("tma killed mid-backup: nothing listed, the next run cleans up", "[integration][backup]") {
  BackupLab lab;
  auto good = two_good_backups(lab);
  lab.write_inventory(misbehaving_wp(lab, "wp-slow", "echo '-- MariaDB dump 10.19'; head -c 300000 /dev/urandom; sleep 30"));
  pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);
    auto inventory = lab.agency.file("sites.yaml");
    ::execl(TMA_BINARY, "tma", "-q", "-i", inventory.c_str(), "backup", "--site", "acme", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for the partial dump to grow, then kill tma outright.
  bool started = false;
  for (int i = 0; i < 300 && !started; ++i) {
    std::this_thread::sleep_for(50ms);
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(lab.backups_dir() + "/acme/prod", ec)) {
      if (e.path().extension() == ".partial" && e.file_size(ec) > 0) started = true;
    }
  }
  CHECK(started);
  ::kill(-child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  // A leftover directory, not a backup.
  CHECK(lab.listed() == good);
  CHECK(directories(lab).size() == 3);

  lab.write_inventory(tma::test::lab_bin("wp"));
  auto next = lab.tma({"backup", "--site", "acme"});
  INFO(next.out << next.err);
  CHECK(next.exit_code == 0);
  CHECK(next.out.find("removed 1 leftover") != std::string::npos);
  auto ids = lab.listed();
  CHECK(ids.size() == 3);
  CHECK(directories(lab) == oldest_first(ids));
}

TEST_CASE("per-site lock: a second tma exits 75 naming the holder", "[integration][backup]") {
  BackupLab lab;
  lab.write_inventory(tma::test::lab_bin("wp"));
  auto lock = tma::backup::SiteLock::acquire(lab.backups_dir() + "/acme", "tma backup acme (pid 4242 on lab)", 0ms);
  REQUIRE(lock);
  auto out = lab.tma({"backup", "--site", "acme"});
  CHECK(out.exit_code == 75);
  CHECK(out.err.find("pid 4242 on lab") != std::string::npos);
  CHECK(lab.listed().empty());
  // Journaled: the holder may be a run killed half-way, and then nothing else would say that the
  // night's backup was not taken (the soak's kill9, docs/reliability.md).
  auto journal = lab.tma({"journal", "--type", "backup.failed", "--format", "json"});
  REQUIRE(journal.exit_code == 0);
  auto events = nlohmann::json::parse(journal.out)["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["site"] == "acme");
  CHECK(events[0]["data"]["error_kind"] == "locked");
  CHECK(events[0]["data"]["reason"].get<std::string>().find("pid 4242 on lab") != std::string::npos);
}

TEST_CASE("retention after each backup and tma backup prune", "[integration][backup]") {
  BackupLab lab;
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 2}");
  for (int i = 0; i < 3; ++i) {
    if (i > 0) std::this_thread::sleep_for(1100ms);
    REQUIRE(lab.tma({"backup", "--site", "acme"}).exit_code == 0);
  }
  auto ids = lab.listed();
  CHECK(ids.size() == 2);
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 1}");
  auto dry = lab.tma({"backup", "prune", "--site", "acme", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("keep     " + ids[0] + "  last #1") != std::string::npos);
  CHECK(dry.out.find("would remove " + ids[1]) != std::string::npos);
  CHECK(lab.listed() == ids);
  auto real = lab.tma({"backup", "prune", "--site", "acme"});
  CHECK(real.exit_code == 0);
  CHECK(lab.listed() == std::vector<std::string>{ids[0]});
  // --due: the backup just taken is newer than the last 02:30 slot, so nothing is due for prod;
  // preprod has never been backed up, so it is.
  auto due = lab.tma({"backup", "--site", "acme", "--env", "prod", "--due", "--format", "json"});
  INFO(due.out << due.err);
  REQUIRE(due.exit_code == 0);
  auto report = nlohmann::json::parse(due.out);
  CHECK(report.at("backups").empty());
  CHECK(report.at("not_due") == nlohmann::json::array({"acme prod"}));
  auto preprod = lab.tma({"backup", "--site", "acme", "--env", "preprod", "--due", "--format", "json"});
  INFO(preprod.out << preprod.err);
  REQUIRE(preprod.exit_code == 0);
  auto taken = nlohmann::json::parse(preprod.out).at("backups");
  REQUIRE(taken.size() == 1);
  CHECK(taken.at(0).at("backup").at("kind") == "scheduled");
}
