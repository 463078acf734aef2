#pragma once
// `tma health` and the update pipeline's smoke test: a pure evaluation of one HTTP exchange against
// a SmokeCheck and the site's HealthPolicy, plus renderers like `tma check`'s. The HTTP request
// itself is made by the transport; this file never does I/O.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/report/output.hpp>

namespace tma::check {

/// What the transport observed for one GET (filled by the lead's HTTP client).
struct HttpObservation {
  std::optional<core::Error> error;  ///< the request failed (DNS, connect, TLS handshake, timeout)
  int status = 0;                    ///< final HTTP status (after redirects the client followed)
  std::string body;
  std::chrono::milliseconds total_time{0};
  /// Certificate `notAfter` of an https URL; nullopt for http or when unknown.
  std::optional<std::chrono::system_clock::time_point> tls_not_after;
};

enum class HealthLevel { ok, warning, critical };

/// `ok|warning|critical`.
std::string_view to_string(HealthLevel level);

/// One thing wrong with a response.
struct HealthProblem {
  std::string check;   ///< `request|status|text|time|fatal|maintenance|tls`
  HealthLevel level = HealthLevel::critical;
  std::string message; ///< for people: `expected status 200, got 500`
};

/// The verdict for one smoke URL of one environment.
struct HealthResult {
  std::string site;
  std::string env;
  std::string url;                     ///< full URL requested
  HealthLevel level = HealthLevel::ok; ///< worst problem level
  int status = 0;
  std::chrono::milliseconds time{0};
  std::optional<long> tls_days_left;   ///< whole days until notAfter (negative once expired)
  bool unreachable = false;            ///< the request itself failed
  std::vector<HealthProblem> problems;
};

/// Markers of a broken PHP site found in `body`: WordPress' "There has been a critical error on this
/// website" page, PHP's `Fatal error:` (also as `<b>Fatal error</b>:`) and `Parse error:`. Returns the
/// markers found, in that order.
std::vector<std::string> fatal_markers(std::string_view body);

/// Which CMS's maintenance page `body` is, described for the report, or nullopt: WordPress'
/// ("Briefly unavailable for scheduled maintenance") or Drupal's default ("... is currently under
/// maintenance. We should be back shortly."; a site that customised the message is not recognised,
/// its 503 status still is).
std::optional<std::string> maintenance_page(std::string_view body);

/// Evaluate `observation` of `url` against `check` and `policy` at time `now`:
/// - a failed request -> `request` critical, `unreachable`;
/// - status differs from `check.expect_status` -> critical;
/// - a maintenance page -> `maintenance` critical; fatal markers -> `fatal` critical;
/// - `check.expect_text` absent from the body -> critical;
/// - slower than `check.max_time` -> `time` warning;
/// - TLS: expired or fewer days than `policy.tls_critical` -> critical, fewer than `policy.tls_warn` -> warning.
HealthResult evaluate_health(const std::string& site, const std::string& env, const std::string& url,
                             const inventory::SmokeCheck& check, const inventory::HealthPolicy& policy,
                             const HttpObservation& observation, std::chrono::system_clock::time_point now);

/// The checks to run for a site: its `checks`, or `GET /` expecting 200 when it has none.
std::vector<inventory::SmokeCheck> smoke_checks(const inventory::Site& site);

/// Exit bits for a health run: 1 when any result is critical (failed smoke test), 4 when a request
/// failed (unreachable). Warnings alone exit 0.
int health_exit_bits(const std::vector<HealthResult>& results);

/// Version of the `tma health --format json` document.
inline constexpr int k_health_schema = 1;

/// One row per URL: SITE ENV URL STATUS TIME TLS RESULT PROBLEMS (the problems' messages joined by
/// `; `): what `--format csv` and `--fields` address.
report::Table health_table(const std::vector<HealthResult>& results);

/// What follows the table in text output: the problems one per line, then the counts.
std::string render_health_footer(const std::vector<HealthResult>& results, bool colour);

/// Table without PROBLEMS (they are listed under it), then render_health_footer().
std::string render_health_table(const std::vector<HealthResult>& results, bool colour);

/// JSON payload `{command: "health", summary, results[]}`; wrap with report::envelope(k_health_schema, ...).
nlohmann::json render_health_json_payload(const std::vector<HealthResult>& results);

/// JUnit: one testsuite per site/env, one testcase per URL, `<failure>` for critical, `<error>` when
/// unreachable; warnings go to `<system-out>`.
std::string render_health_junit(const std::vector<HealthResult>& results);

} // namespace tma::check
