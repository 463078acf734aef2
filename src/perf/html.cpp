#include <tma/perf/html.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <initializer_list>
#include <set>

#include <gumbo.h>

#include <tma/transport/url.hpp>

namespace tma::perf {
namespace {

// gumbo's output owns the whole tree; one deleter frees it.
struct GumboOutputDeleter {
  void operator()(GumboOutput* output) const { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};
using GumboTree = std::unique_ptr<GumboOutput, GumboOutputDeleter>;

const char* attribute(const GumboElement& element, const char* name) {
  const GumboAttribute* found = gumbo_get_attribute(&element.attributes, name);
  return found ? found->value : nullptr;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// `rel` is a space-separated list of tokens, compared case-insensitively.
bool has_token(const char* list, std::string_view token) {
  if (!list) return false;
  auto text = lower(list);
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    auto start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (text.compare(start, i - start, token) == 0 && i > start) return true;
  }
  return false;
}

AssetKind kind_of_preload(const char* as) {
  auto value = lower(as ? as : "");
  if (value == "style") return AssetKind::stylesheet;
  if (value == "script") return AssetKind::script;
  if (value == "image") return AssetKind::image;
  if (value == "font") return AssetKind::font;
  return AssetKind::other;
}

struct Collector {
  PageAssets out;
  std::set<std::string> seen;

  void add(const char* reference, AssetKind kind) {
    if (!reference) return;
    auto url = transport::resolve_url(out.base, reference);
    if (!url) {
      if (std::string_view(reference).find_first_not_of(" \t\r\n") != std::string_view::npos) ++out.refused;
      return;
    }
    if (seen.insert(*url).second) out.assets.push_back({std::move(*url), kind});
  }

  static std::string first_candidate(const char* srcset) {
    if (!srcset) return "";
    auto candidates = parse_srcset(srcset);
    return candidates.empty() ? "" : candidates.front();
  }

  void add_first_candidate(const char* srcset, AssetKind kind) {
    auto url = first_candidate(srcset);
    if (!url.empty()) add(url.c_str(), kind);
  }

  void element(const GumboElement& e) {
    switch (e.tag) {
    case GUMBO_TAG_LINK: {
      const char* rel = attribute(e, "rel");
      const char* href = attribute(e, "href");
      if (has_token(rel, "stylesheet")) add(href, AssetKind::stylesheet);
      else if (has_token(rel, "preload")) add(href, kind_of_preload(attribute(e, "as")));
      else if (has_token(rel, "modulepreload")) add(href, AssetKind::script);
      else if (has_token(rel, "icon") || has_token(rel, "apple-touch-icon")) add(href, AssetKind::image);
      break;
    }
    case GUMBO_TAG_SCRIPT: add(attribute(e, "src"), AssetKind::script); break;
    case GUMBO_TAG_IMG: {
      // A browser fetches `src`, else one `srcset` candidate: tma takes the first.
      const char* src = attribute(e, "src");
      std::string shown = src && std::string_view(src).find_first_not_of(" \t\r\n") != std::string_view::npos
                              ? std::string(src)
                              : first_candidate(attribute(e, "srcset"));
      if (!shown.empty()) add(shown.c_str(), AssetKind::image);
      if (!attribute(e, "width") || !attribute(e, "height")) {
        auto url = shown.empty() ? std::nullopt : transport::resolve_url(out.base, shown);
        out.images_without_size.push_back(url ? *url : std::string("(no src)"));
      }
      break;
    }
    case GUMBO_TAG_SOURCE:
      // `srcset` on a `<source>` belongs to a `<picture>` (gumbo 0.10 predates that tag; the
      // `<source>` of `<video>`/`<audio>` uses `src`, which is left out).
      add_first_candidate(attribute(e, "srcset"), AssetKind::image);
      break;
    case GUMBO_TAG_VIDEO: add(attribute(e, "poster"), AssetKind::image); break;
    default: break;
    }
  }
};

// The first `<base href>` of the document, resolved against the page's URL.
void find_base(const GumboNode* root, PageAssets& out) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const auto& e = node->v.element;
    if (e.tag == GUMBO_TAG_BASE) {
      if (const char* href = attribute(e, "href")) {
        if (auto url = transport::resolve_url(out.base, href)) out.base = *url;
        return;
      }
    }
    for (unsigned i = e.children.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(e.children.data[i - 1]));
  }
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

std::size_t nesting_limit(std::string_view html, std::size_t max_depth) {
  // A rough tokenizer: tags outside comments and raw text, a stack of open elements without the
  // void ones and those whose end tag is optional (p, li, td... close themselves). An end tag pops
  // to the same name within the top 32 entries, else is ignored: misnested markup can only make
  // the estimate deeper than gumbo's tree, never shallower, and each tag costs O(1).
  auto text = lower(html);
  std::vector<std::string> stack;
  std::size_t i = 0;
  while ((i = text.find('<', i)) != std::string::npos) {
    if (text.compare(i, 4, "<!--") == 0) {
      auto end = text.find("-->", i + 4);
      if (end == std::string::npos) break;
      i = end + 3;
      continue;
    }
    bool closing = i + 1 < text.size() && text[i + 1] == '/';
    auto start = i + (closing ? 2 : 1);
    auto j = start;
    while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
    auto gt = text.find('>', j);
    if (j == start || gt == std::string::npos) {
      ++i;
      continue;
    }
    std::string name = text.substr(start, j - start);
    if (closing) {
      for (std::size_t k = stack.size(), n = 0; k > 0 && n < 32; --k, ++n) {
        if (stack[k - 1] == name) {
          stack.resize(k - 1);
          break;
        }
      }
    } else if (one_of(name, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})) {
      auto end = text.find("</" + name, gt);
      if (end == std::string::npos) break;
      i = end;
      continue;
    } else if (!one_of(name, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                              "source", "track", "wbr", "keygen", "p", "li", "dt", "dd", "option", "optgroup", "tr",
                              "td", "th", "thead", "tbody", "tfoot", "colgroup", "rb", "rt", "rp"})) {
      stack.push_back(std::move(name));
      if (stack.size() > max_depth) return i;
    }
    i = gt + 1;
  }
  return html.size();
}

