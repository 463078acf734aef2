// `tma visual` end to end below the CLI: real pages with CSS served by the lab's HTTP server from a
// temp dir, captured by a real headless Chromium (one browser, reused), changed on disk between
// snapshots, compared. About a dozen captures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include <tma/transport/http.hpp>
#include <tma/visual/chromium.hpp>
#include <tma/visual/site_run.hpp>

#include "support/lab.hpp"
#include "support/temp_dir.hpp"

using namespace tma;
using nlohmann::json;

namespace {

const char* const k_style = R"(body { margin: 0; font: 16px/1.5 sans-serif; color: #222; background: #fff; }
header { background: #234; color: #fff; padding: 12px 24px; }
main { margin: 24px 220px; min-height: 600px; }
#sidebar { position: absolute; top: 120px; right: 20px; width: 160px; height: 160px; background: #c33; color: #fff; }
)";

std::string page(const std::string& title, const std::string& clock) {
  return R"(<!DOCTYPE html><html><head><title>)" + title +
         R"(</title><link rel="stylesheet" href="/style.css"></head><body>
<header><strong>Bakery of the Mill</strong> Home Menu Contact <span id="clock">)" + clock + R"(</span></header>
<main><article><h1>)" + title + R"(</h1>
<p>Our bakery opens at seven every morning and closes when the last loaf of sourdough is sold.</p>
<p>We bake rye, spelt and wheat breads with flour from the mill down the river, and pastries on Sundays.</p>
<p>Orders for weddings and birthdays are taken at the counter or by telephone one week ahead.</p>
</article></main>
<aside id="sidebar">Opening hours</aside>
</body></html>
)";
}

std::string urlset(const std::string& base, const std::vector<std::string>& paths) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& p : paths) xml += "<url><loc>" + base + p + "</loc></url>";
  return xml + "</urlset>";
}

std::vector<std::string> paths_of(const visual::SnapshotManifest& m) {
  std::vector<std::string> out;
  for (const auto& p : m.pages) out.push_back(p.path);
  return out;
}

const visual::PageComparison& home_of(const visual::SiteRun& run) {
  REQUIRE(run.comparison);
  auto it = std::find_if(run.comparison->pages.begin(), run.comparison->pages.end(),
                         [](const visual::PageComparison& p) { return p.path == "/"; });
  REQUIRE(it != run.comparison->pages.end());
  return *it;
}

} // namespace

TEST_CASE("visual compare of a lab site in Chromium: masked clock same and moved sidebar changed and hidden content broken", "[integration][visual]") {
  test::NoProxy no_proxy;
  test::TempDir dir;
  auto root = dir.path() / "site";
  test::LabHttp http(json{{"*", {{"root", root.string()}}}});
  const std::string base = "http://127.0.0.1:" + std::to_string(http.port());

  dir.write("site/style.css", k_style);
  dir.write("site/index.html", page("Welcome", "08:00:00"));
  std::vector<std::string> posts;
  for (int i = 1; i <= 6; ++i) {
    posts.push_back("/post-" + std::to_string(i) + "/");
    dir.write("site/post-" + std::to_string(i) + "/index.html", page("Post " + std::to_string(i), "08:00:00"));
  }
  dir.write("site/wp-sitemap.xml",
            R"(<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)"
            "<sitemap><loc>" + base + "/wp-sitemap-posts-post-1.xml</loc></sitemap>"
            "<sitemap><loc>https://elsewhere.example/wp-sitemap-posts-post-1.xml</loc></sitemap>"
            "</sitemapindex>");
  dir.write("site/wp-sitemap-posts-post-1.xml", urlset(base, posts));

  inventory::Site site;
  site.name = "bakery";
  inventory::Environment env;
  env.name = "prod";
  env.url = base;
  site.environments.push_back(env);
  inventory::VisualPolicy policy;
  policy.widths = {800};
  policy.sample = 2;
  policy.mask = {"#clock"};
  site.visual = policy;

  visual::ChromiumOptions chromium;
  chromium.temp_root = dir.path();
  visual::CapturerPool pool([&] { return visual::start_chromium(chromium); }, 1);
  transport::CurlHttpClient client;
  visual::SnapshotStore store(dir.path() / "agency" / "visual");
  visual::SiteRunOptions compare;
  compare.compare = true;
  auto now = std::chrono::system_clock::now();

  auto first = visual::run_site(pool, client, store, site, site.environments[0], compare, now);
  INFO((first.error ? first.error->message : std::string("ok")));
  REQUIRE_FALSE(first.error);
  REQUIRE(first.snapshot);
  REQUIRE(first.snapshot->pages.size() == 3); // `/` and a sample of two posts
  for (const auto& p : first.snapshot->pages) CHECK(p.error.empty());

  // (b) The masked clock changes: same. (d) The sitemap index is sampled the same way again.
  dir.write("site/index.html", page("Welcome", "09:41:27"));
  auto clock = visual::run_site(pool, client, store, site, site.environments[0], compare, now + std::chrono::seconds(1));
  REQUIRE_FALSE(clock.error);
  CHECK(paths_of(*clock.snapshot) == paths_of(*first.snapshot));
  CHECK(clock.comparison->before.id == first.snapshot->id);
  CHECK(home_of(clock).verdict == visual::Verdict::same);
  CHECK(clock.comparison->worst() == visual::Verdict::same);

  // (c) The sidebar moves from the right to the left: changed, not broken.
  dir.write("site/style.css", std::string(k_style) + "#sidebar { right: auto; left: 20px; }\n");
  auto moved = visual::run_site(pool, client, store, site, site.environments[0], compare, now + std::chrono::seconds(2));
  REQUIRE_FALSE(moved.error);
  const auto& moved_home = home_of(moved);
  INFO(moved_home.changed_share);
  CHECK(moved_home.verdict == visual::Verdict::changed);
  CHECK(moved_home.changed_share >= 0.01);

  // (a) An update hides the content with one CSS rule; every word is still in the HTML.
  dir.write("site/style.css", std::string(k_style) + "#sidebar { right: auto; left: 20px; }\nmain article { display: none; }\n");
  auto hidden = visual::run_site(pool, client, store, site, site.environments[0], compare, now + std::chrono::seconds(3));
  REQUIRE_FALSE(hidden.error);
  const auto& hidden_home = home_of(hidden);
  INFO(hidden_home.changed_share);
  CHECK(hidden_home.verdict == visual::Verdict::broken);
  CHECK(std::find(hidden_home.reasons.begin(), hidden_home.reasons.end(), "main content gone") != hidden_home.reasons.end());
  CHECK(hidden_home.changed_share < 0.15); // the pixels alone would not have said broken
  CHECK(visual::exit_bits({hidden}, false) == 1);
  CHECK(std::filesystem::exists(hidden.comparison->report));
  CHECK(pool.started() == 1);
}
