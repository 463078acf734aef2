// tma perf: the assets of a page found in its HTML (gumbo), URL resolution, srcset.
#include <catch2/catch.hpp>

#include <algorithm>

#include <tma/perf/html.hpp>
#include <tma/transport/url.hpp>

using tma::perf::AssetKind;
using tma::perf::extract_assets;
using tma::perf::parse_srcset;
using tma::transport::resolve_url;

namespace {

std::vector<std::string> urls_of(const tma::perf::PageAssets& page) {
  std::vector<std::string> out;
  for (const auto& a : page.assets) out.push_back(a.url);
  return out;
}

} // namespace

TEST_CASE("perf: relative references resolve against the page as a browser does", "[perf]") {
  std::string base = "https://www.acme.example/blog/post/?p=1#top";
  CHECK(resolve_url(base, "style.css") == "https://www.acme.example/blog/post/style.css");
  CHECK(resolve_url(base, "../img/a.png") == "https://www.acme.example/blog/img/a.png");
  CHECK(resolve_url(base, "/wp-content/x.js?ver=6.5") == "https://www.acme.example/wp-content/x.js?ver=6.5");
  CHECK(resolve_url(base, "//cdn.example.net/lib.js") == "https://cdn.example.net/lib.js");
  CHECK(resolve_url(base, "http://other.example/a.css#frag") == "http://other.example/a.css");
  CHECK(resolve_url(base, "  spaced.css \n") == "https://www.acme.example/blog/post/spaced.css");
  // Only http(s): the shapes a browser would fetch over the network.
  CHECK_FALSE(resolve_url(base, "file:///etc/passwd"));
  CHECK_FALSE(resolve_url(base, "javascript:alert(1)"));
  CHECK_FALSE(resolve_url(base, "data:image/png;base64,AAAA"));
  CHECK_FALSE(resolve_url(base, "mailto:a@b.example"));
  CHECK_FALSE(resolve_url(base, "ftp://files.example/a.css"));
  CHECK_FALSE(resolve_url(base, ""));
  CHECK_FALSE(resolve_url("file:///srv/index.html", "a.css"));
  CHECK(tma::transport::url_host("https://User@WWW.Acme.Example:8443/x") == "www.acme.example");
  CHECK(tma::transport::url_host("file:///x").empty());
}

TEST_CASE("perf: srcset candidates", "[perf]") {
  CHECK(parse_srcset("a.png 1x, b.png 2x") == std::vector<std::string>{"a.png", "b.png"});
  CHECK(parse_srcset(" small.jpg 480w,large.jpg 1080w ") == std::vector<std::string>{"small.jpg", "large.jpg"});
  CHECK(parse_srcset("only.webp") == std::vector<std::string>{"only.webp"});
  // As the HTML standard reads it: a comma inside a URL (no space after it) belongs to the URL.
  CHECK(parse_srcset("a.jpg?w=1,2 1x, b.jpg 2x") == std::vector<std::string>{"a.jpg?w=1,2", "b.jpg"});
  CHECK(parse_srcset("a.jpg,b.jpg") == std::vector<std::string>{"a.jpg,b.jpg"});
  CHECK(parse_srcset("a.jpg, b.jpg") == std::vector<std::string>{"a.jpg", "b.jpg"});
  CHECK(parse_srcset("").empty());
  CHECK(parse_srcset(" , ,").empty());
}

TEST_CASE("perf: stylesheets scripts images fonts and icons in document order and each once", "[perf]") {
  auto page = extract_assets(R"(<!doctype html><html><head>
    <link rel="stylesheet" href="/css/site.css">
    <link rel="Preload" href="/fonts/a.woff2" as="font" crossorigin>
    <link rel="preload" href="/css/late.css" as="style">
    <link rel="modulepreload" href="/js/mod.js">
    <link rel="shortcut icon" href="/favicon.ico">
    <link rel="canonical" href="/">
    <link rel="alternate" href="/feed/">
    <script src="https://cdn.example.net/jquery.js"></script>
    <script>var inline = 1;</script>
    </head><body>
    <img src="a.png" width="10" height="10">
    <img srcset="b-1x.webp 1x, b-2x.webp 2x" alt="">
    <picture><source srcset="c.avif 1x, c2.avif 2x" type="image/avif"><img src="c.jpg" width=1 height=1></picture>
    <video poster="/v.jpg"></video>
    <img src="a.png" width="10" height="10">
    <a href="/not-an-asset.css">link</a>
    </body></html>)",
                             "https://www.acme.example/");
  CHECK(urls_of(page) == std::vector<std::string>{
                             "https://www.acme.example/css/site.css", "https://www.acme.example/fonts/a.woff2",
                             "https://www.acme.example/css/late.css", "https://www.acme.example/js/mod.js",
                             "https://www.acme.example/favicon.ico", "https://cdn.example.net/jquery.js",
                             "https://www.acme.example/a.png", "https://www.acme.example/b-1x.webp",
                             "https://www.acme.example/c.avif", "https://www.acme.example/c.jpg",
                             "https://www.acme.example/v.jpg"});
  CHECK(page.assets[0].kind == AssetKind::stylesheet);
  CHECK(page.assets[1].kind == AssetKind::font);
  CHECK(page.assets[2].kind == AssetKind::stylesheet);
  CHECK(page.assets[3].kind == AssetKind::script);
  CHECK(page.assets[4].kind == AssetKind::image);
  CHECK(page.assets[5].kind == AssetKind::script);
  CHECK(page.images_without_size == std::vector<std::string>{"https://www.acme.example/b-1x.webp"});
}

