#include <catch2/catch.hpp>

#include <tma/core/redact.hpp>
#include <tma/inventory/load.hpp>
#include <tma/transport/secret.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using namespace tma;

TEST_CASE("a password command is run without a shell and its output is secret", "[unit][transport]") {
  core::clear_secrets_for_testing();
  test::TempDir dir;
  auto script = dir.write("pass.sh", "#!/bin/sh\nprintf 'from-command-%s\\n' \"$1\"\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  inventory::Secret secret;
  secret.command = {script, "$(id) ; rm -rf /"}; // reaches the program as one literal argument
  secret.mark = {"sites.yaml", 3, 7};
  auto value = transport::resolve_secret(secret, "storage.offsite.password");
  REQUIRE(value);
  CHECK(*value == "from-command-$(id) ; rm -rf /");
  CHECK(core::redact("x " + *value) == "x ***");
  core::clear_secrets_for_testing();
}

TEST_CASE("a failing password command names the key, never the value", "[unit][transport]") {
  inventory::Secret failing;
  failing.command = {"/bin/false"};
  failing.mark = {"sites.yaml", 9, 5};
  auto error = transport::resolve_secret(failing, "notify.channels.mail.password");
  REQUIRE_FALSE(error);
  CHECK(error.error().message.rfind("sites.yaml:9:5: notify.channels.mail.password_command: ", 0) == 0);

  inventory::Secret silent;
  silent.command = {"/bin/true"};
  silent.mark = {"sites.yaml", 2, 1};
  auto empty = transport::resolve_secret(silent, "k");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "sites.yaml:2:1: k_command: '/bin/true' printed nothing");

  inventory::Secret literal;
  literal.value = "plain";
  CHECK(*transport::resolve_secret(literal, "k") == "plain");
}

TEST_CASE("tma inventory check --secrets runs every command secret", "[e2e]") {
  test::TempDir dir;
  const std::string canary = "canary-from-pass-91c2";
  auto good = dir.write("good.sh", "#!/bin/sh\necho " + canary + "\n");
  auto bad = dir.write("bad.sh", "#!/bin/sh\necho 'pass: no such entry' >&2\nexit 3\n");
  std::filesystem::permissions(good, std::filesystem::perms::owner_all);
  std::filesystem::permissions(bad, std::filesystem::perms::owner_all);
  auto inventory = [&](const std::string& program) {
    return "storage:\n  offsite: {type: restic, repository: /srv/r, password_command: [\"" + program +
           "\"]}\nclients:\n  a: {contract: {model: on_demand, rate: 1}}\nsites:\n  s:\n    client: a\n    cms: static\n"
           "    environments: {prod: {url: \"https://s.example\"}}\n    backup: {method: custom, commands: {site: [cat, /dev/null]}, storage: [offsite]}\n";
  };
  auto ok_path = dir.write("ok.yaml", inventory(good));
  auto r = test::run_tma({"inventory", "check", "--secrets", "-i", ok_path});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("1 secret command ran") != std::string::npos);
  CHECK(r.out.find(canary) == std::string::npos);

  // A failing command is an error naming the key, the exit code and what the program said.
  auto bad_path = dir.write("bad.yaml", inventory(bad));
  auto failed = test::run_tma({"inventory", "check", "--secrets", "-i", bad_path});
  CHECK(failed.exit_code == 78);
  CHECK(failed.err.find("storage.offsite.password_command") != std::string::npos);
  CHECK(failed.err.find("exit code 3") != std::string::npos);
  CHECK(failed.err.find("pass: no such entry") != std::string::npos);
}

TEST_CASE("inventory_secrets lists the database passwords, a secret of defaults once", "[unit][transport]") {
  const std::string text = R"(clients:
  a: {contract: {model: on_demand, rate: 1}}
defaults:
  backup: {paths: [], database: {user: u, password_command: [pass, show, db], name: shared}}
sites:
  s1:
    client: a
    cms: static
    environments:
      prod: {url: "https://s1.example", ssh: web1, path: /srv/s1}
      preprod: {url: "https://pre.s1.example", ssh: web1, path: /srv/pre, database: {user: u, password: "${PRE_PW}", name: pre}}
  s2:
    client: a
    cms: static
    environments:
      prod: {url: "https://s2.example", ssh: web2, path: /srv/s2}
)";
  auto loaded = inventory::load_inventory_text(text, "sites.yaml", [](const std::string& name) -> std::optional<std::string> {
    if (name == "PRE_PW") return std::string("pre-secret");
    return std::nullopt;
  });
  REQUIRE(loaded);
  std::vector<std::string> keys;
  for (const auto& named : transport::inventory_secrets(loaded->inventory)) keys.push_back(named.key);
  CHECK(keys == std::vector<std::string>{"sites.s1.backup.database.password",
                                         "sites.s1.environments.preprod.database.password"});
  core::clear_secrets_for_testing();
}
