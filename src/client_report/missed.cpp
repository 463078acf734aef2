// Interrupted scheduled backups and postponed updates: see missed.hpp.
#include "client_report/missed.hpp"

#include <algorithm>
#include <set>

#include <tma/core/json.hpp>

namespace tma::client_report {
namespace {

constexpr std::string_view k_prod = "prod";

bool by_time(const journal::Event* a, const journal::Event* b) { return a->at < b->at; }

} // namespace

std::map<std::string, int> interrupted_backups(const std::vector<journal::Event>& events, const std::string& client,
                                               SysSeconds from, SysSeconds until, SysSeconds now) {
  std::set<std::string> finished, released; // claim ids
  std::map<std::string, std::vector<const journal::Event*>> claims; // by job key, prod backups only
  std::map<std::string, std::vector<SysSeconds>> outcomes;         // backups finished or failed, by site
  for (const auto& e : events) {
    if (e.client != client || e.env != k_prod) continue;
    if (e.type == "job.finished") {
      finished.insert(core::json_string(e.data, "claim"));
    } else if (e.type == "job.released") {
      released.insert(core::json_string(e.data, "claim"));
    } else if (e.type == "job.claimed" && core::json_string(e.data, "kind") == "backup") {
      claims[core::json_string(e.data, "job")].push_back(&e);
    } else if (e.type == "backup.finished" || e.type == "backup.failed") {
      outcomes[e.site].push_back(e.at);
    }
  }
  std::map<std::string, int> out;
  for (auto& [job, list] : claims) {
    // A released claim was never run (another runner had the slot): it neither counts nor bounds.
    std::erase_if(list, [&](const journal::Event* c) { return released.count(c->id) > 0; });
    std::sort(list.begin(), list.end(), by_time);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto& claim = *list[i];
      if (claim.at < from || claim.at >= until || finished.count(claim.id)) continue;
      // Younger than a day, its run may still be going: the next report (or this one made later) tells.
      if (now - claim.at < k_claim_settled) continue;
      // The slot was covered after all: the killed run's child recorded its backup (or its failure,
      // already counted as failed) before dying, or a backup by hand followed, before the next claim.
      auto next = i + 1 < list.size() ? list[i + 1]->at : SysSeconds::max();
      const auto& done = outcomes[claim.site];
      bool covered = std::any_of(done.begin(), done.end(), [&](SysSeconds t) { return t >= claim.at && t < next; });
      if (!covered) ++out[claim.site];
    }
  }
  return out;
}

std::vector<PostponedUpdate> postponed_updates(const std::vector<journal::Event>& events, const std::string& client,
                                               const std::vector<std::string>& sites, const core::TimeZone& zone,
                                               SysSeconds from, SysSeconds until) {
  std::vector<const journal::Event*> runs;
  std::map<std::pair<std::string, std::string>, std::string> backup_failure; // (run, site) -> error_kind
  for (const auto& e : events) {
    if (e.client != client || e.env != k_prod) continue;
    if (std::find(sites.begin(), sites.end(), e.site) == sites.end()) continue;
    if (e.type == "backup.failed" && core::json_string(e.data, "kind") == "pre-update") {
      backup_failure[{e.run, e.site}] = core::json_string(e.data, "error_kind");
    } else if (e.type == "update.finished" && e.at >= from && e.at < until) {
      runs.push_back(&e);
    }
  }
  std::stable_sort(runs.begin(), runs.end(), by_time);
  std::vector<PostponedUpdate> out;
  for (const auto* run : runs) {
    auto steps = run->data.find("steps");
    if (steps == run->data.end() || !steps->is_array()) continue; // failed before planning: nothing known to wait
    bool touched_prod = false;
    for (const auto& step : *steps) {
      if (!step.is_object()) continue;
      auto status = core::json_string(step, "status");
      if (status != "applied" && status != "rejected" && status != "rolled back") continue;
      touched_prod = touched_prod || status != "rejected";
      // A later run settled this component: it is applied or held back now, no longer waiting.
      auto component = core::json_string(step, "component");
      std::erase_if(out, [&](const PostponedUpdate& p) { return p.site == run->site && p.component == component; });
    }
    if (core::json_string(run->data, "outcome") != "failed" || touched_prod) continue;
    auto failure = backup_failure.find({run->run, run->site});
    for (const auto& step : *steps) {
      if (!step.is_object()) continue;
      auto status = core::json_string(step, "status");
      // What would have gone to prod: validated on preprod, or not reached because the run stopped.
      if (status != "validated" && status != "pending") continue;
      auto component = core::json_string(step, "component");
      std::erase_if(out, [&](const PostponedUpdate& p) { return p.site == run->site && p.component == component; });
      out.push_back(PostponedUpdate{run->site, component, core::json_string(step, "from"), core::json_string(step, "to"),
                                    zone.local_date(run->at), failure != backup_failure.end() ? "backup_failed" : "stopped",
                                    failure != backup_failure.end() ? failure->second : std::string()});
    }
  }
  return out;
}

} // namespace tma::client_report
