#include <tma/cms/wordpress_http.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <tma/version/version.hpp>
#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>

namespace tma::cms::wordpress_http {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_version_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }

// The version-looking text starting at `pos` (`6.1.9`, `6.2-RC1`), "" if it does not start with a digit.
std::string version_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos]))) {
    return "";
  }
  std::size_t end = pos;
  while (end < text.size() && is_version_char(text[end])) {
    ++end;
  }
  auto v = std::string(text.substr(pos, end - pos));
  while (!v.empty() && (v.back() == '.' || v.back() == '-')) {
    v.pop_back();
  }
  return v;
}

// x.y or x.y.z (+ optional pre-release): what WordPress writes; excludes asset hashes.
bool is_release_version(std::string_view v) {
  int dots = 0;
  std::size_t i = 0;
  for (; i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.'); ++i) {
    dots += v[i] == '.';
  }
  return dots >= 1 && dots <= 3 && v.front() != '.' && (i == v.size() || v[i] == '-');
}

// Value of attribute `name` inside one tag's text (lower-cased copy for lookup, original for value).
std::string attribute(std::string_view tag, std::string_view tag_lower, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = tag_lower.find(name, pos)) != std::string_view::npos) {
    std::size_t after = pos + name.size();
    bool boundary = pos == 0 || std::isspace(static_cast<unsigned char>(tag_lower[pos - 1]));
    while (after < tag.size() && tag[after] == ' ') {
      ++after;
    }
    if (boundary && after < tag.size() && tag[after] == '=') {
      ++after;
      while (after < tag.size() && tag[after] == ' ') {
        ++after;
      }
      if (after < tag.size() && (tag[after] == '"' || tag[after] == '\'')) {
        char quote = tag[after];
        auto end = tag.find(quote, after + 1);
        return std::string(tag.substr(after + 1, end == std::string_view::npos ? end : end - after - 1));
      }
      auto end = tag.find_first_of(" >", after);
      return std::string(tag.substr(after, end == std::string_view::npos ? end : end - after));
    }
    pos = after;
  }
  return "";
}

// Bundled third-party libraries under wp-includes carry their own version in ?ver=.
bool is_bundled_library(std::string_view url) {
  static const char* k_libs[] = {"/js/jquery/", "/tinymce/", "/mediaelement/", "/dist/vendor/", "/underscore",
                                 "/backbone",   "/imagesloaded", "/masonry",  "/hoverintent", "/clipboard",
                                 "/codemirror", "/twemoji",      "/swfobject", "/thickbox/",  "/plupload/"};
  auto l = lower(url);
  return std::any_of(std::begin(k_libs), std::end(k_libs), [&](const char* lib) { return l.find(lib) != std::string::npos; });
}

std::vector<std::string> slugs_under(std::string_view html, std::string_view folder) {
  std::set<std::string> slugs;
  for (std::string prefix : {std::string("/wp-content/") + std::string(folder) + "/",
                             std::string("\\/wp-content\\/") + std::string(folder) + "\\/"}) {
    std::size_t pos = 0;
    while ((pos = html.find(prefix, pos)) != std::string_view::npos) {
      pos += prefix.size();
      std::size_t end = pos;
      while (end < html.size() && (std::isalnum(static_cast<unsigned char>(html[end])) || html[end] == '-' ||
                                   html[end] == '_' || html[end] == '.')) {
        ++end;
      }
      bool closed = end < html.size() && (html[end] == '/' || html[end] == '\\');
      if (closed && end > pos && html.substr(pos, end - pos) != "." && html.substr(pos, end - pos) != "..") {
        slugs.insert(std::string(html.substr(pos, end - pos)));
      }
    }
  }
  return {slugs.begin(), slugs.end()};
}

} // namespace

