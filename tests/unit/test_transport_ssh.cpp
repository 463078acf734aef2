#include <catch2/catch.hpp>

#include <tma/core/text.hpp>
#include <tma/transport/ssh_transport.hpp>

#include <algorithm>
#include <filesystem>

#include "support/temp_dir.hpp"

using namespace tma::transport;
using tma::inventory::SshTarget;

namespace {
SshTarget web1() {
  SshTarget t;
  t.user = "deploy";
  t.host = "web1.example";
  t.port = 2222;
  t.connect_timeout = std::chrono::seconds(7);
  return t;
}

SshSettings without_aes() {
  SshSettings s;
  s.hardware_aes = false;
  return s;
}
} // namespace

TEST_CASE("transport::ssh_base_argv builds a bounded, verified call") {
  SECTION("defaults, multiplexed") {
    auto argv = ssh_base_argv(web1(), without_aes(), std::string("/tmp/tma-abc/%C"), Multiplex::on);
    REQUIRE(argv);
    CHECK(tma::core::join(*argv, " ") ==
          "ssh -T -o BatchMode=yes -o ConnectTimeout=7 -o ConnectionAttempts=1 -o ServerAliveInterval=15 "
          "-o ServerAliveCountMax=4 -o StrictHostKeyChecking=yes -o LogLevel=ERROR -o ControlMaster=auto "
          "-o ControlPersist=60 -o ControlPath=/tmp/tma-abc/%C -p 2222 -l deploy -- web1.example");
  }
  SECTION("identity, known_hosts, jump, accept-new, extra options, no multiplexing") {
    auto t = web1();
    t.identity_file = "/keys/id ed";
    t.known_hosts = "/kh/known hosts";
    t.jump = "bastion.example";
    t.host_key_checking = tma::inventory::HostKeyChecking::accept_new;
    t.options = {"Ciphers=aes256-gcm@openssh.com"};
    auto argv = ssh_base_argv(t, without_aes(), std::nullopt, Multiplex::on);
    REQUIRE(argv);
    CHECK(tma::core::join(*argv, " ") ==
          "ssh -T -o BatchMode=yes -o ConnectTimeout=7 -o ConnectionAttempts=1 -o ServerAliveInterval=15 "
          "-o ServerAliveCountMax=4 -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\"/kh/known hosts\" "
          "-i /keys/id ed -o IdentitiesOnly=yes -J bastion.example -o LogLevel=ERROR -o ControlMaster=no "
          "-o ControlPath=none -o Ciphers=aes256-gcm@openssh.com -p 2222 -l deploy -- web1.example");
  }
  SECTION("AES-GCM first with hardware AES, after the inventory's options, unless the site says no") {
    SshSettings aes;
    aes.hardware_aes = true;
    auto argv = ssh_base_argv(web1(), aes, std::nullopt, Multiplex::off);
    REQUIRE(argv);
    CHECK(tma::core::join(*argv, " ").find(
              "-o ControlPath=none -o Ciphers=^aes128-gcm@openssh.com,aes256-gcm@openssh.com -p 2222") !=
          std::string::npos);
    auto t = web1();
    t.options = {"Ciphers=aes256-ctr"};
    argv = ssh_base_argv(t, aes, std::nullopt, Multiplex::off);
    REQUIRE(argv);
    CHECK(tma::core::join(*argv, " ").find("-o Ciphers=aes256-ctr -o Ciphers=^aes128-gcm") != std::string::npos);
    t = web1();
    t.prefer_aes_gcm = false;
    argv = ssh_base_argv(t, aes, std::nullopt, Multiplex::off);
    REQUIRE(argv);
    CHECK(tma::core::join(*argv, " ").find("Ciphers") == std::string::npos);
    argv = ssh_base_argv(web1(), without_aes(), std::nullopt, Multiplex::off);
    REQUIRE(argv);
    CHECK(tma::core::join(*argv, " ").find("Ciphers") == std::string::npos);
  }
  SECTION("hostile names are refused") {
    for (std::string host : {"-oProxyCommand=touch /tmp/pwned", "", "a b", "x\ny"}) {
      auto t = web1();
      t.host = host;
      CHECK_FALSE(ssh_base_argv(t, {}, std::nullopt, Multiplex::off));
    }
    auto t = web1();
    t.user = "-oProxyCommand=x";
    CHECK_FALSE(ssh_base_argv(t, {}, std::nullopt, Multiplex::off));
    t = web1();
    t.jump = "-J";
    CHECK_FALSE(ssh_base_argv(t, {}, std::nullopt, Multiplex::off));
  }
}

TEST_CASE("transport::ssh_base_argv passes -p and -l only when the inventory sets them") {
  // A Host block of ~/.ssh/config keeps its Port and User: a command-line option would beat it.
  SshTarget alias;
  alias.host = "acme-prod";
  auto argv = ssh_base_argv(alias, without_aes(), std::nullopt, Multiplex::off);
  REQUIRE(argv);
  CHECK(std::find(argv->begin(), argv->end(), "-p") == argv->end());
  CHECK(std::find(argv->begin(), argv->end(), "-l") == argv->end());
  CHECK(tma::core::join(*argv, " ").ends_with("-o ControlPath=none -- acme-prod"));
  alias.port = 2200;
  alias.user = "ops";
  argv = ssh_base_argv(alias, without_aes(), std::nullopt, Multiplex::off);
  REQUIRE(argv);
  CHECK(tma::core::join(*argv, " ").ends_with("-o ControlPath=none -p 2200 -l ops -- acme-prod"));
  alias.port = 22; // written in the inventory, even as ssh's default: passed
  alias.user.clear();
  argv = ssh_base_argv(alias, without_aes(), std::nullopt, Multiplex::off);
  REQUIRE(argv);
  CHECK(tma::core::join(*argv, " ").ends_with("-o ControlPath=none -p 22 -- acme-prod"));
}

