// The pure parts of `tma update`: exit bits, leftover maintenance, drift, the validated set, and
// the renderers.
#include <tma/check/render.hpp>
#include <tma/update/run_update.hpp>

#include <tma/core/exit_code.hpp>
#include <tma/report/output.hpp>
#include <tma/core/units.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace tma::update {

namespace {

bool prod_failed(const SiteResult& r) {
  return r.outcome == Outcome::rolled_back || r.outcome == Outcome::restored || r.outcome == Outcome::failed;
}

nlohmann::json error_json(const std::optional<core::Error>& error) {
  if (!error) {
    return nullptr;
  }
  return {{"kind", std::string(core::to_string(error->kind))}, {"message", error->message}};
}

} // namespace

int exit_bits(const SiteRun& run) {
  if (run.error) {
    switch (run.error->kind) {
    case core::ErrorKind::locked: return 0;
    case core::ErrorKind::unreachable:
    case core::ErrorKind::timeout: return core::exit_code::unreachable;
    default: return core::exit_code::site_failed;
    }
  }
  if (!run.result) {
    return 0;
  }
  int bits = 0;
  const auto& r = *run.result;
  if (r.outcome == Outcome::failed) {
    bits |= core::exit_code::site_failed;
  }
  if (r.outcome == Outcome::rolled_back || r.outcome == Outcome::restored) {
    bits |= core::exit_code::findings;
  }
  for (const auto& s : r.steps) {
    if (s.status == StepStatus::rejected || s.status == StepStatus::held) {
      bits |= core::exit_code::findings;
    }
  }
  return bits;
}

std::map<std::string, std::string> maintenance_to_clear(const std::vector<journal::Event>& events,
                                                        const std::string& site) {
  std::set<std::string> recovered;
  for (const auto& e : events) {
    if (e.site == site && e.type == "update.recovered" && e.data.contains("run") && e.data["run"].is_string()) {
      recovered.insert(e.data["run"].get<std::string>());
    }
  }
  auto ordered = events;
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  std::map<std::string, std::pair<bool, std::string>> last; // env -> (on, run)
  std::map<std::string, std::set<std::string>> switched_on; // run -> envs
  std::set<std::string> finished;
  for (const auto& e : ordered) {
    if (e.site != site) {
      continue;
    }
    if (e.type == "update.maintenance.on") {
      last[e.env] = {true, e.run};
      switched_on[e.run].insert(e.env);
    } else if (e.type == "update.maintenance.off") {
      last[e.env] = {false, e.run};
    } else if (e.type == "update.finished") {
      finished.insert(e.run);
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& [env, state] : last) {
    if (state.first && recovered.count(state.second) == 0) {
      out[env] = state.second;
    }
  }
  // Killed while switching maintenance off: the `off` event is there, the flag may not be.
  for (const auto& [run, envs] : switched_on) {
    if (finished.count(run) == 0 && recovered.count(run) == 0) {
      for (const auto& env : envs) {
        out.emplace(env, run);
      }
    }
  }
  return out;
}

std::vector<std::string> drift(const Plan& plan, const std::vector<cms::Component>& components) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps) {
    auto key = component_key(step.kind, step.name);
    auto it = std::find_if(components.begin(), components.end(), [&](const cms::Component& c) {
      return c.kind == step.kind && (step.kind == cms::ComponentKind::core || c.name == step.name);
    });
    if (it == components.end()) {
      out.push_back(fmt::format("{} is no longer installed (the plan was made from {})", key, step.installed));
    } else if (it->installed != step.installed) {
      out.push_back(fmt::format("{} is {}, the plan was made from {}", key, it->installed, step.installed));
    }
  }
  return out;
}

core::Result<Plan> plan_from_validated(const std::string& site, const nlohmann::json& data) {
  Plan plan;
  plan.site = site;
  plan.env = "prod";
  if (!data.is_object() || !data.contains("steps") || !data["steps"].is_array()) {
    return core::fail(core::ErrorKind::io, "update.validated event of " + site + " has no steps array");
  }
  for (const auto& item : data["steps"]) {
    Step step;
    try {
      auto component = item.at("component").get<std::string>();
      if (item.contains("kind")) {
        auto kind = cms::parse_component_kind(item["kind"].get<std::string>());
        if (!kind) {
          return core::fail(core::ErrorKind::io, "update.validated: unknown kind in " + item.dump());
        }
        step.kind = *kind;
        step.name = item.value("name", std::string());
      } else {
        auto refs = parse_only(component);
        if (!refs || refs->size() != 1) {
          return core::fail(core::ErrorKind::io, "update.validated: unreadable component '" + component + "'");
        }
        step.kind = refs->front().kind;
        step.name = refs->front().name;
      }
      step.installed = item.at("from").get<std::string>();
      step.target = item.at("to").get<std::string>();
      step.latest = step.target;
      step.visual_report = item.value("visual_report", std::string());
    } catch (const nlohmann::json::exception& e) {
      return core::fail(core::ErrorKind::io, "update.validated event of " + site + ": " + e.what());
    }
    plan.steps.push_back(std::move(step));
  }
  return plan;
}

