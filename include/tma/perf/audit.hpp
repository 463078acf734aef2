#pragma once
// Measuring pages over HTTP: the page with its redirects followed one by one, then its assets in
// parallel, bounded everywhere (docs/perf.md "Safety caps"). The HTTP client is the interface
// transport::HttpClient, so unit tests answer with a fake.

#include <cstdint>
#include <string>
#include <vector>

#include <tma/inventory/model.hpp>
#include <tma/perf/page.hpp>
#include <tma/perf/wordpress.hpp>
#include <tma/transport/http.hpp>

namespace tma::perf {

struct AuditOptions {
  int parallel = 8;                              ///< asset requests of one page at once
  int per_host = 6;                              ///< of which to one host (a browser's limit)
  int max_hops = 10;                             ///< redirects of the page followed before giving up
  std::uint64_t max_html_bytes = 5ull << 20;     ///< the page's own HTML (also bounded by the byte cap)
  Milliseconds request_timeout{15'000};          ///< per request (lowered to the environment's http.timeout)
  Milliseconds page_deadline{60'000};            ///< no asset request starts after this
};

/// Audit one URL of `env` (`page_url` absolute) with `policy`'s caps, and evaluate its findings.
PageResult audit_page(transport::HttpClient& http, const inventory::Environment& env,
                      const inventory::PerfPolicy& policy, const std::string& page_url, const AuditOptions& options);

enum class TargetStatus { ok, findings, failed, unreachable };
std::string_view to_string(TargetStatus status);

/// One (site, env): `/` then each `perf.paths` entry.
struct TargetResult {
  std::string site;
  std::string env;
  std::vector<PageResult> pages;
  TargetStatus status = TargetStatus::ok;
  std::optional<WordPressFacts> wordpress; ///< WordPress environments with a shell (docs/perf.md)
};

/// The URLs audited for `env`: its url with `/`, then with each of `policy.paths`.
std::vector<std::string> page_urls(const inventory::Environment& env, const inventory::PerfPolicy& policy);

/// Audit every page of a target; a page that cannot be fetched does not stop the others.
TargetResult audit_target(const inventory::Site& site, const inventory::Environment& env, transport::HttpClient& http,
                          const AuditOptions& options);

/// unreachable when a page's error is unreachable; failed when another error or a final status
/// outside 2xx; findings when any page has one; else ok.
TargetStatus target_status(const std::vector<PageResult>& pages);
/// target_status of its pages, then findings when the WordPress checks have some.
TargetStatus target_status(const TargetResult& target);

/// Bits 1 (findings of a page or of the WordPress checks, when `fail_on_findings`), 2 (failed) and 4
/// (unreachable) of every target.
int exit_bits(const std::vector<TargetResult>& targets, bool fail_on_findings);

} // namespace tma::perf
