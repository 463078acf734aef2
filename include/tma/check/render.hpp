#pragma once
// `tma check` output as pure functions of the results: a table for people, JSON (schema 1) and
// JUnit XML for CI, Markdown for a merge-request comment. docs/check.md documents the JSON schema
// and the JUnit mapping; both are public contracts.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/check/finding.hpp>
#include <tma/report/output.hpp>

namespace tma::check {

/// Version of the `tma check --format json` document; bump on a breaking change.
inline constexpr int k_check_schema = 1;

/// Everything a renderer needs about one run.
struct CheckReport {
  std::vector<SiteCheck> sites;
  FeedStatus feed;                 ///< the WordPress vulnerability feed's state for this run
  FailOn fail_on = FailOn::security;
};

/// Drop non-security findings (`--security-only`); components stay listed.
void keep_security_only(std::vector<SiteCheck>& sites);

/// One block per site (security findings first, highlighted with Style::bad), then a totals line and,
/// when some site's security status is unknown, a line saying so. `colour` adds ANSI styles.
std::string render_table(const CheckReport& report, bool colour);

/// `tma check --format csv`: one row per finding (site, env, status, severity, kind, name,
/// installed, latest, fixed in, details), and one row for a site without findings (its status; the
/// error as details when it failed or was unreachable), so every site appears.
report::Table findings_table(const CheckReport& report);

/// The JSON document (without envelope fields): `command`, `fail_on`, `vulnerability_feed`, `summary`,
/// `sites[]` with every component checked and the findings. Wrap with report::envelope(k_check_schema, ...)
/// or call render_json_document().
nlohmann::json render_json_payload(const CheckReport& report);

/// `report::envelope(k_check_schema, render_json_payload(report))`.
nlohmann::json render_json_document(const CheckReport& report);

/// JUnit XML: one `<testsuite>` per site/env, one `<testcase>` per component, a `<failure>` for each
/// finding at or above `report.fail_on`, an `<error>` testcase when the site failed, a skipped
/// `security-status` testcase when vulnerability data was missing. Text is XML-escaped.
std::string render_junit(const CheckReport& report);

/// A Markdown summary for a CI comment: heading with totals, a warning when security status is unknown,
/// one table of findings per site with findings, a list of failed/unreachable sites.
std::string render_markdown(const CheckReport& report);

/// `text` escaped for XML attribute and element content (`& < > " '`); characters XML 1.0 forbids
/// (control characters other than tab, newline, carriage return) are dropped.
std::string xml_escape(std::string_view text);

/// Counts shared by every renderer.
struct Totals {
  int sites = 0, ok = 0, with_findings = 0, failed = 0, unreachable = 0, skipped = 0;
  int components = 0, security = 0, major = 0, minor = 0, patch = 0; ///< update findings by severity
  int lifecycle = 0;        ///< eol, eol-soon, closed, abandoned, untested findings (not in the severity counts)
  int failing = 0;          ///< findings at or above fail_on
  int security_unknown = 0; ///< sites whose security status is unknown
};

/// Totals of `report`.
Totals totals(const CheckReport& report);

/// The SEVERITY cell: the severity of an update finding, the type (`eol`, `eol-soon`) of the others.
std::string severity_label(const Finding& finding);

/// One line describing a finding's details (`CVSS 6.1 Medium; CVE-2099-1234; update package not available`).
std::string finding_details(const Finding& finding);

/// Shared by the table renderers: the colour of a severity (security bad, major warn), and `-` for
/// an empty cell.
report::Style severity_style(Severity severity);
std::string or_dash(const std::string& text);

} // namespace tma::check