// Steps whose pages changed on preprod wait for a person: without --accept-visual they stay out of
// the promoted set, listed as skipped with their report.
void hold_visual_changes(Plan& plan) {
  std::vector<Step> kept;
  for (auto& step : plan.steps) {
    if (step.visual_report.empty()) {
      kept.push_back(std::move(step));
      continue;
    }
    plan.skipped.push_back(Skip{step.kind, step.name, step.installed, step.target,
                                fmt::format("pages changed on preprod: review {}; --accept-visual promotes it",
                                            step.visual_report),
                                ""});
  }
  plan.steps = std::move(kept);
}

std::string render_plans(const std::vector<SitePlan>& plans, bool colour) {
  std::string out;
  for (const auto& p : plans) {
    if (p.error) {
      out += fmt::format("{}: no plan: {}\n", p.site, p.error->message);
      continue;
    }
    if (!p.validated_by.empty()) {
      out += fmt::format("{}: the set validated on preprod by run {}\n", p.site, p.validated_by);
    }
    out += render_plan_table(*p.plan, colour);
  }
  return out;
}

std::string render_runs(const std::vector<SiteRun>& runs, bool colour) {
  std::string out;
  for (const auto& r : runs) {
    for (const auto& env : r.recovered) {
      out += fmt::format("{}: switched off the maintenance mode of {} left on by an interrupted run\n", r.site, env);
    }
    if (r.error) {
      out += fmt::format("{}: FAILED: {}\n", r.site, r.error->message);
      continue;
    }
    if (!r.result) {
      continue;
    }
    out += render_result_table(*r.result, colour);
    if (!r.result->backup_id.empty()) {
      out += fmt::format("  pre-update backup: {}\n", r.result->backup_id);
    }
    if (r.incident) {
      out += fmt::format("  incident opened: {}\n", r.incident->id);
    }
    out += fmt::format("  duration: {}\n", core::format_elapsed(r.duration));
  }
  return out;
}

std::string recap_line(const std::vector<SiteRun>& runs) {
  // Outcomes first (best to worst), then the sites the pipeline did not run.
  const std::vector<std::string> order{"updated", "validated", "nothing to do", "rolled back", "restored",
                                       "failed", "unreachable", "locked", "not run"};
  std::map<std::string, int> counts;
  for (const auto& r : runs) {
    if (r.error) {
      auto kind = r.error->kind;
      counts[kind == core::ErrorKind::locked                                            ? "locked"
             : kind == core::ErrorKind::unreachable || kind == core::ErrorKind::timeout ? "unreachable"
                                                                                         : "failed"]++;
    } else if (r.result) {
      counts[std::string(to_string(r.result->outcome))]++;
    } else {
      counts["not run"]++;
    }
  }
  std::vector<std::string> parts;
  for (const auto& name : order) {
    if (auto it = counts.find(name); it != counts.end()) parts.push_back(fmt::format("{} {}", it->second, name));
  }
  auto head = fmt::format("{} site{}", runs.size(), runs.size() == 1 ? "" : "s");
  return parts.empty() ? head : fmt::format("{}: {}", head, fmt::join(parts, ", "));
}

nlohmann::json plans_to_json(const std::vector<SitePlan>& plans) {
  auto list = nlohmann::json::array();
  for (const auto& p : plans) {
    list.push_back({{"site", p.site},
                    {"plan", p.plan ? plan_to_json(*p.plan) : nlohmann::json()},
                    {"validated_by", p.validated_by},
                    {"error", error_json(p.error)}});
  }
  return list;
}

nlohmann::json runs_to_json(const std::vector<SiteRun>& runs) {
  auto list = nlohmann::json::array();
  for (const auto& r : runs) {
    list.push_back({{"site", r.site},
                    {"plan", r.plan ? plan_to_json(*r.plan) : nlohmann::json()},
                    {"result", r.result ? result_to_json(*r.result) : nlohmann::json()},
                    {"error", error_json(r.error)},
                    {"incident", r.incident ? r.incident->id : std::string()},
                    {"recovered_maintenance", r.recovered},
                    {"duration_seconds", r.duration.count()},
                    {"exit_bits", exit_bits(r)}});
  }
  return list;
}

std::string render_junit(const std::vector<SiteRun>& runs) {
  int failures = 0;
  std::string cases;
  for (const auto& r : runs) {
    std::string message;
    if (r.error) {
      message = r.error->message;
    } else if (r.result && (prod_failed(*r.result) || exit_bits(r) != 0)) {
      message = std::string(to_string(r.result->outcome)) + (r.result->error.empty() ? "" : ": " + r.result->error);
      for (const auto& s : r.result->steps) {
        if (s.status == StepStatus::rejected) {
          message += "; " + component_key(s.step.kind, s.step.name) + " " + s.step.target + " rejected on preprod: " +
                     s.reason;
        }
      }
    }
    cases += fmt::format("  <testcase classname=\"tma.update\" name=\"{}\" time=\"{}\">", check::xml_escape(r.site),
                         r.duration.count());
    if (!message.empty()) {
      ++failures;
      cases += fmt::format("<failure message=\"{}\"/>", check::xml_escape(message));
    }
    cases += "</testcase>\n";
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"tma update\" tests=\"{}\" "
                     "failures=\"{}\">\n{}</testsuite>\n",
                     runs.size(), failures, cases);
}

} // namespace tma::update
