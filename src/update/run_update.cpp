// `tma update` over real adapters: locks, leftover maintenance, plan, pipeline, incident, hours.
#include <tma/update/run_update.hpp>

#include <tma/core/clock.hpp>

#include <tma/contract/record.hpp>
#include <tma/core/log.hpp>
#include <tma/core/signals.hpp>
#include <tma/incident/monitor.hpp>
#include <tma/run/parallel.hpp>
#include <tma/update/engine_backup.hpp>
#include <tma/update/health.hpp>
#include <tma/update/journal_recorder.hpp>
#include <tma/update/recovery.hpp>
#include <tma/update/lock.hpp>
#include <tma/update/visual_check.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>

namespace tma::update {

namespace {

using Clock = std::chrono::system_clock;

const inventory::Environment* prod_env(const inventory::Site& site) { return site.env("prod"); }
const inventory::Environment* preprod_env(const inventory::Site& site) { return site.env("preprod"); }

// Plain composer projects have no maintenance mode and no database updates: the plan says so.
void note_site_kind(Plan& plan, inventory::Cms cms) {
  if (cms == inventory::Cms::composer) {
    plan.note = "plain composer project: no maintenance mode and no database updates (composer require only)";
  }
}

// The CMS actions of one environment of `site` (cms::make_actions); null only for a static site,
// which SiteUpdate refuses before it makes any.
std::unique_ptr<CmsActions> make_cms(const inventory::Site& site, transport::Transport& shell,
                                     const inventory::Environment& env) {
  auto actions = cms::make_actions(site, env, shell);
  return actions ? std::move(*actions) : nullptr;
}

// The installed components of prod (and the findings, when vulnerability data was consulted).
core::Result<check::SiteCheck> check_prod(const inventory::Site& site, const UpdateServices& services) {
  check::CheckTransportFactory factory = services.make_transport;
  check::CheckInputs inputs;
  inputs.transports = &factory;
  inputs.http = services.http;
  inputs.wordpress_api = services.inventory->sources.wordpress_api;
  inputs.wordfence = services.wordfence;
  inputs.feed_note = services.feed_note;
  // Release dates for updates.min_release_age: the clock of the plan, drupal.org's history for dates alone.
  inputs.cache = services.cache;
  inputs.now = std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
  inputs.zone = services.zone;
  if (services.inventory->sources.drupal_updates_enabled) inputs.release_history_url = services.inventory->sources.drupal_updates_url;
  auto result = check::run_check(site, *prod_env(site), inputs);
  if (result.error) {
    return tl::unexpected(core::with_context(*result.error, "checking " + site.name + " prod"));
  }
  return result;
}

core::Result<Plan> fresh_plan(const inventory::Site& site, const check::SiteCheck& prod, const UpdateOptions& options,
                              const UpdateServices& services) {
  PlanInput input;
  input.site = site.name;
  input.env = "prod";
  input.scheme = site.cms == inventory::Cms::wordpress ? version::Scheme::php : version::Scheme::composer;
  input.components = prod.components;
  if (prod.security_checked) {
    input.findings = prod.findings;
  }
  input.policy = site.updates;
  input.options = options.plan;
  input.now = std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
  input.zone = services.zone;
  auto plan = make_plan(input);
  if (plan) {
    note_site_kind(*plan, site.cms);
  }
  return plan;
}

// --promote: the newest `update.validated` event of the site.
core::Result<std::pair<Plan, std::string>> validated_plan(const inventory::Site& site, const UpdateServices& services) {
  journal::Filter filter;
  filter.types = {"update.validated"};
  filter.sites = {site.name};
  auto events = journal::read_events(*services.journal, filter, 1);
  if (!events) {
    return tl::unexpected(events.error());
  }
  if (events->empty()) {
    return core::fail(core::ErrorKind::usage, site.name +
                                                  ": nothing to promote: no validated set in the journal (run "
                                                  "`tma update --site " + site.name + " --env preprod` first)");
  }
  auto plan = plan_from_validated(site.name, events->front().data);
  if (!plan) {
    return tl::unexpected(plan.error());
  }
  if (plan->steps.empty()) {
    return core::fail(core::ErrorKind::usage, site.name + ": the last preprod run (" + events->front().run +
                                                  ") validated nothing; nothing to promote");
  }
  return std::make_pair(std::move(*plan), events->front().run);
}

SitePlan plan_one(const inventory::Site& site, const UpdateOptions& options, const UpdateServices& services) {
  SitePlan out;
  out.site = site.name;
  auto prod = check_prod(site, services);
  if (!prod) {
    out.error = prod.error();
    return out;
  }
  if (options.promote) {
    auto validated = validated_plan(site, services);
    if (!validated) {
      out.error = validated.error();
      return out;
    }
    if (auto changed = drift(validated->first, prod->components); !changed.empty()) {
      out.error = core::Error{core::ErrorKind::usage,
                              fmt::format("{}: prod changed since run {} validated this set on preprod ({}); not "
                                          "promoting it: run the update again",
                                          site.name, validated->second, fmt::join(changed, "; "))};
      return out;
    }
    out.plan = std::move(validated->first);
    out.validated_by = validated->second;
    if (!options.accept_visual) hold_visual_changes(*out.plan);
    if (out.plan->steps.empty()) {
      out.error = core::Error{core::ErrorKind::usage,
                              fmt::format("{}: every step validated by run {} waits for approval ({})", site.name,
                                          validated->second, out.plan->skipped.front().reason)};
    }
    return out;
  }
  auto plan = fresh_plan(site, *prod, options, services);
  if (!plan) {
    out.error = plan.error();
  } else {
    out.plan = std::move(*plan);
  }
  return out;
}

std::mutex g_journal_reads; // incident numbering reads the journal, then writes: one site at a time

class SiteUpdate {
public:
  SiteUpdate(const inventory::Site& site, const UpdateOptions& options, const UpdateServices& services)
      : m_site(site), m_options(options), m_services(services) {
    m_out.site = site.name;
  }

