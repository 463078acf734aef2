// Reading and writing a job's history in the journal.
#include <tma/schedule/jobs.hpp>

#include <filesystem>
#include <fstream>

#include <tma/core/atomic_file.hpp>
#include <tma/core/log.hpp>
#include <tma/schedule/history_fold.hpp>

namespace tma::schedule {

namespace {

constexpr const char* k_cache_file = "job-history.json";

std::optional<HistoryFold> load_fold(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto doc = nlohmann::json::parse(in, nullptr, false);
  auto fold = HistoryFold::from_json(doc);
  if (!fold) {
    core::log::debug("{}: {}; reading the journal's job history again", path.string(), fold.error().message);
    return std::nullopt;
  }
  return std::move(*fold);
}

} // namespace

core::Result<std::map<std::string, JobHistory>> read_job_history(const journal::Journal& journal, SysSeconds now) {
  auto horizon_start = now - std::chrono::duration_cast<std::chrono::seconds>(k_history_horizon);
  journal::Filter filter;
  filter.types = {"job.claimed", "job.released", "job.finished"};
  filter.since = horizon_start;
  auto dir = journal.cache_directory();
  std::optional<HistoryFold> kept;
  if (dir) kept = load_fold(*dir / k_cache_file);
  if (kept && !kept->complete()) kept.reset();
  std::string since = kept ? kept->tip : std::string();
  // Without a kept fold the read is whole and newest first, so a release or a finish comes before
  // its claim: events are folded as they stream by, never all held. With one, the changes are
  // few and kept until the read says whether they are all (rewritten history: fold them afresh).
  HistoryFold fold;
  std::vector<journal::Event> events;
  auto read = journal.scan_changed(since, filter, [&](const journal::Event& e) {
    if (kept) events.push_back(e);
    else fold.apply(e);
    return true;
  });
  if (!read) return tl::unexpected(read.error());
  if (kept && !read->whole) {
    fold = std::move(*kept);
    for (const auto& e : events) fold.apply(e);
  } else if (kept) {
    fold = HistoryFold::of(events); // history rewritten under the kept fold: it is dropped
  } else if (!fold.complete()) {
    // Only a store that reads in another order gets here: fold again, releases first.
    auto all = journal.scan_changed("", filter, [&](const journal::Event& e) {
      events.push_back(e);
      return true;
    });
    if (!all) return tl::unexpected(all.error());
    read = all;
    fold = HistoryFold::of(events);
  }
  auto history = fold.history(horizon_start);
  if (dir && !read->tip.empty() && fold.complete()) {
    fold.prune(horizon_start);
    fold.tip = read->tip;
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    auto saved = core::write_atomically(*dir / k_cache_file, fold.to_json().dump());
    if (!saved) core::log::warning("job history not kept (the next run reads the journal again): {}", saved.error().message);
  }
  return history;
}

core::Result<std::vector<journal::Event>> read_contest_events(const journal::Journal& journal,
                                                              const std::vector<Decision>& claimed, SysSeconds now) {
  journal::Filter filter;
  filter.types = {"job."};
  filter.since = now - std::chrono::duration_cast<std::chrono::seconds>(k_history_horizon);
  std::optional<SysSeconds> earliest;
  for (const auto& d : claimed) {
    if (!d.slot) return journal::read_events(journal, filter);
    if (!earliest || *d.slot < *earliest) earliest = *d.slot;
  }
  if (earliest && *earliest > *filter.since) filter.since = *earliest;
  return journal::read_events(journal, filter);
}

nlohmann::json claim_data(const Decision& decision) {
  nlohmann::json data{{"job", decision.job.key()},
                      {"kind", std::string(to_string(decision.job.kind))},
                      {"slot", decision.slot ? core::format_rfc3339_utc(*decision.slot) : std::string()},
                      {"schedule", decision.job.schedule.text()},
                      {"missed", decision.missed}};
  return data;
}

journal::Subject subject_of(const Job& job) { return journal::Subject{job.site, job.env, job.client}; }

} // namespace tma::schedule
