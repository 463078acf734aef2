// A backup to restic with no local store streams each artifact from the environment straight into
// `restic backup --stdin` (Debian's restic, a repository in a temp dir), checked on the way
// (issue 15): nothing is staged on disk, a refused artifact leaves no snapshot, a tma killed
// mid-stream leaves nothing listed, one stopped by SIGTERM journals the backup as interrupted, and
// listing reads manifests from the cache, not `restic dump`.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/run_program.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* k_password = "Stream-restic-pw-7781";

/// An agency dir with a restic repository, a `restic` on PATH that logs its pid and argv before
/// running the real one, and a site (transport: local, backup.method: custom) whose commands the
/// test chooses.
struct StreamLab {
  tma::test::TempDir agency;
  std::string repo = agency.file("repo");
  std::string log = agency.file("restic.log");
  std::string site = agency.file("site");

  StreamLab() {
    REQUIRE(tma::test::run_tma({"init", agency.path().string()}).exit_code == 0); // the journal
    auto init = tma::test::run_program({"restic", "init", "-q"}, env());
    REQUIRE(init.exit_code == 0);
    fs::create_directories(agency.file("bin"));
    fs::create_directories(site);
    plain_restic();
    fs::permissions(agency.file("bin/restic"), fs::perms::owner_all);
    agency.write("password", std::string(k_password) + "\n");
  }
  /// `restic` logs each call and runs the real one.
  void plain_restic() {
    std::ofstream(agency.file("bin/restic"))
        << fmt::format("#!/bin/sh\necho \"$$ $*\" >> '{}'\nexec /usr/bin/restic \"$@\"\n", log);
  }
  tma::test::ProgramOptions env() const {
    tma::test::ProgramOptions options;
    options.env = {{"RESTIC_REPOSITORY", repo}, {"RESTIC_PASSWORD", k_password}};
    return options;
  }
  /// `commands` is the YAML map of backup.commands.
  void inventory(const std::string& commands) {
    agency.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: Europe/Paris}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
storage: {{offsite: {{type: restic, repository: '{}', password_command: [cat, '{}']}}}}
sites:
  acme:
    client: lab
    cms: static
    backup: {{method: custom, storage: offsite, keep: {{last: 2}}, commands: {}}}
    environments:
      prod: {{url: "http://127.0.0.1:9/", transport: local, path: "{}"}}
)",
                                           repo, agency.file("password"), commands, site));
  }
  std::map<std::string, std::optional<std::string>> tma_env() const {
    return {{"TMA_ACTOR", "Lab <lab@tma.invalid>"},
            {"PATH", agency.file("bin") + ":" + std::getenv("PATH")},
            {"RESTIC_PASSWORD", std::nullopt},
            {"RESTIC_REPOSITORY", std::nullopt}};
  }
  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", agency.file("sites.yaml")});
    return tma::test::run_tma(args, tma_env());
  }
  json snapshots() const {
    auto out = tma::test::run_program({"restic", "snapshots", "--json"}, env());
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out);
  }
  std::string dump(const std::string& snapshot, const std::string& file) const {
    auto out = tma::test::run_program({"restic", "dump", snapshot, "/" + file}, env());
    REQUIRE(out.exit_code == 0);
    return out.out;
  }
  /// From now on `restic snapshots` starts only once `restic backup` of `file` has ended, as a
  /// listing of a large repository outlasts a small artifact: the listing then holds the backup's
  /// own artifact, not yet completed by its manifest.
  void listing_after_backup_of(const std::string& file) {
    std::ofstream(agency.file("bin/restic")) << fmt::format(
        "#!/bin/sh\necho \"$$ $*\" >> '{0}'\n"
        "if [ \"$1\" = snapshots ]; then i=0; while ! grep -q 'done {1}' '{0}' && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; fi\n"
        "if [ \"$1\" = backup ]; then /usr/bin/restic \"$@\"; rc=$?; echo \"done $5\" >> '{0}'; exit $rc; fi\n"
        "exec /usr/bin/restic \"$@\"\n",
        log, file);
  }
  /// From now on the `restic backup` of the manifest never ends on its own (a slow repository),
  /// and the end of each other `restic backup` is logged as `done FILE`.
  void manifest_held() {
    std::ofstream(agency.file("bin/restic")) << fmt::format(
        "#!/bin/sh\necho \"$$ $*\" >> '{0}'\n"
        "if [ \"$1\" = backup ] && [ \"$5\" = manifest.json ]; then exec sleep 120; fi\n"
        "if [ \"$1\" = backup ]; then /usr/bin/restic \"$@\"; rc=$?; echo \"done $5\" >> '{0}'; exit $rc; fi\n"
        "exec /usr/bin/restic \"$@\"\n",
        log);
  }
  /// The restic calls logged so far (`pid argv...` per line).
  std::vector<std::string> calls() const {
    std::ifstream in(log);
    std::vector<std::string> calls;
    for (std::string line; std::getline(in, line);) calls.push_back(line);
    return calls;
  }
  /// The restic calls logged so far, and forget them.
  std::vector<std::string> take_calls() {
    auto taken = calls();
    fs::remove(log);
    return taken;
  }
};

