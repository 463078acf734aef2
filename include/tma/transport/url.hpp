#pragma once
// URLs parsed by libcurl's URL API (CURLU), not by hand: resolving a reference found in a page
// against the page's URL (RFC 3986, as curl follows a relative `Location`), and the host of a URL.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tma::transport {

/// `reference` (absolute, scheme-relative `//host/x`, root-relative `/x` or relative `x`, `../x`)
/// resolved against the absolute `base`, without its fragment. nullopt unless the result is an
/// http or https URL with a host: `javascript:`, `data:`, `file:`, `mailto:` and malformed
/// references are refused.
std::optional<std::string> resolve_url(std::string_view base, std::string_view reference);

/// The host of an http(s) URL in lower case (`www.acme.example`), without port or user; "" when
/// `url` is not one.
std::string url_host(std::string_view url);

/// `base` + `path` with `query` appended as `name=value` pairs, each URL-encoded by libcurl
/// (`>=2026-11-29T10:00:00Z` becomes `%3e%3d2026-11-29T10%3a00%3a00Z`). nullopt when `base` is not an
/// http(s) URL with a host or a value holds a control character.
std::optional<std::string> url_with_query(std::string_view base, std::string_view path,
                                          const std::vector<std::pair<std::string, std::string>>& query);

} // namespace tma::transport
