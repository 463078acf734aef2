// Incidents folded from journal events: lifecycle, ids, the clash rule after a sync, timings and SLA.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <tma/incident/incident.hpp>
#include <tma/incident/stats.hpp>

using namespace std::chrono_literals;
using tma::core::SysSeconds;
using tma::journal::MemoryJournal;
using tma::journal::Run;
namespace incident = tma::incident;

namespace {

SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

tma::core::TimeZone paris() {
  auto zone = tma::core::TimeZone::load("Europe/Paris");
  REQUIRE(zone);
  return *zone;
}

incident::OpenRequest request(std::string title, tma::inventory::Criticality severity = tma::inventory::Criticality::major) {
  incident::OpenRequest r;
  r.site = "shop";
  r.env = "prod";
  r.client = "acme";
  r.severity = severity;
  r.title = std::move(title);
  return r;
}

tma::journal::Event opened_event(std::string run, std::string number, SysSeconds at, std::string title) {
  tma::journal::Event e;
  e.id = run + "-2";
  e.run = std::move(run);
  e.at = at;
  e.type = "incident.opened";
  e.site = "shop";
  e.client = "acme";
  e.data = {{"incident", number}, {"severity", "major"}, {"title", title}};
  return e;
}

} // namespace

TEST_CASE("incident::open, acknowledge, note, resolve through the journal") {
  MemoryJournal journal("Ops <ops@tma.invalid>", utc("2026-11-30T08:00:00Z"));
  auto zone = paris();
  Run run(journal, "incident open");
  auto first = incident::open(journal, run, request("Checkout returns 500"), zone);
  REQUIRE(first);
  CHECK(first->id == "INC-2026-0001");
  auto second = incident::open(journal, run, request("Slow admin", tma::inventory::Criticality::minor), zone);
  REQUIRE(second);
  CHECK(second->id == "INC-2026-0002");

  journal.advance(30min);
  REQUIRE(incident::acknowledge(run, *first, std::nullopt));
  journal.advance(15min);
  REQUIRE(incident::note(run, *first, "rolled back the payment plugin"));
  journal.advance(45min);
  REQUIRE(incident::resolve(run, *first, "plugin regression", std::nullopt));
  REQUIRE(run.finish(0));

  auto all = incident::load_all(journal);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  auto found = incident::find(*all, "INC-2026-0001");
  REQUIRE(found);
  CHECK(found->title == "Checkout returns 500");
  CHECK(found->opened == utc("2026-11-30T08:00:00Z"));
  CHECK(found->acknowledged == utc("2026-11-30T08:30:00Z"));
  CHECK(found->resolved == utc("2026-11-30T09:30:00Z"));
  CHECK(found->cause == "plugin regression");
  REQUIRE(found->notes.size() == 1);
  CHECK(found->notes[0].text == "rolled back the payment plugin");
  CHECK(found->notes[0].actor == "Ops <ops@tma.invalid>");
  CHECK(incident::status_of(*found) == "resolved");
  CHECK(incident::status_of((*all)[1]) == "open");

  SECTION("invalid transitions are refused with a clear message") {
    Run again(journal, "incident");
    auto ack = incident::acknowledge(again, *found, std::nullopt);
    REQUIRE_FALSE(ack);
    CHECK(ack.error().message == "INC-2026-0001 is already resolved");
    auto res = incident::resolve(again, *found, "", std::nullopt);
    REQUIRE_FALSE(res);
    CHECK(res.error().message == "INC-2026-0001 was already resolved at 2026-11-30T09:30:00Z");
    CHECK_FALSE(incident::note(again, *found, ""));
    CHECK(incident::find(*all, "INC-2026-0099").error().message == "no incident 'INC-2026-0099' in the journal");
  }
}

