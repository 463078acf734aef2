// `tma perf` end to end: the built binary against lab HTTP(S) servers (tests/lab/http_server.py).
// Only measured facts are asserted (encodings, sizes, requests, hops, findings), never durations.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/run_tma.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;

namespace {

const std::map<std::string, std::optional<std::string>> k_no_proxy{
    {"http_proxy", std::nullopt}, {"https_proxy", std::nullopt}, {"all_proxy", std::nullopt}};

const json& target_of(const json& doc, const std::string& site) {
  for (const auto& t : doc["targets"]) {
    if (t["site"] == site) return t;
  }
  FAIL("no target " << site);
  throw;
}

const json* finding_of(const json& page, const std::string& rule) {
  for (const auto& f : page["findings"]) {
    if (f["rule"] == rule) return &f;
  }
  return nullptr;
}

const json& resource_of(const json& page, const std::string& suffix) {
  for (const auto& r : page["resources"]) {
    auto url = r["url"].get<std::string>();
    if (url.size() >= suffix.size() && url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0) return r;
  }
  FAIL("no resource " << suffix);
  throw;
}

// The stable part of a document: no envelope times or version, times zeroed, ports named.
json normalised(json doc, const std::map<int, std::string>& ports) {
  doc.erase("generated_at");
  doc.erase("tma_version");
  for (auto& t : doc["targets"]) {
    for (auto& page : t["pages"]) {
      for (auto& [key, value] : page["timings_ms"].items()) value = 0;
    }
  }
  auto text = doc.dump(2);
  for (const auto& [port, name] : ports) {
    text = std::regex_replace(text, std::regex("(:|port )" + std::to_string(port) + "\\b"), "$1" + name);
  }
  // curl's connect error says how long it tried.
  text = std::regex_replace(text, std::regex("after [0-9]+ ms"), "after N ms");
  return json::parse(text);
}

const char* k_home = R"(<!doctype html><html><head>
<link rel="stylesheet" href="/css/site.css">
<link rel="preload" href="/fonts/a.woff2" as="font">
<script src="/js/app.js"></script>
<script src="http://localhost:{port}/third.js"></script>
</head><body>
<img src="/img/hero.png">
<img srcset="/img/logo.webp 1x, /img/logo@2x.webp 2x" width="100" height="40">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">
<a href="/not-fetched.css">a link</a>
</body></html>)";

} // namespace

