#pragma once
// The results of `tma check`: findings per component and the per-site record the renderers print.
// Plain data plus a few pure helpers; filled by the adapters and tma::check::findings_for().

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/cms/component.hpp>
#include <tma/cms/platform.hpp>
#include <tma/core/error.hpp>

namespace tma::check {

/// Ordered from least to most urgent, so `>=` compares urgency.
enum class Severity { patch, minor, major, security };

/// `patch|minor|major|security`.
std::string_view to_string(Severity severity);

/// One advisory that makes a finding `security`.
struct Advisory {
  std::string id;          ///< feed id (Wordfence UUID, `PKSA-...`)
  std::string cve;         ///< `CVE-...` or ""
  std::vector<std::string> aliases; ///< other ids (`GHSA-...`)
  std::string title;
  std::optional<double> cvss_score;
  std::string cvss_rating; ///< `Low|Medium|High|Critical` (Wordfence) or `low..critical` (composer)
  std::string link;
  std::string fixed_in;    ///< smallest version fixing this advisory above the installed one, "" if none
};

/// What a finding is about: a newer version (`update`, `security` through its severity), or
/// anticipation (docs/check.md §2.1, §2.2): support ended (`eol`) or ends soon (`eol-soon`), a plugin
/// closed on WordPress.org (`closed`), without a release for long (`abandoned`), or not tested with
/// the installed core (`untested`); a Drupal branch drupal.org no longer supports (`unsupported`) or a
/// release it marks insecure (`insecure`); the site's domain registration expires soon, has expired
/// or is held (`domain`, §2.4).
enum class FindingType { update, eol, eol_soon, closed, abandoned, untested, unsupported, insecure, domain };

/// `update|eol|eol-soon|closed|abandoned|untested|unsupported|insecure|domain`.
std::string_view to_string(FindingType type);

/// Something to act on for one component.
struct Finding {
  FindingType type = FindingType::update;
  std::string site;
  std::string env;
  cms::ComponentKind kind = cms::ComponentKind::plugin;
  std::string name;
  std::string installed;
  std::string latest;      ///< newest version known ("" when unknown)
  std::string fixed_in;    ///< smallest version fixing every advisory ("" when not security or unfixed)
  Severity severity = Severity::patch;
  std::optional<double> cvss_score; ///< highest score among `advisories`
  std::string cvss_rating;          ///< rating of that highest score
  std::vector<Advisory> advisories;
  std::string source;      ///< where the versions came from, plus `+wordfence` / `+composer-audit`
  std::string note;        ///< e.g. `update package not available`, `no fixed version published`
  std::string ends_on;     ///< eol/eol-soon: the date support ends or ended (`2026-12-31`); domain: the
                           ///< registration's expiry; "" if undated
  /// `update` findings of a site with `updates.min_release_age` (check/release_age.hpp): what the rule
  /// says of `latest` (`released 1 day ago, eligible on 2026-12-07`, `release date unknown: not held`,
  /// `fixes a known vulnerability: not held`); "" when the site has no minimum age.
  std::string release_age;
  std::string held_until;  ///< `2026-12-07` while `latest` is held (tma update skips it), else ""
};

/// Whether vulnerability data could be consulted for a run.
struct FeedStatus {
  enum class State { available, unavailable, not_configured };
  State state = State::not_configured;
  std::string message; ///< why unavailable ("HTTP 503 from ...", "cache expired and fetch failed")
};

/// `available|unavailable|not_configured`.
std::string_view to_string(FeedStatus::State state);

/// Outcome of one site/environment, as in every tma JSON document.
enum class SiteStatus { ok, findings, failed, unreachable, skipped };

/// `ok|findings|failed|unreachable|skipped`.
std::string_view to_string(SiteStatus status);

/// Everything `tma check` learned about one site environment.
struct SiteCheck {
  std::string site;
  std::string env;
  std::string cms;                     ///< `wordpress|drupal|composer|static`
  std::string url;
  std::optional<core::Error> error;    ///< set when the check could not complete
  std::vector<cms::Component> components;
  std::vector<Finding> findings;
  bool security_checked = false;       ///< a vulnerability source was consulted for this site
  std::string security_note;           ///< why not (`vulnerability feed unavailable: ...`)
  std::vector<cms::PlatformVersion> platform; ///< PHP, database server, OS found in the same session
  std::vector<std::string> platform_notes;    ///< why a platform version is unknown (never a failure)
};

/// `failed`/`unreachable` from `error` (kind unreachable/timeout -> unreachable), else `findings`
/// when any finding exists, else `ok`. `skipped` for static sites without components and no error.
SiteStatus site_status(const SiteCheck& check);

/// `--fail-on`: which findings make the run fail (exit bit 1).
enum class FailOn { security, any, never };

/// Parse `security|any|never`.
std::optional<FailOn> parse_fail_on(std::string_view text);
std::string_view to_string(FailOn fail_on);

/// True when `finding` is at or above the `fail_on` threshold.
bool reaches(const Finding& finding, FailOn fail_on);

/// Exit bits for a whole run (core/exit_code.hpp): 1 when a finding reaches `fail_on`, 2 when a
/// site failed, 4 when a site was unreachable.
int exit_bits(const std::vector<SiteCheck>& sites, FailOn fail_on);

/// Findings sorted for display: security first (highest CVSS first), then major, minor, patch; ties by
/// kind (core, plugin, theme, package) and name.
void sort_findings(std::vector<Finding>& findings);

} // namespace tma::check
