// `tma update` and notifications: a prod rolled back at night opens a major incident, and that
// incident goes through the notification rules like any other (a real HTTP server takes the webhook).
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/update_lab.hpp"

using nlohmann::json;
using tma::test::count_type;
using tma::test::UpdateLab;

TEST_CASE("tma update: a prod rollback notifies its incident through the channels", "[integration][update]") {
  UpdateLab lab;
  tma::test::LabHttp hooks(json{{"*", {{"status", 200}}}});
  lab.extra_yaml = fmt::format("notify:\n  channels:\n    ops: {{type: webhook, url: \"{}\"}}\n"
                               "  rules:\n    - {{on: incident.opened, to: [ops]}}\n",
                               hooks.url("/hook"));
  lab.write_inventory(true);
  // Nothing failed: nothing is sent.
  auto fine = lab.tma({"update", "--site", "acme", "--yes", "--only", "plugin:forms"});
  INFO(fine.out << fine.err);
  REQUIRE(fine.exit_code == 0);
  CHECK(hooks.requests().empty());

  // akismet 5.0.3 breaks prod only: prod is rolled back at night, and the on-call hears of it.
  UpdateLab::lab_file(lab.prod, "breaks", "plugin:akismet=5.0.3\n");
  auto r = lab.tma({"update", "--site", "acme", "--yes", "--only", "plugin:akismet"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("acme: rolled back") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.2");
  auto requests = hooks.requests();
  REQUIRE(requests.size() == 1);
  auto body = json::parse(requests[0]["body"].get<std::string>());
  CHECK(body["event_type"] == "incident.opened");
  CHECK(body["site"] == "acme");
  CHECK(body["severity"] == "major");
  auto incidents = lab.tma({"incident", "list", "--format", "json"});
  REQUIRE(incidents.exit_code == 0);
  auto list = json::parse(incidents.out)["incidents"];
  REQUIRE(list.size() == 1);
  CHECK(body["incident"] == list[0]["id"]);
  CHECK(list[0]["source"] == "update");
  CHECK(count_type(lab.events("notify.sent"), "notify.sent") == 1);
}

