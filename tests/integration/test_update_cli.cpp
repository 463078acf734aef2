// `tma update` end to end: the built binary against two lab WordPress trees (prod and preprod,
// `transport: local`, the lab `wp` stand-in changing real files), the lab HTTP server answering for
// each tree like WordPress (503 in maintenance, 500 when a listed version is installed), the real
// backup/restore engine and the git journal.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <future>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/cms/wordpress_http.hpp>

#include "support/backup_lab.hpp"
#include "support/lab.hpp"
#include "support/proc_scan.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/update_lab.hpp"
#include "support/paths.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

extern char** environ;

namespace {

using tma::test::count_type;
using tma::test::k_actor;
using tma::test::UpdateLab;

// The built binary started in the background with a pid to signal; output in files.
class Child {
public:
  Child(const UpdateLab& lab, std::vector<std::string> args) : m_out(lab.dir.file("child.out")), m_err(lab.dir.file("child.err")) {
    args.insert(args.begin(), {TMA_BINARY, "-i", lab.agency + "/sites.yaml"});
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::setenv("TMA_ACTOR", k_actor, 1);
      ::unsetenv("http_proxy");
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  void signal(int sig) const { ::kill(m_pid, sig); }
  /// Exit code, or 128 + signal.
  int wait() {
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string err() const { return tma::test::read_file(m_err); }
  std::string out() const { return tma::test::read_file(m_out); }

private:
  std::string m_out;
  std::string m_err;
  pid_t m_pid = -1;
};

bool wait_for_process(const std::string& needle) {
  for (int i = 0; i < 600; ++i) {
    if (tma::test::count_processes_with(needle) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

} // namespace

TEST_CASE("tma update: preprod then prod with exactly the planned versions", "[integration][update]") {
  UpdateLab lab;
  auto r = lab.tma({"update", "--site", "acme", "--yes"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  for (const auto& root : {lab.prod, lab.pre}) {
    CHECK(UpdateLab::core(root) == "6.4.3");
    CHECK(UpdateLab::plugin(root, "akismet") == "5.0.3");
    CHECK(UpdateLab::plugin(root, "forms") == "1.1");
    CHECK(UpdateLab::plugin(root, "seo") == "2.1");
    CHECK_FALSE(UpdateLab::maintenance(root));
    CHECK_FALSE(UpdateLab::locked(root));
  }
  CHECK(r.out.find("acme: updated") != std::string::npos);
  CHECK(r.out.ends_with("\n1 site: 1 updated\n")); // the closing recap line
  CHECK(r.err.find("tma: acme") == std::string::npos); // no failure line on stderr
  // Journal: each stage, the backup, the time entry.
  auto events = lab.events("update.");
  CHECK(count_type(events, "update.install", "preprod") == 4);
  CHECK(count_type(events, "update.step.validated", "preprod") == 4);
  CHECK(count_type(events, "update.install", "prod") == 4);
  CHECK(count_type(events, "update.maintenance.on", "prod") == 1);
  CHECK(count_type(events, "update.maintenance.off", "prod") == 1);
  CHECK(count_type(events, "update.finished") == 1);
  CHECK(events[0]["data"]["outcome"] == "updated");
  auto hours = lab.events("time.logged");
  REQUIRE(hours.size() == 1);
  CHECK(hours[0]["data"]["category"] == "update");
  CHECK(hours[0]["data"]["billable"] == false);
  auto backups = lab.tma({"backups", "--site", "acme", "--format", "json"});
  REQUIRE(backups.exit_code == 0);
  auto list = json::parse(backups.out)["backups"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["kind"] == "pre-update");
  // Prod ended `updated`: the run's pre-update backup is marked, releasing older ones to retention.
  CHECK(list[0]["update_outcome"] == "updated");
  CHECK(count_type(events, "update.backup_completed", "prod") == 1);

  // Nothing left to do: a second run plans nothing and changes nothing.
  auto again = lab.tma({"update", "--site", "acme", "--yes"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to do") != std::string::npos);
}

TEST_CASE("tma update over a real sshd: prod gets exactly the validated versions", "[integration][update]") {
  tma::test::LabSshd sshd;
  UpdateLab lab(fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                            sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts()));
  auto r = lab.tma({"update", "--site", "acme", "--yes", "--format", "json"});
  INFO(r.out << r.err << sshd.log());
  REQUIRE(r.exit_code == 0);
  auto report = json::parse(r.out);
  REQUIRE(report["sites"].size() == 1);
  const auto& site = report["sites"][0];
  CHECK(site["result"]["outcome"] == "updated");
  // The validated set is what preprod ended with; prod must hold exactly that, in its files.
  std::map<std::string, std::string> validated;
  for (const auto& step : site["result"]["steps"]) {
    CHECK(step["status"] == "applied");
    validated[step["component"].get<std::string>()] = step["to"].get<std::string>();
  }
  CHECK(validated == std::map<std::string, std::string>{
                         {"core", "6.4.3"}, {"plugin:akismet", "5.0.3"}, {"plugin:forms", "1.1"}, {"plugin:seo", "2.1"}});
  for (const auto& root : {lab.prod, lab.pre}) {
    CHECK(UpdateLab::core(root) == validated["core"]);
    CHECK(UpdateLab::plugin(root, "akismet") == validated["plugin:akismet"]);
    CHECK(UpdateLab::plugin(root, "forms") == validated["plugin:forms"]);
    CHECK(UpdateLab::plugin(root, "seo") == validated["plugin:seo"]);
    CHECK_FALSE(UpdateLab::maintenance(root)); // maintenance off
    CHECK_FALSE(UpdateLab::locked(root));      // the remote lock directory is gone
  }
  auto events = lab.events("update.");
  CHECK(count_type(events, "update.install", "prod") == 4);
  CHECK(count_type(events, "update.maintenance.off", "prod") == 1);
}

TEST_CASE("tma update --env preprod then --promote ships the validated set, not a newer one", "[integration][update]") {
  UpdateLab lab;
  auto validated = lab.tma({"update", "--site", "acme", "--env", "preprod", "--yes"});
  INFO(validated.out << validated.err);
  REQUIRE(validated.exit_code == 0);
  CHECK(UpdateLab::plugin(lab.pre, "akismet") == "5.0.3");
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.2"); // prod untouched
  CHECK(UpdateLab::core(lab.prod) == "6.4.2");
  CHECK(count_type(lab.events("update.validated"), "update.validated") == 1);

  // Tuesday: newer versions appeared on the update server in the meantime.
  for (const auto& root : {lab.prod, lab.pre}) {
    UpdateLab::lab_file(root, "updates.json",
                        R"({"core": {"version": "6.4.4", "versions": ["6.4.2", "6.4.3", "6.4.4"]},
                            "plugins": {"akismet": {"version": "5.0.4", "versions": ["5.0.2", "5.0.3", "5.0.4"]},
                                        "forms": {"version": "1.2", "versions": ["1.0", "1.1", "1.2"]},
                                        "seo": {"version": "2.2", "versions": ["2.0", "2.1", "2.2"]}},
                            "themes": {}})");
  }
  auto dry = lab.tma({"update", "--site", "acme", "--promote", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("5.0.3") != std::string::npos);
  CHECK(dry.out.find("5.0.4") == std::string::npos);

  auto promoted = lab.tma({"update", "--site", "acme", "--promote", "--yes"});
  INFO(promoted.out << promoted.err);
  REQUIRE(promoted.exit_code == 0);
  CHECK(UpdateLab::core(lab.prod) == "6.4.3");
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");
  CHECK(UpdateLab::plugin(lab.prod, "forms") == "1.1");
  CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.1");
  CHECK(count_type(lab.events("update.promoted"), "update.promoted") == 1);

  // Promoting the same set again: prod's versions are no longer the ones it was validated from.
  auto stale = lab.tma({"update", "--site", "acme", "--promote", "--yes"});
  CHECK(stale.exit_code == 2);
  CHECK(stale.out.find("prod changed since run") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");

  // --promote with narrowing flags, or for a site without a validated set, is refused up front.
  CHECK(lab.tma({"update", "--site", "acme", "--promote", "--only", "core", "--yes"}).exit_code == 64);
}

TEST_CASE("tma update: a version that breaks preprod is reverted there and never reaches prod", "[integration][update]") {
  UpdateLab lab;
  UpdateLab::lab_file(lab.pre, "breaks", "plugin:forms=1.1\n");
  auto r = lab.tma({"update", "--site", "acme", "--yes", "--format", "json", "--junit", lab.dir.file("junit.xml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1); // a failed smoke test
  auto junit = tma::test::read_file(lab.dir.file("junit.xml"));
  CHECK(junit.find("<testsuite name=\"tma update\" tests=\"1\" failures=\"1\">") != std::string::npos);
  CHECK(junit.find("plugin:forms 1.1 rejected on preprod") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.pre, "forms") == "1.0");
  CHECK(UpdateLab::plugin(lab.prod, "forms") == "1.0");
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");
  CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.1");
  CHECK(UpdateLab::core(lab.prod) == "6.4.3");
  auto doc = json::parse(r.out);
  const auto& site = doc["sites"][0];
  CHECK(site["result"]["outcome"] == "updated");
  for (const auto& step : site["result"]["steps"]) {
    INFO(step.dump());
    if (step["component"] == "plugin:forms") {
      CHECK(step["status"] == "rejected");
      CHECK(step["reason"].get<std::string>().find("500") != std::string::npos);
    } else {
      CHECK(step["status"] == "applied");
    }
  }
  auto events = lab.events("update.");
  CHECK(count_type(events, "update.revert", "preprod") == 1);
  CHECK(count_type(events, "update.install", "prod") == 3);

  // --stop-on-failure: the first rejection ends the run, prod untouched.
  lab.make_sites();
  UpdateLab::lab_file(lab.pre, "breaks", "core=6.4.3\n");
  auto stopped = lab.tma({"update", "--site", "acme", "--yes", "--stop-on-failure"});
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 3); // rejected (1) and failed (2)
  CHECK(stopped.out.find("--stop-on-failure") != std::string::npos);
  CHECK(UpdateLab::core(lab.prod) == "6.4.2");
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.2");
  CHECK(UpdateLab::plugin(lab.pre, "akismet") == "5.0.2");
}

TEST_CASE("tma update: prod failure rolls back then restores the pre-update backup", "[integration][update]") {
  UpdateLab lab;
  fs::create_directories(lab.prod + "/wp-content/uploads");
  std::ofstream(lab.prod + "/wp-content/uploads/kept.txt") << "client upload\n";
  // seo 2.1 breaks prod only, and its upgrade routine damages the site: a downgrade does not help.
  UpdateLab::lab_file(lab.prod, "breaks", "plugin:seo=2.1:sticky\n");
  auto r = lab.tma({"update", "--site", "acme", "--yes"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("acme: restored") != std::string::npos);
  CHECK(r.out.find("incident opened: INC-") != std::string::npos);
  CHECK(UpdateLab::core(lab.prod) == "6.4.2");
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.2");
  CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.0");
  CHECK_FALSE(fs::exists(lab.prod + "/.tma-lab/damaged"));
  CHECK(tma::test::read_file(lab.prod + "/wp-content/uploads/kept.txt") == "client upload\n");
  CHECK_FALSE(UpdateLab::maintenance(lab.prod));
  CHECK_FALSE(UpdateLab::locked(lab.prod));
  // The journal tells the story: installs, health failure, reverts in reverse order, restore.
  auto events = lab.events("update.");
  CHECK(count_type(events, "update.revert", "prod") == 4);
  CHECK(count_type(events, "update.restore", "prod") == 1);
  CHECK(events[0]["type"] == "update.finished");
  CHECK(events[0]["data"]["outcome"] == "restored");
  std::vector<std::string> reverted;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if ((*it)["type"] == "update.revert") reverted.push_back((*it)["data"]["component"]);
  }
  CHECK(reverted == std::vector<std::string>{"plugin:seo", "plugin:forms", "plugin:akismet", "core"});
  CHECK(count_type(lab.events("restore.finished"), "restore.finished") == 1);
  auto incidents = lab.tma({"incident", "list", "--format", "json"});
  REQUIRE(incidents.exit_code == 0);
  auto list = json::parse(incidents.out)["incidents"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["severity"] == "major");
  CHECK(list[0]["source"] == "update");

  // A version that breaks prod without damage: reverting is enough.
  UpdateLab::lab_file(lab.prod, "breaks", "plugin:akismet=5.0.3\n");
  auto rolled = lab.tma({"update", "--site", "acme", "--yes"});
  INFO(rolled.out << rolled.err);
  CHECK(rolled.exit_code == 1);
  CHECK(rolled.out.find("acme: rolled back") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.2");
  CHECK_FALSE(UpdateLab::maintenance(lab.prod));
}

TEST_CASE("tma update --dry-run and a run without TTY or --yes change nothing", "[integration][update]") {
  UpdateLab lab;
  auto before = tma::test::BackupLab::tree_digest(lab.prod) + tma::test::BackupLab::tree_digest(lab.pre) +
                tma::test::BackupLab::tree_digest(lab.agency);
  auto dry = lab.tma({"update", "--site", "acme", "--dry-run", "--format", "json"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  auto doc = json::parse(dry.out);
  CHECK(doc["applied"] == false);
  CHECK(doc["sites"][0]["plan"]["steps"].size() == 4);
  auto no_tty = lab.tma({"update", "--site", "acme"}); // run_tma's stdin is /dev/null
  INFO(no_tty.out << no_tty.err);
  CHECK(no_tty.exit_code == 0);
  CHECK(no_tty.err.find("--yes") != std::string::npos);
  CHECK(no_tty.out.find("plugin:akismet") != std::string::npos);
  auto after = tma::test::BackupLab::tree_digest(lab.prod) + tma::test::BackupLab::tree_digest(lab.pre) +
               tma::test::BackupLab::tree_digest(lab.agency);
  CHECK(before == after);

  // --only, --patch and a site without preprod.
  auto only = lab.tma({"update", "--site", "acme", "--dry-run", "--only", "plugin:seo,core"});
  CHECK(only.exit_code == 0);
  CHECK(only.out.find("plugin:seo") != std::string::npos);
  CHECK(only.out.find("plugin:akismet") == std::string::npos);
  CHECK(lab.tma({"update", "--site", "acme", "--dry-run", "--only", "plugin:nope"}).exit_code == 2);
  lab.write_inventory(false);
  auto refused = lab.tma({"update", "--site", "acme", "--yes"});
  CHECK(refused.exit_code == 64);
  CHECK(refused.err.find("--skip-preprod") != std::string::npos);
  auto skipped = lab.tma({"update", "--site", "acme", "--yes", "--skip-preprod"});
  INFO(skipped.out << skipped.err);
  CHECK(skipped.exit_code == 0);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");
  CHECK(UpdateLab::plugin(lab.pre, "akismet") == "5.0.2");
  CHECK(count_type(lab.events("update.preprod_skipped"), "update.preprod_skipped") == 1);
}

TEST_CASE("tma update: a second run on the same site exits 75 naming the holder", "[integration][update]") {
  UpdateLab lab;
  UpdateLab::lab_file(lab.prod, "misbehave", "plugin update: delay=1500\n");
  auto first = std::async(std::launch::async, [&] { return lab.tma({"update", "--site", "acme", "--yes"}); });
  for (int i = 0; i < 600 && !UpdateLab::locked(lab.prod); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(UpdateLab::locked(lab.prod));
  auto second = lab.tma({"update", "--site", "acme", "--yes"});
  CHECK(second.exit_code == 75);
  CHECK(second.err.find("Lab <lab@tma.invalid> on ") != std::string::npos);
  CHECK(second.err.find("(run ") != std::string::npos);
  auto done = first.get();
  INFO(done.out << done.err);
  CHECK(done.exit_code == 0);
  CHECK_FALSE(UpdateLab::locked(lab.prod));

  // Another machine holds prod's server lock: refused naming it; once stale, --break-lock takes it.
  lab.make_sites();
  auto since = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  fs::create_directories(lab.prod + "/.tma-update.lock");
  std::ofstream(lab.prod + "/.tma-update.lock/holder")
      << json{{"run_id", "0123456789abcdef"}, {"actor", "Ops <ops@agency.example>"}, {"host", "ops-laptop"},
              {"since", since.count() - 7200}, {"pid", 1}}
             .dump()
      << "\n";
  auto held = lab.tma({"update", "--site", "acme", "--yes"});
  CHECK(held.exit_code == 75);
  CHECK(held.err.find("Ops <ops@agency.example> on ops-laptop (run 0123456789abcdef") != std::string::npos);
  auto stale = lab.tma({"update", "--site", "acme", "--yes", "--stale-after", "1h"});
  CHECK(stale.exit_code == 75);
  CHECK(stale.err.find("stale") != std::string::npos);
  CHECK(stale.err.find("--break-lock") != std::string::npos);
  auto broken = lab.tma({"update", "--site", "acme", "--yes", "--stale-after", "1h", "--break-lock"});
  INFO(broken.out << broken.err);
  CHECK(broken.exit_code == 0);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");
  CHECK_FALSE(UpdateLab::locked(lab.prod));
}

TEST_CASE("tma update: SIGINT or SIGKILL at each stage leaves maintenance off and the lock free", "[integration][update]") {
  struct Stage {
    const char* name;
    bool on_prod;
    const char* command; // the wp command slowed down (misbehave scope)
    const char* argv;    // how it shows in the process list
  };
  const std::vector<Stage> stages{{"preprod install", false, "plugin update", "--no-color plugin update"},
                                  {"pre-update backup", true, "db export", "db export"},
                                  {"maintenance on", true, "maintenance-mode activate", "--no-color maintenance-mode"},
                                  {"prod install", true, "plugin update", "--no-color plugin update"},
                                  {"database updates", true, "core update-db", "--no-color core update-db"}};
  for (int sig : {SIGINT, SIGKILL}) {
    for (const auto& stage : stages) {
      DYNAMIC_SECTION(stage.name << (sig == SIGINT ? " SIGINT" : " SIGKILL")) {
        UpdateLab lab;
        const auto& root = stage.on_prod ? lab.prod : lab.pre;
        UpdateLab::lab_file(root, "misbehave", std::string(stage.command) + ": delay=2500\n");
        Child child(lab, {"update", "--site", "acme", "--yes"});
        REQUIRE(wait_for_process("--path=" + root + " " + stage.argv));
        child.signal(sig);
        int code = child.wait();
        INFO(child.out() << child.err());
        // The stand-in finishes what it was doing (as a remote command would), then the next start.
        CHECK(tma::test::wait_no_process_with("--path=" + root, std::chrono::seconds(30)) == 0);
        if (sig == SIGINT) {
          CHECK(code == 130);
          CHECK_FALSE(UpdateLab::maintenance(lab.prod));
          CHECK_FALSE(UpdateLab::locked(lab.prod));
          CHECK_FALSE(UpdateLab::locked(lab.pre));
          auto finished = lab.events("update.finished");
          REQUIRE(finished.size() == 1);
          CHECK(finished[0]["data"]["error"].get<std::string>().find("interrupted") != std::string::npos);
        } else {
          CHECK(code == 128 + SIGKILL);
        }
        // The next start: maintenance off, lock taken over, and the update goes through.
        std::filesystem::remove(root + "/.tma-lab/misbehave");
        auto next = lab.tma({"update", "--site", "acme", "--yes"});
        INFO(next.out << next.err);
        CHECK(next.exit_code == 0);
        CHECK_FALSE(UpdateLab::maintenance(lab.prod));
        CHECK_FALSE(UpdateLab::locked(lab.prod));
        CHECK_FALSE(UpdateLab::locked(lab.pre));
        CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.1");
        if (sig == SIGKILL) {
          CHECK(next.err.find("taking over the update lock") != std::string::npos);
          if (std::string(stage.name) == "maintenance on" || std::string(stage.name) == "prod install" ||
              std::string(stage.name) == "database updates") {
            CHECK(next.err.find("switched off the maintenance mode") != std::string::npos);
            CHECK(count_type(lab.events("update.recovered"), "update.recovered") == 1);
          }
        }
        // Every journal file is whole: the journal reads back.
        CHECK(lab.tma({"journal", "-n", "1000"}).exit_code == 0);
      }
    }
  }
}

TEST_CASE("tma update on a terminal shows the plan and applies it only when confirmed", "[integration][update]") {
  UpdateLab lab;
  auto command = fmt::format("{} -i {}/sites.yaml --no-color update --site acme", TMA_BINARY, lab.agency);
  tma::test::ProgramOptions options;
  options.env = {{"TMA_ACTOR", std::string(k_actor)}, {"http_proxy", std::nullopt}};
  options.stdin_text = "n\n";
  // `script` gives tma a terminal on stdin.
  auto declined = tma::test::run_program({"script", "-qec", command, "/dev/null"}, options);
  INFO(declined.out << declined.err);
  CHECK(declined.exit_code == 0);
  CHECK(declined.out.find("Apply these updates to 1 site(s)? [y/N]") != std::string::npos);
  CHECK(declined.out.find("not confirmed; nothing changed") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.2");
  CHECK(UpdateLab::plugin(lab.pre, "akismet") == "5.0.2");
  options.stdin_text = "y\n";
  auto confirmed = tma::test::run_program({"script", "-qec", command, "/dev/null"}, options);
  INFO(confirmed.out << confirmed.err);
  CHECK(confirmed.exit_code == 0);
  CHECK(confirmed.out.find("acme: updated") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");
}
