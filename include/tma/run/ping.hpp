#pragma once
// `tma ping`: for each selected (site, env), open the shell transport (run a probe that reports
// `uname -sr` and the PHP version when php exists) and GET the env's URL (status, time, TLS days
// left). The first user of transports, the HTTP client and the runner.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/inventory/model.hpp>
#include <tma/inventory/select.hpp>
#include <tma/report/output.hpp>
#include <tma/run/runner.hpp>
#include <tma/transport/http.hpp>
#include <tma/transport/transport.hpp>

namespace tma::run {

/// Makes the transport of an environment (real: `transport::make_transport` with the run's masters).
using TransportFactory =
    std::function<core::Result<std::unique_ptr<transport::Transport>>(const inventory::Environment&)>;

struct PingOptions {
  Milliseconds command_timeout{60'000}; ///< bound of the remote probe (after ssh's own ConnectTimeout)
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now(); ///< for TLS days left
  /// A note for the PHP version the probe found (its end of life, from `tma check`'s data), or "".
  /// A note, not a status: `tma check` is where end of life counts as a finding.
  std::function<std::string(const std::string& php_version)> php_note;
};

/// The remote probe's argv: `sh -c '<uname; php version>' tma-ping <php>`; prints two lines.
std::vector<std::string> ping_probe_argv(const std::string& php_binary);

/// Ping one target. `data` gets `{"ssh": {...}|null, "http": {...}|null, "warnings": [...]}`;
/// status: unreachable if SSH or HTTP could not connect, failed on a failed probe or an HTTP status
/// >= 400 or another HTTP error, findings when the certificate expires within `health.tls_warn`.
SiteResult ping_target(const inventory::Site& site, const inventory::Environment& env,
                       const TransportFactory& transports, transport::HttpClient& http, const PingOptions& options);

/// Runner jobs pinging every target; the per-host key is the transport's host (or the URL host).
std::vector<Job> ping_jobs(const std::vector<inventory::Target>& targets, const TransportFactory& transports,
                           transport::HttpClient& http, const PingOptions& options);

/// The results as a table: SITE ENV SSH SYSTEM PHP HTTP TIME TLS NOTE.
report::Table ping_table(const std::vector<SiteResult>& results);

/// The results as the JSON payload `{"results": [...], "summary": {...}}` (wrap with report::envelope).
nlohmann::json ping_json(const std::vector<SiteResult>& results, const Summary& summary);

} // namespace tma::run
