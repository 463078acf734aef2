// time.logged events through the in-memory journal: recording, reading back, local dates in
// Europe/Paris across the DST changes, automatic entries, the incident block.
#include <catch2/catch.hpp>

#include <tma/contract/record.hpp>
#include <tma/contract/render.hpp>
#include <tma/contract/summary.hpp>

using namespace tma;
using namespace tma::contract;
using core::Date;
using std::chrono::seconds;

namespace {

core::SysSeconds utc(const char* text) { return *core::parse_rfc3339(text); }

core::TimeZone paris() {
  auto zone = core::TimeZone::load("Europe/Paris");
  REQUIRE(zone);
  return *zone;
}

inventory::Inventory small_inventory() {
  inventory::Inventory inv;
  inventory::Client acme;
  acme.id = "acme";
  acme.name = "ACME SARL";
  acme.contract.model = inventory::ContractModel::subscription;
  acme.contract.monthly_fee = 45000;
  acme.contract.included = seconds(4 * 3600);
  acme.contract.overage_rate = 8500;
  inventory::Client bistro;
  bistro.id = "bistro";
  bistro.name = "Bistro du Port";
  bistro.contract.model = inventory::ContractModel::on_demand;
  bistro.contract.rate = 9500;
  bistro.contract.increment = seconds(900);
  bistro.contract.minimum = seconds(1800);
  inv.clients = {acme, bistro};
  inventory::Site www;
  www.name = "acme-www";
  www.client = "acme";
  inventory::Site site;
  site.name = "bistro-site";
  site.client = "bistro";
  inv.sites = {www, site};
  return inv;
}

// Log `duration` for `client` with the journal's clock at `at` (and an optional explicit date).
TimeEntry log_at(journal::MemoryJournal& journal, const char* at, const std::string& client, long duration,
                 std::optional<Date> date = std::nullopt, Billable billable = Billable::yes) {
  journal.set_now(utc(at));
  journal::Run run(journal, "hours log");
  LogRequest request;
  request.client = client;
  request.duration = seconds(duration);
  request.description = "work";
  request.date = date;
  request.billable = billable;
  auto entry = log_time(run, request, paris(), journal.now());
  REQUIRE(entry);
  REQUIRE(run.finish(0));
  return *entry;
}

} // namespace

TEST_CASE("contract::log_time records a time.logged event that reads back identically") {
  journal::MemoryJournal journal;
  journal.set_now(utc("2026-03-10T09:00:00Z"));
  journal::Run run(journal, "hours log");
  LogRequest request{"acme", std::string("acme-www"), seconds(5400), "  updated plugins  ", Date{2026, 3, 9},
                     Category::security, std::string("RM-42"), Billable::yes};
  auto entry = log_time(run, request, paris(), journal.now());
  REQUIRE(entry);
  REQUIRE(run.finish(0));
  CHECK(entry->description == "updated plugins");
  auto events = journal.events();
  auto it = std::find_if(events.begin(), events.end(), [](const auto& e) { return e.type == "time.logged"; });
  REQUIRE(it != events.end());
  CHECK(it->client == "acme");
  CHECK(it->site == "acme-www");
  CHECK(it->data == nlohmann::json{{"date", "2026-03-09"},
                                   {"duration_seconds", 5400},
                                   {"description", "updated plugins"},
                                   {"category", "security"},
                                   {"ticket", "RM-42"},
                                   {"billable", true},
                                   {"automatic", false}});
  auto back = entry_from_event(*it);
  REQUIRE(back);
  CHECK(back->id == it->id);
  CHECK(back->at == utc("2026-03-10T09:00:00Z"));
  CHECK(back->date == Date{2026, 3, 9});
  CHECK(back->site == std::optional<std::string>("acme-www"));
  CHECK(back->duration.count() == 5400);
  CHECK(back->category == Category::security);
  CHECK(back->ticket == std::optional<std::string>("RM-42"));
  CHECK(back->counts());
  CHECK(back->actor == "Test <test@tma.invalid>");
}

