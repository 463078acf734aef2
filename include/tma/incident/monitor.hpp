#pragma once
// Incidents opened and resolved by monitoring (`tma health --record`) and by the update pipeline.
//
// Consecutive-failure state lives in the journal as `monitor.failed` events (one per failed check,
// with the streak length and when the site went down) and one `monitor.recovered` when a failing
// site passes again. A healthy site writes nothing. The journal rather than a state file: the
// count survives a crash between runs, moves with `tma sync` when checks run from another machine,
// and every opening decision can be audited afterwards.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/check/health.hpp>
#include <tma/incident/incident.hpp>

namespace tma::incident {

inline constexpr std::string_view k_monitor_failed = "monitor.failed";
inline constexpr std::string_view k_monitor_recovered = "monitor.recovered";

/// A resolved monitoring incident that fails again within this window is reopened rather than
/// replaced by a new one, so a flapping site keeps one incident.
inline constexpr Seconds k_reopen_window{3600};

/// How far back the failure streak is looked for: a site still down records a failure every check.
inline constexpr Seconds k_streak_lookback{14 * 86400};

/// One check result as monitoring sees it: up or down, and why.
struct Probe {
  std::string site;
  std::string env;
  bool ok = true;
  std::string problem = "health"; ///< what is checked; one open incident per site, env and problem
  std::string detail;             ///< `expected status 200, got 500`
};

/// The probes of `results` (from check::evaluate_health): one per site and env, down when any of
/// its results is critical, with the problems' messages as detail.
std::vector<Probe> probes_from_health(const std::vector<check::HealthResult>& results);

enum class Transition {
  none,      ///< healthy and was healthy
  counted,   ///< failed, fewer than `down_after` times in a row
  opened,    ///< failed `down_after` times in a row: incident opened
  noted,     ///< still failing: note added to the open incident
  reopened,  ///< failed again soon after its incident was resolved: reopened
  resolved,  ///< healthy again: incident resolved with the downtime
  recovered, ///< healthy again after failures that never opened an incident
};

std::string_view to_string(Transition transition);

struct MonitorOutcome {
  Probe probe;
  Transition transition = Transition::none;
  int streak = 0;                        ///< consecutive failures including this one
  std::optional<Incident> incident;      ///< the incident concerned (resolved: with its resolution)
  std::optional<journal::Event> event;   ///< the incident.* event recorded, for notifications
  std::optional<Seconds> downtime;       ///< resolved: from the first failed check to now
};

/// Apply `probes` taken now (`journal.now()`): record the streak events and open, note, reopen or
/// resolve incidents in `run` (flushed before returning). The threshold is each site's
/// `health.down_after`, the severity its `criticality`. Unknown sites are reported as errors.
core::Result<std::vector<MonitorOutcome>> record_probes(journal::Journal& journal, journal::Run& run,
                                                        const inventory::Inventory& inventory,
                                                        const core::TimeZone& zone, const std::vector<Probe>& probes);

/// What the update pipeline says of a prod it had to roll back, restore from its backup, or leave
/// failed after its prod stage began.
struct UpdateFailure {
  std::string env = "prod";
  std::string outcome;    ///< update::to_string(Outcome): `rolled back`, `restored`, `failed`
  std::string detail;     ///< why, as the pipeline reported it (shortened to 200 characters)
  std::string backup;     ///< the pre-update backup id, empty when none was taken
  std::string update_run; ///< the update run, attached to the incident
};

/// Open the `major` incident of a failed prod update on `site` (`source: update`, problem
/// `update`, the run attached, outcome and backup in the event's data). `tma update` calls it and
/// then notifies `incident.opened` like any other incident.
core::Result<Incident> open_rollback_incident(journal::Journal& journal, journal::Run& run, const inventory::Site& site,
                                              const UpdateFailure& failure, const core::TimeZone& zone);

} // namespace tma::incident
