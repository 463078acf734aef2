// The incident block of `tma summary`: counts, MTTA/MTTR, SLA, downtime and uptime, computed by hand.
#include <catch2/catch.hpp>

#include <tma/incident/stats.hpp>

using tma::core::Seconds;
using tma::core::SysSeconds;
using tma::inventory::Criticality;
namespace incident = tma::incident;

namespace {

SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

incident::Incident make(const char* id, const char* site, Criticality severity, const char* opened) {
  incident::Incident i;
  i.id = i.number = id;
  i.site = site;
  i.client = "acme";
  i.severity = severity;
  i.opened = utc(opened);
  return i;
}

incident::Incident outage(const char* id, Criticality severity, const char* from, const char* to) {
  auto i = make(id, "shop", severity, from);
  i.source = incident::Source::monitoring;
  i.resolved = utc(to);
  i.outages.push_back({utc(from), utc(to)});
  return i;
}

tma::inventory::Inventory inventory() {
  tma::inventory::Inventory inv;
  for (const char* name : {"shop", "blog"}) {
    tma::inventory::Site site;
    site.name = name;
    site.client = "acme";
    inv.sites.push_back(site);
  }
  tma::inventory::Client acme;
  acme.id = "acme";
  inv.clients.push_back(acme);
  return inv;
}

} // namespace

TEST_CASE("incident::month_stats for a Paris calendar month") {
  auto paris = *tma::core::TimeZone::load("Europe/Paris");
  auto inv = inventory();
  std::vector<incident::Incident> all;
  // 31 Oct 23:30 CET -> 1 Nov 01:30 CET: opened in October, 1h30 of it in November.
  all.push_back(outage("INC-2026-0001", Criticality::critical, "2026-10-31T22:30:00Z", "2026-11-01T00:30:00Z"));
  // Two problems of one site overlapping on 10 Nov: 10:00-10:30 and 10:15-10:45 UTC count 45m.
  all.push_back(outage("INC-2026-0002", Criticality::critical, "2026-11-10T10:00:00Z", "2026-11-10T10:30:00Z"));
  all.push_back(outage("INC-2026-0003", Criticality::major, "2026-11-10T10:15:00Z", "2026-11-10T10:45:00Z"));
  auto manual = make("INC-2026-0004", "blog", Criticality::minor, "2026-11-12T09:00:00Z");
  manual.acknowledged = utc("2026-11-12T10:00:00Z");
  manual.resolved = utc("2026-11-12T11:00:00Z");
  all.push_back(manual);
  auto other = make("INC-2026-0005", "elsewhere", Criticality::critical, "2026-11-12T09:00:00Z");
  other.client = "bistro";
  all.push_back(other);

  auto stats = incident::month_stats(all, "acme", inv, paris, 2026, 11, utc("2026-12-15T00:00:00Z"));
  CHECK(stats.total == 3);
  CHECK(stats.critical == 1);
  CHECK(stats.major == 1);
  CHECK(stats.minor == 1);
  CHECK(stats.open == 0);
  CHECK(stats.mtta == Seconds{(1800 + 1800 + 3600) / 3}); // resolution counts as first response
  CHECK(stats.mttr == Seconds{(1800 + 1800 + 7200) / 3});
  CHECK(stats.downtime == Seconds{5400 + 2700});
  CHECK(stats.observed == Seconds{30 * 86400 * 2}); // November in Paris, two sites
  REQUIRE(stats.uptime_percent);
  CHECK(*stats.uptime_percent == Approx(100.0 * (1.0 - 8100.0 / 5184000.0)));
  CHECK(stats.respond_met + stats.respond_breached + stats.resolve_met + stats.resolve_breached == 0); // no SLA

  auto json = incident::to_json(stats);
  CHECK(json["downtime_seconds"] == 8100);
  CHECK(json["by_severity"]["critical"] == 1);
  CHECK(incident::render(stats) ==
        "    by severity: 1 critical, 1 major, 1 minor (0 open)\n"
        "    MTTA 40m  MTTR 1h  SLA respond 0 met / 0 breached, resolve 0 met / 0 breached\n"
        "    downtime 2h15m  uptime 99.844 %\n");

  SECTION("October holds the rest of the first outage") {
    auto october = incident::month_stats(all, "acme", inv, paris, 2026, 10, utc("2026-12-15T00:00:00Z"));
    CHECK(october.total == 1);
    CHECK(october.downtime == Seconds{1800}); // 23:30 -> midnight CET
  }
  SECTION("the current month counts up to now, and an ongoing outage up to now") {
    auto ongoing = outage("INC-2026-0006", Criticality::critical, "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z");
    ongoing.resolved.reset();
    ongoing.outages.back().end.reset();
    all.push_back(ongoing);
    auto now = utc("2026-11-20T12:00:00Z");
    auto current = incident::month_stats(all, "acme", inv, paris, 2026, 11, now);
    CHECK(current.open == 1);
    CHECK(current.downtime == Seconds{5400 + 2700 + 7200});
    CHECK(current.observed == std::chrono::duration_cast<Seconds>(now - utc("2026-10-31T23:00:00Z")) * 2);
  }
  SECTION("SLA met and breached from the contract") {
    tma::inventory::Sla sla;
    sla.clock = tma::inventory::SlaClock::always;
    sla.critical = tma::inventory::SlaTarget{Seconds{900}, Seconds{3600}};
    sla.minor = tma::inventory::SlaTarget{Seconds{7200}, Seconds{7200}};
    inv.clients[0].contract.sla = sla;
    auto with_sla = incident::month_stats(all, "acme", inv, paris, 2026, 11, utc("2026-12-15T00:00:00Z"));
    // critical INC-2: responded (resolved) after 30m > 15m: respond breached, resolve met;
    // minor INC-4: ack 1h, resolved 2h: both met; major has no target.
    CHECK(with_sla.respond_met == 1);
    CHECK(with_sla.respond_breached == 1);
    CHECK(with_sla.resolve_met == 2);
    CHECK(with_sla.resolve_breached == 0);
  }
}

