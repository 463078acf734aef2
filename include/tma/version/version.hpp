#pragma once
// Version comparison as each CMS's own tools do it (the bottom of the CMS layers: cms/, check/ and
// update/ all compare versions), and the "how far behind" distance that gives a
// non-security finding its severity. Pure functions, no I/O.

#include <string>
#include <string_view>

namespace tma::version {

/// Which rules a version string follows.
enum class Scheme {
  php,      ///< PHP version_compare(): WordPress core, plugins, themes, the Wordfence feed
  composer, ///< Composer normalisation then version_compare(): Drupal and composer packages
};

/// PHP's `version_compare($a, $b)`: canonicalise (`-`, `_`, `+` become `.`, a `.` is inserted between
/// digits and letters), then compare part by part; letters rank `dev < alpha = a < beta = b <
/// RC = rc < # (number) < pl = p`, any other word below `dev`. Returns <0, 0 or >0. Note the PHP
/// rule that a missing part ranks below a number: `6.4 < 6.4.0`.
int php_version_compare(std::string_view a, std::string_view b);

/// Composer-style normal form of `version`: leading `v` dropped, Drupal contrib prefix `8.x-` dropped,
/// numeric part padded to four parts (`1.2` -> `1.2.0.0`), stability suffix kept and canonicalised
/// (`-beta1`, `-RC2`, `-dev`, `-patch3`). `3.0.x-dev` becomes `3.0.9999999.9999999-dev` as Composer does.
/// Strings Composer would reject (branches such as `dev-main`, empty text) come back unchanged.
std::string normalize_composer(std::string_view version);

/// Compare `a` and `b` under `scheme`; <0, 0 or >0.
int compare_versions(Scheme scheme, std::string_view a, std::string_view b);

/// How far `latest` is ahead of `installed`, counting the first of the first three numeric parts
/// that differs (semver positions: `6.4.2 -> 6.5` is `minor`, `1.9 -> 2.0` is `major`).
enum class Distance { none, patch, minor, major };

/// `Distance::none` when `latest` is not newer than `installed` under `scheme`; a newer pre-release
/// of the same numbers (`5.0.2-beta1 -> 5.0.2`) counts as `patch`.
Distance version_distance(Scheme scheme, std::string_view installed, std::string_view latest);

/// `none|patch|minor|major`.
std::string_view to_string(Distance distance);

} // namespace tma::version