std::vector<Evidence> core_evidence_from_page(std::string_view html) {
  std::vector<Evidence> found;
  auto low = lower(html);
  std::size_t pos = 0;
  while ((pos = low.find("<meta", pos)) != std::string::npos) {
    auto end = low.find('>', pos);
    if (end == std::string::npos) {
      break;
    }
    auto tag = html.substr(pos, end - pos + 1);
    auto tag_low = std::string_view(low).substr(pos, end - pos + 1);
    if (lower(attribute(tag, tag_low, "name")) == "generator") {
      auto content = attribute(tag, tag_low, "content");
      if (lower(content).rfind("wordpress ", 0) == 0) {
        auto v = version_at(content, 10);
        if (!v.empty()) {
          found.push_back({v, "http:generator-meta", Confidence::high, valid_utf8(tag)});
        }
      }
    }
    pos = end;
  }
  // ?ver= on core assets: count each version; the most frequent one is the core version.
  std::map<std::string, int> votes;
  std::map<std::string, std::string> example;
  pos = 0;
  while ((pos = low.find("ver=", pos)) != std::string::npos) {
    std::size_t value_pos = pos + 4;
    bool query = pos > 0 && (low[pos - 1] == '?' || low[pos - 1] == '&' || low[pos - 1] == ';');
    pos = value_pos;
    if (!query) {
      continue;
    }
    auto url_start = low.find_last_of("\"' (", pos - 5);
    auto url = std::string_view(html).substr(url_start == std::string::npos ? 0 : url_start + 1,
                                             value_pos - (url_start == std::string::npos ? 0 : url_start + 1));
    bool core_asset = url.find("/wp-includes/") != std::string_view::npos || url.find("/wp-admin/") != std::string_view::npos;
    auto v = version_at(html, value_pos);
    if (core_asset && !is_bundled_library(url) && is_release_version(v)) {
      votes[v]++;
      example.emplace(v, valid_utf8(url) + v);
    }
  }
  if (!votes.empty()) {
    auto best = std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; });
    found.push_back({best->first, "http:asset-ver", Confidence::medium,
                     std::to_string(best->second) + " core asset(s), e.g. " + example[best->first]});
  }
  return found;
}

std::optional<Evidence> core_evidence_from_feed(std::string_view xml) {
  for (std::string_view marker : {std::string_view("wordpress.org/?v=")}) {
    if (auto pos = xml.find(marker); pos != std::string_view::npos) {
      auto v = version_at(xml, pos + marker.size());
      if (!v.empty()) {
        return Evidence{v, "http:feed-generator", Confidence::high, std::string(marker) + v};
      }
    }
  }
  auto low = lower(xml);
  if (auto pos = low.find("<generator"); pos != std::string::npos) {
    auto end = low.find('>', pos);
    auto tag = xml.substr(pos, end == std::string::npos ? std::string_view::npos : end - pos + 1);
    auto v = attribute(tag, std::string_view(low).substr(pos, tag.size()), "version");
    if (!v.empty() && std::isdigit(static_cast<unsigned char>(v.front())) &&
        low.find("wordpress", pos) != std::string::npos) {
      return Evidence{v, "http:feed-generator", Confidence::high, valid_utf8(tag)};
    }
  }
  return std::nullopt;
}

std::optional<Evidence> core_evidence_from_readme_html(std::string_view html) {
  auto low = lower(html);
  auto h1 = low.find("<h1");
  auto h1_end = low.find("</h1>", h1 == std::string::npos ? 0 : h1);
  if (h1 == std::string::npos || h1_end == std::string::npos) {
    return std::nullopt;
  }
  auto pos = low.find("version ", h1);
  if (pos == std::string::npos || pos > h1_end) {
    return std::nullopt;
  }
  auto v = version_at(html, pos + 8);
  if (v.empty()) {
    return std::nullopt;
  }
  return Evidence{v, "http:readme-html", Confidence::low, "readme.html heading \"Version " + v + "\""};
}

Component core_from_evidence(const std::vector<Evidence>& evidence) {
  Component c;
  c.kind = ComponentKind::core;
  c.name = "wordpress";
  c.title = "WordPress";
  c.update = UpdateState::unknown;
  if (evidence.empty()) {
    c.confidence = Confidence::low;
    c.source = "http";
    c.note = "version not found over HTTP";
    return c;
  }
  // Confidence enum is ordered certain < high < medium < low: the smallest value is the best clue.
  auto best = std::min_element(evidence.begin(), evidence.end(),
                               [](const Evidence& a, const Evidence& b) { return a.confidence < b.confidence; });
  c.installed = best->version;
  c.source = best->source;
  c.confidence = best->confidence;
  std::vector<std::string> details;
  std::vector<std::string> disagree;
  int agreeing = 0;
  for (const auto& e : evidence) {
    details.push_back(e.source + ": " + e.version);
    if (e.version == best->version) {
      ++agreeing;
    } else {
      disagree.push_back(e.source + " says " + e.version);
    }
  }
  if (agreeing >= 2 && c.confidence == Confidence::medium) {
    c.confidence = Confidence::high;
  }
  c.evidence = core::join(details, "; ");
  if (!disagree.empty()) {
    c.note = "conflicting clues: " + core::join(disagree, ", ");
  }
  return c;
}

std::vector<std::string> plugin_slugs_in_page(std::string_view html) { return slugs_under(html, "plugins"); }

std::vector<std::string> theme_slugs_in_page(std::string_view html) { return slugs_under(html, "themes"); }

} // namespace tma::cms::wordpress_http
