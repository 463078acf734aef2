// tma perf: findings from measurements and thresholds, and the caps of the page audit (a fake
// HTTP client that streams bodies as curl does).
#include <catch2/catch.hpp>

#include <map>
#include <mutex>

#include <tma/perf/audit.hpp>
#include <tma/perf/render.hpp>

using namespace tma;
using perf::Finding;
using perf::PageResult;
using perf::Resource;

namespace {

// Answers by URL; streams the body to `on_body` in 16 KiB chunks and honours `max_bytes`, as
// CurlHttpClient does. `size` bodies are made of 'x' without being stored.
class StreamingFake final : public transport::HttpClient {
public:
  struct Reply {
    long status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::uint64_t size = 0; ///< when > 0: a body of this many bytes
  };
  void reply(const std::string& url, Reply reply) { m_replies[url] = std::move(reply); }
  std::vector<std::string> urls() const {
    std::lock_guard lock(m_mutex);
    return m_urls;
  }
  std::uint64_t streamed() const {
    std::lock_guard lock(m_mutex);
    return m_streamed;
  }
  core::Result<transport::HttpResponse> send(const transport::HttpRequest& request) override {
    {
      std::lock_guard lock(m_mutex);
      m_urls.push_back(request.url);
    }
    auto it = m_replies.find(request.url);
    if (it == m_replies.end()) return core::fail(core::ErrorKind::unreachable, "GET " + request.url + ": no reply");
    const auto& r = it->second;
    transport::HttpResponse response;
    response.status = r.status;
    response.headers = r.headers;
    response.http_version = "1.1";
    response.timings.first_byte = perf::Milliseconds(5);
    std::uint64_t total = r.size > 0 ? r.size : r.body.size();
    std::string chunk(16384, 'x');
    for (std::uint64_t sent = 0; sent < total;) {
      auto n = std::min<std::uint64_t>(chunk.size(), total - sent);
      std::string_view piece = r.size > 0 ? std::string_view(chunk).substr(0, n) : std::string_view(r.body).substr(sent, n);
      if (sent + n > request.max_bytes) return core::fail(core::ErrorKind::http, "response larger than max_bytes");
      {
        std::lock_guard lock(m_mutex);
        m_streamed += n;
      }
      if (request.on_body) {
        if (!request.on_body(piece)) return core::fail(core::ErrorKind::http, "body refused by the receiver");
      } else {
        response.body.append(piece);
      }
      sent += n;
    }
    response.body_bytes = response.transfer_bytes = total;
    return response;
  }

private:
  std::map<std::string, Reply> m_replies;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_urls;
  std::uint64_t m_streamed = 0;
};

inventory::Environment env_at(const std::string& url) {
  inventory::Environment env;
  env.name = "prod";
  env.url = url;
  return env;
}

const Finding* find_rule(const std::vector<Finding>& findings, const std::string& rule) {
  for (const auto& f : findings) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

Resource asset(std::string url, std::string type, std::uint64_t bytes) {
  Resource r;
  r.url = std::move(url);
  r.status = 200;
  r.content_type = std::move(type);
  r.bytes = r.transfer_bytes = bytes;
  r.cache_control = "max-age=31536000";
  return r;
}

} // namespace

TEST_CASE("perf: cache lifetime rules", "[perf]") {
  Resource r;
  CHECK_FALSE(perf::has_cache_lifetime(r));
  r.cache_control = "public, max-age=600";
  CHECK(perf::has_cache_lifetime(r));
  r.cache_control = "max-age=0";
  r.expires = "Thu, 01 Dec 2099 16:00:00 GMT";
  CHECK_FALSE(perf::has_cache_lifetime(r)); // max-age wins over Expires
  r.cache_control = "no-store, max-age=600";
  CHECK_FALSE(perf::has_cache_lifetime(r));
  r.cache_control = "public, immutable";
  CHECK(perf::has_cache_lifetime(r));
  r.cache_control = "s-maxage=\"60\"";
  CHECK(perf::has_cache_lifetime(r));
  r.cache_control = "";
  CHECK(perf::has_cache_lifetime(r)); // Expires alone
  r.expires = "0";
  CHECK_FALSE(perf::has_cache_lifetime(r));
}

TEST_CASE("perf: findings follow the thresholds", "[perf]") {
  inventory::PerfPolicy policy;
  PageResult page;
  page.url = page.final_url = "https://acme.example/";
  page.status = 200;
  page.timings.first_byte = perf::Milliseconds(900);
  page.redirects = {{"http://acme.example/", 301, "https://acme.example"}, {"https://acme.example", 301, "/"}};
  Resource html = asset(page.url, "text/html", 50 * 1024);
  html.is_page = true;
  html.cache_control.clear();
  page.resources.push_back(html);
  auto css = asset("https://acme.example/a.css", "text/css", 20 * 1024);
  css.encoding = "gzip";
  page.resources.push_back(css);
  auto js = asset("https://acme.example/a.js", "application/javascript", 11 * 1024);
  js.cache_control = "no-cache";
  page.resources.push_back(js);
  page.resources.push_back(asset("https://acme.example/big.jpg", "image/jpeg", 400 * 1024));
  page.resources.push_back(asset("https://acme.example/small.bmp", "image/bmp", 2 * 1024));
  auto missing = asset("https://acme.example/gone.png", "text/html", 100);
  missing.status = 404;
  page.resources.push_back(missing);
  page.images_without_size = {"https://acme.example/big.jpg"};

  auto findings = perf::evaluate(page, policy);
  REQUIRE(find_rule(findings, "ttfb"));
  REQUIRE(find_rule(findings, "redirects"));
  CHECK(find_rule(findings, "redirects")->count == 2);
  REQUIRE(find_rule(findings, "uncompressed"));
  // The HTML (50 KiB) and the JS (11 KiB) but not the gzip CSS.
  CHECK(find_rule(findings, "uncompressed")->urls ==
        std::vector<std::string>{"https://acme.example/", "https://acme.example/a.js"});
  REQUIRE(find_rule(findings, "no-cache-lifetime"));
  CHECK(find_rule(findings, "no-cache-lifetime")->urls == std::vector<std::string>{"https://acme.example/a.js"});
  REQUIRE(find_rule(findings, "oversize-image"));
  CHECK(find_rule(findings, "oversize-image")->count == 2);
  REQUIRE(find_rule(findings, "image-dimensions"));
  REQUIRE(find_rule(findings, "broken-asset"));
  CHECK_FALSE(find_rule(findings, "page-weight"));
  CHECK_FALSE(find_rule(findings, "requests"));
  CHECK_FALSE(find_rule(findings, "capped"));

  // Raised thresholds silence them; lowered ones add page-weight and requests.
  policy.ttfb_ms = 1000;
  policy.redirects = 2;
  policy.uncompressed_text = 100 * 1024;
  policy.image_bytes = 1024 * 1024;
  auto quieter = perf::evaluate(page, policy);
  CHECK_FALSE(find_rule(quieter, "ttfb"));
  CHECK_FALSE(find_rule(quieter, "redirects"));
  CHECK_FALSE(find_rule(quieter, "uncompressed"));
  CHECK(find_rule(quieter, "oversize-image")->count == 1); // the BMP, whatever its size
  policy.page_weight = 100 * 1024;
  policy.requests = 3;
  auto louder = perf::evaluate(page, policy);
  CHECK(find_rule(louder, "page-weight"));
  CHECK(find_rule(louder, "requests"));
  CHECK(perf::weight(page).requests == 6);
  auto top = perf::largest(page, 2);
  REQUIRE(top.size() == 2);
  CHECK(top[0]->url == "https://acme.example/big.jpg");
  CHECK(top[1]->url == "https://acme.example/");
}

TEST_CASE("perf: audit follows redirects hop by hop and marks third-party assets", "[perf]") {
  StreamingFake http;
  http.reply("http://lab.example/", {301, {{"Location", "https://lab.example/"}}, "", 0});
  http.reply("https://lab.example/", {302, {{"Location", "/home"}}, "", 0});
  http.reply("https://lab.example/home",
             {200, {{"Content-Type", "text/html; charset=UTF-8"}},
              "<link rel=stylesheet href=/s.css><script src=//cdn.example.net/j.js></script>", 0});
  http.reply("https://lab.example/s.css", {200, {{"Content-Type", "text/css"}, {"Cache-Control", "max-age=60"}}, "a{}", 0});
  http.reply("https://cdn.example.net/j.js", {200, {{"Content-Type", "application/javascript"}}, "x()", 0});
  inventory::PerfPolicy policy;
  auto page = perf::audit_page(http, env_at("http://lab.example"), policy, "http://lab.example/", {});
  REQUIRE_FALSE(page.error);
  CHECK(page.final_url == "https://lab.example/home");
  REQUIRE(page.redirects.size() == 2);
  CHECK(page.redirects[0].status == 301);
  CHECK(page.redirects[1].location == "/home");
  REQUIRE(page.resources.size() == 3);
  CHECK(page.resources[0].is_page);
  CHECK_FALSE(page.resources[1].third_party);
  CHECK(page.resources[2].third_party);
  CHECK(perf::weight(page).third_party_requests == 1);
  CHECK(find_rule(page.findings, "redirects"));
  CHECK(find_rule(page.findings, "no-cache-lifetime")->urls == std::vector<std::string>{"https://cdn.example.net/j.js"});
  CHECK(perf::target_status({page}) == perf::TargetStatus::findings);
}

TEST_CASE("perf: endless redirects and redirects out of http stop at the cap", "[perf]") {
  StreamingFake http;
  for (int i = 0; i < 50; ++i) {
    http.reply("http://loop.example/" + std::to_string(i), {302, {{"Location", "/" + std::to_string(i + 1)}}, "", 0});
  }
  http.reply("http://loop.example/", {302, {{"Location", "/0"}}, "", 0});
  perf::AuditOptions options;
  auto page = perf::audit_page(http, env_at("http://loop.example"), {}, "http://loop.example/", options);
  REQUIRE(page.error);
  CHECK(page.error->message.find("more than 10 redirects") != std::string::npos);
  CHECK(http.urls().size() == 10);
  CHECK(perf::target_status({page}) == perf::TargetStatus::failed);

  StreamingFake escape;
  escape.reply("http://esc.example/", {302, {{"Location", "file:///etc/passwd"}}, "", 0});
  auto refused = perf::audit_page(escape, env_at("http://esc.example"), {}, "http://esc.example/", options);
  REQUIRE(refused.error);
  CHECK(refused.error->message.find("not an http(s) URL") != std::string::npos);
  CHECK(escape.urls().size() == 1);
}

TEST_CASE("perf: the asset cap and the byte cap bound what a hostile page costs", "[perf]") {
  StreamingFake http;
  std::string html = "<html><body><img src=/huge.bin width=1 height=1>";
  for (int i = 0; i < 10000; ++i) html += "<img src=\"/i" + std::to_string(i) + ".png\" width=1 height=1>";
  http.reply("http://hostile.example/", {200, {{"Content-Type", "text/html"}}, html, 0});
  http.reply("http://hostile.example/huge.bin", {200, {{"Content-Type", "image/png"}}, "", 8ull << 30}); // 8 GiB
  for (int i = 0; i < 10000; ++i) {
    http.reply("http://hostile.example/i" + std::to_string(i) + ".png", {200, {{"Content-Type", "image/png"}}, "png", 0});
  }
  inventory::PerfPolicy policy;
  policy.max_assets = 50;
  policy.max_bytes = 1024 * 1024;
  auto page = perf::audit_page(http, env_at("http://hostile.example"), policy, "http://hostile.example/", {});
  REQUIRE_FALSE(page.error);
  CHECK(page.assets_found == 10001);
  // At most the page and 50 assets asked for; the 8 GiB stopped within a chunk per worker of the cap.
  CHECK(http.urls().size() <= 51);
  CHECK(page.assets_skipped >= 10001 - 50);
  CHECK(page.byte_cap_reached);
  CHECK(http.streamed() <= policy.max_bytes + 16 * 16384);
  REQUIRE(find_rule(page.findings, "capped"));
  bool huge_capped = false;
  for (const auto& r : page.resources) huge_capped = huge_capped || (r.url.find("huge.bin") != std::string::npos && r.capped);
  CHECK(huge_capped);
}

TEST_CASE("perf: an unreachable page is unreachable and a 500 page failed with their exit bits", "[perf]") {
  StreamingFake http;
  http.reply("http://err.example/", {500, {}, "oops", 0});
  auto failed = perf::audit_page(http, env_at("http://err.example"), {}, "http://err.example/", {});
  REQUIRE(failed.error);
  CHECK(failed.status == 500);
  auto down = perf::audit_page(http, env_at("http://down.example"), {}, "http://down.example/", {});
  REQUIRE(down.error);
  CHECK(down.error->kind == core::ErrorKind::unreachable);
  perf::TargetResult a{"a", "prod", {failed}, perf::target_status({failed})};
  perf::TargetResult b{"b", "prod", {down}, perf::target_status({down})};
  CHECK(a.status == perf::TargetStatus::failed);
  CHECK(b.status == perf::TargetStatus::unreachable);
  CHECK(perf::exit_bits({a, b}, true) == 6);
  auto doc = perf::render_json_payload({a, b});
  CHECK(doc["summary"]["failed"] == 1);
  CHECK(doc["summary"]["unreachable"] == 1);
  CHECK(doc["targets"][0]["pages"][0]["error"].is_string());
}

TEST_CASE("perf: page URLs are the environment's url with / and each configured path", "[perf]") {
  inventory::PerfPolicy policy;
  policy.paths = {"/contact", "/shop/?x=1"};
  CHECK(perf::page_urls(env_at("https://acme.example/"), policy) ==
        std::vector<std::string>{"https://acme.example/", "https://acme.example/contact", "https://acme.example/shop/?x=1"});
}

TEST_CASE("perf: JUnit and the table escape what pages send and count every target", "[perf]") {
  PageResult page;
  page.url = page.final_url = "https://acme.example/?a=1&b=<2>";
  page.status = 200;
  page.http_version = "2";
  Resource html = asset(page.url, "text/html", 100);
  html.is_page = true;
  page.resources.push_back(html);
  page.findings.push_back({"ttfb", "time to first byte 900 ms (threshold 800 ms)", {}, 0});
  perf::TargetResult ok{"acme", "prod", {page}, perf::TargetStatus::findings, std::nullopt};
  PageResult down;
  down.url = "https://down.example/";
  down.error = core::Error{core::ErrorKind::unreachable, "GET https://down.example/: \"refused\""};
  perf::TargetResult unreachable{"down", "prod", {down}, perf::TargetStatus::unreachable, std::nullopt};
  auto xml = perf::render_junit({ok, unreachable}, true);
  CHECK(xml.find("name=\"https://acme.example/?a=1&amp;b=&lt;2&gt;\"") != std::string::npos);
  CHECK(xml.find("<failure type=\"findings\"") != std::string::npos);
  CHECK(xml.find("<error type=\"unreachable\" message=\"GET https://down.example/: &quot;refused&quot;\"/>") !=
        std::string::npos);
  CHECK(xml.find("tests=\"2\" failures=\"1\" errors=\"1\"") != std::string::npos);
  CHECK(perf::render_junit({ok}, false).find("<system-out>ttfb: ") != std::string::npos);
  auto table = perf::render_table({ok, unreachable}, false);
  CHECK(table.find("2 200") != std::string::npos);
  CHECK(table.find("acme (prod) https://acme.example/?a=1&b=<2>: ttfb: time to first byte 900 ms") != std::string::npos);
  CHECK(table.find("2 targets: 0 ok, 1 findings, 0 failed, 1 unreachable") != std::string::npos);
}
