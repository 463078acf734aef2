#include <tma/check/by_component.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include <tma/check/render.hpp>
#include <tma/core/text.hpp>

namespace tma::check {
namespace {

// Where the update leads: the newest version, or for a vulnerable component without a newer
// release known, the version that fixes it.
std::string target_version(const Finding& f) { return f.latest.empty() ? f.fixed_in : f.latest; }

} // namespace

ComponentView group_by_component(const CheckReport& report) {
  ComponentView view;
  std::set<std::string> envs;
  using Key = std::tuple<FindingType, cms::ComponentKind, std::string, std::string, std::string>;
  std::map<Key, std::size_t> index;
  for (const auto& s : report.sites) {
    envs.insert(s.env);
    auto status = site_status(s);
    if (status == SiteStatus::failed || status == SiteStatus::unreachable) {
      view.not_checked.push_back({s.site, s.env, status, s.error ? s.error->message : std::string()});
      continue;
    }
    for (const auto& f : s.findings) {
      Key key{f.type, f.kind, f.name, f.installed, target_version(f)};
      auto [at, added] = index.try_emplace(key, view.changes.size());
      if (added) view.changes.push_back({f.kind, f.name, f.installed, target_version(f), f.severity, f.type, {}});
      auto& change = view.changes[at->second];
      change.severity = std::max(change.severity, f.severity);
      auto site = std::find_if(change.sites.begin(), change.sites.end(),
                               [&](const ComponentChange::Target& t) { return t.site == s.site; });
      if (site == change.sites.end()) {
        change.sites.push_back({s.site, {s.env}});
      } else if (std::find(site->envs.begin(), site->envs.end(), s.env) == site->envs.end()) {
        site->envs.push_back(s.env); // the same finding listed twice for one target counts once
      }
    }
  }
  view.several_envs = envs.size() > 1;
  std::stable_sort(view.changes.begin(), view.changes.end(), [](const ComponentChange& a, const ComponentChange& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.sites.size() != b.sites.size()) return a.sites.size() > b.sites.size();
    return std::tie(a.kind, a.name, a.from, a.to) < std::tie(b.kind, b.name, b.from, b.to);
  });
  return view;
}

std::string site_label(const ComponentChange::Target& target, bool several_envs) {
  if (!several_envs) return target.site;
  return fmt::format("{} ({})", target.site, core::join(target.envs, ", "));
}

report::Table components_table(const ComponentView& view) {
  report::Table table({"SEVERITY", "KIND", "NAME", "FROM", "TO", "COUNT", "SITES"});
  for (const auto& c : view.changes) {
    std::vector<std::string> labels;
    for (const auto& t : c.sites) labels.push_back(site_label(t, view.several_envs));
    auto style = severity_style(c.severity);
    auto label = c.type == FindingType::update ? std::string(to_string(c.severity)) : std::string(to_string(c.type));
    table.add_row({report::Cell(label, style), std::string(cms::to_string(c.kind)),
                   report::Cell(c.name, style), or_dash(c.from), or_dash(c.to), std::to_string(c.sites.size()),
                   core::join(labels, ", ")});
  }
  return table;
}

std::string render_components_footer(const ComponentView& view) {
  std::set<std::string> sites;
  for (const auto& c : view.changes) {
    for (const auto& t : c.sites) sites.insert(t.site);
  }
  std::string out = fmt::format("{} change{} on {} site{}\n", view.changes.size(), view.changes.size() == 1 ? "" : "s",
                                sites.size(), sites.size() == 1 ? "" : "s");
  for (const auto& n : view.not_checked) {
    out += fmt::format("not checked: {} ({}) {}{}\n", n.site, n.env, to_string(n.status), n.error.empty() ? "" : ": " + n.error);
  }
  return out;
}

} // namespace tma::check
