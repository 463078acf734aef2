// Sitemaps: parsing urlsets and indexes, same-origin paths, the fetch order and its caps (fake HTTP),
// and the stable sample.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <tma/visual/sitemap.hpp>

#include "support/fake_http.hpp"

using namespace tma;

namespace {

const std::string k_site = "https://www.acme.example";

transport::HttpResponse xml(std::string body, long status = 200) {
  transport::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string urlset(const std::vector<std::string>& locs) {
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& loc : locs) body += fmt::format("\n  <url><loc>{}</loc><lastmod>2026-11-01</lastmod></url>", loc);
  return body + "\n</urlset>\n";
}

std::string index(const std::vector<std::string>& locs) {
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& loc : locs) body += fmt::format("<sitemap><loc>{}</loc></sitemap>", loc);
  return body + "</sitemapindex>";
}

} // namespace

TEST_CASE("visual sitemap parses a urlset with entities and CDATA", "[visual]") {
  auto document = visual::parse_sitemap(
      R"(<urlset><url><loc> https://www.acme.example/a?x=1&amp;y=2 </loc></url><url><loc><![CDATA[https://www.acme.example/b]]></loc></url></urlset>)");
  CHECK(document.kind == visual::SitemapDocument::Kind::urlset);
  CHECK(document.locations == std::vector<std::string>{"https://www.acme.example/a?x=1&y=2", "https://www.acme.example/b"});
  auto prefixed = visual::parse_sitemap(R"(<sm:sitemapindex><sm:sitemap><sm:loc>https://x.example/s.xml</sm:loc></sm:sitemap></sm:sitemapindex>)");
  CHECK(prefixed.kind == visual::SitemapDocument::Kind::index);
  CHECK(prefixed.locations == std::vector<std::string>{"https://x.example/s.xml"});
  CHECK(visual::parse_sitemap("<html><body>Not found</body></html>").kind == visual::SitemapDocument::Kind::none);
}

TEST_CASE("visual sitemap keeps paths of the site's origin only", "[visual]") {
  CHECK(visual::same_origin_path(k_site, "https://www.acme.example/about/") == "/about/");
  CHECK(visual::same_origin_path(k_site, "https://www.acme.example/a?b=c#frag") == "/a?b=c");
  CHECK_FALSE(visual::same_origin_path(k_site, "https://evil.example/about/"));
  CHECK_FALSE(visual::same_origin_path(k_site, "http://www.acme.example/about/"));
  CHECK_FALSE(visual::same_origin_path(k_site, "https://www.acme.example:8443/about/"));
  CHECK_FALSE(visual::same_origin_path(k_site, "javascript:alert(1)"));
  CHECK(visual::is_page_path("/blog/2026/11/hello-world/"));
  CHECK_FALSE(visual::is_page_path("/a b"));
  CHECK_FALSE(visual::is_page_path("/a\"b"));
  CHECK_FALSE(visual::is_page_path("relative"));
  CHECK_FALSE(visual::is_page_path("/" + std::string(600, 'a')));
}

TEST_CASE("visual sitemap prefers wp-sitemap.xml and drops foreign hosts", "[visual]") {
  test::FakeHttpClient http;
  http.reply(k_site + "/wp-sitemap.xml",
             xml(urlset({k_site + "/", k_site + "/about/", "https://other.example/x/", k_site + "/about/", k_site + "/a b"})));
  auto found = visual::fetch_sitemap_paths(http, {}, k_site);
  REQUIRE(found);
  CHECK(found->source == k_site + "/wp-sitemap.xml");
  // curl's URL API encodes the space: the path tma keeps has only allowed characters.
  CHECK(found->paths == std::vector<std::string>{"/", "/about/", "/a%20b"});
  CHECK(http.urls() == std::vector<std::string>{k_site + "/wp-sitemap.xml"});
}

