#pragma once
// The update pipeline of one site, written as a runbook over interfaces: preprod one component at a
// time with a smoke test after each (a breaking component is reverted and rejected), then prod with a
// pre-update backup, maintenance mode, exactly the versions preprod validated, database updates, a
// smoke test, and rollback (previous versions, then the backup) when prod is unhealthy.
//
// Every side effect goes through an interface below (the real adapters in cms/: cms::make_actions,
// fakes in the tests) and is preceded by a journal event through `Recorder`; a recorder failure stops
// the pipeline before the side effect. Maintenance mode is switched off on every exit path by a guard.

#include <tma/cms/actions.hpp>
#include <tma/core/error.hpp>
#include <tma/update/plan.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tma::update {

/// Changes made to one environment's CMS: cms/actions.hpp (one adapter per CMS lives in cms/).
using cms::CmsActions;

/// The smoke test of one environment: success, or an error whose message says what failed.
class SmokeTest {
public:
  virtual ~SmokeTest() = default;
  virtual core::Result<void> healthy() = 0;
};

/// What the visual comparison of an environment says after a change (docs/visual.md).
enum class VisualVerdict { same, changed, broken };

struct VisualResult {
  VisualVerdict verdict = VisualVerdict::same;
  std::string summary; ///< e.g. "2 of 18 page captures changed (max 3.1 %)"
  std::string report;  ///< the HTML page showing before, after and difference
  int pages = 0;       ///< page captures compared (pages × widths)
  int flagged = 0;     ///< of them, changed or broken: what someone reviews
};

/// The pages of one environment compared with a reference capture: taken before any change, then
/// after each change; a change that stays (same, or changed and awaiting approval) becomes the
/// reference of the next one, so that each verdict is about one step alone.
class VisualCheck {
public:
  virtual ~VisualCheck() = default;
  /// Capture the reference.
  virtual core::Result<void> baseline() = 0;
  /// Capture now and compare with the reference.
  virtual core::Result<VisualResult> compare() = 0;
  /// The last capture becomes the reference (its change stays).
  virtual void keep_last() = 0;
};

/// Prod's safety net.
class Backup {
public:
  virtual ~Backup() = default;
  /// Take and verify a `pre-update` backup; returns its id.
  virtual core::Result<std::string> take_pre_update() = 0;
  /// Restore database and files from backup `id`.
  virtual core::Result<void> restore(const std::string& id) = 0;
  /// Record that the update backup `id` protected ended `updated` (retention then lets older
  /// pre-update backups go; docs/backup.md).
  virtual core::Result<void> mark_completed(const std::string& id) = 0;
};

/// Where the pipeline writes its events, durably, before acting.
class Recorder {
public:
  virtual ~Recorder() = default;
  virtual core::Result<void> record(const std::string& env, const std::string& type,
                                    nlohmann::json data) = 0;
};

/// What happened to one planned step.
enum class StepStatus {
  pending,     ///< not reached (stopped earlier)
  validated,   ///< passed preprod (or preprod skipped)
  rejected,    ///< broke preprod and was reverted there; never sent to prod
  held,        ///< passed preprod but changed its pages: prod waits for --promote --accept-visual
  applied,     ///< installed on prod and prod is healthy
  rolled_back, ///< installed on prod, then reverted (or restored) because prod was unhealthy
};

struct StepResult {
  Step step;
  StepStatus status = StepStatus::pending;
  std::string reason; ///< why rejected / rolled back
};

/// How the site ended.
enum class Outcome {
  nothing_to_do, ///< empty plan, or every step rejected on preprod
  validated,     ///< `--env preprod`: preprod done, prod untouched
  updated,       ///< prod healthy with the validated versions
  rolled_back,   ///< prod unhealthy; previous versions reinstalled and prod healthy again
  restored,      ///< reverting was not enough; the backup was restored and prod is healthy
  failed,        ///< stopped by an error, or prod still unhealthy after the restore
};

struct PipelineOptions {
  bool skip_preprod = false;     ///< the site has no preprod (`--skip-preprod`)
  bool preprod_only = false;     ///< `--env preprod`: validate and record, do not touch prod
  bool stop_on_failure = false;  ///< stop at the first rejected component
  /// `--promote`: the plan is a set validated on preprod by this earlier run; preprod is not run
  /// again (journal `update.promoted` instead of `update.preprod_skipped`).
  std::string validated_by;
};

/// The environments the pipeline acts on. `preprod_*` may be null only with `skip_preprod`.
struct Targets {
  CmsActions* preprod = nullptr;
  SmokeTest* preprod_health = nullptr;
  CmsActions* prod = nullptr;
  SmokeTest* prod_health = nullptr;
  Backup* backup = nullptr;
  Recorder* recorder = nullptr;
  /// Set when the site has a `visual` block: pages compared after each preprod step and after prod.
  VisualCheck* preprod_visual = nullptr;
  VisualCheck* prod_visual = nullptr;
};

struct SiteResult {
  std::string site;
  Outcome outcome = Outcome::failed;
  std::vector<StepResult> steps;
  std::string backup_id; ///< the pre-update backup, when one was taken
  std::string error;     ///< why `failed`, or what went wrong on the way (rollback reason)
};

/// Run the pipeline for `plan`. Never throws for a site-level failure: it is in the result.
/// Stops between side effects when core::interrupted() is set, leaving maintenance mode off.
SiteResult run_pipeline(const Plan& plan, const Targets& targets, const PipelineOptions& options);

/// `pending|validated|rejected|held|applied|rolled back`.
std::string_view to_string(StepStatus status);
/// `nothing to do|validated|updated|rolled back|restored|failed`.
std::string_view to_string(Outcome outcome);

/// Per-site report (table) and its JSON form.
std::string render_result_table(const SiteResult& result, bool colour);
nlohmann::json result_to_json(const SiteResult& result);

} // namespace tma::update
