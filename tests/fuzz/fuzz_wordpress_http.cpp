// Fuzz target: WordPress fingerprinting over HTTP (pages, feeds, readme.html, readme.txt, file
// headers): what any web server can send back to `tma check`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tma/cms/wordpress_http.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace wp = tma::cms::wordpress_http;
  auto evidence = wp::core_evidence_from_page(text);
  if (auto feed = wp::core_evidence_from_feed(text)) evidence.push_back(*feed);
  if (auto readme = wp::core_evidence_from_readme_html(text)) evidence.push_back(*readme);
  auto core = wp::core_from_evidence(evidence);
  wp::apply_latest(core, "6.4.3");
  (void)wp::plugin_slugs_in_page(text);
  (void)wp::theme_slugs_in_page(text);
  if (auto readme = wp::parse_readme_txt(text)) {
    auto plugin = wp::plugin_from_readme("akismet", *readme);
    wp::apply_latest(plugin, "5.3");
  }
  (void)wp::header_version(text);
  return 0;
}
