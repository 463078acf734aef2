// Snapshots taken through a fake Capturer (PNGs encoded by the test), compared page by page, and
// the HTML page of the comparison.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <tma/visual/compare.hpp>
#include <tma/visual/snapshot.hpp>

#include "support/fake_http.hpp"
#include "support/temp_dir.hpp"

using namespace tma;
namespace fs = std::filesystem;

namespace {

const char* const k_article =
    "Our bakery opens at seven every morning and closes when the last loaf of sourdough is sold. "
    "We bake rye, spelt and wheat breads with flour from the mill down the river, and pastries on Sundays.";

struct FakePage {
  visual::Image image;
  std::string visible;
  std::string main;
};

// Answers each URL with its page, at any width; records the requests.
class FakeCapturer final : public visual::Capturer {
public:
  std::map<std::string, FakePage> pages;
  std::vector<visual::CaptureRequest> requests;
  core::Result<visual::Capture> capture(const visual::CaptureRequest& request) override {
    requests.push_back(request);
    auto it = pages.find(request.url);
    if (it == pages.end()) return core::fail(core::ErrorKind::timeout, "navigation to " + request.url + " timed out");
    visual::Capture c;
    auto png = visual::encode_png(it->second.image);
    REQUIRE(png);
    c.png = *png;
    c.width = it->second.image.width;
    c.height = it->second.image.height;
    c.visible_text = it->second.visible;
    c.main_text = it->second.main;
    c.network_idle = true;
    c.http_status = 200;
    return c;
  }
};

void fill(visual::Image& image, int x0, int y0, int x1, int y1, std::uint8_t grey) {
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      auto at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) + static_cast<std::size_t>(x)) * 3;
      image.rgb[at] = image.rgb[at + 1] = image.rgb[at + 2] = grey;
    }
  }
}

// A mostly white page: a header band and some lines of text.
FakePage article_page() {
  FakePage page{visual::solid_image(200, 400, 255, 255, 255), std::string("Bakery\nHome Menu\n") + k_article, k_article};
  fill(page.image, 0, 0, 200, 30, 40);
  for (int line = 0; line < 6; ++line) fill(page.image, 20, 60 + line * 12, 180, 62 + line * 12, 0);
  return page;
}

inventory::Site site_with_visual() {
  inventory::Site site;
  site.name = "www";
  inventory::Environment env;
  env.name = "prod";
  env.url = "https://acme.example";
  site.environments.push_back(env);
  inventory::VisualPolicy policy;
  policy.widths = {200, 390};
  policy.sample = 0;
  policy.paths = {"/menu/"};
  site.visual = policy;
  return site;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::chrono::system_clock::time_point at(int seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1796428800 + seconds));
}

} // namespace

TEST_CASE("visual plan of pages takes the sample from the sitemap", "[visual]") {
  auto site = site_with_visual();
  site.visual->sample = 2;
  test::FakeHttpClient http;
  transport::HttpResponse sitemap;
  sitemap.status = 200;
  sitemap.body = "<urlset><url><loc>https://acme.example/a/</loc></url><url><loc>https://acme.example/menu/</loc></url>"
                 "<url><loc>https://acme.example/b/</loc></url><url><loc>https://acme.example/c/</loc></url></urlset>";
  http.reply("https://acme.example/wp-sitemap.xml", sitemap);
  auto plan = visual::plan_pages(http, site, site.environments[0], *site.visual);
  REQUIRE(plan);
  REQUIRE(plan->pages.size() == 4);
  CHECK(plan->pages[0].url == "https://acme.example/");
  CHECK(plan->pages[1].path == "/menu/");
  CHECK(plan->pages[2].path != "/menu/");
  CHECK(plan->pages[3].path != "/menu/");
  CHECK(plan->sitemap == "https://acme.example/wp-sitemap.xml");
  auto again = visual::plan_pages(http, site, site.environments[0], *site.visual);
  REQUIRE(again);
  CHECK(again->pages[2].path == plan->pages[2].path);
  CHECK(again->pages[3].path == plan->pages[3].path);
}

TEST_CASE("visual capture requests per width with phone emulation and masks", "[visual]") {
  inventory::VisualPolicy policy;
  policy.mask = {"#clock"};
  auto requests = visual::capture_requests({"/", "https://acme.example/"}, policy, {});
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].width == 1280);
  CHECK_FALSE(requests[0].mobile);
  CHECK(requests[1].width == 390);
  CHECK(requests[1].mobile);
  CHECK(requests[1].masks == std::vector<std::string>{"#clock"});
}