TEST_CASE("incident::open validates the title and --at") {
  MemoryJournal journal("Ops <ops@tma.invalid>", utc("2026-11-30T08:00:00Z"));
  Run run(journal, "incident open");
  CHECK(incident::open(journal, run, request(""), paris()).error().message == "an incident needs a title");
  auto future = request("x");
  future.at = utc("2026-11-30T09:00:00Z");
  CHECK(incident::open(journal, run, future, paris()).error().message == "--at: the incident cannot start in the future");
  auto past = request("started earlier");
  past.at = utc("2026-11-30T07:00:00Z");
  auto opened = incident::open(journal, run, past, paris());
  REQUIRE(opened);
  CHECK(opened->opened == utc("2026-11-30T07:00:00Z"));
}

TEST_CASE("incident::next_number counts per agency-local year") {
  auto zone = paris();
  std::vector<incident::Incident> none;
  CHECK(incident::next_number(none, utc("2026-06-01T00:00:00Z"), zone) == "INC-2026-0001");
  // 31 Dec 2026 23:30Z is already 2027 in Paris
  CHECK(incident::next_number(none, utc("2026-12-31T23:30:00Z"), zone) == "INC-2027-0001");
  auto folded = incident::fold({opened_event("aaaa000000000000", "INC-2026-0041", utc("2026-05-01T00:00:00Z"), "a"),
                                opened_event("bbbb000000000000", "INC-2025-0099", utc("2025-05-01T00:00:00Z"), "b")});
  CHECK(incident::next_number(folded, utc("2026-06-01T00:00:00Z"), zone) == "INC-2026-0042");
}

TEST_CASE("incident::fold resolves a number clash after two machines sync") {
  // Machine A (run ...beef) and machine B (run ...cafe) both allocated INC-2026-0007 offline.
  auto a = opened_event("000000000000beef", "INC-2026-0007", utc("2026-11-30T08:00:00Z"), "A: site down");
  auto b = opened_event("000000000000cafe", "INC-2026-0007", utc("2026-11-30T08:05:00Z"), "B: TLS expired");
  tma::journal::Event resolve_b;
  resolve_b.id = "000000000000cafe-3";
  resolve_b.run = "000000000000cafe";
  resolve_b.at = utc("2026-11-30T09:00:00Z");
  resolve_b.type = "incident.resolved";
  resolve_b.data = {{"incident", "INC-2026-0007"}, {"opened_event", b.id}};
  // Order of the input does not matter: every machine derives the same ids.
  for (auto events : {std::vector{a, b, resolve_b}, std::vector{resolve_b, b, a}}) {
    auto folded = incident::fold(events);
    REQUIRE(folded.size() == 2);
    CHECK(folded[0].id == "INC-2026-0007");
    CHECK(folded[0].title == "A: site down");
    CHECK(folded[0].is_open()); // the resolution named B's opening event
    CHECK(folded[1].id == "INC-2026-0007-cafe");
    CHECK_FALSE(folded[1].is_open());
    auto ambiguous = incident::find(folded, "INC-2026-0007-cafe");
    REQUIRE(ambiguous);
    CHECK(ambiguous->title == "B: TLS expired");
    CHECK(incident::find(folded, "INC-2026-0007")->title == "A: site down");
  }
}

