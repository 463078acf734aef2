#pragma once
// End of life of the software under a site (PHP, the CMS branch, MariaDB/MySQL, the server's OS),
// from endoflife.date data (API v0: an array of cycles per product). A snapshot ships inside tma
// (data/eol/, cmake/TmaTemplates.cmake); `sources.eol` refreshes it. Parsing and evaluation are pure:
// the caller passes today's date.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/check/finding.hpp>
#include <tma/core/error.hpp>
#include <tma/core/units.hpp>

namespace tma::check {

/// One release cycle. endoflife.date gives each end as a date or a boolean (v0 `support` is the
/// negation of a boolean end of active support): a boolean `true` end without a date is `ended`.
struct EolCycle {
  std::string cycle;                    ///< `8.2`, `12`, `10.11`, `24.04` (numbers in the feed become text)
  std::optional<core::Date> eol;        ///< end of security support
  bool eol_ended = false;               ///< `eol: true` without a date
  std::optional<core::Date> support;    ///< end of active support (bug fixes)
  std::optional<core::Date> extended;   ///< end of extended support (Debian LTS, Ubuntu ESM, paid)
  std::string latest;                   ///< newest release of the cycle
  std::string codename;
};

struct EolProduct {
  std::string slug;                     ///< `php`, `wordpress`, `drupal`, `mariadb`, `mysql`, `debian`, `ubuntu`
  std::vector<EolCycle> cycles;         ///< newest first, as the API lists them
};

/// Parse an API v0 answer (`[{"cycle": ...}, ...]`) or a v1 answer (`{"result": {"releases": [...]}}`,
/// `name`/`eolFrom`/`eoasFrom`/`eoesFrom`/`latest.name`). Unknown fields are ignored; a cycle
/// without a name, or a document of another shape, is an error naming `slug`.
core::Result<EolProduct> parse_eol_product(std::string slug, std::string_view json);

/// The cycle `version` belongs to: the longest cycle name that equals the version's numeric part
/// (`10.11.19-MariaDB-0+deb12u1` -> `10.11.19`) or is a prefix of it ending before a `.`
/// (`8.2.36` -> `8.2`, `7.103` -> `7`); null when none does.
const EolCycle* find_cycle(const EolProduct& product, std::string_view version);

enum class EolState { supported, eol_soon, eol };

/// `supported|eol-soon|eol`.
std::string_view to_string(EolState state);

/// What the data says about one installed version.
struct EolVerdict {
  std::string product;
  std::string version;                  ///< as installed
  std::string cycle;
  EolState state = EolState::supported;
  std::optional<core::Date> eol;        ///< "" when the cycle has no date (boolean end or still open)
  std::optional<core::Date> extended;   ///< paid/LTS support still running past `eol`
  std::string successor;                ///< oldest newer cycle supported past the horizon ("" if none)
  std::string newest;                   ///< newest cycle
};

/// Evaluate `version` of `product` on `today`: `eol` when security support ended (the date is
/// today or past, or `eol: true`), `eol_soon` when it ends within `horizon_days`, else supported.
/// nullopt when the version matches no cycle (too old for the data, or not a version).
std::optional<EolVerdict> evaluate_eol(const EolProduct& product, std::string_view version, core::Date today,
                                       int horizon_days);

/// The products of the snapshot shipped inside tma, sorted.
std::vector<std::string> shipped_eol_products();

/// The shipped API v0 document of `product`, nullopt when tma ships none.
std::optional<std::string_view> shipped_eol_document(std::string_view product);

/// The endoflife.date product of an operating system by its os-release `ID` (`debian`, `ubuntu`),
/// nullopt for the others.
std::optional<std::string> os_eol_product(std::string_view os_id);

/// Where the shipped snapshot comes from (scripts/eol-snapshot; data/eol/README.md).
inline constexpr std::string_view k_eol_snapshot = "endoflife.date a70eca3 of 2026-08-22";

/// How people write a product: `PHP`, `WordPress`, `MariaDB`, `Debian` (the slug when unknown).
std::string product_label(std::string_view slug);

/// The end-of-life data of one run, read-only once loaded (the check's workers share it).
struct EolCatalog {
  std::map<std::string, EolProduct, std::less<>> products;
  std::map<std::string, std::string, std::less<>> origin; ///< per product: `snapshot` or the URL it came from
  std::vector<std::string> notes; ///< refreshes that failed (the snapshot was used instead)
  const EolProduct* find(std::string_view product) const;
};

/// The snapshot shipped inside tma, every product.
EolCatalog shipped_eol_catalog();

/// `eol` / `eol-soon` findings for the CMS core (`wordpress`, `drupal`) and the platform of `check`
/// (PHP, MariaDB/MySQL, Debian/Ubuntu): severity major when support ended, minor when it ends within
/// `horizon_days`; `latest` names the successor cycle, `ends_on` the date, `note` says it in words.
std::vector<Finding> eol_findings(const SiteCheck& check, const EolCatalog& catalog, core::Date today, int horizon_days);

/// The words of an `eol`/`eol-soon` finding for `version` of `product` (`PHP 8.2: security support
/// ends on 2026-12-31 (in 28 days); PHP 8.3 is supported`), "" when supported or unknown. `tma ping`
/// shows it as a note.
std::string eol_note(const EolCatalog& catalog, std::string_view product, const std::string& version, core::Date today,
                     int horizon_days);

} // namespace tma::check
