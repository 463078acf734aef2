// Backups kept in a restic repository (Debian's restic, a local repository in a temp dir) of a
// lab site (real sshd, real MariaDB, real files): backup, list, verify, restore round trip,
// retention through `restic forget`, and a wrong password that fails and lists nothing.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/backup_lab.hpp"
#include "support/run_program.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using tma::test::BackupLab;

namespace {

constexpr const char* k_password = "s3cret-Restic-pw-4242";

tma::test::ProgramOptions restic_env(const std::string& repo) {
  tma::test::ProgramOptions options;
  options.env = {{"RESTIC_REPOSITORY", repo}, {"RESTIC_PASSWORD", k_password}};
  return options;
}

/// A restic repository in the agency dir, and a `restic` on PATH that logs its argv (one line per
/// call) before running the real one, so that the tests can look at what tma passed.
struct ResticLab {
  explicit ResticLab(BackupLab& the_lab) : lab(the_lab) {
    repo = lab.agency.file("restic-repo");
    lab.agency.write("restic-password", std::string(k_password) + "\n");
    lab.agency.write("wrong-password", "not-the-password\n");
    auto init = tma::test::run_program({"restic", "init", "-q"}, restic_env(repo));
    REQUIRE(init.exit_code == 0);
    fs::create_directories(lab.agency.file("bin"));
    argv_log = lab.agency.file("restic-argv.log");
    std::ofstream(lab.agency.file("bin/restic"))
        << fmt::format("#!/bin/sh\necho \"$*\" >> '{}'\nexec /usr/bin/restic \"$@\"\n", argv_log);
    fs::permissions(lab.agency.file("bin/restic"), fs::perms::owner_all);
  }
  std::string storage(const std::string& password_file) const {
    return fmt::format("{{offsite: {{type: restic, repository: '{}', password_command: [cat, '{}']}}}}", repo,
                       lab.agency.file(password_file));
  }
  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", lab.agency.file("sites.yaml")});
    return tma::test::run_tma(args, {{"TMA_ACTOR", "Lab <lab@tma.invalid>"},
                                     {"PATH", lab.agency.file("bin") + ":" + std::getenv("PATH")},
                                     {"RESTIC_PASSWORD", std::nullopt},
                                     {"RESTIC_REPOSITORY", std::nullopt}});
  }
  /// The snapshots in the repository, read with the real restic.
  json snapshots() const {
    auto out = tma::test::run_program({"restic", "snapshots", "--json"}, restic_env(repo));
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out);
  }
  std::string argv_text() const {
    std::ifstream in(argv_log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  BackupLab& lab;
  std::string repo;
  std::string argv_log;
};

/// A lab site backed up once to restic with `keep: {last: 1}`: the next backup's retention has
/// something to forget.
void backed_up_once(BackupLab& lab, const ResticLab& restic) {
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 1}", restic.storage("restic-password"), "offsite");
  auto first = restic.tma({"backup", "--site", "acme"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
}

/// Another program's restic holding a shared lock on the repository: a backup reading a FIFO that
/// only the test writes. `release()` ends its stream (restic finishes and removes its lock); the
/// destructor kills it with -9 first, which leaves its lock behind.
struct ResticLockHolder {
  explicit ResticLockHolder(const ResticLab& restic) {
    std::string fifo = restic.lab.agency.file("hold.fifo");
    REQUIRE(tma::test::run_program({"mkfifo", fifo}).exit_code == 0);
    process.emplace(std::vector<std::string>{"sh", "-c", fmt::format("exec restic backup -q --stdin --stdin-filename hold < '{}'", fifo)},
                    restic_env(restic.repo));
    // Close-on-exec: tma (and its restic) must not inherit the write end, or the holder never sees
    // its end. Opens once the holder's shell opened the other end.
    feed = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(feed >= 0);
    REQUIRE(::write(feed, "held\n", 5) == 5);
    for (int i = 0; i < 600 && locks(restic) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(locks(restic) == 1);
  }
  ~ResticLockHolder() {
    process.reset(); // SIGKILL before the end of its stream
    release();
  }
  ResticLockHolder(const ResticLockHolder&) = delete;
  ResticLockHolder& operator=(const ResticLockHolder&) = delete;
  void release() {
    if (feed >= 0) ::close(feed);
    feed = -1;
  }
  static std::size_t locks(const ResticLab& restic) {
    std::size_t count = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator(restic.repo + "/locks", ec); !ec && it != fs::directory_iterator(); ++it) {
      ++count;
    }
    return count;
  }
  std::optional<tma::test::Background> process;
  int feed = -1;
};

bool has_tag(const json& snapshot, const std::string& tag) {
  for (const auto& t : snapshot.value("tags", json::array())) {
    if (t == tag) return true;
  }
  return false;
}

} // namespace

TEST_CASE("restic storage: backup, list, verify, restore, forget", "[integration][backup][restic]") {
  BackupLab lab;
  ResticLab restic(lab);
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 1}", restic.storage("restic-password"), "offsite");
  auto files_before = BackupLab::tree_digest(lab.prod_root);
  auto data_before = lab.db_digest();

  auto backup = restic.tma({"backup", "--site", "acme", "--format", "json"});
  INFO(backup.out << backup.err);
  REQUIRE(backup.exit_code == 0);
  const std::string id = json::parse(backup.out).at("backups").at(0).at("backup").at("id");

  // One snapshot per artifact plus the manifest, each tagged with site, env, backup, run, kind.
  auto snapshots = restic.snapshots();
  REQUIRE(snapshots.size() == 3);
  std::set<std::string> files;
  for (const auto& s : snapshots) {
    CHECK(has_tag(s, "tma"));
    CHECK(has_tag(s, "site=acme"));
    CHECK(has_tag(s, "env=prod"));
    CHECK(has_tag(s, "backup=" + id));
    CHECK(has_tag(s, "kind=manual"));
    bool has_run = false;
    for (const auto& t : s.at("tags")) has_run = has_run || t.get<std::string>().rfind("run=", 0) == 0;
    CHECK(has_run);
    files.insert(s.at("paths").at(0).get<std::string>());
  }
  CHECK(files == std::set<std::string>{"/database.sql.gz", "/files.tar.gz", "/manifest.json"});
  // Streamed through --stdin; the password never on argv; no staged copy left behind.
  CHECK(restic.argv_text().find("backup --json --stdin --stdin-filename files.tar.gz") != std::string::npos);
  CHECK(restic.argv_text().find(k_password) == std::string::npos);
  // (The manifests read back are cached by snapshot id.)
  for (const auto& entry : fs::recursive_directory_iterator(lab.agency.file(".tma-staging"))) {
    CHECK((entry.is_directory() || entry.path().filename() == ".lock" ||
           entry.path().parent_path().filename() == ".restic-manifests"));
  }

  auto list = restic.tma({"backups", "--site", "acme", "--format", "json"});
  INFO(list.err);
  REQUIRE(list.exit_code == 0);
  auto listed = json::parse(list.out).at("backups");
  REQUIRE(listed.size() == 1);
  CHECK(listed.at(0).at("id") == id);
  CHECK(listed.at(0).at("artifacts").size() == 2);
  CHECK(listed.at(0).at("snapshots").size() == 3);

  auto verify = restic.tma({"backup", "verify", "--site", "acme"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find(id) != std::string::npos);

  // Damage the site, restore from restic: files and data identical.
  { std::ofstream(lab.prod_root + "/wp-config.php", std::ios::app) << "// hacked\n"; }
  fs::remove(lab.prod_root + "/wp-content/uploads/2026/11/photo one.jpg");
  lab.db.sql("DROP TABLE wp.wp_posts; UPDATE wp.wp_options SET value='pwned' WHERE name='blogname'");
  auto restore = restic.tma({"restore", "--site", "acme", "--to", "prod", "--yes", "--format", "json"});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);
  auto r = json::parse(restore.out);
  CHECK(r.at("backup") == id);
  const std::string safety = r.at("safety_backup");
  CHECK(lab.db_digest() == data_before);
  auto expected = files_before;
  for (std::string line : {"wp-content/cache/\n"}) {
    if (auto pos = expected.find(line); pos != std::string::npos) expected.erase(pos, line.size());
  }
  if (auto pos = expected.find("wp-content/cache/page.html"); pos != std::string::npos) {
    expected.erase(pos, expected.find('\n', pos) - pos + 1);
  }
  CHECK(BackupLab::tree_digest(lab.prod_root) == expected);

  // The safety backup went to restic too (restore does not prune): two backups, six snapshots.
  CHECK(restic.snapshots().size() == 6);
  // Retention `last: 1` with the same pure planner as the local store: the older one is forgotten.
  auto dry = restic.tma({"backup", "prune", "--site", "acme", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.out.find("would remove " + id) != std::string::npos);
  CHECK(restic.snapshots().size() == 6);
  auto prune = restic.tma({"backup", "prune", "--site", "acme", "--format", "json"});
  INFO(prune.out << prune.err);
  REQUIRE(prune.exit_code == 0);
  CHECK(json::parse(prune.out).at("prune").at(0).at("removed") == json::array({id}));
  auto left = restic.snapshots();
  REQUIRE(left.size() == 3);
  for (const auto& s : left) CHECK(has_tag(s, "backup=" + safety));
  CHECK(restic.argv_text().find("forget") != std::string::npos);
  CHECK(restic.argv_text().find("prune") != std::string::npos);

  // The password is nowhere in what tma printed or journaled.
  auto journal = restic.tma({"journal", "--site", "acme", "--format", "json"});
  for (const auto* text : {&backup.out, &backup.err, &list.out, &restore.out, &restore.err, &prune.out, &journal.out}) {
    CHECK(text->find(k_password) == std::string::npos);
  }
}

TEST_CASE("restic storage: a wrong password fails and lists nothing", "[integration][backup][restic]") {
  BackupLab lab;
  ResticLab restic(lab);
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 3}", restic.storage("wrong-password"), "offsite");

  auto backup = restic.tma({"backup", "--site", "acme"});
  INFO(backup.out << backup.err);
  CHECK(backup.exit_code == 2);
  CHECK((backup.out + backup.err).find("wrong password") != std::string::npos);
  CHECK(restic.snapshots().empty());

  auto list = restic.tma({"backups", "--site", "acme", "--format", "json"});
  INFO(list.out << list.err);
  CHECK(list.exit_code != 0);
  CHECK(list.out.find("\"id\"") == std::string::npos);
  CHECK(list.err.find("wrong password") != std::string::npos);

  // A good password with a backup in restic: a failing upload (repository gone) leaves nothing listed.
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 3}", restic.storage("restic-password"), "offsite");
  fs::rename(restic.repo, restic.repo + ".moved");
  auto failed = restic.tma({"backup", "--site", "acme"});
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 2);
  fs::rename(restic.repo + ".moved", restic.repo);
  CHECK(restic.snapshots().empty());
  auto after = restic.tma({"backups", "--site", "acme", "--format", "json"});
  CHECK(after.exit_code == 0);
  CHECK(json::parse(after.out).at("backups").empty());
}

