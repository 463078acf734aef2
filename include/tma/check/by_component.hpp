#pragma once
// `tma check --by component`: the portfolio seen from the components' side, one line per
// (component, installed → target) with the sites that share it ("akismet 5.0.2 → 5.3 on 10 sites").
// Pure functions of the check results (docs/check.md, "Per-component view").

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/check/finding.hpp>
#include <tma/check/render.hpp>
#include <tma/report/output.hpp>

namespace tma::check {

/// The same change of one component on several sites: same type, kind, name, installed and target version.
struct ComponentChange {
  cms::ComponentKind kind = cms::ComponentKind::plugin;
  std::string name;
  std::string from;                ///< installed version ("" when unknown)
  std::string to;                  ///< the latest version, else the version fixing it ("" when neither is known)
  Severity severity = Severity::patch; ///< the most urgent among the sites (they normally agree)
  FindingType type = FindingType::update; ///< end-of-life findings group apart from updates
  struct Target {
    std::string site;
    std::vector<std::string> envs; ///< in the order of the report
  };
  std::vector<Target> sites;       ///< in the order of the report, each site once
};

/// A target the view cannot speak for: it failed or was unreachable.
struct NotChecked {
  std::string site;
  std::string env;
  SiteStatus status = SiteStatus::failed;
  std::string error;
};

struct ComponentView {
  std::vector<ComponentChange> changes; ///< most urgent first, then most sites, then kind, name, from, to
  std::vector<NotChecked> not_checked;
  bool several_envs = false;            ///< the report covers more than one environment name
};

/// Group every finding of `report` by (kind, name, installed, target).
ComponentView group_by_component(const CheckReport& report);

/// `acme-www`, or `acme-www (prod, preprod)` when the view covers several environment names.
std::string site_label(const ComponentChange::Target& target, bool several_envs);

/// One row per change: SEVERITY KIND NAME FROM TO COUNT SITES (labels joined by `, `).
report::Table components_table(const ComponentView& view);

/// What follows the table in text output: `3 changes on 5 sites`, then one line per target not checked.
std::string render_components_footer(const ComponentView& view);

/// `{command: "check", view: "component", fail_on, vulnerability_feed, changes[] {kind, name, from, to,
/// severity, count, sites[] {site, envs[]}}, not_checked[] {site, env, status, error}}`; wrap with
/// report::envelope(k_check_schema, ...).
nlohmann::json components_json_payload(const CheckReport& report, const ComponentView& view);

} // namespace tma::check
