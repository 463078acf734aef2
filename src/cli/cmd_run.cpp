// `tma run --due` and `tma schedule`: the agency's calendar from one cron line or timer
// (docs/operations.md). Deciding is schedule/'s job; this file reads the journal and the backup
// stores, claims, runs each phase as the tma command a cron line would run, and renders.

#include <unistd.h>

#include <climits>
#include <map>
#include <set>

#include <fmt/format.h>

#include <tma/backup/engine.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/text.hpp>
#include <tma/journal/sync.hpp>
#include <tma/notify/heartbeat.hpp>
#include <tma/report/output.hpp>
#include <tma/schedule/jobs.hpp>
#include <tma/transport/http.hpp>
#include <tma/transport/process.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {

namespace {

struct RunCli {
  inventory::Selection selection;
  std::vector<std::string> kinds;
  bool due = false;
  bool dry_run = false;
  bool sync = false;
  int jobs = 4;
  int per_host = 2;
  report::Format format = report::Format::table;
};

std::vector<schedule::JobKind> parse_kinds(const std::vector<std::string>& names) {
  std::vector<schedule::JobKind> kinds;
  for (const auto& name : names) {
    auto kind = schedule::parse_job_kind(name);
    if (!kind) {
      throw core::UsageError(
          fmt::format("--job: unknown job '{}' (backup, update, check, health, visual, report, connectors-sync, notify-flush)", name));
    }
    kinds.push_back(*kind);
  }
  return kinds;
}

// The newest verified backup of each scheduled backup job, keyed like the job.
std::map<std::string, core::SysSeconds> last_good_backups(const inventory::Inventory& inventory,
                                                          const std::vector<schedule::Job>& jobs) {
  std::map<std::string, core::SysSeconds> out;
  for (const auto& job : jobs) {
    if (job.kind != schedule::JobKind::backup) continue;
    const auto* site = inventory.site(job.site);
    auto store = backup::open_store(inventory, *site);
    if (!store) continue;
    if (auto listing = (*store)->list(job.site, job.env); listing && !listing->backups.empty()) {
      out[job.key()] = listing->backups.front().manifest.time;
    }
  }
  return out;
}

std::string when(const std::optional<core::SysSeconds>& instant, const core::TimeZone& zone) {
  if (!instant) return "";
  auto local = zone.to_local(*instant).local;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", local.date.year, local.date.month, local.date.day, local.hour,
                     local.minute);
}

std::string subject(const schedule::Job& job) {
  if (job.kind == schedule::JobKind::backup) return job.site + " " + job.env;
  if (!job.site.empty()) return job.site;
  return job.client;
}

std::string note_of(const schedule::Decision& d) {
  std::string note;
  if (d.missed > 0) {
    note = fmt::format("catching up once: {}{} slot(s) missed", d.missed, d.missed_capped ? "+" : "");
  }
  if (d.verdict == schedule::Verdict::outside_window && d.job.window) {
    note += (note.empty() ? "" : "; ") + fmt::format("window {}", d.job.window->text());
  }
  return note;
}

nlohmann::json decision_json(const schedule::Decision& d) {
  nlohmann::json item{{"job", d.job.key()},
                      {"kind", std::string(schedule::to_string(d.job.kind))},
                      {"site", d.job.site},
                      {"env", d.job.env},
                      {"client", d.job.client},
                      {"schedule", d.job.schedule.text()},
                      {"verdict", std::string(schedule::to_string(d.verdict))},
                      {"due", d.verdict == schedule::Verdict::due},
                      {"slot", d.slot ? core::format_rfc3339_utc(*d.slot) : std::string()},
                      {"next", d.next_slot ? core::format_rfc3339_utc(*d.next_slot) : std::string()},
                      {"missed", d.missed}};
  if (d.history && d.history->last_slot) {
    item["last_slot"] = core::format_rfc3339_utc(*d.history->last_slot);
    item["last_run"] = d.history->last_run;
    if (d.history->last_exit_code) item["last_exit_code"] = *d.history->last_exit_code;
  }
  return item;
}

