#include <catch2/catch.hpp>

#include <tma/core/redact.hpp>
#include <tma/core/signals.hpp>
#include <tma/journal/journal.hpp>

using namespace tma;
using journal::Event;
using journal::Filter;
using journal::MemoryJournal;
using journal::Run;

namespace {

core::SysSeconds at(const char* text) { return *core::parse_rfc3339(text); }

} // namespace

TEST_CASE("journal::Run records events with ids, actor and run id, and commits once at finish") {
  MemoryJournal store("Ana <ana@agency.example>", at("2026-11-29T10:00:00Z"));
  Run run(store, "backup");
  store.advance(std::chrono::seconds(5));
  auto e = run.record("backup.finished", {"acme-www", "prod", "acme"}, {{"bytes", 1234}});
  CHECK(e.id == run.id() + "-2");
  CHECK(e.actor == "Ana <ana@agency.example>");
  CHECK(e.at == at("2026-11-29T10:00:05Z"));
  CHECK(store.writes() == 0); // nothing committed before the end of the run
  REQUIRE(run.finish(0));
  REQUIRE(store.writes() == 1);
  auto events = store.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == "run.started");
  CHECK(events[0].data["command"] == "backup");
  CHECK(events[1].site == "acme-www");
  CHECK(events[2].type == "run.finished");
  CHECK(events[2].data["exit_code"] == 0);
  CHECK(events[2].data["duration_s"] == 5);
  CHECK(run.finish(0)); // idempotent
  CHECK(store.writes() == 1);
}

TEST_CASE("journal::Run commits what happened when the command fails or is interrupted") {
  MemoryJournal store;
  SECTION("destroyed without finish while interrupted") {
    core::set_interrupted_for_testing(true);
    {
      Run run(store, "update");
      run.record("update.started", {"acme-www", "prod", "acme"});
    }
    core::set_interrupted_for_testing(false);
    auto events = store.events();
    REQUIRE(events.size() == 3);
    CHECK(events.back().data["exit_code"] == 130);
  }
  SECTION("a run that recorded nothing and succeeded leaves no trace") {
    Run run(store, "journal");
    REQUIRE(run.finish(0));
    CHECK(store.events().empty());
  }
  SECTION("a failed write is reported, not swallowed") {
    Run run(store, "backup");
    run.record("backup.failed", {"acme-www", "prod", "acme"});
    store.fail_next_write({core::ErrorKind::git, "disk full"});
    auto result = run.finish(2);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "disk full");
  }
}

TEST_CASE("journal::Run::flush commits early and the final write keeps every event once") {
  MemoryJournal store;
  Run run(store, "update");
  run.record("update.step", {"acme-www", "prod", "acme"}, {{"step", "maintenance_on"}});
  REQUIRE(run.flush());
  CHECK(store.events().size() == 2);
  run.record("update.step", {"acme-www", "prod", "acme"}, {{"step", "core"}});
  REQUIRE(run.finish(0));
  CHECK(store.events().size() == 4);
  CHECK(store.writes() == 2);
}

TEST_CASE("journal::Run redacts secrets in data and subject") {
  core::clear_secrets_for_testing();
  core::register_secret("s3cr3t-token");
  MemoryJournal store;
  Run run(store, "backup");
  run.record("backup.failed", {"acme-www", "prod", "acme"},
             {{"error", "curl https://u:s3cr3t-token@host failed"}, {"nested", {{"list", {"x s3cr3t-token y"}}}}});
  REQUIRE(run.finish(2));
  core::clear_secrets_for_testing();
  for (const auto& e : store.events()) CHECK(journal::to_json(e).dump().find("s3cr3t") == std::string::npos);
  CHECK(store.events()[1].data["error"] == "curl https://u:***@host failed");
}

