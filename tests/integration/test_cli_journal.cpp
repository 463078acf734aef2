// `tma journal` end to end: filters, order, limit, formats, errors.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <tma/core/exit_code.hpp>
#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>

#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using namespace tma;

namespace {

journal::Event event(const std::string& run, int n, const char* at, const char* type, const char* site,
                     const char* client) {
  journal::Event e;
  e.id = run + "-" + std::to_string(n);
  e.run = run;
  e.at = *core::parse_rfc3339(at);
  e.actor = "Ana <ana@x>";
  e.type = type;
  e.site = site;
  e.env = *site ? "prod" : "";
  e.client = client;
  e.data = {{"n", n}};
  return e;
}

// An agency from `tma init` with a few known events in January 2026.
std::string agency(const test::TempDir& dir) {
  auto path = dir.file("agency");
  REQUIRE(test::run_tma({"init", path}).exit_code == 0);
  auto store = journal::open_git_journal({path, "refs/heads/tma-journal"});
  REQUIRE(store);
  REQUIRE((*store)->write_run("aaaa", *core::parse_rfc3339("2026-01-01T10:00:00Z"),
                              {event("aaaa", 1, "2026-01-01T10:00:00Z", "backup.finished", "example-www", "example"),
                               event("aaaa", 2, "2026-01-01T10:00:05Z", "backup.finished", "other-site", "other")}));
  REQUIRE((*store)->write_run("bbbb", *core::parse_rfc3339("2026-01-02T23:30:00Z"),
                              {event("bbbb", 1, "2026-01-02T23:30:00Z", "update.finished", "example-www", "example"),
                               event("bbbb", 2, "2026-01-03T00:10:00Z", "hours.logged", "", "example")}));
  return path;
}

std::vector<std::string> ids(const test::Output& out) {
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  auto doc = nlohmann::json::parse(out.out);
  std::vector<std::string> result;
  for (const auto& e : doc["events"]) {
    if (e["run"] == "aaaa" || e["run"] == "bbbb") result.push_back(e["id"]);
  }
  return result;
}

} // namespace

TEST_CASE("tma journal lists events newest first with filters", "[integration]") {
  test::TempDir dir;
  auto path = agency(dir);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "journal");
    args.push_back("--format");
    args.push_back("json");
    return test::run_tma(args, {{"TMA_INVENTORY", std::nullopt}}, path);
  };
  CHECK(ids(run({"--until", "2026-02-01"})) == std::vector<std::string>{"bbbb-2", "bbbb-1", "aaaa-2", "aaaa-1"});
  CHECK(ids(run({"--site", "example-www"})) == std::vector<std::string>{"bbbb-1", "aaaa-1"});
  CHECK(ids(run({"--client", "example"})) == std::vector<std::string>{"bbbb-2", "bbbb-1", "aaaa-1"});
  CHECK(ids(run({"--type", "backup.*"})) == std::vector<std::string>{"aaaa-2", "aaaa-1"});
  CHECK(ids(run({"--type", "hours.logged", "--type", "update.finished"})) ==
        std::vector<std::string>{"bbbb-2", "bbbb-1"});
  // agency.timezone is Europe/Paris in the starter inventory: 2026-01-03 starts at 2026-01-02T23:00Z.
  CHECK(ids(run({"--since", "2026-01-03", "--until", "2026-01-04"})) == std::vector<std::string>{"bbbb-2", "bbbb-1"});
  CHECK(ids(run({"--since", "2026-01-03T00:00:00Z", "--until", "2026-02-01"})) ==
        std::vector<std::string>{"bbbb-2"});
  CHECK(ids(run({"--until", "2026-02-01", "--limit", "1"})) == std::vector<std::string>{"bbbb-2"});
  CHECK(ids(run({"--env", "prod", "--until", "2026-02-01"})) ==
        std::vector<std::string>{"bbbb-1", "aaaa-2", "aaaa-1"});

  auto table = test::run_tma({"journal", "--until", "2026-02-01"}, {}, path);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("AT (UTC)", 0) == 0);
  CHECK(table.out.find("2026-01-03T00:10:00Z  hours.logged") != std::string::npos);
  auto none = test::run_tma({"journal", "--until", "2020-01-01"}, {}, path);
  REQUIRE(none.exit_code == 0);
  CHECK(none.out == "No journal events match.\n");
}

TEST_CASE("tma journal rejects bad times and unknown sites with usage errors", "[integration]") {
  test::TempDir dir;
  auto path = agency(dir);
  auto bad_time = test::run_tma({"journal", "--since", "last tuesday"}, {}, path);
  CHECK(bad_time.exit_code == core::exit_code::usage);
  CHECK(bad_time.err.find("--since: 'last tuesday' is not a time") != std::string::npos);
  auto bad_site = test::run_tma({"journal", "--site", "exmaple-www"}, {}, path);
  CHECK(bad_site.exit_code == core::exit_code::usage);
  CHECK(bad_site.err.find("example-www") != std::string::npos); // did you mean
}
