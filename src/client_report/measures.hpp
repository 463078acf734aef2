#pragma once
// PRIVATE to src/client_report: the measured sections of the report, the per-day health of each
// prod site and the pages' speed, built from the journal's `health.daily` and `perf.measured`
// events, and their localised view (tables, Markdown lines, the per-day SVG chart).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/client_report/report.hpp>

namespace tma::client_report {

/// The per-day health of `sites` (the client's prod sites) over `period`, from `events`; sites
/// without any recorded day are left out.
std::vector<SiteDaily> daily_health(const std::vector<journal::Event>& events, const std::vector<std::string>& sites,
                                    const contract::Period& period);

/// The speed of the prod pages of `sites` audited in [from, until), compared with [p_from, p_until).
std::vector<PageSpeed> page_speed(const std::vector<journal::Event>& events, const std::vector<std::string>& sites,
                                  SysSeconds from, SysSeconds until, SysSeconds p_from, SysSeconds p_until);

/// `coming_certificate` recommendations: prod sites whose certificate, as the last check of the
/// period saw it, expires within the site's `health.tls_warn` of that check (or has expired).
void add_certificate_recommendations(const std::vector<SiteDaily>& daily, const inventory::Inventory& inventory,
                                     std::vector<Recommendation>& out);

/// `[{site, probes, failures, uptime_percent, median_ms, worst_p95_ms, days: [{date, probes, failures,
/// uptime_percent, p50_ms, p95_ms, max_ms}]}]` (docs/report.md; unknown figures null).
nlohmann::json daily_json(const std::vector<SiteDaily>& daily);

/// `[{site, path, audits, ttfb_ms, total_ms, bytes, requests, previous: {ttfb_ms, total_ms, bytes} | null}]`.
nlohmann::json speed_json(const std::vector<PageSpeed>& speed);

/// The view of `report.daily`: `{has, sites: [{site, summary, chart_svg}]}`.
nlohmann::json daily_view(const ClientReport& report, const std::string& accent);

/// The view of `report.speed`: `{has, rows: [{site, page, ttfb, total, weight, requests, change}]}`.
nlohmann::json speed_view(const ClientReport& report);

/// A prod site's days over `period` as an SVG chart: a bar per day for the median response time,
/// a mark for the 95th percentile, the bar's colour for the day's uptime, a `<title>` per day.
std::string daily_chart_svg(const std::string& title, const SiteDaily& site, const contract::Period& period,
                            inventory::Lang lang);

} // namespace tma::client_report
