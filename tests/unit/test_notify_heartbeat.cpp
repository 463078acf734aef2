// notify.heartbeat: the ping URLs, what each ping sends, that a failing monitor only warns, and that
// the URL (a secret) is never printed; the inventory keys with file:line:col errors.
#include <catch2/catch.hpp>

#include <tma/core/redact.hpp>
#include <tma/notify/heartbeat.hpp>

#include "support/inventory_text.hpp"

using tma::notify::heartbeat_url;
using tma::notify::HeartbeatPing;

namespace {

/// Records every request and answers `status`, or fails as unreachable with a message that quotes
/// the URL, as libcurl's do.
class RecordingHttp final : public tma::transport::HttpClient {
public:
  long status = 200;
  bool unreachable = false;
  std::vector<tma::transport::HttpRequest> requests;
  tma::core::Result<tma::transport::HttpResponse> send(const tma::transport::HttpRequest& request) override {
    requests.push_back(request);
    if (unreachable) {
      return tma::core::fail(tma::core::ErrorKind::unreachable, "Failed to connect to " + request.url);
    }
    tma::transport::HttpResponse response;
    response.status = status;
    response.body = "OK";
    return response;
  }
};

tma::inventory::Notify with_heartbeat(const std::string& url) {
  tma::inventory::Notify notify;
  tma::inventory::Heartbeat heartbeat;
  heartbeat.url.value = url;
  heartbeat.timeout = std::chrono::seconds(3);
  tma::core::register_secret(url); // as the inventory loader does
  notify.heartbeat = heartbeat;
  return notify;
}

} // namespace

TEST_CASE("heartbeat URLs follow the healthchecks.io convention", "[unit][notify]") {
  const std::string base = "https://hc-ping.com/0f6a6c1e-2c9b-4d6e-9a6b-5b1f3a0c7d21";
  CHECK(heartbeat_url(base, HeartbeatPing::start) == base + "/start");
  CHECK(heartbeat_url(base, HeartbeatPing::success) == base);
  CHECK(heartbeat_url(base, HeartbeatPing::failure) == base + "/fail");
  // A trailing slash is not doubled; a query string stays after the path.
  CHECK(heartbeat_url("https://hc.example/ping/abc/", HeartbeatPing::start) == "https://hc.example/ping/abc/start");
  CHECK(heartbeat_url("https://kuma.example/api/push/Tok?status=up", HeartbeatPing::failure) ==
        "https://kuma.example/api/push/Tok/fail?status=up");
  CHECK(heartbeat_url("https://kuma.example/api/push/Tok?status=up", HeartbeatPing::success) ==
        "https://kuma.example/api/push/Tok?status=up");
}

TEST_CASE("a heartbeat pings start then the end once with the summary as body", "[unit][notify]") {
  RecordingHttp http;
  tma::notify::Heartbeat heartbeat(with_heartbeat("https://hc.example/ping/k1"), http);
  heartbeat.start();
  heartbeat.end(false, "run --due: 2 job(s) run (exit 2)");
  heartbeat.end(true, "a second end is ignored");
  REQUIRE(http.requests.size() == 2);
  CHECK(http.requests[0].url == "https://hc.example/ping/k1/start");
  CHECK(http.requests[0].method == tma::transport::HttpMethod::post);
  CHECK(http.requests[0].body.empty());
  CHECK(http.requests[1].url == "https://hc.example/ping/k1/fail");
  CHECK(http.requests[1].body == "run --due: 2 job(s) run (exit 2)");
  // Short and not retried: a monitor that does not answer costs the timeout once.
  CHECK(http.requests[1].timeout == std::chrono::seconds(3));
  CHECK(http.requests[1].max_attempts == 1);
  CHECK(heartbeat.ended());
}

TEST_CASE("without notify.heartbeat nothing is sent", "[unit][notify]") {
  RecordingHttp http;
  tma::notify::Heartbeat heartbeat(tma::inventory::Notify{}, http);
  heartbeat.start();
  heartbeat.end(true, "done");
  CHECK(http.requests.empty());
}

TEST_CASE("a monitor that cannot be reached does not stop the pings that follow", "[unit][notify]") {
  // What the warnings print (never the URL) is checked on tma's stderr by the integration test.
  RecordingHttp http;
  http.unreachable = true;
  tma::notify::Heartbeat heartbeat(with_heartbeat("https://hc.example/ping/k2"), http);
  heartbeat.start();
  http.unreachable = false;
  heartbeat.end(true, "ok");
  REQUIRE(http.requests.size() == 2);
  CHECK(http.requests[1].url == "https://hc.example/ping/k2");
}

TEST_CASE("notify.heartbeat keys are checked at load", "[unit][inventory][notify]") {
  using tma::test::inventory_errors;
  const std::string minimal = tma::test::k_minimal_inventory;
  CHECK(inventory_errors("notify:\n  heartbeat: {timeout: 5s}\n" + minimal) ==
        std::vector<std::string>{"sites.yaml:2:14: notify.heartbeat.url: required key is missing (or url_command)"});
  CHECK(inventory_errors("notify:\n  heartbeat: {url: \"hc.example/ping\"}\n" + minimal) ==
        std::vector<std::string>{"sites.yaml:2:20: notify.heartbeat.url: not an http:// or https:// URL (a host is "
                                 "required, no spaces)"});
  CHECK(inventory_errors("notify:\n  heartbeat: {url: \"https://hc.example/p\", timeout: 5m}\n" + minimal).size() == 1);
  CHECK(inventory_errors("notify:\n  heartbeat: {url: \"https://hc.example/p\", tiemout: 5s}\n" + minimal).size() == 1);
  auto loaded = tma::test::load_text("notify:\n  heartbeat: {url: \"${HC_URL}\", timeout: 4s}\n" + minimal,
                                     {{"HC_URL", "https://hc.example/ping/abc"}});
  REQUIRE(loaded);
  REQUIRE(loaded->inventory.notify.heartbeat);
  CHECK(loaded->inventory.notify.heartbeat->url.value == "https://hc.example/ping/abc");
  CHECK(loaded->inventory.notify.heartbeat->timeout == std::chrono::seconds(4));
}