void render_plan(Context& context, const std::vector<schedule::Decision>& decisions, const core::TimeZone& zone,
                 report::Format format) {
  if (format == report::Format::json) {
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& d : decisions) jobs.push_back(decision_json(d));
    report::print_json(report::envelope(1, {{"timezone", zone.name()}, {"jobs", jobs}}));
    return;
  }
  report::Table table({"job", "for", "schedule", "status", "last slot", "next", "note"});
  for (const auto& d : decisions) {
    auto style = d.verdict == schedule::Verdict::due ? report::Style::warn : report::Style::plain;
    table.add_row({std::string(schedule::to_string(d.job.kind)), subject(d.job), d.job.schedule.text(),
                   report::Cell(std::string(schedule::to_string(d.verdict)), style),
                   when(d.history ? d.history->last_slot : std::nullopt, zone), when(d.next_slot, zone), note_of(d)});
  }
  if (decisions.empty()) report::print("no scheduled job for this selection\n");
  else report::print(table.render(context.colour()));
}

std::string self_path() {
  std::vector<char> buffer(PATH_MAX + 1);
  auto n = ::readlink("/proc/self/exe", buffer.data(), PATH_MAX);
  if (n <= 0) throw core::TmaError(core::exit_code::internal, "cannot find tma's own binary (/proc/self/exe)");
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

struct Decided {
  std::vector<schedule::Decision> decisions;
  core::TimeZone zone;
};

Decided decide_now(Context& context, const RunCli& cli) {
  auto sites = selected_sites(context, cli.selection, inventory::EmptySelection::all_sites);
  context.print_warnings();
  const auto& inventory = context.inventory();
  auto zone = agency_zone(context);
  auto& journal = context.journal();
  auto now = journal.now();
  // Reports and the notify flush are the agency's: a runner takes them when it is not restricted
  // to some sites (shard 1 of N takes them in CI).
  bool narrowed = !cli.selection.sites.empty() || !cli.selection.tags.empty();
  bool agency_jobs = !narrowed && (!cli.selection.shard || cli.selection.shard->index == 1);
  auto jobs = schedule::scheduled_jobs(inventory, sites, cli.selection.env, parse_kinds(cli.kinds), agency_jobs);
  auto history = schedule::read_job_history(journal, now);
  if (!history) throw core::TmaError(core::exit_code::site_failed, "journal: " + history.error().message);
  auto decisions = schedule::decide(jobs, *history, last_good_backups(inventory, jobs), now, zone);
  return {std::move(decisions), zone};
}

journal::SyncOptions sync_options(Context& context) {
  auto location = journal_options(context);
  journal::SyncOptions options;
  options.repository = location.repository;
  options.ref = location.ref;
  options.remote = context.inventory().journal.remote;
  return options;
}

void sync_or_throw(const journal::SyncOptions& options, const char* when) {
  auto synced = journal::sync_journal(options);
  if (!synced) {
    throw core::TmaError(core::exit_code::unreachable,
                         fmt::format("run: journal sync {} failed, nothing was run: {}", when, synced.error().message));
  }
}

// Claim the due jobs, releasing any that a runner sharing the remote holds first. Returns the
// claimed decisions with their claim event ids.
std::vector<std::pair<schedule::Decision, std::string>> claim(Context& context, journal::Run& run,
                                                              const std::vector<schedule::Decision>& due, bool sync) {
  std::vector<std::pair<schedule::Decision, std::string>> claimed;
  for (const auto& d : due) {
    auto event = run.record("job.claimed", schedule::subject_of(d.job), schedule::claim_data(d));
    claimed.emplace_back(d, event.id);
  }
  if (auto flushed = run.flush(); !flushed) throw core::TmaError(core::exit_code::site_failed, flushed.error().message);
  if (!sync || claimed.empty()) return claimed;
  auto options = sync_options(context);
  auto& journal = context.journal();
  options.before_push = [&]() -> core::Result<void> {
    std::vector<schedule::Decision> mine;
    for (const auto& c : claimed) mine.push_back(c.first);
    auto events = schedule::read_contest_events(journal, mine, journal.now());
    if (!events) return tl::unexpected(events.error());
    auto contested = schedule::contested_claims(*events, run.id());
    if (contested.empty()) return {};
    for (const auto& id : contested) {
      auto it = std::find_if(claimed.begin(), claimed.end(), [&](const auto& c) { return c.second == id; });
      if (it == claimed.end()) continue;
      auto data = schedule::claim_data(it->first);
      data["claim"] = id;
      data["reason"] = "another runner claimed it first";
      run.record("job.released", schedule::subject_of(it->first.job), data);
      core::log::info("{}: taken by another runner", it->first.job.key());
      claimed.erase(it);
    }
    return run.flush();
  };
  if (auto synced = journal::sync_journal(options); !synced) {
    // Nobody else saw these claims: give them back, so that the next run (here or elsewhere) takes
    // the jobs instead of finding them claimed by a run that ran nothing.
    for (const auto& [d, id] : claimed) {
      auto data = schedule::claim_data(d);
      data["claim"] = id;
      data["reason"] = "the journal could not be synced";
      run.record("job.released", schedule::subject_of(d.job), data);
    }
    if (auto flushed = run.flush(); !flushed) core::log::error("journal: {}", flushed.error().message);
    throw core::TmaError(core::exit_code::unreachable,
                         fmt::format("run: journal sync after claiming failed, nothing was run: {}", synced.error().message));
  }
  return claimed;
}

int exit_bits_of(const transport::ProcessResult& result) {
  if (result.ending == transport::Ending::interrupted) return core::exit_code::interrupted;
  if (result.ending != transport::Ending::exited) return core::exit_code::site_failed;
  int code = result.exit_code;
  if (code >= 0 && code <= 7) return code;
  if (code == core::exit_code::interrupted) return code;
  return core::exit_code::site_failed; // usage, config, locked, software: the phase failed
}

/// The run's pings to `notify.heartbeat`: a run that ends without saying how (an error thrown,
/// an interruption) pings the failure on its way out.
class RunHeartbeat {
public:
  explicit RunHeartbeat(const inventory::Notify& notify) : m_heartbeat(notify, m_http) { m_heartbeat.start(); }
  RunHeartbeat(const RunHeartbeat&) = delete;
  RunHeartbeat& operator=(const RunHeartbeat&) = delete;
  ~RunHeartbeat() {
    if (m_heartbeat.ended()) return;
    m_heartbeat.end(false, core::interrupted() ? "run --due: interrupted" : "run --due: stopped by an error");
  }
  void end(int exit_bits, const std::string& summary) {
    // Findings (bit 1) are the run doing its job; a site that failed or could not be reached is not.
    bool ok = (exit_bits & (core::exit_code::site_failed | core::exit_code::unreachable)) == 0;
    m_heartbeat.end(ok, fmt::format("{} (exit {})", summary, exit_bits));
  }

private:
  transport::CurlHttpClient m_http; ///< declared first: the heartbeat holds a reference to it
  notify::Heartbeat m_heartbeat;
};

void run_due(Context& context, const RunCli& cli) {
  if (!cli.due) throw core::UsageError("tma run needs --due (what is due now); tma schedule lists every job");
  auto repository = journal_options(context).repository;
  std::optional<journal::RepositoryLock> lock;
  std::optional<RunHeartbeat> heartbeat; // declared after the lock: pings its end before releasing it
  if (!cli.dry_run) {
    auto held = journal::RepositoryLock::acquire(repository, "tma-run", std::chrono::minutes(10));
    if (!held) {
      int code = held.error().kind == core::ErrorKind::locked ? core::exit_code::locked : core::exit_code::config;
      throw core::TmaError(code, "run: " + held.error().message);
    }
    lock.emplace(std::move(*held));
    // After the lock: a run that another one holds off pings nothing; the holder pings.
    heartbeat.emplace(context.inventory().notify);
    // See the other runners' claims before deciding.
    if (cli.sync) sync_or_throw(sync_options(context), "before deciding");
  }
  auto [decisions, zone] = decide_now(context, cli);
  std::vector<schedule::Decision> due;
  for (const auto& d : decisions) {
    if (d.verdict == schedule::Verdict::due) due.push_back(d);
  }
  if (cli.dry_run) {
    render_plan(context, decisions, zone, cli.format);
    return;
  }
  auto& run = context.start_run("run --due");
  auto claimed = claim(context, run, due, cli.sync);
  lock.reset(); // claims are in the journal: another runner may decide now

  std::vector<schedule::Decision> mine;
  std::map<std::string, std::string> claim_of;
  for (const auto& [d, id] : claimed) {
    mine.push_back(d);
    claim_of[d.job.key()] = id;
  }
  auto phases = schedule::phases_of(mine, schedule::PhaseOptions{cli.jobs, cli.per_host});
  std::vector<std::string> prefix{self_path(), "-i", context.inventory().path};
  if (context.global.quiet) prefix.emplace_back("-q");
  if (context.global.no_color) prefix.emplace_back("--no-color");
  for (int v = 0; v < context.global.verbose; ++v) prefix.emplace_back("-v");
  bool json = cli.format == report::Format::json;

  int bits = 0;
  nlohmann::json results = nlohmann::json::array();
  report::Table table({"job", "for", "slot", "exit", "note"});
  for (const auto& phase : phases) {
    if (core::interrupted()) break;
    auto argv = prefix;
    argv.insert(argv.end(), phase.args.begin(), phase.args.end());
    if (json) argv.insert(argv.end(), {"--format", "json"});
    std::string out;
    transport::ProcessOptions options;
    options.on_stdout = json ? transport::string_sink(out, 64 * 1024 * 1024) : transport::fd_sink(STDOUT_FILENO);
    options.on_stderr = transport::fd_sink(STDERR_FILENO);
    // Each job runs in a process group of its own (so that a time-out stops it whole); this makes it
    // stop with us too when we are killed (core/signals.hpp).
    options.env[core::k_stop_with_parent_env] = std::to_string(::getpid());
    if (!json) report::print(fmt::format("== tma {}\n", core::join(phase.args, " ")));
    auto result = transport::run_process(argv, options);
    int code = result ? (result->ending == transport::Ending::exited ? result->exit_code : -1) : -1;
    int phase_bits = result ? exit_bits_of(*result) : core::exit_code::site_failed;
    std::string describe = result ? result->describe() : result.error().message;
    if (phase_bits == core::exit_code::interrupted) throw core::TmaError(core::exit_code::interrupted, "interrupted");
    bits |= phase_bits;
    for (const auto& d : phase.jobs) {
      auto data = schedule::claim_data(d);
      data["claim"] = claim_of[d.job.key()];
      data["exit_code"] = code;
      if (!result || !result->ok()) data["ending"] = describe;
      run.record("job.finished", schedule::subject_of(d.job), data);
      table.add_row({d.job.key(), subject(d.job), when(d.slot, zone),
                     report::Cell(std::to_string(code), code == 0 ? report::Style::good : report::Style::bad),
                     note_of(d)});
    }
    nlohmann::json item{{"command", phase.args}, {"exit_code", code}};
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& d : phase.jobs) jobs.push_back(decision_json(d));
    item["jobs"] = jobs;
    if (json) {
      auto parsed = nlohmann::json::parse(out, nullptr, false);
      item["output"] = parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
    }
    results.push_back(item);
  }
  if (auto flushed = run.flush(); !flushed) {
    core::log::error("journal: {}", flushed.error().message);
    bits |= core::exit_code::site_failed;
  }
  if (cli.sync && !claimed.empty()) {
    if (auto synced = journal::sync_journal(sync_options(context)); !synced) {
      core::log::error("run: the outcomes stay in the local journal until the next sync: {}", synced.error().message);
      bits |= core::exit_code::site_failed;
    }
  }
  std::size_t waiting = decisions.size() - due.size();
  auto summary = fmt::format("run --due: {} job(s) run in {} command(s), {} taken by another runner, {} not due",
                             claimed.size(), phases.size(), due.size() - claimed.size(), waiting);
  heartbeat->end(bits, summary);
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& d : decisions) all.push_back(decision_json(d));
    report::print_json(report::envelope(1, {{"timezone", zone.name()},
                                            {"jobs", all},
                                            {"phases", results},
                                            {"taken_by_others", due.size() - claimed.size()}}));
  } else {
    if (!phases.empty()) report::print(table.render(context.colour()));
    report::print(summary + "\n");
  }
  context.exit_code |= bits;
}

