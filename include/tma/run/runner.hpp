#pragma once
// The parallel runner: one job per (site, env) target, at most `jobs` at once and `per_host` per
// server (several sites often share one), one failure never stopping the others, results in a
// stable order (site, env) whatever the completion order, and a closing summary with exit bits.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/run/progress.hpp>

namespace tma::run {

using Milliseconds = std::chrono::milliseconds;

/// How one target ended. `findings` is success with something to report (outdated, TLS expiring).
enum class Status { ok, findings, failed, unreachable, skipped };

/// Lowercase name used in JSON and tables.
std::string_view to_string(Status status);

/// The status an error implies: unreachable for `ErrorKind::unreachable`, skipped for
/// `interrupted`, failed otherwise.
Status status_for(const core::Error& error);

/// What one job produced. `site`, `env` and `elapsed` are filled by the runner.
struct SiteResult {
  std::string site;
  std::string env;
  Status status = Status::ok;
  std::optional<core::Error> error;         ///< why, when failed/unreachable/skipped
  nlohmann::json data = nlohmann::json::object(); ///< the command's own payload
  Milliseconds elapsed{0};
};

/// One unit of work. `host` groups jobs for the per-host limit (empty: no limit applies).
struct Job {
  std::string site;
  std::string env;
  std::string host;
  std::function<SiteResult()> work; ///< must not throw; if it does, the job is failed (internal)
  /// Set by jobs that say what they are doing (a backup's phase and bytes): the progress line shows
  /// it for the slowest running job. Shared with `work`, which writes it.
  std::shared_ptr<JobProgress> progress;
};

/// Whether to draw the progress line on stderr.
enum class Progress { automatic, never, always }; ///< automatic: only when stderr is a TTY

struct RunOptions {
  int jobs = 8;     ///< at most this many jobs at once (>= 1)
  int per_host = 2; ///< at most this many jobs per `Job::host` at once (>= 1)
  Progress progress = Progress::automatic;
  /// When this many jobs of one host in a row end `unreachable` (no job of that host answering in
  /// between), its jobs not started yet all start at once, outside `jobs` and `per_host` (at most
  /// k_max_unanswered_burst): each still gets its own verdict, but a server that stopped answering
  /// costs about two time-outs instead of one per `per_host` batch. 0: never. For read-only jobs
  /// that only wait on a silent server (health probes); see docs/transport.md, "Runner".
  int burst_unanswered_after = 0;
};

/// The most jobs one burst of an unanswering host starts at once (the rest keep the pool's limits).
inline constexpr int k_max_unanswered_burst = 128;

/// Whether run_jobs will draw its progress line with `options` (`automatic`: stderr is a TTY), so
/// jobs need not gather what only that line shows.
bool draws_progress(const RunOptions& options);

/// The host part of a URL for the per-host limit (`example.org:8443`, userinfo dropped), "" when none.
std::string url_host_key(std::string_view url);
/// The server a (site, env) target's commands run on, for `Job::host`: `local`, the ssh
/// `host:port`, else the URL's host.
std::string host_key(const inventory::Environment& env);

/// Run every job and return one result per job, sorted by site (a site's jobs keep their given order). After Ctrl-C, jobs not yet
/// started are returned as `skipped` with an `interrupted` error; running ones finish (their
/// transports stop their processes).
std::vector<SiteResult> run_jobs(std::vector<Job> jobs, const RunOptions& options);

struct Summary {
  int ok = 0, findings = 0, failed = 0, unreachable = 0, skipped = 0;
  Milliseconds elapsed{0};
  int total() const { return ok + findings + failed + unreachable + skipped; }
  /// Bits of include/tma/core/exit_code.hpp: 1 findings, 2 failed, 4 unreachable.
  int exit_bits() const;
  /// `{"ok": n, "findings": n, "failed": n, "unreachable": n, "skipped": n, "total": n}`.
  nlohmann::json to_json() const;
  /// `8 targets: 5 ok, 1 findings, 1 failed, 1 unreachable in 3.2s`.
  std::string str() const;
};

Summary summarize(const std::vector<SiteResult>& results, Milliseconds elapsed = Milliseconds{0});

/// The progress line (without `\r`): `[12/50] 2 failed · slowest: acme-www/prod 14s`, then what
/// that job says it is doing when it says it (`detail`, JobProgress::describe):
/// `[0/1] · slowest: acme-www/prod 14s · dump database.sql.gz 45.2 MiB at 3.1 MiB/s, ETA 20s`.
std::string progress_line(std::size_t done, std::size_t total, std::size_t failures, const std::string& slowest,
                          Milliseconds slowest_elapsed, const std::string& detail = "");

} // namespace tma::run
