// The update pipeline with a visual comparison (docs/visual.md, "In tma update"): broken pages
// reject a component on preprod and roll prod back; changed pages hold a component for approval
// while the others go on.
#include <tma/update/pipeline.hpp>
#include <tma/update/visual_check.hpp>

#include <catch2/catch.hpp>

#include "support/update_pipeline_fakes.hpp"

using namespace tma;
using namespace tma::test;
using update::Outcome;
using update::StepStatus;
using update::VisualVerdict;

namespace {

// Compares the versions installed on its environment with those of its reference: a changed
// `key=version` listed in `broken` or `changed` gives that verdict (broken first), like pages
// that look different because of that component.
class FakeVisual : public update::VisualCheck {
public:
  FakeVisual(FakeCms& cms, Log& log) : m_cms(cms), m_log(log) {}
  core::Result<void> baseline() override {
    m_log.push_back(m_cms.m_env + " visual baseline");
    if (fail_baseline) return core::fail(core::ErrorKind::remote, "chromium did not start");
    m_reference = m_cms.versions;
    return {};
  }
  core::Result<update::VisualResult> compare() override {
    m_log.push_back(m_cms.m_env + " visual compare");
    if (fail_compare) return core::fail(core::ErrorKind::timeout, "GET / did not load in 30 s");
    m_last = m_cms.versions;
    update::VisualResult result;
    for (const auto& [key, version] : m_cms.versions) {
      if (m_reference[key] == version) continue;
      if (broken.count(key + "=" + version) != 0) {
        result.verdict = VisualVerdict::broken;
      } else if (changed.count(key + "=" + version) != 0 && result.verdict == VisualVerdict::same) {
        result.verdict = VisualVerdict::changed;
      }
    }
    ++m_comparisons;
    result.summary = result.verdict == VisualVerdict::same ? "18 captures the same" : "1 of 18 captures differs";
    result.report = "/agency/visual/acme-www/" + m_cms.m_env + "/compare-" + std::to_string(m_comparisons) + ".html";
    return result;
  }
  void keep_last() override { m_reference = m_last; }

  std::set<std::string> broken;
  std::set<std::string> changed;
  bool fail_baseline = false;
  bool fail_compare = false;

private:
  FakeCms& m_cms;
  Log& m_log;
  std::map<std::string, std::string> m_reference;
  std::map<std::string, std::string> m_last;
  int m_comparisons = 0;
};

struct VisualWorld : World {
  FakeVisual preprod_pages{preprod, log};
  FakeVisual prod_pages{prod, log};
  VisualWorld() {
    preprod_visual = &preprod_pages;
    prod_visual = &prod_pages;
  }
  const nlohmann::json* event(const std::string& needle) const {
    for (std::size_t i = 0; i < recorder.events.size(); ++i) {
      if (recorder.events[i].dump().find(needle) != std::string::npos) return &recorder.events[i];
    }
    return nullptr;
  }
};

} // namespace