TEST_CASE("incident::period_stats: a preprod outage is an incident, not downtime") {
  auto prod = outage("INC-1", Criticality::critical, "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z");
  prod.env = "prod";
  auto preprod = outage("INC-2", Criticality::minor, "2026-03-11T10:00:00Z", "2026-03-11T15:00:00Z");
  preprod.env = "preprod";
  auto zone = tma::core::TimeZone::utc();
  auto stats = incident::month_stats({prod, preprod}, "acme", inventory(), zone, 2026, 3, utc("2026-04-02T00:00:00Z"));
  CHECK(stats.total == 2);
  CHECK(stats.downtime == Seconds(3600));
}

TEST_CASE("incident::timing: a preprod incident is internal and has no SLA") {
  auto preprod = outage("INC-2", Criticality::critical, "2026-03-11T10:00:00Z", "2026-03-11T15:00:00Z");
  preprod.env = "preprod";
  auto prod = preprod;
  prod.env = "prod";
  auto zone = tma::core::TimeZone::utc();
  auto now = utc("2026-04-02T00:00:00Z");
  CHECK(preprod.internal());
  CHECK(incident::priority_of(preprod) == "internal");
  CHECK_FALSE(prod.internal());
  CHECK(incident::priority_of(prod) == "critical");
  auto inv = inventory();
  tma::inventory::Sla sla;
  sla.clock = tma::inventory::SlaClock::always;
  sla.critical = tma::inventory::SlaTarget{Seconds{900}, Seconds{3600}};
  inv.clients[0].contract.sla = sla;
  CHECK(incident::timing(prod, inv, zone, now).respond);
  auto internal = incident::timing(preprod, inv, zone, now);
  CHECK_FALSE(internal.respond);
  CHECK_FALSE(internal.resolve);
  CHECK(internal.to_resolve == Seconds(5 * 3600));
  auto json = incident::to_json(preprod, internal);
  CHECK(json["priority"] == "internal");
  CHECK(json["internal"] == true);
  CHECK(json["severity"] == "critical");
}
