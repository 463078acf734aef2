// The `visual:` block of a site: defaults, every key, and errors with file:line:col and key.
#include <catch2/catch.hpp>

#include <tma/inventory/load.hpp>
#include <tma/schedule/jobs.hpp>

#include "support/inventory_text.hpp"

using namespace tma;

namespace {

std::string with_visual(const std::string& block) { return tma::test::k_minimal_inventory + "    visual:\n" + block; }

bool has_error(const std::vector<std::string>& errors, const std::string& part) {
  return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.find(part) != std::string::npos; });
}

} // namespace

TEST_CASE("inventory visual absent and defaults", "[unit][inventory][visual]") {
  auto none = tma::test::load_text(tma::test::k_minimal_inventory);
  REQUIRE(none);
  CHECK_FALSE(none->inventory.site("www")->visual);
  auto defaults = tma::test::load_text(tma::test::k_minimal_inventory + "    visual: {}\n");
  REQUIRE(defaults);
  const auto& v = defaults->inventory.site("www")->visual;
  REQUIRE(v);
  CHECK(v->sample == 8);
  CHECK(v->widths == std::vector<int>{1280, 390});
  CHECK(v->changed == Approx(0.01));
  CHECK(v->broken == Approx(0.15));
  CHECK(v->keep == 10);
  CHECK(v->mask.empty());
  CHECK(v->paths.empty());
}

TEST_CASE("inventory visual reads every key", "[unit][inventory][visual]") {
  auto loaded = tma::test::load_text(with_visual(R"(      paths: [/, /shop/, "/blog/?page=2", /shop/]
      sample: 3
      widths: [1440, 375]
      mask: ["#clock", ".slider > li", "[data-ad='top']"]
      changed: 2%
      broken: "20.5 %"
      keep: 4
      schedule: monthly 1 07:00
)"));
  REQUIRE(loaded);
  const auto& v = *loaded->inventory.site("www")->visual;
  CHECK(v.paths == std::vector<std::string>{"/shop/", "/blog/?page=2"});
  CHECK(v.sample == 3);
  CHECK(v.widths == std::vector<int>{1440, 375});
  CHECK(v.mask == std::vector<std::string>{"#clock", ".slider > li", "[data-ad='top']"});
  CHECK(v.changed == Approx(0.02));
  CHECK(v.broken == Approx(0.205));
  CHECK(v.keep == 4);
  REQUIRE(v.schedule);
  CHECK(v.schedule->text() == "monthly 1 07:00");
  CHECK_FALSE(tma::test::load_text(tma::test::k_minimal_inventory + "    visual: {}\n")->inventory.site("www")->visual->schedule);
}

TEST_CASE("inventory visual errors name the place and the key", "[unit][inventory][visual]") {
  auto errors = tma::test::inventory_errors(with_visual(R"(      paths: [shop, "/a b"]
      sample: 51
      widths: [100]
      mask: ["#x { display: none }", "a<b"]
      changed: 1e3
      keep: 0
      colour: red
      schedule: fortnightly
)"));
  CHECK(has_error(errors, "sites.yaml:11:14: sites.www.visual.paths: 'shop' is not a path"));
  CHECK(has_error(errors, "'/a b' is not a path"));
  CHECK(has_error(errors, "sites.yaml:12:15: sites.www.visual.sample: 51 is out of range (0..50)"));
  CHECK(has_error(errors, "sites.www.visual.widths: 100 is out of range (240..3840)"));
  CHECK(has_error(errors, "'#x { display: none }' is not a CSS selector"));
  CHECK(has_error(errors, "'a<b' is not a CSS selector"));
  CHECK(has_error(errors, "sites.www.visual.changed: '1e3' is not a percentage"));
  CHECK(has_error(errors, "sites.www.visual.keep: 0 is out of range (1..100)"));
  CHECK(has_error(errors, "sites.www.visual.colour"));
  CHECK(has_error(errors, "sites.yaml:18:17: sites.www.visual.schedule: bad schedule"));
  auto order = tma::test::inventory_errors(with_visual("      changed: 20%\n      broken: 10%\n"));
  CHECK(has_error(order, "sites.www.visual.broken: visual.changed (20 %) must be below visual.broken (10 %)"));
}

TEST_CASE("inventory visual schedule makes a prod visual job and only there", "[unit][inventory][visual][schedule]") {
  auto loaded = tma::test::load_text(tma::test::k_minimal_inventory + R"(    visual: {schedule: "monthly 1 07:00"}
  blog:
    client: acme
    cms: wordpress
    visual: {}
    environments:
      prod: {url: "https://blog.example", ssh: "deploy@web1:2222", path: /srv/blog}
)");
  REQUIRE(loaded);
  const auto& inventory = loaded->inventory;
  std::vector<const inventory::Site*> sites;
  for (const auto& site : inventory.sites) sites.push_back(&site);
  auto jobs = schedule::scheduled_jobs(inventory, sites, std::nullopt, {schedule::JobKind::visual}, true);
  // `blog` has no schedule: compared by hand or within tma update only.
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].kind == schedule::JobKind::visual);
  CHECK(jobs[0].key() == "visual:www");
  CHECK(jobs[0].client == "acme");
  CHECK(jobs[0].schedule.text() == "monthly 1 07:00");
  CHECK(schedule::parse_job_kind("visual") == schedule::JobKind::visual);
  // Every kind, visual among them: it is not filtered out of a run of all jobs.
  auto all = schedule::scheduled_jobs(inventory, sites, std::nullopt, {}, true);
  CHECK(std::count_if(all.begin(), all.end(), [](const auto& j) { return j.kind == schedule::JobKind::visual; }) == 1);
}
