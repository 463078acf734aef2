#pragma once
// The assets a page makes a browser fetch, found by parsing its HTML with gumbo (the HTML5 parsing
// algorithm, so malformed pages are read as browsers read them). Pure: no I/O.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tma::perf {

enum class AssetKind { stylesheet, script, image, font, other };
std::string_view to_string(AssetKind kind);

struct AssetRef {
  std::string url;  ///< absolute http(s) URL, without fragment
  AssetKind kind = AssetKind::other;
};

struct PageAssets {
  std::string base;                              ///< what relative URLs were resolved against
  std::vector<AssetRef> assets;                  ///< in document order, each URL once
  std::vector<std::string> images_without_size;  ///< `<img>` lacking a width or a height attribute
  std::size_t refused = 0;                       ///< references that are not http(s) (data:, file:...) or malformed
  bool truncated = false;                        ///< nested deeper than k_max_nesting: read up to there
};

/// Elements open at once beyond which the rest of a page is not parsed (real pages stay under 100).
inline constexpr std::size_t k_max_nesting = 1000;

/// Where `html` first nests deeper than `max_depth` by a linear pre-scan (html.size() when it
/// does not): gumbo's parse time grows with the square of the depth, so this bounds it.
std::size_t nesting_limit(std::string_view html, std::size_t max_depth);

/// The candidate URLs of a `srcset` attribute (`a.png 1x, b.png 2x`, `c.jpg 480w`), unresolved.
std::vector<std::string> parse_srcset(std::string_view srcset);

/// Assets of `html` fetched from `page_url` (already absolute): `<link rel=stylesheet>`,
/// `<link rel=preload|modulepreload>` (kind from `as`), `<link rel=icon|apple-touch-icon>`,
/// `<script src>`, `<img src>` (else its first `srcset` candidate), `<source srcset>` of a
/// `<picture>` (first candidate), `<video poster>`. The first `<base href>` changes the base.
PageAssets extract_assets(std::string_view html, std::string_view page_url);

/// The `url(...)` references of a stylesheet (fonts of `@font-face`, background images, `@import
/// url(...)`), resolved against the stylesheet's URL; comments skipped, only http(s) kept. The kind
/// comes from the extension: woff, woff2, ttf, otf, eot are fonts, css a stylesheet, else an image.
std::vector<AssetRef> extract_css_urls(std::string_view css, std::string_view css_url);

} // namespace tma::perf
