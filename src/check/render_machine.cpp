// JSON (schema 1, and the --by component view) and JUnit XML renderers of `tma check`: public contracts for CI (docs/check.md).
#include <tma/check/render.hpp>

#include <tma/check/by_component.hpp>

#include <fmt/format.h>

#include <tma/cms/json_text.hpp>
#include <tma/report/output.hpp>

namespace tma::check {
namespace {

using nlohmann::json;

// Every string goes through valid_utf8: nlohmann's serialiser throws on invalid UTF-8, and error
// messages quote raw tool output.
json text(const std::string& value) { return json(cms::valid_utf8(value)); }

json nullable(const std::string& value) { return value.empty() ? json(nullptr) : text(value); }

json feed_json(const CheckReport& report) {
  return {{"status", to_string(report.feed.state)}, {"message", nullable(report.feed.message)}};
}

json component_json(const cms::Component& c) {
  return {{"kind", cms::to_string(c.kind)},
          {"name", text(c.name)},
          {"title", nullable(c.title)},
          {"status", nullable(c.status)},
          {"installed", nullable(c.installed)},
          {"latest", nullable(c.latest)},
          {"update", cms::to_string(c.update)},
          {"auto_update", c.auto_update ? json(*c.auto_update) : json(nullptr)},
          {"source", text(c.source)},
          {"confidence", cms::to_string(c.confidence)},
          {"evidence", nullable(c.evidence)},
          {"note", nullable(c.note)}};
}

json finding_json(const Finding& f, FailOn fail_on) {
  json advisories = json::array();
  for (const auto& a : f.advisories) {
    advisories.push_back({{"id", text(a.id)},
                          {"cve", nullable(a.cve)},
                          {"aliases", a.aliases},
                          {"title", nullable(a.title)},
                          {"cvss_score", a.cvss_score ? json(*a.cvss_score) : json(nullptr)},
                          {"cvss_rating", nullable(a.cvss_rating)},
                          {"link", nullable(a.link)},
                          {"fixed_in", nullable(a.fixed_in)}});
  }
  return {{"kind", cms::to_string(f.kind)},
          {"name", text(f.name)},
          {"installed", nullable(f.installed)},
          {"latest", nullable(f.latest)},
          {"fixed_in", nullable(f.fixed_in)},
          {"severity", to_string(f.severity)},
          {"cvss_score", f.cvss_score ? json(*f.cvss_score) : json(nullptr)},
          {"cvss_rating", nullable(f.cvss_rating)},
          {"advisories", advisories},
          {"source", text(f.source)},
          {"note", nullable(f.note)},
          {"type", to_string(f.type)},
          {"ends_on", nullable(f.ends_on)},
          {"release_age", nullable(f.release_age)},
          {"held_until", nullable(f.held_until)},
          {"fails", reaches(f, fail_on)}};
}

json platform_json(const SiteCheck& s) {
  json pieces = json::array();
  for (const auto& p : s.platform) {
    pieces.push_back({{"product", text(p.product)}, {"version", text(p.version)}, {"label", text(p.label)}});
  }
  json notes = json::array();
  for (const auto& n : s.platform_notes) notes.push_back(text(n));
  return {{"versions", pieces}, {"notes", notes}};
}

std::string dotted(std::string text) {
  for (auto& c : text) {
    if (c == '.' || c == ' ') {
      c = '_';
    }
  }
  return text;
}

// The finding (at most one per component) of component `c` in `site`, or null.
const Finding* finding_of(const SiteCheck& site, const cms::Component& c) {
  for (const auto& f : site.findings) {
    if (f.kind == c.kind && f.name == c.name) {
      return &f;
    }
  }
  return nullptr;
}

std::string finding_message(const Finding& f) {
  std::string text = fmt::format("{} {} {}: {}", cms::to_string(f.kind), f.name, f.installed.empty() ? "?" : f.installed,
                                 to_string(f.severity));
  if (!f.latest.empty()) {
    text += ", latest " + f.latest;
  }
  if (!f.fixed_in.empty()) {
    text += ", fixed in " + f.fixed_in;
  }
  auto details = finding_details(f);
  if (!details.empty()) {
    text += " (" + details + ")";
  }
  return text;
}

} // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default:
      if (c >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') {
        out.push_back(ch);
      }
    }
  }
  return out;
}

