// `tma hours` and `tma summary` end to end: the built binary on a temp inventory in a temp git
// repository (the journal goes on its ref there).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

extern char** environ;

namespace {

using tma::test::run_tma;

// `git args...` in `dir`, output discarded; the exit code. The git CLI is used only by tests.
int git(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// An agency directory: git repository + the fixture inventory.
struct Agency {
  tma::test::TempDir dir;
  std::string inventory;
  std::map<std::string, std::optional<std::string>> env{{"TMA_ACTOR", "Tester <tester@tma.invalid>"},
                                                        {"TMA_INVENTORY", std::nullopt}};
  Agency() {
    REQUIRE(git(dir.path().string(), {"init", "-q", "."}) == 0);
    inventory = dir.write("sites.yaml", tma::test::read_file(std::string(TMA_FIXTURES) + "/hours/sites.yaml"));
  }
  tma::test::Output tma(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-i", inventory});
    return run_tma(args, env, dir.path().string());
  }
  bool has_journal() const { return git(dir.path().string(), {"rev-parse", "-q", "--verify", "refs/heads/tma-journal"}) == 0; }
};

} // namespace

TEST_CASE("tma hours log, list and summary end to end", "[e2e]") {
  Agency agency;
  auto log = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"hours", "log"});
    auto out = agency.tma(args);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    return out;
  };
  auto first = log({"--site", "acme-www", "2h30", "updated WooCommerce", "--date", "2026-11-02", "--category", "update"});
  CHECK(first.out == "logged 2h30 billable (update) for acme / acme-www on 2026-11-02: updated WooCommerce\n");
  log({"--site", "acme-www", "1h45", "fixed checkout", "--date", "2026-11-10", "--category", "bugfix", "--ticket", "RM-12"});
  log({"--client", "acme", "50m", "phone call", "--date", "2026-11-20"});
  log({"--client", "acme", "1h", "internal review", "--non-billable", "--date", "2026-11-21"});
  log({"--site", "bistro-site", "10m", "menu", "--date", "2026-11-03"});
  log({"--site", "bistro-site", "1.5h", "perf", "--date", "2026-11-04", "--category", "performance"});
  log({"--site", "lyceum-portal", "8h", "upgrade", "--date", "2026-02-10"});
  auto json_log = agency.tma({"hours", "log", "--site", "lyceum-portal", "11h", "big job", "--date", "2026-11-05",
                              "--format", "json"});
  REQUIRE(json_log.exit_code == 0);
  auto logged = nlohmann::json::parse(json_log.out);
  CHECK(logged["schema"] == 1);
  CHECK(logged["entry"]["duration_seconds"] == 39600);
  CHECK(logged["entry"]["client"] == "lyceum");
  CHECK(logged["entry"]["actor"] == "Tester <tester@tma.invalid>");
  CHECK(agency.has_journal());

  SECTION("list, table and json") {
    auto list = agency.tma({"hours", "list", "--month", "2026-11", "--client", "acme"});
    REQUIRE(list.exit_code == 0);
    CHECK(list.out.find("time entries 2026-11\n") == 0);
    CHECK(list.out.find("2026-11-10  acme    acme-www  1h45  bugfix    billable      RM-12   fixed checkout") !=
          std::string::npos);
    CHECK(list.out.find("4 entries: 5h05 billable, 1h00 non-billable, 0h00 automatic\n") != std::string::npos);
    auto json = nlohmann::json::parse(agency.tma({"hours", "list", "--month", "2026-11", "--format", "json"}).out);
    CHECK(json["entries"].size() == 7);
    CHECK(json["period"]["from"] == "2026-11-01");
    auto by_site = nlohmann::json::parse(
        agency.tma({"hours", "list", "--site", "bistro-site", "--from", "2026-11-01", "--to", "2026-11-03", "--format", "json"})
            .out);
    REQUIRE(by_site["entries"].size() == 1);
    CHECK(by_site["entries"][0]["description"] == "menu");
  }
  SECTION("list as csv: RFC 4180 quoting of a comma and quotes") {
    log({"--site", "bistro-site", "20m", "menu, \"header\" fix", "--date", "2026-11-06"});
    auto csv = agency.tma({"hours", "list", "--site", "bistro-site", "--month", "2026-11", "--format", "csv"});
    INFO(csv.err);
    REQUIRE(csv.exit_code == 0);
    CHECK(csv.out.rfind("DATE,CLIENT,SITE,TIME,CATEGORY,STATUS,TICKET,DESCRIPTION\n", 0) == 0);
    INFO(csv.out);
    CHECK(csv.out.find("2026-11-06,bistro,bistro-site,0h20,support,billable,-,\"menu, \"\"header\"\" fix\"\n") !=
          std::string::npos);
    CHECK(csv.out.find("entries:") == std::string::npos); // rows only, no total line
  }
  SECTION("summary, table") {
    auto summary = agency.tma({"hours", "summary", "--month", "2026-11"});
    INFO(summary.err);
    REQUIRE(summary.exit_code == 0);
    CHECK(summary.out.find("acme (ACME SARL) - subscription - 2026-11\n"
                           "  included     4h00\n"
                           "  used         5h05\n"
                           "  remaining    0h00\n"
                           "  overage      1h05 x 85.00/h = 92.08 EUR\n"
                           "  monthly fee  450.00 EUR\n"
                           "  total        542.08 EUR\n"
                           "  not billed   1h00 non-billable (1 entry), 0h00 automatic (0 entries)\n") == 0);
    CHECK(summary.out.find("  amount      190.00 EUR\n") != std::string::npos); // 0h30 + 1h30 at 95.00
    CHECK(summary.out.find("  carried in      22h00\n") != std::string::npos);
    CHECK(summary.out.find("  balance left    11h00 (low-balance threshold 3h00)\n") != std::string::npos);
  }
  SECTION("summary, json for one client") {
    auto out = agency.tma({"hours", "summary", "--month", "2026-11", "--client", "lyceum", "--format", "json"});
    REQUIRE(out.exit_code == 0);
    auto json = nlohmann::json::parse(out.out);
    CHECK(json["timezone"] == "Europe/Paris");
    CHECK(json["currency"] == "EUR");
    REQUIRE(json["clients"].size() == 1);
    const auto& bank = json["clients"][0]["hour_bank"];
    CHECK(bank["carried_in_seconds"] == 22 * 3600);
    CHECK(bank["used_seconds"] == 11 * 3600);
    CHECK(bank["balance_left_seconds"] == 11 * 3600);
    CHECK(bank["low_balance"] == false);
  }
  SECTION("tma summary --month: hours and the incident block") {
    auto out = agency.tma({"summary", "--month", "2026-11", "--client", "acme"});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    CHECK(out.out.find("summary 2026-11 (Europe/Paris)\n\nacme (ACME SARL) - subscription - 2026-11\n") == 0);
    CHECK(out.out.find("  total        542.08 EUR\n") != std::string::npos);
    CHECK(out.out.substr(out.out.size() - 18) == "  incidents: none\n");
    auto json = nlohmann::json::parse(agency.tma({"summary", "--month", "2026-11", "--format", "json"}).out);
    REQUIRE(json["clients"].size() == 3);
    CHECK(json["clients"][0]["subscription"]["total_cents"] == 54208);
    CHECK(json["clients"][1]["on_demand"]["amount_cents"] == 19000);
    CHECK(json["clients"][2]["incidents"] == nlohmann::json::array());
  }
}

