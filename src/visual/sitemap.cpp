#include <tma/visual/sitemap.hpp>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <tma/core/text.hpp>
#include <tma/transport/url.hpp>

namespace tma::visual {
namespace {

// Where a tag named `name` opens (or, with `closing`, closes) at `pos` or later, with or without a
// namespace prefix (`<loc>`, `<sm:loc>`, `</sm:loc>`); npos when none. `after` is set past the name.
std::size_t find_tag(std::string_view xml, std::string_view name, bool closing, std::size_t pos, std::size_t& after) {
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    std::size_t start = pos + 1;
    if (closing != (start < xml.size() && xml[start] == '/')) {
      pos = start;
      continue;
    }
    if (closing) ++start;
    std::size_t end = start;
    while (end < xml.size() && xml[end] != '>' && xml[end] != ' ' && xml[end] != '/' && xml[end] != '\t' &&
           xml[end] != '\n' && xml[end] != '\r') {
      ++end;
    }
    auto tag = xml.substr(start, end - start);
    auto colon = tag.find(':');
    if (colon != std::string_view::npos) tag = tag.substr(colon + 1);
    if (tag == name) {
      after = end;
      return pos;
    }
    pos = start;
  }
  return std::string_view::npos;
}

std::string decode_entities(std::string_view text) {
  static const std::pair<std::string_view, char> k_entities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&#039;", '\''}, {"&#39;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool done = false;
    if (text[i] == '&') {
      for (auto [entity, c] : k_entities) {
        if (text.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size() - 1;
          done = true;
          break;
        }
      }
    }
    if (!done) out.push_back(text[i]);
  }
  return out;
}

// The text of a `<loc>`: CDATA unwrapped, entities decoded, trimmed.
std::string loc_text(std::string_view inner) {
  inner = core::trim(inner);
  constexpr std::string_view open = "<![CDATA[", close = "]]>";
  if (inner.substr(0, open.size()) == open && inner.size() >= open.size() + close.size() &&
      inner.substr(inner.size() - close.size()) == close) {
    return std::string(core::trim(inner.substr(open.size(), inner.size() - open.size() - close.size())));
  }
  return std::string(core::trim(decode_entities(inner)));
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

bool is_path_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~/%!$&()*+,;=:@?").find(c) != std::string_view::npos;
}

struct Fetched {
  std::optional<SitemapDocument> document; ///< nullopt: not a 200 with a sitemap
};

core::Result<Fetched> fetch_document(transport::HttpClient& http, const inventory::HttpSettings& settings,
                                     const std::string& url, const SitemapLimits& limits) {
  auto request = transport::request_for(settings, url);
  request.max_bytes = limits.max_bytes;
  auto response = http.send(request);
  if (!response) return tl::unexpected(response.error());
  Fetched fetched;
  if (response->status != 200) return fetched;
  auto document = parse_sitemap(response->body);
  if (document.kind != SitemapDocument::Kind::none) fetched.document = std::move(document);
  return fetched;
}

class Collector {
public:
  Collector(transport::HttpClient& http, const inventory::HttpSettings& settings, const std::string& site_url,
            const SitemapLimits& limits, SitemapPaths& out)
      : m_http(http), m_settings(settings), m_site_url(site_url), m_limits(limits), m_out(out) {}

  void take(const SitemapDocument& document, int depth) {
    if (document.kind == SitemapDocument::Kind::urlset) {
      for (const auto& location : document.locations) add_page(location);
      return;
    }
    if (depth >= m_limits.max_depth) {
      m_out.notes.push_back(fmt::format("sitemap index nested deeper than {} levels not followed", m_limits.max_depth));
      return;
    }
    for (const auto& location : document.locations) {
      auto path = same_origin_path(m_site_url, location);
      if (!path) {
        m_out.notes.push_back(fmt::format("child sitemap of another site skipped: {}", transport::url_for_display(location)));
        continue;
      }
      if (m_children >= m_limits.max_children) {
        m_out.notes.push_back(fmt::format("more than {} child sitemaps: the rest not read", m_limits.max_children));
        return;
      }
      ++m_children;
      auto url = *transport::resolve_url(m_site_url, *path);
      auto child = fetch_document(m_http, m_settings, url, m_limits);
      if (!child) {
        m_out.notes.push_back(fmt::format("child sitemap {}: {}", transport::url_for_display(url), child.error().message));
      } else if (!child->document) {
        m_out.notes.push_back(fmt::format("child sitemap {}: not a sitemap", transport::url_for_display(url)));
      } else {
        take(*child->document, depth + 1);
      }
    }
  }

private:
  void add_page(const std::string& location) {
    auto path = same_origin_path(m_site_url, location);
    if (!path || !is_page_path(*path) || m_seen.count(*path)) return;
    if (m_out.paths.size() >= m_limits.max_urls) {
      if (!m_capped) m_out.notes.push_back(fmt::format("more than {} pages in the sitemap: the rest not read", m_limits.max_urls));
      m_capped = true;
      return;
    }
    m_seen.insert(*path);
    m_out.paths.push_back(*path);
  }

