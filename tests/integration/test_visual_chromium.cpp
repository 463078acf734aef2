// The Chromium driver of `tma visual` against real pages from the lab's HTTP server: one headless
// browser, reused for every capture of a test (each start costs a second or two).
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include <tma/visual/chromium.hpp>

#include "support/lab.hpp"
#include "support/proc_scan.hpp"
#include "support/temp_dir.hpp"

using namespace tma::visual;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json html(const std::string& body, int status = 200) {
  return {{"status", status}, {"body", body}, {"headers", {{"Content-Type", "text/html; charset=utf-8"}}}};
}

// Width and height from the PNG's IHDR chunk, read here from the bytes (not by the code under test).
struct Size {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};
Size ihdr(const std::string& png) {
  REQUIRE(png.size() > 24);
  REQUIRE(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  REQUIRE(png.compare(12, 4, "IHDR") == 0);
  auto read32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  return {read32(16), read32(20)};
}

const char* k_style = "body { margin: 0; font: 16px sans-serif; }\n"
                      ".gone { display: none; }\n"
                      ".ghost { visibility: hidden; }\n"
                      ".appear { animation: appear 1000s; }\n"
                      "@keyframes appear { from { visibility: hidden; } to { visibility: hidden; } }\n";

const char* k_home = "<!DOCTYPE html><html><head><title>Lab</title><link rel=stylesheet href=/style.css>"
                     "<meta name=viewport content='width=device-width, initial-scale=1'></head><body>"
                     "<nav>Navigation links</nav>"
                     "<main><h1>Main heading</h1><p>Shown paragraph</p>"
                     "<p class=gone>Hidden by display none</p><p class=ghost>Hidden by visibility</p>"
                     "<p class=appear>Shown once animations are off</p>"
                     "<p id=banner>Rotating banner</p><p data-note=\"it's a \\ test\">Quoted note</p></main>"
                     "</body></html>";

const char* k_long = "<!DOCTYPE html><html><head><link rel=stylesheet href=/style.css>"
                     "<meta name=viewport content='width=device-width, initial-scale=1'></head><body>"
                     "<div style='height: 3000px; background: #eee'>Tall</div></body></html>";

ChromiumOptions options_in(const tma::test::TempDir& dir) {
  ChromiumOptions options;
  options.temp_root = dir.path();
  return options;
}

CaptureRequest request_for(const std::string& url) {
  CaptureRequest request;
  request.url = url;
  request.load_timeout = 20s;
  request.idle_bound = 5s;
  return request;
}

} // namespace

