// The pure parts of `tma update` (update/run_update.hpp): leftover maintenance from journal events,
// drift between a plan and prod, the validated set read back, exit bits, option checks; and the
// interrupt shield the pipeline relies on.
#include <tma/core/exit_code.hpp>
#include <tma/core/signals.hpp>
#include <tma/update/lock.hpp>
#include <tma/update/run_update.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace tma;

namespace {

journal::Event event(const std::string& run, int at, const std::string& type, const std::string& env,
                     nlohmann::json data = nlohmann::json::object()) {
  journal::Event e;
  e.run = run;
  e.at = journal::SysSeconds{std::chrono::seconds{1'780'000'000 + at}};
  e.type = type;
  e.site = "acme";
  e.env = env;
  e.data = std::move(data);
  return e;
}

cms::Component component(cms::ComponentKind kind, const std::string& name, const std::string& installed) {
  cms::Component c;
  c.kind = kind;
  c.name = name;
  c.installed = installed;
  return c;
}

update::Plan two_step_plan() {
  update::Plan plan;
  plan.site = "acme";
  plan.steps = {{cms::ComponentKind::core, "wordpress", "6.4.2", "6.4.3", "6.4.3", false, "", "", ""},
                {cms::ComponentKind::plugin, "akismet", "5.0.2", "5.0.3", "5.0.3", false, "", "", ""}};
  return plan;
}

} // namespace

TEST_CASE("maintenance_to_clear finds what a killed run left on, once", "[update]") {
  // A finished run switched it on and off: nothing to do.
  std::vector<journal::Event> events{event("a", 1, "update.maintenance.on", "prod"),
                                     event("a", 2, "update.maintenance.off", "prod"),
                                     event("a", 3, "update.finished", "prod")};
  CHECK(update::maintenance_to_clear(events, "acme").empty());
  // Killed with maintenance on.
  events.push_back(event("b", 4, "update.maintenance.on", "prod"));
  CHECK(update::maintenance_to_clear(events, "acme") == std::map<std::string, std::string>{{"prod", "b"}});
  // Killed while switching it off: the `off` event is written, the run never finished.
  events.pop_back();
  events.push_back(event("c", 5, "update.maintenance.on", "prod"));
  events.push_back(event("c", 6, "update.maintenance.off", "prod"));
  CHECK(update::maintenance_to_clear(events, "acme") == std::map<std::string, std::string>{{"prod", "c"}});
  // Recovered once: not again.
  events.push_back(event("d", 7, "update.recovered", "prod", {{"run", "c"}}));
  CHECK(update::maintenance_to_clear(events, "acme").empty());
  // Other sites are ignored.
  auto other = event("e", 8, "update.maintenance.on", "prod");
  other.site = "other";
  events.push_back(other);
  CHECK(update::maintenance_to_clear(events, "acme").empty());
}

TEST_CASE("drift names each component prod no longer has at the planned version", "[update]") {
  auto plan = two_step_plan();
  std::vector<cms::Component> same{component(cms::ComponentKind::core, "wordpress", "6.4.2"),
                                   component(cms::ComponentKind::plugin, "akismet", "5.0.2")};
  CHECK(update::drift(plan, same).empty());
  std::vector<cms::Component> moved{component(cms::ComponentKind::core, "wordpress", "6.4.3")};
  auto changed = update::drift(plan, moved);
  REQUIRE(changed.size() == 2);
  CHECK(changed[0] == "core is 6.4.3, the plan was made from 6.4.2");
  CHECK(changed[1] == "plugin:akismet is no longer installed (the plan was made from 5.0.2)");
}

TEST_CASE("plan_from_validated reads the update.validated event back", "[update]") {
  nlohmann::json data{{"steps",
                       {{{"component", "core"}, {"kind", "core"}, {"name", "wordpress"}, {"from", "6.4.2"}, {"to", "6.4.3"}},
                        {{"component", "plugin:akismet"}, {"from", "5.0.2"}, {"to", "5.0.3"}}}}};
  auto plan = update::plan_from_validated("acme", data);
  REQUIRE(plan);
  REQUIRE(plan->steps.size() == 2);
  CHECK(plan->steps[0].kind == cms::ComponentKind::core);
  CHECK(plan->steps[0].name == "wordpress");
  CHECK(plan->steps[1].kind == cms::ComponentKind::plugin);
  CHECK(plan->steps[1].name == "akismet");
  CHECK(plan->steps[1].target == "5.0.3");
  auto bad = update::plan_from_validated("acme", {{"steps", {{{"component", "plugin:akismet"}}}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("acme") != std::string::npos);
  CHECK_FALSE(update::plan_from_validated("acme", nlohmann::json::object()));
}

TEST_CASE("promote without --accept-visual leaves the steps whose pages changed", "[update][visual]") {
  nlohmann::json data{{"steps",
                       {{{"component", "core"}, {"kind", "core"}, {"name", "wordpress"}, {"from", "6.4.2"}, {"to", "6.4.3"}},
                        {{"component", "plugin:akismet"}, {"from", "5.0.2"}, {"to", "5.0.3"},
                         {"visual_report", "/agency/visual/acme/preprod/c.html"}}}}};
  auto plan = update::plan_from_validated("acme", data);
  REQUIRE(plan);
  CHECK(plan->steps[1].visual_report == "/agency/visual/acme/preprod/c.html");
  update::hold_visual_changes(*plan);
  REQUIRE(plan->steps.size() == 1);
  CHECK(plan->steps[0].name == "wordpress");
  REQUIRE(plan->skipped.size() == 1);
  CHECK(plan->skipped[0].name == "akismet");
  CHECK(plan->skipped[0].reason ==
        "pages changed on preprod: review /agency/visual/acme/preprod/c.html; --accept-visual promotes it");
}

TEST_CASE("update exit bits: rejected or rolled back 1, failed 2, unreachable 4, locked 0", "[update]") {
  update::SiteRun run;
  update::SiteResult result;
  result.outcome = update::Outcome::updated;
  result.steps = {{two_step_plan().steps[0], update::StepStatus::applied, ""}};
  run.result = result;
  CHECK(update::exit_bits(run) == 0);
  run.result->steps.push_back({two_step_plan().steps[1], update::StepStatus::rejected, "health failed"});
  CHECK(update::exit_bits(run) == core::exit_code::findings);
  run.result->steps.back().status = update::StepStatus::held; // waits for a person: a finding too
  CHECK(update::exit_bits(run) == core::exit_code::findings);
  run.result->outcome = update::Outcome::restored;
  CHECK(update::exit_bits(run) == core::exit_code::findings);
  run.result->outcome = update::Outcome::failed;
  CHECK(update::exit_bits(run) == (core::exit_code::findings | core::exit_code::site_failed));
  run.result.reset();
  run.error = core::Error{core::ErrorKind::unreachable, "ssh: connection refused"};
  CHECK(update::exit_bits(run) == core::exit_code::unreachable);
  run.error = core::Error{core::ErrorKind::locked, "locked by ..."};
  CHECK(update::exit_bits(run) == 0);
  run.error = core::Error{core::ErrorKind::usage, "prod changed since"};
  CHECK(update::exit_bits(run) == core::exit_code::site_failed);
}

TEST_CASE("update recap line: counts per outcome in a fixed order and zeros left out", "[update]") {
  CHECK(update::recap_line({}) == "0 sites");
  auto with = [](update::Outcome outcome) {
    update::SiteRun run;
    run.result = update::SiteResult{};
    run.result->outcome = outcome;
    return run;
  };
  auto errored = [](core::ErrorKind kind) {
    update::SiteRun run;
    run.error = core::Error{kind, "..."};
    return run;
  };
  CHECK(update::recap_line({with(update::Outcome::updated)}) == "1 site: 1 updated");
  std::vector<update::SiteRun> runs{errored(core::ErrorKind::locked),      with(update::Outcome::failed),
                                    with(update::Outcome::updated),        errored(core::ErrorKind::timeout),
                                    with(update::Outcome::rolled_back),    with(update::Outcome::updated),
                                    errored(core::ErrorKind::remote),      update::SiteRun{}};
  CHECK(update::recap_line(runs) == "8 sites: 2 updated, 1 rolled back, 2 failed, 1 unreachable, 1 locked, 1 not run");
}

TEST_CASE("check_request refuses contradicting options and a missing preprod", "[update]") {
  inventory::Site site;
  site.name = "acme";
  site.environments.push_back(inventory::Environment{});
  site.environments.back().name = "prod";
  std::vector<const inventory::Site*> sites{&site};
  update::UpdateOptions options;
  auto refused = update::check_request(sites, options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("--skip-preprod") != std::string::npos);
  options.skip_preprod = true;
  CHECK(update::check_request(sites, options));
  options.preprod_only = true;
  CHECK_FALSE(update::check_request(sites, options));
  options = {};
  options.promote = true;
  CHECK(update::check_request(sites, options)); // promote needs prod only
  options.accept_visual = true;
  CHECK(update::check_request(sites, options));
  options.promote = false;
  auto alone = update::check_request(sites, options);
  REQUIRE_FALSE(alone);
  CHECK(alone.error().message.find("goes with --promote") != std::string::npos);
  options.promote = true;
  options.accept_visual = false;
  options.plan.security_only = true;
  CHECK_FALSE(update::check_request(sites, options));
  options = {};
  options.skip_preprod = true;
  options.jobs = 0;
  CHECK_FALSE(update::check_request(sites, options));
}

TEST_CASE("lock holders carry the pid and a dead holder on this host is recognised", "[update]") {
  update::LockHolder holder{"abc", "Lab <lab@tma.invalid>", "host-1", 1'780'000'000, ::getpid()};
  auto back = update::holder_from_text(update::holder_to_text(holder));
  REQUIRE(back);
  CHECK(back->pid == ::getpid());
  auto old = update::holder_from_text(R"({"run_id":"x","actor":"a","host":"h","since":1})");
  REQUIRE(old);
  CHECK(old->pid == 0);
  CHECK_FALSE(update::is_dead_here(holder, "host-1")); // this process is alive
  holder.pid = 0x3ffffff0;                             // beyond pid_max: no such process
  CHECK(update::is_dead_here(holder, "host-1"));
  CHECK_FALSE(update::is_dead_here(holder, "host-2")); // another machine: cannot tell
  CHECK_FALSE(update::is_dead_here(holder, ""));
}

TEST_CASE("InterruptShield hides the interruption on its thread only while it lives", "[update]") {
  core::set_interrupted_for_testing(true);
  CHECK(core::interrupted());
  {
    core::InterruptShield shield;
    CHECK_FALSE(core::interrupted());
    {
      core::InterruptShield nested;
      CHECK_FALSE(core::interrupted());
    }
    CHECK_FALSE(core::interrupted());
  }
  CHECK(core::interrupted());
  core::set_interrupted_for_testing(false);
}