TEST_CASE("contract::check_log_request refuses what cannot be right") {
  auto now = utc("2026-03-31T21:59:59Z"); // 23:59:59 in Paris, still March 31
  LogRequest request{"acme", std::nullopt, seconds(600), "x", Date{2026, 4, 1}, Category::support, std::nullopt,
                     Billable::yes};
  auto future = check_log_request(request, paris(), now);
  REQUIRE_FALSE(future);
  CHECK(future.error().kind == core::ErrorKind::usage);
  CHECK(future.error().message == "--date 2026-04-01 is in the future (today is 2026-03-31 in Europe/Paris)");
  request.date = Date{2026, 3, 31};
  CHECK(check_log_request(request, paris(), now));
  request.description = "   ";
  CHECK(check_log_request(request, paris(), now).error().message == "the description of the work is empty");
  request.description = "x";
  request.duration = seconds(0);
  CHECK(check_log_request(request, paris(), now).error().message ==
        "duration 0h00 is out of range (more than 0, at most 24h00)");
}

TEST_CASE("contract::log_time dates entries in the agency's zone across DST changes") {
  struct Row {
    const char* at;
    Date local;
  };
  // Summer time starts 2026-03-29 (UTC+2), ends 2026-10-25 (UTC+1).
  const Row rows[] = {
      {"2026-03-28T22:59:59Z", {2026, 3, 28}}, {"2026-03-28T23:00:00Z", {2026, 3, 29}}, // still UTC+1
      {"2026-03-31T21:59:59Z", {2026, 3, 31}}, {"2026-03-31T22:00:00Z", {2026, 4, 1}},  // UTC+2
      {"2026-03-31T22:30:00Z", {2026, 4, 1}},                                             // the brief's case
      {"2026-10-24T22:30:00Z", {2026, 10, 25}},                                           // UTC+2 until 01:00Z
      {"2026-10-31T22:59:59Z", {2026, 10, 31}}, {"2026-10-31T23:00:00Z", {2026, 11, 1}}, // UTC+1
      {"2026-12-31T23:00:00Z", {2027, 1, 1}},
  };
  for (const auto& row : rows) {
    INFO(row.at);
    journal::MemoryJournal journal;
    auto entry = log_at(journal, row.at, "acme", 3600);
    CHECK(entry.date == row.local);
  }
}

TEST_CASE("contract::hours_report puts entries in the month of their local date") {
  journal::MemoryJournal journal;
  auto inv = small_inventory();
  log_at(journal, "2026-03-31T21:30:00Z", "acme", 2 * 3600);  // March 31, 23:30 in Paris
  log_at(journal, "2026-03-31T22:30:00Z", "acme", 3 * 3600);  // April 1, 00:30 in Paris
  log_at(journal, "2026-04-02T08:00:00Z", "acme", 3600, Date{2026, 3, 30}); // logged in April for March
  log_at(journal, "2026-04-03T08:00:00Z", "acme", 3600, std::nullopt, Billable::no);
  log_at(journal, "2026-04-03T09:00:00Z", "bistro", 600);
  std::vector<const inventory::Client*> clients{inv.client("acme"), inv.client("bistro")};

  auto march = hours_report(journal, clients, *parse_month("2026-03"), paris());
  REQUIRE(march);
  REQUIRE(march->clients.size() == 2);
  CHECK(march->problems.empty());
  CHECK(march->clients[0].billable.count() == 3 * 3600);
  CHECK(march->clients[1].billable.count() == 0);

  auto april = hours_report(journal, clients, *parse_month("2026-04"), paris());
  REQUIRE(april);
  const auto& acme = april->clients[0];
  CHECK(acme.billable.count() == 3 * 3600);
  CHECK(acme.unbilled.non_billable.count() == 3600);
  CHECK(std::get<SubscriptionFigures>(acme.figures).remaining.count() == 3600);
  const auto& bistro = std::get<OnDemandFigures>(april->clients[1].figures);
  REQUIRE(bistro.lines.size() == 1);
  CHECK(bistro.lines[0].billed.count() == 1800);
  CHECK(bistro.amount == 4750);
}

