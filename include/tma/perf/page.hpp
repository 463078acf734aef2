#pragma once
// What `tma perf` measured on one page, and the findings its thresholds give (docs/perf.md). Pure.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/perf/html.hpp>

namespace tma::perf {

using Milliseconds = std::chrono::milliseconds;

struct Timings {
  Milliseconds dns{0}, connect{0}, tls{0}, first_byte{0}, total{0};
};

/// One redirect of the page: the URL asked, its status and where it sent us.
struct Hop {
  std::string url;
  long status = 0;
  std::string location;
};

/// One response: the page itself (kind `other`, `is_page`) or an asset.
struct Resource {
  std::string url;
  AssetKind kind = AssetKind::other;
  bool is_page = false;
  bool third_party = false;            ///< host differs from the page's
  long status = 0;                     ///< 0 when not fetched or failed
  std::string content_type;            ///< without parameters, lower case
  std::string encoding;                ///< Content-Encoding (`gzip`, `br`, `zstd`), "" for none
  std::uint64_t bytes = 0;             ///< decoded body bytes
  std::uint64_t transfer_bytes = 0;    ///< body bytes on the wire
  std::string cache_control, etag, expires, last_modified;
  std::string http_version;
  std::optional<std::string> error;    ///< transport failure, or "byte cap reached"
  bool capped = false;                 ///< stopped by the page's byte cap
};

struct Finding {
  std::string rule;                    ///< ttfb, page-weight, requests, uncompressed, no-cache-lifetime, redirects,
                                       ///< image-dimensions, oversize-image, broken-asset, capped
  std::string message;
  std::vector<std::string> urls;       ///< the resources concerned (at most 10 listed)
  std::size_t count = 0;               ///< how many resources (urls.size() or more)
};

/// How a page's figures compare with the median of its recorded measurements (`--compare`).
struct Trend {
  std::size_t samples = 0;             ///< recorded measurements of the period
  std::int64_t ttfb_ms = 0, total_ms = 0, bytes = 0, requests = 0;             ///< their medians
  std::int64_t ttfb_delta = 0, total_delta = 0, bytes_delta = 0, requests_delta = 0; ///< this run minus the median
  std::vector<std::string> regressed;  ///< metrics beyond the regression ratio: ttfb, total, bytes, requests
};

struct PageResult {
  std::string url;                     ///< asked
  std::string path;                    ///< the site's path it stands for (`/`, a `perf.paths` entry): the trend key
  std::string final_url;               ///< after redirects
  std::vector<Hop> redirects;
  std::optional<core::Error> error;    ///< the page itself could not be fetched
  long status = 0;
  std::string http_version;
  Timings timings;                     ///< of the final response
  std::vector<Resource> resources;     ///< the page first, then its assets in document order
  std::vector<std::string> images_without_size;
  std::size_t assets_found = 0;        ///< assets the HTML references (before the asset cap)
  std::size_t assets_skipped = 0;      ///< not fetched: asset cap, byte cap or page deadline
  bool byte_cap_reached = false;
  bool html_truncated = false;         ///< nested deeper than k_max_nesting: the rest was not read
  std::vector<Finding> findings;
  std::optional<Trend> trend;          ///< with `--compare` and at least one recorded measurement
};

/// Totals of a page: every request made (answered, failed or cut by the byte cap), the page included.
struct Weight {
  std::uint64_t bytes = 0, transfer_bytes = 0;
  std::size_t requests = 0, third_party_requests = 0;
};
Weight weight(const PageResult& page);

/// The `count` largest resources by transfer bytes (ties by URL).
std::vector<const Resource*> largest(const PageResult& page, std::size_t count = 5);

/// Whether a response says how long it may be cached: `Cache-Control` max-age / s-maxage > 0 or
/// `immutable`, else a parseable `Expires` (any date: checking it against now would make the
/// finding depend on the clock); `no-store`/`no-cache` count as no lifetime.
bool has_cache_lifetime(const Resource& resource);

/// HTML, CSS, JS, JSON, SVG and XML: the types compression is for.
bool is_text(const Resource& resource);

/// The findings of `page` under `policy`'s thresholds (docs/perf.md "Findings").
std::vector<Finding> evaluate(const PageResult& page, const inventory::PerfPolicy& policy);

} // namespace tma::perf