  SiteRun run(const std::optional<Plan>& confirmed) {
    auto started = core::wall_clock_now();
    run_locked(confirmed);
    auto finished = core::wall_clock_now();
    m_out.duration = std::chrono::duration_cast<std::chrono::seconds>(finished - started);
    if (m_out.result && m_out.result->outcome != Outcome::nothing_to_do) {
      record_hours(started, finished);
    }
    return std::move(m_out);
  }

private:
  bool fail(core::Error error) {
    m_out.error = std::move(error);
    return false;
  }

  core::Result<std::unique_ptr<transport::Transport>> transport_for(const inventory::Environment& env) {
    return m_services.make_transport(env);
  }

  void run_locked(const std::optional<Plan>& confirmed) {
    const auto* prod = prod_env(m_site);
    const auto* preprod = preprod_env(m_site);
    bool use_preprod = !m_options.skip_preprod && !m_options.promote;
    bool use_prod = !m_options.preprod_only;
    if (m_site.cms == inventory::Cms::static_site) {
      fail({core::ErrorKind::config, m_site.name + ": a static site has no components for tma update"});
      return;
    }
    LockHolder holder{m_services.run->id(), m_services.journal->actor(), m_services.host,
                      core::wall_now().time_since_epoch().count(),
                      static_cast<std::int64_t>(::getpid())};
    std::error_code ec;
    std::filesystem::create_directories(m_services.lock_dir, ec);
    auto local = LocalLock::acquire(m_services.lock_dir + "/update-" + m_site.name + ".lock", holder);
    if (!local) {
      fail(core::Error{local.error().kind, m_site.name + ": " + local.error().message});
      return;
    }
    // Transports first: the remote locks below use them and must be released before they go.
    std::unique_ptr<transport::Transport> prod_shell;
    std::unique_ptr<transport::Transport> preprod_shell;
    if (auto t = transport_for(*prod); !t) {
      fail(core::with_context(t.error(), m_site.name + " prod"));
      return;
    } else {
      prod_shell = std::move(*t);
    }
    if (use_preprod) {
      auto t = transport_for(*preprod);
      if (!t) {
        fail(core::with_context(t.error(), m_site.name + " preprod"));
        return;
      }
      preprod_shell = std::move(*t);
    }
    RemoteLock::Options lock_options;
    lock_options.now = core::wall_clock_now();
    lock_options.stale_after = m_options.stale_after;
    lock_options.break_stale = m_options.break_lock;
    lock_options.this_host = m_services.host;
    std::optional<RemoteLock> prod_lock;
    std::optional<RemoteLock> preprod_lock;
    if (use_prod) {
      auto l = RemoteLock::acquire(*prod_shell, *prod, holder, lock_options);
      if (!l) {
        fail(core::Error{l.error().kind, m_site.name + ": " + l.error().message});
        return;
      }
      prod_lock.emplace(std::move(*l));
    }
    if (use_preprod) {
      auto l = RemoteLock::acquire(*preprod_shell, *preprod, holder, lock_options);
      if (!l) {
        fail(core::Error{l.error().kind, m_site.name + ": " + l.error().message});
        return;
      }
      preprod_lock.emplace(std::move(*l));
    }
    JournalRecorder recorder(*m_services.run, m_site.name, m_site.client);
    auto prod_cms = make_cms(m_site, *prod_shell, *prod);
    std::unique_ptr<CmsActions> preprod_cms;
    if (use_preprod) {
      preprod_cms = make_cms(m_site, *preprod_shell, *preprod);
    }
    if (!prod_cms || (use_preprod && !preprod_cms)) {
      fail(core::Error{core::ErrorKind::usage, m_site.name + ": no update adapter for this CMS"});
      return;
    }
    clear_leftover_maintenance(recorder, *prod_cms, preprod_cms.get());

    auto planned = plan_under_lock(confirmed);
    if (!planned) {
      (void)recorder.record(use_prod ? "prod" : "preprod", "update.finished",
                            {{"outcome", "failed"}, {"error", planned.error().message}});
      fail(planned.error());
      return;
    }
    note_site_kind(*planned, m_site.cms);
    m_out.plan = *planned;
    auto plan_event = plan_to_json(*planned);
    plan_event["maintenance"] = m_site.cms == inventory::Cms::composer ? "none (plain composer project)" : "prod";
    plan_event["skip_preprod"] = m_options.skip_preprod;
    plan_event["preprod_only"] = m_options.preprod_only;
    plan_event["validated_by"] = m_validated_by;
    if (auto r = recorder.record(use_prod ? "prod" : "preprod", "update.plan", plan_event); !r) {
      fail(r.error());
      return;
    }

    HealthSmokeTest prod_health(m_site, *prod, *m_services.http);
    std::optional<HealthSmokeTest> preprod_health;
    if (use_preprod) {
      preprod_health.emplace(m_site, *preprod, *m_services.http);
    }
    backup::Services backup_services;
    backup_services.make_transport = m_services.make_transport;
    backup_services.http = m_services.http;
    backup_services.run = m_services.run;
    backup_services.zone = m_services.zone;
    EngineBackup backup(*m_services.inventory, m_site, *prod, backup_services);

    Targets targets;
    targets.preprod = preprod_cms.get();
    targets.preprod_health = preprod_health ? &*preprod_health : nullptr;
    targets.prod = prod_cms.get();
    targets.prod_health = &prod_health;
    targets.backup = &backup;
    targets.recorder = &recorder;
    std::optional<SnapshotVisualCheck> preprod_visual;
    std::optional<SnapshotVisualCheck> prod_visual;
    if (m_site.visual) {
      visual::SnapshotStore store(std::filesystem::path(m_services.inventory->directory) / "visual");
      if (use_preprod) preprod_visual.emplace(m_services.start_browser, *m_services.http, store, m_site, *preprod);
      prod_visual.emplace(m_services.start_browser, *m_services.http, store, m_site, *prod);
      targets.preprod_visual = preprod_visual ? &*preprod_visual : nullptr;
      targets.prod_visual = &*prod_visual;
    }
    PipelineOptions pipeline;
    pipeline.skip_preprod = m_options.skip_preprod;
    pipeline.preprod_only = m_options.preprod_only;
    pipeline.stop_on_failure = m_options.stop_on_failure;
    pipeline.validated_by = m_validated_by;
    m_out.result = run_pipeline(*planned, targets, pipeline);
    open_incident_if_needed();
  }

