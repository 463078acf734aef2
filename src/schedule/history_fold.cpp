// Folding `job.*` events into each job's latest live claims, and the fold's saved form.
#include <tma/schedule/history_fold.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/json.hpp>
#include <tma/core/timezone.hpp>

namespace tma::schedule {

namespace {

constexpr const char* k_schema = "tma.job-history/1";

long long seconds(SysSeconds t) { return t.time_since_epoch().count(); }
SysSeconds from_seconds(long long s) { return SysSeconds(std::chrono::seconds(s)); }

} // namespace

// The latest slot first; for one slot the first claim (the one that reached the journal first
// wins a contest); then by id, so that the result never depends on the order events came in.
bool HistoryFold::better(const Claim& a, const Claim& b) {
  if (a.slot != b.slot) return a.slot > b.slot;
  if (a.at != b.at) return a.at < b.at;
  return a.id < b.id;
}

HistoryFold HistoryFold::of(const std::vector<journal::Event>& events) {
  // Releases first: a released claim then never enters the fold, whatever order the events are in.
  HistoryFold fold;
  for (const auto& e : events) {
    if (e.type == "job.released") fold.apply(e);
  }
  for (const auto& e : events) {
    if (e.type != "job.released") fold.apply(e);
  }
  return fold;
}

void HistoryFold::add_claim(const std::string& job, Claim claim) {
  auto& claims = m_claims[job];
  if (std::any_of(claims.begin(), claims.end(), [&](const Claim& c) { return c.id == claim.id; })) return;
  if (auto exit = m_exits.find(claim.id); exit != m_exits.end()) {
    claim.exit_code = exit->second.first;
    m_exits.erase(exit);
  }
  claims.insert(std::upper_bound(claims.begin(), claims.end(), claim, better), std::move(claim));
  if (claims.size() > k_claims_kept) {
    claims.pop_back();
    m_truncated.insert(job);
  }
}

void HistoryFold::apply(const journal::Event& event) {
  if (event.type == "job.claimed") {
    if (m_released.count(event.id)) return;
    auto job = core::json_string(event.data, "job");
    auto slot = core::parse_rfc3339(core::json_string(event.data, "slot"));
    if (job.empty() || !slot) return;
    add_claim(job, Claim{event.id, event.run, *slot, event.at, std::nullopt});
  } else if (event.type == "job.released") {
    auto claim = core::json_string(event.data, "claim");
    if (claim.empty()) return;
    m_released.emplace(claim, event.at);
    auto it = m_claims.find(core::json_string(event.data, "job"));
    if (it == m_claims.end()) return;
    auto& claims = it->second;
    auto found = std::find_if(claims.begin(), claims.end(), [&](const Claim& c) { return c.id == claim; });
    if (found == claims.end()) return;
    claims.erase(found);
    if (claims.empty()) {
      // Older claims of this job may have been dropped: only the whole horizon tells which holds.
      if (m_truncated.count(it->first)) m_complete = false;
      m_claims.erase(it);
    }
  } else if (event.type == "job.finished") {
    auto claim = core::json_string(event.data, "claim");
    auto code = event.data.find("exit_code");
    if (claim.empty() || code == event.data.end() || !code->is_number_integer()) return;
    if (auto it = m_claims.find(core::json_string(event.data, "job")); it != m_claims.end()) {
      for (auto& c : it->second) {
        if (c.id != claim) continue;
        c.exit_code = code->get<int>();
        return;
      }
    }
    m_exits[claim] = {code->get<int>(), event.at};
  }
}

std::map<std::string, JobHistory> HistoryFold::history(std::optional<SysSeconds> horizon_start) const {
  std::map<std::string, JobHistory> out;
  for (const auto& [job, claims] : m_claims) {
    auto it = std::find_if(claims.begin(), claims.end(),
                           [&](const Claim& c) { return !horizon_start || c.at >= *horizon_start; });
    if (it == claims.end()) continue;
    out[job] = JobHistory{it->slot, it->at, it->run, it->exit_code};
  }
  return out;
}

void HistoryFold::prune(SysSeconds horizon_start) {
  for (auto it = m_claims.begin(); it != m_claims.end();) {
    auto& claims = it->second;
    claims.erase(std::remove_if(claims.begin(), claims.end(), [&](const Claim& c) { return c.at < horizon_start; }),
                 claims.end());
    it = claims.empty() ? m_claims.erase(it) : std::next(it);
  }
  // A claim is recorded before its release and its finish: those older than the horizon can only
  // wait for claims the horizon no longer shows.
  std::erase_if(m_released, [&](const auto& r) { return r.second < horizon_start; });
  std::erase_if(m_exits, [&](const auto& e) { return e.second.second < horizon_start; });
  // A job whose kept claims all fell out of the horizon has nothing older inside it either.
  std::erase_if(m_truncated, [&](const std::string& job) { return !m_claims.count(job); });
}

nlohmann::json HistoryFold::to_json() const {
  nlohmann::json claims = nlohmann::json::object();
  for (const auto& [job, list] : m_claims) {
    auto& out = claims[job] = nlohmann::json::array();
    for (const auto& c : list) {
      out.push_back({{"id", c.id}, {"run", c.run}, {"slot", seconds(c.slot)}, {"at", seconds(c.at)},
                     {"exit", c.exit_code ? nlohmann::json(*c.exit_code) : nlohmann::json()}});
    }
  }
  nlohmann::json released = nlohmann::json::object();
  for (const auto& [id, at] : m_released) released[id] = seconds(at);
  nlohmann::json exits = nlohmann::json::object();
  for (const auto& [id, e] : m_exits) exits[id] = {e.first, seconds(e.second)};
  return {{"schema", k_schema}, {"tip", tip},           {"claims", claims}, {"truncated", m_truncated},
          {"released", released}, {"exits", exits}, {"complete", m_complete}};
}

core::Result<HistoryFold> HistoryFold::from_json(const nlohmann::json& doc) {
  auto bad = [](const char* what) { return core::fail(core::ErrorKind::io, fmt::format("job history: {}", what)); };
  if (!doc.is_object() || doc.value("schema", "") != k_schema) return bad("unknown schema");
  try {
    HistoryFold fold;
    fold.tip = doc.at("tip").get<std::string>();
    fold.m_complete = doc.at("complete").get<bool>();
    for (const auto& [job, list] : doc.at("claims").items()) {
      auto& claims = fold.m_claims[job];
      for (const auto& c : list) {
        Claim claim{c.at("id").get<std::string>(), c.at("run").get<std::string>(),
                    from_seconds(c.at("slot").get<long long>()), from_seconds(c.at("at").get<long long>()), std::nullopt};
        if (!c.at("exit").is_null()) claim.exit_code = c.at("exit").get<int>();
        claims.push_back(std::move(claim));
      }
      if (claims.empty() || claims.size() > k_claims_kept) return bad("a job with no claim or too many");
      if (!std::is_sorted(claims.begin(), claims.end(), better)) return bad("claims out of order");
    }
    for (const auto& job : doc.at("truncated")) fold.m_truncated.insert(job.get<std::string>());
    for (const auto& [id, at] : doc.at("released").items()) fold.m_released[id] = from_seconds(at.get<long long>());
    for (const auto& [id, e] : doc.at("exits").items()) {
      fold.m_exits[id] = {e.at(0).get<int>(), from_seconds(e.at(1).get<long long>())};
    }
    return fold;
  } catch (const nlohmann::json::exception&) {
    return bad("malformed");
  }
}

} // namespace tma::schedule
