// tma perf's WordPress checks: the allow-listed parsers, the findings and their thresholds, and how
// failed queries become notes, from canned command results (no server).
#include <catch2/catch.hpp>

#include <tma/perf/trend.hpp>
#include <tma/perf/wordpress.hpp>

using namespace tma;

namespace {

const core::SysSeconds k_now{std::chrono::seconds{1'780'000'000}}; // 2026-05-28T20:26:40Z

transport::CommandResult answered(std::string out, int exit_code = 0) {
  transport::CommandResult r;
  r.outcome = transport::Outcome::completed;
  r.exit_code = exit_code;
  r.out = std::move(out);
  return r;
}

std::vector<transport::CommandResult> all_answered(const std::string& cache, const std::string& bytes, const std::string& cron,
                                                   const std::string& opcache) {
  return {answered(cache + "\n"), answered(bytes + "\n"), answered(cron),
          answered("OS:\tLinux\nShell:\t/bin/bash\nPHP binary:\t/usr/bin/php8.2\nPHP version:\t8.2.36\nWP-CLI version:\t2.12.0\n"),
          answered(opcache)};
}

} // namespace

TEST_CASE("perf wordpress: answers are read only in their allow-listed shapes", "[perf][unit]") {
  CHECK(*perf::parse_cache_type("Default\n") == "Default");
  CHECK(*perf::parse_cache_type("Redis") == "Redis");
  for (const char* bad : {"", "\n", "Redis\nDefault", "<b>Redis</b>", "Warning: x; Default", "\x1b[31mRedis"}) {
    INFO(bad);
    CHECK_FALSE(perf::parse_cache_type(bad));
  }
  CHECK(*perf::parse_total_bytes("900040\n") == 900040);
  for (const char* bad : {"", "-1", "12 bytes", "1e9", "9999999999999999", "12\n13"}) {
    INFO(bad);
    CHECK_FALSE(perf::parse_total_bytes(bad));
  }
  CHECK(*perf::parse_opcache("on") == true);
  CHECK(*perf::parse_opcache("off\n") == false);
  CHECK_FALSE(perf::parse_opcache("1"));
  CHECK_FALSE(perf::parse_opcache("PHP Warning: on"));
}

TEST_CASE("perf wordpress: cron events overdue by more than the age", "[perf][unit]") {
  // Now is 2026-05-28 20:26:40 UTC.
  auto backlog = perf::parse_cron_events(
      R"([{"hook":"a","next_run_gmt":"2026-05-28 18:00:00"},{"hook":"b","next_run_gmt":"2026-05-28 20:00:00"},)"
      R"({"hook":"c","next_run_gmt":"2026-05-29 01:00:00"},{"hook":"d","next_run_gmt":"2026-05-27 20:26:40"}])",
      k_now, core::Seconds(3600));
  REQUIRE(backlog);
  CHECK(backlog->events == 4);
  CHECK(backlog->overdue == 2); // a (2h26m40s) and d (one day); b is 26 minutes late only
  CHECK(backlog->oldest_overdue_s == 86400);
  auto none = perf::parse_cron_events("[]", k_now, core::Seconds(3600));
  REQUIRE(none);
  CHECK(none->events == 0);
  for (const char* bad : {"", "{}", "[1]", R"([{"hook":"a"}])", R"([{"next_run_gmt":"tomorrow"}])",
                          R"([{"next_run_gmt":"2026-05-28T18:00:00Z"}])", R"([{"next_run_gmt":1780000000}])"}) {
    INFO(bad);
    CHECK_FALSE(perf::parse_cron_events(bad, k_now, core::Seconds(3600)));
  }
}

TEST_CASE("perf wordpress: findings from the inventory thresholds", "[perf][unit]") {
  inventory::PerfPolicy policy;
  auto cron = R"([{"hook":"a","next_run_gmt":"2026-05-28 18:00:00"},{"hook":"b","next_run_gmt":"2026-05-29 01:00:00"}])";
  SECTION("defaults: a big autoload and one overdue event; no persistent cache is no finding") {
    auto facts = perf::read_wordpress_facts(all_answered("Default", "900000", cron, "off"), k_now, policy);
    CHECK(facts.notes.empty());
    CHECK(*facts.object_cache == "Default");
    CHECK(*facts.autoload_bytes == 900000);
    CHECK(facts.cron->overdue == 1);
    CHECK(*facts.php_version == "8.2.36");
    CHECK(*facts.opcache_cli == false);
    REQUIRE(facts.findings.size() == 2);
    CHECK(facts.findings[0].rule == "autoload-size");
    CHECK(facts.findings[1].rule == "cron-overdue");
    CHECK(facts.findings[1].count == 1);
  }
  SECTION("thresholds raised and an object cache required") {
    policy.autoload_size = 1 << 20;
    policy.cron_overdue = 2;
    policy.object_cache = true;
    auto facts = perf::read_wordpress_facts(all_answered("Default", "900000", cron, "on"), k_now, policy);
    REQUIRE(facts.findings.size() == 1);
    CHECK(facts.findings[0].rule == "no-object-cache");
    auto redis = perf::read_wordpress_facts(all_answered("Redis", "900000", cron, "on"), k_now, policy);
    CHECK(redis.findings.empty());
  }
  SECTION("a longer age makes the event on time") {
    policy.cron_overdue_age = core::Seconds(3 * 3600);
    auto facts = perf::read_wordpress_facts(all_answered("Default", "1", cron, "off"), k_now, policy);
    CHECK(facts.cron->overdue == 0);
    CHECK(facts.findings.empty());
  }
}

TEST_CASE("perf wordpress: a failed or malformed query is a note and the others are still read", "[perf][unit]") {
  inventory::PerfPolicy policy;
  auto results = all_answered("Default", "12", "[]", "maybe");
  results[1] = answered("", 1);
  results[1].err = "Error: 'total_bytes' is not a valid format.";
  auto facts = perf::read_wordpress_facts(results, k_now, policy);
  CHECK(facts.object_cache);
  CHECK_FALSE(facts.autoload_bytes);
  CHECK_FALSE(facts.opcache_cli);
  CHECK(facts.cron);
  REQUIRE(facts.notes.size() == 2);
  CHECK(facts.notes[0].find("total_bytes") != std::string::npos);
  CHECK(facts.notes[1].find("php -r (OPcache)") != std::string::npos);
  CHECK(facts.notes[1].find("maybe") == std::string::npos); // the server's text is not repeated

  std::vector<transport::CommandResult> down(5);
  for (auto& r : down) {
    r.outcome = transport::Outcome::unreachable;
    r.message = "connection refused";
  }
  auto unreachable = perf::read_wordpress_facts(down, k_now, policy);
  REQUIRE(unreachable.notes.size() == 1);
  CHECK(unreachable.notes[0].find("connection refused") != std::string::npos);
  CHECK(unreachable.findings.empty());
}

TEST_CASE("perf wordpress: the queries for an environment", "[perf][unit]") {
  inventory::Environment env;
  env.path = "/srv/www";
  env.binaries["wp"] = "/opt/wp";
  env.binaries["php"] = "/usr/bin/php8.2";
  env.ssh = inventory::SshTarget{};
  CHECK(perf::wordpress_checked(inventory::Cms::wordpress, env));
  CHECK_FALSE(perf::wordpress_checked(inventory::Cms::drupal, env));
  inventory::Environment http_only;
  CHECK_FALSE(perf::wordpress_checked(inventory::Cms::wordpress, http_only));
  auto commands = perf::wordpress_commands(env);
  REQUIRE(commands.size() == 5);
  CHECK(commands[0].argv.front() == "/opt/wp");
  CHECK(std::find(commands[0].argv.begin(), commands[0].argv.end(), "--path=/srv/www") != commands[0].argv.end());
  CHECK(std::find(commands[1].argv.begin(), commands[1].argv.end(), "--format=total_bytes") != commands[1].argv.end());
  CHECK(commands[4].argv.front() == "/usr/bin/php8.2");
  CHECK(commands[4].argv[1] == "-r");
  for (const auto& c : commands) CHECK(c.cwd == "/srv/www");
}

TEST_CASE("perf wordpress: the recorded event keeps the facts that answered", "[perf][unit]") {
  perf::TargetResult target{"acme-www", "prod", {}, perf::TargetStatus::ok, std::nullopt};
  CHECK_FALSE(perf::measured_event_data(target).contains("wordpress"));
  perf::WordPressFacts facts;
  facts.object_cache = "Redis";
  facts.autoload_bytes = 421000;
  facts.cron = perf::CronBacklog{14, 2, 7200};
  facts.findings.push_back({"cron-overdue", "2 of 14", {}, 2});
  target.wordpress = facts;
  target.status = perf::target_status(target);
  CHECK(target.status == perf::TargetStatus::findings);
  CHECK(perf::exit_bits({target}, true) == 1);
  CHECK(perf::exit_bits({target}, false) == 0);
  auto data = perf::measured_event_data(target);
  CHECK(data["status"] == "findings");
  CHECK(data["wordpress"] == nlohmann::json{{"object_cache", "Redis"}, {"autoload_bytes", 421000}, {"cron_overdue", 2}, {"findings", 1}});
}
