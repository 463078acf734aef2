// The update pipeline against fakes (tests/support/update_pipeline_fakes.hpp).
#include <tma/core/signals.hpp>
#include <tma/update/pipeline.hpp>

#include <catch2/catch.hpp>

#include "support/update_pipeline_fakes.hpp"

using namespace tma;
using update::Outcome;
using update::StepStatus;

using namespace tma::test;

TEST_CASE("pipeline happy path: preprod then exactly the validated versions on prod", "[update]") {
  World w;
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK(r.backup_id == "b-1");
  for (const auto& s : r.steps) {
    CHECK(s.status == StepStatus::applied);
  }
  std::map<std::string, std::string> expected{
      {"core", "6.5.3"}, {"plugin:akismet", "5.3.1"}, {"plugin:woocommerce", "9.0.0"}};
  CHECK(w.preprod.versions == expected);
  CHECK(w.prod.versions == expected);
  CHECK_FALSE(w.prod.maintenance);
  // Order: backup before maintenance, maintenance around installs and db updates.
  CHECK(w.index("prod backup") < w.index("prod maintenance on"));
  CHECK(w.index("prod maintenance on") < w.index("prod install core 6.5.3"));
  CHECK(w.index("prod db updates") < w.index("prod maintenance off"));
  CHECK(w.index("journal prod update.backup") + 1 == w.index("prod backup"));
  // Only a healthy, updated prod releases the older pre-update backups to retention.
  CHECK(w.index("journal prod update.backup_completed") + 1 == w.index("prod backup completed b-1"));
  CHECK(w.index("prod maintenance off") < w.index("prod backup completed b-1"));
  CHECK(r.error.empty());
  require_journal_before_installs(w.log);
  CHECK(w.log.back() == "journal prod update.finished");
}

TEST_CASE("pipeline: a site without maintenance mode is updated without switching or journaling it", "[update]") {
  World w;
  w.preprod.with_maintenance = false;
  w.prod.with_maintenance = false;
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  for (const auto& line : w.log) {
    CAPTURE(line);
    CHECK(line.find("maintenance") == std::string::npos);
  }
  CHECK(w.index("prod backup") < w.index("prod install core 6.5.3"));
}

TEST_CASE("pipeline: a backup that cannot be marked completed is reported, prod stays updated", "[update]") {
  World w;
  w.backup.fail_mark = true;
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK(r.error == "pre-update backup b-1 not marked completed: disk full");
}

TEST_CASE("pipeline: no journal event, no completion mark", "[update]") {
  World w;
  w.recorder.fail_on = "update.backup_completed";
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK_FALSE(w.logged("prod backup completed b-1"));
  CHECK(r.error.find("pre-update backup b-1 not marked completed: ") == 0);
}

