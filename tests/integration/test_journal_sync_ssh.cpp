// `tma sync` over an ssh:// remote: a real OpenSSH server on loopback (LabSshd) runs
// git-upload-pack/git-receive-pack for the OpenSSH client tma starts; a server that never speaks
// SSH, a changed host key and Ctrl-C must end the sync with an error, never hang it.

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <tma/core/signals.hpp>
#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>
#include <tma/journal/sync.hpp>

#include "support/agency_repo.hpp"
#include "support/lab.hpp"
#include "support/proc_scan.hpp"
#include "support/process.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using namespace tma;

namespace {

std::string tip(const std::string& repo) {
  return test::git(repo, {"rev-parse", "--verify", "-q", "refs/heads/tma-journal"}).out;
}

// An ssh_config for the lab server's key and the given known_hosts, named by $TMA_SSH_CONFIG for
// this object's life (the previous value is put back, also when the test fails).
class LabSshConfig {
public:
  LabSshConfig(const test::LabSshd& sshd, const std::string& known_hosts) {
    // `tma-lab`: an alias for scp-like URLs, which cannot carry a port.
    m_dir.write("ssh_config", fmt::format("Host tma-lab\n  HostName 127.0.0.1\n  Port {}\n"
                                          "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n"
                                          "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
                                          sshd.port(), sshd.identity(), known_hosts));
    if (const char* old = std::getenv("TMA_SSH_CONFIG")) m_previous = old;
    ::setenv("TMA_SSH_CONFIG", file().c_str(), 1);
  }
  ~LabSshConfig() {
    if (m_previous) ::setenv("TMA_SSH_CONFIG", m_previous->c_str(), 1);
    else ::unsetenv("TMA_SSH_CONFIG");
  }
  LabSshConfig(const LabSshConfig&) = delete;
  LabSshConfig& operator=(const LabSshConfig&) = delete;
  std::string file() const { return m_dir.file("ssh_config"); }

private:
  test::TempDir m_dir;
  std::optional<std::string> m_previous;
};

// A loopback port whose kernel completes TCP handshakes (the listen backlog) but where nothing
// ever reads or writes: a hung or SIGSTOPped git server.
class SilentServer {
public:
  SilentServer() {
    auto listener = test::listen_loopback(16);
    m_fd = listener.fd;
    m_port = listener.port;
  }
  ~SilentServer() { ::close(m_fd); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return m_port; }

private:
  int m_fd = -1;
  int m_port = 0;
};

void write_events(const std::string& repo, const std::string& tag) {
  auto pid = test::spawn_helper("journal test helper: writer",
                                {{"TMA_TEST_REPO", repo}, {"TMA_TEST_RUNS", "1"}, {"TMA_TEST_EVENTS", "2"},
                                 {"TMA_TEST_TAG", tag}});
  REQUIRE(test::wait_for(pid) == 0);
}

std::set<std::string> event_tags(const std::string& repo) {
  std::set<std::string> tags;
  for (const auto& e : test::test_events(repo)) tags.insert(e.data.value("tag", ""));
  return tags;
}

// The `ssh` children of this process, zombies included (/proc/PID/stat: "pid (comm) state ppid"):
// 0 once the sync reaped its ssh.
int ssh_children() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    auto close = stat.rfind(')');
    if (close == std::string::npos || stat.find("(ssh)") == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == ::getpid()) ++count;
  }
  return count;
}

// An agency whose origin is the silent server; `sync` of it in this process.
journal::SyncOptions silent_agency(const test::TempDir& dir, const SilentServer& server) {
  auto agency = dir.file("agency");
  test::make_agency(agency, fmt::format("ssh://git@127.0.0.1:{}/srv/silent-{}.git", server.port(), server.port()));
  journal::SyncOptions options;
  options.repository = agency;
  return options;
}

} // namespace

