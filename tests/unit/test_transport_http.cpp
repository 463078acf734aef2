#include <catch2/catch.hpp>

#include <tma/transport/http.hpp>

using namespace tma::transport;
using namespace std::chrono_literals;

TEST_CASE("transport::is_retryable_status follows curl's transient set") {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) CHECK(is_retryable_status(s));
  for (long s : {200L, 301L, 400L, 401L, 403L, 404L, 501L, 505L}) CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("transport::parse_retry_after reads seconds and HTTP dates") {
  auto now = std::chrono::system_clock::from_time_t(784111777); // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(parse_retry_after("120", now) == Milliseconds(120000));
  CHECK(parse_retry_after(" 0 ", now) == Milliseconds(0));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == Milliseconds(10000));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now) == Milliseconds(0));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("", now));
}

TEST_CASE("transport::backoff_delay doubles, caps and jitters") {
  CHECK(backoff_delay(1, 1000ms, 30000ms, 1.0) == 1000ms);
  CHECK(backoff_delay(1, 1000ms, 30000ms, 0.0) == 500ms);
  CHECK(backoff_delay(3, 1000ms, 30000ms, 1.0) == 4000ms);
  CHECK(backoff_delay(10, 1000ms, 30000ms, 1.0) == 30000ms);
  CHECK(backoff_delay(10, 1000ms, 30000ms, 0.5) == 22500ms);
}

TEST_CASE("transport::parse_certificate_date reads OpenSSL's format") {
  auto t = parse_certificate_date("Dec  4 10:11:12 2026 GMT");
  REQUIRE(t);
  CHECK(std::chrono::system_clock::to_time_t(*t) == 1796379072);
  CHECK_FALSE(parse_certificate_date("2026-12-04"));
}

TEST_CASE("transport::url_for_display hides credentials") {
  CHECK(url_for_display("https://user:pw@example.com/x?a=b") == "https://***@example.com/x?a=b");
  CHECK(url_for_display("https://example.com/a@b") == "https://example.com/a@b");
  CHECK(url_for_display("not a url") == "not a url");
}

TEST_CASE("transport::HttpResponse helpers") {
  HttpResponse r;
  r.headers = {{"Content-Type", "text/html"}, {"retry-after", "3"}};
  CHECK(r.header("content-type") == "text/html");
  CHECK(r.header("Retry-After") == "3");
  CHECK_FALSE(r.header("Location"));
  auto now = std::chrono::system_clock::from_time_t(1'000'000'000);
  CHECK_FALSE(r.tls_days_left(now));
  r.certificate = PeerCertificate{now + std::chrono::hours(24 * 5 - 1), "CN=ca", "CN=x"};
  CHECK(r.tls_days_left(now) == 4);
  r.certificate->expires = now - std::chrono::hours(1);
  CHECK(r.tls_days_left(now) == -1);
}

TEST_CASE("transport::request_for applies an environment's HTTP settings") {
  tma::inventory::HttpSettings settings;
  settings.timeout = std::chrono::seconds(5);
  settings.tls_verify = false;
  settings.ca_file = "/ca.pem";
  auto r = request_for(settings, "https://x/");
  CHECK(r.timeout == 5000ms);
  CHECK(r.connect_timeout == 5000ms);
  CHECK(r.tls_verify == TlsVerify::no);
  CHECK(r.ca_file == "/ca.pem");
  CHECK(r.method == HttpMethod::get);
  CHECK(r.idempotent());
}
