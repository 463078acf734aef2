#pragma once
// The job history kept between commands (docs/operations.md, "How a runner decides"): each `job.*`
// event is folded once into its job's few latest live claims, and the fold is saved next to the
// journal with the journal commit it is at; the next `tma run --due` folds only the run files
// committed since (Journal::scan_changed) instead of reading k_history_horizon of events again,
// which grew each hourly step of a month from 0.7 s to 2.5 s at 100 sites. Pure here (fold,
// history, JSON); read_job_history (jobs.hpp) does the reading and saving.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/schedule/jobs.hpp>

namespace tma::schedule {

class HistoryFold {
public:
  /// Live claims kept per job, the latest slots. A release of a kept claim falls back to the next
  /// one; a release that empties a job whose older claims were dropped makes the fold incomplete
  /// (then the caller reads the horizon again). One claim per slot and runner is the norm, and a
  /// release follows a contest for the newest slot, so three is ample.
  static constexpr std::size_t k_claims_kept = 3;

  /// Fold one event (`job.claimed`, `job.released`, `job.finished`; others are ignored). A repeat
  /// (the same event again) changes nothing, and releases and finishes may come before or after
  /// their claim.
  void apply(const journal::Event& event);

  /// The fold of `events` in any order (releases are applied first, so it is always complete).
  static HistoryFold of(const std::vector<journal::Event>& events);

  /// What fold_history gives for the same events taken at or after `horizon_start` (all if nullopt).
  std::map<std::string, JobHistory> history(std::optional<SysSeconds> horizon_start) const;

  /// False once a release left a job without the claims that were dropped for it.
  bool complete() const { return m_complete; }

  /// Forget what can no longer change a history from `horizon_start` on: claims taken before it,
  /// and releases and exit codes still waiting for a claim older than it.
  void prune(SysSeconds horizon_start);

  /// Saved form: `{"schema": "tma.job-history/1", "tip", "claims", "truncated", "released",
  /// "exits"}`, times in seconds since the epoch. Fails on another schema or a malformed document.
  nlohmann::json to_json() const;
  static core::Result<HistoryFold> from_json(const nlohmann::json& doc);

  std::string tip; ///< the journal commit the fold is at (Journal::scan_changed), empty if none

private:
  struct Claim {
    std::string id;
    std::string run;
    SysSeconds slot;
    SysSeconds at;
    std::optional<int> exit_code;
  };
  static bool better(const Claim& a, const Claim& b);
  void add_claim(const std::string& job, Claim claim);

  std::map<std::string, std::vector<Claim>> m_claims; ///< by job key, best first, at most k_claims_kept
  std::set<std::string> m_truncated;                   ///< jobs whose older claims were dropped
  std::map<std::string, SysSeconds> m_released;        ///< released claim id -> when
  std::map<std::string, std::pair<int, SysSeconds>> m_exits; ///< claim id not kept (yet) -> exit code, when
  bool m_complete = true;
};

} // namespace tma::schedule