TEST_CASE("transport::ssh_remote_script prints the marker then runs the quoted argv") {
  CHECK(ssh_remote_script({"wp", "core", "version"}, "/var/www/a'b") ==
        "printf '@tma-start %s\\n' \"$$\" >&2 && cd '/var/www/a'\\''b' && 'wp' 'core' 'version'");
}

TEST_CASE("transport::scan_start_marker finds the marker line") {
  auto scan = scan_start_marker("Warning: something\n@tma-start 4242\nreal stderr\n");
  CHECK(scan.found);
  CHECK(scan.pid == 4242);
  CHECK(scan.rest == "real stderr\n");
  CHECK_FALSE(scan_start_marker("@tma-start 12").found);        // incomplete line
  CHECK_FALSE(scan_start_marker("x @tma-start 12\n").found);    // not at a line start
  CHECK_FALSE(scan_start_marker("@tma-start abc\n").found);     // not a pid
  CHECK(scan_start_marker("no marker").rest == "no marker");
}

TEST_CASE("transport::classify_ssh_failure tells unreachable from a changed host key") {
  auto changed = classify_ssh_failure(
      "@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@\n"
      "Host key verification failed.\n",
      "ssh a@b:22");
  CHECK(changed.outcome == Outcome::host_key_changed);
  CHECK(changed.message.find("CHANGED") != std::string::npos);
  auto unknown = classify_ssh_failure("No ED25519 host key is known for [127.0.0.1]:2222 and you have requested "
                                      "strict checking.\nHost key verification failed.\n",
                                      "ssh a@b:22");
  CHECK(unknown.outcome == Outcome::unreachable);
  CHECK(unknown.message == "ssh a@b:22: host key unknown or not verified (StrictHostKeyChecking): Host key "
                           "verification failed.");
  auto refused = classify_ssh_failure("ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n", "ssh a@b:1");
  CHECK(refused.outcome == Outcome::unreachable);
  CHECK(refused.message == "ssh a@b:1: ssh: connect to host 127.0.0.1 port 1: Connection refused");
  auto denied = classify_ssh_failure("a@127.0.0.1: Permission denied (publickey).\n", "ssh a@b:22");
  CHECK(denied.message == "ssh a@b:22: authentication failed: a@127.0.0.1: Permission denied (publickey).");
  CHECK(classify_ssh_failure("", "d").message == "d: ssh failed (exit 255)");
}

TEST_CASE("transport::is_mux_failure spots multiplexing problems") {
  CHECK(is_mux_failure("unix_listener: path \"/x\" too long for Unix domain socket\n"));
  CHECK(is_mux_failure("mux_client_request_session: read from master failed: Broken pipe\n"));
  CHECK_FALSE(is_mux_failure("ssh: connect to host x port 22: Connection refused\n"));
}

TEST_CASE("transport::CommandResult::error maps outcomes to error kinds") {
  CommandResult r;
  r.exit_code = 0;
  CHECK_FALSE(r.error("x"));
  r.exit_code = 255;
  r.err = "first\nlast line\n";
  auto e = r.error("wp core version");
  REQUIRE(e);
  CHECK(e->kind == tma::core::ErrorKind::remote);
  CHECK(e->message == "wp core version: exit code 255: last line");
  r.outcome = Outcome::host_key_changed;
  r.message = "host key CHANGED";
  CHECK(r.error("x")->kind == tma::core::ErrorKind::unreachable);
  r.outcome = Outcome::timed_out;
  r.message = "timed out after 2.0s";
  CHECK(r.error("x")->kind == tma::core::ErrorKind::timeout);
}

TEST_CASE("transport::ControlMasters uses a short private directory") {
  SECTION("a runtime dir too long for a socket path falls back to /tmp") {
    tma::test::TempDir base;
    auto long_dir = base.path() / std::string(60, 'r');
    std::filesystem::create_directories(long_dir);
    tma::test::EnvGuard guard("XDG_RUNTIME_DIR", long_dir.string());
    ControlMasters masters;
    REQUIRE(masters.control_path());
    CHECK(masters.control_path()->rfind("/tmp/tma-", 0) == 0);
    CHECK(masters.control_path()->size() - 3 <= k_max_control_dir); // "<dir>/%C"
  }
  SECTION("a short runtime dir is used") {
    tma::test::TempDir base;
    tma::test::EnvGuard guard("XDG_RUNTIME_DIR", base.path().string());
    ControlMasters masters;
    REQUIRE(masters.control_path());
    CHECK(masters.control_path()->rfind(base.path().string() + "/tma-", 0) == 0);
    auto dir = std::filesystem::path(*masters.control_path()).parent_path();
    CHECK((std::filesystem::status(dir).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms::owner_all);
  }
}

TEST_CASE("transport::cpu_info_has_aes reads x86 flags and arm64 features") {
  CHECK(cpu_info_has_aes("processor\t: 0\nflags\t\t: fpu vme sse2 pclmulqdq aes avx2 sha_ni\nbugs\t\t: spectre_v1\n"));
  CHECK(cpu_info_has_aes("processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n"));
  CHECK_FALSE(cpu_info_has_aes("flags\t\t: fpu vme sse2 vaes avx2\n"));           // vaes alone is not the flag
  CHECK_FALSE(cpu_info_has_aes("model name\t: Intel aes\nflags\t\t: fpu sse2\n")); // only flags count
  CHECK_FALSE(cpu_info_has_aes(""));
  CHECK(cpu_info_has_aes("flags\t\t: aes"));
}
