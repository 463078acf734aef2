// What did not happen on prod and must still reach the client report: scheduled backups whose run
// was killed after claiming them (an open `job.claimed`), and updates stopped before prod (their
// pre-update backup failed). Hand-written journal events in, report figures out.
#include <catch2/catch.hpp>

#include <tma/client_report/render.hpp>
#include <tma/client_report/report.hpp>
#include <tma/contract/accounting.hpp>
#include <tma/core/timezone.hpp>

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
    contract: {model: on_demand, rate: 90}
  other:
    contract: {model: on_demand, rate: 90}
)" + test::k_report_sites;

using test::at;

journal::Event event(const char* when, std::string type, std::string site, std::string env, nlohmann::json data,
                     std::string client = "lyc") {
  return test::report_event(when, std::move(type), std::move(site), std::move(env), std::move(client), std::move(data));
}

// `job.claimed` of a site's backup job, as `tma run --due` writes it (schedule::claim_data).
journal::Event claim(const char* when, const std::string& site, const std::string& env, std::string client = "lyc") {
  return event(when, "job.claimed", site, env,
               {{"job", "backup:" + site + ":" + env}, {"kind", "backup"}, {"slot", when}, {"schedule", "daily 03:00"},
                {"missed", 0}},
               std::move(client));
}

journal::Event closing(const char* type, const char* when, const journal::Event& claimed) {
  auto data = claimed.data;
  data["claim"] = claimed.id;
  if (std::string(type) == "job.finished") data["exit_code"] = 0;
  if (std::string(type) == "job.released") data["reason"] = "another runner claimed it first";
  return event(when, type, claimed.site, claimed.env, data, claimed.client);
}

nlohmann::json step(const char* component, const char* from, const char* to, const char* status) {
  return {{"component", component}, {"from", from}, {"to", to}, {"status", status}, {"security", false}, {"reason", ""}};
}

struct Fixture {
  inventory::Inventory inventory = test::load_text(k_inventory)->inventory;
  core::TimeZone zone = *core::TimeZone::load("Europe/Paris");
  std::vector<journal::Event> events;

  ClientReport report(const char* month = "2026-10", const char* now = "2026-11-15T00:00:00Z") {
    Inputs in;
    in.inventory = &inventory;
    in.client = &inventory.clients.front();
    in.period = *contract::parse_month(month);
    in.zone = zone;
    in.now = at(now);
    in.lang = inventory::Lang::fr;
    in.hours = contract::summarize_client(*in.client, {}, in.period);
    in.previous_hours = in.hours;
    in.events = events;
    return build(in);
  }
};

int interrupted(const ClientReport& r) {
  REQUIRE(r.backups.size() == 1);
  return r.backups[0].interrupted;
}

bool recommended(const ClientReport& r, const std::string& kind) {
  return std::any_of(r.recommendations.begin(), r.recommendations.end(), [&](const auto& rec) { return rec.kind == kind; });
}

} // namespace

TEST_CASE("client report: a backup claim left open by a killed run counts as interrupted", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(claim("2026-10-09T01:00:00Z", "portal", "prod"));
  f.events.push_back(closing("job.finished", "2026-10-09T01:05:00Z", f.events.back()));
  f.events.push_back(event("2026-10-09T01:04:00Z", "backup.finished", "portal", "prod", {{"kind", "scheduled"}}));
  f.events.push_back(claim("2026-10-10T01:00:00Z", "portal", "prod")); // killed: nothing after it
  f.events.push_back(claim("2026-10-11T01:00:00Z", "portal", "prod"));
  f.events.push_back(event("2026-10-11T01:04:00Z", "backup.finished", "portal", "prod", {{"kind", "scheduled"}}));
  f.events.push_back(closing("job.finished", "2026-10-11T01:05:00Z", f.events[4]));
  auto r = f.report();
  CHECK(interrupted(r) == 1);
  CHECK(r.backups[0].taken == 2);
  CHECK(r.backups[0].failed == 0);
  REQUIRE(recommended(r, "backup_interrupted"));
  CHECK_FALSE(recommended(r, "backup_failed"));
  auto json = to_json(r);
  CHECK(json["backups"][0]["interrupted"] == 1);
  auto view = view_of(r, Branding{}, f.zone);
  CHECK(view["backups"]["rows"][0]["interrupted"] == "1 interrompue(s)");
  CHECK(view["recommendations"].dump().find("interrompue(s) avant d'aboutir") != std::string::npos);
  // November's report does not count October's claim.
  CHECK(interrupted(f.report("2026-11", "2026-12-15T00:00:00Z")) == 0);
}