TEST_CASE("journal::Run starts a new file after k_max_segment_span so readers can prune by day") {
  MemoryJournal store;
  Run run(store, "watch");
  run.record("health.checked", {"a", "prod", "c"});
  store.advance(std::chrono::hours(25));
  run.record("health.checked", {"a", "prod", "c"});
  CHECK(store.writes() == 1); // the first day's file was committed when the second began
  REQUIRE(run.finish(0));
  CHECK(store.writes() == 2);
  CHECK(store.events().size() == 4);
}

TEST_CASE("journal::Filter matches time range, type prefixes, site, client, env") {
  Event e;
  e.at = at("2026-11-29T10:00:00Z");
  e.type = "backup.finished";
  e.site = "acme-www";
  e.client = "acme";
  e.env = "prod";
  CHECK(Filter{}.matches(e));
  Filter f;
  f.since = at("2026-11-29T10:00:00Z");
  CHECK(f.matches(e));
  f.until = at("2026-11-29T10:00:00Z");
  CHECK_FALSE(f.matches(e)); // until is exclusive
  Filter types;
  types.types = {"backup.*"};
  CHECK(types.matches(e));
  types.types = {"backup."};
  CHECK(types.matches(e));
  types.types = {"backup"};
  CHECK_FALSE(types.matches(e));
  types.types = {"update.*", "backup.finished"};
  CHECK(types.matches(e));
  Filter who;
  who.sites = {"other", "acme-www"};
  who.clients = {"acme"};
  who.envs = {"prod"};
  CHECK(who.matches(e));
  who.envs = {"preprod"};
  CHECK_FALSE(who.matches(e));
}

TEST_CASE("journal::MemoryJournal scans newest first with a limit") {
  MemoryJournal store;
  for (int i = 0; i < 5; ++i) {
    Run run(store, "check");
    run.record("check.done", {"s" + std::to_string(i), "prod", "c"}, {{"i", i}});
    REQUIRE(run.finish(0));
    store.advance(std::chrono::minutes(1));
  }
  Filter f;
  f.types = {"check.done"};
  auto events = journal::read_events(store, f, 2);
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].data["i"] == 4);
  CHECK((*events)[1].data["i"] == 3);
}

TEST_CASE("journal::to_json and event_from_json round trip and report bad fields") {
  Event e;
  e.id = "abc-1";
  e.at = at("2026-11-29T10:00:00Z");
  e.actor = "Ana <ana@x>";
  e.run = "abc";
  e.type = "hours.logged";
  e.client = "acme";
  e.data = {{"minutes", 90}};
  auto j = journal::to_json(e);
  CHECK(j["site"].is_null());
  CHECK(j["at"] == "2026-11-29T10:00:00Z");
  auto back = journal::event_from_json(j);
  REQUIRE(back);
  CHECK(back->client == "acme");
  CHECK(back->data == e.data);
  j["at"] = "yesterday";
  auto bad = journal::event_from_json(j);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("'at'") != std::string::npos);
  j.erase("run");
  CHECK_FALSE(journal::event_from_json(j));
}

TEST_CASE("journal::parse_time_arg reads dates in the agency zone, RFC 3339 and durations") {
  auto paris = *core::TimeZone::load("Europe/Paris");
  auto now = at("2026-11-29T10:00:00Z");
  CHECK(core::format_rfc3339_utc(*journal::parse_time_arg("2026-07-14", now, paris)) == "2026-07-13T22:00:00Z");
  CHECK(core::format_rfc3339_utc(*journal::parse_time_arg("2026-11", now, paris)) == "2026-10-31T23:00:00Z");
  CHECK(core::format_rfc3339_utc(*journal::parse_time_arg("7d", now, paris)) == "2026-11-22T10:00:00Z");
  CHECK(core::format_rfc3339_utc(*journal::parse_time_arg("2026-11-29T09:00:00Z", now, paris)) ==
        "2026-11-29T09:00:00Z");
  auto bad = journal::parse_time_arg("last week", now, paris);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("YYYY-MM-DD") != std::string::npos);
}
