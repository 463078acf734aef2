#include <catch2/catch.hpp>

#include <map>

#include <tma/core/redact.hpp>
#include <tma/inventory/load.hpp>

#include "support/inventory_text.hpp"
#include "support/paths.hpp"

using namespace tma::inventory;

namespace {

const std::string k_minimal = tma::test::k_minimal_inventory;

std::vector<std::string> errors_of(const std::string& text, std::map<std::string, std::string> env = {}) {
  return tma::test::inventory_errors(text, std::move(env));
}


// The minimal inventory with `line` appended under `sites.www` (indented 4).
std::string with_site_line(const std::string& line) { return std::string(k_minimal) + "    " + line + "\n"; }

} // namespace

TEST_CASE("the example inventory loads", "[unit][inventory]") {
  auto result = load_inventory(std::string(TMA_FIXTURES) + "/inventories/example.yaml", tma::test::env_of({}));
  REQUIRE(result);
  const auto& inv = result->inventory;
  CHECK(inv.clients.size() == 3);
  CHECK(inv.sites.size() == 5);
  CHECK(inv.agency.timezone == "Europe/Paris");
  const auto* www = inv.site("acme-www");
  REQUIRE(www);
  CHECK(www->criticality == Criticality::critical);
  REQUIRE(www->environments.size() == 2);
  CHECK(www->environments[0].name == "prod"); // prod first whatever the file order
  CHECK(www->environments[0].ssh->port == 2222);
  CHECK(www->environments[0].ssh->user == "deploy");
  CHECK(www->environments[0].binary("wp") == "/usr/local/bin/wp");
  CHECK(www->environments[1].binary("wp") == "wp");
  CHECK(www->checks.size() == 3);
  CHECK(www->backup.storage == std::vector<std::string>{"local", "offsite"});
  CHECK(www->backup.keep.monthly == 12); // from defaults
  const auto* blog = inv.site("acme-blog");
  CHECK(blog->backup.keep.daily == 14);
  CHECK(blog->backup.keep.weekly == 0); // keep replaces the default policy as a whole
  CHECK(blog->environments[0].ssh->host_key_checking == HostKeyChecking::accept_new);
  CHECK(blog->environments[0].ssh->options == std::vector<std::string>{"ServerAliveInterval=15"});
  const auto* lyceum = inv.client("lyceum");
  REQUIRE(lyceum);
  CHECK(lyceum->contract.model == ContractModel::hour_bank);
  CHECK(lyceum->contract.packs.size() == 2);
  CHECK(lyceum->contract.packs[0].price == 160000);
  CHECK(inv.client("acme")->contract.included.count() == 4 * 3600);
  CHECK(inv.client("bistro")->contract.increment.count() == 900);
  CHECK(inv.storage.at("offsite").password.command == std::vector<std::string>{"cat", "/etc/tma/restic-password"});
  CHECK(inv.site("bistro-site")->environments[0].ssh == std::nullopt);
}

