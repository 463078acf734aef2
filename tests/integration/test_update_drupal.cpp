// `tma update` on a Drupal site end to end: the built binary against two lab Drupal projects (prod and
// preprod, `transport: local`), the lab `composer` stand-in rewriting composer.json/composer.lock and
// web/core/lib/Drupal.php, the lab `drush` stand-in keeping maintenance mode and pending database
// updates in .tma-lab/state.json, the lab HTTP server for the health checks, the git journal.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"
#include "support/paths.hpp"

using nlohmann::json;

namespace {

struct DrupalUpdateLab {
  tma::test::TempDir dir;
  std::string prod = dir.file("prod");
  std::string pre = dir.file("pre");
  std::string agency = dir.file("agency");
  std::unique_ptr<tma::test::LabHttp> http;

  explicit DrupalUpdateLab(const std::string& cms) {
    for (const auto& root : {prod, pre}) {
      auto made = tma::test::run_program(
          {std::string(TMA_LAB_DIR) + "/make_drupal_site", root, "--core", "10.3.2", "--package",
           "drupal/token=1.13.0", "--update", "drupal/core-recommended=10.3.2,10.3.6,10.3.9", "--update",
           "drupal/token=1.13.0,1.14.0", "--pending-update", "system_update_10301"});
      INFO(made.err);
      REQUIRE(made.exit_code == 0);
    }
    http = std::make_unique<tma::test::LabHttp>(
        json{{"*", {{"status", 200}, {"body", "<!DOCTYPE html><html><body>Lab Drupal</body></html>"}}}});
    REQUIRE(tma({"init", agency}).exit_code == 0);
    auto env = [&](const std::string& name, const std::string& root) {
      return fmt::format("      {}: {{url: \"{}\", transport: local, path: \"{}\", drush: \"{}\", composer: \"{}\"}}\n",
                         name, http->url("/" + name + "/"), root, tma::test::lab_bin("drush"),
                         tma::test::lab_bin("composer"));
    };
    std::ofstream(agency + "/sites.yaml") << fmt::format(R"(version: 1
agency: {{name: Lab, timezone: Europe/Paris}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
storage:
  local: {{type: local, path: backups}}
defaults:
  backup: {{storage: local, keep: {{last: 5}}, schedule: "daily 02:30"}}
sites:
  d:
    client: lab
    cms: {}
    backup: {{database: false}}
    environments:
{}{})",
                                                         cms, env("prod", prod), env("preprod", pre));
  }

  tma::test::Output tma(std::vector<std::string> args) const {
    if (args.front() != "init") args.insert(args.begin(), {"-i", agency + "/sites.yaml"});
    return tma::test::run_tma(args, {{"TMA_ACTOR", std::string("Lab <lab@tma.invalid>")}, {"http_proxy", std::nullopt},
                                     {"TMA_CACHE_DIR", dir.file("cache")}});
  }

  static std::string locked_version(const std::string& root, const std::string& package) {
    auto lock = json::parse(tma::test::read_file(root + "/composer.lock"));
    for (const auto& p : lock["packages"]) {
      if (p["name"] == package) return p["version"].get<std::string>();
    }
    return "";
  }
  static json state(const std::string& root) { return json::parse(tma::test::read_file(root + "/.tma-lab/state.json")); }
  static std::string drush_core(const std::string& root) {
    auto out = tma::test::run_program({tma::test::lab_bin("drush"), "--root=" + root, "status", "--field=drupal-version"});
    return out.out;
  }

  json events(const std::string& type) const {
    auto out = tma({"journal", "--type", type, "-n", "500", "--format", "json"});
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out)["events"];
  }
};

int count_type(const json& events, const std::string& type, const std::string& env) {
  int n = 0;
  for (const auto& e : events) {
    if (e["type"] == type && e["env"] == env) ++n;
  }
  return n;
}

} // namespace

TEST_CASE("tma update on a Drupal site: core and a module, preprod then prod, exact versions",
          "[integration][update][drupal]") {
  DrupalUpdateLab lab("drupal");
  // Prod goes into maintenance during its stage: the lab records each switch in state.json.
  auto r = lab.tma({"update", "--site", "d", "--yes", "--format", "json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto report = json::parse(r.out);
  const auto& site = report["sites"][0];
  CHECK(site["result"]["outcome"] == "updated");
  std::vector<std::string> components;
  for (const auto& step : site["result"]["steps"]) {
    CHECK(step["status"] == "applied");
    components.push_back(step["component"].get<std::string>() + "=" + step["to"].get<std::string>());
  }
  CHECK(components == std::vector<std::string>{"package:drupal/core-recommended=10.3.9", "package:drupal/token=1.14.0"});
  for (const auto& root : {lab.prod, lab.pre}) {
    CHECK(DrupalUpdateLab::locked_version(root, "drupal/core-recommended") == "10.3.9");
    CHECK(DrupalUpdateLab::locked_version(root, "drupal/core") == "10.3.9"); // core moved with the metapackage
    CHECK(DrupalUpdateLab::locked_version(root, "drupal/token") == "1.14.0");
    CHECK(DrupalUpdateLab::drush_core(root) == "10.3.9\n");
    // composer.json now requires the exact versions installed.
    auto composer = json::parse(tma::test::read_file(root + "/composer.json"));
    CHECK(composer["require"]["drupal/core-recommended"] == "10.3.9");
    CHECK(composer["require"]["drupal/token"] == "1.14.0");
    CHECK(DrupalUpdateLab::state(root)["maintenance_mode"] == 0);
  }
  // drush updatedb ran on prod (the pending update is gone).
  CHECK(DrupalUpdateLab::state(lab.prod)["pending_updates"].empty());

  auto events = lab.events("update.");
  CHECK(count_type(events, "update.install", "preprod") == 2);
  CHECK(count_type(events, "update.step.validated", "preprod") == 2);
  CHECK(count_type(events, "update.install", "prod") == 2);
  CHECK(count_type(events, "update.maintenance.on", "prod") == 1);
  CHECK(count_type(events, "update.maintenance.off", "prod") == 1);
  CHECK(count_type(events, "update.finished", "prod") == 1);

  // Nothing left: a second run plans nothing.
  auto again = lab.tma({"update", "--site", "d", "--yes"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to do") != std::string::npos);
}

TEST_CASE("tma update on a plain composer project: no maintenance, said in the plan and the journal",
          "[integration][update][drupal]") {
  DrupalUpdateLab lab("composer");
  auto dry = lab.tma({"update", "--site", "d", "--dry-run"});
  INFO(dry.out << dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out.find("note: plain composer project: no maintenance mode") != std::string::npos);
  auto r = lab.tma({"update", "--site", "d", "--yes"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(DrupalUpdateLab::locked_version(lab.prod, "drupal/token") == "1.14.0");
  CHECK(DrupalUpdateLab::locked_version(lab.prod, "drupal/core") == "10.3.9");
  // No drush ran: the lab's state is untouched (no maintenance switch, the pending update still there).
  CHECK(DrupalUpdateLab::state(lab.prod)["pending_updates"].size() == 1);
  auto plan = lab.events("update.plan");
  REQUIRE_FALSE(plan.empty());
  CHECK(plan[0]["data"]["maintenance"] == "none (plain composer project)");
  CHECK(plan[0]["data"]["note"].get<std::string>().find("no maintenance mode") != std::string::npos);
}