TEST_CASE("pipeline visual: a component that breaks preprod's pages is rejected and the others reach prod", "[update][visual]") {
  VisualWorld w;
  w.preprod_pages.broken = {"plugin:akismet=5.3.1"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK(r.steps[0].status == StepStatus::applied);
  CHECK(r.steps[1].status == StepStatus::rejected);
  CHECK(r.steps[1].reason.find("pages broken") != std::string::npos);
  CHECK(r.steps[1].reason.find("compare-2.html") != std::string::npos);
  CHECK(r.steps[2].status == StepStatus::applied);
  CHECK(w.preprod.versions.at("plugin:akismet") == "5.3");
  CHECK(w.prod.versions.at("plugin:akismet") == "5.3");
  CHECK_FALSE(w.logged("prod install plugin:akismet 5.3.1"));
  // The baseline before the first change, a comparison after each step that passed its smoke test.
  CHECK(w.index("preprod visual baseline") < w.index("preprod install core 6.5.3"));
  CHECK(std::count(w.log.begin(), w.log.end(), "preprod visual compare") == 3);
  // Prod compared too: before the backup, after the smoke test.
  CHECK(w.index("prod visual baseline") < w.index("prod backup"));
  CHECK(w.index("prod visual compare") > w.index("prod install plugin:woocommerce 9.0.0"));
  require_journal_before_installs(w.log);
}

TEST_CASE("pipeline visual: changed pages hold a component for approval and the others reach prod", "[update][visual]") {
  VisualWorld w;
  w.preprod_pages.changed = {"plugin:akismet=5.3.1"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::updated);
  CHECK(r.steps[1].status == StepStatus::held);
  CHECK(r.steps[1].step.visual_report == "/agency/visual/acme-www/preprod/compare-2.html");
  CHECK(r.steps[1].reason.find("--promote --accept-visual") != std::string::npos);
  // Kept on preprod for review; never on prod.
  CHECK(w.preprod.versions.at("plugin:akismet") == "5.3.1");
  CHECK(w.prod.versions.at("plugin:akismet") == "5.3");
  // The next step is judged against the pages akismet left: woocommerce changed nothing more.
  CHECK(r.steps[2].status == StepStatus::applied);
  // What waits for approval is a validated set of its own, with the report.
  const auto* validated = w.event("\"visual_report\"");
  REQUIRE(validated != nullptr);
  REQUIRE((*validated)["steps"].size() == 1);
  CHECK((*validated)["steps"][0]["component"] == "plugin:akismet");
  CHECK(w.logged("journal preprod update.step.held plugin:akismet"));
  CHECK(w.logged("journal preprod update.visual plugin:akismet"));
  CHECK(update::result_to_json(r)["steps"][1]["status"] == "held");
}

TEST_CASE("pipeline visual: when every change waits for approval prod is untouched", "[update][visual]") {
  VisualWorld w;
  w.preprod_pages.changed = {"core=6.5.3", "plugin:akismet=5.3.1", "plugin:woocommerce=9.0.0"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::validated);
  for (const auto& s : r.steps) CHECK(s.status == StepStatus::held);
  CHECK_FALSE(w.logged("prod backup"));
  CHECK_FALSE(w.logged("prod visual baseline"));
}

TEST_CASE("pipeline visual: broken pages on prod roll the update back", "[update][visual]") {
  VisualWorld w;
  w.prod_pages.broken = {"plugin:woocommerce=9.0.0"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::rolled_back);
  CHECK(r.error.find("pages broken") != std::string::npos);
  CHECK(w.prod.versions == k_start);
  CHECK_FALSE(w.prod.maintenance);
}

TEST_CASE("pipeline visual: captures that cannot be made", "[update][visual]") {
  SECTION("no preprod reference: nothing is done") {
    VisualWorld w;
    w.preprod_pages.fail_baseline = true;
    auto r = w.run();
    CHECK(r.outcome == Outcome::failed);
    CHECK(r.error.find("chromium did not start") != std::string::npos);
    CHECK(w.preprod.versions == k_start);
    CHECK(w.prod.versions == k_start);
  }
  SECTION("no preprod comparison: the step is rejected, as an unproven change") {
    VisualWorld w;
    w.preprod_pages.fail_compare = true;
    auto r = w.run();
    CHECK(r.outcome == Outcome::nothing_to_do);
    CHECK(r.steps[0].status == StepStatus::rejected);
    CHECK(r.steps[0].reason.find("pages not compared") != std::string::npos);
    CHECK(w.preprod.versions == k_start);
  }
  SECTION("no prod comparison after a healthy update: said, not rolled back") {
    VisualWorld w;
    w.prod_pages.fail_compare = true;
    auto r = w.run();
    CHECK(r.outcome == Outcome::updated);
    CHECK(r.error.find("prod's pages not compared") != std::string::npos);
  }
}

TEST_CASE("pipeline visual: --env preprod records held steps with their report", "[update][visual]") {
  VisualWorld w;
  w.options.preprod_only = true;
  w.preprod_pages.changed = {"plugin:woocommerce=9.0.0"};
  auto r = w.run();
  CHECK(r.outcome == Outcome::validated);
  const auto* validated = w.event("\"visual_report\"");
  REQUIRE(validated != nullptr);
  REQUIRE((*validated)["steps"].size() == 3);
  CHECK_FALSE((*validated)["steps"][0].contains("visual_report"));
  CHECK((*validated)["steps"][2]["visual_report"] == "/agency/visual/acme-www/preprod/compare-3.html");
  CHECK_FALSE(w.logged("prod visual baseline"));
}

TEST_CASE("visual summary: the worst page decides and a failed capture is an error", "[update][visual]") {
  visual::Comparison comparison;
  comparison.report = "/agency/visual/acme-www/preprod/comparisons/b-vs-a/index.html";
  auto page = [](visual::Verdict verdict, double share) {
    visual::PageComparison p;
    p.url = "https://pre.acme.example/";
    p.width = 1280;
    p.verdict = verdict;
    p.changed_share = share;
    return p;
  };
  comparison.pages = {page(visual::Verdict::same, 0), page(visual::Verdict::same, 0.002)};
  auto same = update::summarise(comparison);
  REQUIRE(same);
  CHECK(same->verdict == VisualVerdict::same);
  CHECK(same->summary == "2 captures the same");
  CHECK(same->report == comparison.report.string());
  CHECK(same->pages == 2);
  CHECK(same->flagged == 0);

  comparison.pages.push_back(page(visual::Verdict::changed, 0.031));
  comparison.pages.push_back(page(visual::Verdict::changed, 0.012));
  auto changed = update::summarise(comparison);
  REQUIRE(changed);
  CHECK(changed->verdict == VisualVerdict::changed);
  CHECK(changed->summary == "2 of 4 captures changed (largest 3.1 % of a page)");

  comparison.pages.push_back(page(visual::Verdict::broken, 0.015));
  auto broken = update::summarise(comparison);
  REQUIRE(broken);
  CHECK(broken->verdict == VisualVerdict::broken);
  CHECK(broken->summary.find("1 of 5 captures broken") == 0);
  CHECK(broken->pages == 5);
  CHECK(broken->flagged == 3); // two changed and one broken: each is looked at

  comparison.pages.back().error = "net::ERR_CONNECTION_REFUSED";
  auto failed = update::summarise(comparison);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message == "https://pre.acme.example/ at 1280: net::ERR_CONNECTION_REFUSED");

  comparison.pages.clear();
  CHECK_FALSE(update::summarise(comparison));
}