// Found by the soak (docs/reliability.md): a site backed up to a local store and to restic whose
// restic copy failed was recorded `backup.failed` while its local copy stayed listed.
TEST_CASE("restic storage: a failed off-site copy leaves the backup listed nowhere", "[integration][backup][restic]") {
  BackupLab lab;
  ResticLab restic(lab);
  std::string storages = fmt::format("{{local: {{type: local, path: backups}}, offsite: {{type: restic, repository: "
                                     "'{}', password_command: [cat, '{}']}}}}",
                                     restic.repo, lab.agency.file("restic-password"));
  lab.write_inventory(tma::test::lab_bin("wp"), "{last: 3}", storages, "[local, offsite]");
  auto good = restic.tma({"backup", "--site", "acme"});
  INFO(good.out << good.err);
  REQUIRE(good.exit_code == 0);
  REQUIRE(lab.listed().size() == 1);

  fs::rename(restic.repo, restic.repo + ".moved");
  auto failed = restic.tma({"backup", "--site", "acme"});
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 2);
  fs::rename(restic.repo + ".moved", restic.repo);
  // The first backup is still there, in both storages; the failed one in neither.
  CHECK(lab.listed().size() == 1);
  std::size_t directories = 0;
  for (const auto& entry : fs::recursive_directory_iterator(lab.backups_dir())) {
    if (entry.is_regular_file() && entry.path().filename() == "manifest.json") ++directories;
  }
  CHECK(directories == 1);
  CHECK(restic.snapshots().size() == 3);
}