TEST_CASE("visual compare of two snapshots judges each page and writes the report", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path() / "visual");
  auto site = site_with_visual();
  const auto& env = site.environments[0];
  const auto& policy = *site.visual;
  FakeCapturer browser;
  browser.pages["https://acme.example/"] = article_page();
  browser.pages["https://acme.example/menu/"] = article_page();
  visual::PagePlan plan{{{"/", "https://acme.example/"}, {"/menu/", "https://acme.example/menu/"}}, "", {}};
  auto before = visual::take_snapshot(browser, store, site, env, policy, plan, at(0));
  REQUIRE(before);
  CHECK(before->pages.size() == 4);
  CHECK(browser.requests.size() == 4);

  // The home page's content hidden by CSS: the lines of text gone, every word still in the HTML but
  // not shown. The menu page gets a new block of text.
  auto hidden = article_page();
  fill(hidden.image, 0, 40, 200, 400, 255);
  hidden.visible = "Bakery\nHome Menu <b>";
  hidden.main = "";
  browser.pages["https://acme.example/"] = hidden;
  auto menu = article_page();
  menu.visible += "\nNew: croissants";
  browser.pages["https://acme.example/menu/"] = menu;
  auto after = visual::take_snapshot(browser, store, site, env, policy, plan, at(60));
  REQUIRE(after);

  auto report_dir = visual::comparison_directory(store, *before, *after);
  auto comparison = visual::compare_snapshots(store, *before, *after, {}, report_dir);
  REQUIRE(comparison);
  REQUIRE(comparison->pages.size() == 4);
  const auto& home = comparison->pages[0];
  CHECK(home.path == "/");
  CHECK(home.verdict == visual::Verdict::broken);
  CHECK(home.changed_share < 0.15); // few pixels: the text made the verdict
  CHECK(std::find(home.reasons.begin(), home.reasons.end(), "main content gone") != home.reasons.end());
  const auto& menu_page = comparison->pages[2];
  CHECK(menu_page.path == "/menu/");
  CHECK(menu_page.verdict == visual::Verdict::changed);
  CHECK(menu_page.text_added == std::vector<std::string>{"New: croissants"});
  CHECK(comparison->worst() == visual::Verdict::broken);
  CHECK_FALSE(comparison->failed());

  REQUIRE(visual::write_comparison_report(*comparison, report_dir));
  CHECK(comparison->report == report_dir / "index.html");
  auto html = slurp(comparison->report);
  CHECK(html.find("Home Menu &lt;b&gt;") != std::string::npos); // the added block, escaped
  CHECK(html.find("Home Menu <b>") == std::string::npos);
  CHECK(html.find("New: croissants") != std::string::npos);
  CHECK(html.find("<img src=\"diff-p00-200m.png\"") != std::string::npos);
  CHECK(html.find("main content gone") != std::string::npos);
  CHECK(fs::exists(report_dir / "before-p00-200m.png"));
  CHECK(fs::exists(report_dir / "after-p01-390m.png"));
  auto diff = visual::decode_png(slurp(report_dir / "diff-p00-200m.png"));
  REQUIRE(diff);
  CHECK(diff->width == 200);
}

TEST_CASE("visual report escapes the page's text", "[visual]") {
  visual::Comparison comparison;
  comparison.site = "www";
  comparison.env = "prod";
  visual::PageComparison page;
  page.path = "/";
  page.url = "https://acme.example/";
  page.width = 1280;
  page.verdict = visual::Verdict::changed;
  page.text_added = {"<script>alert(1)</script>"};
  comparison.pages.push_back(page);
  auto html = visual::render_comparison_html(comparison);
  REQUIRE(html);
  CHECK(html->find("<script>alert") == std::string::npos);
  CHECK(html->find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
}

TEST_CASE("visual snapshot records a failed capture and fails when all do", "[visual]") {
  test::TempDir dir;
  visual::SnapshotStore store(dir.path());
  auto site = site_with_visual();
  FakeCapturer browser;
  browser.pages["https://acme.example/"] = article_page();
  visual::PagePlan plan{{{"/", "https://acme.example/"}, {"/menu/", "https://acme.example/menu/"}}, "", {}};
  auto partial = visual::take_snapshot(browser, store, site, site.environments[0], *site.visual, plan, at(0));
  REQUIRE(partial);
  REQUIRE(partial->pages.size() == 4);
  CHECK(partial->pages[2].error.find("timed out") != std::string::npos);
  CHECK(partial->pages[2].image_file.empty());
  FakeCapturer down;
  auto none = visual::take_snapshot(down, store, site, site.environments[0], *site.visual, plan, at(60));
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == core::ErrorKind::timeout);
  auto listed = store.list("www", "prod");
  REQUIRE(listed);
  CHECK(listed->size() == 1);
  // Compared with itself, the failed page is an error, not a verdict.
  auto comparison = visual::compare_snapshots(store, *partial, *partial, {}, dir.path() / "report");
  REQUIRE(comparison);
  CHECK(comparison->failed());
}
