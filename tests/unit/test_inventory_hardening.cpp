// Hostile inventories (issue 16): every value that could fail later, crash or reach ssh/a shell is
// refused at load with file:line:col and key.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include <tma/inventory/load.hpp>

#include "support/inventory_text.hpp"
#include "support/paths.hpp"

using namespace tma::inventory;

namespace {

const std::string k_minimal = tma::test::k_minimal_inventory;

std::vector<std::string> errors_of(const std::string& text) { return tma::test::inventory_errors(text); }


std::string with_site_line(const std::string& line) { return k_minimal + "    " + line + "\n"; }

// The one error of `text`, or a note that there was not exactly one.
std::string error_of(const std::string& text) {
  auto errors = errors_of(text);
  if (errors.size() != 1) return "expected one error, got " + std::to_string(errors.size());
  return errors.front();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("ssh.options is an allow list: options that run or load local code are refused", "[unit][inventory]") {
  for (const std::string option :
       {"XAuthLocation=/tmp/evil.sh", "ForwardX11=yes", "PKCS11Provider=/tmp/evil.so", "SecurityKeyProvider=/tmp/x.so",
        "KnownHostsCommand=/bin/id", "LocalCommand=id", "PermitLocalCommand=yes", "ProxyCommand=nc", "ProxyUseFdpass=yes",
        "RemoteCommand=id", "Include=/tmp/x", "IdentityAgent=/tmp/sock", "Match=exec", "proxycommand=x", "ForwardAgent=yes",
        "LocalForward=8080", "ControlPath=/tmp/x", "StrictHostKeyChecking=no", "SendEnv=AWS_SECRET"}) {
    INFO(option);
    auto error = error_of(with_site_line("ssh: {options: [\"" + option + "\"]}"));
    CHECK(contains(error, "sites.yaml:10:21: sites.www.ssh.options[0]: ssh option '" +
                              option.substr(0, option.find('=')) + "' is not one tma passes on"));
  }
  CHECK(contains(error_of(with_site_line("ssh: {options: [\"Match exec id\"]}")), "must look like Key=Value"));
  CHECK(contains(error_of(with_site_line("ssh: {options: [\"Ciphers=aes128-ctr id\"]}")), "no spaces"));
  CHECK(contains(error_of(with_site_line("ssh: {options: [\"Ciphers=$(id)\"]}")), "no spaces"));
  CHECK(errors_of(with_site_line("ssh: {options: [Ciphers=^aes128-gcm@openssh.com, ServerAliveInterval=15, "
                                 "KexAlgorithms=-diffie-hellman-group1-sha1, compression=yes]}"))
            .empty());
}

TEST_CASE("a 30,000-character value is an error, not a crash", "[unit][inventory]") {
  const std::string huge(30000, 'a');
  CHECK(errors_of(with_site_line("tags: [" + huge + "]")).empty()); // a long name is still a name
  CHECK(contains(error_of(with_site_line("tags: [" + huge + "!]")), "sites.www.tags: name 'aaaa"));
  CHECK(contains(error_of(with_site_line("ssh: {options: [\"Ciphers=" + huge + " \"]}")), "no spaces"));
  auto host = k_minimal;
  host.replace(host.find("web1:2222"), 9, huge + "/");
  CHECK(contains(error_of(host), "is not a valid host name or address"));
  CHECK(contains(error_of("agency: {timezone: \"" + huge + "/\"}\n" + k_minimal), "agency.timezone: unknown time zone"));
  CHECK(contains(error_of("agency: {contacts: [{email: \"" + huge + "\"}]}\n" + k_minimal), "is not an email address"));
}

TEST_CASE("raw control characters, escaped ones and invalid UTF-8 are refused with their position", "[unit][inventory]") {
  // A raw NUL in a plain scalar: yaml-cpp used to hand it back as another control character.
  CHECK(error_of(with_site_line(std::string("tags: [a\0b]", 11))) ==
        "sites.yaml:10:13: control character 0x00 in the file (write it as an escape in a quoted string, if at all)");
  CHECK(error_of(with_site_line("tags: [a\x1b[2Jb]")) ==
        "sites.yaml:10:13: control character 0x1B in the file (write it as an escape in a quoted string, if at all)");
  CHECK(error_of(with_site_line("plugins: [\"a\\e]0;x\\ab\"]")) ==
        "sites.yaml:10:15: sites.www.plugins[0]: value contains a control character (only newlines and tabs are "
        "allowed)");
  auto path = k_minimal;
  path.replace(path.find("/srv/www"), 8, "/srv/caf\xe9");
  CHECK(error_of(path) == "sites.yaml:9:82: invalid UTF-8 (byte 0xE9); the inventory must be UTF-8");
  auto escaped = k_minimal;
  escaped.replace(escaped.find("/srv/www"), 8, "\"/srv/caf\\xe9\""); // YAML's \xe9 is U+00E9: valid
  CHECK(errors_of(escaped).empty());
}

TEST_CASE("durations are bounded at load", "[unit][inventory]") {
  CHECK(error_of("defaults: {command_timeout: 20000d}\n" + k_minimal) ==
        "sites.yaml:1:29: defaults.command_timeout: duration '20000d' is out of range (1s..7d)");
  CHECK(error_of("defaults: {command_timeout: 200000d}\n" + k_minimal) ==
        "sites.yaml:1:29: defaults.command_timeout: duration '200000d' is longer than 100 years");
  CHECK(contains(error_of(with_site_line("ssh: {connect_timeout: 0s}")), "duration '0s' is out of range (1s..1h)"));
  CHECK(contains(error_of(with_site_line("ssh: {connect_timeout: 99999999d}")), "is longer than 100 years"));
  CHECK(contains(error_of(with_site_line("health: {tls_warn: 10000d}")), "is out of range (0s..3650d)"));
  auto env = k_minimal;
  env.replace(env.find("path: /srv/www}"), 15, "path: /srv/www, http: {timeout: 2d}}");
  CHECK(contains(error_of(env), "prod.http.timeout: duration '2d' is out of range (1s..1d)"));
  CHECK(errors_of("defaults: {command_timeout: 7d}\n" + k_minimal).empty());
}

TEST_CASE("values that used to fail only later fail at load", "[unit][inventory]") {
  SECTION("journal.ref must be a valid git reference") {
    for (const std::string ref : {"refs/../../x", "refs/heads/a..b", "refs/heads/.x", "refs/heads/x.lock", "refs/heads/a b",
                                  "refs/heads/a~1", "refs//x", "refs/heads/"}) {
      INFO(ref);
      CHECK(contains(error_of("journal: {ref: \"" + ref + "\"}\n" + k_minimal), "is not a valid git reference name"));
    }
    CHECK(errors_of("journal: {ref: refs/heads/tma-journal}\n" + k_minimal).empty());
  }
  SECTION("jump hosts and identity files that would be options or shell words") {
    CHECK(contains(error_of(with_site_line("ssh: {jump: \"-oProxyCommand=id\"}")), "must not start with '-'"));
    CHECK(contains(error_of(with_site_line("ssh: {jump: \"bastion;id\"}")), "is not a valid host name or address"));
    CHECK(errors_of(with_site_line("ssh: {jump: \"ops@bastion:2222,[::1]:22\"}")).empty());
    for (const std::string path : {"-oProxyCommand=id", "~/.ssh/id ed", "$(id)", "/k`id`", "%d/key"}) {
      INFO(path);
      CHECK(contains(error_of(with_site_line("ssh: {identity_file: \"" + path + "\"}")),
                     "must be a path without a leading '-'"));
      CHECK(contains(error_of(with_site_line("ssh: {known_hosts: \"" + path + "\"}")), "sites.www.ssh.known_hosts"));
    }
    CHECK(errors_of(with_site_line("ssh: {identity_file: ~/.ssh/id_ed25519, known_hosts: /etc/tma/known_hosts}")).empty());
  }
  SECTION("URLs with CR/LF or spaces") {
    auto url = k_minimal;
    url.replace(url.find("\"https://acme.example\""), 22, "\"https://acme.example/\\r\\nX-Evil: 1\"");
    CHECK(contains(error_of(url), "sites.www.environments.prod.url: value contains a control character"));
    CHECK(contains(error_of(with_site_line("backup: {method: http, trigger: {url: \"https://p.example/\\nx\"}}")),
                   "sites.www.backup.trigger.url: not an http:// or https:// URL"));
    CHECK(contains(error_of("sources: {wordpress_api: \"https://api.example/ x\"}\n" + k_minimal), "sources.wordpress_api"));
  }
  SECTION("a second YAML document") {
    CHECK(error_of(k_minimal + "---\nclients: {}\n") ==
          "sites.yaml:11:1: a second YAML document ('---'): the inventory is one document; merge it into the first");
  }
}

TEST_CASE("an inventory over the size limit is refused with a clear error", "[unit][inventory]") {
  std::string big = k_minimal + "# " + std::string(k_max_inventory_bytes, 'x') + "\n";
  CHECK(error_of(big) == "sites.yaml: the inventory is larger than 8 MiB; split the portfolio into several inventories");
}

TEST_CASE("a stray ',' that makes yaml-cpp loop without bound is an error, not an allocation", "[unit][inventory]") {
  // yaml-cpp 0.7 emits null nodes forever on these; before the guard, each one grew the process
  // until it died (the fuzz finding tests/fuzz/findings/inventory-yaml-cpp-memory.yaml).
  for (const std::string& text : std::vector<std::string>{",", "\"a\",", "[a],", "clients: {}\n,\n", k_minimal + ",\n"}) {
    INFO(text);
    auto errors = errors_of(text);
    REQUIRE(errors.size() == 1);
    CHECK(contains(errors.front(), "invalid YAML"));
  }
  std::ifstream in(std::string(TMA_SOURCE_DIR) + "/tests/fuzz/findings/inventory-yaml-cpp-memory.yaml");
  REQUIRE(in);
  std::stringstream finding;
  finding << in.rdbuf();
  REQUIRE(finding.str().size() > 1000);
  auto error = error_of(finding.str());
  CHECK(contains(error, "sites.yaml:"));
  CHECK(contains(error, "invalid YAML"));
}

TEST_CASE("the YAML guard leaves room for the densest valid YAML", "[unit][inventory]") {
  // Empty entries and one-letter flow items are the most parser events per byte YAML allows;
  // they must reach the inventory's own checks (here: a list where a map is expected), not the guard.
  std::string nulls = "clients:\n";
  std::string flow = "clients: [";
  for (int i = 0; i < 20000; ++i) {
    nulls += "-\n";
    flow += i ? ",a" : "a";
  }
  flow += "]\n";
  for (const auto& text : {nulls, flow}) {
    auto errors = errors_of(text);
    REQUIRE_FALSE(errors.empty());
    for (const auto& e : errors) CHECK_FALSE(contains(e, "invalid YAML"));
  }
}
