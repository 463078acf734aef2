#include <tma/incident/monitor.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace tma::incident {

namespace {

struct Streak {
  int count = 0;
  std::optional<SysSeconds> down_since;
};

using StreakKey = std::tuple<std::string, std::string, std::string>; // site, env, problem

StreakKey key_of(const Probe& probe) { return {probe.site, probe.env, probe.problem}; }

// The newest monitor.* event of each probe's site/env/problem decides: failed -> its streak,
// recovered -> 0. One scan for all the probes of a run: a scan per probe read the last 14 days of
// the journal once per site and environment (found by the soak, bench/soak: a health run of 200
// sites then cost minutes).
core::Result<std::map<StreakKey, Streak>> last_streaks(const journal::Journal& journal,
                                                       const std::vector<Probe>& probes, SysSeconds now) {
  std::set<StreakKey> wanted;
  std::set<std::string> sites;
  std::set<std::string> envs;
  for (const auto& probe : probes) {
    wanted.insert(key_of(probe));
    sites.insert(probe.site);
    envs.insert(probe.env);
  }
  std::map<StreakKey, Streak> streaks;
  if (wanted.empty()) return streaks;
  journal::Filter filter;
  filter.types = {"monitor."};
  filter.sites.assign(sites.begin(), sites.end());
  filter.envs.assign(envs.begin(), envs.end());
  filter.since = now - k_streak_lookback;
  std::set<StreakKey> decided;
  auto scanned = journal.scan(filter, [&](const journal::Event& e) {
    StreakKey key{e.site, e.env, e.data.value("problem", "")};
    if (!wanted.contains(key) || !decided.insert(key).second) return true;
    if (e.type == k_monitor_failed) {
      Streak streak;
      streak.count = e.data.value("streak", 1);
      if (auto since = core::parse_rfc3339(e.data.value("down_since", "")); since) streak.down_since = *since;
      else streak.down_since = e.at;
      streaks[key] = streak;
    }
    return decided.size() < wanted.size();
  });
  if (!scanned) return tl::unexpected(scanned.error());
  return streaks;
}

bool same_problem(const Incident& i, const Probe& probe) {
  return i.source == Source::monitoring && i.site == probe.site && i.env == probe.env && i.problem == probe.problem;
}

} // namespace

std::string_view to_string(Transition transition) {
  switch (transition) {
  case Transition::none: return "none";
  case Transition::counted: return "counted";
  case Transition::opened: return "opened";
  case Transition::noted: return "noted";
  case Transition::reopened: return "reopened";
  case Transition::resolved: return "resolved";
  case Transition::recovered: return "recovered";
  }
  return "none";
}

std::vector<Probe> probes_from_health(const std::vector<check::HealthResult>& results) {
  std::vector<Probe> probes;
  for (const auto& result : results) {
    auto it = std::find_if(probes.begin(), probes.end(),
                           [&](const Probe& p) { return p.site == result.site && p.env == result.env; });
    if (it == probes.end()) {
      probes.push_back(Probe{result.site, result.env, true, "health", ""});
      it = probes.end() - 1;
    }
    if (result.level != check::HealthLevel::critical) continue;
    it->ok = false;
    for (const auto& problem : result.problems) {
      if (problem.level != check::HealthLevel::critical) continue;
      if (!it->detail.empty()) it->detail += "; ";
      it->detail += fmt::format("{}: {}", result.url, problem.message);
    }
  }
  return probes;
}

