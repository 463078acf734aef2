#pragma once
// Parsers for Drush and Composer output used by the Drupal and composer adapters (formats.md
// sections 2 and 3). Pure functions; the adapter runs the commands through a transport.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tma/cms/component.hpp>
#include <tma/core/error.hpp>

namespace tma::cms::drush {

/// What tma keeps of `drush status --format=json` (the database password is never copied).
struct Status {
  std::string drupal_version; ///< "" outside a Drupal root
  std::string php_version;
  std::string drush_version;  ///< Composer's 4-part form (`12.5.3.0`)
  std::string db_status;      ///< `Connected`, or "" when the key was absent (no database)
  std::string bootstrap;      ///< `Successful`, or ""
  std::string root;
};

/// `drush status --format=json`. Not an object, or no `drupal-version` (run outside a Drupal root)
/// is an error.
core::Result<Status> parse_status(std::string_view output);

/// The Drupal core component for `status` (`name` "drupal", source `drush`).
Component core_component(const Status& status);

/// One insecure project from `drush pm:security --format=json`.
struct InsecureProject {
  std::string name;    ///< `drupal/webform`
  std::string version; ///< installed version from composer.lock
};

/// `drush pm:security --format=json` (Drush 11): an object keyed by package, or `[]` when clean.
core::Result<std::vector<InsecureProject>> parse_pm_security(std::string_view output);

/// True when `stderr_text` says pm:security no longer exists (Drush 12+): use `composer audit`.
bool pm_security_removed(std::string_view stderr_text);

} // namespace tma::cms::drush

namespace tma::cms::composer {

/// `composer outdated [--direct] --format=json`: `{"installed": [...]}` (or `locked`), `[]` when there
/// are no packages. Each row becomes a `package` component; `[none matched]` leaves `latest` empty
/// with update `unknown`; abandoned packages get a note naming the replacement.
core::Result<std::vector<Component>> parse_outdated(std::string_view output);

/// One advisory from `composer audit --format=json`.
struct Advisory {
  std::string package;
  std::string advisory_id;       ///< `PKSA-...`
  std::string title;
  std::string cve;               ///< "" when null
  std::string link;
  std::string affected_versions; ///< Composer constraint, `|` = or, `,` = and
  std::string severity;          ///< `low|medium|high|critical` or ""
  std::vector<std::string> remote_ids; ///< `GHSA-...` and other source ids
};

struct Audit {
  std::vector<Advisory> advisories;
  std::map<std::string, std::string> abandoned; ///< package -> replacement ("" when none)
};

/// `composer audit --format=json`. Maps may be `[]` when empty. A document without `advisories` is an
/// error (never read as "no advisories").
core::Result<Audit> parse_audit(std::string_view output);

/// The Packagist security-advisories API answer (`{"advisories": {"vendor/a": [...]}}`, formats.md 6.3)
/// reduced to the advisories affecting `installed` (package -> version), i.e. what `composer audit`
/// would say; for sites where composer cannot run. An unsupported constraint keeps the advisory
/// (better a false alarm than silence).
core::Result<Audit> parse_packagist_advisories(std::string_view body, const std::map<std::string, std::string>& installed);

} // namespace tma::cms::composer