TEST_CASE("incident::timing reports wall-clock times and the contract SLA") {
  tma::inventory::Inventory inventory;
  tma::inventory::Client client;
  client.id = "acme";
  tma::inventory::Sla sla;
  sla.clock = tma::inventory::SlaClock::business;
  sla.major = tma::inventory::SlaTarget{tma::core::Seconds{4 * 3600}, tma::core::Seconds{2 * 86400}};
  client.contract.sla = sla;
  inventory.clients.push_back(client);

  incident::Incident inc;
  inc.client = "acme";
  inc.severity = tma::inventory::Criticality::major;
  inc.opened = utc("2026-11-27T15:00:00Z");        // Fri 16:00 Paris
  inc.acknowledged = utc("2026-11-30T09:30:00Z");  // Mon 10:30 Paris: 2h + 1.5h of business time
  auto t = incident::timing(inc, inventory, paris(), utc("2026-11-30T12:00:00Z"));
  CHECK(t.to_acknowledge == tma::core::Seconds{66 * 3600 + 30 * 60});
  REQUIRE(t.respond);
  CHECK(t.respond->status == incident::SlaStatus::met);
  CHECK(t.respond->used == tma::core::Seconds{3 * 3600 + 30 * 60});
  REQUIRE(t.resolve);
  CHECK(t.resolve->status == incident::SlaStatus::running); // 2h + 3h used of 48h
  CHECK_FALSE(t.to_resolve);

  SECTION("no target for the severity, or no contract SLA") {
    inc.severity = tma::inventory::Criticality::minor;
    auto none = incident::timing(inc, inventory, paris(), utc("2026-11-30T12:00:00Z"));
    CHECK_FALSE(none.respond);
    CHECK_FALSE(none.resolve);
  }
  SECTION("json") {
    auto json = incident::to_json(inc, t);
    CHECK(json["status"] == "acknowledged");
    CHECK(json["sla"]["respond"]["status"] == "met");
    CHECK(json["sla"]["resolve"]["status"] == "running");
    CHECK(json["time_to_resolve_seconds"].is_null());
  }
}

