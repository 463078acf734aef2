// `tma ping` end to end: the built binary against the lab's sshd and HTTP(S) servers.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;

TEST_CASE("tma ping reports SSH, HTTP and TLS per target, with exit bits", "[integration]") {
  tma::test::LabSshd sshd;
  tma::test::LabCa ca;
  auto cert = ca.issue("expiring", 5);
  tma::test::LabHttp web(json{{"/", {{"body", "home"}}}, {"/broken", {{"status", 500}}}});
  tma::test::LabHttp secure(json{{"/", {{"body", "secure home"}}}}, cert);
  tma::test::TempDir dir;
  auto site_root = sshd.make_site_dir("alpha");
  auto ssh = fmt::format("{{target: {}@127.0.0.1:{}, identity_file: {}, known_hosts: {}, connect_timeout: 5s}}",
                         sshd.user(), sshd.port(), sshd.identity(), sshd.known_hosts());
  auto inventory = fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  alpha:
    client: lab
    cms: static
    environments:
      prod: {{url: "{web}", ssh: {ssh}, path: "{root}"}}
  beta:
    client: lab
    cms: static
    environments:
      prod: {{url: "{secure}", ssh: {ssh}, path: "{root}", http: {{ca_file: "{ca}"}}}}
  gamma:
    client: lab
    cms: static
    environments:
      prod: {{url: "{broken}", transport: local, path: "{root}"}}
  delta:
    client: lab
    cms: static
    environments:
      prod: {{url: "{web}", ssh: {{target: {user}@127.0.0.1:{closed}, identity_file: {id}, known_hosts: {kh}, connect_timeout: 5s}}, path: /srv}}
)",
                               fmt::arg("web", web.url("/")), fmt::arg("secure", secure.url("/")),
                               fmt::arg("broken", web.url("/broken")), fmt::arg("ssh", ssh), fmt::arg("root", site_root),
                               fmt::arg("ca", ca.ca_file()), fmt::arg("user", sshd.user()),
                               fmt::arg("closed", tma::test::free_port()), fmt::arg("id", sshd.identity()),
                               fmt::arg("kh", sshd.known_hosts()));
  auto path = dir.write("sites.yaml", inventory);
  std::map<std::string, std::optional<std::string>> env{{"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}};

  auto out = tma::test::run_tma({"-i", path, "ping", "--all", "--format", "json", "--jobs", "4"}, env);
  INFO(out.err << out.out);
  // beta's certificate expires in 5 days (< tls_warn 14d): findings; gamma's 500: failed; delta: unreachable.
  CHECK(out.exit_code == (1 | 2 | 4));
  auto doc = json::parse(out.out);
  CHECK(doc["schema"] == 1);
  auto& results = doc["results"];
  REQUIRE(results.size() == 4);
  CHECK(results[0]["site"] == "alpha");
  CHECK(results[0]["status"] == "ok");
  CHECK(results[0]["ssh"]["ok"] == true);
  CHECK(results[0]["ssh"]["system"].get<std::string>().rfind("Linux ", 0) == 0);
  CHECK(results[0]["http"]["status"] == 200);
  CHECK(results[1]["site"] == "beta");
  CHECK(results[1]["status"] == "findings");
  CHECK(results[1]["http"]["tls_days_left"] == 4);
  CHECK(results[2]["site"] == "delta");
  CHECK(results[2]["status"] == "unreachable");
  CHECK(results[2]["error"]["kind"] == "unreachable");
  CHECK(results[3]["site"] == "gamma");
  CHECK(results[3]["status"] == "failed");
  CHECK(results[3]["ssh"]["transport"] == "local");
  CHECK(doc["summary"]["ok"] == 1);
  CHECK(doc["summary"]["unreachable"] == 1);

  auto table = tma::test::run_tma({"-i", path, "ping", "--site", "alpha", "--site", "beta"}, env);
  CHECK(table.exit_code == 1);
  CHECK(table.out.find("SITE") != std::string::npos);
  CHECK(table.out.find("4d") != std::string::npos);
  CHECK(table.out.find("2 targets: 1 ok, 1 findings, 0 failed, 0 unreachable") != std::string::npos);
  CHECK(table.err.find("\r") == std::string::npos); // no progress line when stderr is not a TTY

  auto bad = tma::test::run_tma({"-i", path, "ping", "--all", "--jobs", "0"}, env);
  CHECK(bad.exit_code == 64);
}
