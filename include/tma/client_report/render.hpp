#pragma once
// The client report as a document: JSON (the stable schema of docs/report.md), and HTML or Markdown
// from logic-free Mustache templates (compiled in, overridable from the agency directory) fed with
// a "view": the report's figures already localised.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/client_report/report.hpp>
#include <tma/core/error.hpp>

namespace tma::client_report {

enum class DocumentFormat { html, markdown, json };

/// Schema version of the JSON document (docs/report.md).
inline constexpr int k_report_schema = 1;

/// The JSON payload: raw figures (seconds, cents, RFC 3339 UTC times, ISO dates), no localised text.
nlohmann::json to_json(const ClientReport& report);

/// White label and what the templates need besides the report.
struct Branding {
  std::string agency_name;
  std::string accent = "#1f4e8c";
  std::string logo_data_uri; ///< `data:image/png;base64,...`, empty for none
  std::string closing;       ///< in the report's language
};

/// The localised view the templates render: `l.*` labels, sections, rows, the SVG chart.
nlohmann::json view_of(const ClientReport& report, const Branding& branding, const core::TimeZone& zone);

/// The email subject of `report` in its language: `Agence : Rapport de maintenance — novembre 2026 — Lycée`.
std::string mail_subject(const ClientReport& report, const std::string& agency_name);

/// The template compiled into tma for `format` (html or markdown).
const std::string& builtin_template(DocumentFormat format);

/// Render `view` with `template_text`: HTML escaping for html, Markdown escaping for markdown.
/// Fails with the template's parse error.
core::Result<std::string> render_template(const std::string& template_text, const nlohmann::json& view,
                                          DocumentFormat format);

/// One bar of a chart.
struct Bar {
  std::string label;   ///< under the bar
  double value = 0;    ///< bar height, in the chart's unit
  std::string display; ///< over the bar and in the accessible title
};

/// A bar chart as inline SVG (axis, labels, `<title>` for screen readers), scaled to its largest
/// value; every text is XML-escaped.
std::string bar_chart_svg(const std::string& title, const std::vector<Bar>& bars, const std::string& accent);

} // namespace tma::client_report
