#include <tma/update/plan.hpp>

#include <tma/check/release_age.hpp>
#include <tma/report/output.hpp>

#include <fmt/format.h>

#include <fnmatch.h>

#include <algorithm>

namespace tma::update {

namespace {

int kind_rank(cms::ComponentKind kind) {
  switch (kind) {
  case cms::ComponentKind::core: return 0;
  case cms::ComponentKind::plugin: return 1;
  case cms::ComponentKind::theme: return 2;
  case cms::ComponentKind::package: return 3;
  case cms::ComponentKind::platform: return 4; // never planned: only end-of-life findings name it
  case cms::ComponentKind::domain: return 5;   // never planned: only domain findings name it
  }
  return 4;
}

bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// Policy entries may name a component by its key (`plugin:akismet`, `core`) or its bare name
// (`akismet`); inventories written by hand use both.
bool policy_matches(const std::string& pattern, const cms::Component& c) {
  return glob(pattern, component_key(c.kind, c.name)) || glob(pattern, c.name);
}

bool selected(const std::vector<ComponentRef>& only, const cms::Component& c) {
  if (only.empty()) {
    return true;
  }
  return std::any_of(only.begin(), only.end(), [&](const ComponentRef& ref) {
    return ref.kind == c.kind && (ref.kind == cms::ComponentKind::core || ref.name == c.name);
  });
}

const check::Finding* security_finding(const std::optional<std::vector<check::Finding>>& findings,
                                       const cms::Component& c) {
  if (!findings) {
    return nullptr;
  }
  for (const auto& f : *findings) {
    if (f.severity == check::Severity::security && f.kind == c.kind && f.name == c.name) {
      return &f;
    }
  }
  return nullptr;
}

bool within_limit(version::Scheme scheme, Limit limit, const std::string& from, const std::string& to) {
  auto distance = version::version_distance(scheme, from, to);
  switch (limit) {
  case Limit::none: return true;
  case Limit::minor: return distance != version::Distance::major;
  case Limit::patch: return distance == version::Distance::patch;
  }
  return false;
}

struct Choice {
  std::string target;
  std::string reason; ///< why nothing fits, when target is empty
};

// Highest offered version that passes every constraint; otherwise the constraint that excluded the
// newest candidate, so the skip reason names the rule that bit.
Choice choose_target(const PlanInput& in, const cms::Component& c, const std::string* pin,
                     const std::string& fixed_in) {
  std::vector<std::string> candidates;
  if (!c.latest.empty()) {
    candidates.push_back(c.latest);
  }
  if (auto it = in.offers.find(component_key(c.kind, c.name)); it != in.offers.end()) {
    candidates.insert(candidates.end(), it->second.begin(), it->second.end());
  }
  std::sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
    return version::compare_versions(in.scheme, a, b) > 0;
  });
  std::string first_reason;
  for (const auto& v : candidates) {
    std::string reason;
    if (version::compare_versions(in.scheme, v, c.installed) <= 0) {
      reason = "no version newer than " + c.installed + " offered";
    } else if (pin && !glob(*pin, v)) {
      reason = "pinned to " + *pin + "; " + v + " is outside";
    } else if (!within_limit(in.scheme, in.options.limit, c.installed, v)) {
      reason = std::string(version::to_string(version::version_distance(in.scheme, c.installed, v))) +
               " update to " + v + " exceeds --" + std::string(to_string(in.options.limit));
    } else if (!fixed_in.empty() && version::compare_versions(in.scheme, v, fixed_in) < 0) {
      reason = v + " does not reach the fixed version " + fixed_in;
    }
    if (reason.empty()) {
      return {v, ""};
    }
    if (first_reason.empty()) {
      first_reason = reason;
    }
  }
  if (first_reason.empty()) {
    first_reason = "no newer version known";
  }
  return {"", first_reason};
}

} // namespace

std::string_view to_string(Limit limit) {
  switch (limit) {
  case Limit::none: return "none";
  case Limit::minor: return "minor";
  case Limit::patch: return "patch";
  }
  return "none";
}