  transport::HttpClient& m_http;
  const inventory::HttpSettings& m_settings;
  const std::string& m_site_url;
  const SitemapLimits& m_limits;
  SitemapPaths& m_out;
  std::set<std::string> m_seen;
  int m_children = 0;
  bool m_capped = false;
};

} // namespace

SitemapDocument parse_sitemap(std::string_view xml) {
  SitemapDocument document;
  std::size_t after = 0;
  auto urlset = find_tag(xml, "urlset", false, 0, after);
  auto index = find_tag(xml, "sitemapindex", false, 0, after);
  if (urlset == std::string_view::npos && index == std::string_view::npos) return document;
  document.kind = urlset < index ? SitemapDocument::Kind::urlset : SitemapDocument::Kind::index;
  std::size_t pos = 0;
  while ((pos = find_tag(xml, "loc", false, pos, after)) != std::string_view::npos) {
    auto tag_end = xml.find('>', after);
    if (tag_end == std::string_view::npos) break;
    std::size_t close_after = 0;
    auto closing = find_tag(xml, "loc", true, tag_end + 1, close_after);
    if (closing == std::string_view::npos) break;
    auto text = loc_text(xml.substr(tag_end + 1, closing - tag_end - 1));
    if (!text.empty()) document.locations.push_back(std::move(text));
    pos = closing + 1;
  }
  return document;
}

std::optional<std::string> same_origin_path(std::string_view site_url, std::string_view url) {
  auto origin = transport::resolve_url(site_url, "/");
  auto absolute = transport::resolve_url(site_url, url);
  if (!origin || !absolute) return std::nullopt;
  // Both end in the origin's `/`: `https://host:port/`.
  if (absolute->compare(0, origin->size(), *origin) != 0) return std::nullopt;
  return absolute->substr(origin->size() - 1);
}

bool is_page_path(std::string_view path) {
  return !path.empty() && path.front() == '/' && path.size() <= 512 && std::all_of(path.begin(), path.end(), is_path_char);
}

core::Result<SitemapPaths> fetch_sitemap_paths(transport::HttpClient& http, const inventory::HttpSettings& settings,
                                               const std::string& site_url, const SitemapLimits& limits) {
  SitemapPaths out;
  for (std::string_view name : {"/wp-sitemap.xml", "/sitemap.xml"}) {
    auto url = transport::resolve_url(site_url, name);
    if (!url) return core::fail(core::ErrorKind::config, fmt::format("'{}' is not an http(s) URL", site_url));
    auto fetched = fetch_document(http, settings, *url, limits);
    if (!fetched) return tl::unexpected(fetched.error());
    if (!fetched->document) continue;
    out.source = *url;
    Collector collector(http, settings, site_url, limits, out);
    collector.take(*fetched->document, 0);
    return out;
  }
  return out;
}

std::vector<std::string> sample_paths(const std::vector<std::string>& paths, std::string_view site, int count,
                                      const std::vector<std::string>& exclude) {
  std::vector<std::pair<std::uint64_t, std::string>> ranked;
  std::set<std::string> seen;
  for (const auto& path : paths) {
    if (path == "/" || std::find(exclude.begin(), exclude.end(), path) != exclude.end() || !seen.insert(path).second) continue;
    ranked.emplace_back(fnv1a(fmt::format("{}\n{}", site, path)), path);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> sample;
  for (const auto& [hash, path] : ranked) {
    if (static_cast<int>(sample.size()) >= count) break;
    sample.push_back(path);
  }
  return sample;
}

} // namespace tma::visual
