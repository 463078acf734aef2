// Fuzz target: the parsers of what WP-CLI, drush, composer and WordPress.org answer (JSON mostly,
// with notices around it). Every parser gets the same bytes: a server controls all of them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <tma/cms/drupal.hpp>
#include <tma/cms/wordpress_http.hpp>
#include <tma/cms/wpcli.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace wp = tma::cms::wpcli;
  namespace drush = tma::cms::drush;
  namespace composer = tma::cms::composer;
  namespace wordpress = tma::cms::wordpress_http;
  (void)wp::parse_core_version(text);
  if (auto offers = wp::parse_core_check_update(text)) (void)wp::core_component("6.4.3", *offers);
  (void)wp::parse_plugin_list(text);
  (void)wp::parse_theme_list(text);
  (void)wp::parse_update_rows(text);
  (void)wp::parse_cli_info(text);
  (void)wp::parse_maintenance_status(text);
  if (auto status = drush::parse_status(text)) (void)drush::core_component(*status);
  (void)drush::parse_pm_security(text);
  (void)drush::pm_security_removed(text);
  (void)composer::parse_outdated(text);
  (void)composer::parse_audit(text);
  (void)composer::parse_packagist_advisories(text, {{"drupal/core", "10.1.2"}, {"symfony/http-kernel", "v6.3.0"}});
  (void)wordpress::parse_core_version_check(text);
  (void)wordpress::parse_plugin_info(text);
  return 0;
}
