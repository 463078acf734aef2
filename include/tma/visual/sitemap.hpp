// The pages `tma visual` captures besides `/` and `visual.paths`: a stable sample of the site's
// sitemap (`wp-sitemap.xml`, else `sitemap.xml`, sitemap indexes followed with caps).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::visual {

/// What one sitemap file holds: either page URLs (`<urlset>`) or child sitemaps (`<sitemapindex>`).
struct SitemapDocument {
  enum class Kind { none, urlset, index } kind = Kind::none;
  std::vector<std::string> locations; ///< each `<loc>`, entities decoded, trimmed
};

/// Parse a sitemap's XML (the small regular vocabulary of sitemaps.org: a scanner, no XML library);
/// `kind` none when it is neither a urlset nor an index.
SitemapDocument parse_sitemap(std::string_view xml);

/// The path (with its query) of `url` when it is an http(s) URL of the same scheme, host and port as
/// `site_url`; nullopt for another origin or a malformed URL.
std::optional<std::string> same_origin_path(std::string_view site_url, std::string_view url);

/// The paths tma captures: `/` then at most 512 of letters, digits and `-._~/%!$&()*+,;=:@?`
/// (no white space, control character, quote, backslash or fragment).
bool is_page_path(std::string_view path);

struct SitemapLimits {
  std::size_t max_bytes = 10 * 1024 * 1024; ///< one sitemap file (the protocol allows 50 MB; WordPress pages them by 2,000 URLs)
  int max_children = 20;                     ///< child sitemaps fetched, over all index levels
  int max_depth = 2;                         ///< index levels followed (index -> index -> urlset)
  std::size_t max_urls = 10'000;             ///< page paths kept
};

struct SitemapPaths {
  std::string source;              ///< the sitemap's URL; "" when the site has none
  std::vector<std::string> paths;  ///< same-origin page paths in document order, without duplicates
  std::vector<std::string> notes;  ///< what was skipped (caps, child errors)
};

/// Fetch the site's sitemap from `site_url` through `http` (GET `wp-sitemap.xml`, then `sitemap.xml`:
/// the first that answers 200 with a urlset or an index). No sitemap is no error (empty `source`);
/// errors are transport failures of the first request (unreachable, timeout).
core::Result<SitemapPaths> fetch_sitemap_paths(transport::HttpClient& http, const inventory::HttpSettings& settings,
                                               const std::string& site_url, const SitemapLimits& limits = {});

/// The same `count` paths each time for a site while its sitemap does not change: `paths` ordered by
/// a 64-bit FNV-1a hash of `site` + "\n" + path (ties by path), without `/` and `exclude`, the first
/// `count` kept. Not random: a new post enters the sample only when its hash places it in.
std::vector<std::string> sample_paths(const std::vector<std::string>& paths, std::string_view site, int count,
                                      const std::vector<std::string>& exclude);

} // namespace tma::visual
