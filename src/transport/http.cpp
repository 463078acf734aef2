#include <tma/transport/http.hpp>

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include <tma/core/log.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/version.hpp>

#include "transport/curl_handle.hpp"

namespace tma::transport {
namespace detail {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    // With CURLOPT_NOSIGNAL a peer closing the socket must give EPIPE, not kill tma.
    ::signal(SIGPIPE, SIG_IGN);
  });
}

} // namespace detail

namespace {

using Clock = std::chrono::system_clock;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// State shared with libcurl's callbacks during one attempt.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  std::size_t received = 0;
  std::size_t header_bytes = 0; ///< of every response of the attempt (redirects, 100-continue)
  bool over_cap = false;
  bool over_header_cap = false;
  bool sink_refused = false;
};

extern "C" size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  auto n = size * count;
  // CURLOPT_MAXFILESIZE is not enough against an endless body: count bytes ourselves.
  if (t->received + n > t->request->max_bytes) {
    t->over_cap = true;
    return 0;
  }
  t->received += n;
  if (t->request->on_body) {
    if (!t->request->on_body(std::string_view(data, n))) {
      t->sink_refused = true;
      return 0;
    }
  } else {
    t->response->body.append(data, n);
  }
  return n;
}

extern "C" size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  // Headers have their own limit, so a hostile server's megabyte of headers is reported as what it
  // is, not as an oversized body.
  t->header_bytes += line.size();
  if (t->header_bytes > k_max_header_bytes) {
    t->over_header_cap = true;
    return 0;
  }
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear(); // a new response (after a redirect or 100-continue)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                      std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

extern "C" int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return core::interrupted() ? 1 : 0; // abort the transfer on Ctrl-C
}

Milliseconds micro(CURL* curl, CURLINFO info) {
  curl_off_t value = 0;
  curl_easy_getinfo(curl, info, &value);
  return Milliseconds(value / 1000);
}

std::optional<PeerCertificate> read_certificate(CURL* curl) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1) {
    return std::nullopt;
  }
  PeerCertificate cert;
  for (auto* item = info->certinfo[0]; item; item = item->next) {
    std::string_view field(item->data);
    auto colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = field.substr(0, colon);
    auto value = field.substr(colon + 1);
    if (key == "Expire date") cert.expires = parse_certificate_date(value);
    else if (key == "Issuer") cert.issuer = std::string(trim(value));
    else if (key == "Subject") cert.subject = std::string(trim(value));
  }
  return cert;
}

std::string http_version_name(long version) {
  switch (version) {
  case CURL_HTTP_VERSION_1_0: return "1.0";
  case CURL_HTTP_VERSION_1_1: return "1.1";
  case CURL_HTTP_VERSION_2_0: return "2";
  case CURL_HTTP_VERSION_3: return "3";
  default: return "";
  }
}

struct AttemptError {
  core::Error error;
  bool retryable = false;
};

// One attempt; a response with any status, or an error saying whether a retry makes sense.
tl::expected<HttpResponse, AttemptError> attempt(const HttpRequest& request) {
  HttpResponse response;
  detail::CurlEasy curl(curl_easy_init());
  auto fail = [&](core::ErrorKind kind, std::string message, bool retryable = false) {
    return tl::unexpected(AttemptError{core::Error{kind, std::move(message)}, retryable});
  };
  if (!curl) return fail(core::ErrorKind::internal, "curl_easy_init failed");
  auto* h = curl.get();
  Transfer transfer{&request, &response};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  auto what = fmt::format("{} {}", to_string(request.method), url_for_display(request.url));

  detail::CurlSlist headers;
  for (const auto& [name, value] : request.headers) {
    // libcurl sends headers as-is: CR/LF would inject headers of the caller's choosing.
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
      return fail(core::ErrorKind::config, fmt::format("{}: header '{}' contains a line break", what, name));
    }
    headers.append(name + ": " + value);
  }

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_USERAGENT, fmt::format("tma/{}", core::version()).c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, request.low_speed_limit);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.low_speed_time.count()));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(request.max_redirects));
  curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); // whatever libcurl can decode
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  if (headers.get()) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  if (request.tls_verify == TlsVerify::no) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (request.ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file->c_str());
  if (request.basic_auth) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(h, CURLOPT_USERNAME, request.basic_auth->first.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.basic_auth->second.c_str());
    // Credentials go to the host named, never to where a redirect points.
    curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
  }
  switch (request.method) {
  case HttpMethod::get:
    break;
  case HttpMethod::head:
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    break;
  case HttpMethod::post:
  case HttpMethod::put:
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method == HttpMethod::put) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    break;
  }

  CURLcode rc = curl_easy_perform(h);
  response.timings.dns = micro(h, CURLINFO_NAMELOOKUP_TIME_T);
  response.timings.connect = micro(h, CURLINFO_CONNECT_TIME_T);
  response.timings.tls = micro(h, CURLINFO_APPCONNECT_TIME_T);
  response.timings.first_byte = micro(h, CURLINFO_STARTTRANSFER_TIME_T);
  response.timings.total = micro(h, CURLINFO_TOTAL_TIME_T);
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    if (transfer.over_header_cap) {
      return fail(core::ErrorKind::http, fmt::format("{}: response headers larger than {} bytes", what, k_max_header_bytes));
    }
    if (rc == CURLE_OUT_OF_MEMORY || (rc == CURLE_RECV_ERROR && detail.find("header") != std::string::npos)) {
      // curl 7.88 refuses one header line over 100 KiB with "out of memory", before our callback
      // sees it: say which limit was hit.
      return fail(core::ErrorKind::http,
                  fmt::format("{}: a response header larger than curl accepts (100 KiB a line): {}", what, detail));
    }
    if (transfer.over_cap) {
      return fail(core::ErrorKind::http, fmt::format("{}: response larger than {} bytes", what, request.max_bytes));
    }
    if (transfer.sink_refused) return fail(core::ErrorKind::http, fmt::format("{}: body refused by the receiver", what));
    switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
      return fail(core::ErrorKind::interrupted, fmt::format("{}: interrupted", what));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return fail(core::ErrorKind::unreachable, fmt::format("{}: {}", what, detail));
    case CURLE_OPERATION_TIMEDOUT:
      return fail(core::ErrorKind::timeout, fmt::format("{}: {}", what, detail), true);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return fail(core::ErrorKind::http, fmt::format("{}: TLS: {}", what, detail));
    default:
      return fail(core::ErrorKind::http, fmt::format("{}: {}", what, detail));
    }
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &response.redirects);
  long version = 0;
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  response.http_version = http_version_name(version);
  curl_off_t downloaded = 0;
  curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
  response.transfer_bytes = downloaded > 0 ? static_cast<std::uint64_t>(downloaded) : 0;
  response.body_bytes = transfer.received;
  char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective) response.effective_url = effective;
  if (response.effective_url.rfind("https:", 0) == 0) response.certificate = read_certificate(h);
  return response;
}

