// Values with a grammar are parsed when the inventory is loaded, so that `tma inventory check`
// reports a bad one with file:line:col rather than the command that first uses it.
#include <catch2/catch.hpp>

#include <tma/inventory/load.hpp>

#include "support/inventory_text.hpp"

using namespace tma::inventory;

namespace {

const std::string k_minimal = tma::test::k_minimal_inventory;

auto load(const std::string& text) { return tma::test::load_text(text); }

std::vector<std::string> errors_of(const std::string& text) { return tma::test::inventory_errors(text); }


std::string with_site_line(const std::string& line) { return std::string(k_minimal) + "    " + line + "\n"; }

std::string with_top(const std::string& text) { return text + k_minimal; }

} // namespace

TEST_CASE("schedules are parsed at load with file:line:col", "[unit][inventory]") {
  const std::string expected = "expected 'daily HH:MM', 'weekly <mon..sun> HH:MM', 'monthly <1-31> HH:MM', "
                               "'every Nm', 'every Nh' or a 5-field cron expression";
  CHECK(errors_of(with_site_line("backup: {schedule: \"daily 25:00\"}")) ==
        std::vector<std::string>{"sites.yaml:10:24: sites.www.backup.schedule: bad time '25:00' in schedule: " + expected});
  CHECK(errors_of(with_site_line("updates: {schedule: \"*/0 * * * *\"}")) ==
        std::vector<std::string>{"sites.yaml:10:25: sites.www.updates.schedule: bad cron expression '*/0 * * * *': bad "
                                 "step in minute field '*/0' (a whole number from 1)"});
  CHECK(errors_of(with_top("defaults:\n  backup: {schedule: garbage}\n")) ==
        std::vector<std::string>{"sites.yaml:2:22: defaults.backup.schedule: bad schedule 'garbage': " + expected});
  auto sun = errors_of(with_site_line("backup: {schedule: \"0 3 * * mon-sun\"}"));
  REQUIRE(sun.size() == 1);
  CHECK(sun[0].find("write '*' or '1-7' for every day") != std::string::npos);

  auto loaded = load(with_site_line("backup: {schedule: \"30 1 * * 1-5\"}"));
  REQUIRE(loaded);
  const auto* www = loaded->inventory.site("www");
  REQUIRE(www);
  CHECK(www->backup.schedule.text() == "30 1 * * 1-5");
  CHECK(www->updates.schedule.text() == "weekly mon 09:00"); // the default
}

TEST_CASE("business hours may end at 24:00 and only end there", "[unit][inventory]") {
  auto loaded = load(with_top("agency: {business_hours: {from: \"18:00\", to: \"24:00\"}}\n"));
  REQUIRE(loaded);
  CHECK(loaded->inventory.agency.business_hours.from_minutes == 18 * 60);
  CHECK(loaded->inventory.agency.business_hours.to_minutes == 24 * 60);
  CHECK(errors_of(with_top("agency: {business_hours: {from: \"24:00\", to: \"24:00\"}}\n")) ==
        std::vector<std::string>{"sites.yaml:1:33: agency.business_hours.from: '24:00' is not a time HH:MM (00:00 to 23:59)"});
  CHECK(errors_of(with_top("agency: {business_hours: {to: \"24:30\"}}\n")) ==
        std::vector<std::string>{"sites.yaml:1:31: agency.business_hours.to: '24:30' is not a time HH:MM (00:00 to 24:00)"});
}

TEST_CASE("URLs are checked at load: scheme and host", "[unit][inventory]") {
  CHECK(errors_of(with_top("sources: {wordpress_api: \"api.wordpress.org\"}\n")) ==
        std::vector<std::string>{"sites.yaml:1:26: sources.wordpress_api: 'api.wordpress.org' is not an http:// or "
                                 "https:// URL (a host is required, no spaces)"});
  CHECK(errors_of(with_top("notify:\n  channels:\n    mail: {type: email, smtp: \"mail.example:25\"}\n")) ==
        std::vector<std::string>{"sites.yaml:3:31: notify.channels.mail.smtp: 'mail.example:25' is not an smtp:// or "
                                 "smtps:// URL (a host is required, no spaces)"});
  CHECK(errors_of(with_site_line("backup: {method: http, trigger: {url: \"https://\"}}")).size() == 1);
  CHECK(load(with_top("notify:\n  channels:\n    mail: {type: email, smtp: \"smtp://mail.example:25\"}\n")));
}

TEST_CASE("amounts: the largest accepted is 1000000000000.00", "[unit][inventory]") {
  auto text = std::string(k_minimal);
  auto with_rate = [&](const std::string& rate) {
    auto t = text;
    t.replace(t.find("rate: 90"), 8, "rate: " + rate);
    return t;
  };
  CHECK(load(with_rate("1000000000000.00")));
  CHECK(errors_of(with_rate("1000000000000.01")) ==
        std::vector<std::string>{"sites.yaml:3:40: clients.acme.contract.rate: invalid amount '1000000000000.01' "
                                 "(expected e.g. 450 or 450.00, at most 1000000000000.00)"});
}

TEST_CASE("notification rules name an event type tma sends", "[unit][inventory]") {
  auto rules = [](const std::string& on) {
    return with_top("notify:\n  channels:\n    team: {type: webhook, url: \"https://hooks.example/t\"}\n"
                    "  rules:\n    - {on: \"" + on + "\", to: [team]}\n");
  };
  for (const char* good : {"incident.opened", "incident.updated", "incident.*", "backup.failed", "*"}) {
    INFO(good);
    CHECK(load(rules(good)));
  }
  CHECK(errors_of(rules("incident.opend")) ==
        std::vector<std::string>{"sites.yaml:5:12: notify.rules[0].on: unknown incident event 'incident.opend' (did you "
                                 "mean 'incident.opened'?); expected one of incident.opened, incident.acknowledged, "
                                 "incident.noted, incident.resolved, incident.reopened, incident.updated"});
  CHECK(errors_of(rules("incident opened")) ==
        std::vector<std::string>{"sites.yaml:5:12: notify.rules[0].on: 'incident opened' is not an event type such as "
                                 "incident.opened, incident.* or *"});
}