void list_schedule(Context& context, const RunCli& cli) {
  auto [decisions, zone] = decide_now(context, cli);
  render_plan(context, decisions, zone, cli.format);
}

void add_run_options(CLI::App& cmd, RunCli& cli) {
  add_selection(cmd, cli.selection);
  cmd.add_option("--job", cli.kinds, "Only these jobs (repeatable): backup, update, check, health, visual, report, connectors-sync, notify-flush")
      ->type_name("JOB");
  add_format(cmd, cli.format);
}

} // namespace

void add_due_flag(CLI::App& cmd, bool& due) {
  cmd.add_flag("--due", due, "Only the sites whose schedule for this job is due, claimed as tma run --due does")
      ->group("Schedule");
}

bool run_due_instead(Context& context, const CLI::App& cmd, const DueRequest& request) {
  if (!request.due) return false;
  // The schedule's settings come from the inventory: any other option would be silently ignored.
  // `--browsers` is tma visual's `--jobs`.
  static const std::set<std::string> allowed{"--due",   "--site",   "--client", "--tag",      "--all",   "--env",
                                             "--shard", "--jobs",   "--per-host", "--browsers", "--help"};
  for (const auto* option : cmd.get_options()) {
    auto name = option->get_name();
    if (option->count() == 0 || allowed.count(name) || (name == "--format" && request.format_allowed)) continue;
    throw core::UsageError(fmt::format("{} cannot go with --due: a scheduled job takes its settings from the "
                                       "inventory (docs/operations.md)",
                                       name));
  }
  RunCli cli;
  cli.selection = request.selection;
  cli.kinds = {std::string(schedule::to_string(request.kind))};
  cli.due = true;
  cli.format = request.format;
  cli.jobs = request.jobs;
  cli.per_host = request.per_host;
  run_due(context, cli);
  return true;
}

void setup_run(CLI::App& app, Context& context) {
  auto cli = std::make_shared<RunCli>();
  auto* cmd = app.add_subcommand("run", "Run every scheduled job that is due now (one cron line or timer)");
  cmd->add_flag("--due", cli->due, "Run what is due now (required)");
  cmd->add_flag("--dry-run,-n", cli->dry_run, "Show what is due and the next run of each job; run and claim nothing");
  cmd->add_flag("--sync", cli->sync,
                "Claim through the shared journal remote (journal.remote), for several runners; push the outcomes");
  cmd->add_option("--jobs,-j", cli->jobs, "Sites each command works on at once")->check(CLI::Range(1, 1024))->default_str("4");
  cmd->add_option("--per-host", cli->per_host, "Sites of one server at once")->check(CLI::Range(1, 64))->default_str("2");
  add_run_options(*cmd, *cli);
  cmd->callback([&context, cli] { run_due(context, *cli); });

  auto list = std::make_shared<RunCli>();
  auto* sched = app.add_subcommand("schedule", "Every scheduled job: its schedule, last and next run, and whether it is due");
  add_run_options(*sched, *list);
  sched->callback([&context, list] { list_schedule(context, *list); });
}

} // namespace tma::cli
