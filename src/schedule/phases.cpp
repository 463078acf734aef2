// The commands that run a set of due jobs.
#include <tma/schedule/jobs.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace tma::schedule {

std::vector<Phase> phases_of(const std::vector<Decision>& due, const PhaseOptions& options) {
  // Group key: kind first (run order), then what changes the command line.
  using GroupKey = std::tuple<int, std::string, bool, bool>;
  std::map<GroupKey, std::vector<Decision>> groups;
  for (const auto& d : due) {
    const auto& j = d.job;
    groups[GroupKey{static_cast<int>(j.kind), j.env, j.security_only, j.skip_preprod}].push_back(d);
  }
  auto jobs = std::to_string(options.jobs);
  auto per_host = std::to_string(options.per_host);
  std::vector<Phase> phases;
  for (auto& group : groups) {
    auto& decisions = group.second; // a named reference: clang 14 cannot capture a structured binding
    Phase phase;
    phase.kind = decisions.front().job.kind;
    const auto& first = decisions.front().job;
    auto& a = phase.args;
    auto sites = [&] {
      for (const auto& d : decisions) a.insert(a.end(), {"--site", d.job.site});
    };
    switch (phase.kind) {
    case JobKind::backup:
      a = {"backup", "--kind", "scheduled", "--env", first.env, "--jobs", jobs, "--per-host", per_host};
      sites();
      break;
    case JobKind::update:
      a = {"update", "--yes", "--jobs", jobs};
      if (first.security_only) a.emplace_back("--security-only");
      if (first.skip_preprod) a.emplace_back("--skip-preprod");
      sites();
      break;
    case JobKind::check:
      a = {"check", "--jobs", jobs, "--per-host", per_host};
      sites();
      break;
    case JobKind::health:
      a = {"health", "--record", "--jobs", jobs, "--per-host", per_host};
      sites();
      break;
    case JobKind::visual:
      // One browser per site at once, as many as the other commands' sites (at most tma visual's 16).
      a = {"visual", "compare", "--env", "prod", "--browsers", std::to_string(std::min(options.jobs, 16))};
      sites();
      break;
    case JobKind::report:
      a = {"report", "--send", "--jobs", jobs};
      for (const auto& d : decisions) a.insert(a.end(), {"--client", d.job.client});
      break;
    case JobKind::connectors_sync:
      a = {"connectors", "sync"};
      for (const auto& d : decisions) a.insert(a.end(), {"--connector", d.job.connector});
      break;
    case JobKind::notify_flush:
      a = {"notify", "flush"};
      break;
    }
    phase.jobs = std::move(decisions);
    phases.push_back(std::move(phase));
  }
  return phases;
}

} // namespace tma::schedule