json render_json_payload(const CheckReport& report) {
  auto t = totals(report);
  json sites = json::array();
  for (const auto& s : report.sites) {
    json components = json::array();
    for (const auto& c : s.components) {
      components.push_back(component_json(c));
    }
    json findings = json::array();
    for (const auto& f : s.findings) {
      findings.push_back(finding_json(f, report.fail_on));
    }
    json site = {{"site", text(s.site)},
                 {"env", text(s.env)},
                 {"cms", text(s.cms)},
                 {"url", nullable(s.url)},
                 {"status", to_string(site_status(s))},
                 {"security_status", s.security_checked ? "checked" : "unknown"},
                 {"security_note", nullable(s.security_note)},
                 {"components", components},
                 {"platform", platform_json(s)},
                 {"findings", findings}};
    if (s.error) {
      site["error"] = {{"kind", core::to_string(s.error->kind)}, {"message", text(s.error->message)}};
    }
    sites.push_back(std::move(site));
  }
  return {{"command", "check"},
          {"fail_on", to_string(report.fail_on)},
          {"vulnerability_feed", feed_json(report)},
          {"summary",
           {{"sites", t.sites},
            {"ok", t.ok},
            {"findings", t.with_findings},
            {"failed", t.failed},
            {"unreachable", t.unreachable},
            {"skipped", t.skipped},
            {"components", t.components},
            {"security", t.security},
            {"major", t.major},
            {"minor", t.minor},
            {"patch", t.patch},
            {"lifecycle", t.lifecycle},
            {"failing", t.failing},
            {"security_unknown", t.security_unknown}}},
          {"sites", sites}};
}

json render_json_document(const CheckReport& report) {
  return report::envelope(k_check_schema, render_json_payload(report));
}

std::string render_junit(const CheckReport& report) {
  std::string suites;
  int all_tests = 0, all_failures = 0, all_errors = 0, all_skipped = 0;
  for (const auto& s : report.sites) {
    std::string cases;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    std::string classname_base = dotted(s.site) + "." + dotted(s.env);
    if (s.error) {
      ++tests;
      ++errors;
      cases += fmt::format("    <testcase classname=\"{}\" name=\"check\">\n      <error type=\"{}\" message=\"{}\"/>\n"
                           "    </testcase>\n",
                           xml_escape(classname_base), xml_escape(to_string(site_status(s))),
                           xml_escape(s.error->message));
    }
    for (const auto& c : s.components) {
      ++tests;
      cases += fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\">", xml_escape(classname_base),
                           cms::to_string(c.kind), xml_escape(c.name));
      const Finding* f = finding_of(s, c);
      if (f && reaches(*f, report.fail_on)) {
        ++failures;
        cases += fmt::format("\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    ", to_string(f->severity),
                             xml_escape(finding_message(*f)), xml_escape(finding_message(*f)));
      } else if (f) {
        cases += fmt::format("\n      <system-out>{}</system-out>\n    ", xml_escape(finding_message(*f)));
      }
      cases += "</testcase>\n";
    }
    if (!s.security_checked && !s.error && s.cms != "static") {
      ++tests;
      ++skipped;
      cases += fmt::format("    <testcase classname=\"{}\" name=\"security-status\">\n      <skipped message=\"{}\"/>\n"
                           "    </testcase>\n",
                           xml_escape(classname_base),
                           xml_escape("security status unknown" + (s.security_note.empty() ? "" : ": " + s.security_note)));
    }
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n"
                          "    <properties>\n      <property name=\"cms\" value=\"{}\"/>\n"
                          "      <property name=\"status\" value=\"{}\"/>\n    </properties>\n{}  </testsuite>\n",
                          xml_escape(s.site + "/" + s.env), tests, failures, errors, skipped, xml_escape(s.cms),
                          to_string(site_status(s)), cases);
    all_tests += tests;
    all_failures += failures;
    all_errors += errors;
    all_skipped += skipped;
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<testsuites name=\"tma check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n{}"
                     "</testsuites>\n",
                     all_tests, all_failures, all_errors, all_skipped, suites);
}

nlohmann::json components_json_payload(const CheckReport& report, const ComponentView& view) {
  auto changes = nlohmann::json::array();
  for (const auto& c : view.changes) {
    auto sites = nlohmann::json::array();
    for (const auto& t : c.sites) sites.push_back({{"site", t.site}, {"envs", t.envs}});
    changes.push_back({{"kind", cms::to_string(c.kind)},
                       {"name", cms::valid_utf8(c.name)},
                       {"from", nullable(c.from)},
                       {"to", nullable(c.to)},
                       {"severity", to_string(c.severity)},
                       {"type", to_string(c.type)},
                       {"count", c.sites.size()},
                       {"sites", sites}});
  }
  auto not_checked = nlohmann::json::array();
  for (const auto& n : view.not_checked) {
    not_checked.push_back({{"site", n.site}, {"env", n.env}, {"status", to_string(n.status)}, {"error", cms::valid_utf8(n.error)}});
  }
  return {{"command", "check"},
          {"view", "component"},
          {"fail_on", to_string(report.fail_on)},
          {"vulnerability_feed", feed_json(report)},
          {"changes", changes},
          {"not_checked", not_checked}};
}

} // namespace tma::check
