#pragma once
// Retention with the semantics of `restic forget` (docs/backup.md, "Retention"): for each rule
// (last, hourly, daily, weekly, monthly, yearly) and the last N periods that HAVE backups, keep the
// newest backup of each period; the rules are ORed (one backup may satisfy several); while a rule
// still has counts left when the oldest backup is reached, the oldest is kept too ("oldest daily").
// Periods are calendar periods in the agency's time zone; weeks are ISO 8601 (Monday to Sunday,
// 2024-12-30 belongs to 2025-W01). Pure: no clock, no I/O.

#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/inventory/model.hpp>

namespace tma::backup {

/// A backup that exists (it has a manifest: it passed every check). Only such backups are given to
/// retention, so a failed or partial backup never fills a period.
struct BackupRef {
  std::string id;       ///< the backup's directory name (its UTC timestamp) or a restic snapshot id
  core::SysSeconds time{}; ///< when the backup was taken
  bool pre_update = false;       ///< kind `pre-update` (taken by `tma update` before touching prod)
  bool update_completed = false; ///< pre-update only: the update it protected ended `updated` on prod
};

/// The reason given to a pre-update backup kept by the update rule.
inline constexpr const char* k_pre_update_reason = "pre-update, kept until the next successful update";

/// The decision for one backup.
struct Decision {
  BackupRef backup;
  bool keep = false;
  /// Why it is kept, e.g. `last #1`, `daily 2026-11-28`, `weekly 2026-W48`, `monthly 2026-11`,
  /// `yearly 2026`, `oldest daily 2026-05-01`, `newest backup (guard)`. Empty when removed.
  std::vector<std::string> reasons;
};

/// Decisions for every input backup, newest first (ties on time: greater id first).
struct RetentionPlan {
  std::vector<Decision> decisions;
  /// Non-empty when a guard refused pruning: then every backup is kept (reason `guard: ...`).
  std::string refused;
  std::vector<BackupRef> kept() const;
  std::vector<BackupRef> removed() const;
};

/// Conditions under which pruning must not delete anything, whatever the policy says.
struct RetentionGuards {
  bool current_backup_failed = false; ///< the backup just attempted failed: never thin the history
};

/// The keys of the calendar periods of `time` in `zone` (exposed for tests and `tma backup prune`).
struct PeriodKeys {
  long long hourly = 0;  ///< YYYYMMDDHH
  long long daily = 0;   ///< YYYYMMDD
  long long weekly = 0;  ///< ISO year * 100 + ISO week
  long long monthly = 0; ///< YYYYMM
  long long yearly = 0;  ///< YYYY
};
PeriodKeys period_keys(core::SysSeconds time, const core::TimeZone& zone);

/// ISO 8601 week-numbering year and week (1..53) of `date`.
struct IsoWeek {
  int year = 0;
  int week = 0;
};
IsoWeek iso_week(const core::Date& date);

/// Apply `policy` to `backups` (any order; ids must be unique). Fails (ErrorKind::config) for an
/// empty policy or duplicate ids. When `guards.current_backup_failed`, nothing is removed and
/// `refused` says why. Whatever the policy, the newest backup is always kept. Pre-update backups
/// are outside the policy until the next successful update: every pre-update backup not older than
/// the newest one whose update completed (all of them when none completed) is kept with reason
/// `k_pre_update_reason`; older ones fall back to the policy. Deterministic: the
/// same input (as a set) gives the same plan.
core::Result<RetentionPlan> plan_retention(const std::vector<BackupRef>& backups, const inventory::KeepPolicy& policy,
                                           const core::TimeZone& zone, const RetentionGuards& guards = {});

/// `daily 7, weekly 4, monthly 12` for messages.
std::string describe_policy(const inventory::KeepPolicy& policy);

} // namespace tma::backup