TEST_CASE("tma perf: compression and cache headers and requests and redirects and findings against the lab", "[integration]") {
  tma::test::LabCa ca;
  json routes = {
      {"/css/site.css",
       {{"body", "body { color: #333; margin: 0 auto; }\n"}, {"repeat", 1000}, {"gzip", true},
        {"headers", {{"Content-Type", "text/css"}, {"Cache-Control", "public, max-age=31536000"}, {"ETag", "\"c1\""}}}}},
      {"/js/app.js",
       {{"body", "console.log('tma lab');\n"}, {"repeat", 1000},
        {"headers", {{"Content-Type", "application/javascript"}, {"Last-Modified", "Mon, 01 Dec 2025 10:00:00 GMT"}}}}},
      {"/third.js", {{"body", "var t = 1;\n"}, {"headers", {{"Content-Type", "application/javascript"}, {"Expires", "Thu, 01 Dec 2099 16:00:00 GMT"}}}}},
      {"/fonts/a.woff2", {{"size", 20000}, {"headers", {{"Content-Type", "font/woff2"}, {"Cache-Control", "max-age=86400"}}}}},
      {"/img/hero.png", {{"size", 400000}, {"headers", {{"Content-Type", "image/png"}, {"Cache-Control", "max-age=86400"}}}}},
      {"/img/logo.webp", {{"size", 3000}, {"headers", {{"Content-Type", "image/webp"}, {"Cache-Control", "max-age=86400"}}}}},
      {"/old", {{"status", 301}, {"headers", {{"Location", "/middle"}}}}},
      {"/middle", {{"status", 302}, {"headers", {{"Location", "/"}}}}},
      {"/broken", {{"status", 500}, {"body", "oops"}}}};
  // The home page names its own port (the third-party script comes from `localhost`, another host).
  tma::test::LabHttp web(routes);
  tma::test::LabHttp secure(json{{"/", {{"body", "<html><body><p>tls</p></body></html>"}, {"gzip", true},
                                        {"headers", {{"Content-Type", "text/html"}}}}}},
                            ca.issue("perf", 30));
  tma::test::TempDir dir;
  // The routes file is read at start: a second server with the page that knows the first's port.
  routes["/"] = {{"body", fmt::format(fmt::runtime(k_home), fmt::arg("port", web.port()))}, {"headers", {{"Content-Type", "text/html; charset=UTF-8"}}}};
  tma::test::LabHttp site(routes);
  int closed = tma::test::free_port();
  auto inventory = fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  shop:
    client: lab
    cms: static
    perf: {{paths: [/old], image_bytes: 200KiB}}
    environments:
      prod: {{url: "{site}"}}
  secure:
    client: lab
    cms: static
    environments:
      prod: {{url: "{secure}", http: {{ca_file: "{ca}"}}}}
  broken:
    client: lab
    cms: static
    perf: {{paths: [/broken]}}
    environments:
      prod: {{url: "{site}"}}
  down:
    client: lab
    cms: static
    environments:
      prod: {{url: "http://127.0.0.1:{closed}"}}
)",
                               fmt::arg("site", site.url("")), fmt::arg("secure", secure.url("")), fmt::arg("ca", ca.ca_file()),
                               fmt::arg("closed", closed));
  auto path = dir.write("sites.yaml", inventory);

  auto out = tma::test::run_tma({"perf", "-i", path, "--all", "--format", "json"}, k_no_proxy);
  INFO(out.err);
  // Findings (1), a 500 page (2) and an unreachable site (4): one never stops the others.
  CHECK(out.exit_code == 7);
  auto doc = json::parse(out.out);
  CHECK(doc["command"] == "perf");
  CHECK(doc["summary"]["targets"] == 4);

  const auto& shop = target_of(doc, "shop");
  CHECK(shop["status"] == "findings");
  REQUIRE(shop["pages"].size() == 2);
  const auto& home = shop["pages"][0];
  CHECK(home["status"] == 200);
  CHECK(home["http_version"] == "1.1");
  CHECK(home["timings_ms"]["total"].get<long>() >= 0);
  // The page and its six assets (the data: image and the <a> are not fetched), each once.
  CHECK(home["weight"]["requests"] == 7);
  CHECK(home["weight"]["third_party_requests"] == 1);
  CHECK(home["assets_found"] == 6);
  for (const auto* asset : {"/css/site.css", "/js/app.js", "/fonts/a.woff2", "/img/hero.png", "/img/logo.webp"}) {
    CHECK(site.hits(asset) == 3); // shop's / and /old (which ends on /), broken's /
  }
  CHECK(web.hits("/third.js") == 3);
  CHECK(site.hits("/not-fetched.css") == 0);
  // Compression: the CSS came gzip-encoded, smaller on the wire than decoded; the JS did not.
  const auto& css = resource_of(home, "/css/site.css");
  CHECK(css["encoding"] == "gzip");
  CHECK(css["bytes"] == 38000);
  CHECK(css["transfer_bytes"].get<long>() < 1000);
  CHECK(css["cache_lifetime"] == true);
  CHECK(css["etag"] == "\"c1\"");
  const auto& js = resource_of(home, "/js/app.js");
  CHECK(js["encoding"] == "");
  CHECK(js["transfer_bytes"] == 24000);
  CHECK(js["cache_lifetime"] == false);
  CHECK(resource_of(home, "/third.js")["third_party"] == true);
  CHECK(resource_of(home, "/third.js")["cache_lifetime"] == true); // Expires alone
  // The server asked for compression (Accept-Encoding) on every request.
  for (const auto& request : site.requests()) {
    CHECK(request["headers"]["Accept-Encoding"].get<std::string>().find("gzip") != std::string::npos);
  }
  REQUIRE(finding_of(home, "uncompressed"));
  CHECK((*finding_of(home, "uncompressed"))["urls"] == json::array({js["url"]}));
  REQUIRE(finding_of(home, "no-cache-lifetime"));
  CHECK((*finding_of(home, "no-cache-lifetime"))["urls"] == json::array({js["url"]}));
  REQUIRE(finding_of(home, "image-dimensions"));
  CHECK((*finding_of(home, "image-dimensions"))["count"] == 1);
  REQUIRE(finding_of(home, "oversize-image"));
  CHECK_FALSE(finding_of(home, "redirects"));
  CHECK(home["largest"][0]["url"] == resource_of(home, "/img/hero.png")["url"]);
  // The redirect chain, hop by hop.
  const auto& old = shop["pages"][1];
  REQUIRE(old["redirects"].size() == 2);
  CHECK(old["redirects"][0]["status"] == 301);
  CHECK(old["redirects"][0]["location"] == "/middle");
  CHECK(old["redirects"][1]["status"] == 302);
  CHECK(old["final_url"] == site.url("/"));
  REQUIRE(finding_of(old, "redirects"));

  const auto& tls = target_of(doc, "secure")["pages"][0];
  CHECK(target_of(doc, "secure")["status"] == "ok");
  CHECK(tls["resources"][0]["encoding"] == "gzip");
  CHECK(tls["weight"]["requests"] == 1);
  CHECK(target_of(doc, "broken")["status"] == "failed");
  CHECK(target_of(doc, "broken")["pages"][1]["status"] == 500);
  CHECK(target_of(doc, "down")["status"] == "unreachable");
  CHECK(out.err.find("tma: down prod:") != std::string::npos);

  // Golden JSON: the stable part of the document (times zeroed, ports named).
  auto actual = normalised(doc, {{site.port(), "SITE"}, {web.port(), "WEB"}, {secure.port(), "TLS"}, {closed, "CLOSED"}});
  std::string golden_path = std::string(TMA_FIXTURES) + "/perf/lab.json";
  if (std::getenv("TMA_UPDATE_GOLDEN")) std::ofstream(golden_path) << actual.dump(2) << "\n";
  std::ifstream golden(golden_path);
  REQUIRE(golden);
  auto expected = json::parse(golden);
  if (actual != expected) dir.write("actual.json", actual.dump(2) + "\n");
  INFO("golden " << golden_path << " differs; actual in " << dir.path() / "actual.json"
                 << " (TMA_UPDATE_GOLDEN=1 rewrites it)");
  CHECK(actual == expected);

  // --fail-on never: findings no longer set bit 1; the table names the rules.
  auto junit = dir.file("perf.xml");
  auto quiet = tma::test::run_tma({"perf", "-i", path, "--site", "shop", "--fail-on", "never", "--junit", junit}, k_no_proxy);
  CHECK(quiet.exit_code == 0);
  std::ifstream xml_file(junit);
  std::stringstream xml;
  xml << xml_file.rdbuf();
  CHECK(xml.str().find("<testsuites name=\"tma perf\" tests=\"2\" failures=\"0\" errors=\"0\">") != std::string::npos);
  CHECK(xml.str().find("<system-out>uncompressed: ") != std::string::npos);
  CHECK(quiet.out.find("no-cache-lifetime") != std::string::npos);
  CHECK(quiet.out.find("1 targets: 0 ok, 1 findings") != std::string::npos);
}

