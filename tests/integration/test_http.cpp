// The HTTP client against the lab's real HTTP and HTTPS servers (tests/lab/http_server.py).
#include <catch2/catch.hpp>

#include <tma/core/version.hpp>
#include <tma/transport/http.hpp>

#include "support/lab.hpp"
#include "support/temp_dir.hpp"

using namespace tma::transport;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.url = url;
  r.timeout = 20000ms;
  r.retry_base_delay = 50ms; // keeps the retry tests short; the policy is the same
  return r;
}

using tma::test::NoProxy;

} // namespace

TEST_CASE("http: status, body, headers, timings and User-Agent", "[integration]") {
  NoProxy no_proxy;
  // "/" answers after 5 ms: on an idle machine a loopback request can take less than the 1 ms
  // the timings count in, and `total > 0ms` below would fail by chance.
  tma::test::LabHttp lab(json{{"/", {{"status", 200}, {"body", "hello"}, {"delay", 0.005}, {"headers", {{"X-Lab", "yes"}}}}},
                              {"/missing", {{"status", 404}, {"body", "no"}}},
                              {"/echo", {{"echo", true}}},
                              {"/moved", {{"status", 302}, {"headers", {{"Location", "/"}}}}},
                              {"/loop", {{"status", 302}, {"headers", {{"Location", "/loop"}}}}}});
  CurlHttpClient client;
  auto r = client.send(get(lab.url("/")));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello");
  CHECK(r->header("x-lab") == "yes");
  CHECK(r->timings.total > 0ms);
  CHECK(r->timings.total >= r->timings.connect);
  CHECK(r->timings.first_byte >= r->timings.connect);
  CHECK_FALSE(r->certificate);
  CHECK(r->attempts == 1);

  auto missing = client.send(get(lab.url("/missing")));
  REQUIRE(missing);
  CHECK(missing->status == 404);

  auto post = get(lab.url("/echo"));
  post.method = HttpMethod::post;
  post.body = R"({"a":1})";
  post.headers = {{"Content-Type", "application/json"}, {"X-Token", "t0k"}};
  auto echoed = client.send(post);
  REQUIRE(echoed);
  auto seen = json::parse(echoed->body);
  CHECK(seen["method"] == "POST");
  CHECK(seen["body"] == R"({"a":1})");
  CHECK(seen["headers"]["X-Token"] == "t0k");
  CHECK(seen["headers"]["User-Agent"] == "tma/" + std::string(tma::core::version()));

  auto put = post;
  put.method = HttpMethod::put;
  REQUIRE(client.send(put));
  CHECK(json::parse(client.send(put)->body)["method"] == "PUT");

  auto moved = client.send(get(lab.url("/moved")));
  REQUIRE(moved);
  CHECK(moved->status == 200);
  CHECK(moved->redirects == 1);
  CHECK(moved->body == "hello");
  auto loop = client.send(get(lab.url("/loop")));
  REQUIRE_FALSE(loop);
  CHECK(loop.error().kind == tma::core::ErrorKind::http);
  CHECK(lab.hits("/loop") == 6); // the first request and 5 redirects

  auto injected = get(lab.url("/"));
  injected.headers = {{"X-A", "v\r\nX-Injected: 1"}};
  auto refused = client.send(injected);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == tma::core::ErrorKind::config);
}

TEST_CASE("http: retries idempotent requests on 503 and honours Retry-After, never on 404", "[integration]") {
  NoProxy no_proxy;
  tma::test::LabHttp lab(json{{"/flaky", {{"fail_times", 2}, {"fail_status", 503}, {"body", "up"}}},
                              {"/later", {{"fail_times", 1}, {"fail_status", 429}, {"retry_after", 1}, {"body", "ok"}}},
                              {"/post-flaky", {{"fail_times", 5}, {"fail_status", 503}}},
                              {"/gone", {{"status", 404}}}});
  CurlHttpClient client;
  auto flaky = client.send(get(lab.url("/flaky")));
  REQUIRE(flaky);
  CHECK(flaky->status == 200);
  CHECK(flaky->body == "up");
  CHECK(flaky->attempts == 3);
  CHECK(lab.hits("/flaky") == 3);

  auto later = client.send(get(lab.url("/later")));
  REQUIRE(later);
  CHECK(later->status == 200);
  CHECK(later->attempts == 2);

  auto gone = client.send(get(lab.url("/gone")));
  REQUIRE(gone);
  CHECK(gone->status == 404);
  CHECK(gone->attempts == 1);
  CHECK(lab.hits("/gone") == 1);

  auto post = get(lab.url("/post-flaky"));
  post.method = HttpMethod::post;
  auto posted = client.send(post);
  REQUIRE(posted);
  CHECK(posted->status == 503);
  CHECK(lab.hits("/post-flaky") == 1); // POST is not idempotent: never repeated

  auto exhausted = get(lab.url("/post-flaky"));
  exhausted.max_attempts = 2;
  auto last = client.send(exhausted);
  REQUIRE(last);
  CHECK(last->status == 503);
  CHECK(last->attempts == 2);
}