TEST_CASE("perf: base href changes the base of relative references", "[perf]") {
  auto page = extract_assets(R"(<html><head><base href="https://static.acme.example/v2/"><base href="/ignored/">
      <link rel=stylesheet href="site.css"></head><body><img src="../img/x.png" width=1 height=2></body></html>)",
                             "https://www.acme.example/shop/");
  CHECK(page.base == "https://static.acme.example/v2/");
  CHECK(urls_of(page) == std::vector<std::string>{"https://static.acme.example/v2/site.css",
                                                  "https://static.acme.example/img/x.png"});
  // A relative base is resolved against the page itself.
  auto relative = extract_assets(R"(<base href="assets/"><script src="app.js"></script>)", "http://acme.example/a/b");
  CHECK(urls_of(relative) == std::vector<std::string>{"http://acme.example/a/assets/app.js"});
  // A base that is not http(s) is ignored.
  auto hostile = extract_assets(R"(<base href="file:///etc/"><script src="app.js"></script>)", "http://acme.example/");
  CHECK(urls_of(hostile) == std::vector<std::string>{"http://acme.example/app.js"});
}

TEST_CASE("perf: malformed HTML is read as a browser reads it and other schemes are refused", "[perf]") {
  auto page = extract_assets("<html><body><div><img src=one.png width=3 height=3<p><img src=\"two.png\"><script "
                             "src=x.js></script><table><tr><td><link rel=stylesheet href='t.css'><img src=\"data:image/"
                             "png;base64,AA\" width=1 height=1><img src=\"file:///etc/shadow\" width=1 height=1><img "
                             "src=\"javascript:alert(1)\" width=1 height=1><img src=\"  \">",
                             "http://lab.example/dir/");
  auto urls = urls_of(page);
  CHECK(std::find(urls.begin(), urls.end(), "http://lab.example/dir/two.png") != urls.end());
  CHECK(std::none_of(urls.begin(), urls.end(), [](const std::string& u) { return u.rfind("http", 0) != 0; }));
  CHECK(page.refused == 3);
  // The empty <img src="  "> has no size either.
  CHECK(std::find(page.images_without_size.begin(), page.images_without_size.end(), "(no src)") !=
        page.images_without_size.end());
  CHECK(extract_assets("", "http://lab.example/").assets.empty());
  CHECK(extract_assets(std::string(100000, '<'), "http://lab.example/").assets.empty());
}

TEST_CASE("perf: ten thousand images parse and deep nesting is cut before gumbo", "[perf]") {
  std::string html = "<html><body>";
  for (int i = 0; i < 10000; ++i) html += "<img src=\"/i" + std::to_string(i) + ".png\">";
  html += "<script src=\"/shallow.js\"></script>";
  auto flat = extract_assets(html, "http://lab.example/");
  CHECK(flat.assets.size() == 10001);
  CHECK(flat.images_without_size.size() == 10000);
  CHECK_FALSE(flat.truncated);
  // A million nested <div> would keep gumbo busy for hours: read up to 1,000 levels.
  for (int i = 0; i < 200000; ++i) html += "<div>";
  html += "<script src=\"/deep.js\"></script>";
  auto deep = extract_assets(html, "http://lab.example/");
  CHECK(deep.truncated);
  CHECK(deep.assets.size() == 10001);
  CHECK(deep.assets.back().url == "http://lab.example/shallow.js");
}

TEST_CASE("perf: the nesting pre-scan follows real pages", "[perf]") {
  using tma::perf::nesting_limit;
  std::string page = "<!doctype html><html><head><title>a <b> c</title><script>var s = '<div><div><div>';</script>"
                     "<style>p > a { }</style></head><body><!-- <div><div> --><ul><li>one<li>two</ul><p>x<p>y"
                     "<table><tr><td>1<td>2</table><div><span>z</span></div><br><img src=a.png></body></html>";
  CHECK(nesting_limit(page, 5) == page.size());
  CHECK(nesting_limit(page, 2) < page.size());
  std::string nested;
  for (int i = 0; i < 50; ++i) nested += "<div>";
  CHECK(nesting_limit(nested, 10) == 10 * 5);
  // Closing what it opened keeps the depth down, whatever the length.
  std::string balanced;
  for (int i = 0; i < 5000; ++i) balanced += "<div><span></span></div>";
  CHECK(nesting_limit(balanced, 10) == balanced.size());
  // Stray end tags do not lower the estimate.
  std::string stray;
  for (int i = 0; i < 50; ++i) stray += "<div></span>";
  CHECK(nesting_limit(stray, 10) < stray.size());
}

TEST_CASE("perf: url references of a stylesheet resolve against it and comments are skipped", "[perf]") {
  auto refs = tma::perf::extract_css_urls(
      "@import url(\"print.css\");\n@font-face { font-family: A; src: url('../fonts/a.woff2?v=2') format('woff2'),"
      " URL( ../fonts/a.ttf ); }\n/* .old { background: url(/gone.png) } */\nbody { background: url(img/bg.jpg) }\n"
      ".i { background: url(data:image/png;base64,AAAA) } .j { background: url(javascript:x) } .k { background: url(",
      "https://cdn.acme.example/theme/css/site.css");
  REQUIRE(refs.size() == 4);
  CHECK(refs[0].url == "https://cdn.acme.example/theme/css/print.css");
  CHECK(refs[0].kind == AssetKind::stylesheet);
  CHECK(refs[1].url == "https://cdn.acme.example/theme/fonts/a.woff2?v=2");
  CHECK(refs[1].kind == AssetKind::font);
  CHECK(refs[2].url == "https://cdn.acme.example/theme/fonts/a.ttf");
  CHECK(refs[2].kind == AssetKind::font);
  CHECK(refs[3].url == "https://cdn.acme.example/theme/css/img/bg.jpg");
  CHECK(refs[3].kind == AssetKind::image);
  CHECK(tma::perf::extract_css_urls("", "https://a.example/").empty());
}