TEST_CASE("tma hours refuses bad input with exit 64 and records nothing", "[e2e]") {
  Agency agency;
  struct Row {
    std::vector<std::string> args;
    std::string message;
  };
  const Row rows[] = {
      {{"hours", "log", "--site", "acme-www", "1h5", "x"},
       "tma: error: invalid duration '1h5' (expected e.g. 2h, 90m, 1h30, 1h30m, 1.5h)\n"},
      {{"hours", "log", "--site", "acme-www", "25h", "x"},
       "tma: error: invalid duration '25h': more than 24h00 in one entry (log each day separately)\n"},
      {{"hours", "log", "--client", "acmee", "1h", "x"}, "tma: error: unknown client 'acmee' (did you mean 'acme'?)\n"},
      {{"hours", "log", "--site", "bistro-sit", "1h", "x"},
       "tma: error: unknown site 'bistro-sit' (did you mean 'bistro-site'?)\n"},
      {{"hours", "log", "1h", "x"}, "tma: error: say who the work was for: --site NAME or --client ID\n"},
      {{"hours", "log", "--site", "acme-www", "--client", "bistro", "1h", "x"},
       "tma: error: site 'acme-www' belongs to client 'acme', not 'bistro'\n"},
      {{"hours", "log", "--client", "acme", "1h", "x", "--category", "securty"},
       "tma: error: --category: unknown category 'securty' (did you mean 'security'?); expected one of update, "
       "security, bugfix, performance, support, backup, feature\n"},
      {{"hours", "log", "--client", "acme", "1h", "x", "--date", "2026-02-30"},
       "tma: error: --date: invalid date '2026-02-30' (no such day)\n"},
      {{"hours", "log", "--client", "acme", "1h", "x", "--date", "2999-01-01"}, ""},
      {{"hours", "log", "--client", "acme", "1h", " "}, "tma: error: the description of the work is empty\n"},
      {{"hours", "summary", "--month", "2026-13"}, "tma: error: --month: invalid month '2026-13' (expected YYYY-MM)\n"},
      {{"hours", "summary", "--client", "lyceeum"}, "tma: error: unknown client 'lyceeum' (did you mean 'lyceum'?)\n"},
      {{"hours", "summary", "--from", "2026-03-02", "--to", "2026-03-01"},
       "tma: error: --to 2026-03-01 is before --from 2026-03-02\n"},
      {{"hours", "list", "--env", "prod"}, "tma: error: --env does not apply to time entries\n"},
      {{"summary", "--month", "2026-11", "--client", "bistr"}, "tma: error: unknown client 'bistr' (did you mean 'bistro'?)\n"},
  };
  for (const auto& row : rows) {
    std::string command;
    for (const auto& a : row.args) command += a + " ";
    INFO(command);
    auto out = agency.tma(row.args);
    CHECK(out.exit_code == 64);
    CHECK(out.out.empty());
    if (!row.message.empty()) CHECK(out.err == row.message);
    else CHECK(out.err.find("is in the future") != std::string::npos);
  }
  SECTION("CLI11 errors are usage errors too") {
    CHECK(agency.tma({"hours", "summary", "--from", "2026-03-01"}).exit_code == 64);
    CHECK(agency.tma({"summary", "--month"}).exit_code == 64); // --month needs a value (the month is optional)
    CHECK(agency.tma({"hours", "log", "--client", "acme", "1h"}).exit_code == 64);
  }
  CHECK_FALSE(agency.has_journal());
}

