// Which scheduled jobs are due now: pure, over a clock the caller gives.
#include <tma/schedule/jobs.hpp>

namespace tma::schedule {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::due: return "due";
  case Verdict::not_due: return "not due";
  case Verdict::outside_window: return "waits for its window";
  case Verdict::backed_up: return "backed up since the slot";
  case Verdict::new_job: return "new: starts at its next slot";
  }
  return "?";
}

namespace {

// Slots strictly between `after` and `before`, counted up to the cap.
std::pair<int, bool> slots_between(const core::Schedule& schedule, SysSeconds after, SysSeconds before,
                                   const core::TimeZone& zone) {
  int count = 0;
  auto slot = schedule.next_slot(after, zone);
  while (slot && *slot < before) {
    if (++count > k_missed_cap) return {k_missed_cap, true};
    slot = schedule.next_slot(*slot, zone);
  }
  return {count, false};
}

} // namespace

std::vector<Decision> decide(const std::vector<Job>& jobs, const std::map<std::string, JobHistory>& history,
                             const std::map<std::string, SysSeconds>& last_good_backup, SysSeconds now,
                             const core::TimeZone& zone) {
  std::vector<Decision> out;
  out.reserve(jobs.size());
  for (const auto& job : jobs) {
    Decision d;
    d.job = job;
    d.slot = job.schedule.previous_slot(now, zone);
    d.next_slot = job.schedule.next_slot(now, zone);
    auto key = job.key();
    if (auto h = history.find(key); h != history.end()) d.history = h->second;
    auto backup = last_good_backup.find(key);
    if (!d.slot) {
      d.verdict = Verdict::not_due;
    } else if (d.history && d.history->last_slot && *d.slot <= *d.history->last_slot) {
      d.verdict = Verdict::not_due;
    } else if (job.kind == JobKind::backup && backup != last_good_backup.end() && backup->second >= *d.slot) {
      d.verdict = Verdict::backed_up;
    } else if (job.kind != JobKind::backup && !(d.history && d.history->last_slot) && now - *d.slot > k_new_job_grace) {
      // Backups keep `backup --due`'s rule: a site never backed up is due at once.
      d.verdict = Verdict::new_job;
    } else if (job.window && !job.window->contains(now, zone)) {
      d.verdict = Verdict::outside_window;
    } else {
      d.verdict = Verdict::due;
    }
    if (d.slot && d.history && d.history->last_slot && *d.slot > *d.history->last_slot) {
      std::tie(d.missed, d.missed_capped) = slots_between(job.schedule, *d.history->last_slot, *d.slot, zone);
    }
    out.push_back(std::move(d));
  }
  return out;
}

} // namespace tma::schedule