TEST_CASE("pipeline: a component breaking preprod is reverted, rejected, never sent to prod", "[update]") {
  World w;
  w.preprod_health.bad = {"plugin:akismet=5.3.1"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK(r.steps[1].status == StepStatus::rejected);
  CHECK(r.steps[1].reason == "health failed: GET / answered 500");
  CHECK(r.steps[0].status == StepStatus::applied);
  CHECK(r.steps[2].status == StepStatus::applied);
  CHECK(w.preprod.versions.at("plugin:akismet") == "5.3");
  CHECK(w.prod.versions.at("plugin:akismet") == "5.3");
  CHECK(w.prod.versions.at("plugin:woocommerce") == "9.0.0");
  CHECK_FALSE(w.logged("prod install plugin:akismet 5.3.1"));
  CHECK(w.index("journal preprod update.revert plugin:akismet") + 1 ==
        w.index("preprod install plugin:akismet 5.3"));
}

TEST_CASE("pipeline: an install failure on preprod rejects the component too", "[update]") {
  World w;
  w.preprod.install_fails = {"plugin:woocommerce=9.0.0"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK(r.steps[2].status == StepStatus::rejected);
  CHECK(r.steps[2].reason == "install failed: wp exited 1");
  CHECK(w.prod.versions.at("plugin:woocommerce") == "8.2.1");
}

TEST_CASE("pipeline: --stop-on-failure stops at the first rejection, prod untouched", "[update]") {
  World w;
  w.options.stop_on_failure = true;
  w.preprod_health.bad = {"core=6.5.3"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::failed);
  CHECK(r.steps[0].status == StepStatus::rejected);
  CHECK(r.steps[1].status == StepStatus::pending);
  CHECK(w.prod.versions == k_start);
  CHECK_FALSE(w.logged("prod backup"));
}

TEST_CASE("pipeline: every component rejected means nothing to do on prod", "[update]") {
  World w;
  w.preprod_health.bad = {"core=6.5.3", "plugin:akismet=5.3.1", "plugin:woocommerce=9.0.0"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::nothing_to_do);
  CHECK_FALSE(w.logged("prod backup"));
  CHECK(w.preprod.versions == k_start);
}

TEST_CASE("pipeline: prod unhealthy after update -> previous versions reinstalled", "[update]") {
  World w;
  w.prod_health.bad = {"plugin:woocommerce=9.0.0"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::rolled_back);
  CHECK(r.error == "prod: health failed: GET / answered 500");
  for (const auto& s : r.steps) {
    CHECK(s.status == StepStatus::rolled_back);
  }
  CHECK(w.prod.versions == k_start);
  CHECK_FALSE(w.prod.maintenance);
  CHECK_FALSE(w.logged("prod restore b-1"));
  CHECK_FALSE(w.logged("prod backup completed b-1")); // a rolled-back update did not complete
  // Reverted in reverse order.
  CHECK(w.index("prod install plugin:woocommerce 8.2.1") < w.index("prod install core 6.4.2"));
  require_journal_before_installs(w.log);
}

TEST_CASE("pipeline: still unhealthy after reverting -> backup restored", "[update]") {
  World w;
  w.prod_health.bad = {"plugin:woocommerce=9.0.0"};
  w.prod_health.broken_until_restore = false;
  // The revert itself fails: the restore path must run.
  w.prod.install_fails = {"plugin:woocommerce=8.2.1"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::failed); // woocommerce 9.0.0 is still there after the fake restore
  CHECK(w.logged("prod restore b-1"));
  CHECK(w.index("journal prod update.restore") + 1 == w.index("prod restore b-1"));
  CHECK_FALSE(w.prod.maintenance);
}

TEST_CASE("pipeline: restore brings prod back", "[update]") {
  World w2;
  w2.prod_health.bad = {"plugin:akismet=5.3.1"};
  w2.prod.install_fails = {"core=6.4.2"}; // core cannot be downgraded
  w2.prod_health.bad.insert("core=6.5.3");
  // After restore the fake's versions are unchanged, so mark the restore as fixing the core too.
  struct RestoringBackup : FakeBackup {
    using FakeBackup::FakeBackup;
    FakeCms* cms = nullptr;
    core::Result<void> restore(const std::string& id) override {
      auto r = FakeBackup::restore(id);
      cms->versions = k_start;
      return r;
    }
  };
  RestoringBackup backup(w2.log, w2.prod_health);
  backup.cms = &w2.prod;
  update::Targets t{&w2.preprod, &w2.preprod_health, &w2.prod, &w2.prod_health, &backup, &w2.recorder};
  auto r = update::run_pipeline(w2.plan(), t, w2.options);
  CHECK(r.outcome == Outcome::restored);
  CHECK_FALSE(w2.logged("prod backup completed b-1"));
  CHECK(w2.prod.versions == k_start);
  CHECK_FALSE(w2.prod.maintenance);
}

TEST_CASE("pipeline: a failed pre-update backup leaves prod untouched", "[update]") {
  World w;
  w.backup.fail_take = true;
  auto r = w.run();
  CHECK(r.outcome == Outcome::failed);
  CHECK(r.error.find("pre-update backup failed") == 0);
  CHECK(w.prod.versions == k_start);
  CHECK_FALSE(w.logged("prod maintenance on"));
}

TEST_CASE("pipeline: an unwritable journal stops before the side effect", "[update]") {
  World w;
  w.recorder.fail_on = "update.backup";
  auto r = w.run();
  CHECK(r.outcome == Outcome::failed);
  CHECK_FALSE(w.logged("prod backup"));
  CHECK(w.prod.versions == k_start);
}

TEST_CASE("pipeline: interruption at each stage leaves maintenance off", "[update]") {
  // `at` is the install during which SIGINT's flag is raised; an interruption after the last prod
  // install lets the run finish (db updates, maintenance off, health) rather than roll back.
  const std::vector<std::pair<std::string, Outcome>> cases{
      {"preprod:core=6.5.3", Outcome::failed},
      {"preprod:plugin:woocommerce=9.0.0", Outcome::failed},
      {"prod:core=6.5.3", Outcome::rolled_back},
      {"prod:plugin:akismet=5.3.1", Outcome::rolled_back},
      {"prod:plugin:woocommerce=9.0.0", Outcome::updated}};
  for (const auto& [where, expected] : cases) {
    DYNAMIC_SECTION("interrupted at " << where) {
      World w;
      auto colon = where.find(':');
      (where.substr(0, colon) == "prod" ? w.prod : w.preprod).interrupt_on_install = where.substr(colon + 1);
      auto r = w.run();
      core::set_interrupted_for_testing(false);
      CHECK(r.outcome == expected);
      CHECK_FALSE(w.prod.maintenance);
      CHECK_FALSE(w.preprod.maintenance);
      if (expected != Outcome::updated) {
        CHECK(r.error.find("interrupted") != std::string::npos);
        CHECK(w.prod.versions == k_start);
      }
    }
  }
}

TEST_CASE("pipeline: --env preprod validates and records, prod untouched", "[update]") {
  World w;
  w.options.preprod_only = true;
  w.preprod_health.bad = {"plugin:akismet=5.3.1"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::validated);
  CHECK(w.prod.versions == k_start);
  REQUIRE(w.logged("journal preprod update.validated"));
  auto it = std::find_if(w.recorder.events.begin(), w.recorder.events.end(),
                         [](const auto& e) { return e.contains("steps"); });
  REQUIRE(it != w.recorder.events.end());
  REQUIRE((*it)["steps"].size() == 2);
  CHECK((*it)["steps"][1]["component"] == "plugin:woocommerce");
  CHECK((*it)["steps"][1]["to"] == "9.0.0");
}

TEST_CASE("pipeline: --skip-preprod goes straight to prod; unhealthy prod is not touched", "[update]") {
  World w;
  w.options.skip_preprod = true;
  update::Targets t{nullptr, nullptr, &w.prod, &w.prod_health, &w.backup, &w.recorder};
  auto r = update::run_pipeline(w.plan(), t, w.options);
  CHECK(r.outcome == Outcome::updated);
  CHECK(w.preprod.versions == k_start);

  World down;
  down.options.skip_preprod = true;
  down.prod_health.broken_until_restore = true;
  update::Targets t2{nullptr, nullptr, &down.prod, &down.prod_health, &down.backup, &down.recorder};
  auto r2 = update::run_pipeline(down.plan(), t2, down.options);
  CHECK(r2.outcome == Outcome::failed);
  CHECK(r2.error.find("prod is unhealthy before any change") == 0);
  CHECK_FALSE(down.logged("prod backup"));
}

TEST_CASE("pipeline result renders", "[update]") {
  World w;
  w.preprod_health.bad = {"plugin:akismet=5.3.1"};
  auto r = w.run();
  auto text = update::render_result_table(r, false);
  CHECK(text.find("acme-www: updated\n") == 0);
  CHECK(text.find("rejected") != std::string::npos);
  auto json = update::result_to_json(r);
  CHECK(json["outcome"] == "updated");
  CHECK(json["steps"][1]["status"] == "rejected");
}

TEST_CASE("pipeline: update.finished records what the plan skipped and why", "[update]") {
  World w;
  auto plan = w.plan();
  plan.skipped = {{cms::ComponentKind::plugin, "woocommerce", "8.2.1", "9.0.0", "pinned to 8.2.*; 9.0.0 is outside"}};
  plan.steps.pop_back();
  update::Targets t{&w.preprod, &w.preprod_health, &w.prod, &w.prod_health, &w.backup, &w.recorder};
  auto r = update::run_pipeline(plan, t, w.options);
  CHECK(r.outcome == Outcome::updated);
  REQUIRE(w.log.back() == "journal prod update.finished");
  const auto& finished = w.recorder.events.back();
  REQUIRE(finished.at("skipped").size() == 1);
  CHECK(finished.at("skipped")[0].at("component") == "plugin:woocommerce");
  CHECK(finished.at("skipped")[0].at("latest") == "9.0.0");
  CHECK(finished.at("skipped")[0].at("reason") == "pinned to 8.2.*; 9.0.0 is outside");
  CHECK(w.prod.versions.at("plugin:woocommerce") == "8.2.1");
}