TEST_CASE("incident times out of order are refused naming the incident and both instants") {
  MemoryJournal journal("Ops <ops@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  Run run(journal, "incident open");
  auto past = request("Checkout returns 500");
  past.at = utc("2026-11-30T08:00:00Z");
  auto opened = incident::open(journal, run, past, paris());
  REQUIRE(opened);

  auto early_ack = incident::acknowledge(run, *opened, utc("2026-11-30T07:00:00Z"));
  REQUIRE_FALSE(early_ack);
  CHECK(early_ack.error().kind == tma::core::ErrorKind::usage);
  CHECK(early_ack.error().message ==
        "INC-2026-0001 cannot be acknowledged at 2026-11-30T07:00:00Z, before it was opened at 2026-11-30T08:00:00Z");
  auto early_resolve = incident::resolve(run, *opened, "", utc("2026-11-30T07:59:59Z"));
  REQUIRE_FALSE(early_resolve);
  CHECK(early_resolve.error().message ==
        "INC-2026-0001 cannot be resolved at 2026-11-30T07:59:59Z, before it was opened at 2026-11-30T08:00:00Z");

  REQUIRE(incident::acknowledge(run, *opened, utc("2026-11-30T09:00:00Z")));
  REQUIRE(run.flush());
  auto acked = incident::find(*incident::load_all(journal), "INC-2026-0001");
  REQUIRE(acked);
  auto before_ack = incident::resolve(run, *acked, "", utc("2026-11-30T08:30:00Z"));
  REQUIRE_FALSE(before_ack);
  CHECK(before_ack.error().message ==
        "INC-2026-0001 cannot be resolved at 2026-11-30T08:30:00Z, before it was acknowledged at 2026-11-30T09:00:00Z");
  // The instant of the acknowledgement itself, and later, are fine.
  CHECK(incident::resolve(run, *acked, "", utc("2026-11-30T09:00:00Z")));
}

TEST_CASE("incident durations are never negative, whatever order the journal holds") {
  // Events from journals written before such times were refused, or synced from a machine whose
  // clock was ahead: acknowledged before the opening, resolved before the acknowledgement.
  tma::inventory::Inventory inventory;
  tma::inventory::Client client;
  client.id = "acme";
  tma::inventory::Sla sla;
  sla.major = tma::inventory::SlaTarget{tma::core::Seconds{3600}, tma::core::Seconds{4 * 3600}};
  client.contract.sla = sla;
  inventory.clients.push_back(client);
  auto opened = opened_event("aaaa000000000000", "INC-2026-0001", utc("2026-11-30T08:00:00Z"), "x");
  auto follow = [&](const char* type, const char* key, const char* at, int seq) {
    tma::journal::Event e;
    e.run = "bbbb000000000000";
    e.id = e.run + "-" + std::to_string(seq);
    e.at = utc("2026-11-30T12:00:00Z");
    e.type = type;
    e.data = {{"incident", "INC-2026-0001"}, {"opened_event", opened.id}, {key, at}};
    return e;
  };

  SECTION("acknowledged an hour before the opening") {
    auto folded = incident::fold({opened, follow("incident.acknowledged", "acknowledged_at", "2026-11-30T07:00:00Z", 2)});
    REQUIRE(folded.size() == 1);
    auto t = incident::timing(folded[0], inventory, paris(), utc("2026-11-30T12:00:00Z"));
    CHECK(t.to_acknowledge == tma::core::Seconds{0});
    REQUIRE(t.respond);
    CHECK(t.respond->used == tma::core::Seconds{0});
    auto stats = incident::period_stats(folded, "acme", inventory, paris(), utc("2026-11-01T00:00:00Z"),
                                        utc("2026-12-01T00:00:00Z"), utc("2026-11-30T12:00:00Z"));
    CHECK(stats.mtta == tma::core::Seconds{0});
  }
  SECTION("resolved before the acknowledgement: the resolution was the first response") {
    auto folded = incident::fold({opened, follow("incident.acknowledged", "acknowledged_at", "2026-11-30T11:00:00Z", 2),
                                  follow("incident.resolved", "resolved_at", "2026-11-30T08:30:00Z", 3)});
    REQUIRE(folded.size() == 1);
    CHECK(folded[0].first_response() == utc("2026-11-30T08:30:00Z"));
    auto t = incident::timing(folded[0], inventory, paris(), utc("2026-11-30T12:00:00Z"));
    REQUIRE(t.respond);
    CHECK(t.respond->status == incident::SlaStatus::met); // 30 min of a 1h budget, not 3h
    CHECK(t.to_resolve == tma::core::Seconds{1800});
    auto stats = incident::period_stats(folded, "acme", inventory, paris(), utc("2026-11-01T00:00:00Z"),
                                        utc("2026-12-01T00:00:00Z"), utc("2026-11-30T12:00:00Z"));
    CHECK(stats.mtta == tma::core::Seconds{1800});
    CHECK(stats.respond_breached == 0);
  }
  SECTION("a negative downtime recorded is counted as none") {
    auto resolved = follow("incident.resolved", "resolved_at", "2026-11-30T09:00:00Z", 2);
    resolved.data["downtime_seconds"] = -600;
    auto folded = incident::fold({opened, resolved});
    CHECK(folded[0].downtime == tma::core::Seconds{0});
  }
}

TEST_CASE("journal run ids grow with time so runs within one second keep their order") {
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    auto id = tma::journal::new_run_id();
    REQUIRE(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(previous < id);
    previous = id;
  }
  // Opened, resolved, then reopened by three runs in the same second (the journal's clock does
  // not move): the reopening is the last word, whatever order the events are read in. Twenty
  // incidents, so that an order left to chance would fail.
  MemoryJournal journal;
  for (int n = 1; n <= 20; ++n) {
    auto number = fmt::format("INC-2026-{:04}", n);
    std::string opened_id;
    {
      Run run(journal, "incident open");
      opened_id = run.record("incident.opened", {"shop", "prod", "acme"},
                             {{"incident", number}, {"severity", "major"}, {"title", "down"}})
                      .id;
      REQUIRE(run.finish(0));
    }
    for (const char* type : {"incident.resolved", "incident.reopened"}) {
      Run run(journal, "incident follow-up");
      run.record(type, {"shop", "prod", "acme"}, {{"incident", number}, {"opened_event", opened_id}});
      REQUIRE(run.finish(0));
    }
  }
  std::vector<tma::journal::Event> events;
  REQUIRE(journal.scan({}, [&](const tma::journal::Event& e) {
    events.push_back(e);
    return true;
  }));
  for (auto order : {events, std::vector<tma::journal::Event>(events.rbegin(), events.rend())}) {
    auto folded = incident::fold(order);
    REQUIRE(folded.size() == 20);
    for (const auto& i : folded) CHECK(i.is_open());
  }
}
