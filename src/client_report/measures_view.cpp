// The localised view of the measured sections (per-day health, page speed) and the per-day chart.
#include "client_report/measures.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <tma/client_report/locale.hpp>

namespace tma::client_report {
namespace {

using nlohmann::json;

std::string xml(const std::string& text) { return kainjow::mustache::html_escape(text); }

std::string millis_or_dash(const std::optional<std::chrono::milliseconds>& time, Lang lang) {
  return time ? format_millis(*time, lang) : std::string("—");
}

// Below 100 % the colour says how far: a day with an outage of a few minutes is not a red day.
std::string uptime_colour(const std::optional<double>& uptime) {
  if (!uptime || *uptime >= 100.0) return "#2e7d32";
  if (*uptime >= 99.0) return "#ef8f00";
  return "#c62828";
}

// `+12 %` / `-8 %`, against `before`; nothing when there is no before or it was zero.
std::optional<std::string> change_of(double now, std::optional<double> before, Lang lang) {
  if (!before || *before <= 0) return std::nullopt;
  auto percent = static_cast<long long>(std::llround(100.0 * (now - *before) / *before));
  auto sep = lang == Lang::fr ? "\u00a0" : "";
  return fmt::format("{}{}{}%", percent > 0 ? "+" : "", percent, sep);
}

} // namespace

std::string daily_chart_svg(const std::string& title, const SiteDaily& site, const contract::Period& period, Lang lang) {
  constexpr int width = 640, height = 200, left = 56, right = 12, top = 16, bottom = 34;
  auto first = core::days_from_civil(period.from);
  auto count = std::max<long long>(1, core::days_from_civil(period.to) - first + 1);
  long long max = 0;
  for (const auto& d : site.days) max = std::max<long long>({max, d.p50 ? d.p50->count() : 0LL, d.p95 ? d.p95->count() : 0LL});
  max = std::max<long long>(max + max / 10, 1); // headroom: the highest tick stays off the frame
  double plot = height - top - bottom;
  double slot = static_cast<double>(width - left - right) / static_cast<double>(count);
  double bar = std::max(1.0, slot * 0.7);
  auto y_of = [&](long long ms) { return top + plot - plot * static_cast<double>(ms) / static_cast<double>(max); };

  std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" "
                                "class=\"chart\"><title>{}</title>",
                                width, height, xml(title));
  // Axes: the time scale on the left (0 and the highest value), the days below.
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\" stroke-width=\"1\"/>", left, top + plot,
                     width - right, top + plot);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\" stroke-width=\"1\"/>", left, top, left,
                     top + plot);
  svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{}</text>", left - 4,
                     top + 4.0, xml(format_millis(std::chrono::milliseconds(max), lang)));
  svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">0</text>", left - 4,
                     top + plot + 4);
  for (long long i = 0; i < count; i += std::max<long long>(1, count / 6)) {
    auto day = core::civil_from_days(first + i);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                       left + slot * (static_cast<double>(i) + 0.5), height - bottom + 16, xml(format_short_date(day, lang)));
  }
  for (const auto& d : site.days) {
    auto i = core::days_from_civil(d.date) - first;
    if (i < 0 || i >= count) continue;
    double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
    auto uptime = d.uptime_percent();
    auto tip = fill(lang, "daily_day", {{"date", format_long_date(d.date, lang)},
                                        {"uptime", uptime ? format_percent(*uptime, lang) : std::string("—")},
                                        {"median", millis_or_dash(d.p50, lang)},
                                        {"p95", millis_or_dash(d.p95, lang)},
                                        {"probes", format_integer(d.probes, lang)}});
    svg += fmt::format("<g><title>{}</title>", xml(tip));
    // A day of checks that all failed has no time: a full-height bar in the uptime colour says so.
    double y = d.p50 ? y_of(d.p50->count()) : top;
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>", x, y, bar,
                       std::max(1.0, top + plot - y), uptime_colour(uptime));
    if (d.p95) {
      double y95 = y_of(d.p95->count());
      svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\" stroke-width=\"2\"/>",
                         x, y95, x + bar, y95);
    }
    svg += "</g>";
  }
  svg += "</svg>";
  return svg;
}

json daily_view(const ClientReport& r, const std::string&) {
  json sites = json::array();
  for (const auto& s : r.daily) {
    auto uptime = s.uptime_percent();
    sites.push_back({{"site", s.site},
                     {"summary", fill(r.lang, "daily_summary",
                                      {{"site", s.site},
                                       {"uptime", uptime ? format_percent(*uptime, r.lang) : std::string("—")},
                                       {"probes", format_integer(s.probes, r.lang)},
                                       {"median", millis_or_dash(s.median, r.lang)},
                                       {"p95", millis_or_dash(s.worst_p95, r.lang)}})},
                     {"chart_svg", daily_chart_svg(fill(r.lang, "daily_chart", {{"site", s.site}}), s, r.period, r.lang)}});
  }
  bool has = !sites.empty();
  return {{"has", has}, {"sites", std::move(sites)}, {"legend", label(r.lang, "daily_legend")}};
}

json speed_view(const ClientReport& r) {
  json rows = json::array();
  for (const auto& p : r.speed) {
    std::vector<std::string> changes;
    if (auto c = change_of(static_cast<double>(p.total.count()),
                           p.previous_total ? std::optional(static_cast<double>(p.previous_total->count())) : std::nullopt,
                           r.lang)) {
      changes.push_back(fill(r.lang, "change_load", {{"delta", *c}}));
    }
    if (auto c = change_of(static_cast<double>(p.bytes),
                           p.previous_bytes ? std::optional(static_cast<double>(*p.previous_bytes)) : std::nullopt, r.lang)) {
      changes.push_back(fill(r.lang, "change_weight", {{"delta", *c}}));
    }
    std::string change = changes.empty() ? std::string("—") : changes.front();
    if (changes.size() > 1) change += ", " + changes.back();
    rows.push_back({{"site", p.site},
                    {"page", p.path},
                    {"ttfb", format_millis(p.ttfb, r.lang)},
                    {"total", format_millis(p.total, r.lang)},
                    {"weight", format_bytes(p.bytes, r.lang)},
                    {"requests", format_integer(p.requests, r.lang)},
                    {"change", change}});
  }
  bool has = !rows.empty();
  return {{"has", has}, {"rows", std::move(rows)}};
}

} // namespace tma::client_report