TEST_CASE("tma perf: the byte cap stops a huge asset and the asset cap bounds a page of images", "[integration]") {
  std::string page = "<html><body><img src=\"/huge.bin\" width=1 height=1>";
  for (int i = 0; i < 2000; ++i) page += fmt::format("<img src=\"/i{}.png\" width=1 height=1>", i);
  tma::test::LabHttp web(json{{"/", {{"body", page}, {"headers", {{"Content-Type", "text/html"}}}}},
                              {"/huge.bin", {{"size", 1024LL * 1024 * 1024}, {"headers", {{"Content-Type", "image/png"}}}}},
                              {"*", {{"body", "png"}, {"headers", {{"Content-Type", "image/png"}, {"Cache-Control", "max-age=60"}}}}}});
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  hostile:
    client: lab
    cms: static
    perf: {{max_bytes: 4MiB, max_assets: 20}}
    environments:
      prod: {{url: "{web}"}}
)",
                                                  fmt::arg("web", web.url(""))));
  auto out = tma::test::run_tma({"perf", "-i", path, "--all", "--format", "json"}, k_no_proxy);
  INFO(out.err);
  CHECK(out.exit_code == 1);
  auto doc = json::parse(out.out);
  const auto& home = target_of(doc, "hostile")["pages"][0];
  CHECK(home["assets_found"] == 2001);
  CHECK(home["byte_cap_reached"] == true);
  const auto& huge = resource_of(home, "/huge.bin");
  CHECK(huge["capped"] == true);
  CHECK(huge["bytes"].get<long>() <= 4 * 1024 * 1024);
  REQUIRE(finding_of(home, "capped"));
  // At most 20 assets asked for, whatever the page lists.
  int asked = 0;
  for (const auto& request : web.requests()) asked += request["path"] != "/" ? 1 : 0;
  CHECK(asked <= 20);
  CHECK(home["assets_skipped"].get<int>() >= 2001 - 20);
}