core::Result<std::vector<MonitorOutcome>> record_probes(journal::Journal& journal, journal::Run& run,
                                                        const inventory::Inventory& inventory,
                                                        const core::TimeZone& zone, const std::vector<Probe>& probes) {
  auto now = journal.now();
  auto loaded = load_all(journal);
  if (!loaded) return tl::unexpected(loaded.error());
  auto incidents = std::move(*loaded);
  auto streaks = last_streaks(journal, probes, now);
  if (!streaks) return tl::unexpected(streaks.error());
  std::vector<MonitorOutcome> outcomes;
  for (const auto& probe : probes) {
    const auto* site = inventory.site(probe.site);
    if (site == nullptr) {
      return tl::unexpected(core::Error{core::ErrorKind::config, fmt::format("monitoring: unknown site '{}'", probe.site)});
    }
    journal::Subject subject{probe.site, probe.env, site->client};
    // A copy: the entry is updated below, so that a later probe of the same problem in this run
    // sees this one's event.
    auto known = streaks->find(key_of(probe));
    Streak streak = known != streaks->end() ? known->second : Streak{};
    MonitorOutcome outcome;
    outcome.probe = probe;
    auto open_it = std::find_if(incidents.begin(), incidents.end(),
                                [&](const Incident& i) { return i.is_open() && same_problem(i, probe); });

    if (!probe.ok) {
      outcome.streak = streak.count + 1;
      auto down_since = streak.count > 0 && streak.down_since ? *streak.down_since : now;
      run.record(std::string(k_monitor_failed), subject,
                 {{"problem", probe.problem},
                  {"detail", probe.detail},
                  {"streak", outcome.streak},
                  {"down_since", core::format_rfc3339_utc(down_since)}});
      (*streaks)[key_of(probe)] = Streak{outcome.streak, down_since};
      if (open_it != incidents.end()) {
        outcome.transition = Transition::noted;
        outcome.incident = *open_it;
        auto event = note(run, *open_it, fmt::format("still down (check {} in a row): {}", outcome.streak, probe.detail));
        if (event) outcome.event = *event;
      } else if (outcome.streak >= site->health.down_after) {
        // The most recently resolved incident of this problem, if it was resolved a moment ago.
        const Incident* recent = nullptr;
        for (const auto& i : incidents) {
          if (same_problem(i, probe) && i.resolved && now - *i.resolved <= k_reopen_window &&
              (recent == nullptr || *i.resolved > *recent->resolved)) {
            recent = &i;
          }
        }
        if (recent != nullptr) {
          outcome.transition = Transition::reopened;
          outcome.incident = *recent;
          outcome.event = reopen(run, *recent, probe.detail, down_since);
        } else {
          OpenRequest request;
          request.site = probe.site;
          request.env = probe.env;
          request.client = site->client;
          // A preprod outage is the agency's own business: never more than minor, so it pages no
          // one as a prod outage would and reaches no client (the notify rules' min_severity).
          request.severity = probe.env == "prod" ? site->criticality : inventory::Criticality::minor;
          request.title = fmt::format("{} ({}) is down", probe.site, probe.env);
          request.at = down_since;
          request.source = Source::monitoring;
          request.problem = probe.problem;
          request.extra = {{"detail", probe.detail}, {"failed_checks", outcome.streak}};
          auto opened = open(journal, run, request, zone);
          if (!opened) return tl::unexpected(opened.error());
          outcome.transition = Transition::opened;
          outcome.incident = *opened;
          journal::Event event;
          event.id = opened->opened_event;
          event.type = std::string(k_opened);
          event.at = now;
          event.run = run.id();
          event.site = probe.site;
          event.env = probe.env;
          event.client = site->client;
          outcome.event = event;
        }
        // Re-read so the next probe of this run sees the change (open() flushed it).
        if (auto flushed = run.flush(); !flushed) return tl::unexpected(flushed.error());
        auto again = load_all(journal);
        if (!again) return tl::unexpected(again.error());
        incidents = std::move(*again);
        if (outcome.transition == Transition::opened) {
          auto it = std::find_if(incidents.begin(), incidents.end(),
                                 [&](const Incident& i) { return i.opened_event == outcome.incident->opened_event; });
          if (it != incidents.end()) outcome.incident = *it;
        }
      } else {
        outcome.transition = Transition::counted;
      }
    } else {
      if (streak.count > 0) {
        run.record(std::string(k_monitor_recovered), subject,
                   {{"problem", probe.problem}, {"failed_checks", streak.count}});
        (*streaks)[key_of(probe)] = Streak{};
      }
      if (open_it != incidents.end()) {
        auto since = streak.count > 0 && streak.down_since ? *streak.down_since : open_it->opened;
        outcome.downtime = elapsed(since, now);
        outcome.transition = Transition::resolved;
        outcome.incident = *open_it;
        // Never before the opening or the acknowledgement, even when they came (through a sync) from
        // a machine whose clock is ahead of this one: resolve() refuses such a time.
        auto resolved_at = std::max({now, open_it->opened, open_it->acknowledged.value_or(now)});
        auto event = resolve(run, *open_it, "health checks pass again", resolved_at, outcome.downtime);
        if (!event) return tl::unexpected(event.error());
        outcome.event = *event;
        // The outcome describes the incident as resolved (messages give the downtime).
        outcome.incident->resolved = resolved_at;
        outcome.incident->downtime += *outcome.downtime;
        open_it->resolved = resolved_at; // a second probe of the same problem in this run sees it resolved
      } else if (streak.count > 0) {
        outcome.transition = Transition::recovered;
      }
    }
    outcomes.push_back(std::move(outcome));
  }
  if (auto flushed = run.flush(); !flushed) return tl::unexpected(flushed.error());
  return outcomes;
}

core::Result<Incident> open_rollback_incident(journal::Journal& journal, journal::Run& run, const inventory::Site& site,
                                              const UpdateFailure& failure, const core::TimeZone& zone) {
  OpenRequest request;
  request.site = site.name;
  request.env = failure.env;
  request.client = site.client;
  request.severity = Criticality::major;
  auto what = failure.outcome == "restored" ? std::string("restored from its backup") : failure.outcome;
  auto head = fmt::format("update of {} ({}) {}", site.name, failure.env, what);
  request.title = failure.detail.empty() ? head : fmt::format("{}: {}", head, failure.detail.substr(0, 200));
  request.source = Source::update;
  request.problem = "update";
  request.run = failure.update_run;
  request.extra = {{"outcome", failure.outcome}, {"backup", failure.backup}};
  return open(journal, run, request, zone);
}

} // namespace tma::incident
