// The SSH transport against a real OpenSSH server of the lab (tests/support/lab.hpp).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <tma/transport/ssh_transport.hpp>

#include "support/lab.hpp"
#include "support/proc_scan.hpp"

using namespace tma::transport;
using namespace std::chrono_literals;
using tma::test::LabSshd;

namespace {

Command cmd(std::vector<std::string> argv, Milliseconds timeout = 30000ms) {
  Command c;
  c.argv = std::move(argv);
  c.timeout = timeout;
  return c;
}

} // namespace

TEST_CASE("ssh: quoting corpus reaches the remote program literally", "[integration]") {
  LabSshd lab;
  std::filesystem::remove("/tmp/pwned");
  std::vector<std::string> corpus{"$(touch /tmp/pwned)", "`touch /tmp/pwned`", ";touch /tmp/pwned", "|touch /tmp/pwned",
                                  "&&touch /tmp/pwned", "'", "\"", "'\"'\"", "\\", "a\\nb", "line1\nline2", "*", "~",
                                  "-n", "--help", "$HOME", "${PATH}", "a b  c", "", "\ttab", "#", "!!",
                                  std::string(10240, 'k') + "'$(touch /tmp/pwned)'"};
  ControlMasters masters;
  // The site root itself is hostile too: it is quoted in `cd`.
  auto root = lab.make_site_dir("site $(touch /tmp/pwned) ;'x'");
  SshTransport ssh(lab.target(), root, &masters);
  for (const auto& value : corpus) {
    auto r = ssh.run(cmd({"printf", "%s", value}));
    INFO(lab.log() << r.message << r.err);
    REQUIRE(r.outcome == Outcome::completed);
    CHECK(r.exit_code == 0);
    CHECK(r.out == value);
  }
  SECTION("argv boundaries and the working directory") {
    auto r = ssh.run(cmd({"sh", "-c", "printf '[%s]' \"$@\"; pwd", "sh", "a b", "", "c'd"}));
    REQUIRE(r.ok());
    CHECK(r.out == "[a b][][c'd]" + root + "\n");
  }
  SECTION("a nested sh -c layer gets values as positional parameters") {
    auto r = ssh.run(cmd({"sh", "-c", "printf %s \"$1\"", "sh", "$(touch /tmp/pwned);id"}));
    REQUIRE(r.ok());
    CHECK(r.out == "$(touch /tmp/pwned);id");
  }
  CHECK_FALSE(std::filesystem::exists("/tmp/pwned"));
}

TEST_CASE("ssh: streaming 200 MB keeps memory bounded", "[integration]") {
  LabSshd lab;
  ControlMasters masters;
  SshTransport ssh(lab.target(), "", &masters);
  auto before = tma::test::peak_rss_bytes();
  std::uint64_t bytes = 0;
  auto c = cmd({"head", "-c", "209715200", "/dev/zero"}, 300000ms);
  c.on_stdout = [&](std::string_view chunk) {
    for (char ch : chunk) {
      if (ch != '\0') return false;
    }
    bytes += chunk.size();
    return true;
  };
  auto r = ssh.run(c);
  REQUIRE(r.ok());
  CHECK(bytes == 209715200ULL);
  CHECK(r.out.empty());
  auto peak = tma::test::peak_rss_bytes();
  INFO("peak RSS " << peak / 1024 << " KiB, before streaming " << before / 1024 << " KiB");
  // The stream itself must not grow memory: 200 MB went through, the peak moved by less than 16 MB.
  CHECK(peak - before < 16ULL * 1024 * 1024);
#if !defined(__SANITIZE_ADDRESS__)
  // And the whole process stays under 64 MB (AddressSanitizer's shadow memory alone exceeds that,
  // so the absolute bound is checked in normal builds only).
  CHECK(peak < 64ULL * 1024 * 1024);
#endif
}

