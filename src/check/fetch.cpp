// HTTP helpers shared by the check's sources: a GET through the response cache, URL pieces.
#include "check/fetch.hpp"

#include <cctype>

#include <fmt/format.h>

namespace tma::check::detail {

// GET through the cache: a fresh entry saves the request, a stale one is used when the fetch fails.
core::Result<std::string> cached_get(transport::HttpClient& http, ResponseCache* cache, const std::string& url,
                                     const inventory::HttpSettings& settings,
                                     const std::vector<std::pair<std::string, std::string>>& headers) {
  auto key = transport::url_for_display(url);
  std::optional<ResponseCache::Entry> entry;
  if (cache != nullptr) {
    entry = cache->get(key);
    if (entry && entry->fresh) return entry->body;
  }
  auto request = transport::request_for(settings, url);
  request.headers.insert(request.headers.end(), headers.begin(), headers.end());
  auto response = http.send(request);
  if (response && response->status == 200) {
    if (cache != nullptr) (void)cache->put(key, response->body);
    return std::move(response->body);
  }
  if (entry) return entry->body;
  if (!response) return tl::unexpected(response.error());
  return core::fail(core::ErrorKind::http, fmt::format("HTTP {} from {}", response->status, key));
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}


} // namespace tma::check::detail