TEST_CASE("each kind of mistake names file, line, column and key", "[unit][inventory]") {
  SECTION("unknown key with a suggestion") {
    CHECK(errors_of(with_site_line("tagz: [a]")) ==
          std::vector<std::string>{"sites.yaml:10:5: sites.www.tagz: unknown key (did you mean 'tags'?)"});
  }
  SECTION("wrong type") {
    CHECK(errors_of(with_site_line("tags: oops")) ==
          std::vector<std::string>{"sites.yaml:10:11: sites.www.tags: expected a list of strings, got a scalar"});
  }
  SECTION("unknown client") {
    auto text = std::string(k_minimal);
    text.replace(text.find("client: acme"), 12, "client: acne");
    CHECK(errors_of(text) ==
          std::vector<std::string>{"sites.yaml:6:13: sites.www.client: unknown client 'acne' (did you mean 'acme'?)"});
  }
  SECTION("a host starting with -") {
    auto text = std::string(k_minimal);
    text.replace(text.find("deploy@web1:2222"), 16, "-oProxyCommand=x");
    CHECK(errors_of(text) == std::vector<std::string>{
                                 "sites.yaml:9:48: sites.www.environments.prod.ssh: host '-oProxyCommand=x' must not "
                                 "start with '-'"});
  }
  SECTION("a name starting with -") {
    auto text = std::string(k_minimal) + "  -www:\n    client: acme\n";
    CHECK(errors_of(text) == std::vector<std::string>{"sites.yaml:10:3: sites.-www: name '-www' must not start with '-'"});
  }
  SECTION("an environment without url") {
    auto text = std::string(k_minimal);
    text.replace(text.find("url: \"https://acme.example\", "), 29, "");
    CHECK(errors_of(text) == std::vector<std::string>{
                                 "sites.yaml:9:13: sites.www.environments.prod.url: required key is missing"});
  }
  SECTION("duplicate names") {
    auto text = std::string(k_minimal) + "  www:\n    client: acme\n";
    CHECK(errors_of(text) == std::vector<std::string>{"sites.yaml:10:3: sites.www: duplicate key 'www'"});
  }
  SECTION("strict durations") {
    CHECK(errors_of(with_site_line("health: {tls_warn: 14 days}")) ==
          std::vector<std::string>{"sites.yaml:10:24: sites.www.health.tls_warn: invalid duration '14 days' (expected "
                                   "e.g. 90s, 15m, 4h, 1d, 1h30m)"});
  }
  SECTION("ssh options outside the allow list are refused") {
    CHECK(errors_of(with_site_line("ssh: {options: [ProxyCommand=nc %h %p]}")) ==
          std::vector<std::string>{"sites.yaml:10:21: sites.www.ssh.options[0]: ssh option 'ProxyCommand' is not one "
                                   "tma passes on (see 'ssh.options' in docs/inventory.md); set it in ~/.ssh/config"});
    CHECK(errors_of(with_site_line("ssh: {options: [LocalCommand=id]}")) ==
          std::vector<std::string>{"sites.yaml:10:21: sites.www.ssh.options[0]: ssh option 'LocalCommand' is not one "
                                   "tma passes on (see 'ssh.options' in docs/inventory.md); set it in ~/.ssh/config"});
  }
  SECTION("NUL bytes are refused") {
    CHECK(errors_of(with_site_line("tags: [\"a\\0b\"]")) ==
          std::vector<std::string>{"sites.yaml:10:12: sites.www.tags[0]: value contains a NUL byte"});
  }
  SECTION("invalid YAML") {
    CHECK(errors_of("clients: [\n") ==
          std::vector<std::string>{"sites.yaml:2:1: invalid YAML: end of sequence flow not found"});
  }
  SECTION("contract keys depend on the model") {
    auto text = std::string(k_minimal);
    text.replace(text.find("{model: on_demand, rate: 90}"), 28, "{model: subscription, monthly_fee: 10, included_hours: 2h, rate: 3}");
    CHECK(errors_of(text) == std::vector<std::string>{"sites.yaml:3:74: clients.acme.contract.rate: unknown key"});
  }
}

TEST_CASE("several mistakes are reported together, in file order", "[unit][inventory]") {
  auto text = std::string(k_minimal) + "    cms: joomla\n    tagz: []\n    criticality: urgent\n";
  auto errors = errors_of(text);
  CHECK(errors == std::vector<std::string>{
                      "sites.yaml:10:5: sites.www.cms: duplicate key 'cms'",
                      "sites.yaml:11:5: sites.www.tagz: unknown key (did you mean 'tags'?)",
                      "sites.yaml:12:18: sites.www.criticality: 'urgent' is not one of critical, major, minor"});
}

