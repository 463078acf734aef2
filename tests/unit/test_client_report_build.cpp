// The client report model from hand-written journal events (no journal, no I/O): prod only, the
// updates applied and held back, backups, incidents against the SLA, hours equal to the summary's.
#include <catch2/catch.hpp>

#include <tma/client_report/locale.hpp>
#include <tma/client_report/render.hpp>
#include <tma/client_report/report.hpp>
#include <tma/contract/accounting.hpp>
#include <tma/core/timezone.hpp>
#include <tma/incident/incident.hpp>

#include "support/inventory_text.hpp"
#include "support/report_events.hpp"

using namespace tma;
using namespace tma::client_report;

namespace {

const std::string k_inventory = R"(agency: {name: Agence, timezone: Europe/Paris}
clients:
  lyc:
    name: Lycée Voltaire
    lang: fr
    contract:
      model: subscription
      monthly_fee: 450
      included_hours: 3h
      overage_rate: 80
      sla: {clock: 24x7, critical: {respond: 1h, resolve: 4h}}
  other:
    contract: {model: on_demand, rate: 90}
)" + test::k_report_sites;

using test::at;

const auto& event = test::report_event;

nlohmann::json step(const char* component, const char* from, const char* to, const char* status, bool security) {
  return {{"component", component}, {"from", from}, {"to", to}, {"status", status}, {"security", security}, {"reason", ""}};
}

nlohmann::json opened(const char* number, const char* severity, const char* title, const char* when) {
  return {{"incident", number}, {"severity", severity}, {"title", title}, {"source", "manual"}, {"opened_at", when}};
}

contract::TimeEntry entry(const char* id, core::Date date, long seconds, contract::Category category) {
  contract::TimeEntry e;
  e.id = id;
  e.at = at("2026-11-30T12:00:00Z");
  e.date = date;
  e.site = "portal";
  e.client = "lyc";
  e.duration = core::Seconds(seconds);
  e.description = "work";
  e.category = category;
  return e;
}

struct Fixture {
  inventory::Inventory inventory = test::load_text(k_inventory)->inventory;
  core::TimeZone zone = *core::TimeZone::load("Europe/Paris");
  std::vector<journal::Event> events;
  std::vector<journal::Event> incident_events;
  std::vector<contract::TimeEntry> entries;

  Inputs inputs(const char* month = "2026-10") {
    Inputs in;
    in.inventory = &inventory;
    in.client = &inventory.clients.front();
    in.period = *contract::parse_month(month);
    in.zone = zone;
    in.now = at("2026-11-15T00:00:00Z");
    in.lang = inventory::Lang::fr;
    in.hours = contract::summarize_client(*in.client, entries, in.period);
    in.previous_hours = contract::summarize_client(*in.client, entries, previous_period(in.period, PeriodKind::month));
    in.entries = entries;
    in.incidents = incident::fold(incident_events);
    in.events = events;
    in.previous_covered = true;
    return in;
  }
};

} // namespace

