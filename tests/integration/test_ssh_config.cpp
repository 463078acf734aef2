// The user's ssh config keeps deciding what the inventory leaves unsaid: the real OpenSSH client
// resolves tma's argv (`ssh -G`, which prints the resulting configuration without connecting) against
// a private config whose Host block sets Port, User and ProxyJump.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include <tma/transport/process.hpp>
#include <tma/transport/ssh_transport.hpp>

#include "support/inventory_text.hpp"
#include "support/temp_dir.hpp"

using namespace tma::transport;

namespace {

constexpr const char* k_config = R"(Host acme-prod
  HostName 192.0.2.10
  Port 2222
  User www-acme
  ProxyJump jump@bastion.example:2022
)";

// The inventory's `environments:` line for prod, in a minimal inventory.
tma::inventory::SshTarget target_of(const std::string& ssh) {
  std::string text = tma::test::k_minimal_inventory;
  auto at = text.find("\"deploy@web1:2222\"");
  text.replace(at, std::string("\"deploy@web1:2222\"").size(), ssh);
  auto loaded = tma::test::load_text(text);
  REQUIRE(loaded);
  return *loaded->inventory.site("www")->environments[0].ssh;
}

// What `ssh -G -F config` resolves for tma's argv (options and destination; no remote command).
std::map<std::string, std::string> resolved(const tma::inventory::SshTarget& target, const std::string& config) {
  SshSettings settings;
  settings.hardware_aes = false;
  auto argv = ssh_base_argv(target, settings, std::nullopt, Multiplex::off);
  REQUIRE(argv);
  argv->insert(argv->begin() + 1, {"-G", "-F", config});
  auto out = capture(*argv);
  REQUIRE(out);
  INFO(out->result.stderr_tail);
  REQUIRE(out->result.ok());
  std::map<std::string, std::string> values;
  std::istringstream lines(out->out);
  for (std::string line; std::getline(lines, line);) {
    auto space = line.find(' ');
    if (space != std::string::npos) values[line.substr(0, space)] = line.substr(space + 1);
  }
  return values;
}

} // namespace

TEST_CASE("ssh config: Port User and ProxyJump of a Host alias survive tma's argv", "[integration][ssh]") {
  tma::test::TempDir dir;
  auto config = dir.write("ssh_config", k_config);

  SECTION("the inventory names only the alias: the config decides") {
    auto values = resolved(target_of("acme-prod"), config);
    CHECK(values["hostname"] == "192.0.2.10");
    CHECK(values["port"] == "2222");
    CHECK(values["user"] == "www-acme");
    CHECK(values["proxyjump"] == "jump@bastion.example:2022");
    CHECK(values["batchmode"] == "yes"); // tma's own options still apply
  }
  SECTION("user and port written in the target win") {
    auto values = resolved(target_of("deploy@acme-prod:2200"), config);
    CHECK(values["hostname"] == "192.0.2.10");
    CHECK(values["port"] == "2200");
    CHECK(values["user"] == "deploy");
    CHECK(values["proxyjump"] == "jump@bastion.example:2022");
  }
  SECTION("ssh.user, ssh.port and ssh.jump keys win too") {
    auto values = resolved(target_of("{target: acme-prod, user: ops, port: 2201, jump: other.example}"), config);
    CHECK(values["port"] == "2201");
    CHECK(values["user"] == "ops");
    CHECK(values["proxyjump"] == "other.example");
  }
}
