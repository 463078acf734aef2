// Monitoring incidents from fake health results: thresholds, one incident per problem, notes while
// down, resolution with the downtime, flapping, state carried between runs by the journal.
#include <catch2/catch.hpp>

#include <tma/incident/monitor.hpp>

using namespace std::chrono_literals;
using tma::core::SysSeconds;
using tma::incident::Probe;
using tma::incident::Transition;
using tma::journal::MemoryJournal;
using tma::journal::Run;
namespace incident = tma::incident;

namespace {

SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

tma::inventory::Inventory inventory_with_site(tma::inventory::Criticality criticality, int down_after = 2) {
  tma::inventory::Inventory inventory;
  tma::inventory::Site site;
  site.name = "shop";
  site.client = "acme";
  site.criticality = criticality;
  site.health.down_after = down_after;
  inventory.sites.push_back(site);
  tma::inventory::Client client;
  client.id = "acme";
  inventory.clients.push_back(client);
  return inventory;
}

// One `tma health --record` run: a fresh Run per check, as separate invocations would have.
incident::MonitorOutcome check(MemoryJournal& journal, const tma::inventory::Inventory& inventory, bool ok) {
  Run run(journal, "health");
  Probe probe{"shop", "prod", ok, "health", ok ? "" : "https://shop.example/: expected status 200, got 503"};
  auto outcomes = incident::record_probes(journal, run, inventory, tma::core::TimeZone::utc(), {probe});
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 1);
  REQUIRE(run.finish(0));
  journal.advance(5min);
  return outcomes->front();
}

// The in-memory journal, counting the scans a command makes.
class CountingJournal final : public tma::journal::Journal {
public:
  explicit CountingJournal(SysSeconds now) : m_inner("tma <tma@tma.invalid>", now) {}
  tma::core::Result<void> write_run(const std::string& run_id, SysSeconds started,
                                    const std::vector<tma::journal::Event>& events) override {
    return m_inner.write_run(run_id, started, events);
  }
  tma::core::Result<void> scan(const tma::journal::Filter& filter, const tma::journal::Visitor& visit) const override {
    ++m_scans;
    return m_inner.scan(filter, visit);
  }
  std::string actor() const override { return m_inner.actor(); }
  SysSeconds now() const override { return m_inner.now(); }
  void advance(std::chrono::seconds by) { m_inner.advance(by); }
  std::size_t scans() const { return m_scans; }

private:
  MemoryJournal m_inner;
  mutable std::size_t m_scans = 0;
};

std::vector<incident::Incident> incidents(const MemoryJournal& journal) {
  auto all = incident::load_all(journal);
  REQUIRE(all);
  return *all;
}

} // namespace

TEST_CASE("incident::record_probes: 3 failures then recovery give one incident") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inventory = inventory_with_site(tma::inventory::Criticality::critical);

  CHECK(check(journal, inventory, true).transition == Transition::none);   // 10:00
  auto first = check(journal, inventory, false);                           // 10:05
  CHECK(first.transition == Transition::counted);
  CHECK(first.streak == 1);
  CHECK(incidents(journal).empty());

  auto second = check(journal, inventory, false);                          // 10:10
  CHECK(second.transition == Transition::opened);
  CHECK(second.streak == 2);
  REQUIRE(second.event);
  CHECK(second.event->type == "incident.opened");
  auto open = incidents(journal);
  REQUIRE(open.size() == 1);
  CHECK(open[0].id == "INC-2026-0001");
  CHECK(open[0].severity == tma::inventory::Criticality::critical); // from the site's criticality
  CHECK(open[0].opened == utc("2026-11-30T10:05:00Z"));             // down since the first failure
  CHECK(open[0].source == incident::Source::monitoring);

  auto third = check(journal, inventory, false);                           // 10:15
  CHECK(third.transition == Transition::noted);
  CHECK(third.streak == 3);

  auto back = check(journal, inventory, true);                             // 10:20
  CHECK(back.transition == Transition::resolved);
  REQUIRE(back.downtime);
  CHECK(*back.downtime == 15min); // 10:05 -> 10:20
  REQUIRE(back.incident);
  CHECK(back.incident->downtime == 15min);
  CHECK(back.incident->resolved == utc("2026-11-30T10:20:00Z"));

  CHECK(check(journal, inventory, true).transition == Transition::none);   // 10:25
  auto all = incidents(journal);
  REQUIRE(all.size() == 1);
  CHECK(all[0].resolved == utc("2026-11-30T10:20:00Z"));
  CHECK(all[0].downtime == 15min);
  REQUIRE(all[0].notes.size() == 1);
  CHECK(all[0].notes[0].text == "still down (check 3 in a row): https://shop.example/: expected status 200, got 503");
}