TEST_CASE("contract::load_entries reports unreadable events and keeps the others") {
  journal::MemoryJournal journal;
  log_at(journal, "2026-05-02T08:00:00Z", "acme", 3600);
  journal::Run run(journal, "broken");
  run.record("time.logged", {"", "", "acme"}, {{"date", "2026-05-03"}, {"duration_seconds", "1h"}});
  auto bad_id = run.record("time.logged", {"", "", "acme"}, {{"date", "2026-05-32"}}).id;
  REQUIRE(run.finish(0));
  auto loaded = load_entries(journal, EntryQuery{{"acme"}, {}, Date{2026, 5, 1}}, paris());
  REQUIRE(loaded);
  CHECK(loaded->entries.size() == 1);
  REQUIRE(loaded->problems.size() == 2);
  CHECK(std::count(loaded->problems.begin(), loaded->problems.end(),
                   "journal event " + bad_id + ": time.logged: 'date' invalid date '2026-05-32' (no such day)") == 1);
}

TEST_CASE("contract::entry_from_event names the bad field") {
  journal::Event event;
  event.id = "r-1";
  event.client = "acme";
  event.type = "time.logged";
  event.data = {{"date", "2026-05-03"}, {"duration_seconds", 60}, {"description", "d"}, {"category", "misc"},
                {"billable", true}, {"automatic", false}};
  CHECK(entry_from_event(event).error().message == "journal event r-1: time.logged: 'category' 'misc' is unknown");
  event.data["category"] = "update";
  event.data.erase("automatic");
  CHECK(entry_from_event(event).error().message ==
        "journal event r-1: time.logged: 'automatic' is missing or not a boolean");
  event.data["automatic"] = true;
  event.data["duration_seconds"] = -5;
  CHECK(entry_from_event(event).error().message ==
        "journal event r-1: time.logged: 'duration_seconds' is missing or not a non-negative integer");
  event.data["duration_seconds"] = 60;
  auto entry = entry_from_event(event);
  REQUIRE(entry);
  CHECK(entry->origin == Origin::automatic);
  CHECK_FALSE(entry->counts());
  CHECK_FALSE(entry->site);
  event.client.clear();
  CHECK(entry_from_event(event).error().message == "journal event r-1: time.logged: 'client' is missing");
}

