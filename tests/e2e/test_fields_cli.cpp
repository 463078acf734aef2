// `--fields` and `--format csv` on every listing command (docs/cli.md, "Output"): one shared
// implementation, so each command is checked for its columns, and the errors once for all.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "support/paths.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

namespace {

struct Agency {
  tma::test::TempDir dir;
  std::string root = dir.file("agency");
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"TMA_INVENTORY", std::nullopt}, {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};

  Agency() {
    auto init = run_tma({"init", root}, env, dir.path().string());
    REQUIRE(init.exit_code == 0);
    std::filesystem::create_directories(root + "/site");
    std::ofstream(root + "/site/index.html") << "hello\n";
    // Port 9 on loopback is closed: `broken` is unreachable; `fine` is a local static site whose
    // backup works.
    std::ofstream(root + "/sites.yaml") << fmt::format(R"(agency: {{timezone: Europe/Paris}}
clients:
  a: {{contract: {{model: on_demand, rate: 90}}}}
sites:
  broken:
    client: a
    cms: composer
    environments:
      prod: {{url: "http://127.0.0.1:9", ssh: {{target: "nobody@127.0.0.1:9", connect_timeout: 5s}}, path: /srv/x}}
  fine:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}/site"}}
    backup: {{method: custom, commands: {{page: [cat, "{0}/site/index.html"]}}}}
)",
                                                       root);
  }

  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", root + "/sites.yaml"});
    auto out = run_tma(args, env, root);
    INFO(out.out << out.err);
    return out;
  }
};

} // namespace

TEST_CASE("tma sites --fields picks and orders the columns of sites as a table and as csv", "[e2e]") {
  std::string example = std::string(TMA_FIXTURES) + "/inventories/example.yaml";
  auto table = run_tma({"sites", "-i", example, "--client", "acme", "--fields", "site,tags,cms"});
  CHECK(table.exit_code == 0);
  CHECK(table.out == "SITE       TAGS                       CMS\n"
                     "acme-blog  blog                       wordpress\n"
                     "acme-www   woocommerce,critical-path  wordpress\n");
  auto csv = run_tma({"sites", "-i", example, "--client", "acme", "--format", "csv", "--fields", "updates,site"});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out == "UPDATES,SITE\nweekly mon 09:00,acme-blog\nweekly mon 09:00,acme-www\n");
  // -v addresses the environments table.
  auto envs = run_tma({"sites", "-v", "-i", example, "--site", "acme-www", "--fields", "env,transport"});
  CHECK(envs.exit_code == 0);
  CHECK(envs.out == "ENV      TRANSPORT\nprod     deploy@web1.acme.example:2222\npreprod  deploy@web1.acme.example:2222\n");
}

TEST_CASE("tma --fields errors: an unknown field lists the fields with a suggestion and json refuses it", "[e2e]") {
  std::string example = std::string(TMA_FIXTURES) + "/inventories/example.yaml";
  auto typo = run_tma({"sites", "-i", example, "--fields", "site,clinet"});
  CHECK(typo.exit_code == 64);
  CHECK(typo.out.empty());
  CHECK(typo.err == "tma: error: --fields: unknown field 'clinet' (did you mean 'client'?); the fields are site, "
                    "client, cms, envs, tags, backup, updates\n");
  auto json = run_tma({"sites", "-i", example, "--fields", "site", "--format", "json"});
  CHECK(json.exit_code == 64);
  CHECK(json.err.find("--fields chooses the columns of table and csv output, not json") != std::string::npos);
  auto markdown = run_tma({"check", "-i", example, "--fields", "site", "--format", "markdown"});
  CHECK(markdown.exit_code == 64);
  CHECK(markdown.err.find("not markdown") != std::string::npos);
}