std::string_view to_string(AssetKind kind) {
  switch (kind) {
  case AssetKind::stylesheet: return "stylesheet";
  case AssetKind::script: return "script";
  case AssetKind::image: return "image";
  case AssetKind::font: return "font";
  case AssetKind::other: return "other";
  }
  return "other";
}

std::vector<std::string> parse_srcset(std::string_view srcset) {
  // Candidates are `URL [descriptor]` separated by commas; a URL may itself contain commas
  // (`a.jpg?x=1,2`) only when not followed by a space, as the HTML standard's parser reads it.
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < srcset.size()) {
    while (i < srcset.size() && (std::isspace(static_cast<unsigned char>(srcset[i])) || srcset[i] == ',')) ++i;
    auto start = i;
    while (i < srcset.size() && !std::isspace(static_cast<unsigned char>(srcset[i]))) ++i;
    auto url = srcset.substr(start, i - start);
    while (!url.empty() && url.back() == ',') url.remove_suffix(1);
    bool ended_by_comma = i > start && srcset[i - 1] == ',';
    if (!url.empty()) out.emplace_back(url);
    if (!ended_by_comma) {
      // skip the descriptor up to the next comma
      while (i < srcset.size() && srcset[i] != ',') ++i;
    }
  }
  return out;
}

PageAssets extract_assets(std::string_view html, std::string_view page_url) {
  Collector collector;
  collector.out.base = std::string(page_url);
  if (html.empty()) return collector.out;
  // gumbo's time grows with the square of the nesting depth (5,000 nested <div> take 0.3 s, a
  // million would take hours): the page is read up to where it nests deeper than any real page.
  auto limit = nesting_limit(html, k_max_nesting);
  collector.out.truncated = limit < html.size();
  GumboTree tree(gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), limit));
  if (!tree) return collector.out;
  find_base(tree->root, collector.out);
  // Depth-first in document order with an explicit stack, not recursion.
  std::vector<const GumboNode*> stack{tree->root};
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    collector.element(node->v.element);
    const auto& children = node->v.element.children;
    for (unsigned i = children.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(children.data[i - 1]));
  }
  return std::move(collector.out);
}

} // namespace tma::perf
