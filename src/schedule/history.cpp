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

namespace {

struct Folded {
  HistoryFold fold;
  std::string tip;
};

// The horizon read whole. Newest first, a release or a finish comes before its claim, so events
// are folded as they stream by, never all held; a store reading in another order may leave the
// fold incomplete, and then the events are folded again, releases first.
core::Result<Folded> fold_whole(const journal::Journal& journal, const journal::Filter& filter) {
  Folded out;
  auto read = journal.scan_changed("", filter, [&](const journal::Event& e) {
    out.fold.apply(e);
    return true;
  });
  if (!read) return tl::unexpected(read.error());
  out.tip = read->tip;
  if (out.fold.complete()) return out;
  std::vector<journal::Event> events;
  read = journal.scan_changed("", filter, [&](const journal::Event& e) {
    events.push_back(e);
    return true;
  });
  if (!read) return tl::unexpected(read.error());
  return Folded{HistoryFold::of(events), read->tip};
}

// The kept fold brought up to the journal's tip from the run files committed since, or nullopt
// when that cannot be (history rewritten under it, a release that needs the claims it dropped).
core::Result<std::optional<Folded>> fold_changes(const journal::Journal& journal, const journal::Filter& filter,
                                                 HistoryFold kept) {
  std::vector<journal::Event> events;
  auto read = journal.scan_changed(kept.tip, filter, [&](const journal::Event& e) {
    events.push_back(e);
    return true;
  });
  if (!read) return tl::unexpected(read.error());
  Folded out{read->whole ? HistoryFold::of(events) : std::move(kept), read->tip};
  if (!read->whole) {
    for (const auto& e : events) out.fold.apply(e);
  }
  if (!out.fold.complete()) return std::nullopt;
  return std::optional<Folded>(std::move(out));
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
  std::optional<Folded> folded;
  if (kept && kept->complete()) {
    auto changed = fold_changes(journal, filter, std::move(*kept));
    if (!changed) return tl::unexpected(changed.error());
    folded = std::move(*changed);
  }
  if (!folded) {
    auto whole = fold_whole(journal, filter);
    if (!whole) return tl::unexpected(whole.error());
    folded = std::move(*whole);
  }
  auto& fold = folded->fold;
  auto history = fold.history(horizon_start);
  if (dir && !folded->tip.empty() && fold.complete()) {
    fold.prune(horizon_start);
    fold.tip = folded->tip;
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
