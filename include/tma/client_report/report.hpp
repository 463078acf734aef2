#pragma once
// The monthly (or quarterly) client report: what the agency did for one client in one period, built
// from the journal. `build()` is pure: the caller reads the journal (gather.hpp) and passes the
// events; the renderers (render.hpp) turn the model into HTML, Markdown or JSON.
//
// Client-facing: only the prod environment counts. Preprod updates, backups and outages are the
// agency's own business and appear nowhere in a report.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tma/contract/accounting.hpp>
#include <tma/contract/entry.hpp>
#include <tma/contract/period.hpp>
#include <tma/core/timezone.hpp>
#include <tma/incident/health_days.hpp>
#include <tma/incident/incident.hpp>
#include <tma/incident/sla.hpp>
#include <tma/incident/stats.hpp>
#include <tma/inventory/model.hpp>
#include <tma/journal/journal.hpp>

namespace tma::client_report {

using core::Seconds;
using core::SysSeconds;

enum class PeriodKind { month, quarter, range };

/// One component update that reached prod and stayed.
struct AppliedUpdate {
  std::string site;
  std::string component; ///< `core`, `plugin:akismet`, `theme:astra`
  std::string from, to;
  core::Date date;       ///< local day of the run's end
  bool security = false;
  bool preprod_tested = false; ///< validated on preprod first (by this run or the one it promoted)
};

/// One component update the period's runs did not leave on prod, and why.
struct HeldBackUpdate {
  std::string site;
  std::string component;
  std::string from, to;
  core::Date date;
  std::string status; ///< `rejected` (broke preprod), `rolled back` (undone on prod), `pinned` (the
                      ///< inventory keeps it at its version: `to` is the newest offered), `pending`
};

/// A prod update a run planned but stopped before it touched prod (its pre-update backup failed, say):
/// nothing changed on the site, the component waits for the next update run. One per site and
/// component (the period's latest such run), unless a later run of the period applied, rejected or
/// rolled it back (then it is in `updates` or `held_back`).
struct PostponedUpdate {
  std::string site;
  std::string component;
  std::string from, to;
  core::Date date;        ///< local day of the run's end
  std::string reason;     ///< `backup_failed` (its pre-update backup failed), `stopped` (another error before prod)
  std::string error_kind; ///< the failed backup's `error_kind` (`io`, `remote`...), or "" (never the raw error text)
};

/// A security finding the latest check of a prod site in the period left open: still to apply.
struct OpenSecurity {
  std::string site;
  std::string component;               ///< `core`, `plugin:akismet`, as AppliedUpdate
  std::string installed;
  std::string fixed_in;                ///< "" when no fixed version is published
  std::vector<std::string> advisories; ///< CVE or feed ids
};

/// Backups of one prod site in the period.
struct SiteBackups {
  std::string site;
  std::map<std::string, int> by_kind; ///< `scheduled`, `manual`, `pre-update`...: verified backups taken
  int taken = 0;                      ///< backups finished (each is verified before it is listed)
  int failed = 0;
  /// Scheduled backups that did not complete and recorded no failure: a `job.claimed` of the site's
  /// prod backup job with neither `job.finished` nor `job.released`, whose run is over (the claim is
  /// k_claim_settled old at the report's `now`), and after which no backup of the site finished or
  /// failed before the job's next claim. A run killed (`kill -9`) after claiming leaves exactly that.
  int interrupted = 0;
  int restores = 0;                   ///< restores done (tests into a copy count)
  std::optional<SysSeconds> last_ok;
  inventory::KeepPolicy keep;         ///< the retention in force (the site's `backup.keep`)
};

/// One incident of a prod site opened in the period.
struct IncidentRow {
  std::string id, site, title;
  inventory::Criticality severity = inventory::Criticality::major;
  SysSeconds opened{};
  std::optional<SysSeconds> first_response, resolved;
  std::optional<incident::SlaStatus> respond_sla, resolve_sla; ///< when the contract sets targets
};

/// Hours of one ISO week (Monday first) of the period: the chart of the hours section.
struct WeekHours {
  core::Date monday;
  Seconds billable{0};
};

/// What the recommendations section says, each item in the report's language at render time.
struct Recommendation {
  /// `held_back`, `recurring_incidents`, `backup_failed`, `backup_interrupted` (`count`), `no_backup`, `low_balance`, `overage`, and
  /// what the site's latest check anticipates: `coming_eol`, `coming_eol_soon`, `coming_domain`,
  /// `coming_closed`, `coming_abandoned`, `coming_unsupported`, `coming_insecure`; `coming_certificate` (the last
  /// health check of the period saw the certificate expire within the site's `health.tls_warn`); and `pending_major`, a
  /// major update the latest check found (`component`, `version`, `latest`)
  std::string kind;
  std::string site;
  /// `component`, `version`, `reason`, `count`, `seconds`; coming_*: `name`, `version`, `successor`, `ends_on`
  std::map<std::string, std::string> values;
};

/// A topic for the quarterly follow-up meeting, worded in the report's language at render time.
struct Topic {
  /// `security_open`, `upgrades`, `recurring_incidents`, `uptime`, `slower_pages`, `overage_months`,
  /// `low_balance`, `next_quarter`
  std::string kind;
  std::map<std::string, std::string> values; ///< `count`, `sites`, `items`, `months`, `hours`...
};

/// The headline figures, also computed for the previous period of the same length.
struct Glance {
  int sites = 0;
  int updates = 0;
  int security_fixes = 0;
  int backups = 0;
  int incidents = 0;
  std::optional<double> uptime_percent;
  Seconds hours_used{0};
  /// Visual comparison of prod (docs/visual.md): page captures compared (`tma visual compare` on
  /// prod, and prod's comparison after an update), and changes reviewed: captures those comparisons
  /// flagged changed or broken, plus updates whose visual change on preprod someone approved
  /// (`--accept-visual`) before they reached prod.
  int visual_pages = 0;
  int visual_reviewed = 0;
};

/// A prod site's health checks day by day (`health.daily` events of `tma health --record`), and
/// over the period: the share of checks that passed and the response times.
struct SiteDaily {
  std::string site;
  std::vector<incident::DailyHealth> days;     ///< the period's days with checks, oldest first
  int probes = 0, failures = 0;                ///< summed over the days
  std::optional<std::chrono::milliseconds> median; ///< median of the daily medians
  std::optional<std::chrono::milliseconds> worst_p95; ///< the highest daily 95th percentile
  std::optional<double> uptime_percent() const;
};

/// One page's speed over the period, from the `perf.measured` events of `tma perf --record` on
/// prod: medians of the audits, and the previous period's for comparison.
struct PageSpeed {
  std::string site;
  std::string path; ///< `/` or a `perf.paths` entry
  int audits = 0;
  std::chrono::milliseconds ttfb{0}, total{0};
  long long bytes = 0;
  int requests = 0;
  std::optional<std::chrono::milliseconds> previous_ttfb, previous_total;
  std::optional<long long> previous_bytes;
};

/// One month of a quarterly report: the trends across the quarter.
struct MonthTrend {
  contract::Period month;
  Glance glance;
};

struct ClientReport {
  std::string client_id, client_name;
  inventory::Lang lang = inventory::Lang::en;
  contract::Period period;
  PeriodKind kind = PeriodKind::month;
  std::string timezone, currency;
  SysSeconds generated{};
  Glance glance;
  std::optional<Glance> previous; ///< the period just before, when the journal covers it
  std::vector<MonthTrend> trends; ///< a quarter's months, oldest first (empty for a month or a range)
  std::vector<std::string> sites; ///< the client's sites with a prod
  std::vector<AppliedUpdate> updates;
  std::vector<HeldBackUpdate> held_back;
  std::vector<PostponedUpdate> postponed;
  std::vector<OpenSecurity> open_security; ///< from the latest check of each prod site (its `open`)
  std::vector<SiteBackups> backups;
  incident::MonthStats availability; ///< prod only: uptime, downtime, SLA counts
  std::vector<SiteDaily> daily;      ///< prod sites with recorded health checks in the period
  std::vector<PageSpeed> speed;      ///< prod pages audited by `tma perf --record` in the period
  std::vector<IncidentRow> incidents;
  contract::ClientHours hours;       ///< exactly what `tma hours summary` computes
  std::vector<std::pair<contract::Category, Seconds>> by_category; ///< billable manual time, non-zero only
  std::vector<WeekHours> weeks;
  std::vector<Recommendation> recommendations;
  std::vector<Topic> topics; ///< a quarter's topics for the follow-up meeting (empty otherwise)
};

/// How old an open claim of a backup job must be, at the report's `now`, to count as interrupted:
/// younger, its run may still be going (a nightly run of hundreds of sites takes hours, never a day).
inline constexpr std::chrono::hours k_claim_settled{24};

/// Everything build() reads; gather_all() fills it from the journal.
struct Inputs {
  const inventory::Inventory* inventory = nullptr;
  const inventory::Client* client = nullptr;
  contract::Period period;
  PeriodKind kind = PeriodKind::month;
  core::TimeZone zone = core::TimeZone::utc();
  SysSeconds now{};
  inventory::Lang lang = inventory::Lang::en;
  contract::ClientHours hours;
  contract::ClientHours previous_hours;
  std::vector<contract::TimeEntry> entries;   ///< the client's entries (any period; filtered here)
  std::vector<incident::Incident> incidents;  ///< all incidents (filtered here: client, prod, period)
  /// update.finished, update.visual, visual.compared, backup.*, restore.*, check, perf.measured,
  /// health.daily and the prod backups' job.claimed/finished/released of the client
  std::vector<journal::Event> events;
  bool previous_covered = false;              ///< the journal has events before the period
};

/// The period before `period` with the same shape: the previous month, quarter, or as many days.
contract::Period previous_period(const contract::Period& period, PeriodKind kind);

/// Build the report of `inputs.client` for `inputs.period`. Pure.
ClientReport build(const Inputs& inputs);

} // namespace tma::client_report
