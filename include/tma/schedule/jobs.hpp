#pragma once
// The agency's calendar (`tma run --due`, `tma schedule`; docs/operations.md): the recurring jobs the
// inventory schedules, what the journal says of their last runs, and which are due now. Pure: the
// caller reads the journal and the clock, this folder decides.
//
// A job's history is three events (docs/journal.md): `job.claimed` (a runner took the job for one
// slot), `job.released` (it gave the claim back: another runner had it first), `job.finished` (the
// exit code of the command that ran it). A job is due when its latest slot is newer than its last
// claimed slot; a machine that was off catches up once, never slot by slot.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/schedule.hpp>
#include <tma/inventory/model.hpp>
#include <tma/inventory/select.hpp>
#include <tma/journal/journal.hpp>

namespace tma::schedule {

using core::SysSeconds;

/// In the order `tma run --due` runs them: a site's backup always comes before its update.
/// The visual comparison runs before the report, which counts its pages.
enum class JobKind { backup, update, check, health, visual, report, connectors_sync, notify_flush };
std::string_view to_string(JobKind kind);
std::optional<JobKind> parse_job_kind(std::string_view text);
/// Every kind, in run order.
const std::vector<JobKind>& all_kinds();

struct Job {
  JobKind kind = JobKind::backup;
  std::string site;   ///< empty for report and notify flush
  std::string env;    ///< backup only (one job per environment); empty otherwise
  std::string client; ///< the site's client, or the report's
  std::string connector; ///< connectors sync only
  core::Schedule schedule;
  std::optional<core::DailyWindow> window; ///< update only
  bool security_only = false;              ///< update only
  bool skip_preprod = false;               ///< update of a site without preprod
  /// `backup:acme-www:prod`, `update:acme-www`, `report:acme`, `connectors-sync:redmine`, `notify-flush`: the claim's name.
  std::string key() const;
};

/// The scheduled jobs of `sites` (and, when `agency_jobs`, the per-client reports and the notify flush),
/// restricted to `kinds` (empty: all) and to `env` for backups. Updates only where the inventory writes
/// `updates.schedule`; check, health, visual, report and notify flush only where a schedule is written.
std::vector<Job> scheduled_jobs(const inventory::Inventory& inventory, const std::vector<const inventory::Site*>& sites,
                                const std::optional<std::string>& env, const std::vector<JobKind>& kinds,
                                bool agency_jobs);

/// What the journal says of one job.
struct JobHistory {
  std::optional<SysSeconds> last_slot;    ///< the latest slot a claim still holds
  std::optional<SysSeconds> last_claimed; ///< when that claim was taken
  std::string last_run;                   ///< the run that holds it
  std::optional<int> last_exit_code;      ///< from `job.finished` of that claim, if any
};

/// Fold `job.*` events (any order) into each job's history, by job key. A released claim holds nothing.
std::map<std::string, JobHistory> fold_history(const std::vector<journal::Event>& events);

/// How far back `tma run --due` reads `job.*` events. A job whose last claim is older is treated as
/// new, which never runs it twice: a claim of the latest slot is always younger than a day past it.
inline constexpr std::chrono::days k_history_horizon{35};
/// A job the journal has never seen runs at once only when its latest slot is this recent; otherwise
/// it starts at its next slot (a weekly update added on a Tuesday waits for Monday).
inline constexpr std::chrono::hours k_new_job_grace{24};

enum class Verdict {
  due,             ///< run it now
  not_due,         ///< its latest slot is already claimed (or there is none yet)
  outside_window,  ///< due, but waits for its update window
  backed_up,       ///< a good backup was taken since the latest slot (by hand, say)
  new_job          ///< never ran and its latest slot is older than the grace: starts at the next slot
};
std::string_view to_string(Verdict verdict);

struct Decision {
  Job job;
  Verdict verdict = Verdict::not_due;
  std::optional<SysSeconds> slot;      ///< the latest slot at or before now
  std::optional<SysSeconds> next_slot; ///< the first slot after now
  int missed = 0;                      ///< slots skipped between the last claim and `slot` (catch-up)
  bool missed_capped = false;          ///< more than k_missed_cap
  std::optional<JobHistory> history;
};
inline constexpr int k_missed_cap = 1000;

/// Decide each job at `now` in `zone`. `last_good_backup` gives, for backup job keys, the time of
/// the newest verified backup (a backup taken after the slot makes the job not due, as `backup --due`).
std::vector<Decision> decide(const std::vector<Job>& jobs, const std::map<std::string, JobHistory>& history,
                             const std::map<std::string, SysSeconds>& last_good_backup, SysSeconds now,
                             const core::TimeZone& zone);

/// The event ids of `my_run`'s live claims that another run also holds (same job, same slot): this run
/// must release them. The claim that reached the shared journal first wins, so the caller asks on the
/// merged journal before each push; once its push is accepted, its remaining claims are its own.
std::vector<std::string> contested_claims(const std::vector<journal::Event>& events, const std::string& my_run);

} // namespace tma::schedule

namespace tma::schedule {

/// One command `tma run --due` runs for a group of due jobs of one kind: the arguments after
/// `tma -i INVENTORY` (`backup --kind scheduled --env prod --site a --site b ...`). Each phase is the
/// very command a cron line would run, with its own journal run and exit code.
struct Phase {
  JobKind kind = JobKind::backup;
  std::vector<std::string> args;
  std::vector<Decision> jobs;
};

struct PhaseOptions {
  int jobs = 4;     ///< `--jobs` of each command
  int per_host = 2; ///< `--per-host` where the command has it
};

/// The phases for `due` jobs, in run order (every backup before any update), grouped so that one
/// command takes every job it can: backups by environment, updates by their flags.
std::vector<Phase> phases_of(const std::vector<Decision>& due, const PhaseOptions& options);

} // namespace tma::schedule

namespace tma::schedule {

/// Each job's history from the `job.*` events of the last k_history_horizon before `now`, as
/// fold_history gives it. Where the journal offers a cache directory, the fold is kept there
/// (`job-history.json`) with the journal commit it is at, and only the run files committed since
/// are read (HistoryFold, Journal::scan_changed); a missing, damaged or incomplete fold means
/// reading the horizon again. Failing to save it is only logged.
core::Result<std::map<std::string, JobHistory>> read_job_history(const journal::Journal& journal, SysSeconds now);

/// The `job.*` events that tell whether another runner holds one of `claimed`'s claims (for
/// contested_claims, before each push): those since the earliest slot claimed, not the whole horizon.
/// A claim of slot S is recorded at or after S by whoever claims it, and so is its release, so nothing
/// older can contest it; an hourly step then reads an hour or two of the journal instead of
/// k_history_horizon of it. A claim without a slot falls back to the horizon.
core::Result<std::vector<journal::Event>> read_contest_events(const journal::Journal& journal,
                                                              const std::vector<Decision>& claimed, SysSeconds now);

/// `job.claimed` data for a due job: {job, kind, slot, missed}.
nlohmann::json claim_data(const Decision& decision);
/// The journal subject of a job (site, env, client).
journal::Subject subject_of(const Job& job);

} // namespace tma::schedule
