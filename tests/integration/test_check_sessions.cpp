// Issue 15: `tma check` opens exactly one SSH session per site and environment (each session costs
// the server a login shell), counted in the lab sshd's own log, and finds over SSH exactly what it
// finds with `transport: local` on the same trees. A PHP fatal in the calls is that site's failure,
// not an unreachable server.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/run_program.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using tma::test::lab_bin;

namespace {

void make_site(const std::string& tool, std::vector<std::string> args) {
  args.insert(args.begin(), std::string(TMA_LAB_DIR) + "/" + tool);
  auto r = tma::test::run_program(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

/// The inventory of the sites with every environment reached by `reach` (an ssh map, or "local").
std::string inventory(const std::string& reach, const std::string& api, const std::map<std::string, std::string>& dirs) {
  auto how = [&](const std::string& site) {
    std::string where = reach == "local" ? "transport: local" : "ssh: " + reach;
    return fmt::format("{}, path: \"{}\"", where, dirs.at(site));
  };
  return fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
sources:
  wordpress_api: "{api}"
  vulnerabilities: {{url: "{api}/api/intelligence/v2/vulnerabilities/production"}}
  drupal_updates: {{enabled: false}}  # drupal.org coverage: test_check_eol.cpp
sites:
  alpha:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://alpha.invalid", {alpha}, wp: "{wp}"}}
      preprod: {{url: "http://preprod.alpha.invalid", {alpha_preprod}, wp: "{wp}"}}
  bravo:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://bravo.invalid", {bravo}, wp: "{wp}"}}
  delta:
    client: lab
    cms: drupal
    environments:
      prod: {{url: "http://delta.invalid", {delta}, drush: "{drush}", composer: "{composer}"}}
  juliet:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "http://juliet.invalid", {juliet}, wp: "{wp}"}}
)",
                     fmt::arg("api", api), fmt::arg("alpha", how("alpha")), fmt::arg("alpha_preprod", how("alpha_preprod")),
                     fmt::arg("bravo", how("bravo")), fmt::arg("delta", how("delta")), fmt::arg("juliet", how("juliet")),
                     fmt::arg("wp", lab_bin("wp")), fmt::arg("drush", lab_bin("drush")),
                     fmt::arg("composer", lab_bin("composer")));
}

/// site/env -> (status, components) of a check report, for comparing two runs.
std::map<std::string, json> by_target(const json& doc) {
  std::map<std::string, json> out;
  for (const auto& site : doc.at("sites")) {
    out[site.at("site").get<std::string>() + "/" + site.at("env").get<std::string>()] =
        json{{"status", site.at("status")}, {"components", site.at("components")}, {"findings", site.at("findings")}};
  }
  return out;
}

} // namespace

TEST_CASE("tma check: one SSH session per site and environment, the same findings as locally",
          "[integration][check]") {
  tma::test::LabSshd sshd;
  tma::test::TempDir dir;
  std::map<std::string, std::string> dirs{{"alpha", sshd.make_site_dir("alpha")},
                                          {"alpha_preprod", sshd.make_site_dir("alpha-preprod")},
                                          {"bravo", sshd.make_site_dir("bravo")},
                                          {"delta", sshd.make_site_dir("delta")},
                                          {"juliet", sshd.make_site_dir("juliet")}};
  make_site("make_wp_site", {dirs["alpha"], "--core", "6.4.3", "--plugin", "acme-forms=2.3.1:active", "--plugin",
                             "akismet=5.1:active", "--theme", "twentytwentyfour=1.0:active", "--update", "core=6.6.1"});
  make_site("make_wp_site", {dirs["alpha_preprod"], "--core", "6.6.1", "--plugin", "akismet=5.1:active", "--theme",
                             "twentytwentyfour=1.0:active"});
  make_site("make_wp_site", {dirs["bravo"], "--core", "6.6.1", "--plugin", "classic-editor=1.6.3:active", "--theme",
                             "twentytwentyfour=1.0:active", "--update", "plugin:classic-editor=1.7.0"});
  make_site("make_drupal_site", {dirs["delta"], "--core", "10.3.2", "--drush", "12.5.3", "--package",
                                 "drupal/webform=6.2.2", "--update", "drupal/webform=6.2.5"});
  make_site("make_wp_site", {dirs["juliet"], "--core", "6.6.1", "--misbehave", "fatal"});

  auto updates = dir.write("wporg.json", R"({"core": {"version": "6.6.1", "versions": ["6.4.5", "6.6.1"]},
    "plugins": {"acme-forms": {"version": "2.4.0"}, "akismet": {"version": "5.1"}}})");
  tma::test::Background api({lab_bin("fake-wporg-api"), "--updates", updates, "--feed",
                             std::string(TMA_FIXTURES) + "/wordfence/feed.json", "--log", dir.file("api.log")});
  REQUIRE(api.wait_for_output("port "));
  auto api_out = api.out();
  std::string api_base = "http://127.0.0.1:" + std::to_string(std::stoi(api_out.substr(api_out.find("port ") + 5)));
  std::map<std::string, std::optional<std::string>> env{
      {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"XDG_CACHE_HOME", dir.file("cache")}};

  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts());
  auto remote = dir.write("remote.yaml", inventory(ssh, api_base, dirs));
  auto local = dir.write("local.yaml", inventory("local", api_base, dirs));

  const int before = sshd.sessions_started();
  auto over_ssh = tma::test::run_tma({"-i", remote, "check", "--all", "--format", "json", "--jobs", "4"}, env);
  INFO(over_ssh.err << over_ssh.out);
  const int sessions = sshd.sessions_started() - before;
  // alpha prod, alpha preprod, bravo, delta, juliet: five targets, five sessions (four WP-CLI or
  // five drush/composer queries each, all in one remote script).
  CHECK(sessions == 5);
  auto remote_doc = json::parse(over_ssh.out);
  auto remote_targets = by_target(remote_doc);
  REQUIRE(remote_targets.size() == 5);
  // A PHP fatal in every call: that site failed, it is not an unreachable server.
  CHECK(remote_targets.at("juliet/prod").at("status") == "failed");
  CHECK(remote_targets.at("alpha/prod").at("status") == "findings");
  CHECK(!remote_targets.at("delta/prod").at("components").empty());
  CHECK(over_ssh.exit_code == (1 | 2));

  auto here = tma::test::run_tma({"-i", local, "check", "--all", "--format", "json", "--jobs", "4"}, env);
  INFO(here.err << here.out);
  CHECK(sshd.sessions_started() - before == sessions); // local means local
  CHECK(here.exit_code == over_ssh.exit_code);
  auto local_targets = by_target(json::parse(here.out));
  for (const auto& [target, result] : remote_targets) {
    INFO(target);
    CHECK(local_targets.at(target) == result);
  }
}