TEST_CASE("ssh: unreachable, host key problems and remote exit 255 are told apart", "[integration]") {
  LabSshd lab;
  ControlMasters masters;
  SECTION("closed port") {
    auto target = lab.target();
    target.port = tma::test::free_port();
    SshTransport ssh(target, "", &masters);
    auto r = ssh.run(cmd({"true"}));
    CHECK(r.outcome == Outcome::unreachable);
    CHECK(r.message.find("Connection refused") != std::string::npos);
    // A bound on the connect timeout's effect (ConnectTimeout + 2 s), not a performance figure.
    CHECK(r.elapsed < std::chrono::seconds(target.connect_timeout) + 2s);
    CHECK(r.error("true")->kind == tma::core::ErrorKind::unreachable);
  }
  SECTION("changed host key: reported as such, never retried") {
    tma::test::TempDir tmp;
    auto counter = tmp.file("calls");
    auto wrapper = tmp.write("ssh-counting", "#!/bin/sh\necho call >> '" + counter + "'\nexec ssh \"$@\"\n");
    ::chmod(wrapper.c_str(), 0755);
    auto target = lab.target();
    target.known_hosts = lab.wrong_known_hosts();
    SshSettings settings;
    settings.program = wrapper;
    ControlMasters counted(settings);
    SshTransport ssh(target, "", &counted, settings);
    auto r = ssh.run(cmd({"true"}));
    CHECK(r.outcome == Outcome::host_key_changed);
    CHECK(r.message.find("host key CHANGED") != std::string::npos);
    CHECK(tma::test::read_file(counter) == "call\n");
  }
  SECTION("unknown host key with StrictHostKeyChecking=yes") {
    tma::test::TempDir tmp;
    auto target = lab.target();
    target.known_hosts = tmp.write("empty_known_hosts", "");
    SshTransport ssh(target, "", &masters);
    auto r = ssh.run(cmd({"true"}));
    CHECK(r.outcome == Outcome::unreachable);
    CHECK(r.message.find("host key unknown") != std::string::npos);
  }
  SECTION("accept-new enrols an unknown key") {
    tma::test::TempDir tmp;
    auto target = lab.target();
    target.known_hosts = tmp.write("empty_known_hosts", "");
    target.host_key_checking = tma::inventory::HostKeyChecking::accept_new;
    SshTransport ssh(target, "", &masters);
    CHECK(ssh.run(cmd({"true"})).ok());
    CHECK(tma::test::read_file(*target.known_hosts).find("ssh-ed25519") != std::string::npos);
  }
  SECTION("remote exit 255 is a failed command, not an unreachable host") {
    SshTransport ssh(lab.target(), "", &masters);
    auto r = ssh.run(cmd({"sh", "-c", "echo oops >&2; exit 255"}));
    CHECK(r.outcome == Outcome::completed);
    CHECK(r.exit_code == 255);
    CHECK(r.err == "oops\n");
    CHECK(r.error("sh")->kind == tma::core::ErrorKind::remote);
  }
  SECTION("a missing site directory is a failed command") {
    SshTransport ssh(lab.target(), "/nonexistent/site", &masters);
    auto r = ssh.run(cmd({"true"}));
    CHECK(r.outcome == Outcome::completed);
    CHECK(r.exit_code != 0);
  }
}

TEST_CASE("ssh: a remote command is killed at the timeout on both sides", "[integration]") {
  LabSshd lab;
  auto multiplex = GENERATE(true, false);
  std::optional<ControlMasters> masters;
  if (multiplex) masters.emplace();
  SshTransport ssh(lab.target(), "", masters ? &*masters : nullptr);
  // 5 s: the remote shell must have started (and printed its pid) before the timeout fires, also
  // when a loaded machine makes the connection slow (see docs/transport.md).
  auto r = ssh.run(cmd({"sh", "-c", "sleep 600.5151 & sleep 600.5152; wait"}, 5000ms));
  CHECK(r.outcome == Outcome::timed_out);
  CHECK(r.error("sleep")->kind == tma::core::ErrorKind::timeout);
  CHECK(tma::test::wait_no_process_with("600.515", 10000ms) == 0);
  // The transport still works afterwards (the master, if any, survived the killed client).
  CHECK(ssh.run(cmd({"true"})).ok());
}

TEST_CASE("ssh: one master per destination, closed at the end", "[integration]") {
  LabSshd lab;
  std::string dir;
  {
    ControlMasters masters;
    REQUIRE(masters.control_path());
    dir = std::filesystem::path(*masters.control_path()).parent_path().string();
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    SshTransport ssh(lab.target(), "", &masters);
    for (int i = 0; i < 3; ++i) CHECK(ssh.run(cmd({"true"})).ok());
    int sockets = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      (void)e;
      ++sockets;
    }
    CHECK(sockets == 1);
  }
  CHECK_FALSE(std::filesystem::exists(dir));
  CHECK(tma::test::wait_no_process_with(dir, 5000ms) == 0);
}

TEST_CASE("local transport runs in the site directory without a shell", "[integration]") {
  tma::test::TempDir dir;
  LocalTransport local(dir.path().string());
  auto r = local.run(cmd({"sh", "-c", "pwd; printf %s \"$1\"", "sh", "$(touch /tmp/pwned)"}));
  REQUIRE(r.ok());
  CHECK(r.out == dir.path().string() + "\n$(touch /tmp/pwned)");
  auto t = local.run(cmd({"sleep", "600.6161"}, 300ms));
  CHECK(t.outcome == Outcome::timed_out);
  CHECK(tma::test::wait_no_process_with("600.6161", 5000ms) == 0);
  auto f = local.run(cmd({"sh", "-c", "exit 255"}));
  CHECK(f.outcome == Outcome::completed);
  CHECK(f.exit_code == 255);
}
