#include <tma/perf/page.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include <tma/core/units.hpp>

namespace tma::perf {
namespace {

constexpr std::size_t k_listed_urls = 10;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// max-age=N or s-maxage=N with N > 0 among Cache-Control's comma-separated directives.
bool positive_max_age(const std::string& directives) {
  std::size_t i = 0;
  while (i <= directives.size()) {
    auto end = directives.find(',', i);
    if (end == std::string::npos) end = directives.size();
    std::string item = directives.substr(i, end - i);
    item.erase(std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }), item.end());
    for (std::string_view name : {"max-age=", "s-maxage="}) {
      if (item.rfind(name, 0) == 0) {
        auto value = std::string_view(item).substr(name.size());
        if (!value.empty() && value.front() == '"') value.remove_prefix(1);
        if (!value.empty() && value.back() == '"') value.remove_suffix(1);
        if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            value.find_first_not_of('0') != std::string_view::npos) {
          return true;
        }
      }
    }
    i = end + 1;
  }
  return false;
}

Finding finding(std::string rule, std::string message, std::vector<std::string> urls = {}) {
  Finding f{std::move(rule), std::move(message), {}, urls.size()};
  for (std::size_t i = 0; i < urls.size() && i < k_listed_urls; ++i) f.urls.push_back(std::move(urls[i]));
  return f;
}

bool is_image(const Resource& r) {
  return r.kind == AssetKind::image || r.content_type.rfind("image/", 0) == 0;
}

} // namespace

Weight weight(const PageResult& page) {
  Weight w;
  for (const auto& r : page.resources) {
    if (r.status == 0 && !r.error) continue; // never asked (a cap or the deadline came first)
    w.bytes += r.bytes;
    w.transfer_bytes += r.transfer_bytes;
    ++w.requests;
    if (r.third_party) ++w.third_party_requests;
  }
  return w;
}

std::vector<const Resource*> largest(const PageResult& page, std::size_t count) {
  std::vector<const Resource*> all;
  for (const auto& r : page.resources) {
    if (r.status != 0 || r.error) all.push_back(&r);
  }
  std::sort(all.begin(), all.end(), [](const Resource* a, const Resource* b) {
    if (a->transfer_bytes != b->transfer_bytes) return a->transfer_bytes > b->transfer_bytes;
    return a->url < b->url;
  });
  if (all.size() > count) all.resize(count);
  return all;
}

bool has_cache_lifetime(const Resource& resource) {
  auto directives = lower(resource.cache_control);
  if (directives.find("no-store") != std::string::npos || directives.find("no-cache") != std::string::npos) return false;
  if (positive_max_age(directives) || directives.find("immutable") != std::string::npos) return true;
  if (directives.find("max-age") != std::string::npos) return false; // max-age=0 overrides Expires
  if (resource.expires.empty()) return false;
  std::tm tm{};
  const char* end = ::strptime(resource.expires.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return end != nullptr && *end == '\0';
}

bool is_text(const Resource& resource) {
  const auto& type = resource.content_type;
  if (type.rfind("text/", 0) == 0) return true;
  for (std::string_view t : {"application/javascript", "application/x-javascript", "application/json",
                             "application/xml", "application/xhtml+xml", "image/svg+xml", "application/ld+json"}) {
    if (type == t) return true;
  }
  return type.empty() && (resource.is_page || resource.kind == AssetKind::stylesheet || resource.kind == AssetKind::script);
}

std::vector<Finding> evaluate(const PageResult& page, const inventory::PerfPolicy& policy) {
  std::vector<Finding> out;
  if (page.error) return out;
  if (page.timings.first_byte.count() > policy.ttfb_ms) {
    out.push_back(finding("ttfb", fmt::format("time to first byte {} (threshold {})", core::format_elapsed(page.timings.first_byte),
                                              core::format_elapsed(Milliseconds(policy.ttfb_ms)))));
  }
  if (static_cast<int>(page.redirects.size()) > policy.redirects) {
    std::vector<std::string> urls;
    for (const auto& hop : page.redirects) urls.push_back(hop.url);
    out.push_back(finding("redirects", fmt::format("{} redirects before the page (threshold {})", page.redirects.size(),
                                                   policy.redirects),
                          urls));
  }
  auto w = weight(page);
  if (w.transfer_bytes > policy.page_weight) {
    out.push_back(finding("page-weight", fmt::format("page weight {} (threshold {})", core::format_size(w.transfer_bytes),
                                                     core::format_size(policy.page_weight))));
  }
  if (static_cast<long long>(w.requests) > policy.requests) {
    out.push_back(finding("requests", fmt::format("{} requests (threshold {})", w.requests, policy.requests)));
  }
  std::vector<std::string> uncompressed, uncached, oversize, broken;
  for (const auto& r : page.resources) {
    if (r.error && !r.capped) {
      broken.push_back(r.url);
      continue;
    }
    if (r.status >= 400) broken.push_back(r.url);
    if (r.status < 200 || r.status >= 300) continue;
    if (is_text(r) && r.encoding.empty() && r.bytes > policy.uncompressed_text) uncompressed.push_back(r.url);
    if (!r.is_page && !has_cache_lifetime(r)) uncached.push_back(r.url);
    if (is_image(r)) {
      bool bitmap = r.content_type == "image/bmp" || r.content_type == "image/tiff" || r.content_type == "image/x-ms-bmp";
      if (bitmap || r.bytes > policy.image_bytes) oversize.push_back(r.url);
    }
  }
  if (!uncompressed.empty()) {
    out.push_back(finding("uncompressed",
                          fmt::format("{} text resource(s) over {} sent without compression", uncompressed.size(),
                                      core::format_size(policy.uncompressed_text)),
                          uncompressed));
  }
  if (!uncached.empty()) {
    out.push_back(finding("no-cache-lifetime",
                          fmt::format("{} static asset(s) without a cache lifetime (Cache-Control max-age or Expires)",
                                      uncached.size()),
                          uncached));
  }
  if (!page.images_without_size.empty()) {
    out.push_back(finding("image-dimensions",
                          fmt::format("{} image(s) without width and height attributes", page.images_without_size.size()),
                          page.images_without_size));
  }
  if (!oversize.empty()) {
    out.push_back(finding("oversize-image",
                          fmt::format("{} image(s) over {} or in BMP/TIFF", oversize.size(), core::format_size(policy.image_bytes)),
                          oversize));
  }
  if (!broken.empty()) {
    out.push_back(finding("broken-asset", fmt::format("{} asset(s) failed or answered 4xx/5xx", broken.size()), broken));
  }
  if (page.byte_cap_reached || page.assets_skipped > 0 || page.html_truncated) {
    out.push_back(finding("capped", fmt::format("measurement incomplete: {} asset(s) not fetched{}{}", page.assets_skipped,
                                                page.byte_cap_reached
                                                    ? fmt::format(", byte cap {} reached", core::format_size(policy.max_bytes))
                                                    : std::string(),
                                                page.html_truncated
                                                    ? fmt::format(", HTML read up to {} nested elements", k_max_nesting)
                                                    : std::string())));
  }
  return out;
}

} // namespace tma::perf