TEST_CASE("tma perf: a slow drip asset times out and an endless redirect stops without stopping the others", "[integration]") {
  tma::test::LabHttp web(json{{"/", {{"body", "<html><body><img src=\"/drip.jpg\" width=1 height=1></body></html>"},
                                     {"headers", {{"Content-Type", "text/html"}}}}},
                              {"/drip.jpg", {{"size", 1000000}, {"drip", 100}, {"headers", {{"Content-Type", "image/jpeg"}}}}}});
  tma::test::LabHttp loop(json{{"/", {{"status", 302}, {"headers", {{"Location", "/"}}}}}});
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  drip:
    client: lab
    cms: static
    environments:
      prod: {{url: "{web}", http: {{timeout: 2s}}}}
  loop:
    client: lab
    cms: static
    environments:
      prod: {{url: "{loop}"}}
)",
                                                  fmt::arg("web", web.url("")), fmt::arg("loop", loop.url(""))));
  auto out = tma::test::run_tma({"perf", "-i", path, "--all", "--format", "json"}, k_no_proxy);
  INFO(out.err);
  CHECK(out.exit_code == 3); // the drip's finding (1) and the loop's failure (2)
  auto doc = json::parse(out.out);
  const auto& drip = target_of(doc, "drip")["pages"][0];
  const auto& asset = resource_of(drip, "/drip.jpg");
  CHECK(asset["error"].is_string());
  CHECK(asset["bytes"].get<long>() < 1000000);
  REQUIRE(finding_of(drip, "broken-asset"));
  CHECK(drip["weight"]["requests"] == 2); // a request that failed was still made
  const auto& looping = target_of(doc, "loop")["pages"][0];
  CHECK(target_of(doc, "loop")["status"] == "failed");
  CHECK(looping["error"].get<std::string>().find("more than 10 redirects") != std::string::npos);
  CHECK(looping["redirects"].size() == 10);
  CHECK(loop.hits("/") == 10);
}

TEST_CASE("tma perf: fonts and images of a stylesheet are fetched in a second round", "[integration]") {
  tma::test::LabHttp web(json{
      {"/", {{"body", "<html><head><link rel=stylesheet href=/css/a.css></head><body></body></html>"},
             {"headers", {{"Content-Type", "text/html"}}}}},
      {"/css/a.css",
       {{"body", "@font-face { src: url('/fonts/f.woff2') } body { background: url(img/bg.png) } /* url(/no.png) */"},
        {"headers", {{"Content-Type", "text/css"}, {"Cache-Control", "max-age=60"}}}}},
      {"*", {{"body", "binary"}, {"headers", {{"Content-Type", "application/octet-stream"}, {"Cache-Control", "max-age=60"}}}}}});
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", fmt::format(R"(version: 1
agency: {{name: Lab}}
clients:
  lab: {{name: Lab, contract: {{model: on_demand, rate: 90}}}}
defaults:
  backup: {{storage: local}}
sites:
  styled:
    client: lab
    cms: static
    environments:
      prod: {{url: "{web}"}}
)",
                                                  fmt::arg("web", web.url(""))));
  auto out = tma::test::run_tma({"perf", "-i", path, "--all", "--format", "json"}, k_no_proxy);
  INFO(out.err);
  CHECK(out.exit_code == 0);
  auto doc = json::parse(out.out);
  const auto& home = target_of(doc, "styled")["pages"][0];
  CHECK(home["weight"]["requests"] == 4);
  CHECK(home["assets_found"] == 3);
  CHECK(resource_of(home, "/fonts/f.woff2")["kind"] == "font");
  CHECK(resource_of(home, "/css/img/bg.png")["kind"] == "image");
  CHECK(web.hits("/fonts/f.woff2") == 1);
  CHECK(web.hits("/css/img/bg.png") == 1);
  CHECK(web.hits("/no.png") == 0);
}

TEST_CASE("tma perf: a perf key with mistakes is refused with file line column and key", "[integration]") {
  tma::test::TempDir dir;
  auto path = dir.write("sites.yaml", R"(version: 1
agency: {name: Lab}
clients:
  lab: {name: Lab, contract: {model: on_demand, rate: 90}}
defaults:
  backup: {storage: local}
sites:
  www:
    client: lab
    cms: static
    perf: {paths: [contact], page_weight: 3 lots, ttfb: 800}
    environments:
      prod: {url: "http://127.0.0.1:1"}
)");
  auto out = tma::test::run_tma({"perf", "-i", path, "--all"}, k_no_proxy);
  CHECK(out.exit_code == 78);
  CHECK(out.err.find("sites.yaml:11:") != std::string::npos);
  CHECK(out.err.find("sites.www.perf.paths: 'contact' is not a path") != std::string::npos);
  CHECK(out.err.find("sites.www.perf.page_weight") != std::string::npos);
  CHECK(out.err.find("sites.www.perf.ttfb: unknown key") != std::string::npos);
}
