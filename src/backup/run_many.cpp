#include <tma/backup/run_many.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace tma::backup {

std::vector<BackupOutcome> run_backups(const inventory::Inventory& inventory,
                                       const std::vector<inventory::Target>& targets, const BackupOptions& options,
                                       const Services& services, const run::RunOptions& run) {
  struct SiteWork {
    std::vector<inventory::Target> targets;
    std::vector<BackupOutcome> outcomes; ///< written by the site's job only: no lock needed
  };
  std::map<std::string, SiteWork> sites;
  for (const auto& t : targets) sites[t.site->name].targets.push_back(t);
  std::vector<run::Job> jobs;
  for (auto& [name, site] : sites) {
    run::Job job;
    job.site = name;
    job.env = site.targets.size() == 1 ? site.targets.front().env->name : std::string();
    job.host = run::host_key(*site.targets.front().env);
    // Phases, bytes and the previous backup's sizes (a listing of the store) only for a line drawn.
    if (run::draws_progress(run)) job.progress = std::make_shared<run::JobProgress>();
    job.work = [&inventory, &options, &services, &site = site, progress = job.progress] {
      run::SiteResult result;
      auto with_progress = options;
      with_progress.progress = progress.get();
      for (const auto& t : site.targets) {
        auto outcome = run_backup(inventory, *t.site, *t.env, with_progress, services);
        if (outcome.error && run::status_for(*outcome.error) > result.status) {
          result.status = run::status_for(*outcome.error);
          result.error = outcome.error;
        }
        site.outcomes.push_back(std::move(outcome));
      }
      return result;
    };
    jobs.push_back(std::move(job));
  }
  auto results = run::run_jobs(std::move(jobs), run);

  std::vector<BackupOutcome> outcomes;
  for (auto& [name, site] : sites) {
    if (site.outcomes.size() < site.targets.size()) {
      // Not started (Ctrl-C) or stopped early: say so for each target without an outcome.
      // `name` passed by value: clang 14 (the fuzz build) cannot capture a structured binding.
      auto it = std::find_if(results.begin(), results.end(),
                             [site_name = name](const run::SiteResult& r) { return r.site == site_name; });
      core::Error why = it != results.end() && it->error ? *it->error
                                                         : core::Error{core::ErrorKind::interrupted, "not started"};
      for (std::size_t i = site.outcomes.size(); i < site.targets.size(); ++i) {
        BackupOutcome skipped;
        skipped.site = name;
        skipped.env = site.targets[i].env->name;
        skipped.error = why;
        site.outcomes.push_back(std::move(skipped));
      }
    }
    for (auto& o : site.outcomes) outcomes.push_back(std::move(o));
  }
  std::sort(outcomes.begin(), outcomes.end(),
            [](const auto& a, const auto& b) { return std::tie(a.site, a.env) < std::tie(b.site, b.env); });
  return outcomes;
}

} // namespace tma::backup
