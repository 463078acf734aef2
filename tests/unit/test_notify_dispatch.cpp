// Delivery through the journal: pending/sent, retries after a failure, exactly once per
// monitoring transition, and a canary secret that never leaves.
#include <catch2/catch.hpp>

#include <tma/core/redact.hpp>
#include <tma/incident/monitor.hpp>
#include <tma/notify/dispatch.hpp>
#include <tma/transport/http.hpp>

#include "support/lab.hpp"

using namespace std::chrono_literals;
using tma::inventory::Criticality;
using tma::journal::MemoryJournal;
using tma::journal::Run;
namespace notify = tma::notify;
namespace incident = tma::incident;

namespace {

tma::core::SysSeconds utc(const char* text) { return *tma::core::parse_rfc3339(text); }

tma::inventory::Inventory inventory() {
  tma::inventory::Inventory inv;
  inv.agency.name = "Atelier";
  inv.agency.contacts = {{"Astreinte", "oncall@atelier.example"}};
  tma::inventory::Client acme;
  acme.id = "acme";
  acme.contacts = {{"Jeanne", "jeanne@acme.example"}};
  inv.clients.push_back(acme);
  tma::inventory::Site shop;
  shop.name = "shop";
  shop.client = "acme";
  shop.criticality = Criticality::critical;
  inv.sites.push_back(shop);
  tma::inventory::NotifyChannel team;
  team.name = "team";
  team.type = "webhook";
  tma::inventory::NotifyChannel mail;
  mail.name = "mail";
  mail.type = "email";
  inv.notify.channels = {team, mail};
  inv.notify.rules = {{"incident.*", Criticality::major, {"team"}},
                      {"incident.opened", Criticality::major, {"client"}},
                      {"incident.resolved", Criticality::major, {"client"}}};
  return inv;
}

std::vector<tma::journal::Event> of_type(const MemoryJournal& journal, const std::string& type) {
  std::vector<tma::journal::Event> out;
  for (const auto& e : journal.events()) {
    if (e.type == type) out.push_back(e);
  }
  return out;
}

} // namespace

TEST_CASE("notify: monitoring transitions notify exactly once each") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inv = inventory();
  notify::RecordingSender sender;
  std::vector<std::string> transitions;
  // Three failed checks then a recovery, each its own run, notifying what each run changed.
  for (bool ok : {false, false, false, true, true}) {
    Run run(journal, "health");
    incident::Probe probe{"shop", "prod", ok, "health", ok ? "" : "expected status 200, got 503"};
    auto outcomes = incident::record_probes(journal, run, inv, tma::core::TimeZone::utc(), {probe});
    REQUIRE(outcomes);
    std::vector<notify::Trigger> triggers;
    for (const auto& o : *outcomes) {
      transitions.emplace_back(incident::to_string(o.transition));
      if (o.event) triggers.push_back({o.event->type, o.event->id, o.incident});
    }
    auto report = notify::notify(journal, run, inv, sender, triggers);
    CHECK(report.ok());
    REQUIRE(run.finish(0));
    journal.advance(5min);
  }
  CHECK(transitions == std::vector<std::string>{"counted", "opened", "noted", "resolved", "none"});
  // team: opened, noted, resolved; client (mail): opened, resolved
  REQUIRE(sender.sent.size() == 5);
  std::vector<std::string> seen;
  for (const auto& s : sender.sent) seen.push_back(s.channel + " " + s.message.event_type);
  CHECK(seen == std::vector<std::string>{"team incident.opened", "mail incident.opened", "team incident.noted",
                                         "team incident.resolved", "mail incident.resolved"});
  CHECK(sender.sent[1].recipients == std::vector<std::string>{"jeanne@acme.example"});
  CHECK(of_type(journal, "notify.pending").size() == 5);
  CHECK(of_type(journal, "notify.sent").size() == 5);
  // A later flush finds nothing left to send.
  Run again(journal, "notify flush");
  notify::DeliveryReport report;
  REQUIRE(notify::deliver(journal, again, inv, sender, report));
  CHECK(report.sent.empty());
  CHECK(sender.sent.size() == 5);
}