std::size_t count_calls(const std::vector<std::string>& calls, const std::string& verb) {
  std::size_t n = 0;
  for (const auto& call : calls) {
    auto words = call.substr(call.find(' ') + 1) + " "; // `pid verb args...`; `prune` has no args
    if (words.rfind(verb + " ", 0) == 0) ++n;
  }
  return n;
}

} // namespace

TEST_CASE("restic streaming: artifacts go straight into restic, checked, nothing staged",
          "[integration][backup][restic]") {
  StreamLab lab;
  const std::string staging = lab.agency.file(".tma-staging");
  // The second command lists every file under the staging directory while the backup runs: the
  // first artifact, already in restic, must not be there.
  lab.inventory(fmt::format(
      R"({{db.sql: [sh, -c, 'head -c 200000 /dev/urandom | od -An -tx1; echo "-- Dump completed on 2026-12-03"'], files.tar.gz: [sh, -c, 'find "$1" -type f ! -name .lock > "$2/staged.txt"; tar -czf - -C "$2" staged.txt', sh, '{}', '{}']}})",
      staging, lab.site));
  auto backup = lab.tma({"backup", "--site", "acme", "--format", "json"});
  INFO(backup.out << backup.err);
  REQUIRE(backup.exit_code == 0);
  auto result = json::parse(backup.out).at("backups").at(0).at("backup");
  const std::string id = result.at("id");

  std::ifstream staged_list(lab.site + "/staged.txt");
  std::string staged((std::istreambuf_iterator<char>(staged_list)), {});
  CHECK(staged.empty());
  auto calls = lab.take_calls();
  // One listing before (leftovers), reused by retention; one restic per artifact and one for the
  // manifest: no `dump`, and nothing else.
  CHECK(count_calls(calls, "backup") == 3);
  CHECK(count_calls(calls, "snapshots") == 1);
  CHECK(count_calls(calls, "dump") == 0);
  CHECK(calls.size() == 4);

  // The snapshots hold exactly the bytes the manifest describes.
  auto snapshots = lab.snapshots();
  REQUIRE(snapshots.size() == 3);
  for (const auto& s : snapshots) {
    std::string file = s.at("paths").at(0).get<std::string>().substr(1);
    if (file != "db.sql") continue;
    auto bytes = lab.dump(s.at("id"), file);
    CHECK(bytes.find("-- Dump completed") != std::string::npos);
    for (const auto& a : result.at("artifacts")) {
      if (a.at("name") == "db.sql") CHECK(a.at("size") == bytes.size());
    }
  }

  // Listing and verifying read the manifest from the cache: no `restic dump` for it.
  auto listed = lab.tma({"backups", "--site", "acme", "--format", "json"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(json::parse(listed.out).at("backups").at(0).at("id") == id);
  calls = lab.take_calls();
  CHECK(calls.size() == 1);
  CHECK(count_calls(calls, "snapshots") == 1);
  auto verify = lab.tma({"backup", "verify", "--site", "acme"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);

  // Without the cache (another machine), the manifest is read with `restic dump`, then cached.
  REQUIRE(fs::remove_all(staging + "/offsite/.restic-manifests") > 0);
  lab.take_calls();
  REQUIRE(lab.tma({"backups", "--site", "acme"}).exit_code == 0);
  CHECK(count_calls(lab.take_calls(), "dump") == 1);
  REQUIRE(lab.tma({"backups", "--site", "acme"}).exit_code == 0);
  CHECK(count_calls(lab.take_calls(), "dump") == 0);

  // Retention (`last: 2`) after each backup works on the listing made before it plus what it
  // made: the third backup forgets the first, without listing the repository again.
  for (int i = 0; i < 2; ++i) {
    auto more = lab.tma({"backup", "--site", "acme", "--format", "json"});
    INFO(more.out << more.err);
    REQUIRE(more.exit_code == 0);
  }
  calls = lab.take_calls();
  CHECK(count_calls(calls, "snapshots") == 2);
  CHECK(count_calls(calls, "forget") == 2); // the manifest first, then its artifacts
  CHECK(count_calls(calls, "prune") == 1);
  CHECK(lab.snapshots().size() == 6);
  auto kept = lab.tma({"backups", "--site", "acme", "--format", "json"});
  REQUIRE(kept.exit_code == 0);
  auto kept_list = json::parse(kept.out).at("backups");
  REQUIRE(kept_list.size() == 2);
  for (const auto& b : kept_list) CHECK(b.at("id") != id);
}

TEST_CASE("restic streaming: a listing that ends after the artifact's snapshot keeps it and counts it once",
          "[integration][backup][restic]") {
  // The repository is listed while the artifact streams; here the listing sees the artifact's
  // snapshot, whose manifest does not exist yet: it is not a leftover to forget, and retention
  // does not count it twice.
  StreamLab lab;
  lab.listing_after_backup_of("blob.bin");
  lab.inventory("{blob.bin: [sh, -c, 'head -c 20000 /dev/urandom']}");
  std::set<std::string> ids; // back to back, often within one second: the ids still differ
  for (int i = 0; i < 3; ++i) {
    auto backup = lab.tma({"backup", "--site", "acme", "--format", "json"});
    INFO(backup.out << backup.err);
    REQUIRE(backup.exit_code == 0);
    CHECK(backup.err.find("leftover") == std::string::npos);
    ids.insert(json::parse(backup.out).at("backups").at(0).at("backup").at("id").get<std::string>());
  }
  CHECK(ids.size() == 3);
  // Listed before the calls are taken: the wrapper's listing waits for the log it reads.
  auto listed = lab.tma({"backups", "--site", "acme", "--format", "json"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(json::parse(listed.out).at("backups").size() == 2);
  CHECK(lab.snapshots().size() == 4);
  auto calls = lab.take_calls();
  CHECK(count_calls(calls, "snapshots") == 4); // one per backup, one for `tma backups`
  CHECK(count_calls(calls, "forget") == 2);    // retention (`last: 2`): the first backup, manifest first
}

TEST_CASE("restic streaming: an artifact refused on the way leaves no snapshot", "[integration][backup][restic]") {
  StreamLab lab;
  struct Bad {
    const char* commands;
    const char* reason;
  };
  for (const Bad& bad : {Bad{"{db.sql.gz: [sh, -c, 'echo this is not gzip']}", "decompression"},
                         Bad{"{files.tar: [sh, -c, 'head -c 5000 /dev/urandom']}", "tar listing"},
                         Bad{"{db.sql: [sh, -c, 'echo CREATE TABLE t']}", "Dump completed"},
                         Bad{"{a.sql: [sh, -c, 'echo \"-- Dump completed\"'], b.txt: [sh, -c, 'printf x; exit 3']}",
                             "artifact b.txt"}}) {
    INFO(bad.commands);
    lab.inventory(bad.commands);
    auto backup = lab.tma({"backup", "--site", "acme"});
    INFO(backup.out << backup.err);
    CHECK(backup.exit_code == 2);
    CHECK((backup.out + backup.err).find(bad.reason) != std::string::npos);
    // What restic received before the refusal was forgotten: nothing to list, nothing left.
    CHECK(lab.snapshots().empty());
    auto listed = lab.tma({"backups", "--site", "acme", "--format", "json"});
    REQUIRE(listed.exit_code == 0);
    CHECK(json::parse(listed.out).at("backups").empty());
  }
}

TEST_CASE("restic streaming: tma killed mid-stream leaves nothing listed", "[integration][backup][restic]") {
  StreamLab lab;
  // The artifact's first half arrives, then the command waits: tma is killed while restic reads.
  lab.inventory("{blob.bin: [sh, -c, 'head -c 300000 /dev/urandom; exec sleep 20']}");
  auto err = lab.agency.file("killed.err");
  pid_t tma = tma::test::spawn({TMA_BINARY, "-i", lab.agency.file("sites.yaml"), "backup", "--site", "acme"},
                               lab.tma_env(), err);
  // Wait until both restic backups have started (the artifact's and the manifest's, started
  // early; the wrapper logs each first), then a little for bytes.
  std::vector<pid_t> restic_pids;
  for (int i = 0; i < 600 && restic_pids.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    restic_pids.clear();
    std::ifstream in(lab.log);
    for (std::string line; std::getline(in, line);) {
      if (line.find(" backup ") != std::string::npos) restic_pids.push_back(std::stoi(line.substr(0, line.find(' '))));
    }
  }
  REQUIRE(restic_pids.size() == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(tma, SIGKILL);
  CHECK(tma::test::wait_for(tma) == 128 + SIGKILL);
  // Both restic, orphaned, see the end of their stdin: the artifact's may still make a snapshot
  // of the half; the manifest's, with nothing read, makes none. Wait for them.
  for (pid_t orphan : restic_pids) {
    for (int i = 0; i < 600 && ::kill(orphan, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(::kill(orphan, 0) != 0);
  }

  auto listed = lab.tma({"backups", "--site", "acme", "--format", "json"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(json::parse(listed.out).at("backups").empty());
  for (const auto& s : lab.snapshots()) CHECK(s.at("paths").at(0) != "/manifest.json");

  // The next backup removes what the killed one left, then makes a whole one.
  lab.inventory("{blob.bin: [sh, -c, 'head -c 300000 /dev/urandom']}");
  auto again = lab.tma({"backup", "--site", "acme", "--format", "json"});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  auto snapshots = lab.snapshots();
  CHECK(snapshots.size() == 2);
  auto listed_again = lab.tma({"backups", "--site", "acme", "--format", "json"});
  REQUIRE(listed_again.exit_code == 0);
  CHECK(json::parse(listed_again.out).at("backups").size() == 1);
}

TEST_CASE("restic streaming: tma stopped by SIGTERM while restic runs journals the backup as interrupted",
          "[integration][backup][restic]") {
  StreamLab lab;
  lab.manifest_held();
  lab.inventory("{blob.bin: [sh, -c, 'head -c 300000 /dev/urandom']}");
  pid_t tma = tma::test::spawn({TMA_BINARY, "-i", lab.agency.file("sites.yaml"), "backup", "--site", "acme"},
                               lab.tma_env(), lab.agency.file("stopped.err"));
  // Stopped once the artifact is in restic, while the manifest's restic runs: the error is that
  // restic's, not the artifact command's.
  auto waiting = [&lab] {
    auto calls = lab.calls();
    return std::find(calls.begin(), calls.end(), "done blob.bin") != calls.end();
  };
  for (int i = 0; i < 600 && !waiting(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(waiting());
  ::kill(tma, SIGTERM);
  CHECK(tma::test::wait_for(tma) == 130);
  lab.plain_restic();

  // Stopped, not broken: the journal says so (reports and the soak tell the two apart).
  auto failed = lab.tma({"journal", "--type", "backup.failed", "--format", "json"});
  INFO(failed.out << failed.err << tma::test::read_file(lab.agency.file("stopped.err")));
  REQUIRE(failed.exit_code == 0);
  auto events = json::parse(failed.out).at("events");
  REQUIRE(events.size() == 1);
  CHECK(events[0].at("data").at("error_kind") == "interrupted");
  // No restic was started once tma was stopping, not even to forget the artifact's snapshot: it
  // would be stopped at once, maybe before it registered its lock (restic 0.14 then leaves it).
  CHECK(count_calls(lab.calls(), "forget") == 0);
  CHECK(tma::test::read_file(lab.agency.file("stopped.err")).find("not started: tma is stopping") != std::string::npos);
  auto listed = lab.tma({"backups", "--site", "acme", "--format", "json"});
  REQUIRE(listed.exit_code == 0);
  CHECK(json::parse(listed.out).at("backups").empty());

  // The next backup forgets what the stopped one left and makes a whole one; no lock stays, even
  // when a restic stopped with the run left one (the listing's, stopped as it started).
  auto again = lab.tma({"backup", "--site", "acme"});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(lab.snapshots().size() == 2);
  CHECK(fs::is_empty(lab.repo + "/locks"));
}
