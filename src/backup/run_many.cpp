#include <tma/backup/run_many.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace tma::backup {

std::vector<BackupOutcome> run_backups(const inventory::Inventory& inventory,
                                       const std::vector<inventory::Target>& targets, const BackupOptions& options,
                                       const Services& services, const run::RunOptions& run) {
  std::map<std::string, std::vector<inventory::Target>> by_site;
  for (const auto& t : targets) by_site[t.site->name].push_back(t);
  // Each job writes only its own slot: no lock needed.
  std::map<std::string, std::vector<BackupOutcome>> done;
  for (const auto& [name, list] : by_site) done[name];
  std::vector<run::Job> jobs;
  for (const auto& [name, list] : by_site) {
    run::Job job;
    job.site = name;
    job.env = list.size() == 1 ? list.front().env->name : std::string();
    job.host = run::host_key(*list.front().env);
    job.work = [&inventory, &options, &services, &list = list, &slot = done[name]] {
      run::SiteResult result;
      for (const auto& t : list) {
        auto outcome = run_backup(inventory, *t.site, *t.env, options, services);
        if (outcome.error && run::status_for(*outcome.error) > result.status) {
          result.status = run::status_for(*outcome.error);
          result.error = outcome.error;
        }
        slot.push_back(std::move(outcome));
      }
      return result;
    };
    jobs.push_back(std::move(job));
  }
  auto results = run::run_jobs(std::move(jobs), run);

  std::vector<BackupOutcome> outcomes;
  for (auto& [name, list] : by_site) {
    auto& slot = done[name];
    if (slot.size() < list.size()) {
      // Not started (Ctrl-C) or stopped early: say so for each target without an outcome.
      auto it = std::find_if(results.begin(), results.end(), [&](const run::SiteResult& r) { return r.site == name; });
      core::Error why = it != results.end() && it->error ? *it->error
                                                         : core::Error{core::ErrorKind::interrupted, "not started"};
      for (std::size_t i = slot.size(); i < list.size(); ++i) {
        BackupOutcome skipped;
        skipped.site = name;
        skipped.env = list[i].env->name;
        skipped.error = why;
        slot.push_back(std::move(skipped));
      }
    }
    for (auto& o : slot) outcomes.push_back(std::move(o));
  }
  std::sort(outcomes.begin(), outcomes.end(),
            [](const auto& a, const auto& b) { return std::tie(a.site, a.env) < std::tie(b.site, b.env); });
  return outcomes;
}

} // namespace tma::backup
