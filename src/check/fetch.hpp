#pragma once
// Private to check/: a GET through the response cache and URL pieces, shared by run_check.cpp (the
// WordPress.org fingerprints) and anticipate.cpp (end-of-life data, the plugin directory).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tma/check/cache.hpp>
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::check::detail {

/// GET `url` through `cache` (may be null): a fresh entry saves the request, a stale one is used when
/// the fetch fails; anything but 200 is an error. `headers` are added to the request.
core::Result<std::string> cached_get(transport::HttpClient& http, ResponseCache* cache, const std::string& url,
                                     const inventory::HttpSettings& settings,
                                     const std::vector<std::pair<std::string, std::string>>& headers = {});

/// Percent-encoding of everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

/// `url` without trailing slashes.
std::string base_url(std::string url);

} // namespace tma::check::detail
