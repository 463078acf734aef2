// Table and Markdown renderers of `tma check` (for people), plus the shared totals.
#include <tma/check/render.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/text.hpp>
#include <tma/report/output.hpp>

namespace tma::check {
namespace {

std::string site_heading(const SiteCheck& s) {
  std::string h = s.site + " (" + s.env + ")  " + s.cms;
  if (!s.url.empty()) {
    h += "  " + s.url;
  }
  return h;
}

std::string count_phrase(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Markdown table cells: pipes would split the cell, newlines would end the table.
std::string md_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out.push_back(c);
    }
  }
  return out.empty() ? "-" : out;
}

} // namespace

void keep_security_only(std::vector<SiteCheck>& sites) {
  for (auto& s : sites) {
    std::erase_if(s.findings, [](const Finding& f) { return f.severity != Severity::security; });
  }
}

Totals totals(const CheckReport& report) {
  Totals t;
  for (const auto& s : report.sites) {
    ++t.sites;
    switch (site_status(s)) {
    case SiteStatus::ok: ++t.ok; break;
    case SiteStatus::findings: ++t.with_findings; break;
    case SiteStatus::failed: ++t.failed; break;
    case SiteStatus::unreachable: ++t.unreachable; break;
    case SiteStatus::skipped: ++t.skipped; break;
    }
    t.components += static_cast<int>(s.components.size());
    if (!s.security_checked && !s.error && s.cms != "static") {
      ++t.security_unknown;
    }
    for (const auto& f : s.findings) {
      t.failing += reaches(f, report.fail_on) ? 1 : 0;
      if (f.type != FindingType::update) {
        ++t.lifecycle;
        continue;
      }
      switch (f.severity) {
      case Severity::security: ++t.security; break;
      case Severity::major: ++t.major; break;
      case Severity::minor: ++t.minor; break;
      case Severity::patch: ++t.patch; break;
      }
    }
  }
  return t;
}

std::string severity_label(const Finding& f) {
  return f.type == FindingType::update ? std::string(to_string(f.severity)) : std::string(to_string(f.type));
}

std::string finding_details(const Finding& f) {
  std::vector<std::string> parts;
  if (f.severity == Severity::security) {
    if (f.cvss_score) {
      parts.push_back(fmt::format("CVSS {:.1f}{}", *f.cvss_score, f.cvss_rating.empty() ? "" : " " + f.cvss_rating));
    } else if (!f.cvss_rating.empty()) {
      parts.push_back("severity " + f.cvss_rating);
    }
    std::vector<std::string> ids;
    for (const auto& a : f.advisories) {
      ids.push_back(a.cve.empty() ? a.id : a.cve);
    }
    if (!ids.empty()) {
      parts.push_back(core::join(ids, ", "));
    }
  }
  if (!f.note.empty()) {
    parts.push_back(f.note);
  }
  if (!f.release_age.empty()) {
    parts.push_back(f.held_until.empty() ? f.release_age : "held: " + f.release_age);
  }
  return core::join(parts, "; ");
}

report::Table findings_table(const CheckReport& report) {
  report::Table table({"SITE", "ENV", "STATUS", "SEVERITY", "KIND", "NAME", "INSTALLED", "LATEST", "FIXED IN", "DETAILS"});
  for (const auto& s : report.sites) {
    auto status = std::string(to_string(site_status(s)));
    if (s.findings.empty()) {
      table.add_row({s.site, s.env, status, "", "", "", "", "", "", s.error ? s.error->message : std::string()});
      continue;
    }
    for (const auto& f : s.findings) {
      table.add_row({s.site, s.env, status, severity_label(f), std::string(cms::to_string(f.kind)), f.name,
                     f.installed, f.latest, f.fixed_in, finding_details(f)});
    }
  }
  return table;
}