TEST_CASE("arguments that are not UTF-8 or hold control characters are refused before anything is recorded", "[e2e]") {
  Agency agency;
  struct Row {
    std::vector<std::string> args;
    std::string message;
  };
  const Row rows[] = {
      {{"hours", "log", "--client", "acme", "1h", "caf\xe9"}, "tma: error: argument 8 is not valid UTF-8: 'caf\\xE9'\n"},
      {{"hours", "log", "--client", "acme", "1h", "x\x1b]0;pwned\x07"},
       "tma: error: argument 8 contains a control character (a newline, tab or escape): 'x\\x1b]0;pwned\\x07'\n"},
      {{"hours", "log", "--client", "acme", "1h", "done\nforged line"},
       "tma: error: argument 8 contains a control character (a newline, tab or escape): 'done\\nforged line'\n"},
      {{"incident", "open", "--site", "acme-www", "--severity", "major", "caf\xe9 down"},
       "tma: error: argument 9 is not valid UTF-8: 'caf\\xE9 down'\n"},
  };
  for (const auto& row : rows) {
    auto out = agency.tma(row.args);
    CHECK(out.exit_code == 64);
    CHECK(out.out.empty());
    CHECK(out.err == row.message);
  }
  CHECK_FALSE(agency.has_journal());
}