TEST_CASE("client report: a released or finished backup claim is not interrupted", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(claim("2026-10-10T01:00:00Z", "portal", "prod"));
  SECTION("released to another runner") {
    f.events.push_back(closing("job.released", "2026-10-10T01:00:05Z", f.events.back()));
    CHECK(interrupted(f.report()) == 0);
  }
  SECTION("finished even with a failure: the failure is the backup's own figure") {
    auto done = closing("job.finished", "2026-10-10T02:00:00Z", f.events.back());
    done.data["exit_code"] = 2;
    f.events.push_back(done);
    CHECK(interrupted(f.report()) == 0);
  }
  SECTION("finished after the period's end still closes it") {
    f.events.push_back(closing("job.finished", "2026-11-01T02:00:00Z", f.events.back()));
    CHECK(interrupted(f.report()) == 0);
  }
  SECTION("left open") { CHECK(interrupted(f.report()) == 1); }
}

TEST_CASE("client report: an open backup claim younger than a day may still be running", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(claim("2026-11-14T02:00:00Z", "portal", "prod"));
  CHECK(interrupted(f.report("2026-11", "2026-11-15T00:00:00Z")) == 0);
  CHECK(interrupted(f.report("2026-11", "2026-11-15T01:59:59Z")) == 0);
  CHECK(interrupted(f.report("2026-11", "2026-11-15T02:00:00Z")) == 1);
}

TEST_CASE("client report: a killed run's backup recorded before the kill or replaced is not interrupted", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(claim("2026-10-10T01:00:00Z", "portal", "prod"));
  SECTION("the backup finished before the run was killed") {
    f.events.push_back(event("2026-10-10T01:03:00Z", "backup.finished", "portal", "prod", {{"kind", "scheduled"}}));
    CHECK(interrupted(f.report()) == 0);
  }
  SECTION("its failure was recorded: counted as failed, not twice") {
    f.events.push_back(event("2026-10-10T01:03:00Z", "backup.failed", "portal", "prod", {{"kind", "scheduled"}, {"error_kind", "io"}}));
    auto r = f.report();
    CHECK(interrupted(r) == 0);
    CHECK(r.backups[0].failed == 1);
  }
  SECTION("a backup by hand the same day") {
    f.events.push_back(event("2026-10-10T09:00:00Z", "backup.finished", "portal", "prod", {{"kind", "manual"}}));
    CHECK(interrupted(f.report()) == 0);
  }
  SECTION("only the next night's backup: the slot stays missed") {
    f.events.push_back(claim("2026-10-11T01:00:00Z", "portal", "prod"));
    f.events.push_back(event("2026-10-11T01:03:00Z", "backup.finished", "portal", "prod", {{"kind", "scheduled"}}));
    f.events.push_back(closing("job.finished", "2026-10-11T01:05:00Z", f.events[1]));
    CHECK(interrupted(f.report()) == 1);
  }
  SECTION("a backup before the claim does not cover it") {
    f.events.push_back(event("2026-10-10T00:30:00Z", "backup.finished", "portal", "prod", {{"kind", "manual"}}));
    CHECK(interrupted(f.report()) == 1);
  }
}

TEST_CASE("client report: open backup claims of preprod and of other clients are not counted", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(claim("2026-10-10T01:00:00Z", "portal", "preprod"));
  f.events.push_back(claim("2026-10-10T01:00:00Z", "shop", "prod", "other"));
  // Another kind of job left open (a killed update run) is no backup.
  auto update = claim("2026-10-12T01:00:00Z", "portal", "prod");
  update.data["kind"] = "update";
  update.data["job"] = "update:portal";
  f.events.push_back(update);
  auto r = f.report();
  CHECK(interrupted(r) == 0);
  CHECK_FALSE(recommended(r, "backup_interrupted"));
}

