#pragma once
// `tma update` for a set of sites (docs/update.md): the plan-only path (`--dry-run`, no TTY without
// `--yes`) and the apply path. For each site the apply path takes the locks (local flock + lock
// directory on the server), clears a maintenance flag a killed tma run left behind, makes the plan
// from a check of prod (or takes the confirmed plan / the last validated set for `--promote`,
// refusing when prod's versions changed since), runs the pipeline with the real adapters, opens a
// `major` incident when prod had to be rolled back, and records the run's duration as a
// non-billable `update` time entry. Per-site failures are values; the other sites carry on.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/backup/engine.hpp>
#include <tma/check/run_check.hpp>
#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>
#include <tma/incident/incident.hpp>
#include <tma/inventory/model.hpp>
#include <tma/journal/journal.hpp>
#include <tma/transport/http.hpp>
#include <tma/update/pipeline.hpp>
#include <tma/update/plan.hpp>
#include <tma/visual/pool.hpp>

namespace tma::update {

struct UpdateOptions {
  PlanOptions plan;              ///< --only, --security-only, --minor/--patch
  bool skip_preprod = false;     ///< --skip-preprod
  bool preprod_only = false;     ///< --env preprod
  bool promote = false;          ///< --promote
  bool accept_visual = false;    ///< --accept-visual: --promote takes steps whose pages changed too
  bool stop_on_failure = false;  ///< --stop-on-failure
  bool break_lock = false;       ///< --break-lock
  std::chrono::seconds stale_after{6 * 3600}; ///< a server lock older than this is stale
  int jobs = 1;                  ///< sites at once
  int max_fail = 0;              ///< stop starting sites after this many failed ones (0: never)
};

/// The outside world of a run. Everything must outlive the run; `http` and `make_transport` are
/// used from several threads.
struct UpdateServices {
  const inventory::Inventory* inventory = nullptr;
  backup::TransportFactory make_transport;
  transport::HttpClient* http = nullptr;
  journal::Journal* journal = nullptr;
  journal::Run* run = nullptr;           ///< apply path only
  core::TimeZone zone = core::TimeZone::utc();
  const check::VulnerabilityDb* wordfence = nullptr;
  std::string feed_note;                 ///< why `wordfence` is null
  /// WordPress.org and drupal.org answers, shared with `tma check` (may be null): asked for the release
  /// dates of a site with `updates.min_release_age`.
  check::ResponseCache* cache = nullptr;
  std::string lock_dir;                  ///< directory of the local lock files
  std::string host;                      ///< this machine's name, for lock holders
  /// Starts a browser for the visual comparison of sites with a `visual` block (one per site and
  /// environment, on first use); empty: such a site's update stops before any change.
  visual::CapturerFactory start_browser;
};

/// Usage problems found before anything runs (exit 64): options that contradict each other, a
/// site without preprod and no --skip-preprod, a site without prod, --env other than preprod/prod.
core::Result<void> check_request(const std::vector<const inventory::Site*>& sites, const UpdateOptions& options);

/// The plan of one site, or why there is none.
struct SitePlan {
  std::string site;
  std::optional<Plan> plan;
  std::string validated_by;           ///< --promote: the run that validated the set
  std::optional<core::Error> error;
};

/// Plan every site (in parallel, `options.jobs`) without changing anything: a check of prod and
/// make_plan, or for --promote the last recorded validated set checked against prod.
std::vector<SitePlan> plan_sites(const std::vector<const inventory::Site*>& sites, const UpdateOptions& options,
                                 const UpdateServices& services);

/// What happened to one site on the apply path.
struct SiteRun {
  std::string site;
  std::optional<Plan> plan;
  std::optional<SiteResult> result;     ///< set when the pipeline ran
  std::optional<core::Error> error;     ///< lock, plan or drift problem (pipeline not run)
  std::optional<incident::Incident> incident; ///< opened for a prod rollback, restore or failure (to notify)
  std::vector<std::string> recovered;   ///< environments whose leftover maintenance flag was cleared
  std::chrono::seconds duration{0};
};

/// Exit bits of one site (docs/cli.md): 1 a step rejected on preprod or prod rolled back/restored,
/// 2 failed, 4 unreachable. A `locked` error gives 0 here (the caller maps it to 75 or 2).
int exit_bits(const SiteRun& run);

/// Apply: run every site with `options.jobs` workers; after `options.max_fail` failed sites (or
/// Ctrl-C) no new site starts (those get an error saying why). `confirmed` holds the plans the
/// user approved (missing site: plan under the lock). Results in the order of `sites`.
std::vector<SiteRun> run_sites(const std::vector<const inventory::Site*>& sites,
                               const std::map<std::string, Plan>& confirmed, const UpdateOptions& options,
                               const UpdateServices& services);

/// Environments of `site` whose maintenance flag a tma run left on and nobody cleared: the last
/// `update.maintenance.on|off` event is `on`, or a run switched it on and never recorded
/// `update.finished` (killed). Runs already named by an `update.recovered` event are skipped.
/// Returns env -> the run that left it.
std::map<std::string, std::string> maintenance_to_clear(const std::vector<journal::Event>& events,
                                                        const std::string& site);

/// The prod components that differ from a plan's `installed` versions (`core is 6.5.3, the plan
/// was made from 6.4.2`); empty when none.
std::vector<std::string> drift(const Plan& plan, const std::vector<cms::Component>& components);

/// A plan from an `update.validated` event's data (`{steps:[{component, kind, name, from, to}]}`).
core::Result<Plan> plan_from_validated(const std::string& site, const nlohmann::json& data);
/// `--promote` without `--accept-visual`: the steps whose pages changed on preprod (a
/// `visual_report`) move from the steps to the skipped ones, with the report in the reason.
void hold_visual_changes(Plan& plan);

/// Rendering: per site the plan (plan-only path) or the result; JSON payloads; JUnit XML.
std::string render_plans(const std::vector<SitePlan>& plans, bool colour);
std::string render_runs(const std::vector<SiteRun>& runs, bool colour);
/// The closing line of the apply path's table output, counts in a fixed order, zeros left out:
/// `4 sites: 1 updated, 1 rolled back, 1 failed, 1 locked` (a site error of kind locked counts as
/// locked, unreachable/timeout as unreachable, any other as failed; a site that never ran as not run).
std::string recap_line(const std::vector<SiteRun>& runs);
nlohmann::json plans_to_json(const std::vector<SitePlan>& plans);
nlohmann::json runs_to_json(const std::vector<SiteRun>& runs);
std::string render_junit(const std::vector<SiteRun>& runs);

} // namespace tma::update
