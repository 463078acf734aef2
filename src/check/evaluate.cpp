#include <tma/check/evaluate.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace tma::check {
namespace {

using cms::ComponentKind;
using version::compare_versions;
using version::composer_fix_from_constraint;
using version::Distance;
using version::Scheme;
using version::version_distance;
using cms::UpdateState;

// Wordfence names core `wordpress`; composer names Drupal core `drupal/core`.
std::string audit_package_name(const cms::Component& c) {
  if (c.kind == ComponentKind::core && c.name == "drupal") {
    return "drupal/core";
  }
  return c.name;
}

void add_wordfence(const cms::Component& c, const VulnerabilityDb& db, Finding& f) {
  if (c.kind == ComponentKind::package) {
    return;
  }
  for (const auto& m : db.match(c.kind, c.name, c.installed)) {
    const auto& v = *m.vulnerability;
    Advisory a;
    a.id = v.id;
    a.cve = v.cve;
    a.title = v.title;
    a.cvss_score = v.cvss_score;
    a.cvss_rating = v.cvss_rating;
    a.link = v.link;
    a.fixed_in = m.fixed_in;
    f.advisories.push_back(std::move(a));
  }
  if (!f.advisories.empty()) {
    f.source += "+wordfence";
  }
}

void add_audit(const cms::Component& c, const cms::composer::Audit& audit, Finding& f) {
  auto package = audit_package_name(c);
  bool any = false;
  for (const auto& adv : audit.advisories) {
    if (adv.package != package) {
      continue;
    }
    // composer audit already decided the installed version is affected; the constraint is only
    // read to learn the fixing version.
    Advisory a;
    a.id = adv.advisory_id;
    a.cve = adv.cve;
    a.aliases = adv.remote_ids;
    a.title = adv.title;
    a.cvss_rating = adv.severity;
    a.link = adv.link;
    if (!c.installed.empty()) {
      a.fixed_in = composer_fix_from_constraint(adv.affected_versions, c.installed);
    }
    f.advisories.push_back(std::move(a));
    any = true;
  }
  if (any) {
    f.source += "+composer-audit";
  }
}

void add_drush(const cms::Component& c, const std::vector<cms::drush::InsecureProject>& insecure, Finding& f) {
  auto package = audit_package_name(c);
  for (const auto& p : insecure) {
    if (p.name == package) {
      Advisory a;
      a.id = "drupal-security-advisory";
      a.title = "outstanding security update (drush pm:security)";
      f.advisories.push_back(std::move(a));
      f.source += "+drush-pm-security";
    }
  }
}

// Composer ratings are lowercase words; order them with Wordfence's capitalised ones.
int rating_rank(const std::string& rating) {
  std::string r;
  for (char ch : rating) {
    r.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  if (r == "critical") return 4;
  if (r == "high") return 3;
  if (r == "medium") return 2;
  if (r == "low") return 1;
  return 0;
}

void summarise_security(Finding& f, Scheme scheme) {
  f.severity = Severity::security;
  bool unfixed = false;
  for (const auto& a : f.advisories) {
    if (a.fixed_in.empty()) {
      unfixed = true;
    } else if (f.fixed_in.empty() || compare_versions(scheme, a.fixed_in, f.fixed_in) > 0) {
      // Every advisory must be fixed, so the version fixing all of them is the largest of the fixes.
      f.fixed_in = a.fixed_in;
    }
    bool higher = a.cvss_score && (!f.cvss_score || *a.cvss_score > *f.cvss_score);
    bool rating_only = !a.cvss_score && !f.cvss_score && rating_rank(a.cvss_rating) > rating_rank(f.cvss_rating);
    if (higher || rating_only) {
      f.cvss_score = a.cvss_score;
      f.cvss_rating = a.cvss_rating;
    }
  }
  if (unfixed) {
    std::string text = f.fixed_in.empty() ? "no fixed version published" : "some advisories have no fixed version";
    f.note = f.note.empty() ? text : text + "; " + f.note;
  }
}

} // namespace

std::vector<Finding> findings_for(const std::string& site, const std::string& env, Scheme scheme,
                                  const std::vector<cms::Component>& components, const SecuritySources& sources) {
  std::vector<Finding> findings;
  for (const auto& c : components) {
    Finding f;
    f.site = site;
    f.env = env;
    f.kind = c.kind;
    f.name = c.name;
    f.installed = c.installed;
    f.latest = c.latest;
    f.source = c.source;
    f.note = c.note;
    if (c.refused) {
      // A name or version that could turn into an option on the server: someone must look.
      f.severity = Severity::major;
      findings.push_back(std::move(f));
      continue;
    }
    if (sources.wordfence) {
      add_wordfence(c, *sources.wordfence, f);
    }
    if (sources.composer_audit) {
      add_audit(c, *sources.composer_audit, f);
    }
    if (sources.drush_insecure) {
      add_drush(c, *sources.drush_insecure, f);
    }
    if (!f.advisories.empty()) {
      summarise_security(f, scheme);
      findings.push_back(std::move(f));
      continue;
    }
    bool newer = c.update == UpdateState::available || c.update == UpdateState::unavailable;
    if (!newer) {
      continue;
    }
    auto distance = version_distance(scheme, c.installed, c.latest);
    switch (distance) {
    case Distance::major: f.severity = Severity::major; break;
    case Distance::minor: f.severity = Severity::minor; break;
    case Distance::patch:
    case Distance::none: f.severity = Severity::patch; break;
    }
    findings.push_back(std::move(f));
  }
  sort_findings(findings);
  return findings;
}

std::vector<cms::Component> audit_only_components(const cms::composer::Audit& audit,
                                                  const std::vector<cms::Component>& components) {
  std::set<std::string> known;
  for (const auto& c : components) {
    known.insert(audit_package_name(c));
  }
  std::vector<cms::Component> extra;
  for (const auto& adv : audit.advisories) {
    if (known.insert(adv.package).second) {
      cms::Component c;
      c.kind = ComponentKind::package;
      c.name = adv.package;
      c.update = UpdateState::unknown;
      c.source = "composer-audit";
      c.evidence = "composer audit";
      c.note = "installed version not listed by composer outdated";
      extra.push_back(std::move(c));
    }
  }
  return extra;
}

} // namespace tma::check
