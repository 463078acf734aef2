#pragma once
// The HTTP client: bounded (connect/total/low-speed timeouts, byte cap, redirect limit), verified
// (TLS always on unless an environment says `tls_verify: false`), observable (timings, peer
// certificate expiry and issuer) and polite about retries (idempotent requests only, on timeouts,
// 408, 429, 500, 502, 503, 504, exponential backoff with jitter, Retry-After honoured).
// Concurrency: one easy handle per request on the calling worker thread (docs/transport.md).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/process.hpp>

namespace tma::transport {

enum class HttpMethod { get, head, post, put };
enum class TlsVerify { yes, no };

std::string_view to_string(HttpMethod method);

/// The most header bytes tma reads from one request (every response of it, redirects included);
/// beyond this the request fails with "response headers larger than ...". curl itself refuses a
/// single header line over 100 KiB.
inline constexpr std::size_t k_max_header_bytes = 256 * 1024;

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers; ///< CR/LF in names or values is refused
  std::string body;                                         ///< POST/PUT payload
  Milliseconds connect_timeout{10'000};
  Milliseconds timeout{30'000};           ///< per attempt, whole transfer
  long low_speed_limit = 1024;            ///< bytes/s; abort when slower for `low_speed_time`
  std::chrono::seconds low_speed_time{20};
  std::size_t max_bytes = 8 * 1024 * 1024; ///< the body is refused beyond this (error, not truncation)
  int max_redirects = 5;                  ///< 0: do not follow redirects
  TlsVerify tls_verify = TlsVerify::yes;
  std::optional<std::string> ca_file;     ///< extra trust anchor (PEM) for this endpoint
  int max_attempts = 3;                   ///< for idempotent requests; POST is never retried
  Milliseconds retry_base_delay{1000};    ///< first backoff; doubles each attempt
  Milliseconds retry_max_delay{30'000};   ///< cap of one wait; a longer Retry-After stops retrying
  OutputSink on_body;                     ///< optional: stream the body instead of collecting it
  /// HTTP Basic credentials (user, password), encoded by libcurl; the password should be a
  /// registered secret, so that no message quotes it.
  std::optional<std::pair<std::string, std::string>> basic_auth;
  /// A POST that only reads (a search, a bulk fetch by ids) may be repeated like a GET.
  bool read_only_post = false;
  /// GET, HEAD and PUT may be repeated safely; POST may not, unless it only reads.
  bool idempotent() const { return method != HttpMethod::post || read_only_post; }
};

/// Cumulative times since the start of the (last) attempt, as libcurl reports them.
struct HttpTimings {
  Milliseconds dns{0};
  Milliseconds connect{0};
  Milliseconds tls{0};        ///< 0 for plain HTTP
  Milliseconds first_byte{0};
  Milliseconds total{0};
};

struct PeerCertificate {
  std::optional<std::chrono::system_clock::time_point> expires;
  std::string issuer;
  std::string subject;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers; ///< of the final response
  std::string body;            ///< empty when streamed to `on_body`
  std::string effective_url;   ///< after redirects
  long redirects = 0;
  int attempts = 1;
  HttpTimings timings;
  std::string http_version;      ///< of the final response: `1.0`, `1.1`, `2`, `3` ("" when unknown)
  std::uint64_t transfer_bytes = 0; ///< body bytes on the wire, before Content-Encoding is decoded
  std::uint64_t body_bytes = 0;     ///< body bytes after decoding (also counted when streamed)
  std::optional<PeerCertificate> certificate; ///< HTTPS only
  std::vector<std::string> warnings;          ///< e.g. TLS verification disabled
  /// First header named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  /// Whole days until the certificate expires (negative once expired), when known.
  std::optional<long> tls_days_left(std::chrono::system_clock::time_point now) const;
};

/// Sends HTTP requests; the interface lets later code use a fake.
class HttpClient {
public:
  virtual ~HttpClient() = default;
  HttpClient() = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  /// Send `request`, retrying as described above. Any HTTP status is a response (a 404 is not an
  /// error here); errors are transport failures: kinds unreachable (DNS, connect), timeout, http
  /// (TLS, byte cap, too many redirects, protocol), interrupted, config (bad header).
  virtual core::Result<HttpResponse> send(const HttpRequest& request) = 0;
};

/// The libcurl implementation. Thread-safe: each call uses its own easy handle.
class CurlHttpClient final : public HttpClient {
public:
  CurlHttpClient(); ///< runs curl_global_init once per process
  core::Result<HttpResponse> send(const HttpRequest& request) override;
};

/// A GET of `url` with an environment's settings (`timeout`, `tls_verify`, `ca_file`).
HttpRequest request_for(const inventory::HttpSettings& settings, std::string url);

// Pure helpers, unit-tested.

/// Whether a response status is worth retrying: 408, 429, 500, 502, 503, 504.
bool is_retryable_status(long status);

/// `Retry-After` as a wait: delta-seconds or an HTTP date relative to `now`; nullopt when unparsable.
std::optional<Milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

/// Backoff before retry number `attempt` (1 for the first retry): `base * 2^(attempt-1)` capped at
/// `max`, with "equal jitter": half fixed, half scaled by `jitter` in [0, 1].
Milliseconds backoff_delay(int attempt, Milliseconds base, Milliseconds max, double jitter);

/// OpenSSL's certificate date (`Dec  4 10:11:12 2026 GMT`) as a time point.
std::optional<std::chrono::system_clock::time_point> parse_certificate_date(std::string_view text);

/// `url` with any `user:password@` replaced by `***@`, for messages.
std::string url_for_display(std::string_view url);

} // namespace tma::transport
