// The import half of a sync: Redmine issues -> requests, time entries -> hours.
#include <algorithm>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include <tma/connectors/redmine_mapping.hpp>
#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>

#include "connectors/sync_context.hpp"

namespace tma::connectors::detail {
namespace {

long total_of(const nlohmann::json& page) {
  const auto it = page.find("total_count");
  return it != page.end() && it->is_number_integer() ? it->get<long>() : -1;
}

} // namespace

journal::Run& SyncState::import_run() {
  if (!batch) batch.emplace(store, "connectors sync (import " + connector.name + ")");
  return *batch;
}

core::Result<void> SyncState::recorded(std::size_t events) {
  uncommitted += events;
  if (uncommitted < k_commit_batch) return {};
  return commit();
}

core::Result<void> SyncState::commit() {
  if (!batch) return {};
  uncommitted = 0;
  auto finished = batch->finish(0);
  batch.reset();
  return finished;
}

core::Result<std::unordered_map<std::string, contract::TimeEntry>> known_entries(const SyncState& state) {
  contract::EntryQuery query;
  for (const auto& p : state.connector.projects) query.clients.push_back(p.client);
  auto loaded = contract::load_entries(state.journal, query, state.zone);
  if (!loaded) return tl::unexpected(loaded.error());
  const auto prefix = state.connector.name + ":";
  std::unordered_map<std::string, contract::TimeEntry> known;
  for (auto& entry : loaded->entries) {
    if (entry.external && entry.external->rfind(prefix, 0) == 0) known.emplace(*entry.external, std::move(entry));
  }
  return known;
}

core::Result<long> project_id(Context& context, const inventory::ConnectorProject& project) {
  auto page = context.api.get("/projects/" + project.project + ".json");
  if (!page) return tl::unexpected(page.error());
  const auto id = long_of(object_of(*page, "project"), "id");
  if (id <= 0) {
    return core::fail(core::ErrorKind::http,
                      fmt::format("connector {}: GET /projects/{}.json: no project id in the answer", context.connector.name,
                                  project.project));
  }
  return id;
}

core::Result<std::string> import_issues(Context& context, const inventory::ConnectorProject& project, long id,
                                        const std::string& cursor) {
  std::string bound = cursor;
  if (bound.empty() && context.connector.import_since) {
    bound = core::format_date(*context.connector.import_since) + "T00:00:00Z";
  }
  std::string newest = cursor;
  std::size_t skip = 0; // items at `bound` already read (keyset paging over updated_on, then id)
  for (;;) {
    Query query{{"project_id", std::to_string(id)}, {"status_id", "*"}, {"sort", "updated_on,id"},
                {"limit", std::to_string(k_page_size)}, {"offset", std::to_string(skip)}};
    if (!bound.empty()) query.emplace_back("updated_on", ">=" + bound);
    auto page = context.api.get("/issues.json", query);
    if (!page) return tl::unexpected(page.error());
    const auto& items = array_of(*page, "issues");
    if (items.empty()) break;
    std::string last;
    std::size_t at_last = 0;
    for (const auto& item : items) {
      auto issue = parse_issue(item);
      if (!issue) {
        context.result.warnings.push_back(fmt::format("connector {}: {} (skipped)", context.connector.name,
                                                      issue.error().message));
        continue;
      }
      if (issue->updated_on == last) ++at_last;
      else last = issue->updated_on, at_last = 1;
      newest = std::max(newest, issue->updated_on);
      if (issue->project_id != id) continue; // a subproject's issue: its own mapping imports it
      if (is_tma_created(issue->description)) continue; // one of tma's incidents, exported: not a request
      ++context.result.counts.issues_read;
      auto key = std::to_string(issue->id);
      std::optional<request::Request> state;
      if (auto it = context.requests.find(key); it != context.requests.end()) state = it->second;
      auto change = request::record_import(context.import_run(), state, to_request(*issue, context.connector, project), context.numbers,
                                           context.zone);
      if (change == request::ImportChange::none) continue;
      if (change == request::ImportChange::opened) ++context.result.counts.requests_opened;
      else ++context.result.counts.requests_updated;
      context.requests[key] = std::move(*state);
      if (auto committed = context.recorded(1); !committed) return tl::unexpected(committed.error());
    }
    if (last.empty()) break;
    // The bound only moves forward. Redmine reads `>= T` as `> T - 1 s` over stored sub-seconds, so
    // a page may start with items of the second before the bound and end there: moving back to it
    // would alternate between two queries forever.
    if (bound.empty() || last > bound) {
      bound = last;
      skip = at_last;
    } else {
      skip += items.size();
    }
    if (items.size() < static_cast<std::size_t>(k_page_size)) break;
  }
  if (auto committed = context.commit(); !committed) return tl::unexpected(committed.error());
  return newest;
}

core::Result<void> import_time_entries(Context& context, const inventory::ConnectorProject& project, long id,
                                       bool full) {
  const auto today = context.zone.local_date(context.run.now());
  std::optional<core::Date> from;
  if (!full) from = core::civil_from_days(core::days_from_civil(today) - context.connector.time_entry_window.count() / 86400);
  if (context.connector.import_since && (!from || *from < *context.connector.import_since)) {
    from = context.connector.import_since;
  }
  auto known_entries_read = known_entries(context);
  if (!known_entries_read) return tl::unexpected(known_entries_read.error());
  auto& known = *known_entries_read;
  const auto prefix = context.connector.name + ":";

  std::set<std::string> listed;
  long first_total = -1;
  bool total_moved = false;
  for (std::size_t offset = 0;;) {
    Query q{{"project_id", std::to_string(id)}, {"sort", "created_on"}, {"limit", std::to_string(k_page_size)},
            {"offset", std::to_string(offset)}};
    if (from) q.emplace_back("from", core::format_date(*from));
    auto page = context.api.get("/time_entries.json", q);
    if (!page) return tl::unexpected(page.error());
    const auto total = total_of(*page);
    if (first_total < 0) first_total = total;
    else if (total != first_total) total_moved = true;
    const auto& items = array_of(*page, "time_entries");
    for (const auto& item : items) {
      auto parsed = parse_time_entry(item);
      if (!parsed) {
        context.result.warnings.push_back(fmt::format("connector {}: {} (skipped)", context.connector.name,
                                                      parsed.error().message));
        continue;
      }
      if (parsed->project_id != id) continue;
      if (is_tma_created(parsed->comments)) continue; // hours logged in tma and pushed: already counted
      ++context.result.counts.entries_read;
      auto key = time_entry_key(context.connector.name, parsed->id);
      listed.insert(key);
      if (today < parsed->spent_on) {
        // Readers rely on an entry never being dated after its event: it is imported once its day comes.
        context.result.warnings.push_back(fmt::format("connector {}: time entry {} is dated {}, in the future: not "
                                                      "imported yet",
                                                      context.connector.name, parsed->id,
                                                      core::format_date(parsed->spent_on)));
        continue;
      }
      if (parsed->duration.count() <= 0 || parsed->duration > contract::k_max_entry) {
        context.result.warnings.push_back(fmt::format("connector {}: time entry {}: {} h is out of range (skipped)",
                                                      context.connector.name, parsed->id,
                                                      contract::format_decimal_hours(parsed->duration)));
        continue;
      }
      std::optional<std::string> request;
      if (parsed->issue) {
        if (auto it = context.requests.find(std::to_string(*parsed->issue)); it != context.requests.end()) {
          request = it->second.id;
        }
      }
      auto entry = to_time_entry(*parsed, context.connector, project, request);
      auto previous = known.find(key);
      // Fields, not stamps: Redmine's stamps are whole seconds, and an entry changed within the
      // second it was created keeps its stamp.
      if (previous != known.end() && same_entry(previous->second, entry)) continue;
      entry.external_version = previous == known.end() ? 1 : previous->second.external_version + 1;
      if (auto recorded = contract::record_imported(context.import_run(), entry); !recorded) {
        return tl::unexpected(recorded.error());
      }
      if (previous == known.end()) ++context.result.counts.entries_added;
      else ++context.result.counts.entries_changed;
      if (auto committed = context.recorded(1); !committed) return tl::unexpected(committed.error());
    }
    offset += items.size();
    if (items.size() < static_cast<std::size_t>(k_page_size) || items.empty()) break;
  }

  // Deletions: an entry of the listed span that the listing no longer has. Offset paging shifts
  // when entries are deleted meanwhile, so nothing is withdrawn after a listing whose count moved,
  // and each candidate is confirmed by its own 404.
  if (total_moved) {
    context.result.warnings.push_back(fmt::format("connector {}: time entries of '{}' changed during the listing; "
                                                  "deletions are looked for at the next sync",
                                                  context.connector.name, project.project));
  } else {
    for (auto& [key, entry] : known) {
      if (listed.count(key) != 0 || (from && entry.date < *from)) continue;
      auto remote_id = numeric_id(std::string_view(key).substr(prefix.size()));
      if (!remote_id) continue; // not an id this connector wrote
      auto one = context.api.find("/time_entries/" + std::to_string(*remote_id) + ".json");
      if (!one) {
        context.result.warnings.push_back(one.error().message);
        continue;
      }
      if (*one) continue; // still there (moved to another project or date): nothing to withdraw
      entry.withdrawn = true;
      ++entry.external_version;
      entry.external_updated = core::format_rfc3339_utc(context.run.now());
      entry.actor.clear();
      if (auto recorded = contract::record_imported(context.import_run(), entry); !recorded) {
        return tl::unexpected(recorded.error());
      }
      ++context.result.counts.entries_withdrawn;
      if (auto committed = context.recorded(1); !committed) return tl::unexpected(committed.error());
    }
  }
  return context.commit();
}

} // namespace tma::connectors::detail
