// The scheduled jobs of an inventory, and the journal's account of their runs.
#include <tma/schedule/jobs.hpp>
#include <tma/schedule/history_fold.hpp>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <tma/core/json.hpp>

namespace tma::schedule {

std::string_view to_string(JobKind kind) {
  switch (kind) {
  case JobKind::backup: return "backup";
  case JobKind::update: return "update";
  case JobKind::check: return "check";
  case JobKind::health: return "health";
  case JobKind::visual: return "visual";
  case JobKind::report: return "report";
  case JobKind::connectors_sync: return "connectors-sync";
  case JobKind::notify_flush: return "notify-flush";
  }
  return "?";
}

const std::vector<JobKind>& all_kinds() {
  static const std::vector<JobKind> kinds{JobKind::backup, JobKind::update,          JobKind::check,
                                          JobKind::health, JobKind::visual,          JobKind::report,
                                          JobKind::connectors_sync, JobKind::notify_flush};
  return kinds;
}

std::optional<JobKind> parse_job_kind(std::string_view text) {
  for (auto kind : all_kinds()) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string Job::key() const {
  switch (kind) {
  case JobKind::backup: return fmt::format("backup:{}:{}", site, env);
  case JobKind::report: return fmt::format("report:{}", client);
  case JobKind::connectors_sync: return fmt::format("connectors-sync:{}", connector);
  case JobKind::notify_flush: return "notify-flush";
  default: return fmt::format("{}:{}", to_string(kind), site);
  }
}

std::vector<Job> scheduled_jobs(const inventory::Inventory& inventory, const std::vector<const inventory::Site*>& sites,
                                const std::optional<std::string>& env, const std::vector<JobKind>& kinds,
                                bool agency_jobs) {
  auto wanted = [&](JobKind kind) { return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); };
  std::vector<Job> jobs;
  auto site_job = [](JobKind kind, const inventory::Site& site, const core::Schedule& schedule) {
    Job job;
    job.kind = kind;
    job.site = site.name;
    job.client = site.client;
    job.schedule = schedule;
    return job;
  };
  for (const auto* site : sites) {
    if (wanted(JobKind::backup)) {
      for (const auto& e : site->environments) {
        if (env && e.name != *env) continue;
        auto job = site_job(JobKind::backup, *site, site->backup.schedule);
        job.env = e.name;
        jobs.push_back(std::move(job));
      }
    }
    // Updates change prod: only where someone wrote a schedule, never on the built-in default.
    if (wanted(JobKind::update) && site->updates.scheduled && site->env("prod")) {
      auto job = site_job(JobKind::update, *site, site->updates.schedule);
      job.window = site->updates.window;
      job.security_only = site->updates.security_only;
      job.skip_preprod = site->env("preprod") == nullptr;
      jobs.push_back(std::move(job));
    }
    if (wanted(JobKind::check) && site->check.schedule) jobs.push_back(site_job(JobKind::check, *site, *site->check.schedule));
    if (wanted(JobKind::health) && site->health.schedule) {
      jobs.push_back(site_job(JobKind::health, *site, *site->health.schedule));
    }
    // The defacement check: what visitors see, so prod only.
    if (wanted(JobKind::visual) && site->visual && site->visual->schedule && site->env("prod")) {
      jobs.push_back(site_job(JobKind::visual, *site, *site->visual->schedule));
    }
  }
  if (!agency_jobs) return jobs;
  if (wanted(JobKind::report)) {
    std::set<std::string> clients;
    for (const auto* site : sites) clients.insert(site->client);
    for (const auto& client : inventory.clients) {
      if (!client.report_schedule || !clients.count(client.id)) continue;
      Job job;
      job.kind = JobKind::report;
      job.client = client.id;
      job.schedule = *client.report_schedule;
      jobs.push_back(std::move(job));
    }
  }
  if (wanted(JobKind::connectors_sync)) {
    for (const auto& connector : inventory.connectors) {
      if (!connector.schedule) continue;
      Job job;
      job.kind = JobKind::connectors_sync;
      job.connector = connector.name;
      job.schedule = *connector.schedule;
      jobs.push_back(std::move(job));
    }
  }
  if (wanted(JobKind::notify_flush) && inventory.notify.schedule) {
    Job job;
    job.kind = JobKind::notify_flush;
    job.schedule = *inventory.notify.schedule;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

namespace {

std::optional<SysSeconds> slot_of(const journal::Event& event) {
  auto it = event.data.find("slot");
  if (it == event.data.end() || !it->is_string()) return std::nullopt;
  auto parsed = core::parse_rfc3339(it->get<std::string>());
  if (!parsed) return std::nullopt;
  return *parsed;
}

struct Claim {
  const journal::Event* event;
  std::string key;
  SysSeconds slot;
};

// Claims that no `job.released` gave back, and the finished events by claim id.
std::vector<Claim> live_claims(const std::vector<journal::Event>& events) {
  std::set<std::string> released;
  for (const auto& e : events) {
    if (e.type == "job.released") released.insert(core::json_string(e.data, "claim"));
  }
  std::vector<Claim> claims;
  for (const auto& e : events) {
    if (e.type != "job.claimed" || released.count(e.id)) continue;
    auto key = core::json_string(e.data, "job");
    auto slot = slot_of(e);
    if (key.empty() || !slot) continue;
    claims.push_back(Claim{&e, key, *slot});
  }
  return claims;
}

} // namespace

std::map<std::string, JobHistory> fold_history(const std::vector<journal::Event>& events) {
  return HistoryFold::of(events).history(std::nullopt);
}

std::vector<std::string> contested_claims(const std::vector<journal::Event>& events, const std::string& my_run) {
  auto claims = live_claims(events);
  std::vector<std::string> contested;
  for (const auto& mine : claims) {
    if (mine.event->run != my_run) continue;
    bool taken = std::any_of(claims.begin(), claims.end(), [&](const Claim& other) {
      return other.event->run != my_run && other.key == mine.key && other.slot == mine.slot;
    });
    if (taken) contested.push_back(mine.event->id);
  }
  return contested;
}

} // namespace tma::schedule