  // A run killed with maintenance on (SIGKILL, power cut) could not run its guard: the next run
  // switches it off, once it holds the locks (so the run that switched it on is surely gone).
  void clear_leftover_maintenance(Recorder& recorder, CmsActions& prod, CmsActions* preprod) {
    journal::Filter filter;
    filter.types = {"update.maintenance.", "update.finished", "update.recovered"};
    filter.sites = {m_site.name};
    auto events = journal::read_events(*m_services.journal, filter);
    if (!events) {
      core::log::warning("{}: cannot read the journal to look for a leftover maintenance flag: {}", m_site.name,
                         events.error().message);
      return;
    }
    for (const auto& [env, run] : maintenance_to_clear(*events, m_site.name)) {
      if (run == m_services.run->id()) {
        continue;
      }
      CmsActions* cms = env == "prod" ? &prod : (env == "preprod" ? preprod : nullptr);
      std::unique_ptr<transport::Transport> shell;
      std::unique_ptr<CmsActions> other;
      if (cms == nullptr) {
        const auto* e = m_site.env(env);
        if (e == nullptr) {
          continue;
        }
        auto t = transport_for(*e);
        if (!t) {
          core::log::warning("{} {}: {}", m_site.name, env, t.error().message);
          continue;
        }
        shell = std::move(*t);
        other = make_cms(m_site, *shell, *e);
        cms = other.get();
        if (cms == nullptr) continue;
      }
      // A CMS that can tell whether the flag is really still set (someone may have cleared it by hand).
      if (cms->has_maintenance()) {
        auto active = cms->maintenance_active();
        if (active && *active && !**active) {
          (void)recorder.record(env, "update.maintenance.off", {{"recovered", true}, {"left_by", run}});
          (void)recorder.record(env, "update.recovered", {{"run", run}, {"maintenance", "already off"}, {"ok", true}});
          continue;
        }
      }
      (void)recorder.record(env, "update.maintenance.off", {{"recovered", true}, {"left_by", run}});
      auto off = cms->set_maintenance(false);
      (void)recorder.record(env, "update.recovered",
                            {{"run", run}, {"maintenance", "off"}, {"ok", static_cast<bool>(off)},
                             {"error", off ? std::string() : off.error().message}});
      if (off) {
        m_out.recovered.push_back(env);
        core::log::warning("{} {}: switched off the maintenance mode left on by run {}", m_site.name, env, run);
      } else {
        core::log::error("{} {}: could not switch off the maintenance mode left on by run {}: {}", m_site.name, env,
                         run, off.error().message);
      }
    }
  }