double random_unit() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

} // namespace

std::string_view to_string(HttpMethod method) {
  switch (method) {
  case HttpMethod::get: return "GET";
  case HttpMethod::head: return "HEAD";
  case HttpMethod::post: return "POST";
  case HttpMethod::put: return "PUT";
  }
  return "GET";
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<long> HttpResponse::tls_days_left(Clock::time_point now) const {
  if (!certificate || !certificate->expires) return std::nullopt;
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*certificate->expires - now).count();
  return static_cast<long>(std::floor(static_cast<double>(seconds) / 86400.0));
}

CurlHttpClient::CurlHttpClient() { detail::ensure_curl_global_init(); }

core::Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  detail::ensure_curl_global_init();
  std::vector<std::string> warnings;
  if (request.tls_verify == TlsVerify::no && request.url.rfind("https:", 0) == 0) {
    auto warning = fmt::format("TLS verification disabled for {} (tls_verify: false)", url_for_display(request.url));
    core::log::warning("{}", warning);
    warnings.push_back(std::move(warning));
  }
  int max_attempts = request.idempotent() ? std::max(1, request.max_attempts) : 1;
  for (int number = 1;; ++number) {
    auto result = attempt(request);
    std::optional<Milliseconds> wait;
    bool retry = false;
    if (result) {
      retry = is_retryable_status(result->status);
      if (auto after = result->header("Retry-After")) wait = parse_retry_after(*after, Clock::now());
    } else {
      retry = result.error().retryable;
    }
    if (!retry || number >= max_attempts) {
      if (!result) return tl::unexpected(result.error().error);
      result->attempts = number;
      result->warnings = std::move(warnings);
      return std::move(*result);
    }
    auto delay = backoff_delay(number, request.retry_base_delay, request.retry_max_delay, random_unit());
    if (wait) {
      if (*wait > request.retry_max_delay) {
        // The server asks for longer than we are willing to wait: answer with what we have.
        if (!result) return tl::unexpected(result.error().error);
        result->attempts = number;
        result->warnings = std::move(warnings);
        return std::move(*result);
      }
      delay = std::max(delay, *wait);
    }
    core::log::info("{} {}: retry {} in {} ms", to_string(request.method), url_for_display(request.url), number,
                    delay.count());
    if (!core::sleep_unless_interrupted(delay)) {
      return core::fail(core::ErrorKind::interrupted,
                        fmt::format("{} {}: interrupted", to_string(request.method), url_for_display(request.url)));
    }
  }
}

HttpRequest request_for(const inventory::HttpSettings& settings, std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  request.timeout = std::chrono::duration_cast<Milliseconds>(settings.timeout);
  request.connect_timeout = std::min(request.connect_timeout, request.timeout);
  request.tls_verify = settings.tls_verify ? TlsVerify::yes : TlsVerify::no;
  request.ca_file = settings.ca_file;
  return request;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::optional<Milliseconds> parse_retry_after(std::string_view value, Clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::nullopt;
    return Milliseconds(std::stol(std::string(value)) * 1000);
  }
  // HTTP-date (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
  std::tm tm{};
  std::string text(value);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  auto when = Clock::from_time_t(::timegm(&tm));
  if (when <= now) return Milliseconds(0);
  return std::chrono::duration_cast<Milliseconds>(when - now);
}

Milliseconds backoff_delay(int attempt, Milliseconds base, Milliseconds max, double jitter) {
  double exponential = static_cast<double>(base.count()) * std::pow(2.0, std::max(0, attempt - 1));
  double capped = std::min(exponential, static_cast<double>(max.count()));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return Milliseconds(static_cast<long long>(capped / 2.0 + capped / 2.0 * jitter));
}

std::optional<Clock::time_point> parse_certificate_date(std::string_view text) {
  std::string value(trim(text));
  std::tm tm{};
  const char* end = ::strptime(value.c_str(), "%b %d %H:%M:%S %Y GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return Clock::from_time_t(::timegm(&tm));
}

std::string url_for_display(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto authority_end = url.find_first_of("/?#", scheme + 3);
  auto authority = url.substr(scheme + 3, authority_end == std::string_view::npos ? std::string_view::npos
                                                                                  : authority_end - scheme - 3);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, scheme + 3)) + "***@" + std::string(url.substr(scheme + 3 + at + 1));
}

} // namespace tma::transport
