#include <tma/check/finding.hpp>

#include <algorithm>

#include <tma/core/exit_code.hpp>

namespace tma::check {

std::string_view to_string(Severity severity) {
  switch (severity) {
  case Severity::patch: return "patch";
  case Severity::minor: return "minor";
  case Severity::major: return "major";
  case Severity::security: return "security";
  }
  return "patch";
}

std::string_view to_string(FindingType type) {
  switch (type) {
  case FindingType::update: return "update";
  case FindingType::eol: return "eol";
  case FindingType::eol_soon: return "eol-soon";
  case FindingType::closed: return "closed";
  case FindingType::abandoned: return "abandoned";
  case FindingType::untested: return "untested";
  case FindingType::unsupported: return "unsupported";
  case FindingType::insecure: return "insecure";
  case FindingType::domain: return "domain";
  }
  return "update";
}

std::string_view to_string(FeedStatus::State state) {
  switch (state) {
  case FeedStatus::State::available: return "available";
  case FeedStatus::State::unavailable: return "unavailable";
  case FeedStatus::State::not_configured: return "not_configured";
  }
  return "not_configured";
}

std::string_view to_string(SiteStatus status) {
  switch (status) {
  case SiteStatus::ok: return "ok";
  case SiteStatus::findings: return "findings";
  case SiteStatus::failed: return "failed";
  case SiteStatus::unreachable: return "unreachable";
  case SiteStatus::skipped: return "skipped";
  }
  return "failed";
}

SiteStatus site_status(const SiteCheck& check) {
  if (check.error) {
    bool unreachable = check.error->kind == core::ErrorKind::unreachable || check.error->kind == core::ErrorKind::timeout;
    return unreachable ? SiteStatus::unreachable : SiteStatus::failed;
  }
  if (!check.findings.empty()) {
    return SiteStatus::findings;
  }
  if (check.components.empty() && check.cms == "static") {
    return SiteStatus::skipped;
  }
  return SiteStatus::ok;
}

std::optional<FailOn> parse_fail_on(std::string_view text) {
  if (text == "security") return FailOn::security;
  if (text == "any") return FailOn::any;
  if (text == "never") return FailOn::never;
  return std::nullopt;
}

std::string_view to_string(FailOn fail_on) {
  switch (fail_on) {
  case FailOn::security: return "security";
  case FailOn::any: return "any";
  case FailOn::never: return "never";
  }
  return "security";
}

bool reaches(const Finding& finding, FailOn fail_on) {
  switch (fail_on) {
  case FailOn::never: return false;
  case FailOn::any: return true;
  case FailOn::security: return finding.severity == Severity::security;
  }
  return false;
}

int exit_bits(const std::vector<SiteCheck>& sites, FailOn fail_on) {
  int bits = core::exit_code::ok;
  for (const auto& s : sites) {
    switch (site_status(s)) {
    case SiteStatus::failed: bits |= core::exit_code::site_failed; break;
    case SiteStatus::unreachable: bits |= core::exit_code::unreachable; break;
    default: break;
    }
    for (const auto& f : s.findings) {
      if (reaches(f, fail_on)) {
        bits |= core::exit_code::findings;
      }
    }
  }
  return bits;
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) {
      return a.severity > b.severity;
    }
    if (a.severity == Severity::security && a.cvss_score.value_or(-1) != b.cvss_score.value_or(-1)) {
      return a.cvss_score.value_or(-1) > b.cvss_score.value_or(-1);
    }
    if (a.kind != b.kind) {
      return a.kind < b.kind;
    }
    return a.name < b.name;
  });
}

} // namespace tma::check
