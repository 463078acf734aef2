#pragma once
// Parsers for WP-CLI output (formats.md section 1, checked against captures of WP-CLI 2.12.0).
// Each takes what the command printed on stdout and returns components or a `cms` error whose
// message names the command; none of them ever reports "clean" for output it could not read.

#include <string>
#include <string_view>
#include <vector>

#include <tma/cms/component.hpp>
#include <tma/core/error.hpp>

namespace tma::cms::wpcli {

/// `wp core version`: one line with a version (`6.1.9`). Anything else (several lines, an `Error:`
/// line, text that is not a version) is an error.
core::Result<std::string> parse_core_version(std::string_view output);

/// One offer of `wp core check-update --format=json`.
struct CoreOffer {
  std::string version;
  std::string update_type; ///< `minor` (same x.y branch) or `major`
  std::string package_url;
};

/// `wp core check-update --format=json`: `[]`, empty output and the table-mode line
/// `Success: WordPress is at the latest version.` all mean no offer.
core::Result<std::vector<CoreOffer>> parse_core_check_update(std::string_view output);

/// The core component from `wp core version` and the check-update offers: `latest` is the newest
/// offer (by PHP version_compare), `update` available when there is one.
Component core_component(const std::string& installed, const std::vector<CoreOffer>& offers);

/// `wp plugin list --format=json` (any WP-CLI field set; `name` and `version` required per row).
/// `update` "none"/"available"/"unavailable"/"version higher than expected" map to UpdateState,
/// JSON `false` (must-use, drop-in) to `not_applicable`. An available update with
/// `update_package: null` or an `update_unavailable_reason` gets `note` "update package not available".
core::Result<std::vector<Component>> parse_plugin_list(std::string_view output);

/// `wp theme list --format=json`, same rules as plugins.
core::Result<std::vector<Component>> parse_theme_list(std::string_view output);

/// One row of `wp plugin|theme|core update --format=json`.
struct UpdateRow {
  std::string name;
  std::string old_version;
  std::string new_version;
  std::string status; ///< `Updated` or `Error`
};

/// `wp plugin update ... --format=json`: empty output (nothing to update) gives no rows.
core::Result<std::vector<UpdateRow>> parse_update_rows(std::string_view output);

/// What `wp --info` says about the PHP that runs WP-CLI (the CLI's PHP, which may differ from the web
/// server's). `tma check` no longer asks (nothing used the answer); kept for the end-of-life
/// anticipation, which will read the PHP version in the same session.
struct CliInfo {
  std::string php_version;
  std::string wp_cli_version;
};

/// `wp --info` (tab-separated `Key:\tvalue` lines). No `PHP version:` line is an error.
core::Result<CliInfo> parse_cli_info(std::string_view output);

/// `wp maintenance-mode status`: true for "Maintenance mode is active.", false for "... is not active.".
core::Result<bool> parse_maintenance_status(std::string_view output);

} // namespace tma::cms::wpcli
