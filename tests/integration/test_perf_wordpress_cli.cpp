// `tma perf`'s WordPress checks end to end: the built binary, a lab sshd and the `wp` and `php`
// stand-ins answering from real site trees. One SSH session per WordPress target (counted in the
// sshd's own log), findings from the inventory's thresholds, a malformed or failing query as a note.
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

void make_wp_site(std::vector<std::string> args) {
  args.insert(args.begin(), std::string(TMA_LAB_DIR) + "/make_wp_site");
  auto r = tma::test::run_program(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

const json& target_of(const json& doc, const std::string& site) {
  for (const auto& t : doc["targets"]) {
    if (t["site"] == site) return t;
  }
  FAIL("no target " << site);
  throw;
}

std::vector<std::string> rules_of(const json& wordpress) {
  std::vector<std::string> rules;
  for (const auto& f : wordpress["findings"]) rules.push_back(f["rule"].get<std::string>());
  return rules;
}

} // namespace

TEST_CASE("tma perf: WordPress checks over SSH in one session per target", "[integration]") {
  tma::test::LabSshd sshd;
  tma::test::TempDir dir;
  tma::test::LabHttp web(json{{"/", {{"body", "<html><body>lab</body></html>"}, {"headers", {{"Content-Type", "text/html"}}}}}});
  auto alpha = sshd.make_site_dir("alpha");
  auto bravo = sshd.make_site_dir("bravo");
  auto delta = sshd.make_site_dir("delta");
  // alpha: 900 KB autoloaded, two events overdue by two hours, no persistent object cache.
  make_wp_site({alpha, "--core", "6.6.1", "--option", "lab_blob=900000", "--option", "lab_off=2000000:off", "--cron",
                "wp_version_check=-7200", "--cron", "lab_late=-7300", "--cron", "lab_soon=3600"});
  // bravo: Redis drop-in, small autoload, nothing overdue, the CLI's OPcache on.
  make_wp_site({bravo, "--core", "6.6.1", "--dropin", "object-cache.php", "--cron", "lab_soon=3600", "--opcache-cli"});
  // delta: `wp cache type` answers an HTML page, the autoload query dies of a PHP fatal.
  make_wp_site({delta, "--core", "6.6.1", "--misbehave", "cache type: garbage", "--misbehave", "option list: fatal"});

  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts());
  auto env_of = [&](const std::string& path) {
    return fmt::format("{{url: \"{}\", ssh: {}, path: \"{}\", wp: \"{}\", php: \"{}\"}}", web.url(""), ssh, path,
                       lab_bin("wp"), lab_bin("php"));
  };
  auto inventory = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
sites:
  alpha:
    client: lab
    cms: wordpress
    perf: {{object_cache: true}}
    environments:
      prod: {alpha}
  bravo:
    client: lab
    cms: wordpress
    perf: {{object_cache: true}}
    environments:
      prod: {bravo}
  charlie:
    client: lab
    cms: wordpress
    environments:
      prod: {{url: "{url}"}}
  delta:
    client: lab
    cms: wordpress
    environments:
      prod: {delta}
)",
                                                       fmt::arg("alpha", env_of(alpha)), fmt::arg("bravo", env_of(bravo)),
                                                       fmt::arg("delta", env_of(delta)), fmt::arg("url", web.url(""))));
  std::map<std::string, std::optional<std::string>> env{{"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}};

  const int before = sshd.sessions_started();
  auto out = tma::test::run_tma({"-i", inventory, "perf", "--all", "--format", "json", "--jobs", "4"}, env);
  INFO(out.err << out.out);
  // alpha, bravo, delta: three WordPress targets with SSH, three sessions of five queries each.
  CHECK(sshd.sessions_started() - before == 3);
  CHECK(out.exit_code == 1); // findings; a failed query never fails a site
  auto doc = json::parse(out.out);

  const auto& a = target_of(doc, "alpha")["wordpress"];
  CHECK(target_of(doc, "alpha")["status"] == "findings");
  CHECK(a["object_cache"] == "Default");
  CHECK(a["persistent_object_cache"] == false);
  CHECK(a["autoload_bytes"].get<long>() > 900'000);
  CHECK(a["autoload_bytes"].get<long>() < 901'000); // the option with autoload off is not counted
  CHECK(a["cron"]["events"] == 3);
  CHECK(a["cron"]["overdue"] == 2);
  CHECK(a["cron"]["oldest_overdue_s"].get<long>() >= 7300);
  CHECK(a["php_version"] == "8.2.36");
  CHECK(a["opcache_cli"] == false);
  CHECK(a["notes"].empty());
  CHECK(rules_of(a) == std::vector<std::string>{"autoload-size", "cron-overdue", "no-object-cache"});

  const auto& b = target_of(doc, "bravo")["wordpress"];
  CHECK(target_of(doc, "bravo")["status"] == "ok");
  CHECK(b["object_cache"] == "Redis");
  CHECK(b["persistent_object_cache"] == true);
  CHECK(b["cron"]["overdue"] == 0);
  CHECK(b["opcache_cli"] == true);
  CHECK(b["findings"].empty());

  CHECK(target_of(doc, "charlie")["wordpress"].is_null()); // no shell: skipped, no error
  CHECK(target_of(doc, "charlie")["status"] == "ok");

  const auto& d = target_of(doc, "delta")["wordpress"];
  CHECK(target_of(doc, "delta")["status"] == "ok");
  CHECK(d["object_cache"].is_null());
  CHECK(d["autoload_bytes"].is_null());
  CHECK(d["php_version"] == "8.2.36");
  REQUIRE(d["notes"].size() == 2);
  CHECK(d["notes"][0].get<std::string>().find("wp cache type") != std::string::npos);
  CHECK(d["notes"][0].get<std::string>().find("nginx") == std::string::npos); // the answer is not repeated
  CHECK(d["notes"][1].get<std::string>().find("wp option list --autoload=on --format=total_bytes: exit code 255") != std::string::npos);

  // The table: facts, findings and notes on lines of their own; --record keeps the facts.
  auto table = tma::test::run_tma({"-i", inventory, "perf", "--site", "alpha"}, env);
  CHECK(table.out.find("alpha (prod) wordpress: no persistent object cache, autoload ") != std::string::npos);
  CHECK(table.out.find("alpha (prod) wordpress: cron-overdue: 2 of 3 cron event(s) overdue by more than 1h") !=
        std::string::npos);
}