  core::Result<Plan> plan_under_lock(const std::optional<Plan>& confirmed) {
    if (!confirmed) {
      auto planned = plan_one(m_site, m_options, m_services);
      if (planned.error) {
        return tl::unexpected(*planned.error);
      }
      m_validated_by = planned.validated_by;
      return *planned.plan;
    }
    // The user approved `confirmed` before the locks were taken: prod must still be what it was made from.
    auto prod = check_prod(m_site, m_services);
    if (!prod) {
      return tl::unexpected(prod.error());
    }
    if (auto changed = drift(*confirmed, prod->components); !changed.empty()) {
      return core::fail(core::ErrorKind::usage, fmt::format("{}: prod changed since the plan was shown ({}); run "
                                                            "the update again",
                                                            m_site.name, fmt::join(changed, "; ")));
    }
    if (m_options.promote) {
      auto validated = validated_plan(m_site, m_services);
      if (validated) {
        m_validated_by = validated->second;
      }
    }
    return *confirmed;
  }

  // Prod had to be rolled back, restored, or was left failed after the prod stage began.
  void open_incident_if_needed() {
    const auto& r = *m_out.result;
    bool prod_touched = !r.backup_id.empty();
    if (!(r.outcome == Outcome::rolled_back || r.outcome == Outcome::restored ||
          (r.outcome == Outcome::failed && prod_touched))) {
      return;
    }
    if (core::interrupted()) {
      // The operator stopped the run (Ctrl-C): the rollback is in the journal, it is not an incident.
      return;
    }
    auto why = r.error.rfind("prod: ", 0) == 0 ? r.error.substr(6) : r.error;
    incident::UpdateFailure failure{.env = "prod",
                                    .outcome = std::string(to_string(r.outcome)),
                                    .detail = why,
                                    .backup = r.backup_id,
                                    .update_run = m_services.run->id()};
    std::lock_guard<std::mutex> guard(g_journal_reads);
    auto opened = incident::open_rollback_incident(*m_services.journal, *m_services.run, m_site, failure, m_services.zone);
    if (opened) {
      m_out.incident = std::move(*opened);
    } else {
      core::log::error("{}: could not open the incident: {}", m_site.name, opened.error().message);
    }
  }