// Found by the soak: restic 0.14 refuses at once a `forget` while another program holds a lock on
// the repository. tma tries again (docs/backup.md, "restic"): here another restic holds a shared
// lock (a backup reading a FIFO) until tma has been refused once and tried again.
TEST_CASE("restic storage: retention waits for another program's lock instead of failing",
          "[integration][backup][restic]") {
  BackupLab lab;
  ResticLab restic(lab);
  backed_up_once(lab, restic);
  ResticLockHolder holder(restic);

  tma::test::Output second;
  std::thread run([&] { second = restic.tma({"backup", "--site", "acme", "-v"}); });
  auto forgets = [&] {
    auto text = restic.argv_text();
    std::size_t count = 0;
    for (auto at = text.find("forget"); at != std::string::npos; at = text.find("forget", at + 1)) ++count;
    return count;
  };
  // Released only once tma was refused and came back: without the retry, the second forget never comes.
  for (int i = 0; i < 1200 && forgets() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::size_t seen = forgets();
  holder.release();
  run.join();
  INFO(second.out << second.err);
  CHECK(seen >= 2);
  CHECK(second.exit_code == 0);
  auto list = restic.tma({"backups", "--site", "acme", "--format", "json"});
  INFO(list.out << list.err);
  REQUIRE(list.exit_code == 0);
  CHECK(json::parse(list.out).at("backups").size() == 1); // retention `last: 1` done
}

// Found by the soak: a restic killed with -9 (with the tma that ran it) leaves its lock in the
// repository, and restic 0.14 refuses an exclusive command (`forget`) for as long as it is there. tma
// runs `restic unlock` after a refusal, which removes the locks of dead processes only.
TEST_CASE("restic storage: the lock of a restic killed with -9 is removed and retention runs",
          "[integration][backup][restic]") {
  BackupLab lab;
  ResticLab restic(lab);
  backed_up_once(lab, restic);
  std::optional<ResticLockHolder> holder(std::in_place, restic);
  holder.reset(); // killed with -9: restic has no chance to remove its lock
  REQUIRE(ResticLockHolder::locks(restic) == 1);

  auto second = restic.tma({"backup", "--site", "acme"});
  INFO(second.out << second.err);
  CHECK(second.exit_code == 0);
  CHECK(restic.argv_text().find("unlock") != std::string::npos);
  CHECK(ResticLockHolder::locks(restic) == 0);
  auto list = restic.tma({"backups", "--site", "acme", "--format", "json"});
  REQUIRE(list.exit_code == 0);
  CHECK(json::parse(list.out).at("backups").size() == 1); // retention `last: 1` done
}