TEST_CASE("visual: Chromium captures full pages with their visible text at desktop and phone widths", "[integration][visual]") {
  tma::test::NoProxy no_proxy;
  tma::test::LabHttp http(json{{"/", html(k_home)},
                               {"/style.css", {{"body", k_style}, {"headers", {{"Content-Type", "text/css"}}}}},
                               {"/long", html(k_long)},
                               {"/missing", html("<html><body><p>Nothing here</p></body></html>", 404)}});
  tma::test::TempDir dir;
  {
    auto browser = start_chromium(options_in(dir));
    REQUIRE(browser);

    auto home = (*browser)->capture(request_for(http.url("/")));
    REQUIRE(home);
    CHECK(ihdr(home->png).width == 1280);
    CHECK(home->width == 1280);
    CHECK(home->height == static_cast<int>(ihdr(home->png).height));
    CHECK(home->http_status == 200);
    CHECK(home->network_idle);
    CHECK(http.hits("/style.css") >= 1);
    // What the page shows, not what its HTML holds: the CSS-hidden paragraphs are in the HTML only.
    CHECK(home->visible_text.find("Shown paragraph") != std::string::npos);
    CHECK(home->visible_text.find("Navigation links") != std::string::npos);
    CHECK(std::string(k_home).find("Hidden by display none") != std::string::npos);
    CHECK(home->visible_text.find("Hidden by display none") == std::string::npos);
    CHECK(home->visible_text.find("Hidden by visibility") == std::string::npos);
    // The animation keeps its paragraph hidden for 1000 s unless the capture turned animations off.
    CHECK(home->visible_text.find("Shown once animations are off") != std::string::npos);
    // The main text is <main>'s: without the navigation.
    CHECK(home->main_text.find("Main heading") != std::string::npos);
    CHECK(home->main_text.find("Navigation links") == std::string::npos);
    CHECK(home->visible_text.find("Rotating banner") != std::string::npos);

    auto tall = (*browser)->capture(request_for(http.url("/long")));
    REQUIRE(tall);
    CHECK(ihdr(tall->png).width == 1280);
    CHECK(ihdr(tall->png).height == 3000); // the whole page, not the 800-pixel viewport

    auto phone_request = request_for(http.url("/long"));
    phone_request.width = 390;
    phone_request.mobile = true;
    auto phone = (*browser)->capture(phone_request);
    REQUIRE(phone);
    CHECK(ihdr(phone->png).width == 390);
    CHECK(ihdr(phone->png).height == 3000);

    auto clipped_request = request_for(http.url("/long"));
    clipped_request.max_height = 1000;
    auto clipped = (*browser)->capture(clipped_request);
    REQUIRE(clipped);
    CHECK(ihdr(clipped->png).height == 1000);

    auto missing = (*browser)->capture(request_for(http.url("/missing")));
    REQUIRE(missing);
    CHECK(missing->http_status == 404);
    CHECK(missing->visible_text.find("Nothing here") != std::string::npos);
  }
  // Destroying the capturer closed the browser and removed its profile.
  CHECK(tma::test::wait_no_process_with(dir.path().string(), 10s) == 0);
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("visual: Chromium masks hide what selectors match and bad selectors are errors and redirects are followed", "[integration][visual]") {
  tma::test::NoProxy no_proxy;
  tma::test::LabHttp http(json{{"/", html(k_home)},
                               {"/style.css", {{"body", k_style}, {"headers", {{"Content-Type", "text/css"}}}}},
                               {"/moved", {{"status", 301}, {"headers", {{"Location", "/"}}}}}});
  tma::test::TempDir dir;
  auto browser = start_chromium(options_in(dir));
  REQUIRE(browser);

  // The status is the document's after its redirects.
  auto moved = (*browser)->capture(request_for(http.url("/moved")));
  REQUIRE(moved);
  CHECK(moved->http_status == 200);
  CHECK(moved->visible_text.find("Shown paragraph") != std::string::npos);
  CHECK(http.hits("/moved") == 1);

  auto request = request_for(http.url("/"));
  // A selector with a quote and a backslash stays a string: it matches the element, it does not
  // end the script's string literal.
  request.masks = {"#banner", "[data-note=\"it's a \\\\ test\"]"};
  auto masked = (*browser)->capture(request);
  REQUIRE(masked);
  CHECK(masked->visible_text.find("Rotating banner") == std::string::npos);
  CHECK(masked->visible_text.find("Quoted note") == std::string::npos);
  CHECK(masked->visible_text.find("Shown paragraph") != std::string::npos);

  request.masks = {"div["};
  auto invalid = (*browser)->capture(request);
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().kind == tma::core::ErrorKind::config);
  CHECK(invalid.error().message.find("mask 'div[' is not a valid CSS selector") != std::string::npos);

  // Script in a selector is an invalid selector, never code that runs.
  request.masks = {"#x\"); document.body.textContent = (\"injected"};
  auto injected = (*browser)->capture(request);
  REQUIRE_FALSE(injected);
  CHECK(injected.error().kind == tma::core::ErrorKind::config);

  // The browser is still usable after a failed capture.
  request.masks.clear();
  auto again = (*browser)->capture(request);
  REQUIRE(again);
  CHECK(again->visible_text.find("Rotating banner") != std::string::npos);
}

TEST_CASE("visual: Chromium bounds pages that never load or never go idle and reports unreachable sites", "[integration][visual]") {
  tma::test::NoProxy no_proxy;
  tma::test::LabHttp http(json{{"/held", {{"delay", 60}, {"body", "late"}}},
                               {"/slow-data", {{"delay", 60}, {"body", "{}"}}},
                               {"/busy", html("<html><body><p>Busy page</p><script>fetch('/slow-data')</script></body></html>")},
                               {"/", html("<html><body><p>Fine</p></body></html>")}});
  tma::test::TempDir dir;
  auto browser = start_chromium(options_in(dir));
  REQUIRE(browser);

  auto held_request = request_for(http.url("/held"));
  held_request.load_timeout = 2s;
  auto held = (*browser)->capture(held_request);
  REQUIRE_FALSE(held);
  CHECK(held.error().kind == tma::core::ErrorKind::timeout);
  CHECK(held.error().message.find("did not finish loading within 2 s") != std::string::npos);
  CHECK(held.error().message.find(http.url("/held")) != std::string::npos);

  // The load event comes; the fetch keeps the network busy past the idle bound.
  auto busy_request = request_for(http.url("/busy"));
  busy_request.idle_bound = 1s;
  auto busy = (*browser)->capture(busy_request);
  REQUIRE(busy);
  CHECK_FALSE(busy->network_idle);
  CHECK(busy->visible_text.find("Busy page") != std::string::npos);

  auto closed = (*browser)->capture(request_for("http://127.0.0.1:" + std::to_string(tma::test::free_port()) + "/"));
  REQUIRE_FALSE(closed);
  CHECK(closed.error().kind == tma::core::ErrorKind::unreachable);
  CHECK(closed.error().message.find("ERR_CONNECTION_REFUSED") != std::string::npos);

  auto fine = (*browser)->capture(request_for(http.url("/")));
  REQUIRE(fine);
  CHECK(fine->network_idle);
  CHECK(fine->visible_text.find("Fine") != std::string::npos);
}
