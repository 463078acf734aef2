#pragma once
// One target's `tma check`: collect the installed components of a site environment through its
// transport (WordPress/Drupal/composer over SSH or locally) or over HTTP (WordPress fingerprinting +
// WordPress.org API), then turn them into findings. Per-site failures are values (SiteCheck::error).

#include <functional>
#include <memory>
#include <optional>

#include <tma/check/cache.hpp>
#include <tma/check/domain_expiry.hpp>
#include <tma/check/eol.hpp>
#include <tma/check/finding.hpp>
#include <tma/check/vulnerabilities.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>
#include <tma/transport/transport.hpp>

namespace tma::check {

/// Makes the transport of an environment (real: `transport::make_transport` with the run's masters).
using CheckTransportFactory =
    std::function<core::Result<std::unique_ptr<transport::Transport>>(const inventory::Environment&)>;

/// Inputs shared by every target of one run.
struct CheckInputs {
  const CheckTransportFactory* transports = nullptr; ///< required for shell-checked sites
  transport::HttpClient* http = nullptr;             ///< required for HTTP-only sites
  ResponseCache* cache = nullptr;                    ///< WordPress.org answers (may be null: no cache)
  std::string wordpress_api = "https://api.wordpress.org";
  const VulnerabilityDb* wordfence = nullptr;        ///< null: WordPress security status unknown
  std::string feed_note;                             ///< why `wordfence` is null (for security_note)
  /// End-of-life data; null: no platform queries and no `eol`/`eol-soon` findings (update planning).
  const EolCatalog* eol = nullptr;
  core::Date today;                                  ///< the day end-of-life dates are judged against
  int eol_horizon_days = 90;
  /// Ask WordPress.org about each plugin of a WordPress site (`wordpress_api`, through `cache`):
  /// closed, abandoned, untested findings (check/plugin_directory.hpp). Off for update planning.
  bool plugin_directory = false;
  int abandoned_after_days = 730;
  /// drupal.org's release history base (`<url>/<project>/current`), "" to skip: unsupported branches
  /// and insecure releases of Drupal sites (check/drupal_coverage.hpp). "" for update planning.
  std::string drupal_updates;
  /// Where registries are found (`sources.rdap`); null: no domain findings (update planning).
  const RdapBootstrap* rdap = nullptr;
  DomainHorizons domain_horizons;
  /// The run's clock and the agency's zone: a site with `updates.min_release_age` gets its update
  /// findings judged by check/release_age.hpp. Such a site also has the release dates of its updates
  /// asked for where tma does not ask already (WordPress.org's plugin information for plugins with an
  /// update, through `cache`; drupal.org's release history at `release_history_url`, "" to skip, when
  /// `drupal_updates` is "": update planning).
  core::SysSeconds now{};
  core::TimeZone zone = core::TimeZone::utc();
  std::string release_history_url;
};

/// Check one site environment. Mapping: transport unreachable/timeout -> `error` of that kind
/// (status unreachable); a non-zero exit or unparsable output -> `error` kind cms (status failed).
/// `security_checked` is true when a vulnerability source answered for this site.
SiteCheck run_check(const inventory::Site& site, const inventory::Environment& env, const CheckInputs& inputs);

/// The vulnerability feed of a run: `sources.vulnerabilities_url` fetched through `cache` (fresh
/// entry reused, stale entry used when the fetch fails) and parsed. `status` says why it is missing.
struct Feed {
  std::optional<VulnerabilityDb> db;
  FeedStatus status;
};
Feed load_feed(const inventory::Sources& sources, transport::HttpClient& http, ResponseCache* cache);

/// The feed of one run of `tma check` or `tma update`: `load_feed` when `needed` (some selected
/// site is WordPress, the only CMS the feed covers), else a status saying no WordPress site was selected.
Feed feed_for_run(bool needed, const inventory::Sources& sources, transport::HttpClient& http, ResponseCache* cache);

/// Why a run has no vulnerability database, as site results and update plans say it: "" when it has
/// one, `vulnerability feed not configured`, or `vulnerability feed unavailable: <why>`.
std::string feed_note(const Feed& feed);

/// The RDAP bootstrap of a run (`sources.rdap`) and why it is not fresh.
struct RdapSource {
  RdapBootstrap bootstrap;
  std::string origin;              ///< `bootstrap_url` for display, or the shipped snapshot's name
  std::vector<std::string> notes;  ///< one warning when the refresh failed
};

/// IANA's bootstrap shipped with tma, replaced by the answer of `sources.rdap.bootstrap_url` when set
/// (through `cache`; a stale entry when the fetch fails; the snapshot, with a note, when neither
/// answers or the answer does not parse).
RdapSource load_rdap_bootstrap(const inventory::Sources& sources, transport::HttpClient* http, ResponseCache* cache);

/// The end-of-life data of a run (`sources.eol`): the shipped snapshot, each product replaced by the
/// answer of `sources.eol.url` when set (through `cache`; a stale entry when the fetch fails; the
/// snapshot, with a note, when neither answers or the answer does not parse).
EolCatalog load_eol_catalog(const inventory::Sources& sources, transport::HttpClient* http, ResponseCache* cache);

} // namespace tma::check
