#include <tma/transport/url.hpp>

#include <algorithm>
#include <cctype>
#include <memory>

#include <curl/curl.h>

#include "transport/curl_handle.hpp"

namespace tma::transport {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};
using CurlText = std::unique_ptr<char, CurlFree>;

std::optional<std::string> part(CURLU* url, CURLUPart which) {
  char* raw = nullptr;
  if (curl_url_get(url, which, &raw, 0) != CURLUE_OK || !raw) return std::nullopt;
  CurlText text(raw);
  return std::string(text.get());
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// An http(s) URL with a host, parsed into `handle`; false otherwise.
bool http_with_host(CURLU* handle) {
  auto scheme = part(handle, CURLUPART_SCHEME);
  if (!scheme || (*scheme != "http" && *scheme != "https")) return false;
  auto host = part(handle, CURLUPART_HOST);
  return host && !host->empty();
}

} // namespace

std::optional<std::string> resolve_url(std::string_view base, std::string_view reference) {
  // HTML allows spaces around an attribute's URL; inside, they are not ours to repair.
  while (!reference.empty() && std::isspace(static_cast<unsigned char>(reference.front()))) reference.remove_prefix(1);
  while (!reference.empty() && std::isspace(static_cast<unsigned char>(reference.back()))) reference.remove_suffix(1);
  if (reference.empty() || has_control(reference) || has_control(base) || reference.size() > 8192) return std::nullopt;
  detail::ensure_curl_global_init();
  CurlUrl handle(curl_url());
  if (!handle) return std::nullopt;
  std::string base_text(base);
  if (curl_url_set(handle.get(), CURLUPART_URL, base_text.c_str(), 0) != CURLUE_OK) return std::nullopt;
  if (!http_with_host(handle.get())) return std::nullopt;
  // With a base already set, curl resolves a relative reference against it (RFC 3986 section 5).
  std::string reference_text(reference);
  if (curl_url_set(handle.get(), CURLUPART_URL, reference_text.c_str(), CURLU_URLENCODE) != CURLUE_OK) {
    return std::nullopt;
  }
  if (!http_with_host(handle.get())) return std::nullopt;
  curl_url_set(handle.get(), CURLUPART_FRAGMENT, nullptr, 0);
  return part(handle.get(), CURLUPART_URL);
}

std::string url_host(std::string_view url) {
  if (has_control(url)) return "";
  detail::ensure_curl_global_init();
  CurlUrl handle(curl_url());
  if (!handle) return "";
  std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK || !http_with_host(handle.get())) return "";
  auto host = part(handle.get(), CURLUPART_HOST);
  std::string lower = host ? *host : "";
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

std::optional<std::string> url_with_query(std::string_view base, std::string_view path,
                                          const std::vector<std::pair<std::string, std::string>>& query) {
  if (has_control(base) || has_control(path)) return std::nullopt;
  detail::ensure_curl_global_init();
  CurlUrl handle(curl_url());
  if (!handle) return std::nullopt;
  std::string url(base);
  url += path;
  if (curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  if (!http_with_host(handle.get())) return std::nullopt;
  for (const auto& [name, value] : query) {
    if (has_control(name) || has_control(value)) return std::nullopt;
    // URLENCODE encodes the value after the first '=' only, so the pair stays `name=value`.
    auto pair = name + "=" + value;
    if (curl_url_set(handle.get(), CURLUPART_QUERY, pair.c_str(), CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK) {
      return std::nullopt;
    }
  }
  return part(handle.get(), CURLUPART_URL);
}

} // namespace tma::transport