TEST_CASE("incident::record_probes: single failures never open an incident") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inventory = inventory_with_site(tma::inventory::Criticality::major);
  for (int i = 0; i < 5; ++i) {
    CHECK(check(journal, inventory, false).transition == Transition::counted);
    CHECK(check(journal, inventory, true).transition == Transition::recovered);
  }
  CHECK(incidents(journal).empty());
}

TEST_CASE("incident::record_probes: a flapping site keeps one incident") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inventory = inventory_with_site(tma::inventory::Criticality::major);
  for (int cycle = 0; cycle < 4; ++cycle) {
    check(journal, inventory, false);
    auto down = check(journal, inventory, false);
    CHECK(down.transition == (cycle == 0 ? Transition::opened : Transition::reopened));
    CHECK(check(journal, inventory, true).transition == Transition::resolved);
  }
  auto all = incidents(journal);
  REQUIRE(all.size() == 1);
  CHECK(all[0].downtime == 4 * 10min); // each cycle: down at check 1, back 10 minutes later
  CHECK(all[0].severity == tma::inventory::Criticality::major);

  SECTION("after the reopen window a new incident is opened") {
    journal.advance(incident::k_reopen_window + 1min);
    check(journal, inventory, false);
    CHECK(check(journal, inventory, false).transition == Transition::opened);
    CHECK(incidents(journal).size() == 2);
  }
}

TEST_CASE("incident::record_probes honours down_after and rejects unknown sites") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inventory = inventory_with_site(tma::inventory::Criticality::minor, 3);
  CHECK(check(journal, inventory, false).transition == Transition::counted);
  CHECK(check(journal, inventory, false).transition == Transition::counted);
  CHECK(check(journal, inventory, false).transition == Transition::opened);

  Run run(journal, "health");
  auto unknown = incident::record_probes(journal, run, inventory, tma::core::TimeZone::utc(),
                                         {Probe{"nope", "prod", false, "health", "x"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "monitoring: unknown site 'nope'");
}

TEST_CASE("incident::probes_from_health groups results per site and env") {
  tma::check::HealthResult ok{"shop", "prod", "https://shop.example/", tma::check::HealthLevel::ok};
  tma::check::HealthResult slow{"shop", "prod", "https://shop.example/a", tma::check::HealthLevel::warning};
  tma::check::HealthResult bad{"blog", "prod", "https://blog.example/", tma::check::HealthLevel::critical};
  bad.problems.push_back({"status", tma::check::HealthLevel::critical, "expected status 200, got 500"});
  auto probes = incident::probes_from_health({ok, slow, bad});
  REQUIRE(probes.size() == 2);
  CHECK(probes[0].site == "shop");
  CHECK(probes[0].ok);
  CHECK(probes[1].site == "blog");
  CHECK_FALSE(probes[1].ok);
  CHECK(probes[1].detail == "https://blog.example/: expected status 200, got 500");
}

TEST_CASE("incident::open_rollback_incident attaches the update run") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inventory = inventory_with_site(tma::inventory::Criticality::critical);
  Run run(journal, "update");
  auto opened = incident::open_rollback_incident(
      journal, run, inventory.sites[0],
      {.env = "prod", .outcome = "rolled back", .detail = "smoke test failed", .backup = "b1", .update_run = run.id()},
      tma::core::TimeZone::utc());
  REQUIRE(opened);
  CHECK(opened->severity == tma::inventory::Criticality::major);
  CHECK(opened->run == run.id());
  CHECK(opened->title == "update of shop (prod) rolled back: smoke test failed");
  CHECK(opened->source == incident::Source::update);
  CHECK(incidents(journal).size() == 1);
}

