// Reading and writing a job's history in the journal.
#include <tma/schedule/jobs.hpp>

namespace tma::schedule {

core::Result<std::vector<journal::Event>> read_job_events(const journal::Journal& journal, SysSeconds now) {
  journal::Filter filter;
  filter.types = {"job."};
  filter.since = now - std::chrono::duration_cast<std::chrono::seconds>(k_history_horizon);
  return journal::read_events(journal, filter);
}

core::Result<std::vector<journal::Event>> read_contest_events(const journal::Journal& journal,
                                                              const std::vector<Decision>& claimed, SysSeconds now) {
  journal::Filter filter;
  filter.types = {"job."};
  filter.since = now - std::chrono::duration_cast<std::chrono::seconds>(k_history_horizon);
  std::optional<SysSeconds> earliest;
  for (const auto& d : claimed) {
    if (!d.slot) return journal::read_events(journal, filter);
    if (!earliest || *d.slot < *earliest) earliest = *d.slot;
  }
  if (earliest && *earliest > *filter.since) filter.since = *earliest;
  return journal::read_events(journal, filter);
}

nlohmann::json claim_data(const Decision& decision) {
  nlohmann::json data{{"job", decision.job.key()},
                      {"kind", std::string(to_string(decision.job.kind))},
                      {"slot", decision.slot ? core::format_rfc3339_utc(*decision.slot) : std::string()},
                      {"schedule", decision.job.schedule.text()},
                      {"missed", decision.missed}};
  return data;
}

journal::Subject subject_of(const Job& job) { return journal::Subject{job.site, job.env, job.client}; }

} // namespace tma::schedule
