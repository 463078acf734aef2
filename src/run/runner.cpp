#include <tma/run/runner.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include <tma/core/exit_code.hpp>
#include <tma/core/signals.hpp>
#include <tma/report/output.hpp>
#include <tma/core/units.hpp>

namespace tma::run {
namespace {

using Clock = std::chrono::steady_clock;

// The scheduler's shared state; every field is guarded by `mutex`.
struct Board {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Job>* jobs = nullptr;
  std::vector<SiteResult>* results = nullptr;
  std::vector<bool> started;
  std::vector<std::optional<Clock::time_point>> running_since;
  std::map<std::string, int> per_host;
  std::size_t next_hint = 0; // every job before it has started
  std::size_t done = 0;
  std::size_t failures = 0;
  bool finished = false;
  int burst_after = 0;                  // RunOptions::burst_unanswered_after
  std::map<std::string, int> unanswered; // host -> jobs ended unreachable in a row
  std::vector<std::thread> burst;        // jobs started outside the pool
  int bursting = 0;                      // of those, still running
};

// The first job not started whose host has room, or nullopt; `all_started` tells the two apart.
std::optional<std::size_t> pick(Board& board, int per_host, bool& all_started) {
  all_started = true;
  auto& jobs = *board.jobs;
  while (board.next_hint < jobs.size() && board.started[board.next_hint]) ++board.next_hint;
  for (std::size_t i = board.next_hint; i < jobs.size(); ++i) {
    if (board.started[i]) continue;
    all_started = false;
    if (jobs[i].host.empty() || board.per_host[jobs[i].host] < per_host) return i;
  }
  return std::nullopt;
}

void mark_started(Board& board, std::size_t index) {
  board.started[index] = true;
  const auto& host = (*board.jobs)[index].host;
  if (!host.empty()) ++board.per_host[host];
}

void run_started(Board& board, std::size_t index, std::unique_lock<std::mutex>& lock);

// A host whose last `burst_after` jobs all ended unreachable is taken for silent: its jobs not
// started yet only wait on it, so they all start now instead of `per_host` at a time. Each still
// gets its own verdict (a site that answers after all is ok, and resets the count).
void note_answer(Board& board, const std::string& host, Status status) {
  if (board.burst_after <= 0 || host.empty()) return;
  if (status != Status::unreachable) {
    if (status != Status::skipped) board.unanswered[host] = 0;
    return;
  }
  if (++board.unanswered[host] < board.burst_after || core::interrupted()) return;
  auto& jobs = *board.jobs;
  for (std::size_t i = board.next_hint; i < jobs.size() && board.bursting < k_max_unanswered_burst; ++i) {
    if (board.started[i] || jobs[i].host != host) continue;
    mark_started(board, i);
    ++board.bursting;
    board.burst.emplace_back([&board, i] {
      std::unique_lock lock(board.mutex);
      run_started(board, i, lock);
      --board.bursting;
    });
  }
}

// Runs job `index`, already marked started, with the lock released; records its result with the
// lock held again.
void run_started(Board& board, std::size_t index, std::unique_lock<std::mutex>& lock) {
  auto& job = (*board.jobs)[index];
  auto start = Clock::now();
  board.running_since[index] = start;
  lock.unlock();

  SiteResult result;
  try {
    result = job.work();
  } catch (const std::exception& e) {
    result.status = Status::failed;
    result.error = core::Error{core::ErrorKind::internal, e.what()};
  }
  result.site = job.site;
  result.env = job.env;
  result.elapsed = std::chrono::duration_cast<Milliseconds>(Clock::now() - start);

  lock.lock();
  if (!job.host.empty()) --board.per_host[job.host];
  board.running_since[index].reset();
  (*board.results)[index] = std::move(result);
  ++board.done;
  auto status = (*board.results)[index].status;
  if (status == Status::failed || status == Status::unreachable) ++board.failures;
  note_answer(board, job.host, status);
  board.changed.notify_all();
}

void worker(Board& board, int per_host) {
  std::unique_lock lock(board.mutex);
  while (true) {
    if (core::interrupted()) return;
    bool all_started = false;
    auto index = pick(board, per_host, all_started);
    if (!index) {
      if (all_started) return;
      board.changed.wait_for(lock, std::chrono::milliseconds(200)); // also re-checks Ctrl-C
      continue;
    }
    mark_started(board, *index);
    run_started(board, *index, lock);
  }
}

// Waits for the jobs a burst started (a burst thread may itself start another burst).
void join_bursts(Board& board) {
  while (true) {
    std::thread next;
    {
      std::lock_guard lock(board.mutex);
      if (board.burst.empty()) return;
      next = std::move(board.burst.back());
      board.burst.pop_back();
    }
    next.join();
  }
}

void draw_progress(Board& board) {
  std::unique_lock lock(board.mutex);
  bool drawn = false;
  while (!board.finished) {
    board.changed.wait_for(lock, std::chrono::milliseconds(250));
    if (board.finished) break;
    // The slowest job still running is the one worth naming.
    std::string slowest;
    Milliseconds slowest_elapsed{0};
    const JobProgress* detail = nullptr;
    auto now = Clock::now();
    for (std::size_t i = 0; i < board.running_since.size(); ++i) {
      if (!board.running_since[i]) continue;
      auto elapsed = std::chrono::duration_cast<Milliseconds>(now - *board.running_since[i]);
      if (slowest.empty() || elapsed > slowest_elapsed) {
        const auto& job = (*board.jobs)[i];
        slowest = job.env.empty() ? job.site : job.site + "/" + job.env;
        slowest_elapsed = elapsed;
        detail = job.progress.get();
      }
    }
    report::eprint_progress(progress_line(board.done, board.jobs->size(), board.failures, slowest, slowest_elapsed,
                                          detail != nullptr ? detail->describe(now) : std::string()));
    drawn = true;
  }
  if (drawn) report::eprint_progress("");
}

} // namespace

std::string_view to_string(Status status) {
  switch (status) {
  case Status::ok: return "ok";
  case Status::findings: return "findings";
  case Status::failed: return "failed";
  case Status::unreachable: return "unreachable";
  case Status::skipped: return "skipped";
  }
  return "failed";
}

std::string url_host_key(std::string_view url) {
  auto scheme = url.find("://");
  auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  return std::string(authority);
}

std::string host_key(const inventory::Environment& env) {
  if (env.local) return "local";
  if (env.ssh) return env.ssh->port ? fmt::format("{}:{}", env.ssh->host, *env.ssh->port) : env.ssh->host;
  return url_host_key(env.url);
}

Status status_for(const core::Error& error) {
  switch (error.kind) {
  case core::ErrorKind::unreachable: return Status::unreachable;
  case core::ErrorKind::interrupted: return Status::skipped;
  default: return Status::failed;
  }
}

bool draws_progress(const RunOptions& options) {
  return options.progress == Progress::always || (options.progress == Progress::automatic && report::stderr_is_tty());
}

std::vector<SiteResult> run_jobs(std::vector<Job> jobs, const RunOptions& options) {
  // Stable order first: results are reported in this order whatever finishes first, and the
  // scheduler starts jobs in it too (so a rerun behaves the same).
  // Within a site, environments keep the caller's order (the inventory's: prod, preprod, others).
  std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.site < b.site; });
  std::vector<SiteResult> results(jobs.size());
  Board board;
  board.jobs = &jobs;
  board.results = &results;
  board.started.assign(jobs.size(), false);
  board.running_since.assign(jobs.size(), std::nullopt);
  board.burst_after = options.burst_unanswered_after;
  int per_host = std::max(1, options.per_host);
  auto workers_count = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, options.jobs)), jobs.size());

  bool progress = draws_progress(options);
  std::thread painter;
  if (progress && !jobs.empty()) painter = std::thread([&board] { draw_progress(board); });
  {
    std::vector<std::jthread> workers;
    for (std::size_t i = 0; i < workers_count; ++i) workers.emplace_back([&board, per_host] { worker(board, per_host); });
  }
  join_bursts(board);
  {
    std::lock_guard lock(board.mutex);
    board.finished = true;
    board.changed.notify_all();
  }
  if (painter.joinable()) painter.join();

  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (board.started[i]) continue;
    results[i].site = jobs[i].site;
    results[i].env = jobs[i].env;
    results[i].status = Status::skipped;
    results[i].error = core::Error{core::ErrorKind::interrupted, "not started: interrupted"};
  }
  return results;
}