TEST_CASE("contract::entry_from_event reads the index's MessagePack bytes exactly as the JSON data") {
  journal::Event event;
  event.id = "r-1";
  event.client = "acme";
  event.site = "www";
  event.type = "time.logged";
  nlohmann::json good = {{"date", "2026-05-03"}, {"duration_seconds", 5400}, {"description", "fix ✓"},
                         {"category", "bugfix"}, {"ticket", "T-9"}, {"billable", false}, {"automatic", false},
                         {"later", {{"nested", {1, 2}}}}};
  // Each variant: the message (or success) must be the same from JSON and from MessagePack.
  std::vector<nlohmann::json> variants{good};
  auto with = [&](const char* key, nlohmann::json value) {
    auto v = good;
    v[key] = std::move(value);
    variants.push_back(v);
  };
  auto without = [&](const char* key) {
    auto v = good;
    v.erase(key);
    variants.push_back(v);
  };
  with("ticket", nullptr);
  without("ticket");
  with("ticket", 7);
  with("duration_seconds", -1);
  with("duration_seconds", 1.5);
  with("duration_seconds", 18446744073709551615ull);
  with("date", "2026-02-30");
  with("date", {{"y", 2026}});
  with("category", "misc");
  with("billable", "yes");
  without("automatic");
  without("description");
  variants.push_back(nlohmann::json::array({1, 2}));
  for (const auto& data : variants) {
    CAPTURE(data.dump());
    event.data = data;
    auto from_json = entry_from_event(event);
    auto bytes = nlohmann::json::to_msgpack(data);
    event.data = nullptr;
    auto from_bytes = entry_from_event(event, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    REQUIRE(from_json.has_value() == from_bytes.has_value());
    if (!from_json) {
      CHECK(from_bytes.error().message == from_json.error().message);
      continue;
    }
    CHECK(from_bytes->date == from_json->date);
    CHECK(from_bytes->duration == from_json->duration);
    CHECK(from_bytes->description == from_json->description);
    CHECK(from_bytes->category == from_json->category);
    CHECK(from_bytes->ticket == from_json->ticket);
    CHECK(from_bytes->billable == from_json->billable);
    CHECK(from_bytes->origin == from_json->origin);
    CHECK(from_bytes->site == from_json->site);
  }
  CHECK(variants.size() == 14);
  auto first = nlohmann::json::to_msgpack(good);
  auto truncated = std::string_view(reinterpret_cast<const char*>(first.data()), first.size() / 2);
  CHECK(entry_from_event(event, truncated).error().message ==
        "journal event r-1: time.logged: 'data' is not valid MessagePack");
}

TEST_CASE("contract::record_automatic records a non-billable entry on the local start day") {
  journal::MemoryJournal journal;
  journal.set_now(utc("2026-11-01T00:05:00Z"));
  journal::Run run(journal, "update");
  AutomaticWork work{"acme-www", "acme", Category::update, utc("2026-10-31T23:10:00Z"), utc("2026-10-31T23:40:30Z"),
                     "update: 3 plugins"};
  auto entry = record_automatic(run, work, paris());
  REQUIRE(entry);
  CHECK(entry->date == Date{2026, 11, 1}); // 00:10 CET
  CHECK(entry->duration.count() == 30 * 60 + 30);
  CHECK(entry->origin == Origin::automatic);
  CHECK(entry->billable == Billable::no);
  CHECK(entry->category == Category::update);
  work.finished = work.started;
  CHECK_FALSE(record_automatic(run, work, paris()));
  work.category = Category::backup;
  work.finished = work.started + seconds(90);
  REQUIRE(record_automatic(run, work, paris()));
  REQUIRE(run.finish(0));

  auto inv = small_inventory();
  auto report = hours_report(journal, {inv.client("acme")}, *parse_month("2026-11"), paris());
  REQUIRE(report);
  const auto& acme = report->clients[0];
  CHECK(acme.billable.count() == 0);
  CHECK(acme.unbilled.automatic.count() == 30 * 60 + 30 + 90);
  CHECK(acme.unbilled.automatic_entries == 2);
  CHECK(std::get<SubscriptionFigures>(acme.figures).overage_amount == 0);
}

TEST_CASE("contract::resolve_log_target and find_client") {
  auto inv = small_inventory();
  CHECK(resolve_log_target(inv, std::string("acme-www"), std::nullopt)->first == "acme");
  CHECK(resolve_log_target(inv, std::string("acme-www"), std::nullopt)->second == std::optional<std::string>("acme-www"));
  CHECK(resolve_log_target(inv, std::nullopt, std::string("bistro"))->second == std::nullopt);
  CHECK(resolve_log_target(inv, std::string("acme-www"), std::string("acme")));
  CHECK(resolve_log_target(inv, std::string("acme-ww"), std::nullopt).error().message ==
        "unknown site 'acme-ww' (did you mean 'acme-www'?)");
  CHECK(resolve_log_target(inv, std::nullopt, std::string("acmee")).error().message ==
        "unknown client 'acmee' (did you mean 'acme'?)");
  CHECK(resolve_log_target(inv, std::nullopt, std::string("zzzzzzzz")).error().message == "unknown client 'zzzzzzzz'");
  CHECK(resolve_log_target(inv, std::string("acme-www"), std::string("bistro")).error().message ==
        "site 'acme-www' belongs to client 'acme', not 'bistro'");
  CHECK(resolve_log_target(inv, std::nullopt, std::nullopt).error().message ==
        "say who the work was for: --site NAME or --client ID");
  CHECK(find_client(inv, "bistro").value()->name == "Bistro du Port");
}

TEST_CASE("contract::load_incidents reads the journal's incident events") {
  journal::MemoryJournal journal;
  SECTION("none yet: an empty, real section") {
    log_at(journal, "2026-05-02T08:00:00Z", "acme", 3600);
    auto incidents = load_incidents(journal, "acme", *parse_month("2026-05"), paris());
    REQUIRE(incidents);
    CHECK(incidents->empty());
    auto inv = small_inventory();
    auto report = hours_report(journal, {inv.client("acme")}, *parse_month("2026-05"), paris());
    ClientSummary summary{report->clients[0], *incidents};
    auto text = render_client_summary(summary, "EUR");
    CHECK(text.substr(text.size() - 18) == "  incidents: none\n");
    CHECK(client_summary_json(summary)["incidents"] == nlohmann::json::array());
  }
  SECTION("incidents of the month, resolved or not") {
    journal.set_now(utc("2026-04-30T22:30:00Z")); // May 1 in Paris
    journal::Run run(journal, "incident");
    run.record("incident.opened", {"acme-www", "prod", "acme"}, {{"incident", "I-1"}, {"severity", "critical"}, {"title", "down"}});
    run.record("incident.opened", {"acme-www", "prod", "bistro"}, {{"incident", "I-9"}});
    journal.set_now(utc("2026-04-30T23:00:00Z"));
    run.record("incident.resolved", {"acme-www", "prod", "acme"}, {{"incident", "I-1"}});
    journal.set_now(utc("2026-05-31T22:10:00Z")); // June 1 in Paris: not May
    run.record("incident.opened", {"acme-www", "prod", "acme"}, {{"incident", "I-2"}});
    REQUIRE(run.finish(0));
    auto incidents = load_incidents(journal, "acme", *parse_month("2026-05"), paris());
    REQUIRE(incidents);
    REQUIRE(incidents->size() == 1);
    CHECK((*incidents)[0].id == "I-1");
    CHECK((*incidents)[0].severity == "critical");
    CHECK((*incidents)[0].resolved == utc("2026-04-30T23:00:00Z"));
    ClientSummary summary;
    summary.incidents = *incidents;
    auto json = client_summary_json(summary)["incidents"][0];
    CHECK(json["opened_at"] == "2026-04-30T22:30:00Z");
    CHECK(json["resolved_at"] == "2026-04-30T23:00:00Z");
  }
}

TEST_CASE("contract::hours_report bills hour-bank time dated before the first pack as overage of its period") {
  // docs/contracts.md, hour_bank: time before the first pack is covered by no pack, so it is overage
  // of the period it is dated in; it never takes hours from a pack bought later.
  journal::MemoryJournal journal;
  inventory::Client lyceum;
  lyceum.id = "lyceum";
  lyceum.contract.model = inventory::ContractModel::hour_bank;
  lyceum.contract.packs = {{Date{2026, 5, 15}, seconds(10 * 3600), 80000, std::nullopt}};
  lyceum.contract.overage_rate = 9000;
  log_at(journal, "2026-05-20T10:00:00Z", "lyceum", 2 * 3600, Date{2026, 5, 2});  // before the pack
  log_at(journal, "2026-05-20T11:00:00Z", "lyceum", 3 * 3600, Date{2026, 5, 20}); // from the pack
  log_at(journal, "2026-06-02T11:00:00Z", "lyceum", 1 * 3600, Date{2026, 4, 28}); // logged late, April

  auto figures = [&](const Period& period) {
    auto report = hours_report(journal, {&lyceum}, period, paris());
    REQUIRE(report);
    REQUIRE(report->clients.size() == 1);
    return std::get<HourBankFigures>(report->clients[0].figures);
  };
  auto april = figures(*parse_month("2026-04"));
  CHECK(april.overage.count() == 3600);
  CHECK(april.overage_amount == 9000);
  auto may = figures(*parse_month("2026-05"));
  CHECK(may.used.count() == 5 * 3600);
  CHECK(may.overage.count() == 2 * 3600);
  CHECK(may.from_packs.count() == 3 * 3600);
  CHECK(may.balance_left.count() == 7 * 3600);
  auto june = figures(*parse_month("2026-06"));
  CHECK(june.carried_in.count() == 7 * 3600); // the early entries never reached the pack
  CHECK(june.overage.count() == 0);
  auto both = figures(*make_range(Date{2026, 4, 1}, Date{2026, 5, 31}));
  CHECK(both.overage.count() == 3 * 3600);
  CHECK(both.balance_left.count() == 7 * 3600);
}