TEST_CASE("client report: a prod update stopped by its failed pre-update backup is postponed", "[unit][client_report]") {
  Fixture f;
  auto failed = event("2026-10-12T04:10:00Z", "backup.failed", "portal", "prod",
                      {{"kind", "pre-update"}, {"error_kind", "io"}, {"reason", "/var/backups/portal: No space left on device"}});
  auto stopped = event("2026-10-12T04:11:00Z", "update.finished", "portal", "prod",
                       {{"outcome", "failed"}, {"backup", ""}, {"preprod", "validated"},
                        {"error", "pre-update backup failed (/var/backups/portal: No space left on device); prod untouched"},
                        {"steps", {step("plugin:forms", "1.2", "1.3", "validated"), step("plugin:seo", "2.0", "2.1", "rejected")}}});
  stopped.run = failed.run;
  f.events.push_back(failed);
  f.events.push_back(stopped);
  auto r = f.report();
  REQUIRE(r.postponed.size() == 1);
  CHECK(r.postponed[0].component == "plugin:forms");
  CHECK(r.postponed[0].to == "1.3");
  CHECK(r.postponed[0].reason == "backup_failed");
  CHECK(r.postponed[0].error_kind == "io");
  CHECK(r.postponed[0].date == core::Date{2026, 10, 12});
  CHECK(r.updates.empty());
  REQUIRE(r.held_back.size() == 1); // the rejected one is held back, not postponed
  CHECK(r.held_back[0].component == "plugin:seo");
  auto json = to_json(r);
  REQUIRE(json["updates"]["postponed"].size() == 1);
  CHECK(json["updates"]["postponed"][0]["reason"] == "backup_failed");
  CHECK(json["updates"]["postponed"][0]["error_kind"] == "io");
  auto view = view_of(r, Branding{}, f.zone);
  auto markdown = render_template(builtin_template(DocumentFormat::markdown), view, DocumentFormat::markdown);
  REQUIRE(markdown);
  CHECK(markdown->find("Mises à jour reportées") != std::string::npos);
  CHECK(markdown->find("la sauvegarde préalable a échoué (erreur de stockage)") != std::string::npos);
  CHECK(markdown->find("No space left") == std::string::npos); // the raw error, with its path, stays in the journal
  CHECK(markdown->find("/var/backups") == std::string::npos);
}

TEST_CASE("client report: a postponed update applied later in the month is not postponed", "[unit][client_report]") {
  Fixture f;
  f.events.push_back(event("2026-10-12T04:11:00Z", "update.finished", "portal", "prod",
                           {{"outcome", "failed"}, {"steps", {step("plugin:forms", "1.2", "1.3", "validated"),
                                                               step("plugin:seo", "2.0", "2.1", "pending")}}}));
  SECTION("applied by the next run") {
    f.events.push_back(event("2026-10-19T04:11:00Z", "update.finished", "portal", "prod",
                             {{"outcome", "updated"}, {"steps", {step("plugin:forms", "1.2", "1.3", "applied")}}}));
    auto r = f.report();
    REQUIRE(r.postponed.size() == 1);
    CHECK(r.postponed[0].component == "plugin:seo");
    CHECK(r.postponed[0].reason == "stopped"); // no pre-update backup failed in that run
    CHECK(r.postponed[0].error_kind.empty());
    CHECK(r.updates.size() == 1);
  }
  SECTION("stopped again: listed once, with the latest run") {
    f.events.push_back(event("2026-10-19T04:11:00Z", "update.finished", "portal", "prod",
                             {{"outcome", "failed"}, {"steps", {step("plugin:forms", "1.2", "1.4", "validated")}}}));
    auto r = f.report();
    REQUIRE(r.postponed.size() == 2);
    CHECK(r.postponed[0].component == "plugin:seo");
    CHECK(r.postponed[1].to == "1.4");
  }
}

TEST_CASE("client report: a failed update that touched prod or ran on preprod is not postponed", "[unit][client_report]") {
  Fixture f;
  // Prod unhealthy after the restore: failed, but prod was changed and rolled back (held back).
  f.events.push_back(event("2026-10-12T04:11:00Z", "update.finished", "portal", "prod",
                           {{"outcome", "failed"}, {"steps", {step("plugin:forms", "1.2", "1.3", "rolled back")}}}));
  f.events.push_back(event("2026-10-13T04:11:00Z", "update.finished", "portal", "preprod",
                           {{"outcome", "failed"}, {"steps", {step("plugin:seo", "2.0", "2.1", "validated")}}}));
  f.events.push_back(event("2026-10-14T04:11:00Z", "update.finished", "portal", "prod",
                           {{"outcome", "failed"}, {"error", "cannot plan"}})); // failed before planning
  f.events.push_back(event("2026-10-15T04:11:00Z", "update.finished", "shop", "prod",
                           {{"outcome", "failed"}, {"steps", {step("plugin:seo", "2.0", "2.1", "validated")}}}, "other"));
  auto r = f.report();
  CHECK(r.postponed.empty());
  CHECK(r.held_back.size() == 1);
}