std::string component_key(cms::ComponentKind kind, std::string_view name) {
  if (kind == cms::ComponentKind::core) {
    return "core";
  }
  return std::string(cms::to_string(kind)) + ":" + std::string(name);
}

core::Result<std::vector<ComponentRef>> parse_only(std::string_view text) {
  std::vector<ComponentRef> refs;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto token = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    while (!token.empty() && token.front() == ' ') {
      token.remove_prefix(1);
    }
    while (!token.empty() && token.back() == ' ') {
      token.remove_suffix(1);
    }
    if (token.empty()) {
      return core::fail(core::ErrorKind::usage, "--only: empty component name in '" +
                                                    std::string(text) + "'");
    }
    if (token == "core") {
      refs.push_back({cms::ComponentKind::core, ""});
    } else {
      auto colon = token.find(':');
      auto kind = colon == token.npos ? std::nullopt
                                      : cms::parse_component_kind(token.substr(0, colon));
      if (!kind || *kind == cms::ComponentKind::core || colon + 1 == token.size()) {
        return core::fail(core::ErrorKind::usage,
                          "--only: '" + std::string(token) +
                              "' is not core, plugin:<slug>, theme:<slug> or package:<vendor/name>");
      }
      refs.push_back({*kind, std::string(token.substr(colon + 1))});
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return refs;
}

core::Result<Plan> make_plan(const PlanInput& in) {
  if (in.options.security_only && !in.findings) {
    return core::fail(core::ErrorKind::config,
                      "site " + in.site + ": --security-only needs vulnerability data, and none "
                      "could be consulted (feed not configured or unavailable)");
  }
  for (const auto& ref : in.options.only) {
    bool found = std::any_of(in.components.begin(), in.components.end(), [&](const auto& c) {
      return ref.kind == c.kind && (ref.kind == cms::ComponentKind::core || ref.name == c.name);
    });
    if (!found) {
      return core::fail(core::ErrorKind::usage, "site " + in.site + " (" + in.env + "): --only names " +
                                                    component_key(ref.kind, ref.name) +
                                                    ", which is not installed");
    }
  }

  Plan plan{in.site, in.env, {}, {}, {}};
  for (const auto& c : in.components) {
    if (c.update != cms::UpdateState::available && c.update != cms::UpdateState::unavailable && !c.refused) {
      continue;
    }
    if (!selected(in.options.only, c)) {
      continue;
    }
    auto skip = [&](std::string reason) {
      plan.skipped.push_back({c.kind, c.name, c.installed, c.latest, std::move(reason), ""});
    };
    if (c.update == cms::UpdateState::unavailable || c.refused) {
      skip(c.note.empty() ? "update not installable" : c.note);
      continue;
    }
    if (c.installed.empty()) {
      skip("installed version unknown");
      continue;
    }
    auto excluded = std::find_if(in.policy.exclude.begin(), in.policy.exclude.end(),
                                 [&](const auto& p) { return policy_matches(p, c); });
    if (excluded != in.policy.exclude.end()) {
      skip("excluded by updates.exclude '" + *excluded + "'");
      continue;
    }
    const auto* finding = security_finding(in.findings, c);
    if (in.options.security_only) {
      if (!finding) {
        skip("not a security update (--security-only)");
        continue;
      }
      if (finding->fixed_in.empty()) {
        skip("no fixed version published for the vulnerability");
        continue;
      }
    }
    const std::string* pin = nullptr;
    for (const auto& [pattern, version] : in.policy.pin) {
      if (policy_matches(pattern, c)) {
        pin = &version;
        break;
      }
    }
    auto choice = choose_target(in, c, pin,
                                in.options.security_only && finding ? finding->fixed_in : "");
    if (choice.target.empty()) {
      skip(choice.reason);
      continue;
    }
    Step step{c.kind, c.name, c.installed, choice.target, c.latest, false, "", "", ""};
    step.security = finding && !finding->fixed_in.empty() &&
                    version::compare_versions(in.scheme, choice.target, finding->fixed_in) >= 0;
    std::optional<core::SysSeconds> released;
    if (auto it = c.released.find(choice.target); it != c.released.end()) released = it->second;
    auto age = check::release_age(released, in.policy.min_release_age, in.now, step.security, in.zone);
    if (age.held()) {
      skip("held: " + age.note + " (updates.min_release_age " + core::format_duration(in.policy.min_release_age) + ")");
      plan.skipped.back().held_until = core::format_date(*age.eligible_on);
      continue;
    }
    step.release_age = age.note;
    if (!c.latest.empty() && version::compare_versions(in.scheme, choice.target, c.latest) != 0) {
      step.note = pin ? "capped by pin " + *pin
                      : "capped by --" + std::string(to_string(in.options.limit));
    }
    plan.steps.push_back(std::move(step));
  }
  auto by_kind_name = [](const auto& a, const auto& b) {
    return std::pair(kind_rank(a.kind), a.name) < std::pair(kind_rank(b.kind), b.name);
  };
  std::stable_sort(plan.steps.begin(), plan.steps.end(), by_kind_name);
  std::stable_sort(plan.skipped.begin(), plan.skipped.end(), by_kind_name);
  return plan;
}

std::string render_plan_table(const Plan& plan, bool colour) {
  report::Table table({"COMPONENT", "INSTALLED", "TARGET", "NOTE"});
  for (const auto& s : plan.steps) {
    std::string note = s.note;
    if (s.security) {
      note = note.empty() ? "security" : "security; " + note;
    }
    if (!s.release_age.empty()) {
      note = note.empty() ? s.release_age : fmt::format("{}; {}", note, s.release_age);
    }
    table.add_row({component_key(s.kind, s.name), s.installed,
                   report::Cell(s.target, s.security ? report::Style::bad : report::Style::bold),
                   note});
  }
  for (const auto& s : plan.skipped) {
    table.add_row({component_key(s.kind, s.name), s.installed, report::Cell("-", report::Style::dim),
                   report::Cell("skipped: " + s.reason, report::Style::dim)});
  }
  std::string out = plan.site + " (" + plan.env + "): " + std::to_string(plan.steps.size()) +
                    " update" + (plan.steps.size() == 1 ? "" : "s") + " planned";
  if (!plan.skipped.empty()) {
    out += ", " + std::to_string(plan.skipped.size()) + " skipped";
  }
  out += "\n";
  if (!plan.note.empty()) {
    out += "note: " + plan.note + "\n";
  }
  if (table.rows() > 0) {
    out += table.render(colour);
  }
  return out;
}

nlohmann::json plan_to_json(const Plan& plan) {
  auto steps = nlohmann::json::array();
  for (const auto& s : plan.steps) {
    steps.push_back({{"component", component_key(s.kind, s.name)},
                     {"kind", std::string(cms::to_string(s.kind))},
                     {"name", s.name},
                     {"installed", s.installed},
                     {"target", s.target},
                     {"latest", s.latest},
                     {"security", s.security},
                     {"note", s.note},
                     {"release_age", s.release_age}});
  }
  auto skipped = nlohmann::json::array();
  for (const auto& s : plan.skipped) {
    skipped.push_back({{"component", component_key(s.kind, s.name)},
                       {"kind", std::string(cms::to_string(s.kind))},
                       {"name", s.name},
                       {"installed", s.installed},
                       {"latest", s.latest},
                       {"reason", s.reason},
                       {"held_until", s.held_until.empty() ? nlohmann::json() : nlohmann::json(s.held_until)}});
  }
  nlohmann::json out{{"site", plan.site}, {"env", plan.env}, {"steps", steps}, {"skipped", skipped}};
  if (!plan.note.empty()) {
    out["note"] = plan.note;
  }
  return out;
}

} // namespace tma::update
