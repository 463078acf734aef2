// JSON document, Mustache rendering and the SVG bar chart of client reports.
#include <tma/client_report/render.hpp>
#include <tma/client_report/locale.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <tma/contract/render.hpp>
#include <tma/core/timezone.hpp>

#include "client_report/measures.hpp"
#include "client_report/topics.hpp"

namespace tma::client_report {

// Defined in the file CMake generates from templates/ (cmake/TmaTemplates.cmake).
extern const char* const k_report_html_template;
extern const char* const k_report_markdown_template;

namespace {

namespace mustache = kainjow::mustache;

nlohmann::json optional_time(const std::optional<SysSeconds>& t) {
  return t ? nlohmann::json(core::format_rfc3339_utc(*t)) : nlohmann::json(nullptr);
}

nlohmann::json sla_json(const std::optional<incident::SlaStatus>& s) {
  return s ? nlohmann::json(std::string(incident::to_string(*s))) : nlohmann::json(nullptr);
}

nlohmann::json glance_json(const Glance& g) {
  return {{"sites", g.sites},
          {"updates", g.updates},
          {"security_fixes", g.security_fixes},
          {"backups", g.backups},
          {"incidents", g.incidents},
          {"uptime_percent", g.uptime_percent ? nlohmann::json(*g.uptime_percent) : nlohmann::json(nullptr)},
          {"hours_used_seconds", g.hours_used.count()},
          {"visual_pages", g.visual_pages},
          {"visual_reviewed", g.visual_reviewed}};
}

std::string_view period_kind_name(PeriodKind k) {
  switch (k) {
  case PeriodKind::month: return "month";
  case PeriodKind::quarter: return "quarter";
  case PeriodKind::range: return "range";
  }
  return "range";
}

// nlohmann JSON -> Mustache data: objects, arrays, strings, booleans; numbers as their text.
mustache::data to_mustache(const nlohmann::json& value) {
  if (value.is_object()) {
    mustache::data object;
    for (const auto& [key, item] : value.items()) object.set(key, to_mustache(item));
    return object;
  }
  if (value.is_array()) {
    mustache::data list{mustache::data::type::list};
    for (const auto& item : value) list.push_back(to_mustache(item));
    return list;
  }
  if (value.is_boolean()) return mustache::data(value.get<bool>());
  if (value.is_string()) return mustache::data(value.get<std::string>());
  if (value.is_null()) return mustache::data(false);
  return mustache::data(value.dump());
}

// Markdown: the characters that would start emphasis, code, links, HTML or break a table cell.
std::string markdown_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string xml_escape(const std::string& text) { return mustache::html_escape(text); }

} // namespace

nlohmann::json to_json(const ClientReport& r) {
  auto updates = nlohmann::json::array();
  for (const auto& u : r.updates) {
    updates.push_back({{"site", u.site}, {"component", u.component}, {"from", u.from}, {"to", u.to},
                       {"date", core::format_date(u.date)}, {"security", u.security}, {"preprod_tested", u.preprod_tested}});
  }
  auto held = nlohmann::json::array();
  for (const auto& h : r.held_back) {
    held.push_back({{"site", h.site}, {"component", h.component}, {"from", h.from}, {"to", h.to},
                    {"date", core::format_date(h.date)}, {"status", h.status}});
  }
  auto postponed = nlohmann::json::array();
  for (const auto& p : r.postponed) {
    postponed.push_back({{"site", p.site}, {"component", p.component}, {"from", p.from}, {"to", p.to},
                         {"date", core::format_date(p.date)}, {"reason", p.reason},
                         {"error_kind", p.error_kind.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.error_kind)}});
  }
  auto backups = nlohmann::json::array();
  for (const auto& b : r.backups) {
    backups.push_back({{"site", b.site}, {"taken", b.taken}, {"by_kind", b.by_kind}, {"failed", b.failed},
                       {"interrupted", b.interrupted},
                       {"restores", b.restores}, {"last_ok", optional_time(b.last_ok)},
                       {"keep", {{"last", b.keep.last}, {"hourly", b.keep.hourly}, {"daily", b.keep.daily},
                                 {"weekly", b.keep.weekly}, {"monthly", b.keep.monthly}, {"yearly", b.keep.yearly}}}});
  }
  auto incidents = nlohmann::json::array();
  for (const auto& i : r.incidents) {
    incidents.push_back({{"id", i.id}, {"site", i.site}, {"severity", std::string(inventory::to_string(i.severity))},
                         {"title", i.title}, {"opened_at", core::format_rfc3339_utc(i.opened)},
                         {"first_response_at", optional_time(i.first_response)}, {"resolved_at", optional_time(i.resolved)},
                         {"respond_sla", sla_json(i.respond_sla)}, {"resolve_sla", sla_json(i.resolve_sla)}});
  }
  auto categories = nlohmann::json::object();
  for (const auto& [category, seconds] : r.by_category) categories[std::string(contract::to_string(category))] = seconds.count();
  auto weeks = nlohmann::json::array();
  for (const auto& w : r.weeks) weeks.push_back({{"monday", core::format_date(w.monday)}, {"billable_seconds", w.billable.count()}});
  auto recommendations = nlohmann::json::array();
  for (const auto& rec : r.recommendations) {
    recommendations.push_back({{"kind", rec.kind}, {"site", rec.site.empty() ? nlohmann::json(nullptr) : nlohmann::json(rec.site)},
                               {"values", rec.values}});
  }
  auto hours = contract::client_hours_json(r.hours);
  auto open_security = nlohmann::json::array();
  for (const auto& o : r.open_security) {
    open_security.push_back({{"site", o.site}, {"component", o.component}, {"installed", o.installed},
                             {"fixed_in", o.fixed_in.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.fixed_in)},
                             {"advisories", o.advisories}});
  }
  auto trends = nlohmann::json::array();
  for (const auto& t : r.trends) {
    auto month = glance_json(t.glance);
    month["month"] = t.month.label;
    trends.push_back(std::move(month));
  }
  hours["by_category_seconds"] = categories;
  hours["weeks"] = weeks;
  return {{"client", {{"id", r.client_id}, {"name", r.client_name}, {"lang", std::string(lang_code(r.lang))}}},
          {"period", {{"kind", std::string(period_kind_name(r.kind))}, {"label", r.period.label},
                      {"from", core::format_date(r.period.from)}, {"to", core::format_date(r.period.to)}}},
          {"timezone", r.timezone},
          {"currency", r.currency},
          {"sites", r.sites},
          {"glance", glance_json(r.glance)},
          {"previous", r.previous ? glance_json(*r.previous) : nlohmann::json(nullptr)},
          {"trends", trends},
          {"updates", {{"applied", updates}, {"held_back", held}, {"postponed", postponed}, {"security_open", open_security}}},
          {"backups", backups},
          {"availability", incident::to_json(r.availability)},
          {"daily", daily_json(r.daily)},
          {"speed", speed_json(r.speed)},
          {"incidents", incidents},
          {"hours", hours},
          {"recommendations", recommendations},
          {"topics", topics_json(r.topics)}};
}

