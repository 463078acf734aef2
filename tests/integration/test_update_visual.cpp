// `tma update` with a `visual` block (docs/visual.md, "In tma update"), end to end: the lab
// WordPress trees served with a real page and CSS that depends on the installed versions, real
// headless Chromium capturing preprod and prod, the comparison judging each step.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/update_lab.hpp"

using nlohmann::json;
using tma::test::count_type;
using tma::test::UpdateLab;

namespace {

json step_of(const json& site, const std::string& component) {
  for (const auto& step : site["result"]["steps"]) {
    if (step["component"] == component) return step;
  }
  FAIL("no step " << component << " in " << site.dump());
  return {};
}

} // namespace

TEST_CASE("tma update with visual: hidden content is rejected and a changed page waits for --accept-visual", "[integration][update][visual]") {
  UpdateLab lab;
  // forms 1.1 hides the main content with one CSS rule (every word still in the HTML); seo 2.1 adds
  // a red badge to the header (a visible change, not a broken page); akismet and core change nothing.
  for (const auto& root : {lab.pre, lab.prod}) {
    UpdateLab::lab_file(root, "styles",
                        "plugin:forms=1.1 main{visibility:hidden}\n"
                        "plugin:seo=2.1 header::after{content:'';position:absolute;right:24px;top:12px;width:220px;"
                        "height:72px;background:#e63946}\n");
  }
  lab.site_yaml = "    visual: {sample: 0, widths: [800]}\n";
  lab.write_inventory(true);

  auto r = lab.tma({"update", "--site", "acme", "--yes", "--format", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1); // a rejected and a held component: findings
  auto site = json::parse(r.out)["sites"][0];
  CHECK(site["result"]["outcome"] == "updated");
  CHECK(step_of(site, "core")["status"] == "applied");
  CHECK(step_of(site, "plugin:akismet")["status"] == "applied");
  auto forms = step_of(site, "plugin:forms");
  CHECK(forms["status"] == "rejected");
  CHECK(forms["reason"].get<std::string>().find("pages broken") != std::string::npos);
  auto seo = step_of(site, "plugin:seo");
  CHECK(seo["status"] == "held");
  const std::string report = seo["visual_report"];
  CHECK(std::filesystem::exists(report));
  CHECK(report.find(lab.agency + "/visual/acme/preprod/") == 0);
  // Preprod keeps the held version for review and went back on the broken one; prod has neither.
  CHECK(UpdateLab::plugin(lab.pre, "forms") == "1.0");
  CHECK(UpdateLab::plugin(lab.pre, "seo") == "2.1");
  CHECK(UpdateLab::plugin(lab.prod, "forms") == "1.0");
  CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.0");
  CHECK(UpdateLab::plugin(lab.prod, "akismet") == "5.0.3");
  CHECK_FALSE(UpdateLab::maintenance(lab.prod));
  auto events = lab.events("update.");
  CHECK(count_type(events, "update.visual", "preprod") == 4);
  CHECK(count_type(events, "update.visual", "prod") == 1);
  CHECK(count_type(events, "update.step.held", "preprod") == 1);

  // --promote alone does not ship a changed page.
  auto refused = lab.tma({"update", "--site", "acme", "--promote", "--yes"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("waits for approval") != std::string::npos);
  CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.0");

  // Once someone looked: prod gets it, and its pages are compared (changed, not broken: it stays).
  auto promoted = lab.tma({"update", "--site", "acme", "--promote", "--accept-visual", "--yes", "--format", "json"});
  INFO(promoted.out << promoted.err);
  CHECK(promoted.exit_code == 0);
  CHECK(UpdateLab::plugin(lab.prod, "seo") == "2.1");
  auto after = lab.events("update.visual");
  REQUIRE(count_type(after, "update.visual", "prod") == 2);
  CHECK(after[0]["data"]["verdict"] == "changed");
}
