// Failures also go to stderr (docs/cli.md): a cron job that discards stdout still logs which sites
// failed or were unreachable, and stdout keeps the result alone (JSON stays parseable).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using tma::test::run_tma;

namespace {

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

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
    // Port 9 on loopback is closed: `broken` is unreachable over ssh and HTTP. `fine` is a local
    // static site whose backup works; `failing` is one whose backup command fails.
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
  failing:
    client: a
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:9", transport: local, path: "{0}/site"}}
    backup: {{method: custom, commands: {{page: [cat, "{0}/site/missing.html"]}}}}
)",
                                                       root);
  }

  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", root + "/sites.yaml"});
    return run_tma(args, env, root);
  }
};

} // namespace

TEST_CASE("failed and unreachable sites are named on stderr whatever the format", "[e2e]") {
  Agency a;

  SECTION("check: stdout stays valid JSON and stderr names the unreachable site") {
    auto r = a.tma({"check", "--format", "json"});
    INFO(r.out << r.err);
    CHECK((r.exit_code & 4) != 0);
    auto doc = nlohmann::json::parse(r.out); // throws (fails the test) if stderr text leaked into stdout
    CHECK(doc.is_object());
    auto lines = lines_starting(r.err, "tma: broken prod: ");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("127.0.0.1") != std::string::npos);
    CHECK(lines[0].find("site broken") == std::string::npos); // the error's own context is not repeated
    CHECK(lines_starting(r.err, "tma: fine").empty());
    CHECK(r.out.find("tma: broken") == std::string::npos);
  }
  SECTION("check as a table or csv: the same line on stderr") {
    auto r = a.tma({"check"});
    INFO(r.out << r.err);
    CHECK(lines_starting(r.err, "tma: broken prod: ").size() == 1);
    auto csv = a.tma({"check", "--format", "csv"});
    INFO(csv.out << csv.err);
    CHECK((csv.exit_code & 4) != 0);
    CHECK(csv.out.rfind("SITE,ENV,STATUS,SEVERITY,KIND,NAME,INSTALLED,LATEST,FIXED IN,DETAILS\n", 0) == 0);
    CHECK(csv.out.find("\nbroken,prod,unreachable,,,,,,,") != std::string::npos);
    CHECK(csv.out.find("\nfailing,prod,skipped,,,,,,,\n") != std::string::npos);
    CHECK(lines_starting(csv.err, "tma: broken prod: ").size() == 1);
  }
  SECTION("ping and health") {
    auto ping = a.tma({"ping", "--site", "broken", "--format", "json"});
    INFO(ping.out << ping.err);
    CHECK(nlohmann::json::parse(ping.out).is_object());
    CHECK(lines_starting(ping.err, "tma: broken prod: ").size() == 1);
    auto csv = a.tma({"ping", "--site", "broken", "--format", "csv"});
    INFO(csv.out << csv.err);
    CHECK(csv.out.rfind("SITE,ENV,SSH,SYSTEM,PHP,HTTP,TIME,TLS,STATUS,NOTE\nbroken,prod,", 0) == 0);
    CHECK(lines_starting(csv.err, "tma: broken prod: ").size() == 1);
    auto health = a.tma({"health", "--site", "broken", "--format", "json"});
    INFO(health.out << health.err);
    CHECK(health.exit_code == 4);
    CHECK(nlohmann::json::parse(health.out).is_object());
    auto lines = lines_starting(health.err, "tma: broken prod: ");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("http://127.0.0.1:9") != std::string::npos);
  }
  SECTION("backup: only the failed target") {
    auto r = a.tma({"backup", "--site", "fine", "--site", "failing", "--format", "json"});
    INFO(r.out << r.err);
    CHECK((r.exit_code & 2) != 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["backups"].size() == 2);
    CHECK(lines_starting(r.err, "tma: failing prod: ").size() == 1);
    CHECK(lines_starting(r.err, "tma: fine").empty());
    // The listing commands' csv (docs/cli.md, "Output"): the stored backup, the journal's events.
    auto backups = a.tma({"backups", "--site", "fine", "--format", "csv"});
    INFO(backups.out << backups.err);
    CHECK(backups.exit_code == 0);
    CHECK(backups.out.rfind("SITE,ENV,BACKUP,TIME (UTC),AGE,SIZE,ARTIFACTS,KIND\nfine,prod,", 0) == 0);
    CHECK(std::count(backups.out.begin(), backups.out.end(), '\n') == 2);
    auto journal = a.tma({"journal", "--type", "backup.*", "--format", "csv"});
    INFO(journal.out << journal.err);
    CHECK(journal.exit_code == 0);
    CHECK(journal.out.rfind("AT (UTC),TYPE,SITE,ENV,CLIENT,ACTOR,DATA\n", 0) == 0);
    CHECK(journal.out.find(",fine,prod,a,Tester <tester@tma.invalid>,") != std::string::npos);
  }
  SECTION("update: a site that cannot be planned") {
    auto r = a.tma({"update", "--site", "broken", "--skip-preprod", "--dry-run", "--format", "json"});
    INFO(r.out << r.err);
    CHECK((r.exit_code & 4) != 0);
    CHECK(nlohmann::json::parse(r.out).is_object());
    CHECK(lines_starting(r.err, "tma: broken: ").size() == 1);
  }
}