TEST_CASE("${VAR} interpolation and secrets", "[unit][inventory]") {
  tma::core::clear_secrets_for_testing();
  SECTION("a defined variable expands and becomes a secret") {
    auto text = with_site_line("plugins: [\"${PLUGIN_SECRET}\"]");
    auto result = load_inventory_text(text, "sites.yaml", tma::test::env_of({{"PLUGIN_SECRET", "canary-7f3a9"}}));
    REQUIRE(result);
    CHECK(result->inventory.site("www")->plugins == std::vector<std::string>{"canary-7f3a9"});
    CHECK(tma::core::redact("x canary-7f3a9 y") == "x *** y");
  }
  SECTION("a default applies when unset") {
    auto result = load_inventory_text(with_site_line("plugins: [\"${NOPE:-fallback}\"]"), "sites.yaml", tma::test::env_of({}));
    REQUIRE(result);
    CHECK(result->inventory.site("www")->plugins[0] == "fallback");
  }
  SECTION("$${ is a literal") {
    auto result = load_inventory_text(with_site_line("plugins: [\"$${HOME} and $5\"]"), "sites.yaml", tma::test::env_of({}));
    REQUIRE(result);
    CHECK(result->inventory.site("www")->plugins[0] == "${HOME} and $5");
  }
  SECTION("an undefined variable names the key") {
    CHECK(errors_of(with_site_line("plugins: [\"${MISSING_TOKEN}\"]")) ==
          std::vector<std::string>{"sites.yaml:10:15: sites.www.plugins[0]: environment variable 'MISSING_TOKEN' is not "
                                   "set (use '${MISSING_TOKEN:-default}' for a default)"});
  }
  SECTION("the value never appears in an error") {
    auto errors = errors_of(with_site_line("health: {tls_warn: \"${TLS_SECRET}\"}"), {{"TLS_SECRET", "sekrit-value-42"}});
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == "sites.yaml:10:24: sites.www.health.tls_warn: invalid duration '***' (expected e.g. 90s, 15m, 4h, "
                       "1d, 1h30m)");
  }
  tma::core::clear_secrets_for_testing();
}

TEST_CASE("warnings do not fail the load", "[unit][inventory]") {
  auto result = load_inventory_text(k_minimal, "sites.yaml", tma::test::env_of({}));
  REQUIRE(result);
  std::vector<std::string> warnings;
  for (const auto& w : result->warnings) warnings.push_back(w.str());
  CHECK(warnings == std::vector<std::string>{
                        "sites.yaml:5:3: sites.www: no backup policy (set defaults.backup or backup:)",
                        "sites.yaml:5:3: sites.www: no preprod environment: 'tma update' will need --skip-preprod "
                        "(say 'preprod: none' if on purpose)"});
}

TEST_CASE("preprod: none silences the no-preprod warning and nothing else", "[unit][inventory]") {
  auto result = load_inventory_text(with_site_line("preprod: none"), "sites.yaml", tma::test::env_of({}));
  REQUIRE(result);
  std::vector<std::string> warnings;
  for (const auto& w : result->warnings) warnings.push_back(w.str());
  CHECK(warnings == std::vector<std::string>{"sites.yaml:5:3: sites.www: no backup policy (set defaults.backup or backup:)"});
  // Any other value, or a preprod environment as well, is an error.
  auto typo = errors_of(with_site_line("preprod: nope"));
  REQUIRE(typo.size() == 1);
  CHECK(typo[0].find("sites.www.preprod") != std::string::npos);
  auto both = errors_of(k_minimal + "      preprod: {url: \"https://pre.example\", ssh: web1, path: /srv/pre}\n" +
                        "    preprod: none\n");
  REQUIRE(both.size() == 1);
  CHECK(both[0] == "sites.yaml:11:14: sites.www.preprod: 'preprod: none' but the site has a 'preprod' environment");
}

TEST_CASE("a missing inventory file is a clear error", "[unit][inventory]") {
  auto result = load_inventory("/nonexistent/sites.yaml", tma::test::env_of({}));
  REQUIRE_FALSE(result);
  CHECK(result.error()[0].str() ==
        "/nonexistent/sites.yaml: inventory does not exist (give -i FILE or set TMA_INVENTORY)");
}

