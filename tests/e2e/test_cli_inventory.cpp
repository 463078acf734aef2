// End to end: the built `tma` binary on fixture inventories.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using tma::test::run_tma;

namespace {
const std::string k_example = std::string(TMA_FIXTURES) + "/inventories/example.yaml";

const char* k_canary_inventory = R"(clients:
  acme:
    contract: {model: on_demand, rate: 90}
notify:
  channels:
    team: {type: webhook, url: "https://hooks.example/${CANARY}"}
sites:
  www:
    client: acme
    cms: wordpress
    plugins: ["${CANARY}"]
    environments:
      prod: {url: "https://acme.example/?k=${CANARY}", ssh: "deploy@web1", path: /srv/www}
    backup:
      method: http
      trigger: {url: "https://panel.example/api", headers: {Authorization: "Bearer ${CANARY}"}}
)";
} // namespace

TEST_CASE("tma --version and --help", "[e2e]") {
  auto version = run_tma({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("tma ", 0) == 0);
  auto help = run_tma({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("inventory") != std::string::npos);
  CHECK(help.out.find("sites") != std::string::npos);
}

TEST_CASE("tma alone and tma help print help and mistakes get a suggestion", "[e2e]") {
  auto none = run_tma({});
  CHECK(none.exit_code == 0);
  CHECK(none.out.find("Usage:") != std::string::npos);
  CHECK(none.out.find("update") != std::string::npos);
  CHECK(none.err.find("subcommand is required") == std::string::npos);
  auto help = run_tma({"help", "hours", "log"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Record time spent") != std::string::npos);
  CHECK(help.out.find("Exit codes:") != std::string::npos);
  auto check_help = run_tma({"check", "--help"});
  CHECK(check_help.exit_code == 0);
  CHECK(check_help.out.find("Examples:") != std::string::npos);
  CHECK(check_help.out.find("Selection") != std::string::npos);
  auto no_such = run_tma({"help", "hours", "lgo"});
  CHECK(no_such.exit_code == 64);
  CHECK(no_such.err.find("did you mean 'log'?") != std::string::npos);
  auto typo = run_tma({"chekc", "--all"});
  CHECK(typo.exit_code == 64);
  CHECK(typo.err.find("unknown command 'chekc' (did you mean 'check'?)") != std::string::npos);
  auto option = run_tma({"-i", k_example, "update", "--dryrun"});
  CHECK(option.exit_code == 64);
  CHECK(option.err.find("tma update has no option '--dryrun' (did you mean '--dry-run'?)") != std::string::npos);
  auto format = run_tma({"-i", k_example, "hours", "summary", "--format", "csv"});
  CHECK(format.exit_code == 64);
  CHECK(format.err.find("'csv' is not a format of this command (it has table, json)") != std::string::npos);
  CHECK(format.err.find("Check csv value") == std::string::npos);
}

TEST_CASE("tma completion and the manual page come from the command tree", "[e2e]") {
  auto bash = run_tma({"completion", "bash"});
  REQUIRE(bash.exit_code == 0);
  CHECK(bash.out.find("complete -F _tma tma") != std::string::npos);
  CHECK(bash.out.find("'hours') words='log list summary") != std::string::npos);
  auto fish = run_tma({"completion", "fish"});
  REQUIRE(fish.exit_code == 0);
  CHECK(fish.out.find("-l dry-run") != std::string::npos);
  auto names = run_tma({"-i", k_example, "__complete", "sites"});
  CHECK(names.exit_code == 0);
  CHECK(names.out.find("acme-www\n") != std::string::npos);
  auto nothing = run_tma({"-i", "/nonexistent/sites.yaml", "__complete", "sites"});
  CHECK(nothing.out.empty());
  // The bash script completes in a real bash: commands, then site names of the inventory given by -i.
  auto dir = std::string(TMA_BINARY).substr(0, std::string(TMA_BINARY).rfind('/'));
  auto script = "PATH=" + dir + ":$PATH; source <(tma completion bash); "
                "COMP_WORDS=(tma che); COMP_CWORD=1; _tma; echo \"[${COMPREPLY[*]}]\"; "
                "COMP_WORDS=(tma -i " + k_example + " check --site acme); COMP_CWORD=5; _tma; echo \"[${COMPREPLY[*]}]\"";
  auto completed = tma::test::run_program({"bash", "-c", script});
  INFO(completed.err);
  CHECK(completed.out == "[check]\n[acme-blog acme-www]\n");
  auto man = run_tma({"help", "--man"});
  REQUIRE(man.exit_code == 0);
  CHECK(man.out.rfind(".TH TMA 1", 0) == 0);
  CHECK(man.out.find("tma hours log") != std::string::npos);
}

TEST_CASE("usage errors exit 64", "[e2e]") {
  auto unknown = run_tma({"frobnicate"});
  CHECK(unknown.exit_code == 64);
  CHECK(unknown.err.find("tma: error:") != std::string::npos);
  auto bad_format = run_tma({"-i", k_example, "sites", "--format", "xml"});
  CHECK(bad_format.exit_code == 64);
}

TEST_CASE("tma inventory check on the example", "[e2e]") {
  auto r = run_tma({"inventory", "check", "-i", k_example});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ok: 3 clients, 5 sites, 7 environments, 1 warning") != std::string::npos);
  CHECK(r.out.find("warning: " + k_example + ":") != std::string::npos);

  auto json = run_tma({"inventory", "check", "-i", k_example, "--format", "json"});
  CHECK(json.exit_code == 0);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["schema"] == 1);
  CHECK(doc["valid"] == true);
  CHECK(doc["sites"] == 5);
  CHECK(doc["warnings"].size() == 1);
}

TEST_CASE("tma init's starter inventory passes its own check without a warning", "[e2e]") {
  tma::test::TempDir dir;
  std::map<std::string, std::optional<std::string>> env{{"TMA_INVENTORY", std::nullopt},
                                                        {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};
  auto init = run_tma({"init", dir.file("agency")}, env, dir.path().string());
  REQUIRE(init.exit_code == 0);
  auto r = run_tma({"inventory", "check"}, env, dir.file("agency"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ok: 1 client, 1 site, 1 environment, 0 warnings") != std::string::npos);
  CHECK(r.out.find("warning:") == std::string::npos);
  CHECK(r.err.find("warning") == std::string::npos);
  auto json = nlohmann::json::parse(run_tma({"inventory", "check", "--format", "json"}, env, dir.file("agency")).out);
  CHECK(json["warnings"].empty());
}

TEST_CASE("tma inventory check reports every error and exits 78", "[e2e]") {
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", "clients:\n  acme:\n    contract: {model: on_demand, rate: 90}\nsites:\n"
                                      "  www:\n    client: acmee\n    cms: wordpress\n    environments:\n"
                                      "      prod: {urll: \"https://x\"}\n");
  auto r = run_tma({"inventory", "check", "-i", path});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find(path + ":6:13: sites.www.client: unknown client 'acmee' (did you mean 'acme'?)") != std::string::npos);
  CHECK(r.err.find(path + ":9:13: sites.www.environments.prod.url: required key is missing") != std::string::npos);
  CHECK(r.err.find(path + ":9:14: sites.www.environments.prod.urll: unknown key (did you mean 'url'?)") != std::string::npos);
  CHECK(r.err.find("3 errors in " + path) != std::string::npos);
  // Any other command refuses the same inventory with the same exit code.
  auto sites = run_tma({"sites", "-i", path});
  CHECK(sites.exit_code == 78);
  CHECK(sites.err.find("unknown client 'acmee'") != std::string::npos);
}

TEST_CASE("tma sites lists sites as a table and as JSON", "[e2e]") {
  auto table = run_tma({"sites", "-i", k_example});
  CHECK(table.exit_code == 0);
  CHECK(table.out.rfind("SITE", 0) == 0);
  CHECK(table.out.find("acme-www       acme    wordpress  prod,preprod") != std::string::npos);
  CHECK(table.out.find("\033[") == std::string::npos); // not a TTY: no colour

  auto json = run_tma({"sites", "-i", k_example, "--format", "json", "--client", "lyceum"});
  CHECK(json.exit_code == 0);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["schema"] == 1);
  CHECK(doc.contains("tma_version"));
  CHECK(doc.contains("generated_at"));
  REQUIRE(doc["sites"].size() == 2);
  CHECK(doc["sites"][0]["site"] == "lyceum-docs");
  CHECK(doc["sites"][1]["environments"][0]["name"] == "prod");
  CHECK(doc["sites"][1]["environments"][0]["transport"] == "ssh");

  auto verbose = run_tma({"sites", "-v", "-i", k_example, "--site", "acme-www"});
  CHECK(verbose.out.find("acme-www  preprod  deploy@web1.acme.example:2222") != std::string::npos);
}

TEST_CASE("tma sites --format csv: a header then one record per site", "[e2e]") {
  auto r = run_tma({"sites", "-i", k_example, "--client", "acme", "--format", "csv"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "SITE,CLIENT,CMS,ENVS,TAGS,BACKUP,UPDATES\n"
                 "acme-blog,acme,wordpress,prod,blog,daily 02:30 (ssh),weekly mon 09:00\n"
                 "acme-www,acme,wordpress,\"prod,preprod\",\"woocommerce,critical-path\",daily 02:30 (ssh),weekly mon 09:00\n");
  auto envs = run_tma({"sites", "-v", "-i", k_example, "--site", "acme-www", "--format", "csv"});
  CHECK(envs.exit_code == 0);
  CHECK(envs.out.find("acme-www,prod,") != std::string::npos);
}

TEST_CASE("tma sites selection errors suggest names", "[e2e]") {
  auto r = run_tma({"sites", "-i", k_example, "--site", "acme-ww"});
  CHECK(r.exit_code == 64);
  CHECK(r.err == "tma: error: unknown site 'acme-ww' (did you mean 'acme-www'?)\n");
  auto env = run_tma({"sites", "-i", k_example, "--env", "preprod", "--format", "json"});
  CHECK(env.exit_code == 0);
  CHECK(nlohmann::json::parse(env.out)["sites"].size() == 2);
}

TEST_CASE("the inventory is found through -i, TMA_INVENTORY or sites.yaml here or in a parent", "[e2e]") {
  tma::test::TempDir dir;
  dir.write("sites.yaml", tma::test::read_file(k_example));
  auto from_cwd = run_tma({"sites"}, {{"TMA_INVENTORY", std::nullopt}}, dir.path().string());
  CHECK(from_cwd.exit_code == 0);
  // Like git: from a folder deep inside the agency directory.
  std::filesystem::create_directories(dir.path() / "clients" / "acme");
  auto from_child = run_tma({"sites", "--format", "json"}, {{"TMA_INVENTORY", std::nullopt}},
                            (dir.path() / "clients" / "acme").string());
  CHECK(from_child.exit_code == 0);
  CHECK(from_child.out.find("acme-www") != std::string::npos);
  auto from_env = run_tma({"sites"}, {{"TMA_INVENTORY", k_example}}, "/");
  CHECK(from_env.exit_code == 0);
  auto missing = run_tma({"sites"}, {{"TMA_INVENTORY", std::nullopt}}, "/");
  CHECK(missing.exit_code == 78);
  CHECK(missing.err.find("sites.yaml: inventory does not exist (no sites.yaml here or in a parent directory: give -i "
                         "FILE, set TMA_INVENTORY, or create an agency with 'tma init DIR')") != std::string::npos);
  auto named = run_tma({"-i", "/nonexistent/agency.yaml", "sites"});
  CHECK(named.exit_code == 78);
  CHECK(named.err.find("inventory does not exist (give -i FILE or set TMA_INVENTORY)") != std::string::npos);
}

TEST_CASE("a canary secret never appears in output, verbose output or errors", "[e2e]") {
  const std::string canary = "canary-5e3c1f0a";
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", k_canary_inventory);
  std::map<std::string, std::optional<std::string>> env{{"CANARY", canary}};
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"sites", "-i", path, "--format", "json"},
           {"sites", "-vv", "-i", path},
           {"inventory", "check", "-i", path, "--format", "json"},
           {"-vv", "inventory", "check", "-i", path}}) {
    auto r = run_tma(args, env);
    INFO(args[0] << " " << args[1]);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(canary) == std::string::npos);
    CHECK(r.err.find(canary) == std::string::npos);
  }
  auto json = run_tma({"sites", "-i", path, "--format", "json"}, env);
  CHECK(json.out.find("https://acme.example/?k=***") != std::string::npos);

  // In an error message too: the canary in a field of the wrong type.
  auto bad = dir.write("bad.yaml", std::string(k_canary_inventory) + "    health: {down_after: \"${CANARY}\"}\n");
  auto r = run_tma({"inventory", "check", "-i", bad}, env);
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("expected an integer, got '***'") != std::string::npos);
  CHECK(r.err.find(canary) == std::string::npos);
}
