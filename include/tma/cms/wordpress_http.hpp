#pragma once
// WordPress seen from outside (no SSH): version fingerprints in public pages and the WordPress.org
// API answers that say what is latest (formats.md section 4). Pure functions over response bodies;
// fetching (and the on-disk cache with a TTL) belongs to the HTTP transport.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/cms/component.hpp>
#include <tma/core/error.hpp>

namespace tma::cms::wordpress_http {

/// One clue about the core version and where it came from.
struct Evidence {
  std::string version;
  std::string source;   ///< `http:generator-meta`, `http:feed-generator`, `http:asset-ver`, `http:readme-html`
  Confidence confidence = Confidence::low;
  std::string detail;   ///< what was seen (`<meta name="generator" content="WordPress 6.1.9">`)
};

/// Core version clues in an HTML page: the generator meta tag (high), and `?ver=` on assets under
/// `/wp-includes/` or `/wp-admin/` (medium; hashes and bundled-library versions are skipped by
/// requiring an x.y[.z] value that appears on at least one core asset).
std::vector<Evidence> core_evidence_from_page(std::string_view html);

/// Core version from a feed: RSS2 `<generator>https://wordpress.org/?v=X</generator>`, Atom
/// `<generator ... version="X">`, RDF `generatorAgent` (high).
std::optional<Evidence> core_evidence_from_feed(std::string_view xml);

/// Core version from `readme.html` (old WordPress only: `Version X.Y` in the heading; low). Current
/// readmes carry no version and give nullopt.
std::optional<Evidence> core_evidence_from_readme_html(std::string_view html);

/// The core component from all clues: the most confident wins; two sources agreeing on the same
/// version raise `medium` to `high`; disagreement is written in `note`. No clue -> installed "" and
/// confidence low with note "version not found over HTTP".
Component core_from_evidence(const std::vector<Evidence>& evidence);

/// Plugin slugs referenced in a page as `/wp-content/plugins/<slug>/` (sorted, unique).
std::vector<std::string> plugin_slugs_in_page(std::string_view html);

/// Theme slugs referenced as `/wp-content/themes/<slug>/` (sorted, unique).
std::vector<std::string> theme_slugs_in_page(std::string_view html);

/// What tma reads from a plugin's `readme.txt`.
struct Readme {
  std::string name;               ///< `=== Name ===`
  std::string stable_tag;         ///< "" when missing
  std::string tested_up_to;
  std::string requires_at_least;
  std::string first_changelog;    ///< first `= x.y.z =` entry under `== Changelog ==`
};

/// Parse a readme.txt (header keys case-insensitive, BOM tolerated). A body that is not a readme
/// (an HTML error page, no `===` title and no header key) is an error.
core::Result<Readme> parse_readme_txt(std::string_view text);

/// A plugin component from its readme: `Stable tag` (medium) or, if missing/`trunk`, the first
/// changelog entry (low). Source `http:readme-txt`.
Component plugin_from_readme(const std::string& slug, const Readme& readme);

/// The `Version:` header of a plugin main file or a theme's style.css (`Version: 3.2`), "" if absent.
std::string header_version(std::string_view file_text);

/// What the core version-check API (1.7) offers: the newest offered version.
struct CoreVersionCheck {
  std::string latest;                 ///< newest `current` among the offers
  std::vector<std::string> offered;   ///< every distinct offered version
};

/// Parse a version-check 1.7 response. No `offers` array is an error.
core::Result<CoreVersionCheck> parse_core_version_check(std::string_view body);

/// What the plugin information API (1.2) says about one slug.
struct PluginInfo {
  enum class State { listed, closed, not_found };
  State state = State::listed;
  std::string slug;
  std::string name;
  std::string version;       ///< latest release
  std::string requires_wp;   ///< `requires`; "" when the API says false
  std::string tested;
  std::string requires_php;
  std::string download_link;
  std::string last_updated;  ///< `2031-01-05` (the API's `2031-01-05 3:04pm GMT`, date part), "" if absent
  /// `last_updated` as an instant: when `version` (the directory's latest) was released; absent when
  /// the API gives none or another shape.
  std::optional<std::chrono::sys_seconds> released;
  std::string closed_date;   ///< closed plugins: `closed_date`
  std::string closed_reason; ///< closed plugins: `reason_text`, else `reason` (`Security Issue`, `security-issue`)
};

/// WordPress.org's `last_updated` (PHP `Y-m-d g:ia GMT`: `2024-07-15 3:04pm GMT`, hour not
/// zero-padded) as an instant; nullopt for any other shape or a day that does not exist.
std::optional<std::chrono::sys_seconds> parse_wporg_time(std::string_view text);

/// Parse a plugin_information 1.2 response: `{"error": "closed", ...}` or `"closed": true` is a closed
/// plugin (sent with 200 or 404: parse both), any other `error` (e.g. "Plugin not found.") is `not_found`. Missing `version` on a listed plugin is an error.
core::Result<PluginInfo> parse_plugin_info(std::string_view body);

/// Fill `latest`/`update` of an HTTP-fingerprinted component from an API answer: `latest` newer than
/// `installed` -> available; closed/not found -> unknown with a note; source gains `+wporg-api`.
void apply_latest(Component& component, const std::string& latest);

} // namespace tma::cms::wordpress_http