TEST_CASE("ssh.prefer_aes_gcm: on by default, off per site, a non-boolean is an error", "[unit][inventory]") {
  auto on = load_inventory_text(k_minimal, "sites.yaml", tma::test::env_of({}));
  REQUIRE(on);
  CHECK(on->inventory.site("www")->environments[0].ssh->prefer_aes_gcm);
  auto off = load_inventory_text(with_site_line("ssh: {prefer_aes_gcm: false}"), "sites.yaml", tma::test::env_of({}));
  REQUIRE(off);
  CHECK_FALSE(off->inventory.site("www")->environments[0].ssh->prefer_aes_gcm);
  auto errors = errors_of(with_site_line("ssh: {prefer_aes_gcm: sometimes}"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("sites.yaml:10:", 0) == 0);
  CHECK(errors[0].find("sites.www.ssh.prefer_aes_gcm") != std::string::npos);
}

TEST_CASE("ssh port and user stay unset unless the inventory writes them", "[unit][inventory]") {
  // Unset, they are left to ~/.ssh/config (no -p/-l on ssh's command line).
  std::string alias = k_minimal;
  alias.replace(alias.find("deploy@web1:2222"), std::string("deploy@web1:2222").size(), "acme-prod");
  auto plain = load_inventory_text(alias, "sites.yaml", tma::test::env_of({}));
  REQUIRE(plain);
  const auto& ssh = *plain->inventory.site("www")->environments[0].ssh;
  CHECK(ssh.host == "acme-prod");
  CHECK(ssh.port == std::nullopt);
  CHECK(ssh.user.empty());
  auto written = load_inventory_text("defaults:\n  ssh: {user: ops, port: 2200}\n" + alias, "sites.yaml",
                                     tma::test::env_of({}));
  REQUIRE(written);
  CHECK(written->inventory.site("www")->environments[0].ssh->port == 2200);
  CHECK(written->inventory.site("www")->environments[0].ssh->user == "ops");
  auto target = load_inventory_text(k_minimal, "sites.yaml", tma::test::env_of({}));
  REQUIRE(target);
  CHECK(target->inventory.site("www")->environments[0].ssh->port == 2222);
}

TEST_CASE("backup.compress_on: auto by default, server or local, anything else an error", "[unit][inventory]") {
  auto plain = load_inventory_text(k_minimal, "sites.yaml", tma::test::env_of({}));
  REQUIRE(plain);
  CHECK(plain->inventory.site("www")->backup.compress_on == CompressOn::automatic);
  auto local = load_inventory_text(with_site_line("backup: {compress_on: local}"), "sites.yaml", tma::test::env_of({}));
  REQUIRE(local);
  CHECK(local->inventory.site("www")->backup.compress_on == CompressOn::local);
  auto errors = errors_of(with_site_line("backup: {compress_on: elsewhere}"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("sites.www.backup.compress_on") != std::string::npos);
}

TEST_CASE("updates.min_release_age: none by default and set by defaults then overridden per site", "[unit][inventory][release_age]") {
  auto plain = load_inventory_text(k_minimal, "sites.yaml", tma::test::env_of({}));
  REQUIRE(plain);
  CHECK(plain->inventory.site("www")->updates.min_release_age == Seconds{0});
  auto defaults = load_inventory_text("defaults:\n  updates: {min_release_age: 3d}\n" + k_minimal, "sites.yaml",
                                      tma::test::env_of({}));
  REQUIRE(defaults);
  CHECK(defaults->inventory.site("www")->updates.min_release_age == Seconds{3 * 86400});
  auto site = load_inventory_text("defaults:\n  updates: {min_release_age: 3d}\n" + with_site_line("updates: {min_release_age: 0s}"),
                                  "sites.yaml", tma::test::env_of({}));
  REQUIRE(site);
  CHECK(site->inventory.site("www")->updates.min_release_age == Seconds{0});
}

TEST_CASE("updates.min_release_age: a bad duration names file line column and key", "[unit][inventory][release_age]") {
  CHECK(errors_of(with_site_line("updates: {min_release_age: 3 days}")) ==
        std::vector<std::string>{"sites.yaml:10:32: sites.www.updates.min_release_age: invalid duration '3 days' (expected e.g. 90s, 15m, 4h, 1d, 1h30m)"});
  auto too_long = errors_of(with_site_line("updates: {min_release_age: 400d}"));
  REQUIRE(too_long.size() == 1);
  CHECK(too_long[0] == "sites.yaml:10:32: sites.www.updates.min_release_age: duration '400d' is out of range (0s..365d)");
}