int Summary::exit_bits() const {
  int bits = 0;
  if (findings > 0) bits |= core::exit_code::findings;
  if (failed > 0) bits |= core::exit_code::site_failed;
  if (unreachable > 0) bits |= core::exit_code::unreachable;
  return bits;
}

nlohmann::json Summary::to_json() const {
  return {{"ok", ok},         {"findings", findings}, {"failed", failed},
          {"unreachable", unreachable}, {"skipped", skipped}, {"total", total()},
          {"elapsed_ms", elapsed.count()}};
}

std::string Summary::str() const {
  auto text = fmt::format("{} target{}: {} ok, {} findings, {} failed, {} unreachable", total(),
                          total() == 1 ? "" : "s", ok, findings, failed, unreachable);
  if (skipped > 0) text += fmt::format(", {} skipped", skipped);
  if (elapsed.count() > 0) text += " in " + core::format_elapsed(elapsed);
  return text;
}

Summary summarize(const std::vector<SiteResult>& results, Milliseconds elapsed) {
  Summary summary;
  summary.elapsed = elapsed;
  for (const auto& r : results) {
    switch (r.status) {
    case Status::ok: ++summary.ok; break;
    case Status::findings: ++summary.findings; break;
    case Status::failed: ++summary.failed; break;
    case Status::unreachable: ++summary.unreachable; break;
    case Status::skipped: ++summary.skipped; break;
    }
  }
  return summary;
}

std::string progress_line(std::size_t done, std::size_t total, std::size_t failures, const std::string& slowest,
                          Milliseconds slowest_elapsed, const std::string& detail) {
  auto line = fmt::format("[{}/{}]", done, total);
  if (failures > 0) line += fmt::format(" {} failed", failures);
  if (!slowest.empty()) line += fmt::format(" · slowest: {} {}", slowest, core::format_elapsed(slowest_elapsed));
  if (!slowest.empty() && !detail.empty()) line += " · " + detail;
  return line;
}

} // namespace tma::run
