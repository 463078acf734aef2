#pragma once
// What a CMS adapter reports about one installed piece of software: WordPress core, a plugin, a
// theme, a composer package. Every parser in tma::cms produces these; tma::check turns them into
// findings. Plain data, no I/O.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tma::cms {

/// `platform`: what runs under the CMS (PHP, the database server, the OS); only end-of-life findings
/// name it, never an update.
/// `platform`: PHP, database server, OS (end-of-life findings); `domain`: the site's domain
/// registration (domain findings); tma names both itself, no CMS reports them.
enum class ComponentKind { core, plugin, theme, package, platform, domain };

/// What the CMS tool said about updates for a component.
enum class UpdateState {
  none,                  ///< tool says up to date (WP-CLI also says this when it could not check)
  available,             ///< a newer version can be installed
  unavailable,           ///< a newer version exists but cannot be installed (no package, requirements)
  higher_than_expected,  ///< installed is newer than what the update server knows
  not_applicable,        ///< must-use plugins and drop-ins: WordPress never updates them
  unknown,               ///< not checked (HTTP fingerprint without an API answer)
};

/// How sure tma is of an installed version found over HTTP; `certain` for CMS tools run on the server.
enum class Confidence { certain, high, medium, low };

struct Component {
  ComponentKind kind = ComponentKind::plugin;
  std::string name;       ///< slug (`akismet`), `wordpress`/`drupal` for core, `vendor/name` for packages
  std::string title;      ///< display name when the tool gives one
  std::string status;     ///< tool's own status (`active`, `inactive`, `must-use`, `parent`, ...)
  std::string installed;  ///< "" when unknown
  std::string latest;     ///< newest version offered ("" when none or unknown)
  UpdateState update = UpdateState::unknown;
  std::optional<bool> auto_update;  ///< WP-CLI `auto_update` on/off
  std::string source;     ///< `wp-cli`, `drush`, `composer`, `http:generator-meta`, `wporg-api`, ...
  Confidence confidence = Confidence::certain;
  std::string evidence;   ///< how the version was found, for people (`<meta name="generator">`)
  std::string note;       ///< extra fact worth showing (`update package not available`)
  bool refused = false;   ///< name or version of an unexpected shape (cms/names.hpp): never acted on
  /// When offered versions were released, where an answer tma already gets says so (composer's
  /// `latest-release-date`, WordPress.org's `last_updated` of its latest version, drupal.org's `<date>`
  /// per release); a version absent here has no known date (`updates.min_release_age`).
  std::map<std::string, std::chrono::sys_seconds> released;
};

/// `core|plugin|theme|package|platform`.
std::string_view to_string(ComponentKind kind);
/// `none|available|unavailable|version higher than expected|n/a|unknown`.
std::string_view to_string(UpdateState state);
/// `certain|high|medium|low`.
std::string_view to_string(Confidence confidence);

/// Parse the names above back (used by tests and by stored snapshots).
std::optional<ComponentKind> parse_component_kind(std::string_view text);

} // namespace tma::cms