TEST_CASE("visual sitemap falls back to sitemap.xml and follows an index", "[visual]") {
  test::FakeHttpClient http;
  http.reply(k_site + "/wp-sitemap.xml", xml("<html>Not found</html>", 404));
  http.reply(k_site + "/sitemap.xml", xml(index({k_site + "/posts.xml", "https://cdn.other.example/evil.xml", k_site + "/nested.xml"})));
  http.reply(k_site + "/posts.xml", xml(urlset({k_site + "/p1/", k_site + "/p2/"})));
  http.reply(k_site + "/nested.xml", xml(index({k_site + "/pages.xml"})));
  http.reply(k_site + "/pages.xml", xml(urlset({k_site + "/contact/"})));
  auto found = visual::fetch_sitemap_paths(http, {}, k_site);
  REQUIRE(found);
  CHECK(found->source == k_site + "/sitemap.xml");
  CHECK(found->paths == std::vector<std::string>{"/p1/", "/p2/", "/contact/"});
  REQUIRE(found->notes.size() == 1);
  CHECK(found->notes[0].find("another site") != std::string::npos);
}

TEST_CASE("visual sitemap caps children depth and pages", "[visual]") {
  test::FakeHttpClient http;
  http.reply(k_site + "/wp-sitemap.xml", xml(index({k_site + "/1.xml", k_site + "/2.xml", k_site + "/3.xml"})));
  http.reply(k_site + "/1.xml", xml(urlset({k_site + "/a/", k_site + "/b/", k_site + "/c/"})));
  http.reply(k_site + "/2.xml", xml(index({k_site + "/deep.xml"})));
  visual::SitemapLimits limits;
  limits.max_children = 2;
  limits.max_depth = 1;
  limits.max_urls = 2;
  auto found = visual::fetch_sitemap_paths(http, {}, k_site, limits);
  REQUIRE(found);
  CHECK(found->paths == std::vector<std::string>{"/a/", "/b/"});
  auto urls = http.urls();
  CHECK(std::find(urls.begin(), urls.end(), k_site + "/3.xml") == urls.end());
  CHECK(std::find(urls.begin(), urls.end(), k_site + "/deep.xml") == urls.end());
  CHECK(found->notes.size() == 3); // pages capped, index too deep, children capped
}

TEST_CASE("visual sitemap absent is no error but unreachable is", "[visual]") {
  test::FakeHttpClient http;
  http.reply(k_site + "/wp-sitemap.xml", xml("", 404));
  http.reply(k_site + "/sitemap.xml", xml("", 404));
  auto none = visual::fetch_sitemap_paths(http, {}, k_site);
  REQUIRE(none);
  CHECK(none->source.empty());
  CHECK(none->paths.empty());
  test::FakeHttpClient down;
  auto failed = visual::fetch_sitemap_paths(down, {}, k_site);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == core::ErrorKind::unreachable);
}

TEST_CASE("visual sample is the same each time and depends on the site", "[visual]") {
  std::vector<std::string> paths;
  for (int i = 0; i < 50; ++i) paths.push_back(fmt::format("/post-{}/", i));
  auto first = visual::sample_paths(paths, "acme-www", 8, {"/post-3/"});
  REQUIRE(first.size() == 8);
  std::vector<std::string> reversed(paths.rbegin(), paths.rend());
  CHECK(visual::sample_paths(reversed, "acme-www", 8, {"/post-3/"}) == first);
  CHECK(std::find(first.begin(), first.end(), "/post-3/") == first.end());
  CHECK(visual::sample_paths(paths, "other-site", 8, {"/post-3/"}) != first);
  // A new page enters only if its hash places it in: most of the sample stays.
  paths.push_back("/post-new/");
  auto after = visual::sample_paths(paths, "acme-www", 8, {"/post-3/"});
  std::size_t kept = 0;
  for (const auto& p : first) kept += std::count(after.begin(), after.end(), p);
  CHECK(kept >= 7);
  CHECK(visual::sample_paths({"/", "/a/"}, "acme-www", 8, {}) == std::vector<std::string>{"/a/"});
  CHECK(visual::sample_paths(paths, "acme-www", 0, {}).empty());
}