  void record_hours(Clock::time_point started, Clock::time_point finished) {
    auto from = std::chrono::floor<std::chrono::seconds>(started);
    auto to = std::chrono::ceil<std::chrono::seconds>(finished);
    auto work = automatic_work(*m_out.result, m_site.client, from, to);
    (void)contract::record_automatic(*m_services.run, work, m_services.zone);
  }

  const inventory::Site& m_site;
  const UpdateOptions& m_options;
  const UpdateServices& m_services;
  SiteRun m_out;
  std::string m_validated_by;
};

} // namespace

core::Result<void> check_request(const std::vector<const inventory::Site*>& sites, const UpdateOptions& o) {
  if (o.promote && (o.preprod_only || o.skip_preprod)) {
    return core::fail(core::ErrorKind::usage, "--promote applies a set validated on preprod to prod: it takes "
                                              "neither --env preprod nor --skip-preprod");
  }
  if (o.promote && (!o.plan.only.empty() || o.plan.security_only || o.plan.limit != Limit::none)) {
    return core::fail(core::ErrorKind::usage, "--promote applies exactly the validated set: --only, "
                                              "--security-only, --minor and --patch do not apply");
  }
  if (o.accept_visual && !o.promote) {
    return core::fail(core::ErrorKind::usage, "--accept-visual approves the page changes of a validated set: it "
                                              "goes with --promote, after reviewing the comparison's report");
  }
  if (o.preprod_only && o.skip_preprod) {
    return core::fail(core::ErrorKind::usage, "--env preprod and --skip-preprod contradict each other");
  }
  if (o.jobs < 1 || o.jobs > 64) {
    return core::fail(core::ErrorKind::usage, "--jobs must be between 1 and 64");
  }
  if (o.max_fail < 0) {
    return core::fail(core::ErrorKind::usage, "--max-fail must be 0 (no limit) or more");
  }
  for (const auto* site : sites) {
    if (prod_env(*site) == nullptr) {
      return core::fail(core::ErrorKind::usage, site->name + " has no prod environment");
    }
    bool needs_preprod = o.preprod_only || (!o.skip_preprod && !o.promote);
    if (needs_preprod && preprod_env(*site) == nullptr) {
      return core::fail(core::ErrorKind::usage,
                        site->name + " has no preprod environment: updates are validated on preprod first; "
                                     "use --skip-preprod to update prod directly (said in the plan and the journal)");
    }
  }
  return {};
}

std::vector<SitePlan> plan_sites(const std::vector<const inventory::Site*>& sites, const UpdateOptions& options,
                                 const UpdateServices& services) {
  std::vector<SitePlan> out(sites.size());
  run::for_each_parallel(
      sites.size(), options.jobs,
      [&](std::size_t i, bool stopped) {
        if (stopped) {
          out[i].site = sites[i]->name;
          out[i].error = core::Error{core::ErrorKind::interrupted, "not planned: interrupted"};
          return;
        }
        out[i] = plan_one(*sites[i], options, services);
      },
      [] { return core::interrupted(); });
  return out;
}

std::vector<SiteRun> run_sites(const std::vector<const inventory::Site*>& sites,
                               const std::map<std::string, Plan>& confirmed, const UpdateOptions& options,
                               const UpdateServices& services) {
  std::vector<SiteRun> out(sites.size());
  std::atomic<int> failures{0};
  run::for_each_parallel(
      sites.size(), options.jobs,
      [&](std::size_t i, bool stopped) {
        const auto& site = *sites[i];
        if (stopped) {
          out[i].site = site.name;
          out[i].error = core::Error{core::ErrorKind::interrupted,
                                     core::interrupted() ? "not started: interrupted"
                                                         : fmt::format("not started: --max-fail {} reached",
                                                                       options.max_fail)};
          return;
        }
        auto it = confirmed.find(site.name);
        out[i] = SiteUpdate(site, options, services)
                     .run(it == confirmed.end() ? std::nullopt : std::optional<Plan>(it->second));
        const auto& r = out[i];
        bool failed = (r.error && r.error->kind != core::ErrorKind::usage) ||
                      (r.result && (r.result->outcome == Outcome::failed || r.result->outcome == Outcome::rolled_back ||
                                    r.result->outcome == Outcome::restored));
        if (failed) {
          ++failures;
        }
      },
      [&] { return core::interrupted() || (options.max_fail > 0 && failures.load() >= options.max_fail); });
  return out;
}

} // namespace tma::update