const std::string& builtin_template(DocumentFormat format) {
  static const std::string html = k_report_html_template;
  static const std::string markdown = k_report_markdown_template;
  return format == DocumentFormat::markdown ? markdown : html;
}

core::Result<std::string> render_template(const std::string& template_text, const nlohmann::json& view,
                                          DocumentFormat format) {
  mustache::mustache tmpl(template_text);
  if (!tmpl.is_valid()) return core::fail(core::ErrorKind::config, "report template: " + tmpl.error_message());
  if (format == DocumentFormat::markdown) tmpl.set_custom_escape(markdown_escape);
  auto text = tmpl.render(to_mustache(view));
  if (!tmpl.is_valid()) return core::fail(core::ErrorKind::config, "report template: " + tmpl.error_message());
  if (format == DocumentFormat::markdown) {
    // Sections left empty by the template leave runs of blank lines: one is enough in Markdown.
    std::string tidy;
    for (char c : text) {
      if (c == '\n' && tidy.size() >= 2 && tidy[tidy.size() - 1] == '\n' && tidy[tidy.size() - 2] == '\n') continue;
      tidy += c;
    }
    return tidy;
  }
  return text;
}

std::string bar_chart_svg(const std::string& title, const std::vector<Bar>& bars, const std::string& accent) {
  constexpr int width = 640, height = 220, left = 16, bottom = 36, top = 28, gap = 12;
  double max = 0;
  for (const auto& b : bars) max = std::max(max, b.value);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" class=\"chart\">"
      "<title>{}</title>",
      width, height, xml_escape(title));
  auto n = std::max<std::size_t>(bars.size(), 1);
  double slot = static_cast<double>(width - 2 * left) / static_cast<double>(n);
  double bar_width = std::max(4.0, slot - gap);
  double plot = height - bottom - top;
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\" stroke-width=\"1\"/>", left,
                     height - bottom, width - left, height - bottom);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    double h = max > 0 ? std::round(plot * b.value / max) : 0;
    double x = left + slot * static_cast<double>(i) + gap / 2.0;
    double y = height - bottom - h;
    svg += fmt::format("<g><title>{}: {}</title>", xml_escape(b.label), xml_escape(b.display));
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" rx=\"2\"/>", x, y,
                       bar_width, h, xml_escape(accent));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                       x + bar_width / 2, y - 6, xml_escape(b.display));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#555\">{}</text></g>",
                       x + bar_width / 2, height - bottom + 18, xml_escape(b.label));
  }
  svg += "</svg>";
  return svg;
}

} // namespace tma::client_report