TEST_CASE("incident::record_probes: a preprod outage opens a minor incident, whatever the site's criticality") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inventory = inventory_with_site(tma::inventory::Criticality::critical, 1);
  Run run(journal, "health");
  Probe probe{"shop", "preprod", false, "health", "https://pre.shop.example/: expected status 200, got 503"};
  auto outcomes = incident::record_probes(journal, run, inventory, tma::core::TimeZone::utc(), {probe});
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 1);
  CHECK(outcomes->front().transition == Transition::opened);
  REQUIRE(run.finish(0));
  auto all = incidents(journal);
  REQUIRE(all.size() == 1);
  CHECK(all[0].env == "preprod");
  CHECK(all[0].severity == tma::inventory::Criticality::minor);
}

// Found by the soak (bench/soak): one journal scan per probe made a health run of 200 sites read
// the last 14 days of the journal 400 times. The streaks now come from one scan, with the same
// answers per site and environment.
TEST_CASE("incident::record_probes reads the streaks of all its probes in one journal scan") {
  CountingJournal journal(utc("2026-11-30T10:00:00Z"));
  tma::inventory::Inventory inventory;
  std::vector<Probe> probes;
  for (int i = 0; i < 20; ++i) {
    tma::inventory::Site site;
    site.name = "site" + std::to_string(i);
    site.client = "acme";
    site.health.down_after = 2;
    inventory.sites.push_back(site);
    for (const char* env : {"prod", "preprod"}) probes.push_back(Probe{site.name, env, true, "health", ""});
  }
  tma::inventory::Client client;
  client.id = "acme";
  inventory.clients.push_back(client);
  // Earlier runs: site3 prod failed once, site4 prod failed once then recovered.
  auto earlier = [&](std::vector<Probe> some) {
    Run run(journal, "health");
    REQUIRE(incident::record_probes(journal, run, inventory, tma::core::TimeZone::utc(), some));
    REQUIRE(run.finish(0));
    journal.advance(5min);
  };
  earlier({Probe{"site3", "prod", false, "health", "down"}, Probe{"site4", "prod", false, "health", "down"}});
  earlier({Probe{"site4", "prod", true, "health", ""}});

  for (auto& probe : probes) {
    if (probe.env == "prod" && (probe.site == "site3" || probe.site == "site4" || probe.site == "site5")) {
      probe.ok = false;
      probe.detail = "expected status 200, got 503";
    }
  }
  auto before = journal.scans();
  Run run(journal, "health");
  auto outcomes = incident::record_probes(journal, run, inventory, tma::core::TimeZone::utc(), probes);
  REQUIRE(outcomes);
  REQUIRE(run.finish(0));
  // load_all's scan, the streaks' scan, and what opening site3's incident reads: not one per probe.
  CHECK(journal.scans() - before <= 4);
  REQUIRE(outcomes->size() == probes.size());
  for (const auto& o : *outcomes) {
    INFO(o.probe.site << " " << o.probe.env);
    if (o.probe.site == "site3" && o.probe.env == "prod") {
      CHECK(o.streak == 2);
      CHECK(o.transition == Transition::opened);
    } else if ((o.probe.site == "site4" || o.probe.site == "site5") && o.probe.env == "prod") {
      CHECK(o.streak == 1);
      CHECK(o.transition == Transition::counted);
    } else {
      CHECK(o.transition == Transition::none);
    }
  }
}