TEST_CASE("http: byte cap, timeouts and unreachable", "[integration]") {
  NoProxy no_proxy;
  tma::test::LabHttp lab(json{{"/big", {{"size", 5 * 1024 * 1024}}}, {"/slow", {{"delay", 5}}}});
  CurlHttpClient client;
  auto capped = get(lab.url("/big"));
  capped.max_bytes = 1024 * 1024;
  auto r = client.send(capped);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("larger than 1048576 bytes") != std::string::npos);
  capped.max_bytes = 6 * 1024 * 1024;
  auto whole = client.send(capped);
  REQUIRE(whole);
  CHECK(whole->body.size() == 5u * 1024 * 1024);

  auto slow = get(lab.url("/slow"));
  slow.timeout = 500ms;
  slow.max_attempts = 2;
  auto timed_out = client.send(slow);
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().kind == tma::core::ErrorKind::timeout);
  CHECK(lab.hits("/slow") == 2); // a timeout of an idempotent request is retried

  auto closed = client.send(get("http://127.0.0.1:" + std::to_string(tma::test::free_port()) + "/"));
  REQUIRE_FALSE(closed);
  CHECK(closed.error().kind == tma::core::ErrorKind::unreachable);
}

TEST_CASE("http: oversized response headers are reported as headers, not as a large body", "[integration]") {
  NoProxy no_proxy;
  json many = json::object();
  for (int i = 0; i < 20; ++i) many["X-Filler-" + std::to_string(i)] = std::string(60000, 'y');
  tma::test::LabHttp lab(json{{"/one", {{"headers", {{"X-Big", std::string(1024 * 1024, 'x')}}}}},
                              {"/many", {{"headers", many}}}});
  CurlHttpClient client;
  auto one = client.send(get(lab.url("/one")));
  REQUIRE_FALSE(one);
  INFO(one.error().message);
  CHECK(one.error().message.find("a response header larger than curl accepts (100 KiB a line)") != std::string::npos);
  CHECK(one.error().message.find("response larger than") == std::string::npos);
  auto total = client.send(get(lab.url("/many")));
  REQUIRE_FALSE(total);
  CHECK(total.error().message.find("response headers larger than 262144 bytes") != std::string::npos);
}

TEST_CASE("https: certificate expiry and issuer, verification with and without ca_file", "[integration]") {
  NoProxy no_proxy;
  tma::test::LabCa ca;
  auto cert = ca.issue("short", 5);
  tma::test::LabHttp lab(json{{"/", {{"body", "secure"}}}}, cert);
  CurlHttpClient client;

  auto unverified = client.send(get(lab.url("/")));
  REQUIRE_FALSE(unverified);
  CHECK(unverified.error().kind == tma::core::ErrorKind::http);
  CHECK(unverified.error().message.find("TLS") != std::string::npos);

  auto request = get(lab.url("/"));
  request.ca_file = ca.ca_file();
  auto r = client.send(request);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "secure");
  CHECK(r->timings.tls > 0ms);
  REQUIRE(r->certificate);
  REQUIRE(r->certificate->expires);
  auto now = std::chrono::system_clock::now();
  auto left = *r->certificate->expires - now;
  CHECK(left > std::chrono::hours(24 * 5 - 1));
  CHECK(left < std::chrono::hours(24 * 5 + 1));
  CHECK(r->tls_days_left(now) == 4); // whole days: 4 days and 23+ hours
  CHECK(r->certificate->issuer.find("tma lab CA") != std::string::npos);
  CHECK(r->warnings.empty());

  auto insecure = get(lab.url("/"));
  insecure.tls_verify = TlsVerify::no;
  auto loud = client.send(insecure);
  REQUIRE(loud);
  CHECK(loud->status == 200);
  REQUIRE(loud->warnings.size() == 1);
  CHECK(loud->warnings[0].find("TLS verification disabled") != std::string::npos);
}
