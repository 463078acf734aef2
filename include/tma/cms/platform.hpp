#pragma once
// What runs under a site: the PHP that runs the CMS tool, the database server, the operating system.
// `tma check` asks in the same session as its CMS queries (cms/commands.hpp), and its end-of-life
// anticipation (check/eol.hpp) reads the answers. A failed platform query never fails the site: the
// version is then unknown, with the reason. Pure: argv vectors and parsers.

#include <string>
#include <string_view>
#include <vector>

#include <tma/cms/commands.hpp>
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>

namespace tma::cms {

/// The platform queries for a site of `cms`, all read-only:
/// - WordPress: `wp cli info` (PHP version), `wp db query 'SELECT VERSION();' --skip-column-names`;
/// - Drupal: `drush sql:query 'SELECT VERSION();'` (PHP comes with `drush status`);
/// - composer projects: `php -r` printing PHP_MAJOR.MINOR.RELEASE (no distribution suffix);
/// - every shell-checked site: `cat /etc/os-release`.
std::vector<ToolCommand> platform_commands(inventory::Cms cms, const inventory::Environment& env);

/// A piece of the platform as found on the server.
struct PlatformVersion {
  std::string product; ///< endoflife.date slug: `php`, `mariadb`, `mysql`, `debian`, `ubuntu`, or the os-release ID
  std::string version; ///< `8.2.36`, `10.11.19-MariaDB-0+deb12u1`, `12`
  std::string label;   ///< for people: `PHP`, `MariaDB`, `Debian 12 (bookworm)`
};

/// `SELECT VERSION();` output with the column name skipped: one line, MariaDB when it says so
/// (`10.11.19-MariaDB-0+deb12u1`), else MySQL (`8.0.34-0ubuntu0.22.04.1`). Anything not starting
/// with `digits.digits` is an error.
core::Result<PlatformVersion> parse_db_version(std::string_view output);

/// `/etc/os-release` (os-release(5): `KEY=value`, values optionally quoted with shell escapes, `#`
/// comments): product = `ID`, version = `VERSION_ID`. No `ID` or no `VERSION_ID` (Debian testing)
/// is an error.
core::Result<PlatformVersion> parse_os_release(std::string_view text);

/// `8.2.36` from `php -r` (also accepts `PHP_VERSION` with a suffix); an error unless it starts with
/// `digits.digits`.
core::Result<PlatformVersion> parse_php_version(std::string_view output);

} // namespace tma::cms