TEST_CASE("notify: a channel down stays pending and is delivered once when it is back") {
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inv = inventory();
  notify::RecordingSender sender;
  sender.failing = {"team"};
  incident::Incident inc;
  {
    Run run(journal, "incident open");
    incident::OpenRequest request;
    request.site = "shop";
    request.client = "acme";
    request.severity = Criticality::critical;
    request.title = "down";
    inc = *incident::open(journal, run, request, tma::core::TimeZone::utc());
    auto report = notify::notify(journal, run, inv, sender, {{"incident.opened", inc.opened_event, inc}});
    // The command itself succeeds; the failure is reported.
    REQUIRE(report.failed.size() == 1);
    CHECK(report.failed[0].first == inc.opened_event + "/team");
    CHECK(report.failed[0].second == "channel 'team' is down");
    CHECK(report.sent == std::vector<std::string>{inc.opened_event + "/mail/client"});
    REQUIRE(run.finish(0));
  }
  CHECK(of_type(journal, "notify.failed").size() == 1);
  sender.failing.clear();
  for (int i = 0; i < 2; ++i) {
    journal.advance(1min);
    Run run(journal, "notify flush");
    notify::DeliveryReport report;
    REQUIRE(notify::deliver(journal, run, inv, sender, report));
    CHECK(report.sent.size() == (i == 0 ? 1U : 0U));
    REQUIRE(run.finish(0));
  }
  REQUIRE(sender.sent.size() == 2);
  CHECK(sender.sent[1].channel == "team");
  CHECK(sender.sent[1].message.event_id == inc.opened_event);

  SECTION("a pending notification whose channel was removed is reported, not lost silently") {
    sender.failing = {"team"};
    Run run(journal, "incident note");
    REQUIRE(incident::note(run, inc, "still broken"));
    REQUIRE(run.flush());
    auto events = of_type(journal, "incident.noted");
    auto report = notify::notify(journal, run, inv, sender, {{"incident.noted", events.back().id, inc}});
    REQUIRE(report.failed.size() == 1);
    inv.notify.channels.erase(inv.notify.channels.begin());
    notify::DeliveryReport later;
    REQUIRE(notify::deliver(journal, run, inv, sender, later));
    REQUIRE(later.failed.size() == 1);
    CHECK(later.failed[0].second == "channel 'team' is no longer configured");
  }
}

TEST_CASE("notify: a canary secret never reaches messages, errors or the journal") {
  const std::string canary = "CANARY-7f3a9c51e2";
  tma::core::register_secret(canary);
  MemoryJournal journal("tma <tma@tma.invalid>", utc("2026-11-30T10:00:00Z"));
  auto inv = inventory();
  // Nothing listens on this port: the real client fails to connect, with the URL in its error.
  inv.notify.channels[0].url.value = "http://127.0.0.1:" + std::to_string(tma::test::free_port()) + "/hook/" + canary;
  inv.notify.channels[0].secret.value = canary;
  inv.notify.channels.pop_back();
  inv.notify.rules = {{"incident.*", std::nullopt, {"team"}}};
  tma::transport::CurlHttpClient http;
  notify::ChannelSender sender(http);
  Run run(journal, "incident open");
  incident::OpenRequest request;
  request.site = "shop";
  request.client = "acme";
  request.title = "token " + canary + " leaked in the title";
  auto opened = incident::open(journal, run, request, tma::core::TimeZone::utc());
  REQUIRE(opened);
  auto report = notify::notify(journal, run, inv, sender, {{"incident.opened", opened->opened_event, *opened}});
  REQUIRE(report.failed.size() == 1);
  CHECK(report.failed[0].second.find(canary) == std::string::npos);
  CHECK(report.failed[0].second.find("***") != std::string::npos);
  REQUIRE(run.finish(0));
  for (const auto& e : journal.events()) CHECK(tma::journal::to_json(e).dump().find(canary) == std::string::npos);
  auto test = notify::send_test(inv, "team", sender, "test-1");
  REQUIRE_FALSE(test);
  CHECK(test.error().message.find(canary) == std::string::npos);
  CHECK(notify::send_test(inv, "nope", sender, "t").error().message == "no channel 'nope' in notify.channels (known: team)");
}
