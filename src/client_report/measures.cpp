// The measured sections of the client report from journal events: pure, see measures.hpp.
#include "client_report/measures.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <tma/core/timezone.hpp>

namespace tma::client_report {
namespace {

constexpr std::string_view k_prod = "prod";

template <typename T>
T median_of(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) / 2]; // the lower median: a value that was measured
}

std::optional<long long> integer_of(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() || it->get<long long>() < 0) return std::nullopt;
  return it->get<long long>();
}

// One audit of one page: the four figures `tma perf --compare` needs too (docs/journal.md).
struct Audit {
  long long ttfb, total, bytes, requests;
};

using PageKey = std::pair<std::string, std::string>; // site, path

std::map<PageKey, std::vector<Audit>> audits_in(const std::vector<journal::Event>& events, const std::set<std::string>& sites,
                                               SysSeconds from, SysSeconds until) {
  std::map<PageKey, std::vector<Audit>> out;
  for (const auto& e : events) {
    if (e.type != "perf.measured" || e.env != k_prod || !sites.count(e.site) || e.at < from || e.at >= until) continue;
    auto pages = e.data.find("pages");
    if (pages == e.data.end() || !pages->is_array()) continue;
    for (const auto& page : *pages) {
      if (!page.is_object()) continue;
      auto path = page.find("path");
      auto ttfb = integer_of(page, "ttfb_ms");
      auto total = integer_of(page, "total_ms");
      auto bytes = integer_of(page, "bytes");
      auto requests = integer_of(page, "requests");
      // A page that could not be audited (`error`) has no figures: it is not a measurement.
      if (path == page.end() || !path->is_string() || !ttfb || !total || !bytes || !requests) continue;
      out[{e.site, path->get<std::string>()}].push_back({*ttfb, *total, *bytes, *requests});
    }
  }
  return out;
}

template <typename F>
long long median_field(const std::vector<Audit>& audits, F field) {
  std::vector<long long> values;
  for (const auto& a : audits) values.push_back(field(a));
  return median_of(std::move(values));
}

nlohmann::json nullable(const std::optional<std::chrono::milliseconds>& time) {
  return time ? nlohmann::json(time->count()) : nlohmann::json(nullptr);
}

nlohmann::json nullable(const std::optional<double>& value) { return value ? nlohmann::json(*value) : nlohmann::json(nullptr); }

} // namespace

std::optional<double> SiteDaily::uptime_percent() const {
  if (probes <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(probes - failures) / static_cast<double>(probes);
}

std::vector<SiteDaily> daily_health(const std::vector<journal::Event>& events, const std::vector<std::string>& sites,
                                    const contract::Period& period) {
  std::vector<journal::Event> prod;
  for (const auto& e : events) {
    if (e.type == incident::k_health_daily && e.env == k_prod) prod.push_back(e);
  }
  auto days = incident::fold_daily(prod);
  std::vector<SiteDaily> out;
  for (const auto& site : sites) {
    SiteDaily s{site, {}, 0, 0, std::nullopt, std::nullopt};
    std::vector<std::chrono::milliseconds> medians;
    for (const auto& day : days) {
      if (day.site != site || !period.contains(day.date)) continue;
      s.probes += day.probes;
      s.failures += day.failures;
      if (day.p50) medians.push_back(*day.p50);
      if (day.p95) s.worst_p95 = std::max(s.worst_p95.value_or(std::chrono::milliseconds(0)), *day.p95);
      s.days.push_back(day);
    }
    if (!medians.empty()) s.median = median_of(std::move(medians));
    if (!s.days.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::vector<PageSpeed> page_speed(const std::vector<journal::Event>& events, const std::vector<std::string>& sites,
                                  SysSeconds from, SysSeconds until, SysSeconds p_from, SysSeconds p_until) {
  std::set<std::string> wanted(sites.begin(), sites.end());
  auto now = audits_in(events, wanted, from, until);
  auto before = audits_in(events, wanted, p_from, p_until);
  std::vector<PageSpeed> out;
  for (const auto& [key, audits] : now) {
    PageSpeed page;
    page.site = key.first;
    page.path = key.second;
    page.audits = static_cast<int>(audits.size());
    page.ttfb = std::chrono::milliseconds(median_field(audits, [](const Audit& a) { return a.ttfb; }));
    page.total = std::chrono::milliseconds(median_field(audits, [](const Audit& a) { return a.total; }));
    page.bytes = median_field(audits, [](const Audit& a) { return a.bytes; });
    page.requests = static_cast<int>(median_field(audits, [](const Audit& a) { return a.requests; }));
    if (auto it = before.find(key); it != before.end()) {
      page.previous_ttfb = std::chrono::milliseconds(median_field(it->second, [](const Audit& a) { return a.ttfb; }));
      page.previous_total = std::chrono::milliseconds(median_field(it->second, [](const Audit& a) { return a.total; }));
      page.previous_bytes = median_field(it->second, [](const Audit& a) { return a.bytes; });
    }
    out.push_back(std::move(page));
  }
  return out; // by site, then path: the map's order
}

void add_certificate_recommendations(const std::vector<SiteDaily>& daily, const inventory::Inventory& inventory,
                                     std::vector<Recommendation>& out) {
  for (const auto& s : daily) {
    const auto* site = inventory.site(s.site);
    if (site == nullptr) continue;
    auto last = std::find_if(s.days.rbegin(), s.days.rend(), [](const auto& d) { return d.tls_expires_on.has_value(); });
    if (last == s.days.rend()) continue;
    auto left_days = core::days_from_civil(*last->tls_expires_on) - core::days_from_civil(last->date);
    if (left_days * 86400 > site->health.tls_warn.count()) continue;
    out.push_back({"coming_certificate", s.site, {{"ends_on", core::format_date(*last->tls_expires_on)}}});
  }
}

nlohmann::json daily_json(const std::vector<SiteDaily>& daily) {
  auto out = nlohmann::json::array();
  for (const auto& s : daily) {
    auto days = nlohmann::json::array();
    for (const auto& d : s.days) {
      days.push_back({{"date", core::format_date(d.date)},
                      {"probes", d.probes},
                      {"failures", d.failures},
                      {"uptime_percent", nullable(d.uptime_percent())},
                      {"p50_ms", nullable(d.p50)},
                      {"p95_ms", nullable(d.p95)},
                      {"max_ms", nullable(d.max)}});
    }
    out.push_back({{"site", s.site},
                   {"probes", s.probes},
                   {"failures", s.failures},
                   {"uptime_percent", nullable(s.uptime_percent())},
                   {"median_ms", nullable(s.median)},
                   {"worst_p95_ms", nullable(s.worst_p95)},
                   {"days", std::move(days)}});
  }
  return out;
}

nlohmann::json speed_json(const std::vector<PageSpeed>& speed) {
  auto out = nlohmann::json::array();
  for (const auto& p : speed) {
    nlohmann::json previous = nullptr;
    if (p.previous_ttfb && p.previous_total && p.previous_bytes) {
      previous = {{"ttfb_ms", p.previous_ttfb->count()}, {"total_ms", p.previous_total->count()}, {"bytes", *p.previous_bytes}};
    }
    out.push_back({{"site", p.site},
                   {"path", p.path},
                   {"audits", p.audits},
                   {"ttfb_ms", p.ttfb.count()},
                   {"total_ms", p.total.count()},
                   {"bytes", p.bytes},
                   {"requests", p.requests},
                   {"previous", std::move(previous)}});
  }
  return out;
}

} // namespace tma::client_report
