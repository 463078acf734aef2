#include <tma/perf/html.hpp>

#include <algorithm>
#include <cctype>

#include <tma/transport/url.hpp>

namespace tma::perf {
namespace {

AssetKind kind_of(std::string_view url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  auto dot = path.rfind('.');
  std::string ext = dot == std::string_view::npos ? "" : std::string(path.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "woff" || ext == "woff2" || ext == "ttf" || ext == "otf" || ext == "eot") return AssetKind::font;
  if (ext == "css") return AssetKind::stylesheet;
  return AssetKind::image;
}

} // namespace

std::vector<AssetRef> extract_css_urls(std::string_view css, std::string_view css_url) {
  std::string text(css);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<AssetRef> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto comment = text.find("/*", i);
    auto call = text.find("url(", i);
    if (call == std::string::npos) break;
    if (comment != std::string::npos && comment < call) {
      auto end = text.find("*/", comment + 2);
      if (end == std::string::npos) break;
      i = end + 2;
      continue;
    }
    auto j = call + 4;
    while (j < css.size() && std::isspace(static_cast<unsigned char>(css[j]))) ++j;
    std::size_t end;
    std::size_t start = j;
    if (j < css.size() && (css[j] == '"' || css[j] == '\'')) {
      start = j + 1;
      end = css.find(css[j], start);
    } else {
      end = css.find(')', j);
    }
    if (end == std::string_view::npos) break;
    auto reference = css.substr(start, end - start);
    while (!reference.empty() && std::isspace(static_cast<unsigned char>(reference.back()))) reference.remove_suffix(1);
    if (auto url = transport::resolve_url(css_url, reference)) out.push_back({*url, kind_of(*url)});
    i = end + 1;
  }
  return out;
}

} // namespace tma::perf
