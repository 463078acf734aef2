// `tma check --by component`: grouping the findings of a portfolio by component change.
#include <catch2/catch.hpp>

#include <tma/check/by_component.hpp>

using namespace tma::check;
using tma::cms::ComponentKind;

namespace {

Finding finding(ComponentKind kind, std::string name, std::string installed, std::string latest, Severity severity,
                std::string fixed_in = "") {
  Finding f;
  f.kind = kind;
  f.name = std::move(name);
  f.installed = std::move(installed);
  f.latest = std::move(latest);
  f.fixed_in = std::move(fixed_in);
  f.severity = severity;
  return f;
}

SiteCheck site(std::string name, std::string env, std::vector<Finding> findings) {
  SiteCheck s;
  s.site = std::move(name);
  s.env = std::move(env);
  s.cms = "wordpress";
  s.findings = std::move(findings);
  return s;
}

} // namespace

TEST_CASE("check::group_by_component: one change per component and versions with its sites", "[unit][check]") {
  CheckReport report;
  auto akismet = finding(ComponentKind::plugin, "akismet", "5.0.2", "5.3", Severity::minor);
  report.sites.push_back(site("a", "prod", {akismet, finding(ComponentKind::core, "wordpress", "6.4.3", "6.6.1", Severity::minor)}));
  report.sites.push_back(site("b", "prod", {akismet}));
  report.sites.push_back(site("c", "prod", {finding(ComponentKind::plugin, "akismet", "5.1", "5.3", Severity::minor)}));
  // Vulnerable with no newer release known: the target is the fixing version.
  report.sites.push_back(site("d", "prod", {finding(ComponentKind::plugin, "forms", "2.3.1", "", Severity::security, "2.3.2")}));
  auto broken = site("e", "prod", {});
  broken.error = tma::core::Error{tma::core::ErrorKind::unreachable, "ssh: connect refused"};
  report.sites.push_back(broken);
  report.sites.push_back(site("f", "prod", {})); // up to date: in no group

  auto view = group_by_component(report);
  REQUIRE(view.changes.size() == 4);
  // Security first, then the most sites, then kind (core before plugin), name, versions.
  CHECK(view.changes[0].name == "forms");
  CHECK(view.changes[0].to == "2.3.2");
  CHECK(view.changes[0].severity == Severity::security);
  CHECK(view.changes[1].name == "akismet");
  CHECK(view.changes[1].from == "5.0.2");
  CHECK(view.changes[1].to == "5.3");
  REQUIRE(view.changes[1].sites.size() == 2);
  CHECK(view.changes[1].sites[0].site == "a");
  CHECK(view.changes[1].sites[1].site == "b");
  CHECK(view.changes[2].name == "wordpress");
  CHECK(view.changes[3].from == "5.1");
  CHECK_FALSE(view.several_envs);
  REQUIRE(view.not_checked.size() == 1);
  CHECK(view.not_checked[0].site == "e");
  CHECK(view.not_checked[0].status == SiteStatus::unreachable);

  CHECK(components_table(view).csv() == "SEVERITY,KIND,NAME,FROM,TO,COUNT,SITES\n"
                                        "security,plugin,forms,2.3.1,2.3.2,1,d\n"
                                        "minor,plugin,akismet,5.0.2,5.3,2,\"a, b\"\n"
                                        "minor,core,wordpress,6.4.3,6.6.1,1,a\n"
                                        "minor,plugin,akismet,5.1,5.3,1,c\n");
  CHECK(render_components_footer(view) == "4 changes on 4 sites\nnot checked: e (prod) unreachable: ssh: connect refused\n");
}

TEST_CASE("check::group_by_component: environments of one site are one site with its envs", "[unit][check]") {
  CheckReport report;
  auto old = finding(ComponentKind::theme, "studio", "3.1", "3.2", Severity::patch);
  report.sites.push_back(site("a", "prod", {old}));
  report.sites.push_back(site("a", "preprod", {old}));
  report.sites.push_back(site("b", "preprod", {old, old})); // a finding listed twice counts once
  auto view = group_by_component(report);
  REQUIRE(view.changes.size() == 1);
  CHECK(view.several_envs);
  REQUIRE(view.changes[0].sites.size() == 2);
  CHECK(site_label(view.changes[0].sites[0], view.several_envs) == "a (prod, preprod)");
  CHECK(site_label(view.changes[0].sites[1], view.several_envs) == "b (preprod)");
  CHECK(site_label(view.changes[0].sites[1], false) == "b");
  auto json = components_json_payload(report, view);
  CHECK(json["view"] == "component");
  CHECK(json["changes"][0]["count"] == 2);
  CHECK(json["changes"][0]["sites"][0]["envs"] == nlohmann::json::array({"prod", "preprod"}));
  CHECK(json["changes"][0]["from"] == "3.1");
  CHECK(json["not_checked"].empty());
  CHECK(render_components_footer(view) == "1 change on 2 sites\n");
}

TEST_CASE("check::group_by_component: the most urgent severity of a shared change wins", "[unit][check]") {
  CheckReport report;
  report.sites.push_back(site("a", "prod", {finding(ComponentKind::plugin, "x", "1.0", "1.1", Severity::patch)}));
  report.sites.push_back(site("b", "prod", {finding(ComponentKind::plugin, "x", "1.0", "1.1", Severity::security, "1.1")}));
  auto view = group_by_component(report);
  REQUIRE(view.changes.size() == 1);
  CHECK(view.changes[0].severity == Severity::security);
  CHECK(view.changes[0].sites.size() == 2);
  CHECK(components_json_payload(report, view)["changes"][0]["severity"] == "security");
}
