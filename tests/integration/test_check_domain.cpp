// Issue 21: `tma check` asks each prod site's registry, found through the RDAP bootstrap (refreshed
// from `sources.rdap.bootstrap_url`, the lab's HTTP server here), when its domain expires; answers
// are cached, and a registry that does not know the name, is busy or publishes no date leaves a note.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/client_report/locale.hpp>
#include <tma/core/timezone.hpp>

#include "support/lab.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;

namespace {

std::string in_days(int days) {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto today = tma::core::days_from_civil(tma::core::TimeZone::utc().local_date(now));
  return tma::core::format_date(tma::core::civil_from_days(today + days));
}

// An RDAP domain object as registries write it (RFC 9083 §5.3).
json domain_object(const std::string& name, const std::vector<std::string>& statuses, const std::string& expires) {
  json events = json::array({{{"eventAction", "registration"}, {"eventDate", "2015-06-01T09:00:00Z"}}});
  if (!expires.empty()) events.push_back({{"eventAction", "expiration"}, {"eventDate", expires + "T09:00:00Z"}});
  return {{"rdapConformance", {"rdap_level_0"}}, {"objectClassName", "domain"}, {"ldhName", name},
          {"status", statuses}, {"events", events}};
}

json rdap_route(const json& body, int status = 200) {
  return {{"status", status}, {"body", body.dump()}, {"headers", {{"Content-Type", "application/rdap+json"}}}};
}

const json& site_of(const json& doc, const std::string& name) {
  for (const auto& s : doc.at("sites")) {
    if (s.at("site") == name) return s;
  }
  FAIL("no site " << name);
  throw std::logic_error("unreachable");
}

bool has_note(const json& site, const std::string& text) {
  for (const auto& n : site.at("platform").at("notes")) {
    if (n.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> domains_asked(const json& requests) {
  std::vector<std::string> paths;
  for (const auto& r : requests) {
    auto path = r.at("path").get<std::string>();
    if (path.rfind("/rdap/domain/", 0) == 0) paths.push_back(path.substr(13));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

} // namespace

TEST_CASE("tma check: domain expiries through RDAP with horizons and notes and a cache", "[integration][check][rdap]") {
  tma::test::TempDir dir;
  json registry = {
      {"/rdap/domain/soon.lab", rdap_route(domain_object("SOON.LAB", {"active"}, in_days(30)))},
      {"/rdap/domain/urgent.lab", rdap_route(domain_object("urgent.lab", {"client transfer prohibited"}, in_days(5)))},
      {"/rdap/domain/fine.lab", rdap_route(domain_object("fine.lab", {"active"}, in_days(400)))},
      {"/rdap/domain/held.lab", rdap_route(domain_object("held.lab", {"client hold"}, in_days(200)))},
      {"/rdap/domain/undated.lab", rdap_route(domain_object("undated.lab", {"active"}, ""))},
      {"/rdap/domain/gone.lab",
       rdap_route({{"errorCode", 404}, {"title", "Not Found"}, {"description", {"no such domain"}}}, 404)},
      {"/rdap/domain/busy.lab", {{"status", 429}, {"body", ""}, {"headers", {{"Retry-After", "60"}}}}},
      {"*", rdap_route({{"errorCode", 400}, {"title", "Bad Request"}}, 400)}};
  tma::test::LabHttp rdap(registry);
  json bootstrap = {{"version", "1.0"}, {"publication", "2031-01-01T00:00:00Z"},
                    {"services", {{{"lab"}, {rdap.url("/rdap/")}}}}};
  tma::test::LabHttp iana({{"/rdap/dns.json", {{"body", bootstrap.dump()}}}, {"*", {{"status", 404}}}});

  auto inventory = [&](const std::string& bootstrap_url) {
    return fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
sources:
  rdap: {{bootstrap_url: "{bootstrap}", warn: 45d, critical: 10d}}
  eol: {{enabled: false}}
sites:
  soon: {{client: lab, cms: static, environments: {{prod: {{url: "https://www.soon.lab/"}}}}}}
  urgent: {{client: lab, cms: static, domain: urgent.lab, environments: {{prod: {{url: "http://127.0.0.1:9/"}}}}}}
  fine: {{client: lab, cms: static, environments: {{prod: {{url: "https://fine.lab/"}}}}}}
  held: {{client: lab, cms: static, environments: {{prod: {{url: "https://shop.held.lab/"}}}}}}
  undated: {{client: lab, cms: static, environments: {{prod: {{url: "https://undated.lab/"}}}}}}
  gone: {{client: lab, cms: static, environments: {{prod: {{url: "https://www.gone.lab/"}}}}}}
  busy: {{client: lab, cms: static, environments: {{prod: {{url: "https://busy.lab/"}}}}}}
  quiet: {{client: lab, cms: static, domain: none, environments: {{prod: {{url: "https://quiet.lab/"}}}}}}
  staged: {{client: lab, cms: static, domain: fine.lab,
            environments: {{prod: {{url: "https://fine.lab/"}}, preprod: {{url: "https://preprod.other.lab/"}}}}}}
)",
                       fmt::arg("bootstrap", bootstrap_url));
  };
  auto path = dir.write("sites.yaml", inventory(iana.url("/rdap/dns.json")));
  std::map<std::string, std::optional<std::string>> env{{"XDG_CACHE_HOME", dir.file("cache")}};

  auto run = tma::test::run_tma({"-i", path, "check", "--all", "--format", "json", "--fail-on", "any"}, env);
  INFO(run.err << run.out);
  CHECK(run.exit_code == 1); // findings, no failure
  auto doc = json::parse(run.out);
  const auto& payload = doc;

  auto only_finding = [&](const std::string& site) {
    const auto& findings = site_of(payload, site).at("findings");
    REQUIRE(findings.size() == 1);
    return findings[0];
  };
  auto soon = only_finding("soon");
  CHECK(soon.at("type") == "domain");
  CHECK(soon.at("kind") == "domain");
  CHECK(soon.at("name") == "soon.lab");
  CHECK(soon.at("severity") == "minor");
  CHECK(soon.at("ends_on") == in_days(30));
  CHECK(site_of(payload, "soon").at("status") == "findings");
  auto urgent = only_finding("urgent");
  CHECK(urgent.at("severity") == "major");
  CHECK(urgent.at("name") == "urgent.lab");
  auto held = only_finding("held");
  CHECK(held.at("severity") == "major");
  CHECK(held.at("note").get<std::string>().find("client hold") != std::string::npos);

  CHECK(site_of(payload, "fine").at("findings").empty());
  CHECK(site_of(payload, "fine").at("status") == "skipped");
  CHECK(site_of(payload, "undated").at("findings").empty());
  CHECK(has_note(site_of(payload, "undated"), "domain expiry of undated.lab unknown: the registry publishes no expiration date"));
  CHECK(has_note(site_of(payload, "gone"), "the registry does not know gone.lab (HTTP 404)"));
  CHECK(has_note(site_of(payload, "busy"), "domain expiry of busy.lab unknown: the registry did not answer (HTTP 429"));
  CHECK(site_of(payload, "quiet").at("findings").empty());
  CHECK(payload.at("summary").at("lifecycle") == 3);

  // One request per domain (the staged site shares fine.lab; its preprod and `domain: none` ask nothing),
  // each asking for RDAP's media type.
  auto requests = rdap.requests();
  CHECK(domains_asked(requests) ==
        std::vector<std::string>{"busy.lab", "fine.lab", "fine.lab", "gone.lab", "held.lab", "soon.lab", "undated.lab", "urgent.lab"});
  for (const auto& r : requests) {
    CHECK(r.at("headers").value("Accept", "").find("application/rdap+json") != std::string::npos);
  }

  // The second run answers the domain objects from the cache; refusals and errors are asked again.
  auto again = tma::test::run_tma({"-i", path, "check", "--all", "--format", "json"}, env);
  INFO(again.err);
  CHECK(again.exit_code == 0); // the default --fail-on security: a lapsing domain is not a vulnerability
  auto asked_twice = domains_asked(rdap.requests());
  CHECK(std::count(asked_twice.begin(), asked_twice.end(), "soon.lab") == 1);
  CHECK(std::count(asked_twice.begin(), asked_twice.end(), "gone.lab") == 2);
  CHECK(std::count(asked_twice.begin(), asked_twice.end(), "busy.lab") == 2);
  CHECK(iana.hits("/rdap/dns.json") == 1);

  // A bootstrap URL that fails falls back to the shipped IANA file, which has no `.lab`: a note per
  // site, one warning per run, never a failure.
  tma::test::TempDir other;
  auto broken = other.write("sites.yaml", inventory(iana.url("/missing.json")));
  auto fallback = tma::test::run_tma({"-i", broken, "check", "--site", "soon", "--format", "json"},
                                     {{"XDG_CACHE_HOME", other.file("cache")}});
  INFO(fallback.err);
  CHECK(fallback.exit_code == 0);
  CHECK(fallback.err.find("warning: RDAP bootstrap not refreshed (HTTP 404 from") != std::string::npos);
  CHECK(has_note(site_of(json::parse(fallback.out), "soon"), "no RDAP server for .lab in the bootstrap"));
}

TEST_CASE("tma check records a lapsing domain and the client report recommends renewing it", "[integration][check][rdap]") {
  tma::test::TempDir dir;
  tma::test::LabHttp rdap(json{{"/rdap/domain/soon.lab", rdap_route(domain_object("soon.lab", {"active"}, in_days(30)))}});
  json bootstrap = {{"version", "1.0"}, {"services", {{{"lab"}, {rdap.url("/rdap/")}}}}};
  tma::test::LabHttp iana(json{{"/dns.json", {{"body", bootstrap.dump()}}}});
  auto root = dir.file("agency");
  REQUIRE(tma::test::run_tma({"init", root}).exit_code == 0);
  auto inventory = dir.write("agency/sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab, timezone: UTC}}
clients:
  lab: {{name: Lab, lang: en, contract: {{model: on_demand, rate: 90}}}}
sources:
  rdap: {{bootstrap_url: "{}"}}
  eol: {{enabled: false}}
sites:
  soon: {{client: lab, cms: static, environments: {{prod: {{url: "https://www.soon.lab/"}}}}}}
)",
                                                              iana.url("/dns.json")));
  std::map<std::string, std::optional<std::string>> env{{"XDG_CACHE_HOME", dir.file("cache")},
                                                        {"TMA_ACTOR", "Tester <tester@tma.invalid>"}};
  auto check = tma::test::run_tma({"-i", inventory, "check", "--all"}, env, root);
  INFO(check.err << check.out);
  REQUIRE(check.exit_code == 0);
  CHECK(check.out.find("registration expires on " + in_days(30)) != std::string::npos); // the table

  auto today = in_days(0);
  auto report = tma::test::run_tma({"-i", inventory, "report", "--client", "lab", "--from", today.substr(0, 8) + "01", "--to",
                                    today, "--format", "markdown", "--out", "-"},
                                   env, root);
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  auto expiry = *tma::core::parse_date(in_days(30));
  CHECK(report.out.find("soon: the domain soon.lab expires on " +
                        tma::client_report::format_long_date(expiry, tma::inventory::Lang::en) +
                        "; check its renewal with your registrar.") != std::string::npos);
}

TEST_CASE("tma check: inventory mistakes in domain and sources.rdap", "[integration][check][rdap]") {
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", R"(version: 1
clients:
  lab: {name: Lab, contract: {model: on_demand, rate: 90}}
sources:
  rdap: {warn: 10d, critical: 20d}
sites:
  www: {client: lab, cms: static, domain: "shop.example.fr/../x", environments: {prod: {url: "https://www.example.fr/"}}}
)");
  auto run = tma::test::run_tma({"-i", path, "check", "--all"});
  CHECK(run.exit_code == 78);
  CHECK(run.err.find("sites.yaml:5:") != std::string::npos);
  CHECK(run.err.find("sources.rdap.critical") != std::string::npos);
  CHECK(run.err.find("sites.yaml:7:") != std::string::npos);
  CHECK(run.err.find("'shop.example.fr/../x' is not a domain name") != std::string::npos);
}