TEST_CASE("client report: prod updates are listed, preprod and other clients are not", "[unit][client_report]") {
  Fixture f;
  // October 2026 in Paris: the DST change is on the 25th; the 31st 23:30 local is 22:30 UTC.
  f.events.push_back(event("2026-10-31T22:30:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"outcome", "updated"}, {"preprod", "validated"},
                            {"steps", {step("core", "6.4.2", "6.4.3", "applied", true),
                                       step("plugin:akismet", "5.0", "5.3", "rejected", false),
                                       step("theme:astra", "4.1", "4.2", "rolled back", false)}}}));
  f.events.push_back(event("2026-10-05T08:00:00Z", "update.finished", "portal", "preprod", "lyc",
                           {{"outcome", "validated"}, {"steps", {step("plugin:hello", "1", "2", "validated", false)}}}));
  f.events.push_back(event("2026-10-06T08:00:00Z", "update.finished", "shop", "prod", "other",
                           {{"outcome", "updated"}, {"steps", {step("core", "6.4.2", "6.4.3", "applied", true)}}}));
  // Just after the month in Paris (00:30 on 1 November), so not in October's report.
  f.events.push_back(event("2026-10-31T23:30:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"outcome", "updated"}, {"preprod", "skipped"}, {"steps", {step("plugin:late", "1", "2", "applied", false)}}}));
  auto r = build(f.inputs());
  REQUIRE(r.updates.size() == 1);
  CHECK(r.updates[0].component == "core");
  CHECK(r.updates[0].security);
  CHECK(r.updates[0].preprod_tested);
  CHECK(r.updates[0].date == core::Date{2026, 10, 31});
  REQUIRE(r.held_back.size() == 2);
  CHECK(r.held_back[0].status == "rejected");
  CHECK(r.held_back[1].status == "rolled back");
  CHECK(r.glance.updates == 1);
  CHECK(r.glance.security_fixes == 1);
  CHECK(r.sites == std::vector<std::string>{"portal"});
  // November sees the late one, and October as its previous period.
  auto november = build(f.inputs("2026-11"));
  REQUIRE(november.updates.size() == 1);
  CHECK(november.updates[0].component == "plugin:late");
  CHECK_FALSE(november.updates[0].preprod_tested);
  REQUIRE(november.previous);
  CHECK(november.previous->updates == 1);
}

TEST_CASE("client report: an update held back and applied later in the month is not held back", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(event("2026-10-02T08:00:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"preprod", "validated"}, {"steps", {step("plugin:akismet", "5.0", "5.3", "rejected", false)}}}));
  f.events.push_back(event("2026-10-09T08:00:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"preprod", "validated"}, {"steps", {step("plugin:akismet", "5.0", "5.3.1", "applied", false)}}}));
  auto r = build(f.inputs());
  CHECK(r.held_back.empty());
  CHECK(r.updates.size() == 1);
  CHECK(std::none_of(r.recommendations.begin(), r.recommendations.end(), [](const auto& x) { return x.kind == "held_back"; }));
}

TEST_CASE("client report: a pinned component is held back once with the newest version offered", "[unit][client_report]") {
  Fixture f;
  auto skipped = [](const char* latest) {
    return nlohmann::json::array({{{"component", "plugin:builder"}, {"kind", "plugin"}, {"name", "builder"}, {"installed", "2.4"},
                                   {"latest", latest}, {"reason", std::string("pinned to 2.*; ") + latest + " is outside"}},
                                  {{"component", "plugin:forms"}, {"kind", "plugin"}, {"name", "forms"}, {"installed", "1.0"},
                                   {"latest", "2.0"}, {"reason", "major update to 2.0 exceeds --limit minor"}}});
  };
  f.events.push_back(event("2026-10-05T08:00:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"preprod", "validated"}, {"steps", nlohmann::json::array()}, {"skipped", skipped("3.0")}}));
  f.events.push_back(event("2026-10-19T08:00:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"preprod", "validated"}, {"steps", nlohmann::json::array()}, {"skipped", skipped("3.1")}}));
  auto r = build(f.inputs());
  REQUIRE(r.held_back.size() == 1);
  CHECK(r.held_back[0].component == "plugin:builder");
  CHECK(r.held_back[0].status == "pinned");
  CHECK(r.held_back[0].from == "2.4");
  CHECK(r.held_back[0].to == "3.1");
  CHECK(r.held_back[0].date == core::Date{2026, 10, 19});
  CHECK(std::none_of(r.recommendations.begin(), r.recommendations.end(), [](const auto& x) { return x.kind == "held_back"; }));
  auto view = view_of(r, {}, f.zone);
  CHECK(view.at("updates").at("held_back").at("rows")[0].dump().find("version maintenue volontairement") != std::string::npos);
  CHECK(to_json(r).at("updates").at("held_back")[0].at("status") == "pinned");
}

TEST_CASE("client report: backups and restores of prod, failures recommended", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(event("2026-10-01T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.events.push_back(event("2026-10-02T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.events.push_back(event("2026-10-03T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "pre-update"}}));
  f.events.push_back(event("2026-10-04T01:00:00Z", "backup.failed", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.events.push_back(event("2026-10-04T02:00:00Z", "backup.finished", "portal", "preprod", "lyc", {{"kind", "scheduled"}}));
  // A prod backup restored into preprod: the restore test the report counts.
  f.events.push_back(event("2026-10-05T09:00:00Z", "restore.finished", "portal", "preprod", "lyc", {{"from", "prod"}, {"to", "preprod"}}));
  f.events.push_back(event("2026-10-05T10:00:00Z", "restore.finished", "portal", "preprod", "lyc", {{"from", "preprod"}, {"to", "preprod"}}));
  auto r = build(f.inputs());
  REQUIRE(r.backups.size() == 1);
  const auto& b = r.backups.front();
  CHECK(b.taken == 3);
  CHECK(b.by_kind.at("scheduled") == 2);
  CHECK(b.by_kind.at("pre-update") == 1);
  CHECK(b.failed == 1);
  CHECK(b.restores == 1);
  CHECK(b.last_ok == at("2026-10-03T01:00:00Z"));
  CHECK(r.glance.backups == 3);
  REQUIRE(r.recommendations.size() == 1);
  CHECK(r.recommendations[0].kind == "backup_failed");
}

TEST_CASE("client report: prod incidents with their SLA, preprod incidents nowhere", "[unit][client_report]") {
  Fixture f;
  f.incident_events.push_back(event("2026-10-10T08:00:00Z", "incident.opened", "portal", "prod", "lyc",
                                    opened("INC-2026-0001", "critical", "Site down", "2026-10-10T08:00:00Z")));
  f.incident_events.push_back(event("2026-10-10T08:30:00Z", "incident.acknowledged", "portal", "prod", "lyc",
                                    {{"incident", "INC-2026-0001"}}));
  f.incident_events.push_back(event("2026-10-10T14:00:00Z", "incident.resolved", "portal", "prod", "lyc",
                                    {{"incident", "INC-2026-0001"}}));
  f.incident_events.push_back(event("2026-10-12T08:00:00Z", "incident.opened", "portal", "preprod", "lyc",
                                    opened("INC-2026-0002", "critical", "Preprod down", "2026-10-12T08:00:00Z")));
  auto r = build(f.inputs());
  REQUIRE(r.incidents.size() == 1);
  const auto& i = r.incidents.front();
  CHECK(i.title == "Site down");
  CHECK(i.respond_sla == incident::SlaStatus::met);     // 30 min for 1 h
  CHECK(i.resolve_sla == incident::SlaStatus::breached); // 6 h for 4 h
  CHECK(r.glance.incidents == 1);
  CHECK(r.availability.total == 1);
}

TEST_CASE("client report: hours are the summary's, by category and by week", "[unit][client_report]") {
  Fixture f;
  f.entries.push_back(entry("e1", {2026, 10, 1}, 3600, contract::Category::update));
  f.entries.push_back(entry("e2", {2026, 10, 14}, 7200, contract::Category::support));
  f.entries.push_back(entry("e3", {2026, 10, 31}, 5400, contract::Category::support));
  f.entries.push_back(entry("e4", {2026, 9, 30}, 600, contract::Category::support)); // previous month
  auto automatic = entry("e5", {2026, 10, 2}, 900, contract::Category::update);
  automatic.billable = contract::Billable::no;
  automatic.origin = contract::Origin::automatic;
  f.entries.push_back(automatic);
  auto r = build(f.inputs());
  CHECK(r.glance.hours_used == core::Seconds(16200));
  CHECK(r.hours.billable == core::Seconds(16200));
  REQUIRE(r.by_category.size() == 2);
  CHECK(r.by_category[0] == std::pair{contract::Category::update, core::Seconds(3600)});
  CHECK(r.by_category[1] == std::pair{contract::Category::support, core::Seconds(12600)});
  // Weeks from Monday 28 September to the week of the 26th: five bars, the 31st in the last.
  REQUIRE(r.weeks.size() == 5);
  CHECK(r.weeks.front().monday == core::Date{2026, 9, 28});
  CHECK(r.weeks.front().billable == core::Seconds(3600)); // the 30th belongs to September's report
  CHECK(r.weeks.back().monday == core::Date{2026, 10, 26});
  CHECK(r.weeks.back().billable == core::Seconds(5400));
  const auto& sub = std::get<contract::SubscriptionFigures>(r.hours.figures);
  CHECK(sub.overage == core::Seconds(16200 - 3 * 3600));
  CHECK(std::any_of(r.recommendations.begin(), r.recommendations.end(), [](const auto& x) { return x.kind == "overage"; }));
  REQUIRE(r.previous);
  CHECK(r.previous->hours_used == core::Seconds(600));
}

TEST_CASE("client report: previous quarter and previous range", "[unit][client_report]") {
  auto q = previous_period(*contract::parse_quarter("2026-Q1"), PeriodKind::quarter);
  CHECK(q.label == "2025-Q4");
  CHECK(q.from == core::Date{2025, 10, 1});
  CHECK(q.to == core::Date{2025, 12, 31});
  auto range = previous_period(*contract::make_range({2026, 3, 10}, {2026, 3, 19}), PeriodKind::range);
  CHECK(range.from == core::Date{2026, 2, 28});
  CHECK(range.to == core::Date{2026, 3, 9});
  CHECK_FALSE(contract::parse_quarter("2026-Q5"));
  CHECK_FALSE(contract::parse_quarter("2026-4"));
}

TEST_CASE("client report: what the latest prod check anticipates becomes recommendations", "[unit][client_report]") {
  Fixture f;
  auto lifecycle = [](std::vector<nlohmann::json> items) { return nlohmann::json{{"status", "findings"}, {"lifecycle", items}}; };
  nlohmann::json php = {{"type", "eol-soon"}, {"kind", "platform"}, {"name", "php"}, {"label", "PHP"},
                        {"installed", "8.2.36"}, {"latest", "8.3"}, {"ends_on", "2026-12-31"}, {"severity", "minor"}};
  nlohmann::json domain = {{"type", "domain"}, {"kind", "domain"}, {"name", "lycee-voltaire.fr"}, {"label", "lycee-voltaire.fr"},
                           {"installed", ""}, {"latest", ""}, {"ends_on", "2026-11-20"}, {"severity", "major"}};
  nlohmann::json closed = {{"type", "closed"}, {"kind", "plugin"}, {"name", "old-slider"}, {"label", "old-slider"},
                           {"installed", "2.1"}, {"latest", ""}, {"ends_on", ""}, {"severity", "major"}};
  nlohmann::json untested = {{"type", "untested"}, {"kind", "plugin"}, {"name", "akismet"}, {"label", "akismet"},
                             {"installed", "5.1"}, {"latest", ""}, {"ends_on", ""}, {"severity", "patch"}};
  nlohmann::json mariadb = {{"type", "eol"}, {"kind", "platform"}, {"name", "mariadb"}, {"label", "MariaDB"},
                            {"installed", "10.5.2"}, {"latest", ""}, {"ends_on", ""}, {"severity", "major"}};
  f.events.push_back(event("2026-10-01T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  // An older check said more; the latest one of the period is what counts. Preprod's, another
  // client's and November's checks count for nothing in October's report.
  f.events.push_back(event("2026-10-02T03:00:00Z", "check", "portal", "prod", "lyc", lifecycle({php, closed, mariadb})));
  f.events.push_back(event("2026-10-28T03:00:00Z", "check", "portal", "prod", "lyc", lifecycle({php, domain, closed, untested})));
  f.events.push_back(event("2026-10-29T03:00:00Z", "check", "portal", "preprod", "lyc", lifecycle({mariadb})));
  f.events.push_back(event("2026-10-29T03:00:00Z", "check", "shop", "prod", "other", lifecycle({mariadb})));
  f.events.push_back(event("2026-11-02T03:00:00Z", "check", "portal", "prod", "lyc", lifecycle({mariadb})));

  auto r = build(f.inputs());
  std::vector<std::string> kinds;
  for (const auto& rec : r.recommendations) kinds.push_back(rec.kind);
  CHECK(kinds == std::vector<std::string>{"coming_eol_soon", "coming_domain", "coming_closed"});
  CHECK(r.recommendations[0].values.at("name") == "PHP");
  CHECK(r.recommendations[0].values.at("successor") == "8.3");

  // In the client's language, dates written out. The report is made on 15 November: a domain ending
  // on the 20th is still to renew, one that ended on the 10th has expired (below).
  auto view = view_of(r, {}, f.zone);
  const auto& rows = view.at("recommendations").at("rows");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at("text") == "portal : PHP 8.2.36 ne recevra plus de correctifs de sécurité après le 31 décembre 2026. "
                              "Nous recommandons de planifier le passage à PHP 8.3.");
  CHECK(rows[1].at("text") == "portal : le nom de domaine lycee-voltaire.fr expire le 20 novembre 2026 ; vérifiez son "
                              "renouvellement auprès de votre registraire.");
  CHECK(rows[2].at("text") == "portal : l'extension old-slider a été retirée du répertoire WordPress.org ; nous "
                              "recommandons de la remplacer.");

  f.events.back() = event("2026-10-30T03:00:00Z", "check", "portal", "prod", "lyc", lifecycle({mariadb}));
  f.events.push_back(event("2026-10-31T03:00:00Z", "check", "portal", "prod", "lyc",
                           lifecycle({{{"type", "domain"}, {"kind", "domain"}, {"name", "lycee-voltaire.fr"},
                                       {"ends_on", "2026-11-10"}}})));
  auto english = f.inputs();
  english.lang = inventory::Lang::en;
  auto later = build(english);
  REQUIRE(later.recommendations.size() == 1);
  auto later_view = view_of(later, {}, f.zone);
  CHECK(later_view.at("recommendations").at("rows")[0].at("text") ==
        "portal: the domain lycee-voltaire.fr expired on 10 November 2026; renew it without delay.");

  f.events.back() = event("2026-10-31T03:00:00Z", "check", "portal", "prod", "lyc", lifecycle({mariadb}));
  english = f.inputs();
  english.lang = inventory::Lang::en;
  auto eol = build(english);
  REQUIRE(eol.recommendations.size() == 1);
  CHECK(view_of(eol, {}, f.zone).at("recommendations").at("rows")[0].at("text") ==
        "portal: MariaDB 10.5.2 no longer receives security fixes. We recommend planning its upgrade.");
}

TEST_CASE("client report: security findings the latest prod check left open and major updates pending", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(event("2026-10-01T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  nlohmann::json open = nlohmann::json::array(
      {{{"component", "plugin:akismet"}, {"installed", "5.0.2"}, {"latest", "5.1"}, {"fixed_in", "5.0.3"},
        {"severity", "security"}, {"advisories", {"CVE-2099-1234"}}},
       {{"component", "plugin:old-gallery"}, {"installed", "1.2"}, {"latest", ""}, {"fixed_in", ""},
        {"severity", "security"}, {"advisories", nlohmann::json::array()}},
       {{"component", "core"}, {"installed", "6.6.1"}, {"latest", "7.0"}, {"fixed_in", ""}, {"severity", "major"},
        {"advisories", nlohmann::json::array()}}});
  f.events.push_back(event("2026-10-20T03:00:00Z", "check", "portal", "prod", "lyc", {{"status", "findings"}, {"open", open}}));
  f.events.push_back(event("2026-10-21T03:00:00Z", "check", "portal", "preprod", "lyc", {{"status", "findings"}, {"open", open}}));

  auto r = build(f.inputs());
  REQUIRE(r.open_security.size() == 2);
  CHECK(r.open_security[0].component == "plugin:akismet");
  CHECK(r.open_security[0].fixed_in == "5.0.3");
  CHECK(r.open_security[0].advisories == std::vector<std::string>{"CVE-2099-1234"});
  REQUIRE(r.recommendations.size() == 1);
  CHECK(r.recommendations[0].kind == "pending_major");

  auto view = view_of(r, {}, f.zone);
  const auto& rows = view.at("updates").at("security_open").at("rows");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("component") == "akismet");
  CHECK(rows[0].at("detail") == "corrigée en 5.0.3 — CVE-2099-1234");
  CHECK(rows[1].at("detail") == "aucun correctif publié : remplacement à étudier");
  CHECK(view.at("recommendations").at("rows")[0].at("text") ==
        "portal : cœur 6.6.1 → 7.0 est une mise à jour majeure ; nous la planifierons avec vous après l'avoir testée en préproduction.");
  auto json = to_json(r);
  CHECK(json.at("updates").at("security_open").size() == 2);
  CHECK(json.at("updates").at("security_open")[1].at("fixed_in").is_null());

  // A later check that found everything applied empties the list.
  f.events.push_back(event("2026-10-28T03:00:00Z", "check", "portal", "prod", "lyc", {{"status", "ok"}}));
  auto after = build(f.inputs());
  CHECK(after.open_security.empty());
  CHECK(after.recommendations.empty());
}

TEST_CASE("client report: a quarter shows each of its months side by side", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(event("2026-07-03T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.events.push_back(event("2026-08-03T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.events.push_back(event("2026-08-04T01:00:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.events.push_back(event("2026-08-10T09:00:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"steps", {step("plugin:akismet", "5.0", "5.1", "applied", true)}}}));
  // 30 September 22:30 UTC is 1 October 00:30 in Paris: October, outside the quarter.
  f.events.push_back(event("2026-09-30T22:30:00Z", "backup.finished", "portal", "prod", "lyc", {{"kind", "scheduled"}}));
  f.entries.push_back(entry("e1", {2026, 9, 15}, 5400, contract::Category::bugfix));
  auto in = f.inputs();
  in.period = *contract::parse_quarter("2026-Q3");
  in.kind = PeriodKind::quarter;
  in.hours = contract::summarize_client(*in.client, f.entries, in.period);
  auto r = build(in);
  REQUIRE(r.trends.size() == 3);
  CHECK(r.trends[0].month.label == "2026-07");
  CHECK(r.trends[0].glance.backups == 1);
  CHECK(r.trends[1].glance.backups == 2);
  CHECK(r.trends[1].glance.updates == 1);
  CHECK(r.trends[1].glance.security_fixes == 1);
  CHECK(r.trends[2].glance.backups == 0);
  CHECK(r.trends[2].glance.hours_used == core::Seconds(5400));
  CHECK(r.glance.backups == 3); // the quarter is the sum of its months

  auto view = view_of(r, {}, f.zone);
  const auto& rows = view.at("trends").at("rows");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at("month") == "juillet 2026");
  CHECK(rows[2].at("hours") == format_hours(core::Seconds(5400))); // 1 h 30, with no-break spaces
  CHECK(to_json(r).at("trends")[1].at("month") == "2026-08");

  // A month's report has no trends section.
  CHECK(build(f.inputs("2026-08")).trends.empty());
  CHECK_FALSE(view_of(build(f.inputs("2026-08")), {}, f.zone).at("trends").at("has").get<bool>());
}

TEST_CASE("client report: prod health day by day and page speed against the previous month", "[unit][client_report]") {
  Fixture f;
  auto day = [&](const char* when, const char* env, const char* date, int probes, int failures, int p50, int p95) {
    return event(when, "health.daily", "portal", env, "lyc",
                 {{"date", date}, {"probes", probes}, {"failures", failures}, {"p50_ms", p50}, {"p95_ms", p95}, {"max_ms", p95}});
  };
  f.events.push_back(day("2026-10-02T00:05:00Z", "prod", "2026-10-01", 288, 0, 180, 400));
  f.events.push_back(day("2026-10-03T00:05:00Z", "prod", "2026-10-02", 288, 3, 200, 900));
  // 31 October is journalled on 1 November: its date, not the event's time, places it.
  auto last_day = day("2026-11-01T00:05:00Z", "prod", "2026-10-31", 288, 0, 220, 500);
  last_day.data["tls_expires_on"] = "2026-11-10"; // within the default tls_warn of 14 days
  f.events.push_back(last_day);
  f.events.push_back(day("2026-11-02T00:05:00Z", "prod", "2026-11-01", 288, 0, 999, 999));
  f.events.push_back(day("2026-10-02T00:05:00Z", "preprod", "2026-10-01", 288, 288, 0, 0));
  f.events.push_back(event("2026-10-02T00:05:00Z", "health.daily", "shop", "prod", "other",
                           {{"date", "2026-10-01"}, {"probes", 288}, {"failures", 288}}));

  auto page = [](const char* path, int ttfb, int total, int bytes) {
    return nlohmann::json{{"path", path}, {"url", "https://portal.example"}, {"ttfb_ms", ttfb}, {"total_ms", total},
                          {"bytes", bytes}, {"requests", 20}, {"findings", 0}, {"http", "2"}};
  };
  auto perf = [&](const char* when, const char* env, nlohmann::json pages) {
    return event(when, "perf.measured", "portal", env, "lyc", {{"status", "ok"}, {"pages", std::move(pages)}});
  };
  f.events.push_back(perf("2026-09-10T03:00:00Z", "prod", {page("/", 200, 1000, 1'000'000)}));
  f.events.push_back(perf("2026-10-05T03:00:00Z", "prod", {page("/", 300, 1400, 1'100'000), page("/contact", 100, 500, 400'000)}));
  f.events.push_back(perf("2026-10-12T03:00:00Z", "prod",
                          {page("/", 250, 1500, 1'100'000), {{"path", "/contact"}, {"url", "x"}, {"error", "timeout"}}}));
  f.events.push_back(perf("2026-10-13T03:00:00Z", "preprod", {page("/", 9000, 9000, 9'000'000)}));

  auto r = build(f.inputs("2026-10"));
  REQUIRE(r.daily.size() == 1);
  const auto& d = r.daily[0];
  CHECK(d.site == "portal");
  REQUIRE(d.days.size() == 3);
  CHECK(d.days[2].date == core::Date{2026, 10, 31});
  CHECK(d.probes == 864);
  CHECK(d.failures == 3);
  CHECK(*d.uptime_percent() == Approx(100.0 * 861 / 864));
  CHECK(d.median == std::chrono::milliseconds(200));
  CHECK(d.worst_p95 == std::chrono::milliseconds(900));

  REQUIRE(r.speed.size() == 2);
  CHECK(r.speed[0].path == "/");
  CHECK(r.speed[0].audits == 2);
  CHECK(r.speed[0].ttfb == std::chrono::milliseconds(250)); // lower median of 250 and 300
  CHECK(r.speed[0].total == std::chrono::milliseconds(1400));
  CHECK(r.speed[0].previous_total == std::chrono::milliseconds(1000));
  CHECK(r.speed[1].path == "/contact");
  CHECK(r.speed[1].audits == 1); // the audit that timed out is not a measurement
  CHECK_FALSE(r.speed[1].previous_total.has_value());

  auto json = to_json(r);
  CHECK(json.at("daily")[0].at("days").size() == 3);
  CHECK(json.at("daily")[0].at("worst_p95_ms") == 900);
  CHECK(json.at("speed")[0].at("previous").at("total_ms") == 1000);
  CHECK(json.at("speed")[1].at("previous").is_null());

  auto view = view_of(r, {}, f.zone);
  CHECK(view.at("daily").at("has").get<bool>());
  const auto& site = view.at("daily").at("sites")[0];
  CHECK(site.at("summary").get<std::string>().find("99,65") != std::string::npos);
  auto svg = site.at("chart_svg").get<std::string>();
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("<title>portal : temps de réponse médian et disponibilité par jour</title>") != std::string::npos);
  CHECK(svg.find("<title>2 octobre 2026 : disponibilité 98,95") != std::string::npos);
  CHECK(svg.find("#c62828") != std::string::npos); // 2 October: under 99 %
  CHECK(svg.find("1er novembre") == std::string::npos);
  const auto& rows = view.at("speed").at("rows");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("total") == "1,4\u00a0s");
  CHECK(rows[0].at("weight") == "1,1\u00a0Mo");
  CHECK(rows[0].at("change") == "chargement +40\u00a0%, poids +10\u00a0%");
  CHECK(rows[1].at("change") == "—");

  auto certificate = std::find_if(r.recommendations.begin(), r.recommendations.end(),
                                  [](const Recommendation& rec) { return rec.kind == "coming_certificate"; });
  REQUIRE(certificate != r.recommendations.end());
  CHECK(certificate->site == "portal");
  CHECK(certificate->values.at("ends_on") == "2026-11-10");
  bool said = false;
  for (const auto& item : view.at("recommendations").at("rows")) {
    // Generated on 15 November: by then the certificate has expired.
    said = said || item.at("text") == "portal : le certificat HTTPS a expiré le 10 novembre 2026 ; les visiteurs voient "
                                      "un avertissement de sécurité.";
  }
  INFO(view.at("recommendations").dump());
  CHECK(said);

  // No recorded health or audit: both sections are left out.
  Fixture empty;
  auto bare = view_of(build(empty.inputs("2026-10")), {}, empty.zone);
  CHECK_FALSE(bare.at("daily").at("has").get<bool>());
  CHECK_FALSE(bare.at("speed").at("has").get<bool>());
}

TEST_CASE("client report: a quarter lists topics for the follow-up meeting from its figures", "[unit][client_report]") {
  Fixture f;
  // Two incidents on portal, security left open, a major update pending, a month with overage.
  f.incident_events.push_back(event("2026-07-10T08:00:00Z", "incident.opened", "portal", "prod", "lyc",
                                    opened("INC-2026-0001", "major", "down", "2026-07-10T08:00:00Z")));
  f.incident_events.push_back(event("2026-08-20T08:00:00Z", "incident.opened", "portal", "prod", "lyc",
                                    opened("INC-2026-0002", "major", "down", "2026-08-20T08:00:00Z")));
  f.events.push_back(event("2026-09-20T06:00:00Z", "check", "portal", "prod", "lyc",
                           {{"open",
                             {{{"component", "plugin:forms"}, {"installed", "1.0"}, {"latest", "1.2"}, {"fixed_in", "1.1"},
                               {"severity", "security"}, {"advisories", {"CVE-2026-1"}}},
                              {{"component", "plugin:builder"}, {"installed", "2.4"}, {"latest", "3.0"}, {"severity", "major"}}}}}));
  f.entries.push_back(entry("e1", {2026, 8, 12}, 5 * 3600, contract::Category::bugfix)); // 5 h of 3 included
  auto in = f.inputs();
  in.period = *contract::parse_quarter("2026-Q3");
  in.kind = PeriodKind::quarter;
  in.hours = contract::summarize_client(*in.client, f.entries, in.period);
  auto r = build(in);
  std::vector<std::string> kinds;
  for (const auto& t : r.topics) kinds.push_back(t.kind);
  CHECK(kinds == std::vector<std::string>{"security_open", "upgrades", "recurring_incidents", "overage_months", "next_quarter"});
  CHECK(r.topics[1].values.at("items") == "builder");
  CHECK(r.topics[3].values.at("count") == "1");
  CHECK(r.topics[3].values.at("total") == "3");

  auto view = view_of(r, {}, f.zone);
  const auto& rows = view.at("topics").at("rows");
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].at("text") == "Sécurité : 1 vulnérabilité(s) encore ouverte(s) sur portal, à corriger en priorité.");
  CHECK(rows[2].at("text") == "Incidents récurrents sur portal : causes et prévention.");
  CHECK(to_json(r).at("topics")[0].at("kind") == "security_open");

  // A month's report has no meeting topics.
  CHECK(build(f.inputs("2026-08")).topics.empty());
  CHECK_FALSE(view_of(build(f.inputs("2026-08")), {}, f.zone).at("topics").at("has").get<bool>());
}

TEST_CASE("client report: prod pages compared visually and the changes reviewed", "[unit][client_report][visual]") {
  Fixture f;
  // The monthly defacement check of prod: 16 captures, one changed and one broken.
  f.events.push_back(event("2026-10-01T05:00:00Z", "visual.compared", "portal", "prod", "lyc",
                           {{"status", "ok"}, {"pages", 16}, {"same", 14}, {"changed", 1}, {"broken", 1}, {"failed", 0}}));
  // Prod compared after an update: 4 captures, 1 flagged.
  f.events.push_back(event("2026-10-08T20:00:00Z", "update.visual", "portal", "prod", "lyc",
                           {{"verdict", "changed"}, {"pages", 4}, {"flagged", 1}}));
  // A promotion of a change someone approved on preprod (--accept-visual): one reviewed change.
  auto approved = step("plugin:seo", "2.0", "2.1", "applied", false);
  approved["visual_report"] = "/agency/visual/portal/preprod/x/report.html";
  f.events.push_back(event("2026-10-09T20:00:00Z", "update.finished", "portal", "prod", "lyc",
                           {{"outcome", "updated"}, {"preprod", "promoted"},
                            {"steps", {approved, step("core", "6.4.2", "6.4.3", "applied", false)}}}));
  // Preprod's comparisons are the agency's own business; another client's are not this report's.
  f.events.push_back(event("2026-10-08T19:00:00Z", "update.visual", "portal", "preprod", "lyc",
                           {{"verdict", "changed"}, {"pages", 4}, {"flagged", 4}}));
  f.events.push_back(event("2026-10-02T05:00:00Z", "visual.compared", "portal", "preprod", "lyc",
                           {{"pages", 16}, {"changed", 3}, {"broken", 0}}));
  f.events.push_back(event("2026-10-01T05:00:00Z", "visual.compared", "shop", "prod", "other",
                           {{"pages", 16}, {"changed", 2}, {"broken", 0}}));
  // A malformed count is ignored, not trusted.
  f.events.push_back(event("2026-10-03T05:00:00Z", "visual.compared", "portal", "prod", "lyc",
                           {{"pages", "many"}, {"changed", -3}}));
  auto r = build(f.inputs());
  CHECK(r.glance.visual_pages == 20);
  CHECK(r.glance.visual_reviewed == 4);
  auto json = to_json(r);
  CHECK(json["glance"]["visual_pages"] == 20);
  CHECK(json["glance"]["visual_reviewed"] == 4);
  // The tiles, in the client's language (fr), only where something was compared.
  auto view = view_of(r, Branding{}, f.zone);
  auto text = view["glance"].dump();
  CHECK(text.find("Pages comparées visuellement") != std::string::npos);
  CHECK(text.find("Changements visuels examinés") != std::string::npos);
  auto november = build(f.inputs("2026-12"));
  CHECK(november.glance.visual_pages == 0);
  CHECK(view_of(november, Branding{}, f.zone)["glance"].dump().find("visuellement") == std::string::npos);
}