TEST_CASE("tma listing commands take --fields and --format csv: check ping health backups verify journal hours and incidents", "[e2e]") {
  Agency a;
  SECTION("check: a typo costs no run and records nothing") {
    auto typo = a.tma({"check", "--fields", "site,stauts"});
    CHECK(typo.exit_code == 64);
    CHECK(typo.err.find("unknown field 'stauts' (did you mean 'status'?); the fields are site, env, status, severity, "
                        "kind, name, installed, latest, fixed_in, details") != std::string::npos);
    CHECK(typo.err.find("tma: broken prod") == std::string::npos); // nothing was checked
    auto journal = a.tma({"journal", "--type", "check", "--format", "csv"});
    CHECK(journal.out == "AT (UTC),TYPE,SITE,ENV,CLIENT,ACTOR,DATA\n");
    // The table with --fields is the flat findings table (one row per finding), as csv has it.
    auto table = a.tma({"check", "--fields", "status,site"});
    CHECK((table.exit_code & 4) != 0);
    CHECK(table.out == "STATUS       SITE\nunreachable  broken\nskipped      fine\n");
  }
  SECTION("ping and health") {
    auto ping = a.tma({"ping", "--site", "broken", "--format", "csv", "--fields", "site,status"});
    CHECK(ping.out == "SITE,STATUS\nbroken,unreachable\n");
    auto table = a.tma({"ping", "--site", "broken", "--fields", "status"});
    CHECK(table.out.rfind("STATUS\nunreachable\n1 target", 0) == 0); // the summary line stays
    auto health = a.tma({"health", "--site", "fine", "--format", "csv"});
    CHECK(health.exit_code == 4);
    CHECK(health.out.rfind("SITE,ENV,URL,STATUS,TIME,TLS,RESULT,PROBLEMS\nfine,prod,http://127.0.0.1:9/,-,-,-,critical,", 0) ==
          0);
    auto picked = a.tma({"health", "--site", "fine", "--fields", "result,site"});
    CHECK(picked.out.rfind("RESULT    SITE\ncritical  fine\nfine (prod) http://127.0.0.1:9/: critical: ", 0) == 0);
  }
  SECTION("backups, backup verify and journal") {
    auto taken = a.tma({"backup", "--site", "fine", "--format", "csv", "--fields", "site,outcome,pruned"});
    REQUIRE(taken.exit_code == 0);
    CHECK(taken.out == "SITE,OUTCOME,PRUNED\nfine,ok,\n");
    auto backups = a.tma({"backups", "--fields", "kind,site", "--format", "csv"});
    CHECK(backups.out == "KIND,SITE\nmanual,fine\n");
    auto verify = a.tma({"backup", "verify", "--site", "fine", "--format", "csv", "--fields", "site,outcome,problems"});
    CHECK(verify.exit_code == 0);
    CHECK(verify.out == "SITE,OUTCOME,PROBLEMS\nfine,ok,\n");
    // One type: events of the same second have no fixed order.
    auto journal = a.tma({"journal", "--type", "backup.verified", "--fields", "type,site"});
    CHECK(journal.out == "TYPE             SITE\nbackup.verified  fine\n");
  }
  SECTION("hours list and incident list, whose csv neutralises a formula") {
    REQUIRE(a.tma({"hours", "log", "--site", "fine", "30m", "=1+1 menu fix", "--date", "2026-11-06"}).exit_code == 0);
    auto hours = a.tma({"hours", "list", "--month", "2026-11", "--format", "csv", "--fields", "time,description"});
    CHECK(hours.out == "TIME,DESCRIPTION\n0h30,'=1+1 menu fix\n");
    auto table = a.tma({"hours", "list", "--month", "2026-11", "--fields", "site,time"});
    CHECK(table.out == "time entries 2026-11\nSITE  TIME\nfine  0h30\n1 entry: 0h30 billable, 0h00 non-billable, 0h00 automatic\n");
    REQUIRE(a.tma({"incident", "open", "--site", "fine", "--severity", "minor", "@SUM(A1) down"}).exit_code == 0);
    auto incidents = a.tma({"incident", "list", "--format", "csv", "--fields", "severity,title"});
    CHECK(incidents.out == "SEVERITY,TITLE\nminor,'@SUM(A1) down\n");
    auto none = a.tma({"incident", "list", "--open", "--site", "broken", "--format", "csv"});
    CHECK(none.out == "ID,SEVERITY,SITE,STATUS,OPENED (UTC),TTA,TTR,SLA RESPOND,SLA RESOLVE,TITLE\n");
  }
}