std::string render_table(const CheckReport& report, bool colour) {
  std::string out;
  for (const auto& s : report.sites) {
    auto status = site_status(s);
    std::string heading = site_heading(s);
    if (status == SiteStatus::failed || status == SiteStatus::unreachable) {
      auto label = std::string(to_string(status));
      std::string text = "  " + label + ": " + (s.error ? s.error->message : std::string());
      out += heading + "\n";
      out += colour ? "\033[1;31m" + text + "\033[0m\n" : text + "\n";
      continue;
    }
    out += heading + "  " + std::to_string(s.components.size()) + " components";
    if (status == SiteStatus::skipped) {
      out += "  (health only)\n";
      continue;
    }
    out += "\n";
    if (s.findings.empty()) {
      out += "  up to date\n";
    } else {
      report::Table table({"SEVERITY", "KIND", "NAME", "INSTALLED", "LATEST", "FIXED IN", "DETAILS"});
      for (const auto& f : s.findings) {
        auto style = severity_style(f.severity);
        table.add_row({report::Cell(severity_label(f), style),
                       std::string(cms::to_string(f.kind)), report::Cell(f.name, style), or_dash(f.installed),
                       or_dash(f.latest), or_dash(f.fixed_in), finding_details(f)});
      }
      auto text = table.render(colour);
      std::size_t pos = 0;
      while (pos < text.size()) {
        auto end = text.find('\n', pos);
        out += "  " + text.substr(pos, end - pos) + "\n";
        pos = end == std::string::npos ? text.size() : end + 1;
      }
    }
    if (!s.platform.empty()) {
      std::vector<std::string> pieces;
      for (const auto& p : s.platform) pieces.push_back(p.label == "PHP" || p.label == "MariaDB" || p.label == "MySQL" ? p.label + " " + p.version : p.label);
      out += "  platform: " + core::join(pieces, ", ") + "\n";
    }
    for (const auto& note : s.platform_notes) out += "  " + note + "\n";
    if (!s.security_checked && s.cms != "static") {
      out += "  security status unknown" + (s.security_note.empty() ? std::string() : ": " + s.security_note) + "\n";
    }
  }
  auto t = totals(report);
  out += fmt::format("{}, {} checked: {}, {}", count_phrase(t.sites, "site", "sites"),
                     count_phrase(t.components, "component", "components"),
                     count_phrase(t.security, "security finding", "security findings"),
                     count_phrase(t.major + t.minor + t.patch, "other update", "other updates"));
  if (t.lifecycle) {
    out += ", " + count_phrase(t.lifecycle, "lifecycle warning", "lifecycle warnings");
  }
  if (t.failed) {
    out += fmt::format(", {} failed", t.failed);
  }
  if (t.unreachable) {
    out += fmt::format(", {} unreachable", t.unreachable);
  }
  out += "\n";
  if (t.security_unknown) {
    std::string why = report.feed.message.empty() ? "" : " (" + report.feed.message + ")";
    out += fmt::format("Security status unknown for {}{}: not reported as clean.\n",
                       count_phrase(t.security_unknown, "site", "sites"), why);
  }
  return out;
}

std::string render_markdown(const CheckReport& report) {
  auto t = totals(report);
  std::string out = fmt::format("## tma check: {}, {} on {}\n\n",
                                count_phrase(t.security, "security finding", "security findings"),
                                count_phrase(t.major + t.minor + t.patch, "other update", "other updates"),
                                count_phrase(t.sites, "site", "sites"));
  if (t.security_unknown) {
    out += fmt::format("> **Warning:** security status unknown for {}{}.\n\n",
                       count_phrase(t.security_unknown, "site", "sites"),
                       report.feed.message.empty() ? "" : " (" + md_cell(report.feed.message) + ")");
  }
  std::vector<const SiteCheck*> broken;
  for (const auto& s : report.sites) {
    auto status = site_status(s);
    if (status == SiteStatus::failed || status == SiteStatus::unreachable) {
      broken.push_back(&s);
      continue;
    }
    if (s.findings.empty()) {
      continue;
    }
    out += fmt::format("### {} ({}), {}\n\n", md_cell(s.site), md_cell(s.env), md_cell(s.cms));
    out += "| Severity | Kind | Name | Installed | Latest | Fixed in | Details |\n";
    out += "|---|---|---|---|---|---|---|\n";
    for (const auto& f : s.findings) {
      auto severity = severity_label(f);
      if (f.severity == Severity::security) {
        severity = "**" + severity + "**";
      }
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", severity, cms::to_string(f.kind), md_cell(f.name),
                         md_cell(f.installed), md_cell(f.latest), md_cell(f.fixed_in), md_cell(finding_details(f)));
    }
    out += "\n";
  }
  if (!broken.empty()) {
    out += "### Not checked\n\n";
    for (const auto* s : broken) {
      out += fmt::format("- **{} ({})**: {}: {}\n", md_cell(s->site), md_cell(s->env), to_string(site_status(*s)),
                         md_cell(s->error ? s->error->message : ""));
    }
    out += "\n";
  }
  out += fmt::format("{} up to date, {} with findings, {} failed, {} unreachable; {} checked.\n", t.ok,
                     t.with_findings, t.failed, t.unreachable, count_phrase(t.components, "component", "components"));
  return out;
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

report::Style severity_style(Severity s) {
  switch (s) {
  case Severity::security: return report::Style::bad;
  case Severity::major: return report::Style::warn;
  default: return report::Style::plain;
  }
}

} // namespace tma::check