TEST_CASE("tma sync over ssh: two clones (ssh:// and scp-like) converge through an OpenSSH server", "[integration][journal]") {
  test::LabSshd sshd;
  LabSshConfig config(sshd, sshd.known_hosts());
  test::TempDir dir;
  auto remote = dir.file("remote.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", remote}).exit_code == 0);
  auto url = fmt::format("ssh://{}@127.0.0.1:{}{}", sshd.user(), sshd.port(), remote);
  auto a = dir.file("a");
  test::make_agency(a, url);
  std::map<std::string, std::optional<std::string>> env = {{"TMA_SSH_CONFIG", config.file()}};
  auto first = test::run_tma({"sync"}, env, a);
  INFO(first.out << first.err << sshd.log());
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("pushed") != std::string::npos);
  CHECK(test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out == tip(a));

  REQUIRE(test::git(a, {"push", "-q", remote, "HEAD:refs/heads/main"}).exit_code == 0);
  auto b = dir.file("b");
  REQUIRE(test::run_program({"git", "clone", "-q", "-b", "main", remote, b}).exit_code == 0);
  // b names the same server scp-like, through the ssh config's alias: libgit2 sends such URLs to
  // the transport registered for ssh:// too.
  REQUIRE(test::git(b, {"remote", "set-url", "origin", fmt::format("{}@tma-lab:{}", sshd.user(), remote)}).exit_code == 0);
  write_events(a, "a");
  write_events(b, "b");
  for (const auto& repo : {a, b, a}) {
    auto out = test::run_tma({"sync"}, env, repo);
    INFO(repo << ": " << out.out << out.err);
    REQUIRE(out.exit_code == 0);
  }
  CHECK(tip(a) == tip(b));
  CHECK(test::git(remote, {"rev-parse", "refs/heads/tma-journal"}).out == tip(a));
  CHECK(event_tags(a) == std::set<std::string>{"a", "b"});
  CHECK(event_tags(b) == std::set<std::string>{"a", "b"});
}

TEST_CASE("tma sync over ssh: a host key that does not match known_hosts is refused and nothing is pushed",
          "[integration][journal]") {
  test::LabSshd sshd;
  LabSshConfig config(sshd, sshd.wrong_known_hosts());
  test::TempDir dir;
  auto remote = dir.file("remote.git");
  REQUIRE(test::run_program({"git", "init", "-q", "--bare", remote}).exit_code == 0);
  auto agency = dir.file("agency");
  test::make_agency(agency, fmt::format("ssh://{}@127.0.0.1:{}{}", sshd.user(), sshd.port(), remote));
  journal::SyncOptions options;
  options.repository = agency;
  auto synced = journal::sync_journal(options);
  REQUIRE_FALSE(synced);
  INFO(synced.error().message);
  CHECK(synced.error().kind == core::ErrorKind::unreachable);
  CHECK(synced.error().message.find("Host key verification failed") != std::string::npos);
  CHECK(synced.error().message.find("ssh to 127.0.0.1") != std::string::npos);
  CHECK(test::git(remote, {"rev-parse", "--verify", "-q", "refs/heads/tma-journal"}).exit_code != 0);
  CHECK(ssh_children() == 0);
}

TEST_CASE("tma sync over ssh: a server that accepts and never answers ends in a time-out", "[integration][journal]") {
  SilentServer server;
  test::TempDir dir;
  auto options = silent_agency(dir, server);
  options.inactivity_limit = std::chrono::seconds(1);
  auto synced = journal::sync_journal(options);
  REQUIRE_FALSE(synced);
  INFO(synced.error().message);
  CHECK(synced.error().kind == core::ErrorKind::timeout);
  CHECK(synced.error().message.find("timed out") != std::string::npos);
  CHECK(synced.error().message.find("fetch from 'origin'") != std::string::npos);
  CHECK(ssh_children() == 0);
}

TEST_CASE("tma sync over ssh: Ctrl-C while the server is silent stops the sync and reaps ssh",
          "[integration][journal]") {
  SilentServer server;
  test::TempDir dir;
  auto options = silent_agency(dir, server);
  options.inactivity_limit = std::chrono::hours(1); // only the interruption can end it
  core::set_interrupted_for_testing(false);
  std::string needle = fmt::format("silent-{}.git", server.port());
  std::atomic<bool> done{false};
  std::thread ctrl_c([&] {
    // Once ssh runs, the sync is in its poll loop: "press Ctrl-C" then.
    while (!done && test::count_processes_with(needle) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!done) core::set_interrupted_for_testing(true);
  });
  auto synced = journal::sync_journal(options);
  done = true;
  ctrl_c.join();
  core::set_interrupted_for_testing(false);
  REQUIRE_FALSE(synced);
  INFO(synced.error().message);
  CHECK(synced.error().kind == core::ErrorKind::interrupted);
  CHECK(synced.error().message.find("interrupted") != std::string::npos);
  CHECK(test::count_processes_with(needle) == 0);
  CHECK(ssh_children() == 0);
}
